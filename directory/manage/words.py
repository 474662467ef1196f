"""Phrases for the editors' and managers' pages: field values, dates, statuses."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask
from flask_login import current_user

from directory import clock, freshness, listings, presenters, vocabulary
from directory.models import EntityType, ListingStatus, ReportKind
from directory.permissions import Action, can

CHOICES: dict[str, dict[str, str]] = {
    "delivery": vocabulary.DELIVERY,
    "restrictions": vocabulary.RESTRICTIONS,
    "referral_routes": vocabulary.REFERRAL_ROUTES,
    "capacity": vocabulary.CAPACITY,
    "languages": vocabulary.LANGUAGES,
    "accessibility": vocabulary.ACCESSIBILITY,
    "area_type": {
        "local_authority": "The whole local authority area",
        "districts": "Some postcode districts",
        "radius": "A distance around its places",
        "national": "Anywhere in the UK",
    },
}
STATUS = {
    ListingStatus.DRAFT: "Draft",
    ListingStatus.PENDING_REVIEW: "Waiting for approval",
    ListingStatus.PUBLISHED: "Published",
    ListingStatus.ARCHIVED: "Archived",
}
REPORT_KINDS = {
    ReportKind.CLOSED: "Closed",
    ReportKind.WRONG_DETAILS: "Wrong details",
    ReportKind.WRONG_AREA: "Wrong area",
    ReportKind.OTHER: "Other",
}


def choice_words(name: str, value: Any) -> str:
    """A stored choice in words: 'waiting_list' -> 'Waiting list'."""
    return CHOICES.get(name, {}).get(str(value), str(value))


def session_words(session: dict[str, Any]) -> str:
    """A weekly session from a listing snapshot: 'Monday and Wednesday, 10am to 12pm'."""
    days = presenters.day_list(list(session.get("days", [])))
    return f"{days}, {presenters.clock(session['opens'])} to {presenters.clock(session['closes'])}"


def when(moment: datetime | None) -> str:
    """'3 March 2026 at 14:05', London time."""
    if moment is None:
        return ""
    local = moment.astimezone(clock.LONDON)
    return f"{local.day} {local:%B %Y} at {local:%H:%M}"


def field_label(kind: str, name: str) -> str:
    if name == "last_verified":
        return "Last checked"
    if name == "status":
        return "Status"
    return listings.labels_for(EntityType(kind)).get(name, name)


def register(app: Flask) -> None:
    app.jinja_env.globals.update(
        choice_words=choice_words,
        session_words=session_words,
        when=when,
        field_label=field_label,
        status_words=lambda s: STATUS.get(s, str(s)),
        report_kind=lambda k: REPORT_KINDS.get(k, str(k)),
        is_stale=freshness.is_stale,
        can=lambda action, target=None: can(current_user, Action(action), target),
    )
    app.jinja_env.filters["choice_words_for"] = lambda value, name: choice_words(name, value)
