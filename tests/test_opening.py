"""When a service is open now, and when it next opens: across midnight, weekends, a clock
change, and for services with no regular hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from directory.clock import LONDON
from matcher.facts import OpeningSession
from matcher.opening import is_open, next_opening

WEEKDAYS_9_TO_5 = [OpeningSession(("MO", "TU", "WE", "TH", "FR"), "09:00", "17:00")]
MONDAY_AFTERNOON = [OpeningSession(("MO",), "14:00", "16:00")]
TUESDAY_MORNING = [OpeningSession(("TU",), "10:00", "12:00")]


def at(day: str, clock: str) -> datetime:
    """A moment in the week of Monday 9 March 2026, in London."""
    days = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
    hours, minutes = (int(x) for x in clock.split(":"))
    return datetime(2026, 3, 9 + days.index(day), hours, minutes, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("sessions", "now", "open_now", "changes_at"),
    [
        # later today, open now, and the closing minute itself (closed: opens next week)
        (MONDAY_AFTERNOON, at("MO", "13:00"), False, at("MO", "14:00")),
        (MONDAY_AFTERNOON, at("MO", "14:00"), True, at("MO", "16:00")),
        (MONDAY_AFTERNOON, at("MO", "15:59"), True, at("MO", "16:00")),
        (MONDAY_AFTERNOON, at("MO", "16:00"), False, at("MO", "14:00") + timedelta(days=7)),
        # across midnight: the last minute of Monday and the first of Tuesday
        (TUESDAY_MORNING, at("MO", "23:59"), False, at("TU", "10:00")),
        (TUESDAY_MORNING, at("TU", "00:00"), False, at("TU", "10:00")),
        # the weekend: Friday evening, Saturday and Sunday wait for Monday morning
        (WEEKDAYS_9_TO_5, at("FR", "17:00"), False, at("MO", "09:00") + timedelta(days=7)),
        (WEEKDAYS_9_TO_5, at("SA", "12:00"), False, at("MO", "09:00") + timedelta(days=7)),
        (WEEKDAYS_9_TO_5, at("SU", "23:59"), False, at("MO", "09:00") + timedelta(days=7)),
        (WEEKDAYS_9_TO_5, at("FR", "16:30"), True, at("FR", "17:00")),
    ],
)
def test_when_a_service_next_opens_or_closes(sessions, now, open_now, changes_at):
    found = next_opening(sessions, now)
    assert found is not None
    assert (found.open_now, found.at) == (open_now, changes_at)
    assert is_open(sessions, now) == open_now


def test_a_service_with_no_regular_hours_has_no_next_opening():
    assert next_opening([], at("MO", "10:00")) is None
    # a slip (closing before opening) is never open, so it cannot be the next opening either
    assert next_opening([OpeningSession(("MO",), "17:00", "09:00")], at("MO", "10:00")) is None


def test_back_to_back_sessions_run_on_to_the_last_closing_time():
    sessions = [
        OpeningSession(("WE",), "12:00", "17:00"),
        OpeningSession(("WE",), "09:00", "12:00"),
        OpeningSession(("WE",), "16:00", "19:30"),
    ]
    found = next_opening(sessions, at("WE", "10:00"))
    assert found is not None and found.open_now and found.at == at("WE", "19:30")
    assert found.session == 1  # the session open now, for its notes


def test_a_late_session_runs_on_past_midnight_into_the_next_morning():
    sessions = [
        OpeningSession(("FR",), "18:00", "23:59"),
        OpeningSession(("SA",), "00:00", "02:00"),
    ]
    found = next_opening(sessions, at("FR", "20:00"))
    assert found is not None and found.open_now and found.at == at("SA", "02:00")
    # and on Saturday at 1am it is open, until 2am
    found = next_opening(sessions, at("SA", "01:00"))
    assert found is not None and found.open_now and found.at == at("SA", "02:00")


def test_open_round_the_clock_has_no_closing_time():
    every_day = [OpeningSession(("MO", "TU", "WE", "TH", "FR", "SA", "SU"), "00:00", "23:59")]
    found = next_opening(every_day, at("TH", "03:00"))
    assert found is not None and found.open_now and found.at is None


def test_the_next_opening_is_read_on_the_clock_people_see_when_the_clocks_change():
    # British Summer Time starts at 1am on Sunday 29 March 2026
    sunday_morning = [OpeningSession(("SU",), "10:00", "12:00")]
    saturday_night = datetime(2026, 3, 28, 22, 0, tzinfo=LONDON)
    found = next_opening(sunday_morning, saturday_night)
    assert found is not None and found.at is not None
    assert (found.at.day, found.at.hour, found.at.minute) == (29, 10, 0)
    assert found.at.utcoffset() == timedelta(hours=1)
    # an hour is lost in the night (aware times in one zone subtract as wall clocks: use UTC)
    assert found.at.astimezone(UTC) - saturday_night.astimezone(UTC) == timedelta(hours=11)


def test_next_opening_agrees_with_open_now_at_every_half_hour_of_the_week():
    sessions = [
        OpeningSession(("MO", "WE"), "09:30", "12:00"),
        OpeningSession(("WE",), "12:00", "13:00"),
        OpeningSession(("SA",), "18:00", "23:59"),
        OpeningSession(("SU",), "00:00", "01:30"),
    ]
    start = at("MO", "00:00")
    for step in range(7 * 48):
        now = start + timedelta(minutes=30 * step)
        found = next_opening(sessions, now)
        assert found is not None
        assert found.open_now == is_open(sessions, now), now
        assert found.at is not None and found.at > now, now
        # closed: nothing opens between now and the next opening
        if not found.open_now:
            assert not is_open(sessions, found.at - timedelta(minutes=1)), now
            assert is_open(sessions, found.at), now
