"""Where people live: search leaves out services only for other areas than the place
searched, counts them, and judges an area by the matcher's own rule (matcher.rules.serves).

A hand-made catalogue indexed straight from search facts (no database), the small and the
demo catalogues through the app, and the page and the API's answer.
"""

from __future__ import annotations

import random
import uuid

import numpy as np
import pytest
from sqlmodel import Session

from directory import db, search
from directory.search import engine, places
from directory.search.documents import ServiceFacts
from directory.search.index import SearchIndex
from directory.search.request import SearchRequest
from directory.search.results import ResolvedPlace
from directory.search.understanding import load_lexicon
from matcher.distance import miles_between, rounded
from matcher.facts import Area
from matcher.rules import serves
from tests.conftest import demo_needs
from tests.search_helpers import api, every_result, main_text

LEEDS = "E08000035"
MANCHESTER = "E08000003"
HYDE_PARK = (53.81297, -1.56540)  # LS6 1BD
CHAPELTOWN = (53.8177, -1.5317)  # LS7 3EX, 1.4 miles from Hyde Park


def _facts(name: str, areas: tuple[Area, ...], sites=(), modes=("in_person",)) -> ServiceFacts:
    return ServiceFacts(
        id=uuid.uuid5(uuid.NAMESPACE_URL, name),
        name=f"{name} support",
        organisation="Areas test",
        summary="Support for anyone who needs it.",
        modes=modes,
        sites=sites,
        areas=areas,
    )


CATALOGUE = [
    _facts("Chapeltown only", (Area("districts", ("LS7",), name="LS7"),), (CHAPELTOWN,)),
    _facts("Leeds only", (Area("local_authority", (LEEDS,), name="Leeds"),), (HYDE_PARK,)),
    _facts("Leeds phone", (Area("local_authority", (LEEDS,), name="Leeds"),), (), ("phone",)),
    _facts("National phone", (Area("national"),), (), ("phone",)),
    _facts("Within a mile", (Area("radius", miles=1.0),), (HYDE_PARK,)),
    _facts("No area", (), (CHAPELTOWN,)),
    _facts(
        "LS6 or Manchester",
        (Area("districts", ("LS6",)), Area("local_authority", (MANCHESTER,))),
        (HYDE_PARK,),
    ),
]
IN_LS6 = ResolvedPlace("LS6 1BD", *HYDE_PARK, "postcode", LEEDS, ("LS6",))
IN_LS7 = ResolvedPlace("LS7 3EX", *CHAPELTOWN, "postcode", LEEDS, ("LS7",))
IN_MANCHESTER = ResolvedPlace("M1 1AE", 53.4835, -2.2312, "postcode", MANCHESTER, ("M1",))


@pytest.fixture(scope="module")
def lexicon():
    return load_lexicon(demo_needs())


@pytest.fixture(scope="module")
def hand_made(tmp_path_factory):
    index = SearchIndex(tmp_path_factory.mktemp("areas") / "index")
    index.rebuild(CATALOGUE)
    yield index
    index.close()


def _found(index, lexicon, place, **changes):
    results = engine.run(index, SearchRequest(text="support", **changes), lexicon, place=place)
    names = [
        name
        for band in (results.local, results.online)
        for hit in band.hits
        for name in [f.name.removesuffix(" support") for f in CATALOGUE if f.id == hit.service_id]
    ]
    return results, set(names)


def test_a_searcher_in_ls6_does_not_see_a_service_only_for_ls7_and_is_told(hand_made, lexicon):
    results, names = _found(hand_made, lexicon, IN_LS6)
    assert "Chapeltown only" not in names
    assert names == {
        "Leeds only",
        "Leeds phone",
        "National phone",
        "Within a mile",
        "No area",
        "LS6 or Manchester",
    }
    assert results.other_areas == 1
    assert results.total == 6


def test_the_same_service_appears_for_a_searcher_inside_its_area(hand_made, lexicon):
    results, names = _found(hand_made, lexicon, IN_LS7)
    assert "Chapeltown only" in names
    # 1.4 miles from the only venue of a service for people within a mile of it
    assert "Within a mile" not in names
    assert "LS6 or Manchester" not in names
    assert results.other_areas == 2


def test_someone_in_another_city_sees_national_services_and_none_only_for_leeds(hand_made, lexicon):
    results, names = _found(hand_made, lexicon, IN_MANCHESTER)
    assert names == {"National phone", "No area", "LS6 or Manchester"}  # any one area will do
    assert results.other_areas == 4
    assert results.online.total == 1  # the Leeds phone line is not "from home" for them


def test_without_a_place_nothing_is_left_out(hand_made, lexicon):
    results, names = _found(hand_made, lexicon, None)
    assert len(names) == len(CATALOGUE)
    assert results.other_areas == 0


