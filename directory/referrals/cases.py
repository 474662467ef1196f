"""A link worker's cases: open one, change it safely, close and reopen it, hand it to
another link worker, the caseload with what is due, and the log of who looked at a case.

A case names nobody: the reference is the link worker's own, and one that looks like an
NHS number or a full postcode is refused. A full postcode typed for where they live is cut
to its district, never kept whole. Bad input raises CaseError with a sentence per field;
an edit made from an old copy of the case raises StaleCase and changes nothing.

    details = read_details({"reference": "LW-0042", "age": 72, "postcode": "LS6",
                            "needs": ["loneliness"], "consent_to_share": True}, today=today)
    case = create(session, user, details)
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy import update as sql_update
from sqlmodel import Session, col, select

from directory.accounts.permissions import CASEWORKER_ROLES
from directory.catalogue import needs as known_needs
from directory.catalogue.published import is_published
from directory.geo import postcodes
from directory.models import CaseAccess, Service, User, id_or_none, utcnow
from directory.models.cases import Case, CaseStatus, Referral, ReferralKind, ReferralStatus

MAX_REFERENCE = 40
MAX_WHAT_MATTERS = 1000
MAX_NEEDS = 12
MAX_AGE = 120
# The one set of age bands: what a link worker may give instead of an age, what a purge
# keeps of an age, and what reports count by. (lowest age, band), youngest first.
BANDS = (
    (0, "0-15"),
    (16, "16-17"),
    (18, "18-24"),
    (25, "25-34"),
    (35, "35-44"),
    (45, "45-54"),
    (55, "55-64"),
    (65, "65-74"),
    (75, "75-84"),
    (85, "85+"),
)
AGE_BANDS = tuple(band for _, band in BANDS)


def age_band(age: int) -> str:
    """The band an age in years falls in."""
    return next(band for lowest, band in reversed(BANDS) if age >= lowest)


# Why a case is closed: code -> words. "other" asks for the reason in words.
CLOSE_REASONS: dict[str, str] = {
    "support_complete": "Support finished",
    "moved_away": "Moved away",
    "declined": "They did not want more support",
    "no_contact": "Could not get in touch",
    "other": "Other",
}
STATUS_FILTERS = ("open", "closed", "all")
WAITING = (ReferralStatus.SENT, ReferralStatus.RECEIVED)
ENDED = (ReferralStatus.DECLINED, ReferralStatus.COMPLETED, ReferralStatus.CANCELLED)
# The actions the access log records: what was done, never what was seen.
ACTIONS = ("viewed", "created", "changed", "closed", "reopened", "reassigned", "exported")

# Ten digits, spaced or not (an NHS number: 943 476 5919), or a full postcode (LS6 1BD).
_NHS_NUMBER = re.compile(r"(?<!\d)\d{3}[ -]?\d{3}[ -]?\d{4}(?!\d)")
_FULL_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)
_EMAIL = re.compile(r"\S+@\S+\.\S+")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_UK_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


class CaseError(ValueError):
    """Details a case cannot hold: `problems` maps each field to a sentence saying what to do."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        self.problems = dict(problems)
        super().__init__(" ".join(self.problems.values()))


class StaleCase(CaseError):
    """The case changed since the copy being edited was read: nothing was saved."""

    def __init__(self) -> None:
        super().__init__(
            {
                "version": "Someone else changed this case while you were editing it. "
                "Nothing was saved: your changes are still in the form below. Check them "
                "against the case as it is now, then save again."
            }
        )


@dataclass(frozen=True)
class CaseDetails:
    """What a link worker tells us about a case, checked."""

    reference: str
    age: int | None = None
    age_band: str | None = None
    postcode_district: str | None = None
    needs: list[str] = field(default_factory=list)
    what_matters: str = ""
    consent_to_share: bool = False
    consent_on: date | None = None


# --- reading and checking -------------------------------------------------------------------


