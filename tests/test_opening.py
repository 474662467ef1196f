"""When a service is open now, and when it next opens: across midnight, weekends, a clock
change, for services with no regular hours, through closures, bank holidays and seasons."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from directory.clock import LONDON
from directory.models import Closure as ClosureRow
from directory.models import Schedule, Service
from directory.web import presenters
from matcher.facts import Closure, OpeningSession
from matcher.opening import (
    BANK_HOLIDAYS_FILE,
    bank_holidays,
    closures_of,
    is_open,
    next_opening,
)

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


# --- closures, bank holidays and seasons ---------------------------------------------------

CHRISTMAS_BREAK = Closure(date(2025, 12, 24), date(2026, 1, 5), "Christmas break")


def moment(day: date, clock: str = "09:00") -> datetime:
    hours, minutes = (int(x) for x in clock.split(":"))
    return datetime(day.year, day.month, day.day, hours, minutes, tzinfo=LONDON)


def test_a_closure_shuts_the_service_and_says_until_when_and_why():
    # Tuesday mornings; shut from Christmas Eve 2025 to Monday 5 January 2026
    now = moment(date(2025, 12, 30), "10:30")  # a Tuesday, in the break
    assert not is_open(TUESDAY_MORNING, now, [CHRISTMAS_BREAK])
    assert is_open(TUESDAY_MORNING, now)  # without the closure it would be open
    found = next_opening(TUESDAY_MORNING, now, [CHRISTMAS_BREAK])
    assert found is not None and not found.open_now
    assert found.at == moment(date(2026, 1, 6), "10:00")
    assert found.closed_for == CHRISTMAS_BREAK
    # the Tuesday before the break and the one after it open as usual
    assert is_open(TUESDAY_MORNING, moment(date(2025, 12, 23), "10:00"), [CHRISTMAS_BREAK])
    assert is_open(TUESDAY_MORNING, moment(date(2026, 1, 6), "10:00"), [CHRISTMAS_BREAK])
    # before the break nothing is said of it: it opens as it would
    before = next_opening(TUESDAY_MORNING, moment(date(2025, 12, 22)), [CHRISTMAS_BREAK])
    assert before is not None and before.closed_for is None


def test_closed_days_that_follow_each_other_read_as_one_closure():
    break_ = Closure(date(2026, 12, 21), date(2026, 12, 24), "Christmas break")
    shut = closures_of([break_], closed_on_bank_holidays=True)  # 25 and 28 December too
    weekdays = WEEKDAYS_9_TO_5
    found = next_opening(weekdays, moment(date(2026, 12, 22)), shut)
    assert found is not None and found.closed_for is not None
    # 25 December is a bank holiday (a Friday), the weekend is not closed but has no
    # sessions, and Monday 28 December is Boxing Day's substitute: closed until the 25th
    assert found.closed_for.ends == date(2026, 12, 25)
    assert found.closed_for.reason == "Christmas break"
    assert found.at == moment(date(2026, 12, 29), "09:00")


def test_a_service_closed_on_bank_holidays_is_shut_on_each_of_them():
    shut = closures_of([], closed_on_bank_holidays=True)
    easter_monday = moment(date(2026, 4, 6), "15:00")
    assert not is_open(MONDAY_AFTERNOON, easter_monday, shut)
    assert is_open(MONDAY_AFTERNOON, easter_monday)  # not closed on them: open as usual
    found = next_opening(MONDAY_AFTERNOON, easter_monday, shut)
    assert found is not None and found.closed_for == Closure(
        date(2026, 4, 6), date(2026, 4, 6), "Easter Monday"
    )
    assert found.at == moment(date(2026, 4, 13), "14:00")
    assert closures_of([], closed_on_bank_holidays=False) == ()


def test_the_bank_holidays_file_names_its_source_and_covers_2025_to_2028():
    data = json.loads(BANK_HOLIDAYS_FILE.read_text(encoding="utf-8"))
    assert data["source"] == "https://www.gov.uk/bank-holidays"
    assert data["division"] == "england-and-wales"
    assert date.fromisoformat(data["written"]) <= date.today()
    # null until someone compares the dates with the source page (the file says so)
    assert data["checked"] is None or date.fromisoformat(data["checked"]) <= date.today()
    days = bank_holidays()
    for year in (2025, 2026, 2027, 2028):
        of_year = [d for d in days if d.year == year]
        assert len(of_year) == 8, year  # no one-off holiday in these years
        assert all(d.weekday() < 5 for d in of_year), year  # weekends move to a weekday
    assert days[date(2027, 12, 27)] == "Christmas Day (substitute day)"
    assert days[date(2028, 4, 14)] == "Good Friday"


SUMMER_CLUB = [OpeningSession(("MO", "WE"), "10:00", "15:00", date(2026, 7, 20), date(2026, 8, 28))]


@pytest.mark.parametrize(
    ("now", "open_now", "at"),
    [
        # before its season: it next opens on its first day, weeks ahead
        (moment(date(2026, 6, 1)), False, moment(date(2026, 7, 20), "10:00")),
        # in season
        (moment(date(2026, 7, 22), "11:00"), True, moment(date(2026, 7, 22), "15:00")),
        (moment(date(2026, 7, 23), "11:00"), False, moment(date(2026, 7, 27), "10:00")),
        # its last Wednesday is the 26th; the 28th is a Friday: after that, nothing ahead
        (moment(date(2026, 8, 26), "16:00"), False, None),
        (moment(date(2026, 9, 7), "11:00"), False, None),
    ],
)
def test_a_seasonal_session_runs_only_between_its_first_and_last_day(now, open_now, at):
    found = next_opening(SUMMER_CLUB, now)
    assert found is not None
    assert (found.open_now, found.at) == (open_now, at)
    assert is_open(SUMMER_CLUB, now) == open_now
    if at is None:
        assert found.session == -1


def test_next_opening_agrees_with_open_now_through_closures_and_seasons():
    sessions = [
        OpeningSession(("MO", "WE"), "09:30", "12:00", None, date(2026, 3, 18)),
        OpeningSession(("WE",), "12:00", "13:00", date(2026, 3, 12)),
        OpeningSession(("SA",), "18:00", "23:59"),
        OpeningSession(("SU",), "00:00", "01:30"),
    ]
    closures = [
        Closure(date(2026, 3, 11), date(2026, 3, 11), "Staff training"),
        Closure(date(2026, 3, 21), date(2026, 3, 23)),
    ]
    start = at("MO", "00:00")
    for step in range(3 * 7 * 24):
        now = start + timedelta(hours=step)
        found = next_opening(sessions, now, closures)
        assert found is not None
        assert found.open_now == is_open(sessions, now, closures), now
        assert found.at is not None and found.at > now, now
        if not found.open_now:
            assert not is_open(sessions, found.at - timedelta(minutes=1), closures), now
            assert is_open(sessions, found.at, closures), now
            shut = next((c for c in closures if c.covers(now.date())), None)
            assert (found.closed_for is None) == (shut is None), now


def club(closures=(), bank_holidays=False, **season) -> Service:
    """A Tuesday morning club as rows, the way the cards read it."""
    service = Service(name="Tuesday club", closed_on_bank_holidays=bank_holidays)
    service.schedules = [Schedule(byday="TU", opens_at="10:00", closes_at="12:00", **season)]
    service.closures = [ClosureRow(starts=c.starts, ends=c.ends, reason=c.reason) for c in closures]
    return service


@pytest.mark.parametrize(
    ("service", "now", "shown"),
    [
        (
            club([CHRISTMAS_BREAK]),
            moment(date(2025, 12, 30)),
            "Closed until 5 January (Christmas break). Opens Tuesday 6 January at 10am",
        ),
        (club([CHRISTMAS_BREAK]), moment(date(2025, 12, 22)), "Opens tomorrow at 10am"),
        (
            club(bank_holidays=True),
            moment(date(2026, 12, 25)),
            "Closed today (Christmas Day). Opens Tuesday 29 December at 10am",
        ),
        (
            club(valid_from=date(2026, 7, 20)),
            moment(date(2026, 6, 1)),
            "Opens Tuesday 21 July at 10am",
        ),
        (club(valid_to=date(2026, 6, 1)), moment(date(2026, 6, 3)), "No opening times coming up"),
    ],
)
def test_cards_say_when_a_service_is_closed_and_when_it_next_opens(service, now, shown):
    assert presenters.when_open(service, now) == shown
