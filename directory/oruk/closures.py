"""Closures in Open Referral UK: HSDS has weekly schedules, not days a service is shut, so a
closure travels as a schedule with no days and no times, in standard fields only:

    {"valid_from": "2026-12-24", "valid_to": "2027-01-05", "description": "Closed: Christmas break"}
    {"description": "Closed on bank holidays"}

A directory that knows nothing of Signpost reads the words; the validator passes them (every
field is the standard's); Signpost reads them back as closures, as it reads such a schedule
from any feed. A closure schedule has no byday, opens_at or closes_at, and a description
that starts with "Closed".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from directory.models import Service, stable_id

Json = dict[str, Any]

CLOSED = "Closed"
BANK_HOLIDAYS = "Closed on bank holidays"
_REASON = re.compile(r"^closed\s*[:,\-–]?\s*", re.IGNORECASE)


@dataclass(frozen=True)
class ClosureRecord:
    """A closure read from a schedule: closed from one day to another, and why."""

    id: Any
    starts: date
    ends: date
    reason: str


def as_schedules(service: Service) -> list[Json]:
    """A service's closures (by start) and its bank holiday closing, as HSDS schedules."""
    found = [
        {
            "id": str(c.id),
            "service_id": str(service.id),
            "valid_from": c.starts.isoformat(),
            "valid_to": c.ends.isoformat(),
            "description": f"{CLOSED}: {c.reason}" if c.reason else CLOSED,
        }
        for c in sorted(service.closures, key=lambda c: (c.starts, c.ends, str(c.id)))
    ]
    if service.closed_on_bank_holidays:
        found.append(
            {
                "id": str(stable_id("bank_holidays", str(service.id))),
                "service_id": str(service.id),
                "description": BANK_HOLIDAYS,
            }
        )
    return found


def is_closure(item: Json) -> bool:
    """Whether a schedule says when the service is shut rather than when it opens."""
    if any(item.get(name) for name in ("byday", "opens_at", "closes_at")):
        return False
    return str(item.get("description") or "").strip().lower().startswith(CLOSED.lower())


def is_bank_holidays(item: Json) -> bool:
    """'Closed on bank holidays', as we write it or as a feed may ('Closed bank holidays',
    'Closed on all bank holidays.')."""
    words = _words(item)
    return is_closure(item) and ("bank holiday" in words or "public holiday" in words)


def problems(item: Json) -> list[tuple[str, str]]:
    """(field, message) for a closure schedule that cannot be kept."""
    if is_bank_holidays(item):
        return []
    starts, ends = _day(item.get("valid_from")), _day(item.get("valid_to"))
    if starts is None:
        return [("valid_from", "a closure needs its first day (YYYY-MM-DD) in valid_from")]
    if item.get("valid_to") and ends is None:
        return [("valid_to", f"{item.get('valid_to')!r} is not a date (YYYY-MM-DD)")]
    if ends is not None and ends < starts:
        return [("valid_to", "a closure's last day (valid_to) is before its first (valid_from)")]
    return []


def read(items: list[Json]) -> tuple[list[ClosureRecord], bool]:
    """The closures among a service's schedules, and whether it closes on bank holidays;
    closures that cannot be kept (see `problems`) are left out."""
    closures, bank_holidays = [], False
    for item in items:
        if not is_closure(item):
            continue
        if is_bank_holidays(item):
            bank_holidays = True
            continue
        if problems(item):
            continue
        starts = _day(item.get("valid_from"))
        assert starts is not None
        ends = _day(item.get("valid_to")) or starts
        reason = _REASON.sub("", str(item.get("description") or "").strip(), count=1)
        closures.append(ClosureRecord(item.get("id"), starts, ends, reason[:200]))
    return closures, bank_holidays


def _words(item: Json) -> str:
    return " ".join(str(item.get("description") or "").lower().split()).rstrip(".")


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None
