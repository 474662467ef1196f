"""Phrases for the editors' and managers' pages: field values, dates, statuses."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Flask
from flask_login import current_user

from directory import clock
from directory.accounts.permissions import Action, can
from directory.catalogue import needs, vocabulary
from directory.listings import editing, freshness
from directory.models import EntityType, ListingStatus, ReportKind
from directory.web import presenters
from matcher.words import mile_count

CHOICES: dict[str, dict[str, str]] = {
    "delivery": vocabulary.DELIVERY,
    "restrictions": vocabulary.RESTRICTIONS,
    "referral_routes": vocabulary.REFERRAL_ROUTES,
    "pathway": {code: name for code, (name, _level) in vocabulary.NHS_PATHWAYS.items()},
    "care_level": vocabulary.CARE_LEVELS,
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
    """A stored choice in words: 'waiting_list' -> 'Waiting list', 'loneliness' ->
    'Loneliness and isolation' (needs by the vocabulary's labels)."""
    if name == "needs":
        return needs.current().labels.get(str(value), str(value))
    return CHOICES.get(name, {}).get(str(value), str(value))


def session_words(session: dict[str, Any]) -> str:
    """A weekly session from a listing snapshot: 'Monday and Wednesday, 10am to 12pm'."""
    days = presenters.day_list(list(session.get("days", [])))
    text = f"{days}, {presenters.clock(session['opens'])} to {presenters.clock(session['closes'])}"
    return text + presenters.season(_day(session.get("valid_from")), _day(session.get("valid_to")))


def closure_words(closure: dict[str, Any]) -> str:
    """A closure from a listing snapshot: 'Closed 24 December 2026 to 5 January 2027
    (Christmas break)'."""
    return presenters.closure_words(
        date.fromisoformat(closure["starts"]),
        date.fromisoformat(closure["ends"]),
        closure.get("reason", ""),
    )


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


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
    return editing.history_label(EntityType(kind), name)


def place_words(place: dict[str, Any]) -> str:
    """A place from a listing snapshot: 'Hall, 1 Road, Leeds, LS6 1AN (step-free access)'."""
    parts = [place.get(n) for n in ("name", "address", "city", "postcode")]
    words = ", ".join(dict.fromkeys(p for p in parts if p))
    access = [choice_words("accessibility", a) for a in place.get("accessibility", [])]
    return f"{words} ({', '.join(access)})" if access else words


def area_words(area: dict[str, Any]) -> str:
    """An area from a listing snapshot: 'Some postcode districts: LS6 LS7'."""
    kind = choice_words("area_type", area.get("type", ""))
    if area.get("districts"):
        return f"{kind}: {area['districts']}"
    if area.get("codes"):
        return f"{kind}: {area['codes']}"
    if area.get("miles") is not None:
        return f"{kind}: {mile_count(area['miles'])}"
    return kind


def register(app: Flask) -> None:
    app.jinja_env.globals.update(
        choice_words=choice_words,
        session_words=session_words,
        closure_words=closure_words,
        place_words=place_words,
        area_words=area_words,
        when=when,
        field_label=field_label,
        status_words=lambda s: STATUS.get(s, str(s)),
        report_kind=lambda k: REPORT_KINDS.get(k, str(k)),
        is_stale=freshness.is_stale,
        can=lambda action, target=None: can(current_user, Action(action), target),
    )
    app.jinja_env.filters["choice_words_for"] = lambda value, name: choice_words(name, value)
