"""The one distance function (matcher/distance.py): the scalar and the vectorised haversine
agree, miles are rounded and worded one way, and search and matching show the same miles
for the same venue from the same postcode."""

from __future__ import annotations

import json
import math
import random
import re

import numpy as np
import pytest

from directory.web.presenters import distance_away
from matcher import words
from matcher.distance import (
    EARTH_RADIUS_MILES,
    METRES_PER_MILE,
    miles_between,
    miles_from,
    rounded,
    rounded_all,
)
from tests.search_helpers import every_result

# Greenwich, where longitudes change sign, and points around the UK's corners.
GREENWICH = (51.4779, -0.0015)
ORIGINS = [
    (53.8203, -1.5785),  # Leeds, LS6
    GREENWICH,
    (60.8, -0.85),  # Unst, Shetland
    (49.96, -6.3),  # the Isles of Scilly
    (54.6, -5.9),  # Belfast
    (0.0, 0.0),
    (-51.4779, 179.9985),  # nearly opposite Greenwich, across the date line
]


def uk_points(count: int, seed: int) -> list[tuple[float, float]]:
    r = random.Random(seed)
    return [(r.uniform(49.8, 60.9), r.uniform(-8.7, 1.8)) for _ in range(count)]


def edge_points() -> list[tuple[float, float]]:
    lat, lon = GREENWICH
    return [
        GREENWICH,  # the same point
        (lat, 0.0015),  # across the meridian, 200 m away
        (lat, 0.0),
        (lat + 1e-7, lon),  # about a centimetre
        (lat, 1.0),
        (lat, -1.0),
        (-lat, lon + 180),  # the antipode
        (-lat, lon - 180),
        (-lat + 0.01, lon + 179.99),  # nearly the antipode
        (-lat - 0.01, lon - 179.99),
        (90.0, 0.0),
        (-90.0, 0.0),
        (0.0, 180.0),
        (0.0, -180.0),
    ]


# --- the two functions ----------------------------------------------------------------


def test_distance_basics() -> None:
    # moved here from tests/test_geo.py with the function (it was postcodes.distance_m)
    assert miles_between(53.8, -1.5, 53.8, -1.5) == 0
    # one degree along a meridian is R * pi / 180
    assert miles_between(0, 0, 1, 0) * METRES_PER_MILE == pytest.approx(111_195, abs=1)
    assert miles_between(0, 0, 1, 0) == pytest.approx(111_195 / 1609.344, abs=0.01)
    assert miles_between(0, 0, 0, 180) == pytest.approx(math.pi * 6_371_008.8 / 1609.344)
    assert miles_between(0, 0, 0, 180) == pytest.approx(math.pi * EARTH_RADIUS_MILES)
    assert miles_between(51.5, -0.1, 55.9, -3.2) == miles_between(55.9, -3.2, 51.5, -0.1)


@pytest.mark.parametrize("origin", ORIGINS)
def test_the_vectorised_distance_equals_the_scalar_one(origin) -> None:
    points = uk_points(2_000, seed=round(origin[0] * 1000 + origin[1])) + edge_points()
    latitudes = np.array([p[0] for p in points])
    longitudes = np.array([p[1] for p in points])
    many = miles_from(*origin, latitudes, longitudes)
    one_by_one = np.array([miles_between(*origin, *p) for p in points])
    np.testing.assert_allclose(many, one_by_one, rtol=1e-9, atol=0)
    # and it takes plain sequences as well as arrays, and cosines kept by the caller
    np.testing.assert_array_equal(miles_from(*origin, list(latitudes), list(longitudes)), many)
    cosines = np.cos(np.radians(latitudes))
    np.testing.assert_array_equal(miles_from(*origin, latitudes, longitudes, cosines), many)


