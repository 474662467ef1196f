"""What every form shares: trimmed text, checkbox lists, UK phone numbers, error summaries."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import phonenumbers
from flask import Flask, render_template
from flask_wtf import FlaskForm
from wtforms import Field, FieldList, FormField, SelectChoice, SelectMultipleField, widgets
from wtforms.validators import ValidationError

from directory.accounts import users


def strip(value: Any) -> Any:
    """Trim spaces around text; other values pass through."""
    return value.strip() if isinstance(value, str) else value


_NUMERIC_DATE = re.compile(r"(\d{1,2})[/.\- ]+(\d{1,2})[/.\- ]+(\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_WORDED_FORMATS = ("%d %B %Y", "%d %b %Y")


def parse_day(text: str) -> date | None:
    """A date as people write it in a form: "24/12/2026", "24-12-2026", "24 12 2026",
    "24 December 2026", "24 Dec 2026" or "2026-12-24"; None when it is not one (or is
    outside 2000 to 2099)."""
    text = " ".join(text.split())
    found: date | None = None
    try:
        if match := _NUMERIC_DATE.fullmatch(text):
            day, month, year = (int(x) for x in match.groups())
            found = date(year, month, day)
        elif match := _ISO_DATE.fullmatch(text):
            year, month, day = (int(x) for x in match.groups())
            found = date(year, month, day)
        else:
            for pattern in _WORDED_FORMATS:
                with contextlib.suppress(ValueError):
                    found = datetime.strptime(text, pattern).date()
                    break
    except ValueError:
        return None
    return found if found is not None and 2000 <= found.year <= 2099 else None


def choices(items: Any) -> list[SelectChoice]:
    """Choices for a radio or checkbox field from (value, label) pairs or a dict."""
    pairs = items.items() if isinstance(items, dict) else items
    return [SelectChoice(value, label) for value, label in pairs]


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes; only the offered choices are accepted."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("invalid_choice_message", "Choose only from the options shown.")
        super().__init__(*args, **kwargs)


def email_address(_form: Any, field: Field) -> None:
    """An email address, when one is given."""
    if field.data:
        field.data = field.data.strip().lower()
        for problem in users.validate_email(field.data):
            raise ValidationError(problem)


def uk_phone(_form: Any, field: Field) -> None:
    """A UK phone number, written the standard way (0113 496 0123)."""
    if not field.data:
        return
    message = f"“{field.data[:40]}” is not a UK phone number, such as 0113 496 0123."
    try:
        number = phonenumbers.parse(field.data, "GB")
    except phonenumbers.NumberParseException:
        raise ValidationError(message) from None
    if number.country_code != 44:
        raise ValidationError(message)
    full_length = len(phonenumbers.national_significant_number(number)) >= 10
    short = phonenumbers.is_valid_short_number(number)  # 116 123, 111
    # Ofcom's drama ranges (07700 900xxx) are possible but not "valid": accept full-length
    # possible numbers, which is what a typo check needs.
    if not (phonenumbers.is_valid_number(number) or short) and not (
        full_length and phonenumbers.is_possible_number(number)
    ):
        raise ValidationError(message)
    if not short:
        field.data = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def no_control_characters(_form: Any, field: Field) -> None:
    """Text without control characters (which nobody types, but scripts send)."""
    if isinstance(field.data, str) and any(ord(c) < 32 and c not in "\r\n\t" for c in field.data):
        raise ValidationError("Remove the unusual characters from this answer.")


class EmptyForm(FlaskForm):
    """A form with nothing but its CSRF token, for buttons that change something."""


def page(template: str, form: FlaskForm, **context: Any) -> tuple[str, int]:
    """A page showing a form: status 400 when the form came back with errors, else 200."""
    return render_template(template, form=form, **context), 400 if form.errors else 200


def problems(form: FlaskForm) -> list[tuple[str, str]]:
    """(field id, message) for every error in a form, nested lists and forms included."""
    return list(_walk(form))


def _walk(form: Any) -> Iterator[tuple[str, str]]:
    for field in form:
        if field.type == "CSRFTokenField":
            for message in field.errors:
                yield (
                    "main-content",
                    "This form was open too long or came from elsewhere: "
                    "send it again. " + str(message),
                )
            continue
        if isinstance(field, FieldList):
            for entry in field.entries:
                yield from _walk(entry.form if isinstance(entry, FormField) else [entry])
            continue
        if isinstance(field, FormField):
            yield from _walk(field.form)
            continue
        for message in field.errors:
            if isinstance(message, str):
                yield (field.id, message)


def register(app: Flask) -> None:
    app.add_template_global(problems, "form_problems")
