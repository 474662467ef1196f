"""When a service is open: open now, and when it next opens or closes.

A service's regular hours are weekly sessions (`OpeningSession`: days, and a wall-clock
opening and closing time, "HH:MM"), read in the time of the `now` they are asked about
(London's, from directory/clock.py). One rule says what "open" means: from the opening
minute up to, but not including, the closing minute. Search's open-now filter works the
same rule out over arrays (directory/search/arrays.py, View.open_at), and a test holds the
two equal; the cards' "Opens Tuesday at 10am" is `next_opening`, on the same rule.

Two things stop a session running on a day:
- its season: a session with a first or last day (HSDS valid_from, valid_to) runs only
  between them, both included (a summer holiday club);
- a closure: closed from one day to another with a reason ("Christmas break"), and, for a
  service that says so, every bank holiday in England and Wales (bank_holidays.json, from
  GOV.UK, with the date it was checked), each a one-day closure named as GOV.UK names it.

A session whose closing time is not after its opening time is never open (the seed and
import checks refuse one; this keeps a slip from showing a service open all week).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from matcher.facts import DAYS, Closure, OpeningSession

MINUTES_A_DAY = 24 * 60
WEEK = 7 * MINUTES_A_DAY
# How far ahead the next opening is looked for: far enough for a seasonal session that
# starts next summer, or a long closure.
HORIZON_DAYS = 400
BANK_HOLIDAYS_FILE = Path(__file__).with_name("bank_holidays.json")


@dataclass(frozen=True, slots=True)
class Opening:
    """Open now until `at` (None: round the clock), or closed until it opens at `at` (None:
    no opening in the next HORIZON_DAYS, such as a season that has ended). `session` is the
    index of the session that decides it (the one open now, or the one that opens next;
    -1 for none), for its notes ("Term time only"). `closed_for` is the closure that shuts
    it today, its end moved on over any closures that follow it without a gap."""

    open_now: bool
    at: datetime | None
    session: int
    closed_for: Closure | None = None


@functools.cache
def bank_holidays() -> dict[date, str]:
    """England and Wales bank holidays and their names, from bank_holidays.json."""
    data = json.loads(BANK_HOLIDAYS_FILE.read_text(encoding="utf-8"))
    return {date.fromisoformat(d["date"]): d["title"] for d in data["dates"]}


def closures_of(closures: Iterable[Closure], closed_on_bank_holidays: bool) -> tuple[Closure, ...]:
    """A service's closures, with each bank holiday as a one-day closure when it closes on
    them."""
    found = list(closures)
    if closed_on_bank_holidays:
        found += [Closure(day, day, title) for day, title in sorted(bank_holidays().items())]
    return tuple(found)


def closure_on(closures: Iterable[Closure], day: date) -> Closure | None:
    """The closure that shuts the service on this day, if any (the first given)."""
    return next((c for c in closures if c.covers(day)), None)


def in_season(sessions: Iterable[OpeningSession], day: date) -> list[OpeningSession]:
    """The sessions that run on this day's date by their season (any weekday)."""
    return [s for s in sessions if s.runs_on(day)]


def is_open(
    sessions: Sequence[OpeningSession], now: datetime, closures: Sequence[Closure] = ()
) -> bool:
    """Whether a session is open at this moment (in its season, on a day not closed)."""
    today = now.date()
    if closure_on(closures, today) is not None:
        return False
    day = DAYS[now.weekday()]
    clock = f"{now.hour:02d}:{now.minute:02d}"
    return any(day in s.days and s.opens <= clock < s.closes and s.runs_on(today) for s in sessions)


def next_opening(
    sessions: Sequence[OpeningSession], now: datetime, closures: Sequence[Closure] = ()
) -> Opening | None:
    """Open now and until when (back-to-back sessions run on, across midnight too), or
    when it next opens, looking up to HORIZON_DAYS ahead; None when there are no regular
    hours."""
    if not any(_minutes(s.opens) < _minutes(s.closes) for s in sessions):
        return None
    today = now.date()
    closed = _closed_days(closures, today)
    minute = now.hour * 60 + now.minute
    spans = [span for offset in range(9) for span in _day_spans(sessions, today, offset, closed)]
    current = [s for s in spans if s[0] <= minute < s[1]]
    if current:
        until, session = max((end, i) for _start, end, i in current)
        until = _run_on(spans, until)
        at = None if until - minute >= WEEK else _moment(now, until)
        return Opening(open_now=True, at=at, session=session)
    closed_for = _closed_run(closed, today)
    later = [s for s in spans if s[0] > minute]
    offset = 9
    while not later and offset < HORIZON_DAYS:
        later = _day_spans(sessions, today, offset, closed)
        offset += 1
    if not later:
        return Opening(open_now=False, at=None, session=-1, closed_for=closed_for)
    start, _end, session = min(later)
    return Opening(open_now=False, at=_moment(now, start), session=session, closed_for=closed_for)


def _closed_days(closures: Sequence[Closure], today: date) -> dict[int, Closure]:
    """The closure of each closed day, by days from today, up to HORIZON_DAYS ahead."""
    closed: dict[int, Closure] = {}
    for closure in closures:
        first = max((closure.starts - today).days, 0)
        last = min((closure.ends - today).days, HORIZON_DAYS)
        for offset in range(first, last + 1):
            closed.setdefault(offset, closure)
    return closed


def _closed_run(closed: dict[int, Closure], today: date) -> Closure | None:
    """Today's closure, ending on the last of the closed days that follow it unbroken."""
    closure = closed.get(0)
    if closure is None:
        return None
    last = 0
    while last + 1 in closed:
        last += 1
    return Closure(closure.starts, max(closure.ends, today + timedelta(days=last)), closure.reason)


def _day_spans(
    sessions: Sequence[OpeningSession], today: date, offset: int, closed: dict[int, Closure]
) -> list[tuple[int, int, int]]:
    """Each session's (start, end, index) on the day `offset` days from today, in minutes
    from the start of today: none on a closed day, nor for a session out of its season."""
    if offset in closed:
        return []
    day = today + timedelta(days=offset)
    code = DAYS[day.weekday()]
    base = offset * MINUTES_A_DAY
    spans = []
    for index, s in enumerate(sessions):
        opens, closes = _minutes(s.opens), _minutes(s.closes)
        if code in s.days and opens < closes and s.runs_on(day):
            spans.append((base + opens, base + closes, index))
    return spans


def _run_on(spans: list[tuple[int, int, int]], until: int) -> int:
    """The closing minute once sessions that start as (or before) one closes are joined on.
    A session closing at 23:59 runs on into one opening at midnight."""
    while True:
        reach = until + 1 if until % MINUTES_A_DAY == MINUTES_A_DAY - 1 else until
        later = [end for start, end, _i in spans if start <= reach < end]
        if not later or max(later) <= until:
            return until
        until = max(later)


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def _moment(now: datetime, minutes: int) -> datetime:
    """The wall-clock moment `minutes` after the start of now's day, in now's time zone
    (so a day when the clocks change is still read on the clock people see)."""
    days, minute = divmod(minutes, MINUTES_A_DAY)
    day = now.date() + timedelta(days=days)
    return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=now.tzinfo)