def read_details(data: Mapping[str, Any], *, today: date) -> CaseDetails:
    """A case's details from JSON-shaped data (the API) or a form read by `from_form`;
    CaseError names every field that is wrong."""
    problems: dict[str, str] = {}
    reference = _checked(problems, "reference", _reference, data.get("reference"))
    age = _checked(problems, "age", _age, data.get("age"))
    band = _checked(problems, "age_band", _age_band, data.get("age_band"))
    if age is not None and band is not None and "age" not in problems:
        problems["age_band"] = "Give their age or an age band, not both."
    district = _checked(problems, "postcode", _district, data.get("postcode"))
    chosen = _checked(problems, "needs", _needs, data.get("needs"))
    matters = _checked(problems, "what_matters", _what_matters, data.get("what_matters"))
    consent = _checked(problems, "consent_to_share", _consent, data.get("consent_to_share"))
    consent_on = _checked(problems, "consent_on", _date, data.get("consent_on"))
    if consent_on is not None and consent_on > today:
        problems["consent_on"] = "The date of consent cannot be in the future."
    if problems:
        raise CaseError(problems)
    return CaseDetails(
        reference=reference,
        age=age,
        age_band=band,
        postcode_district=district,
        needs=chosen or [],
        what_matters=matters or "",
        consent_to_share=bool(consent),
        consent_on=consent_on or today,
    )


def from_form(form: Any) -> dict[str, Any]:
    """A form's text fields in the shapes read_details takes (a blank field is not given)."""

    def text(name: str) -> str | None:
        value = (form.get(name) or "").strip()
        return value or None

    age = text("age")
    consent = text("consent_to_share")
    return {
        "reference": form.get("reference") or "",
        "age": int(age) if age and age.isascii() and age.isdigit() and len(age) <= 3 else age,
        "age_band": text("age_band"),
        "postcode": text("postcode"),
        "needs": [v for v in form.getlist("needs") if v.strip()],
        "what_matters": form.get("what_matters") or "",
        "consent_to_share": {"yes": True, "no": False}.get(consent or "", consent),
        "consent_on": text("consent_on"),
    }


def _checked(problems: dict[str, str], name: str, check: Any, value: Any) -> Any:
    try:
        return check(value)
    except ValueError as error:
        problems[name] = str(error)
        return None


def identifying(text: str) -> str:
    """What in these words looks like it identifies a person (an NHS number, a full postcode,
    an email address), as a sentence; "" when nothing does."""
    if _NHS_NUMBER.search(text):
        return "looks like an NHS number"
    if _FULL_POSTCODE.search(text):
        return "looks like a postcode"
    if _EMAIL.search(text):
        return "looks like an email address"
    return ""


def _reference(value: Any) -> str:
    if value is not None and not isinstance(value, str):
        raise ValueError("The reference should be text, such as LW-0042.")
    text = " ".join((value or "").split())
    if not text:
        raise ValueError("Give the case a reference of your own, such as LW-0042.")
    if len(text) > MAX_REFERENCE:
        raise ValueError(f"Keep the reference to {MAX_REFERENCE} characters or fewer.")
    said = identifying(text)
    if said:
        raise ValueError(f"The reference {said}. {_INSTEAD[said]}")
    return text


# What to do instead, for each way a reference can look like it identifies the person.
_INSTEAD = {
    "looks like an NHS number": (
        "Use a reference of your own, not a number that identifies the person."
    ),
    "looks like a postcode": "Leave addresses out of it.",
    "looks like an email address": "Leave it out.",
}