def test_only_matches_are_counted_and_a_distance_filter_comes_first(hand_made, lexicon):
    results, _ = _found(hand_made, lexicon, IN_LS6, miles=1)
    # Chapeltown's service is 1.4 miles away: out of reach anyway, so not "for other areas"
    assert results.other_areas == 0
    results = engine.run(hand_made, SearchRequest(text="zebra"), lexicon, place=IN_LS6)
    assert results.total == 0 and results.other_areas == 0


def test_a_place_whose_district_is_not_known_keeps_services_for_some_districts(hand_made, lexicon):
    somewhere_in_leeds = ResolvedPlace("Leeds", 53.7997, -1.5492, "neighbourhood", LEEDS, ())
    results, names = _found(hand_made, lexicon, somewhere_in_leeds)
    assert {"Chapeltown only", "LS6 or Manchester"} <= names  # not known to be outside
    assert "Within a mile" not in names  # measured: the centre is 1 mile or more away
    assert results.other_areas == 1


def test_a_neighbourhood_across_districts_keeps_the_services_of_each(hand_made, lexicon):
    woodhouse = ResolvedPlace("Woodhouse", 53.8109, -1.5560, "neighbourhood", LEEDS, ("LS6", "LS7"))
    _, names = _found(hand_made, lexicon, woodhouse)
    assert {"Chapeltown only", "LS6 or Manchester"} <= names


def _the_rule(facts: ServiceFacts, place: ResolvedPlace) -> bool:
    """The matcher's rule, service by service, as a link worker's match applies it."""
    miles = (
        min(miles_between(place.latitude, place.longitude, *site) for site in facts.sites)
        if facts.sites
        else None
    )
    if not facts.areas:
        return True
    if miles is None and any(a.kind == "radius" for a in facts.areas):
        return True  # a radius around no venue: search does not know it excludes
    return any(
        serves(area, place.local_authority, district, miles)
        for area in facts.areas
        for district in place.districts
    )


def test_the_arrays_judge_every_area_as_the_matchers_rule_does(tmp_path, lexicon):
    """Random services and places around Leeds, radius edges included: the engine's masks
    leave out exactly the services the rule says do not serve the place."""
    rng = random.Random(11)
    districts = ["LS1", "LS2", "LS6", "LS7", "LS8", "M1"]

    def near_leeds() -> tuple[float, float]:
        return 53.80 + rng.uniform(-0.05, 0.05), -1.55 + rng.uniform(-0.08, 0.08)

    def area() -> Area:
        kind = rng.choice(["national", "local_authority", "districts", "radius"])
        if kind == "radius":
            return Area("radius", miles=rng.choice([0.5, 1.0, 2.0, 3.0]))
        if kind == "districts":
            return Area("districts", tuple(rng.sample(districts, 2)))
        if kind == "local_authority":
            return Area("local_authority", (rng.choice([LEEDS, MANCHESTER]),))
        return Area("national")

    catalogue = [
        _facts(
            f"Random {i}",
            tuple(area() for _ in range(rng.choice([0, 1, 1, 2]))),
            tuple(near_leeds() for _ in range(rng.choice([0, 1, 2, 3]))),
        )
        for i in range(300)
    ]
    index = SearchIndex(tmp_path / "index")
    index.rebuild(catalogue)
    try:
        for _ in range(25):
            lat, lon = near_leeds()
            place = ResolvedPlace(
                "here",
                lat,
                lon,
                "postcode",
                rng.choice([LEEDS, MANCHESTER]),
                (rng.choice(districts),),
            )
            results = engine.run(
                index,
                SearchRequest(text="support", per_page=1000, band="local"),
                lexicon,
                place=place,
            )
            online = engine.run(
                index,
                SearchRequest(text="support", per_page=1000, band="online"),
                lexicon,
                place=place,
            )
            shown = {h.service_id for h in results.local.hits + online.online.hits}
            expected = {f.id for f in catalogue if _the_rule(f, place)}
            assert shown == expected
            assert results.other_areas == len(catalogue) - len(expected)
    finally:
        index.close()


def test_a_radius_is_judged_by_the_miles_as_shown(tmp_path, lexicon):
    """A venue 1.04 miles away is shown as 1.0 miles: inside a one-mile radius, as the
    matcher says; one 1.06 miles away (1.1) is not."""
    mile = 1 / 69.05  # of latitude, in degrees, near enough; the test measures it
    for miles, inside in ((1.04, True), (1.06, False)):
        site = (HYDE_PARK[0] + miles * mile, HYDE_PARK[1])
        measured = miles_between(*HYDE_PARK, *site)
        assert (rounded(measured) <= 1.0) is inside
        facts = _facts(f"Edge {miles}", (Area("radius", miles=1.0),), (site,))
        index = SearchIndex(tmp_path / f"edge-{miles}")
        index.rebuild([facts])
        try:
            results = engine.run(index, SearchRequest(text="support"), lexicon, place=IN_LS6)
            assert (results.local.total == 1) is inside
            assert serves(Area("radius", miles=1.0), LEEDS, "LS6", measured) is inside
        finally:
            index.close()


