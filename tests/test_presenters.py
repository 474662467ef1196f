"""The phrases people read for ages, costs and opening times."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from markupsafe import escape

from directory.clock import LONDON
from directory.models import CostOption, Location, Schedule, Service, ServiceAtLocation
from directory.search.results import ResolvedPlace
from directory.web import presenters
from matcher.distance import miles_between, rounded


@pytest.mark.parametrize(
    ("hhmm", "shown"),
    [
        ("09:00", "9am"),
        ("09:30", "9:30am"),
        ("12:00", "midday"),
        ("00:00", "midnight"),
        ("00:15", "12:15am"),
        ("18:45", "6:45pm"),
    ],
)
def test_times_read_the_nhs_way(hhmm, shown):
    assert presenters.clock(hhmm) == shown


@pytest.mark.parametrize(
    ("days", "shown"),
    [
        (["MO", "TU", "WE", "TH", "FR", "SA", "SU"], "Every day"),
        (["MO", "TU", "WE", "TH", "FR"], "Monday to Friday"),
        (["TU", "TH"], "Tuesday and Thursday"),
        (["SA"], "Saturday"),
        (["MO", "WE", "FR"], "Monday, Wednesday and Friday"),
        (["FR", "MO", "TH", "TU", "WE"], "Monday to Friday"),
    ],
)
def test_days_read_as_people_say_them(days, shown):
    assert presenters.day_list(days) == shown


@pytest.mark.parametrize(
    ("low", "high", "shown"),
    [
        (11, 18, "Ages 11 to 18"),
        (50, None, "Ages 50 and over"),
        (None, 18, "Up to age 18"),
        (None, None, "All ages"),
    ],
)
def test_age_ranges(low, high, shown):
    assert presenters.age_range(Service(name="x", minimum_age=low, maximum_age=high)) == shown


def test_a_cost_shows_amount_terms_and_concessions():
    service = Service(name="x", is_free=False)
    service.cost_options = [
        CostOption(amount=4, option="per class", amount_description="Concessions £2")
    ]
    assert presenters.cost(service) == "£4.00 per class. Concessions £2"
    assert presenters.cost(Service(name="y", is_free=True)) == "Free"
    assert presenters.cost(Service(name="z", is_free=False)) == "There is a cost: ask the service"


# --- when a service next opens -------------------------------------------------------------

MONDAY = datetime(2026, 3, 9, tzinfo=LONDON)  # Monday 9 March 2026, in London


def with_sessions(*sessions: tuple[str, str, str, str]) -> Service:
    service = Service(name="x")
    service.schedules = [
        Schedule(byday=days, opens_at=opens, closes_at=closes, notes=notes)
        for days, opens, closes, notes in sessions
    ]
    return service


def monday_plus(days: int, clock: str) -> datetime:
    hours, minutes = (int(x) for x in clock.split(":"))
    return MONDAY + timedelta(days=days, hours=hours, minutes=minutes)


AFTERNOONS = ("MO,TU,WE,TH,FR", "14:00", "16:00", "")


@pytest.mark.parametrize(
    ("sessions", "now", "shown"),
    [
        ([AFTERNOONS], monday_plus(0, "09:00"), "Opens today at 2pm"),
        ([AFTERNOONS], monday_plus(0, "15:00"), "Open now until 4pm"),
        ([AFTERNOONS], monday_plus(0, "16:00"), "Opens tomorrow at 2pm"),
        # across midnight: at 11:59pm tomorrow is Tuesday; a minute later it is today
        ([("TU", "10:00", "12:00", "")], monday_plus(0, "23:59"), "Opens tomorrow at 10am"),
        ([("TU", "10:00", "12:00", "")], monday_plus(1, "00:00"), "Opens today at 10am"),
        # the weekend: Friday evening and Sunday wait for Monday
        ([AFTERNOONS], monday_plus(4, "18:00"), "Opens Monday at 2pm"),
        ([AFTERNOONS], monday_plus(6, "12:00"), "Opens tomorrow at 2pm"),
        ([("SA", "10:00", "12:00", "")], monday_plus(0, "09:00"), "Opens Saturday at 10am"),
        # a week away is next week's day, not this one's
        ([("MO", "10:00", "12:00", "")], monday_plus(0, "12:00"), "Opens next Monday at 10am"),
        # late sessions run on past midnight
        (
            [("FR", "18:00", "23:59", ""), ("SA", "00:00", "02:00", "")],
            monday_plus(4, "20:00"),
            "Open now until 2am tomorrow",
        ),
        (
            [("MO,TU,WE,TH,FR,SA,SU", "00:00", "23:59", "")],
            monday_plus(2, "03:00"),
            "Open 24 hours",
        ),
        # the deciding session's note, as the service page shows it
        (
            [("SA", "10:00", "12:00", "First Saturday of the month"), ("TU", "18:00", "20:00", "")],
            monday_plus(2, "09:00"),
            "Opens Saturday at 10am (First Saturday of the month)",
        ),
        ([], monday_plus(0, "09:00"), ""),
    ],
)
def test_when_a_service_opens_reads_as_people_say_it(sessions, now, shown):
    assert presenters.when_open(with_sessions(*sessions), now) == shown


# --- phone numbers, distances and maps ------------------------------------------------------


def test_phone_numbers_written_in_text_become_links_to_call():
    linked = presenters.phone_links("Call Sam on 0113 496 0123 or text 07700 900123.")
    assert str(linked) == (
        'Call Sam on <a href="tel:+441134960123">0113 496 0123</a> or text '
        '<a href="tel:+447700900123">07700 900123</a>.'
    )
    assert 'href="tel:+441134960123"' in presenters.phone_links("Ring +44 (0)113 496 0123")
    assert 'href="tel:116123"' in presenters.phone_links("Samaritans: 116 123, any time.")


@pytest.mark.parametrize(
    "text",
    [
        "Ages 16-25, 10:00-12:00, 2026-09-14.",
        "Registered charity 1190123.",
        "Groups of 100-105 people, 150-200 a year.",
        "£3.50 per session, LS6 1BD.",
    ],
)
def test_numbers_that_are_not_phone_numbers_stay_text(text):
    assert "<a" not in presenters.phone_links(text)
    assert str(presenters.phone_links(text)) == str(escape(text))


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script> call 0113 496 0123",
        '0113 496 0123"><img src=x onerror=alert(1)>',
        "0113 496 0123<script>alert(1)</script>",
        '<a href="javascript:alert(1)">0113 496 0123</a>',
        "javascript:alert(1)//0113 496 0123",
        "&lt;b&gt; 0113 496 0123 &amp; more &#x3C;",
    ],
)
def test_text_with_phone_numbers_is_escaped_before_it_is_linked(hostile):
    linked = str(presenters.phone_links(hostile))
    tags = re.findall(r"<[^>]*>", linked)
    # the only markup is ours: a tel: link around a number, and its end
    assert tags and all(re.fullmatch(r'<a href="tel:\+?\d+">|</a>', t) for t in tags), tags
    assert re.sub(r"<[^>]*>", "", linked) == str(escape(hostile))


def test_a_contact_number_links_by_its_digits_alone():
    assert presenters.tel_href("0113 496 0124") == "tel:+441134960124"
    assert presenters.tel_href("999") == "tel:999"
    assert presenters.tel_href('0113"><script>') == "tel:0113"


def test_the_distance_from_the_place_searched_is_in_the_words_search_uses():
    place = ResolvedPlace("LS6 1AA", 53.8195, -1.5772, "postcode")
    venue = Location(name="v", latitude=53.8400, longitude=-1.5772)
    miles = miles_between(53.8195, -1.5772, 53.8400, -1.5772)  # 1.4165...
    assert presenters.distance_from(place, venue) == f"{rounded(miles)} miles from LS6 1AA"
    assert presenters.distance_from(place, venue) == "1.4 miles from LS6 1AA"
    one_mile = Location(name="u", latitude=53.8340, longitude=-1.5772)
    assert presenters.distance_from(place, one_mile) == "1 mile from LS6 1AA"
    assert presenters.distance_from(
        place, Location(name="w", latitude=53.8195, longitude=-1.5772)
    ) == ("Less than 0.1 miles from LS6 1AA")
    assert presenters.distance_from(None, venue) == ""
    assert presenters.distance_from(place, Location(name="unmapped")) == ""


def test_a_map_link_goes_to_openstreetmap_with_the_venue_and_nothing_else():
    venue = Location(name="v", latitude=53.81951234, longitude=-1.57721234, postal_code="LS6 1AA")
    assert presenters.map_link(venue) == (
        "https://www.openstreetmap.org/?mlat=53.81951&mlon=-1.57721#map=17/53.81951/-1.57721"
    )
    unmapped = Location(name="w", postal_code="LS6 1AA")
    assert presenters.map_link(unmapped) == "https://www.openstreetmap.org/search?query=LS6+1AA"


def test_the_service_page_names_the_nearest_venue_first():
    place = ResolvedPlace("LS6 1AA", 53.8195, -1.5772, "postcode")
    service = Service(name="x")
    far = Location(name="far", latitude=53.8400, longitude=-1.5772)  # 1.4 miles
    near = Location(name="near", latitude=53.8340, longitude=-1.5772)  # 1 mile
    unmapped = Location(name="unmapped")
    service.location_links = []
    assert presenters.nearest_from(place, service) == ""
    for venue in (far, unmapped, near):
        service.location_links.append(ServiceAtLocation(location=venue))
    assert presenters.nearest_from(place, service) == "1 mile from LS6 1AA"
    assert presenters.nearest_from(None, service) == ""
