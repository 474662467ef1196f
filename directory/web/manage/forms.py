"""Forms for keeping listings true, and for the public's reports, registrations and claims.

Each listing form turns itself into a listing snapshot (`values()`) and back
(`data_from`, see directory.listings.snapshots), so that directory.listings.editing can
diff, review and record it.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any, Self

from flask import current_app
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DecimalField,
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import (
    URL,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from directory.accounts.users import ROLE_WORDS, TEAM_ROLES
from directory.catalogue import needs_editing, vocabulary
from directory.catalogue.needs import normalise
from directory.geo import postcodes
from directory.models import AreaType, Capacity, ReportKind
from directory.oruk import uploads
from directory.oruk.needs_map import ForeignTerm
from directory.web.forms import (
    MultiCheckboxField,
    choices,
    email_address,
    no_control_characters,
    parse_day,
    strip,
    uk_phone,
)

TIME = re.compile(r"^([01]?\d|2[0-3]):[0-5]\d$")
SESSION_ROWS = 5
CLEAN = [no_control_characters]


def _text(label: str, max_length: int, required: str | None = None) -> StringField:
    first = [DataRequired(required)] if required else [Optional()]
    return StringField(label, filters=[strip], validators=[*first, Length(max=max_length), *CLEAN])


def _long_text(label: str, max_length: int, required: str | None = None) -> TextAreaField:
    first = [DataRequired(required)] if required else [Optional()]
    return TextAreaField(
        label, filters=[strip], validators=[*first, Length(max=max_length), *CLEAN]
    )


def _web_address(label: str) -> URLField:
    return URLField(
        label,
        filters=[strip],
        validators=[
            Optional(),
            Length(max=500),
            URL(message="Enter a web address starting https://, such as https://example.org."),
        ],
    )


def _time(_form: Any, field: Any) -> None:
    if field.data and not TIME.match(field.data):
        raise ValidationError(f"“{field.data[:20]}” is not a time: use 24 hours, such as 09:30.")


class VersionedForm(FlaskForm):
    # The version of the listing the form was filled from: a save based on an older one
    # is refused (directory.listings.save).
    version = HiddenField(validators=[InputRequired()])

    def validate_version(self, field: Any) -> None:
        if not str(field.data or "").isdigit() or len(str(field.data)) > 9:
            raise ValidationError("The form was damaged: open the page again.")

    @property
    def base_version(self) -> int:
        return int(self.version.data)

    @staticmethod
    def data_from(snapshot: dict[str, Any]) -> dict[str, Any]:
        """The form's data for a listing's snapshot (the fields match, unless overridden)."""
        return dict(snapshot)

    @classmethod
    def filled_from(cls, snapshot: dict[str, Any], version: int) -> Self:
        """The form filled from a listing's snapshot, based on the version it was read at."""
        return cls(data={**cls.data_from(snapshot), "version": version})


class OrganisationForm(VersionedForm):
    name = _text("Name of the organisation", 200, "Enter the name of the organisation.")
    description = _long_text("About the organisation", 2000)
    email = EmailField(
        "Email", filters=[strip], validators=[Optional(), Length(max=254), email_address]
    )
    phone = StringField("Phone", filters=[strip], validators=[Optional(), Length(max=30), uk_phone])
    website = _web_address("Website")
    charity_number = StringField(
        "Charity number",
        filters=[strip],
        validators=[Optional(), Length(max=20)],
    )

    def validate_charity_number(self, field: Any) -> None:
        if field.data and not re.fullmatch(r"(SC|NIC)?\d{6,8}(-\d{1,2})?", field.data.upper()):
            raise ValidationError("Enter a charity number of 6 to 8 digits, such as 1190123.")

    def values(self) -> dict[str, Any]:
        return {
            "name": self.name.data,
            "description": self.description.data or "",
            "email": self.email.data or "",
            "phone": self.phone.data or "",
            "website": self.website.data or "",
            "charity_number": (self.charity_number.data or "").upper(),
        }


