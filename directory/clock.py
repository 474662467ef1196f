"""The local date and time: the directory serves England, so "today" is London's today."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

LONDON = ZoneInfo("Europe/London")


def now() -> datetime:
    return datetime.now(LONDON)


def today() -> date:
    return now().date()


def stale_before(today: date) -> date:
    """Listings last checked before this day are past their check date (STALE_AFTER_DAYS):
    cards label them, search ranks them a little lower, reminders go out. Needs the app."""
    return today - timedelta(days=current_app.config["STALE_AFTER_DAYS"])
