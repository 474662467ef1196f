"""GET /api/v1/search: the public search as JSON, checked against the database.

Filter tests walk every page of both bands and load each returned service from
the database, so a filter that lets one wrong service through fails.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest
from sqlalchemy.orm import selectinload
from sqlmodel import select

from directory.clock import LONDON
from directory.geo import postcodes
from directory.models import Location, SearchLog, Service, ServiceAtLocation
from matcher.distance import miles_between
from tests.search_helpers import api, every_result

LS6 = "LS6 1BD"
# A Tuesday morning in term time, London time.
TUESDAY_MORNING = datetime(2026, 11, 24, 10, 30, tzinfo=LONDON)


def services(app, session_for, results) -> dict[uuid.UUID, Service]:
    """The rows of the returned services, with what the filters look at."""
    ids = [uuid.UUID(r["service_id"]) for r in results]
    statement = (
        select(Service)
        .where(Service.id.in_(ids))
        .options(
            selectinload(Service.location_links)
            .selectinload(ServiceAtLocation.location)
            .selectinload(Location.accessibility),
            selectinload(Service.schedules),
            selectinload(Service.languages),
            selectinload(Service.need_links),
        )
    )
    rows = {s.id: s for s in session_for(app).exec(statement).all()}
    assert len(rows) == len(set(ids))
    return rows


def miles_to_nearest_site(service: Service, place: postcodes.Place) -> float | None:
    sites = [s for s in service.locations if s.latitude is not None]
    if not sites:
        return None
    return min(
        miles_between(place.latitude, place.longitude, s.latitude, s.longitude) for s in sites
    )


def _listed(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _aged(service: Service, age: int) -> bool:
    low, high = service.minimum_age, service.maximum_age
    return (low is None or low <= age) and (high is None or age <= high)


def _has_feature(service: Service, feature: str) -> bool:
    return any(a.feature == feature for site in service.locations for a in site.accessibility)


def _on_day(service: Service, day: str) -> bool:
    return any(day[:2].upper() in s.days for s in service.schedules)


# What a service must be to pass each filter, as the database says.
RULES = {
    "need": lambda s, v: v in [t.code for t in s.needs],
    "age": lambda s, v: _aged(s, int(v)),
    "free": lambda s, v: s.is_free,
    "self_referral": lambda s, v: s.self_referral,
    "mode": lambda s, v: any(mode in s.delivery for mode in _listed(v)),
    "language": lambda s, v: v in [lang.code for lang in s.languages],
    "access": lambda s, v: all(_has_feature(s, feature) for feature in _listed(v)),
    "day": _on_day,
    "evening": lambda s, v: any(x.closes_at >= "17:30" for x in s.schedules),
    "weekend": lambda s, v: _on_day(s, "SA") or _on_day(s, "SU"),
}


def broken_rules(service: Service, params: dict[str, object]) -> list[str]:
    """The filters of params that this service does not satisfy."""
    return [name for name, value in params.items() if not RULES.get(name, _any)(service, value)]


def _any(service: Service, value: object) -> bool:
    return True


FILTERS = [
    {"need": "loneliness"},
    {"age": 15},
    {"free": 1},
    {"self_referral": 1},
    {"mode": "in_person"},
    {"mode": "online"},
    {"mode": "phone"},
    {"mode": ["online", "phone"]},
    {"language": "pl"},
    {"access": "step_free"},
    {"access": "hearing_loop"},
    {"access": "bsl"},
    {"access": ["hearing_loop", "quiet_space"]},
    {"day": "sa"},
    {"day": "Sunday"},
    {"evening": 1},
    {"weekend": 1},
]


def _name(params: dict[str, object]) -> str:
    return "&".join(f"{k}={v}" for k, v in params.items())


@pytest.mark.parametrize("params", FILTERS, ids=_name)
def test_each_filter_alone_returns_only_services_that_satisfy_it(demo_search, session_for, params):
    client = demo_search.test_client()
    # every listing, by distance: those for people in LS6, and those only for other areas
    everything = len(every_result(client, {"postcode": LS6}))
    everything += api(client, {"postcode": LS6})["other_areas"]
    results = every_result(client, params)
    assert 0 < len(results) < everything  # the filter found some, and left some out
    assert len({r["service_id"] for r in results}) == len(results)
    rows = services(demo_search, session_for, results)
    broken = {r["name"]: broken_rules(rows[uuid.UUID(r["service_id"])], params) for r in results}
    assert {name: rules for name, rules in broken.items() if rules} == {}


def test_the_distance_filter_keeps_local_services_within_the_miles(demo_search, session_for):
    client = demo_search.test_client()
    place = postcodes.lookup_place(LS6)
    results = every_result(client, {"postcode": LS6, "distance": 1})
    local = [r for r in results if r["band"] == "local"]
    everywhere = api(client, {"postcode": LS6})["local_total"]
    assert 0 < len(local) < everywhere
    rows = services(demo_search, session_for, local)
    for r in local:
        assert r["distance_miles"] <= 1
        assert miles_to_nearest_site(rows[uuid.UUID(r["service_id"])], place) <= 1.05
    # online and phone services are not near or far: the distance leaves them be
    assert [r for r in results if r["band"] == "online"]


def test_open_now_returns_only_services_open_at_this_moment(demo_search, session_for, monkeypatch):
    monkeypatch.setattr("directory.search.engine.london_now", lambda: TUESDAY_MORNING)
    results = every_result(demo_search.test_client(), {"open_now": 1})
    assert results
    rows = services(demo_search, session_for, results)
    for r in results:
        assert r["open_now"] is True
        sessions = rows[uuid.UUID(r["service_id"])].schedules
        assert any("TU" in s.days and s.opens_at <= "10:30" < s.closes_at for s in sessions)


COMBINED = [
    {
        "need": "loneliness",
        "age": 70,
        "free": 1,
        "self_referral": 1,
        "mode": "in_person",
        "postcode": LS6,
        "distance": 3,
    },
    {"language": "ur", "access": "step_free", "day": "tu"},
    {"mode": ["online", "phone"], "age": 16, "free": 1, "evening": 1},
    {"q": "advice", "free": 1, "weekend": 1, "access": "hearing_loop"},
    {"need": "young_people", "age": 15, "self_referral": 1, "postcode": "LS7", "distance": 5},
]


@pytest.mark.parametrize("params", COMBINED, ids=_name)
def test_filters_combine_and_every_result_satisfies_all_of_them(demo_search, session_for, params):
    results = every_result(demo_search.test_client(), params)
    assert results
    rows = services(demo_search, session_for, results)
    place = postcodes.lookup_place(params["postcode"]) if "postcode" in params else None
    for r in results:
        service = rows[uuid.UUID(r["service_id"])]
        assert broken_rules(service, params) == [], service.name
        if place is not None and r["band"] == "local":
            assert miles_to_nearest_site(service, place) <= params["distance"] + 0.05


def test_sorting_by_distance_goes_nearest_first_measured_to_the_nearest_site(
    demo_search, session_for
):
    client = demo_search.test_client()
    results = every_result(client, {"postcode": LS6, "sort": "distance"})
    local = [r for r in results if r["band"] == "local"]
    distances = [r["distance_miles"] for r in local]
    assert len(distances) > 20 and None not in distances
    assert distances == sorted(distances)
    place = postcodes.lookup_place(LS6)
    rows = services(demo_search, session_for, local)
    for r in local:
        assert r["distance_miles"] == pytest.approx(
            miles_to_nearest_site(rows[uuid.UUID(r["service_id"])], place), abs=0.06
        )
    # a service with several sites is as far away as the nearest of them, not the first
    several = [rows[uuid.UUID(r["service_id"])] for r in local]
    several = [s for s in several if len(s.locations) > 1]
    assert several
    for service in several:
        far = max(
            miles_between(place.latitude, place.longitude, site.latitude, site.longitude)
            for site in service.locations
        )
        shown = next(r for r in local if r["service_id"] == str(service.id))["distance_miles"]
        assert shown < far


def test_local_and_online_services_come_in_separate_bands(demo_search, session_for):
    client = demo_search.test_client()
    first = api(client, {"q": "lonely", "postcode": LS6})
    assert first["total"] == first["local_total"] + first["online_total"]
    bands = [r["band"] for r in first["results"]]
    assert bands == ["local"] * 10 + ["online"] * 5  # a page of local, the top online ones
    results = every_result(client, {"q": "lonely", "postcode": LS6})
    rows = services(demo_search, session_for, results)
    for r in results:
        has_site = bool(rows[uuid.UUID(r["service_id"])].locations)
        assert has_site == (r["band"] == "local"), r["name"]
        assert (r["distance_miles"] is not None) == has_site
    online_only = api(client, {"q": "lonely", "postcode": LS6, "band": "online"})
    assert {r["band"] for r in online_only["results"]} == {"online"}
    local_only = api(client, {"q": "lonely", "postcode": LS6, "band": "local"})
    assert {r["band"] for r in local_only["results"]} == {"local"}


def test_pages_hold_every_result_once(demo_search):
    client = demo_search.test_client()
    params = {"q": "lonely", "postcode": LS6, "band": "local"}
    total = api(client, params)["local_total"]
    seen = []
    for page in range(1, -(-total // 10) + 1):
        answer = api(client, {**params, "page": page})
        assert answer["page"] == page
        seen += [r["service_id"] for r in answer["results"]]
    assert len(seen) == total == len(set(seen))
    beyond = api(client, {**params, "page": -(-total // 10) + 1})
    assert beyond["results"] == [] and beyond["local_total"] == total
    # the online band is shown in full only on request, and only on the first page
    second = api(client, {"q": "lonely", "page": 2})["results"]
    assert [r for r in second if r["band"] == "online"] == []


def test_an_answer_describes_each_service(demo_search, session_for):
    answer = api(demo_search.test_client(), {"q": "debt advice", "postcode": LS6})
    assert answer["place"] == {"label": "LS6 1BD", "kind": "postcode"}
    assert answer["did_you_mean"] is None and answer["crisis"] is None
    first = answer["results"][0]
    assert set(first) == {
        "service_id", "name", "organisation", "summary", "distance_miles", "score", "band",
        "open_now", "free", "minimum_age", "maximum_age", "self_referral", "area", "url",
    }  # fmt: skip
    service = session_for(demo_search).get(Service, uuid.UUID(first["service_id"]))
    assert first["name"] == service.name
    assert first["organisation"] == service.organisation.name
    assert first["free"] == service.is_free and first["self_referral"] == service.self_referral
    assert first["minimum_age"] == service.minimum_age
    assert first["maximum_age"] == service.maximum_age
    assert first["url"] == f"{demo_search.config['PUBLIC_URL']}/services/{service.id}"
    scores = [r["score"] for r in answer["results"] if r["band"] == "online"]
    assert scores == sorted(scores, reverse=True)


TYPOS = [
    ("councelling", "counselling", "Counselling"),
    ("anxeity", "anxiety", "Managing Anxiety Online Course"),
    ("beavement", "bereavement", "Bereavement"),
    ("debbt advice", "debt advice", "Debt Advice"),
]


@pytest.mark.parametrize(("typed", "meant", "finds"), TYPOS)
def test_typos_find_the_right_services_and_say_what_was_searched(demo_search, typed, meant, finds):
    answer = api(demo_search.test_client(), {"q": typed})
    assert answer["corrected"] == answer["did_you_mean"] == meant
    assert answer["suggestion"] is None
    names = [r["name"] for r in answer["results"]]
    assert any(finds in name for name in names[:3] + names[10:13]), names


def test_words_wanted_as_typed_are_not_corrected(demo_search):
    answer = api(demo_search.test_client(), {"q": "councelling", "as_typed": "1"})
    assert answer["corrected"] is None and answer["total"] == 0


@pytest.mark.parametrize(
    ("typed", "offered"),
    [("excercise classes", "exercise classes"), ("accomodation", "accommodation")],
)
def test_a_real_word_is_searched_as_typed_with_a_suggestion(demo_search, typed, offered):
    client = demo_search.test_client()
    answer = api(client, {"q": typed})
    assert answer["corrected"] is None and answer["suggestion"] == offered
    assert api(client, {"q": offered})["total"] > 0  # the offer finds something


@pytest.mark.parametrize("typed", ["my boyfriend hits me", "scared of my partner"])
def test_real_words_are_never_corrected_or_offered_as_others(demo_search, typed):
    answer = api(demo_search.test_client(), {"q": typed})
    assert answer["corrected"] is None and answer["suggestion"] is None


SLANG = [
    ("skint", {"money_debt", "benefits"}),
    ("feel rubbish", {"low_mood"}),
    ("can't sleep", {"stress_anxiety", "low_mood"}),
    ("exam stress", {"stress_anxiety", "school_college"}),
]


@pytest.mark.parametrize(("typed", "needs"), SLANG)
def test_slang_finds_services_for_the_need_it_means(demo_search, session_for, typed, needs):
    answer = api(demo_search.test_client(), {"q": typed})
    assert answer["total"] > 5
    rows = services(demo_search, session_for, answer["results"])
    for r in answer["results"]:
        codes = {t.code for t in rows[uuid.UUID(r["service_id"])].needs}
        assert codes & needs, (r["name"], codes)


@pytest.mark.parametrize("typed", ["kill myself", "suicide", "self harm", "overdose", "sucide"])
def test_crisis_words_bring_urgent_help_with_childline_only_for_under_19s(demo_search, typed):
    client = demo_search.test_client()
    for age, childline in [(None, True), (15, True), (18, True), (19, False), (40, False)]:
        params = {"q": typed} if age is None else {"q": typed, "age": age}
        crisis = api(client, params)["crisis"]
        assert crisis is not None, (typed, age)
        names = [c["name"] for c in crisis["contacts"]]
        assert names[:4] == ["Emergency services", "NHS 111", "Samaritans", "Shout"]
        assert ("Childline" in names) == childline, (typed, age)
        assert crisis["contacts"][0]["link"] == "tel:999"


def test_everyday_words_bring_no_crisis_panel(demo_search):
    assert api(demo_search.test_client(), {"q": "lonely"})["crisis"] is None


BAD = [
    ({"q": "x" * 2000}, "q", "200 characters or fewer"),
    ({"postcode": "LS6 !!"}, "postcode", "Enter a postcode such as LS6 1AA"),
    ({"distance": -1}, "distance", "Choose a distance of 1, 3, 5 or 10 miles."),
    ({"distance": 7}, "distance", "Choose a distance of 1, 3, 5 or 10 miles."),
    ({"age": 500}, "age", "Enter an age as a whole number"),
    ({"page": 0}, "page", "The page number should be a whole number, 1 or more."),
    ({"need": "flying"}, "need", "Choose a need from the list."),
    ({"mode": "carrier pigeon"}, "mode", "Choose in person, online or by phone."),
    ({"sort": "cheapest"}, "sort", "Choose one of"),
]


@pytest.mark.parametrize(("params", "field", "message"), BAD, ids=lambda v: str(v)[:30])
def test_bad_parameters_get_a_400_naming_each_problem(demo_search, params, field, message):
    answer = api(demo_search.test_client(), {"q": "lonely", **params}, status=400)
    assert answer["error"] == "invalid_parameters"
    assert message in answer["message"]  # the whole error in one sentence, as the document says
    assert list(answer["problems"]) == [field]
    assert message in answer["problems"][field]


def test_every_problem_is_named_at_once(demo_search):
    params = {"distance": 7, "age": 500, "page": 0, "need": "flying", "postcode": "LS6 !!"}
    answer = api(demo_search.test_client(), params, status=400)
    assert set(answer["problems"]) == {"distance", "age", "page", "need", "postcode"}


def test_a_bad_parameter_still_brings_urgent_help_for_crisis_words(demo_search):
    answer = api(demo_search.test_client(), {"q": "kill myself", "age": 500}, status=400)
    assert answer["crisis"]["heading"] == "If you need help now"
    assert api(demo_search.test_client(), {"q": "lonely", "age": 500}, status=400)["crisis"] is None


def test_an_empty_query_is_fine(demo_search):
    client = demo_search.test_client()
    assert api(client, {"q": ""})["results"] == []  # nothing asked, nothing searched
    near = api(client, {"q": "", "postcode": LS6})
    assert near["local_total"] > 100 and near["results"][0]["distance_miles"] < 0.1


def test_a_place_spelt_wrong_is_found(demo_search):
    answer = api(demo_search.test_client(), {"q": "lonely", "postcode": "Headingly"})
    assert answer["place"] == {"label": "Headingley", "kind": "neighbourhood"}
    assert answer["place_error"] is None
    assert answer["results"][0]["distance_miles"] is not None


@pytest.mark.parametrize("where", ["Atlantis", "Kirkstal Abbey", "ZZ99 9ZZ"])
def test_an_unknown_place_is_not_an_error_and_still_finds_services(demo_search, where):
    answer = api(demo_search.test_client(), {"q": "lonely", "postcode": where})
    assert answer["place"] is None
    assert answer["place_error"]
    assert answer["online_total"] > 0 and answer["results"]
    assert all(r["distance_miles"] is None for r in answer["results"])


def test_an_unknown_place_gets_the_nearest_names_we_know(demo_search):
    answer = api(demo_search.test_client(), {"q": "lonely", "postcode": "Kirkstal Abbey"})
    assert "Kirkstall" in answer["place_suggestions"]
    assert "Atlantis" in api(demo_search.test_client(), {"postcode": "Atlantis"})["place_error"]


def test_nothing_found_offers_other_searches_that_find_something(demo_search):
    client = demo_search.test_client()
    answer = api(client, {"q": "boxing", "postcode": LS6, "distance": 1})
    assert answer["total"] == 0
    offers = answer["alternatives"]
    assert offers and offers[0]["label"].endswith("further away")
    assert offers[0]["params"] == {"q": "boxing", "postcode": LS6}
    params = [tuple(sorted(o["params"].items())) for o in offers]
    assert len(params) == len(set(params))  # no two offers lead to the same search
    for offer in offers:
        assert api(client, offer["params"])["total"] > 0, offer["label"]


def test_a_search_is_logged_with_the_postcode_district_only(small_search, session_for):
    client = small_search.test_client()
    answer = api(client, {"q": "Lonely", "postcode": "LS6 1BD", "free": 1})
    logged = session_for(small_search).exec(select(SearchLog)).all()
    assert len(logged) == 1
    entry = logged[0]
    assert entry.channel == "api"
    assert entry.query == "Lonely" and entry.place == "LS6"
    assert entry.filters == {"free": "1"}
    assert entry.results == answer["total"] > 0
    stored = " ".join(str(v) for v in entry.model_dump().values())
    assert "1BD" not in stored and "127.0.0.1" not in stored
    assert not {"ip", "ip_address", "user_agent", "cookie", "session_id"} & set(
        SearchLog.model_fields
    )


def test_empty_and_refused_searches_are_not_logged(small_search, session_for):
    client = small_search.test_client()
    api(client, {})
    api(client, {"q": "lonely", "age": 500}, status=400)
    assert session_for(small_search).exec(select(SearchLog)).all() == []


def test_api_errors_are_json_and_readable_from_any_site(small_search):
    client = small_search.test_client()
    ok = client.get("/api/v1/search?q=lonely")
    assert ok.headers["Access-Control-Allow-Origin"] == "*"
    assert ok.content_type == "application/json"
    for path in ("/api/v1/nothing-here", "/api/v2/search", "/api/"):
        missing = client.get(path)
        assert missing.status_code == 404, path
        assert missing.get_json()["error"] == "not_found"
        assert missing.headers["Access-Control-Allow-Origin"] == "*"
    refused = client.post("/api/v1/search", data={"q": "lonely"})
    assert refused.status_code == 405
    assert refused.get_json()["error"] == "method_not_allowed"
    assert "GET" in refused.headers["Allow"]
    bad = client.get("/api/v1/search?age=500")
    assert bad.headers["Access-Control-Allow-Origin"] == "*"
    # and the HTML site keeps its own error page
    assert "Page not found" in client.get("/no-such-page").get_data(as_text=True)


def test_without_an_index_search_says_it_is_unavailable_not_a_crash(small_app, caplog):
    """Before the first `flask reindex`: 503 with a message, and the log says what to run."""
    client = small_app.test_client()
    answer = client.get("/api/v1/search?q=tea")
    assert answer.status_code == 503
    assert answer.get_json()["error"] == "service_unavailable"
    page = client.get("/search?q=tea")
    assert page.status_code == 503
    assert "not available at the moment" in page.get_data(as_text=True)
    assert "reindex" in caplog.text