def _day(_form: Any, field: Any) -> None:
    if field.data and parse_day(field.data) is None:
        raise ValidationError(
            f"“{field.data[:20]}” is not a date: write the day, month and year, such as 24/12/2026."
        )


def _date_field(label: str) -> StringField:
    return StringField(label, filters=[strip], validators=[Optional(), Length(max=20), _day])


def _iso(text: str | None) -> str:
    """A date the form checked, as the snapshot holds it ("2026-12-24"); "" for none."""
    day = parse_day(text or "")
    return day.isoformat() if day else ""


def _shown(iso: str | None) -> str:
    """A snapshot's date as the form shows it ("24/12/2026")."""
    return f"{date.fromisoformat(iso):%d/%m/%Y}" if iso else ""


def _in_order(first: Any, last: Any, message: str) -> bool:
    """Whether the last date is not before the first; else the error on the last."""
    start, end = parse_day(first.data or ""), parse_day(last.data or "")
    if start and end and end < start:
        last.errors = [message]
        return False
    return True


class SessionForm(Form):
    """One weekly session: some days, from a time to a time, and a season if it has one."""

    days = MultiCheckboxField("Days", choices=choices(vocabulary.DAYS))
    opens = StringField("Opens", filters=[strip], validators=[Optional(), Length(max=5), _time])
    closes = StringField("Closes", filters=[strip], validators=[Optional(), Length(max=5), _time])
    valid_from = _date_field("Runs from (first day)")
    valid_to = _date_field("Runs until (last day)")

    def validate(self, extra_validators: Any = None) -> bool:
        good = super().validate(extra_validators)
        if not good:
            return False
        filled = [bool(self.days.data), bool(self.opens.data), bool(self.closes.data)]
        if any(filled) and not all(filled):
            self.days.errors = ["Choose the days, the opening time and the closing time."]
            return False
        if not any(filled) and (self.valid_from.data or self.valid_to.data):
            self.days.errors = ["Choose the days and times that run in this season."]
            return False
        if all(filled) and _minutes(self.opens.data) >= _minutes(self.closes.data):
            self.closes.errors = ["The closing time must be after the opening time."]
            return False
        return _in_order(
            self.valid_from,
            self.valid_to,
            "The last day must be the same as the first or after it.",
        )

    def value(self) -> dict[str, Any]:
        value = {
            "days": [d for d in vocabulary.DAYS if d in self.days.data],
            "opens": _hhmm(self.opens.data),
            "closes": _hhmm(self.closes.data),
        }
        # a season only when it has one, so that a plain session reads as it always did
        for name in ("valid_from", "valid_to"):
            if getattr(self, name).data:
                value[name] = _iso(getattr(self, name).data)
        return value


class ClosureForm(Form):
    """Closed from one day to another (or on one day), and why; blank or marked to remove,
    it is not kept."""

    starts = _date_field("First day closed")
    ends = _date_field("Last day closed")
    reason = _text("Why it is closed", 200)
    remove = BooleanField("Remove this closure")

    def validate(self, extra_validators: Any = None) -> bool:
        good = super().validate(extra_validators)
        if not good or self.remove.data:
            return good
        if (self.ends.data or self.reason.data) and not self.starts.data:
            self.starts.errors = ["Enter the first day it is closed."]
            return False
        return _in_order(
            self.starts,
            self.ends,
            "The last day closed must be the same as the first day closed or after it.",
        )

    def kept(self) -> bool:
        return bool(self.starts.data) and not self.remove.data

    def value(self) -> dict[str, Any]:
        starts = _iso(self.starts.data)
        return {
            "starts": starts,
            "ends": _iso(self.ends.data) or starts,
            "reason": self.reason.data or "",
        }


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def _hhmm(text: str) -> str:
    hours, minutes = text.split(":")
    return f"{int(hours):02d}:{minutes}"