def test_the_edges_measure_as_they_should() -> None:
    lat, lon = GREENWICH
    assert miles_between(lat, lon, lat, lon) == 0
    assert miles_from(lat, lon, [lat], [lon])[0] == 0
    across = miles_between(lat, -0.0015, lat, 0.0015)
    assert across == pytest.approx(0.0030 * 69.09 * math.cos(math.radians(lat)), rel=1e-3)
    half_way_round = math.pi * EARTH_RADIUS_MILES
    assert miles_between(lat, lon, -lat, lon + 180) == pytest.approx(half_way_round)
    assert miles_from(lat, lon, [-lat], [lon - 180])[0] == pytest.approx(half_way_round)


HALVES = [0.05, 0.15, 0.25, 0.35, 0.45, 0.95, 1.05, 2.45, 2.55, 10.25, 0.04999, 0.0]


def test_rounding_is_the_same_for_one_distance_or_many() -> None:
    values = np.concatenate([HALVES, 20 * np.random.default_rng(3).random(5_000)])
    values = np.concatenate([values, values * 30])
    shown = rounded_all(values)
    assert [rounded(v) for v in values.tolist()] == shown.tolist()
    assert np.isnan(rounded_all(np.array([np.nan]))[0])


@pytest.mark.parametrize(
    ("miles", "phrase"),
    [
        (0.0, "less than 0.1 miles"),
        (0.04, "less than 0.1 miles"),
        (0.06, "0.1 miles"),  # shown as 0.1, so not "under 0.1"
        (0.96, "1 mile"),
        (1.0, "1 mile"),
        (1.04, "1 mile"),
        (1.06, "1.1 miles"),
        (2.5, "2.5 miles"),
        (12.34, "12.3 miles"),
    ],
)
def test_miles_are_worded_one_way(miles, phrase) -> None:
    assert words.miles(miles) == phrase
    assert distance_away(miles) == f"{phrase[0].upper()}{phrase[1:]} away"


def test_the_public_page_words_distances_as_before() -> None:
    # what search shows is already to a tenth: these are the words it showed before
    assert distance_away(None) == ""
    assert distance_away(0.0) == "Less than 0.1 miles away"
    assert distance_away(1.0) == "1 mile away"
    assert distance_away(0.1) == "0.1 miles away"
    assert distance_away(3.0) == "3.0 miles away"
    assert distance_away(12.3) == "12.3 miles away"


# --- search and matching, end to end ----------------------------------------------------

MILES_REASON = re.compile(r"^(less than 0\.1 miles|1 mile|\d+\.\d miles) away")
NEEDS = ["loneliness", "low_mood", "money_debt", "getting_active", "older_people", "food"]


def matched(app, postcode: str, need: str) -> list[dict]:
    """The matcher's suggestions (`flask match --json`, the answer POST /api/v1/match gives)."""
    args = ["match", "--age", "70", "--postcode", postcode, "--need", need]
    result = app.test_cli_runner().invoke(args=[*args, "--limit", "20", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["suggestions"]


@pytest.mark.parametrize("postcode", ["LS6 1BD", "LS5 3BT", "LS7 3HB", "LS9"])
def test_search_and_matching_show_the_same_miles_for_a_venue(demo_search, postcode) -> None:
    client = demo_search.test_client()
    searched = {
        r["service_id"]: r["distance_miles"]
        for r in every_result(client, {"postcode": postcode, "sort": "distance"})
        if r["band"] == "local"
    }
    compared = worded = 0
    for need in NEEDS:
        for s in matched(demo_search, postcode, need):
            if s["distance_miles"] is None or s["service_id"] not in searched:
                continue
            compared += 1
            assert s["distance_miles"] == searched[s["service_id"]], s["name"]
            said = [m.group(1) for r in s["reasons"] if (m := MILES_REASON.match(r))]
            shown = distance_away(searched[s["service_id"]])
            assert [f"{w[0].upper()}{w[1:]} away" for w in said] in ([], [shown]), s["name"]
            worded += bool(said)
    assert compared >= 20 and worded >= 10