def test_view_serving_asks_only_about_the_documents_given(hand_made, lexicon):
    with hand_made.searcher() as searcher:
        view = engine._views_for(hand_made).view(
            searcher, (hand_made.live_build(), searcher.reader().generation())
        )
        docs = np.arange(view.size)
        served = view.serving(MANCHESTER, ("M1",), docs, np.full(view.size, np.nan))
        assert served.shape == (view.size,)
        assert view.serving(MANCHESTER, ("M1",), docs[:0], np.zeros(0)).shape == (0,)


# --- the place searched, resolved offline --------------------------------------------


@pytest.mark.parametrize(
    ("typed", "authority", "districts"),
    [
        ("LS6 1AA", LEEDS, ("LS6",)),
        ("ls7", LEEDS, ("LS7",)),
        ("M1 1AE", MANCHESTER, ("M1",)),
        ("Chapeltown", LEEDS, ("LS7",)),
    ],
)
def test_a_place_knows_its_local_authority_and_districts(small_app, typed, authority, districts):
    with Session(_engine(small_app)) as session:
        found = places.resolve(session, typed)
    assert found.local_authority == authority
    assert found.districts == districts
    assert found.postcode_district == districts[0]


def _engine(app):
    return app.extensions[db.ENGINE_KEY]


# --- the demo catalogue, through the page and the API ----------------------------------


def test_the_api_counts_services_only_for_other_areas(demo_search):
    with demo_search.test_client() as client:
        in_ls6 = api(client, {"q": "caribbean lunch club", "postcode": "LS6 1AA"})
        in_ls7 = api(client, {"q": "caribbean lunch club", "postcode": "LS7 3EX"})
    assert "Caribbean Lunch Club" not in [r["name"] for r in in_ls6["results"]]
    assert in_ls6["other_areas"] >= 1
    lunch = [r for r in in_ls7["results"] if r["name"] == "Caribbean Lunch Club"]
    assert lunch and lunch[0]["area"] == "Only for people in LS7 or LS8"


def test_someone_in_manchester_sees_only_services_open_to_them(demo_search):
    with demo_search.test_client() as client:
        answer = api(client, {"q": "support", "postcode": "M1 1AE"})
        everything = every_result(client, {"q": "support", "postcode": "M1 1AE"})
        in_leeds = api(client, {"q": "support", "postcode": "LS6 1AA"})
    assert answer["other_areas"] > 0
    assert everything, "national services are still found"
    assert all(r["area"] is None or "Leeds" not in r["area"] for r in everything)
    assert answer["total"] + answer["other_areas"] >= in_leeds["total"]


def test_the_page_says_how_many_services_are_only_for_other_areas(demo_search):
    with demo_search.test_client() as client:
        page = main_text(client.get("/search?q=caribbean+lunch+club&postcode=LS6+1AA"))
        json = api(client, {"q": "caribbean lunch club", "postcode": "LS6 1AA"})
        no_place = main_text(client.get("/search?q=caribbean+lunch+club"))
    count = json["other_areas"]
    noun = "service" if count == 1 else "services"
    assert f"Not shown: {count} more {noun} only for other areas." in page
    assert "only for other areas" not in no_place
    assert "Only for people in LS7 or LS8" in no_place  # said on the card without a place


def test_nothing_found_for_someone_elsewhere_still_says_what_was_left_out(demo_search):
    with demo_search.test_client() as client:
        page = main_text(client.get("/search?q=food&postcode=M1+1AE"))
        json = api(client, {"q": "food", "postcode": "M1 1AE"})
    assert json["total"] == 0 and json["other_areas"] > 1
    assert f"Not shown: {json['other_areas']} more services only for other areas." in page
    assert "No services found" in page


def test_the_online_band_says_from_home_not_from_anywhere(demo_search):
    with demo_search.test_client() as client:
        page = main_text(client.get("/search?q=support"))
    assert "from anywhere" not in page
    assert "from home" in page


def test_an_index_from_an_older_release_is_rebuilt_on_the_next_edit(small_search):
    """An index built before services had areas has no such field: an edit rebuilds it
    rather than fail to write one."""
    index = small_search.extensions[search.EXTENSION]
    writer = index.open().writer()
    writer.remove_field("areas")
    writer.commit()
    index.close()
    assert index.outdated()
    with small_search.app_context(), Session(_engine(small_search)) as session:
        search.refresh(session, index, [])
    assert not index.outdated()
    place = ResolvedPlace("M1 1AE", 53.4835, -2.2312, "postcode", MANCHESTER, ("M1",))
    results = engine.run(
        index, SearchRequest(text="lonely"), load_lexicon(demo_needs()), place=place
    )
    assert results.other_areas == 1  # the Leeds tea is for Leeds again