class PlaceForm(Form):
    """One place the service is held; left blank (or marked to remove) it is not kept."""

    id = HiddenField(filters=[strip], validators=[Optional(), Length(max=36)])
    name = _text("Name of the place", 200)
    address = _text("Street address", 200)
    city = _text("Town or city", 100)
    postcode = StringField("Postcode", filters=[strip], validators=[Optional(), Length(max=10)])
    accessibility = MultiCheckboxField(
        "Accessibility of the place", choices=choices(vocabulary.ACCESSIBILITY)
    )
    remove = BooleanField("Remove this place")

    def validate_postcode(self, field: Any) -> None:
        if not field.data:
            return
        try:
            place = postcodes.lookup_postcode(field.data)
        except postcodes.PostcodeError as error:
            raise ValidationError(str(error)) from None
        field.data = place.postcode

    def kept(self) -> bool:
        """Whether this row holds a place to keep (not blank, not marked to remove)."""
        filled = self.name.data or self.address.data or self.postcode.data
        return bool(filled) and not self.remove.data

    def value(self) -> dict[str, Any]:
        return {
            "id": self.id.data or "",
            "name": self.name.data or "",
            "address": self.address.data or "",
            "city": self.city.data or "",
            "postcode": self.postcode.data or "",
            "accessibility": sorted(self.accessibility.data or []),
        }


class AreaForm(Form):
    """One area the service covers; no choice (or marked to remove) and it is not kept."""

    type = RadioField(
        "Area served",
        choices=choices(
            [
                (AreaType.LOCAL_AUTHORITY.value, "The whole local authority area"),
                (AreaType.DISTRICTS.value, "Some postcode districts"),
                (AreaType.RADIUS.value, "A distance around its places"),
                (AreaType.NATIONAL.value, "Anywhere in the UK"),
            ]
        ),
        validators=[Optional()],
    )
    districts = _text("Postcode districts served", 200)
    miles = DecimalField(
        "Miles around its places",
        places=1,
        validators=[
            Optional(),
            NumberRange(Decimal("0.1"), Decimal(200), "Enter 0.1 to 200 miles."),
        ],
    )
    remove = BooleanField("Remove this area")
    # a local authority area's codes, as the listing has them: the form keeps them, so that
    # saving it changes no area (they are set by import, not here)
    codes = HiddenField(filters=[strip], validators=[Optional(), Length(max=500)])

    def validate_districts(self, field: Any) -> None:
        if self.type.data != AreaType.DISTRICTS.value:
            return
        words = (field.data or "").replace(",", " ").split()
        try:
            field.data = " ".join(dict.fromkeys(postcodes.normalise_district(w) for w in words))
        except postcodes.PostcodeError as error:
            raise ValidationError(str(error)) from None

    def validate(self, extra_validators: Any = None) -> bool:
        good = super().validate(extra_validators)
        if self.remove.data:
            return good
        needed = [
            (AreaType.RADIUS.value, self.miles, "Enter how many miles around its places."),
            (AreaType.DISTRICTS.value, self.districts, "Enter the postcode districts served."),
        ]
        for kind, field, message in needed:
            if self.type.data == kind and field.data in (None, "") and not field.errors:
                field.errors = [message]
                good = False
        return good

    def kept(self) -> bool:
        return bool(self.type.data) and not self.remove.data

    def value(self) -> dict[str, Any]:
        kind = self.type.data
        value: dict[str, Any] = {
            "type": kind,
            "districts": self.districts.data if kind == AreaType.DISTRICTS.value else "",
            "miles": float(self.miles.data)
            if kind == AreaType.RADIUS.value and self.miles.data is not None
            else None,
        }
        if kind == AreaType.LOCAL_AUTHORITY.value:
            value["codes"] = self.codes.data or ""
        return value


MAX_PLACES = 20
MAX_CLOSURES = 20