def _age(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("Age should be a whole number, such as 34.")
    if not 0 <= value <= MAX_AGE:
        raise ValueError(f"Age should be a whole number from 0 to {MAX_AGE}.")
    return value


def _age_band(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or value.strip() not in AGE_BANDS:
        raise ValueError(f"Choose an age band: {', '.join(AGE_BANDS)}.")
    return value.strip()


def _district(value: Any) -> str | None:
    """The postcode district of a postcode or district, checked against the gazetteer; a
    full postcode is cut to its district before it is looked up, so it is never kept."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise ValueError('The postcode should be text, such as "LS6".')
    typed = value
    if postcodes.is_postcode(typed):
        typed = postcodes.normalise_postcode(typed).split(" ")[0]
    try:
        return postcodes.lookup_district(typed).postcode
    except postcodes.PostcodeError as error:
        raise ValueError(error.message) from None


def _needs(value: Any) -> list[str]:
    if value is None or value == []:
        raise ValueError("Choose at least one need.")
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
        raise ValueError('Needs should be a list of need codes, such as ["loneliness"].')
    vocabulary = known_needs.current()
    chosen = list(dict.fromkeys(v.strip() for v in items if v.strip()))
    unknown = [v for v in chosen if vocabulary.need(v) is None]
    if unknown:
        raise ValueError(
            f"We don't know the need “{unknown[0][:40]}”: choose needs from the list "
            "(codes such as loneliness or money_debt)."
        )
    if not chosen:
        raise ValueError("Choose at least one need.")
    if len(chosen) > MAX_NEEDS:
        raise ValueError(f"Choose at most {MAX_NEEDS} needs.")
    return chosen


def _what_matters(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError("What matters should be text.")
    text = value.strip()
    if len(text) > MAX_WHAT_MATTERS:
        raise ValueError(f"Keep what matters to {MAX_WHAT_MATTERS:,} characters or fewer.")
    return text


def _consent(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(
            "Say whether they agree to share the referral with the provider: yes or no."
        )
    return value


def _date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        text = value.strip()
        try:
            if _ISO_DATE.match(text):
                return date.fromisoformat(text)
            found = _UK_DATE.match(text)
            if found:
                day, month, year = (int(part) for part in found.groups())
                return date(year, month, day)
        except ValueError:
            pass
    raise ValueError("The date of consent should be a real date, such as 7/12/2026.")


# --- who may see a case ---------------------------------------------------------------------


def owned(session: Session, user: User, case_id: uuid.UUID | str) -> Case | None:
    """The case if it is on this user's caseload; None for another's, or an unknown id."""
    key = id_or_none(case_id)
    found = session.get(Case, key) if key is not None else None
    return found if found is not None and found.owner_id == user.id else None


def supervised(session: Session, case_id: uuid.UUID | str) -> Case | None:
    """Any case, for a manager or admin supervising caseloads; None for an unknown id."""
    key = id_or_none(case_id)
    return session.get(Case, key) if key is not None else None


def record_access(session: Session, case: Case, user: User | None, action: str) -> None:
    """Log that this user took this action on the case: who and when, never what."""
    if action not in ACTIONS:
        raise ValueError(f"Unknown case action {action!r}")
    session.add(CaseAccess(case_id=case.id, user_id=user.id if user else None, action=action))
    session.commit()


# --- changing a case ------------------------------------------------------------------------


def _values(details: CaseDetails) -> dict[str, Any]:
    return {
        "reference": details.reference,
        "age": details.age,
        "age_band": details.age_band,
        "postcode_district": details.postcode_district,
        "needs": list(details.needs),
        "what_matters": details.what_matters,
        "consent_to_share": details.consent_to_share,
        "consent_on": details.consent_on,
    }


def create(session: Session, user: User, details: CaseDetails, *, today: date) -> Case:
    """Open a case on this link worker's caseload."""
    case = Case(owner_id=user.id, opened_on=today, **_values(details))
    session.add(case)
    session.commit()
    record_access(session, case, user, "created")
    return case


def update(session: Session, user: User, case: Case, details: CaseDetails, version: Any) -> Case:
    """Save new details over the copy the link worker read (its `version`). StaleCase if
    the case changed since: the update is conditional, so two edits never both land."""
    if not isinstance(version, int) or isinstance(version, bool):
        raise CaseError({"version": "Open the case again, then make your change."})
    return _save_over(session, user, case, version, _values(details))


def _save_over(
    session: Session, user: User, case: Case, version: int, values: dict[str, Any]
) -> Case:
    """Write these values over the copy of the case read at `version`, in one conditional
    UPDATE: StaleCase (nothing saved) if the case changed since, so two edits never both land."""
    changed = session.connection().execute(
        sql_update(Case)
        .where(col(Case.id) == case.id, col(Case.version) == version)
        .values(**values, version=version + 1, updated_at=utcnow())
    )
    if changed.rowcount != 1:
        session.rollback()
        raise StaleCase()
    session.commit()
    session.refresh(case)
    record_access(session, case, user, "changed")
    return case


def _bump(session: Session, case: Case, user: User, action: str) -> Case:
    case.version += 1
    case.updated_at = utcnow()
    session.add(case)
    session.commit()
    record_access(session, case, user, action)
    return case


def close(
    session: Session, user: User, case: Case, reason_code: str, reason: str = "", *, today: date
) -> Case:
    """Close an open case with a reason (from CLOSE_REASONS; "other" in words)."""
    if case.status is CaseStatus.CLOSED:
        raise CaseError({"reason": "This case is already closed."})
    words = " ".join((reason or "").split())
    if reason_code not in CLOSE_REASONS:
        raise CaseError({"reason": "Choose why the case is closing."})
    if reason_code == "other" and not words:
        raise CaseError({"reason_text": "Say why the case is closing."})
    if len(words) > 150:
        raise CaseError({"reason_text": "Keep the reason to 150 characters or fewer."})
    label = CLOSE_REASONS[reason_code]
    case.closed_reason = f"{label}: {words}" if words else label
    case.status = CaseStatus.CLOSED
    case.closed_on = today
    return _bump(session, case, user, "closed")


def reopen(session: Session, user: User, case: Case) -> Case:
    """Open a closed case again (its reason for closing is cleared)."""
    if case.status is CaseStatus.OPEN:
        raise CaseError({"status": "This case is already open."})
    if case.personal_cleared_at is not None:
        raise CaseError({"status": "This case's details were removed after it closed."})
    case.status = CaseStatus.OPEN
    case.closed_on = None
    case.closed_reason = ""
    return _bump(session, case, user, "reopened")


def link_workers(session: Session) -> list[User]:
    """The active link workers (and mental health practitioners) a case may be handed to,
    by email."""
    statement = (
        select(User)
        .where(col(User.role).in_(CASEWORKER_ROLES), User.active == True)  # noqa: E712
        .order_by(col(User.email))
    )
    return list(session.exec(statement).all())


def reassign(session: Session, manager: User, case: Case, to: uuid.UUID | str | None) -> Case:
    """Hand the case to another active link worker (a manager's or admin's step)."""
    key = id_or_none(to or "")
    worker = session.get(User, key) if key is not None else None
    if worker is None or worker.role not in CASEWORKER_ROLES or not worker.active:
        raise CaseError({"owner": "Choose a link worker from the list."})
    if worker.id == case.owner_id:
        raise CaseError({"owner": "The case is already on that link worker's caseload."})
    case.owner_id = worker.id
    return _bump(session, case, manager, "reassigned")


# --- already known to a specialist team -----------------------------------------------------

MAX_TEAM = 120
MAX_TEAM_CONTACT = 200


def set_known_team(
    session: Session,
    user: User,
    case: Case,
    *,
    team: Any,
    contact: Any = "",
    service_id: Any = None,
    version: Any,
) -> Case:
    """Note that the person is already known to a specialist team (its name, its listing if
    any, its duty contact), so that the way back is seen first; an empty team clears it.
    Saved over the copy the link worker read (its `version`): StaleCase if the case changed
    since. CaseError for bad input (nothing changes)."""
    if not isinstance(version, int) or isinstance(version, bool):
        raise CaseError({"version": "Open the case again, then make your change."})
    name = " ".join(str(team or "").split())
    duty = " ".join(str(contact or "").split())
    problems: dict[str, str] = {}
    listing = None
    if len(name) > MAX_TEAM:
        problems["known_team"] = f"Keep the team's name to {MAX_TEAM} characters or fewer."
    elif identifying(name):
        problems["known_team"] = (
            f"The team's name {identifying(name)}. Give the team's name only, nothing about "
            "the person."
        )
    if len(duty) > MAX_TEAM_CONTACT:
        problems["known_team_contact"] = (
            f"Keep the duty contact to {MAX_TEAM_CONTACT} characters or fewer."
        )
    elif _NHS_NUMBER.search(duty):
        problems["known_team_contact"] = (
            "The duty contact looks like an NHS number. Give the team's duty phone and hours only."
        )
    if service_id not in (None, ""):
        key = id_or_none(str(service_id))
        listing = session.get(Service, key) if key is not None else None
        if listing is None or not listing.pathway:
            problems["known_team_service_id"] = "Choose the team's listing from the list, or none."
    if not name and (duty or listing is not None):
        problems["known_team"] = "Give the team's name, such as Leeds Early Intervention Team."
    if case.personal_cleared_at is not None:
        problems["known_team"] = "This case's details were removed after it closed."
    if problems:
        raise CaseError(problems)
    team = {
        "known_team": name,
        "known_team_contact": duty if name else "",
        "known_team_service_id": listing.id if listing is not None and name else None,
    }
    return _save_over(session, user, case, version, team)


def specialist_teams(session: Session) -> list[Service]:
    """The listings a known team may be linked to: NHS pathway services, by name."""
    statement = (
        select(Service).where(is_published(), Service.pathway != "").order_by(col(Service.name))
    )
    return list(session.exec(statement).all())


# --- the caseload ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    """Something due on a case: a follow-up, a referral waiting for a reply, a wellbeing
    check. `on` is its date (None for a referral waiting with no follow-up date)."""

    kind: str  # "follow_up", "waiting", "wellbeing"
    text: str
    on: date | None


@dataclass(frozen=True)
class CaseloadRow:
    case: Case
    due: list[Due]

    @property
    def urgent(self) -> bool:
        """An urgent step-up is open: the row comes first."""
        return any(d.kind == "urgent" for d in self.due)

    @property
    def next_due(self) -> date | None:
        dates = [d.on for d in self.due if d.on is not None]
        return min(dates) if dates else None


def caseload(session: Session, owner: User | uuid.UUID, status: str = "open") -> list[CaseloadRow]:
    """The cases on a link worker's caseload (open, closed or all), each with what is due:
    those with an urgent step-up open first, then the soonest due, then those with nothing
    due, newest opened first."""
    owner_id = owner if isinstance(owner, uuid.UUID) else owner.id
    return _caseloads(session, [owner_id], status).get(owner_id, [])


def _caseloads(
    session: Session, owner_ids: Sequence[uuid.UUID], status: str
) -> dict[uuid.UUID, list[CaseloadRow]]:
    """The caseloads of these link workers, read in two queries however many there are."""
    statement = select(Case).where(col(Case.owner_id).in_(owner_ids))
    if status in ("open", "closed"):
        statement = statement.where(Case.status == CaseStatus(status))
    found = list(session.exec(statement).all())
    due = _due_by_case(session, [c.id for c in found])
    rows: dict[uuid.UUID, list[CaseloadRow]] = {key: [] for key in owner_ids}
    for case in found:
        items = due.get(case.id, [])
        rows[case.owner_id].append(CaseloadRow(case, items + _wellbeing_due(case)))
    for listed in rows.values():
        listed.sort(key=lambda r: r.case.opened_on, reverse=True)
        listed.sort(key=lambda r: (not r.urgent, r.next_due is None, r.next_due or date.min))
    return rows


def due_on(session: Session, case: Case) -> list[Due]:
    """What is due on one case, as its caseload row says."""
    return _due_by_case(session, [case.id]).get(case.id, []) + _wellbeing_due(case)


def _wellbeing_due(case: Case) -> list[Due]:
    if case.status is CaseStatus.OPEN and case.wellbeing_due_on is not None:
        return [Due("wellbeing", "Wellbeing check due", case.wellbeing_due_on)]
    return []


def _due_by_case(session: Session, case_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Due]]:
    if not case_ids:
        return {}
    # columns, not rows: a caseload reads every open referral of every case on it
    statement = (
        sa.select(
            col(Referral.case_id),
            col(Referral.status),
            col(Referral.follow_up_on),
            col(Referral.service_name),
            col(Referral.kind),
            col(Referral.urgency),
        )
        .where(col(Referral.case_id).in_(case_ids))
        .where(col(Referral.status).not_in(ENDED))
        .order_by(col(Referral.follow_up_on), col(Referral.created_at))
    )
    found: dict[uuid.UUID, list[Due]] = {}
    for case_id, status, follow_up_on, service_name, kind, urgency in session.execute(statement):
        name = service_name or "a service"
        items = found.setdefault(case_id, [])
        if kind is ReferralKind.STEP_UP and urgency == "urgent":
            # first in the row: the case's urgent step-up, whatever its status
            items.insert(0, Due("urgent", f"Urgent step-up to {name}: follow it up", follow_up_on))
        elif status in WAITING:
            items.append(Due("waiting", f"Waiting for a reply from {name}", follow_up_on))
        elif follow_up_on is not None:
            items.append(Due("follow_up", f"Follow up {name}", follow_up_on))
    return found


def caseloads(session: Session) -> list[tuple[User, list[CaseloadRow]]]:
    """Every link worker's open caseload, for supervision and handover, by email."""
    workers = link_workers(session)
    rows = _caseloads(session, [w.id for w in workers], "open")
    return [(worker, rows[worker.id]) for worker in workers]


def age_words(case: Case) -> str:
    """Their age, or age band, in words: "72", "65-74", or "not given"."""
    if case.age is not None:
        return str(case.age)
    return case.age_band or "not given"
