"""The local date and time: the directory serves England, so "today" is London's today."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def now() -> datetime:
    return datetime.now(LONDON)


def today() -> date:
    return now().date()