class ServiceForm(VersionedForm):
    name = _text("Name of the service", 200, "Enter the name of the service.")
    summary = _text("Summary", 300, "Say in one line what the service is.")
    description = _long_text("Description", 5000)
    needs = MultiCheckboxField("Needs it helps with", choices=[])
    delivery = MultiCheckboxField("How it is offered", choices=choices(vocabulary.DELIVERY))
    minimum_age = IntegerField(
        "Youngest age",
        validators=[Optional(), NumberRange(0, 120, "Enter an age from 0 to 120.")],
    )
    maximum_age = IntegerField(
        "Oldest age",
        validators=[Optional(), NumberRange(0, 120, "Enter an age from 0 to 120.")],
    )
    restrictions = MultiCheckboxField("Only for", choices=choices(vocabulary.RESTRICTIONS))
    eligibility_description = _long_text("Who can go, in words", 2000)
    sessions = FieldList(FormField(SessionForm), min_entries=SESSION_ROWS, max_entries=SESSION_ROWS)
    closed_on_bank_holidays = BooleanField("Closed on bank holidays")
    closures = FieldList(FormField(ClosureForm), min_entries=1, max_entries=MAX_CLOSURES)
    opening_exceptions = _text("A note on the opening times", 300)
    is_free = RadioField(
        "Is it free?",
        choices=choices([("yes", "Yes, it is free"), ("no", "No, there is a cost")]),
        default="yes",
    )
    cost_amount = DecimalField(
        "Cost in pounds",
        places=2,
        validators=[
            Optional(),
            NumberRange(Decimal(0), Decimal(10000), "Enter an amount from 0 to 10000."),
        ],
    )
    fees_description = _long_text("About the cost", 1000)
    places = FieldList(FormField(PlaceForm), min_entries=1, max_entries=MAX_PLACES)
    areas = FieldList(FormField(AreaForm), min_entries=1, max_entries=MAX_PLACES)
    referral_routes = MultiCheckboxField(
        "Who can refer", choices=choices(vocabulary.REFERRAL_ROUTES)
    )
    application_process = _long_text("How to refer", 2000)
    # An NHS mental health service: its pathway, level of care and out-of-hours words.
    pathway = RadioField(
        "NHS mental health pathway",
        choices=choices(
            [("", "None: a community listing")]
            + [(code, name) for code, (name, _level) in vocabulary.NHS_PATHWAYS.items()]
        ),
        default="",
        validators=[Optional()],
    )
    care_level = RadioField(
        "Level of care",
        choices=choices([("", "None: a community listing"), *vocabulary.CARE_LEVELS.items()]),
        default="",
        validators=[Optional()],
    )
    out_of_hours = _text("Out of hours", 300)
    capacity = RadioField(
        "Taking new people?",
        choices=choices(vocabulary.CAPACITY),
        default=Capacity.OPEN.value,
        validators=[InputRequired("Say whether the service is taking new people.")],
    )
    waiting_weeks = IntegerField(
        "Waiting list, in weeks",
        validators=[Optional(), NumberRange(1, 104, "Enter 1 to 104 weeks.")],
    )
    languages = MultiCheckboxField("Languages", choices=choices(vocabulary.LANGUAGES))
    contact_name = _text("Contact name", 200)
    contact_phone = StringField(
        "Contact phone", filters=[strip], validators=[Optional(), Length(max=30), uk_phone]
    )
    contact_email = EmailField(
        "Contact email", filters=[strip], validators=[Optional(), Length(max=254), email_address]
    )
    url = _web_address("Website")

    def validate_maximum_age(self, field: Any) -> None:
        low = self.minimum_age.data
        if field.data is not None and low is not None and field.data < low:
            raise ValidationError("The oldest age must be the same as the youngest age or more.")

    def validate(self, extra_validators: Any = None) -> bool:
        """The field checks, then answers that another answer makes necessary."""
        good = super().validate(extra_validators)
        needed = [
            (
                self.capacity.data == Capacity.WAITING_LIST.value,
                self.waiting_weeks,
                "Enter roughly how many weeks people wait.",
            ),
        ]
        for applies, field, message in needed:
            if applies and field.data in (None, "") and not field.errors:
                field.errors = [message]
                good = False
        return self._pathway_answers() and good

    def _pathway_answers(self) -> bool:
        """A pathway needs its level of care; a level or out-of-hours words need a pathway."""
        pathway = bool(self.pathway.data) and not self.pathway.errors
        wrong = [
            (
                pathway and not self.care_level.data,
                self.care_level,
                "Choose the level of care of this NHS service, or choose no pathway.",
            ),
            (
                not pathway and bool(self.care_level.data),
                self.care_level,
                "Only an NHS mental health service has a level of care: choose its pathway, "
                "or choose no level.",
            ),
            (
                not pathway and bool(self.out_of_hours.data),
                self.out_of_hours,
                "Only an NHS mental health service has out-of-hours words here: choose its "
                "pathway, or put them in the note on the opening times.",
            ),
        ]
        good = True
        for applies, field, message in wrong:
            if applies and not field.errors and not self.pathway.errors:
                field.errors = [message]
                good = False
        return good

    def validate_needs(self, field: Any) -> None:
        if not field.data:
            raise ValidationError("Choose at least one need the service helps with.")

    def values(self) -> dict[str, Any]:
        """The form as a service snapshot (see directory.listings.snapshots.service_snapshot)."""
        sessions = [
            entry.value()
            for entry in (row.form for row in self.sessions)
            if entry.days.data and entry.opens.data and entry.closes.data
        ]
        closures = sorted(
            (row.form.value() for row in self.closures if row.form.kept()),
            key=lambda c: (c["starts"], c["ends"], c["reason"]),
        )
        capacity = self.capacity.data
        cost = self.cost_amount.data if self.is_free.data == "no" else None
        return {
            "name": self.name.data,
            "summary": self.summary.data,
            "description": self.description.data or "",
            "needs": list(self.needs.data or []),
            "delivery": [d for d in vocabulary.DELIVERY if d in (self.delivery.data or [])],
            "minimum_age": self.minimum_age.data,
            "maximum_age": self.maximum_age.data,
            "restrictions": list(self.restrictions.data or []),
            "eligibility_description": self.eligibility_description.data or "",
            "sessions": sessions,
            "closures": closures,
            "closed_on_bank_holidays": bool(self.closed_on_bank_holidays.data),
            "opening_exceptions": self.opening_exceptions.data or "",
            "is_free": self.is_free.data != "no",
            "cost_amount": f"{cost:.2f}" if cost is not None else "",
            "fees_description": self.fees_description.data or "",
            "places": [row.form.value() for row in self.places if row.form.kept()],
            "areas": [row.form.value() for row in self.areas if row.form.kept()],
            "referral_routes": [
                r for r in vocabulary.REFERRAL_ROUTES if r in (self.referral_routes.data or [])
            ],
            "application_process": self.application_process.data or "",
            "pathway": self.pathway.data or "",
            "care_level": self.care_level.data or None,
            "out_of_hours": self.out_of_hours.data or "",
            "capacity": capacity,
            "waiting_weeks": self.waiting_weeks.data
            if capacity == Capacity.WAITING_LIST.value
            else None,
            "languages": sorted(self.languages.data or []),
            "contact_name": self.contact_name.data or "",
            "contact_phone": self.contact_phone.data or "",
            "contact_email": self.contact_email.data or "",
            "url": self.url.data or "",
        }

    @staticmethod
    def data_from(snapshot: dict[str, Any]) -> dict[str, Any]:
        """Form data for a service snapshot."""
        data = dict(snapshot)
        rows = [
            dict(
                row,
                valid_from=_shown(row.get("valid_from")),
                valid_to=_shown(row.get("valid_to")),
            )
            for row in list(snapshot["sessions"])[:SESSION_ROWS]
        ]
        rows += [{"days": [], "opens": "", "closes": ""}] * (SESSION_ROWS - len(rows))
        data["sessions"] = rows
        # Each closure as it is, and a blank row to add one more.
        data["closures"] = [
            *(
                {"starts": _shown(c["starts"]), "ends": _shown(c["ends"]), "reason": c["reason"]}
                for c in snapshot.get("closures", [])
            ),
            {},
        ][:MAX_CLOSURES]
        data["is_free"] = "yes" if snapshot["is_free"] else "no"
        data["care_level"] = snapshot.get("care_level") or ""
        data["cost_amount"] = Decimal(snapshot["cost_amount"]) if snapshot["cost_amount"] else None
        # Each place and area as it is, and a blank row to add one more.
        data["places"] = [*snapshot["places"], {}][:MAX_PLACES]
        data["areas"] = [
            *(
                dict(a, miles=Decimal(str(a["miles"])) if a["miles"] is not None else None)
                for a in snapshot["areas"]
            ),
            {},
        ][:MAX_PLACES]
        return data


