"""The phrases people read for ages, costs and opening times."""

from __future__ import annotations

import pytest

from directory.models import CostOption, Service
from directory.web import presenters


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
