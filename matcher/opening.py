"""When a service is open: open now, and when it next opens or closes.

A service's regular hours are weekly sessions (`OpeningSession`: days, and a wall-clock
opening and closing time, "HH:MM"), read in the time of the `now` they are asked about
(London's, from directory/clock.py). One rule says what "open" means: from the opening
minute up to, but not including, the closing minute. Search's open-now filter works the
same rule out over arrays (directory/search/arrays.py, View.open_at), and a test holds the
two equal; the cards' "Opens Tuesday at 10am" is `next_opening`, on the same rule.

A session whose closing time is not after its opening time is never open (the seed and
import checks refuse one; this keeps a slip from showing a service open all week).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from matcher.facts import DAYS, OpeningSession

MINUTES_A_DAY = 24 * 60
WEEK = 7 * MINUTES_A_DAY


@dataclass(frozen=True, slots=True)
class Opening:
    """Open now until `at`, or closed until it opens at `at`; `at` is None only for a
    service open round the clock. `session` is the index of the session that decides it
    (the one open now, or the one that opens next), for its notes ("Term time only")."""

    open_now: bool
    at: datetime | None
    session: int


def is_open(sessions: Sequence[OpeningSession], now: datetime) -> bool:
    """Whether a session is open at this moment."""
    day = DAYS[now.weekday()]
    clock = f"{now.hour:02d}:{now.minute:02d}"
    return any(day in s.days and s.opens <= clock < s.closes for s in sessions)


def next_opening(sessions: Sequence[OpeningSession], now: datetime) -> Opening | None:
    """Open now and until when (back-to-back sessions run on, across midnight too), or
    when it next opens, looking up to a week ahead; None when there are no regular hours."""
    minute = now.hour * 60 + now.minute
    spans = _spans(sessions, now.weekday())
    if not spans:
        return None
    current = [s for s in spans if s[0] <= minute < s[1]]
    if current:
        until, session = max((end, i) for _start, end, i in current)
        until = _run_on(spans, until)
        at = None if until - minute >= WEEK else _moment(now, until)
        return Opening(open_now=True, at=at, session=session)
    start, _end, session = min(s for s in spans if s[0] > minute)
    return Opening(open_now=False, at=_moment(now, start), session=session)


def _spans(sessions: Sequence[OpeningSession], weekday: int) -> list[tuple[int, int, int]]:
    """Each session's (start, end, index) in minutes from the start of today, over today
    and the next eight days: enough to find the next opening, and a week of running on."""
    spans = []
    for offset in range(9):
        day = DAYS[(weekday + offset) % 7]
        for index, s in enumerate(sessions):
            opens, closes = _minutes(s.opens), _minutes(s.closes)
            if day in s.days and opens < closes:
                base = offset * MINUTES_A_DAY
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