class NewServiceForm(FlaskForm):
    name = _text("Name of the service", 200, "Enter the name of the service.")
    summary = _text("Summary", 300, "Say in one line what the service is.")


# --- forms anyone can send -------------------------------------------------------------


class ReportForm(FlaskForm):
    kind = RadioField(
        "What is wrong?",
        choices=choices(
            [
                (ReportKind.CLOSED.value, "The service has closed"),
                (ReportKind.WRONG_DETAILS.value, "Some details are wrong (times, contact, cost)"),
                (ReportKind.WRONG_AREA.value, "The area or place is wrong"),
                (ReportKind.OTHER.value, "Something else"),
            ]
        ),
        validators=[InputRequired("Choose what is wrong.")],
    )
    details = _long_text("Tell us more (optional)", 1000)

    def validate(self, extra_validators: Any = None) -> bool:
        good = super().validate(extra_validators)
        # "Something else" means nothing without words (an optional field skips its checks).
        if self.kind.data == ReportKind.OTHER.value and not self.details.data:
            self.details.errors = ["Tell us what is wrong."]
            return False
        return good


class InviteForm(FlaskForm):
    email = EmailField(
        "Their email address",
        filters=[strip],
        validators=[DataRequired("Enter their email address."), Length(max=254), email_address],
    )


class TeamInviteForm(InviteForm):
    """An admin invites a link worker or mental health practitioner to join the team."""

    role = RadioField(
        "Their role",
        choices=choices([(role.value, ROLE_WORDS[role]) for role in TEAM_ROLES]),
        validators=[DataRequired("Choose their role.")],
    )


class RequesterForm(FlaskForm):
    your_name = _text("Your name", 200, "Enter your name.")
    your_email = EmailField(
        "Your email address",
        filters=[strip],
        validators=[DataRequired("Enter your email address."), Length(max=254), email_address],
    )
    your_role = _text("Your role in the organisation", 200, "Say what your role is.")


class RegisterForm(RequesterForm):
    name = _text("Name of the organisation", 200, "Enter the name of the organisation.")
    description = _long_text("What the organisation does", 2000, "Say what the organisation does.")
    website = _web_address("Website (optional)")
    charity_number = StringField(
        "Charity number (optional)", filters=[strip], validators=[Optional(), Length(max=20)]
    )
    validate_charity_number = OrganisationForm.validate_charity_number


class ClaimForm(RequesterForm):
    message = _long_text("How can we check you work there? (optional)", 1000)


class ReturnForm(FlaskForm):
    comment = _long_text(
        "What needs to change before it can go live?", 2000, "Say what needs to change."
    )


class CheckForm(FlaskForm):
    answer = RadioField(
        "Is this listing still right?",
        choices=choices(
            [
                ("still_right", "Yes, it is still right"),
                ("needs_changes", "No, it needs changes"),
                ("closed", "The service has closed"),
            ]
        ),
        validators=[InputRequired("Choose an answer.")],
    )


def _not_too_large(_form: Any, field: Any) -> None:
    limit = current_app.config["IMPORT_MAX_BYTES"]
    stream = getattr(field.data, "stream", None)
    if stream is None:
        return
    size = stream.seek(0, 2)
    stream.seek(0)
    if size > limit:
        raise ValidationError(
            f"The file is {size / 1048576:.1f} MB: an import may be at most "
            f"{limit / 1048576:.1f} MB. Nothing was saved."
        )


class ImportForm(FlaskForm):
    """Step 1 of an import: the file, and whether to publish what it holds at once."""

    file = FileField(
        "Upload a file",
        validators=[
            FileRequired("Choose the file to check."),
            FileAllowed(
                [k.lstrip(".") for k in uploads.KINDS],
                "The file must be Open Referral JSON (.json), a datapackage (.zip), "
                "or a spreadsheet (.csv or .xlsx).",
            ),
            _not_too_large,
        ],
    )
    publish = BooleanField("Publish the listings at once, without review")
    source = _text("Directory name", 100)


class ConfirmImportForm(FlaskForm):
    """Step 2: import the checked file (named by the upload it was shown for)."""

    upload = HiddenField(validators=[DataRequired("Upload the file again.")])


class VocabularyForm(FlaskForm):
    """A form about a need or a search phrase: the time of the row's last change it was
    filled from travels with it, so a save on top of someone else's is refused."""

    based_on = HiddenField(validators=[InputRequired("The form was damaged: open it again.")])

    def problems(self, problems: dict[str, str]) -> None:
        """Show a service's problems (directory.catalogue.needs_editing) on their fields."""
        for name, message in problems.items():
            getattr(self, name).errors = [message]


class NeedWordsForm(VocabularyForm):
    label = StringField("Name", filters=[strip], validators=[*CLEAN])
    description = TextAreaField("Description", filters=[strip], validators=[*CLEAN])
    synonyms = TextAreaField("Words people use for it", filters=[strip], validators=[*CLEAN])

    def words(self) -> needs_editing.NeedWords:
        return needs_editing.NeedWords(
            label=self.label.data or "",
            description=self.description.data or "",
            synonyms=needs_editing.words_from(self.synonyms.data or ""),
        )


class PhraseForm(VocabularyForm):
    based_on = HiddenField()  # none for a new phrase
    phrase = StringField("Phrase people type", filters=[strip], validators=[*CLEAN])
    means = StringField("Words it means", filters=[strip], validators=[*CLEAN])
    needs = StringField("Needs it points to", filters=[strip], validators=[*CLEAN])

    def words(self) -> needs_editing.PhraseWords:
        return needs_editing.PhraseWords(
            phrase=self.phrase.data or "",
            means=tuple(normalise(self.means.data or "").split()),
            needs=needs_editing.codes_from(self.needs.data or ""),
        )


class TermMappingForm(FlaskForm):
    """What a term of another directory's taxonomy means: a suggested need (its button), any
    need (the list), or not a need. The term travels in hidden fields, as it was imported."""

    taxonomy = HiddenField()
    term_id = HiddenField()
    code = HiddenField()
    name = HiddenField()
    need = StringField("Or choose any need", filters=[strip])
    suggested = StringField(filters=[strip])  # the value of the suggestion's button pressed
    not_a_need = StringField()  # sent by the "Not a need" button

    NOTHING_CHOSEN = "Choose a need from the list, or say that it is not a need."

    def term(self) -> ForeignTerm:
        return ForeignTerm(
            taxonomy=self.taxonomy.data or "",
            term_id=self.term_id.data or "",
            code=self.code.data or "",
            name=self.name.data or "",
        )

    def choice(self) -> str | None:
        """The chosen need's code, or None for "not a need"; ValueError when there is none."""
        if self.not_a_need.data:
            return None
        chosen = self.suggested.data or self.need.data
        if not chosen:
            raise ValueError(self.NOTHING_CHOSEN)
        return str(chosen)


class FeedForm(FlaskForm):
    """A feed to follow: its address and name are checked by directory.oruk.feeds.add_feed,
    every problem at once."""

    url = _text("Address of the feed's Open Referral UK API", 1000)
    name = _text("Name", 1000)
    trusted = BooleanField("Trust this feed: publish its new listings at once, without review")
