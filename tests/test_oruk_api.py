"""The Open Referral UK 3.0 API, checked the way the official validator checks it.

The walk runs over real HTTP against the whole demo catalogue: every list
endpoint, every page of it, then every {id} from the pages' contents; each body
is validated against the UK profile's compiled schemas and the HSDS 3.0 schemas
with formats (uuid, email, uri, date-time) really checked. Feature tests then
take real records and check that each filter returns the record it was built
from, and leaves out one it should not.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from flask import Flask
from jsonschema import Draft202012Validator
from sqlalchemy.orm import selectinload
from sqlmodel import Session, func, select

from directory import db
from directory.catalogue import children, published
from directory.models import (
    NEEDS_TAXONOMY_ID,
    ListingStatus,
    Organisation,
    Service,
    ServiceAtLocation,
)
from directory.oruk import queries, serialise
from matcher.distance import EARTH_RADIUS_MILES, METRES_PER_MILE, miles_between
from tests.conftest import dispose, make_app
from tests.oruk_helpers import (
    conformance_problems,
    need_standards,
    page_schema,
)

# Most tests here call the API over real HTTP (demo_api): `make test-repeat` runs them all.
pytestmark = pytest.mark.live_server

LISTS = {
    "services": "service",
    "service_at_locations": "service_at_location",
    "organizations": "organization",
    "taxonomies": "taxonomy",
    "taxonomy_terms": "taxonomy_term",
}


@pytest.fixture(scope="module")
def demo_api(demo_app: Flask, tmp_path_factory: pytest.TempPathFactory, live_server):
    """A second app on the demo database (read only), throttled loosely, served over HTTP."""
    app = make_app(
        demo_app.config["DATABASE_URL"],
        tmp_path_factory.mktemp("oruk-instance"),
        ORUK_RATE_LIMIT="100000 per minute",
    )
    with live_server(app) as base:
        yield app, f"{base}/api/v1"
    dispose(app)


def get(url: str, status: int = 200, **params: object) -> dict:
    response = requests.get(url, params=params, timeout=30)
    assert response.status_code == status, (url, params, response.text[:500])
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    return response.json()


def every_page(url: str, **params: object) -> list[dict]:
    """Every page of a list, checking each envelope; returns the pages."""
    pages = [get(url, page=1, **params)]
    total_pages = pages[0]["total_pages"]
    pages += [get(url, page=n, **params) for n in range(2, total_pages + 1)]
    return pages


def published_count(session, model) -> int:
    if model is Organisation:
        statement = select(func.count()).where(Organisation.status == ListingStatus.PUBLISHED)
    else:
        statement = (
            select(func.count())
            .select_from(Service)
            .join(Organisation)
            .where(
                Service.status == ListingStatus.PUBLISHED,
                Organisation.status == ListingStatus.PUBLISHED,
            )
        )
        if model is ServiceAtLocation:
            statement = statement.join(ServiceAtLocation)
    return session.exec(statement).one()


def test_the_api_says_what_it_speaks(demo_api) -> None:
    app, base = demo_api
    about = get(f"{base}/")
    assert about["version"] == "HSDS-UK-3.0"
    assert about["profile"].startswith("https://")
    # on the site's public address (SIGNPOST_PUBLIC_URL), not the address asked
    assert about["openapi_url"] == f"{app.config['PUBLIC_URL']}/api/v1/openapi.json"
    checker = Draft202012Validator.FORMAT_CHECKER
    assert checker.conforms(about["openapi_url"], "uri")
    assert get(f"{base}/openapi.json")["openapi"].startswith("3.")


def test_walk_every_list_page_and_every_id_against_the_schemas(
    demo_api, demo_app, session_for
) -> None:
    need_standards()
    _app, base = demo_api
    envelope = Draft202012Validator(page_schema())
    session = session_for(demo_app)
    expected = {
        "services": published_count(session, Service),
        "service_at_locations": published_count(session, ServiceAtLocation),
        "organizations": published_count(session, Organisation),
    }
    failures: list[str] = []
    for listing, single in LISTS.items():
        pages = every_page(f"{base}/{listing}", per_page=50)
        # first, middle and last pages, as the validator fetches them, and all between
        assert [p["page_number"] for p in pages] == list(range(1, len(pages) + 1))
        assert pages[0]["first_page"] and pages[-1]["last_page"]
        total = pages[0]["total_items"]
        assert pages[0]["total_pages"] == max(1, math.ceil(total / 50))
        if listing in expected:
            assert total == expected[listing], listing
        ids = []
        for page in pages:
            failures += [f"{listing} page: {e.message}" for e in envelope.iter_errors(page)]
            assert page["size"] == len(page["contents"])
            assert page["empty"] == (not page["contents"])
            for item in page["contents"]:
                failures += [
                    f"{listing} item {item.get('id')}: {p}"
                    for p in conformance_problems(listing, item)
                ]
                ids.append(item["id"])
        assert len(ids) == total == len(set(ids)), listing
        for item_id in ids:
            body = get(f"{base}/{listing}/{item_id}")
            assert body["id"] == item_id
            failures += [f"{listing}/{item_id}: {p}" for p in conformance_problems(single, body)]
    assert failures == []


def test_full_service_holds_what_hsds_nests(demo_api, demo_app, session_for) -> None:
    _app, base = demo_api
    session = session_for(demo_app)
    service = session.exec(
        select(Service)
        .join(Organisation)
        .where(
            Service.status == ListingStatus.PUBLISHED,
            Organisation.status == ListingStatus.PUBLISHED,
        )
        .where(Service.id.in_(select(ServiceAtLocation.service_id)))
        .order_by(Service.name)
        .options(selectinload(Service.languages), selectinload(Service.need_links))
    ).first()
    body = get(f"{base}/services/{service.id}")
    assert body["organization"]["id"] == str(service.organization_id)
    assert {lang["code"] for lang in body["languages"]} == {x.code for x in service.languages}
    assert all(lang["name"] for lang in body["languages"])
    # the needs, by rank (Signpost's routes, delivery and keywords follow them)
    needs = [
        a for a in body["attributes"] if a["taxonomy_term"]["taxonomy_id"] == str(NEEDS_TAXONOMY_ID)
    ]
    assert [a["taxonomy_term_id"] for a in needs] == [
        str(link.taxonomy_term_id) for link in service.need_links
    ]
    address = body["service_at_locations"][0]["location"]["addresses"][0]
    assert address["postal_code"] and address["country"] == "GB"
    assert body["capacities"][0]["description"]
    if service.last_verified:
        assert body["assured_date"] == service.last_verified.isoformat()


def test_unpublished_services_are_not_served(demo_api, demo_app, session_for) -> None:
    _app, base = demo_api
    hidden = (
        session_for(demo_app)
        .exec(select(Service).where(Service.status != ListingStatus.PUBLISHED))
        .all()
    )
    assert hidden, "the demo catalogue should hold some unpublished listings"
    for service in hidden[:5]:
        error = get(f"{base}/services/{service.id}", status=404)
        assert error["error"] == "not_found"
    listed = {s["id"] for p in every_page(f"{base}/services", per_page=200) for s in p["contents"]}
    assert not listed & {str(s.id) for s in hidden}


# --- feature tests, as the v1 validator ran them ----------------------------------


def _real_records(app, session_for, count: int = 6) -> list[Service]:
    """Published services with a site, an opening, an age range and a need."""
    session = session_for(app)
    statement = (
        select(Service)
        .join(Organisation)
        .where(
            Service.status == ListingStatus.PUBLISHED,
            Organisation.status == ListingStatus.PUBLISHED,
            Service.minimum_age.is_not(None),
            Service.id.in_(select(ServiceAtLocation.service_id)),
        )
        .order_by(Service.name)
        .options(
            selectinload(Service.schedules),
            selectinload(Service.need_links),
            selectinload(Service.location_links).selectinload(ServiceAtLocation.location),
        )
    )
    found = [s for s in session.exec(statement).all() if s.schedules and s.need_links]
    step = max(1, len(found) // count)
    return found[::step][:count]


def ids_of(url: str, **params: object) -> set[str]:
    return {c["id"] for p in every_page(url, per_page=200, **params) for c in p["contents"]}


def test_each_filter_returns_the_record_it_was_built_from(demo_api, demo_app, session_for) -> None:
    _app, base = demo_api
    records = _real_records(demo_app, session_for)
    assert len(records) >= 4
    for service in records:
        sid = str(service.id)
        word = max(service.name.split(), key=len)
        assert sid in ids_of(f"{base}/services", search=word), word
        assert sid in ids_of(f"{base}/services", search=service.name.upper())
        ages = {"minimum_age": service.minimum_age}
        if service.maximum_age is not None:
            ages["maximum_age"] = service.maximum_age
        assert sid in ids_of(f"{base}/services", **ages)
        assert sid not in ids_of(f"{base}/services", minimum_age=service.minimum_age + 1)
        opening = service.schedules[0]
        when = {
            "day": opening.days[0],
            "start_time": opening.opens_at,
            "end_time": opening.closes_at,
        }
        assert sid in ids_of(f"{base}/services", **when)
        other_days = {"MO", "TU", "WE", "TH", "FR", "SA", "SU"} - {
            d for s in service.schedules for d in s.days
        }
        if other_days:
            assert sid not in ids_of(f"{base}/services", day=sorted(other_days)[0])
        term = service.need_links[0].taxonomy_term_id
        assert sid in ids_of(f"{base}/services", taxonomy_term_id=term)
        assert sid in ids_of(f"{base}/services", taxonomy_id=NEEDS_TAXONOMY_ID)
        assert sid in ids_of(f"{base}/services", organization_id=service.organization_id)
        link = service.location_links[0]
        near = ids_of(
            f"{base}/service_at_locations", postcode=link.location.postal_code, proximity=1000
        )
        assert str(link.id) in near
        far = ids_of(f"{base}/service_at_locations", postcode="SW1A 1AA", proximity=1000)
        assert str(link.id) not in far


def test_postcode_results_are_within_the_distance_and_nearest_first(demo_api) -> None:
    _app, base = demo_api
    pages = every_page(
        f"{base}/service_at_locations", per_page=200, postcode="LS6 1AA", proximity=1500
    )
    from directory.geo import postcodes
    from matcher.distance import METRES_PER_MILE, miles_between

    origin = postcodes.lookup_postcode("LS6 1AA")
    metres = [
        METRES_PER_MILE
        * miles_between(
            origin.latitude, origin.longitude, c["location"]["latitude"], c["location"]["longitude"]
        )
        for p in pages
        for c in p["contents"]
    ]
    assert metres and all(m <= 1500 for m in metres)
    assert metres == sorted(metres)


def test_modified_after_keeps_only_later_changes(demo_api, demo_app, session_for) -> None:
    _app, base = demo_api
    everything = ids_of(f"{base}/services")
    assert ids_of(f"{base}/services", modified_after="2000-01-01") == everything
    assert ids_of(f"{base}/services", modified_after="2999-01-01T00:00:00Z") == set()


def test_taxonomy_terms_filters(demo_api) -> None:
    _app, base = demo_api
    terms = get(f"{base}/taxonomy_terms", per_page=200)["contents"]
    top = get(f"{base}/taxonomy_terms", per_page=200, top_only="true")["contents"]
    assert {t["id"] for t in top} == {t["id"] for t in terms if "parent_id" not in t}
    mine = get(f"{base}/taxonomy_terms", taxonomy_id=NEEDS_TAXONOMY_ID, per_page=200)
    assert mine["total_items"] == len(terms)
    other = get(f"{base}/taxonomy_terms", taxonomy_id=uuid.uuid4())
    assert other["empty"] and other["total_items"] == 0
    children = get(f"{base}/taxonomy_terms", parent_id=terms[0]["id"])
    assert all(t.get("parent_id") == terms[0]["id"] for t in children["contents"])


# --- wrong parameters ---------------------------------------------------------------

BAD_REQUESTS = [
    ("services", {"page": 0}, 400, "page"),
    ("services", {"page": "two"}, 400, "page"),
    ("services", {"per_page": 100000}, 400, "per_page"),
    ("services", {"per_page": -1}, 400, "per_page"),
    ("services", {"minimum_age": "old"}, 400, "minimum_age"),
    ("services", {"maximum_age": "1e999"}, 400, "maximum_age"),
    ("services", {"start_time": "25:00"}, 400, "start_time"),
    ("services", {"end_time": "9am"}, 400, "end_time"),
    ("services", {"day": "Funday"}, 400, "day"),
    ("services", {"modified_after": "yesterday"}, 400, "modified_after"),
    ("services", {"modified_after": "2024-13-45"}, 400, "modified_after"),
    ("services", {"taxonomy_term_id": "not-a-uuid"}, 400, "taxonomy_term_id"),
    ("services", {"taxonomy_id": "123"}, 400, "taxonomy_id"),
    ("services", {"organization_id": "x" * 40}, 400, "organization_id"),
    ("services", {"search": "x" * 500}, 400, "search"),
    ("service_at_locations", {"postcode": "NOT A POSTCODE"}, 400, "postcode"),
    ("service_at_locations", {"postcode": "ZZ99 9ZZ"}, 400, "postcode"),
    ("service_at_locations", {"postcode": "LS6 1AA", "proximity": "-5"}, 400, "proximity"),
    ("service_at_locations", {"postcode": "LS6 1AA", "proximity": "near"}, 400, "proximity"),
    ("service_at_locations", {"proximity": "1000"}, 400, "proximity"),
    ("taxonomy_terms", {"top_only": "perhaps"}, 400, "top_only"),
    ("taxonomy_terms", {"parent_id": "nope"}, 400, "parent_id"),
    ("organizations", {"per_page": 0}, 400, "per_page"),
    ("services", {"format": "xml"}, 400, "format"),
    ("services", {"full": "maybe"}, 400, "full"),
    ("services", {"minimal": "2"}, 400, "minimal"),
]


@pytest.mark.parametrize(("listing", "params", "status", "field"), BAD_REQUESTS)
def test_wrong_parameters_get_a_json_400(demo_api, listing, params, status, field) -> None:
    _app, base = demo_api
    body = get(f"{base}/{listing}", status=status, **params)
    assert body["error"] == "invalid_parameters"
    assert field in body["problems"] and body["message"]


@pytest.mark.parametrize("listing", list(LISTS))
def test_unknown_and_malformed_ids(demo_api, listing) -> None:
    _app, base = demo_api
    missing = get(f"{base}/{listing}/{uuid.uuid4()}", status=404)
    assert missing["error"] == "not_found" and "no published" in missing["message"]
    malformed = get(f"{base}/{listing}/12345", status=400)
    assert "UUID" in malformed["message"]


def test_unknown_paths_and_methods_answer_in_json(demo_api) -> None:
    _app, base = demo_api
    assert get(f"{base}/nothing_here", status=404)["error"] == "not_found"
    response = requests.post(f"{base}/services", timeout=10)
    assert response.status_code == 405 and response.json()["error"] == "method_not_allowed"


def test_a_page_past_the_end_is_empty_not_an_error(demo_api) -> None:
    _app, base = demo_api
    page = get(f"{base}/services", page=999)
    assert page["empty"] and page["contents"] == [] and page["last_page"]


# --- throttling and efficiency -------------------------------------------------------


@pytest.mark.concurrency  # counts in a time window (an hour: it cannot end mid-test)
def test_clients_are_throttled_with_a_json_429(demo_app, tmp_path: Path) -> None:
    app = make_app(
        demo_app.config["DATABASE_URL"],
        tmp_path,
        ORUK_RATE_LIMIT="3 per hour",
        RATELIMIT_ENABLED=True,
    )
    client = app.test_client()
    for _ in range(3):
        assert client.get("/api/v1/taxonomies").status_code == 200
    response = client.get("/api/v1/taxonomies")
    assert response.status_code == 429
    assert response.get_json()["error"] == "too_many_requests"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    # the site's own search is not throttled by the open API's limit
    assert client.get("/api/v1/search").status_code == 200
    dispose(app)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/services?per_page=50",
        "/api/v1/service_at_locations?per_page=50",
        "/api/v1/service_at_locations?per_page=50&postcode=LS6%201AA",
        "/api/v1/organizations?per_page=50",
    ],
)
def test_a_page_of_50_costs_a_fixed_number_of_queries(demo_app, tmp_path, path) -> None:
    app = make_app(demo_app.config["DATABASE_URL"], tmp_path)
    statements: list[str] = []
    engine = app.extensions[db.ENGINE_KEY]
    sa.event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    response = app.test_client().get(path)
    assert response.status_code == 200 and len(response.get_json()["contents"]) > 10
    # ids, then one query per kind of row shown (the page, its organisations, its places)
    assert len(statements) <= 8, len(statements)
    dispose(app)


def test_the_schemas_really_check_formats_and_required_fields() -> None:
    """The walk's checks can fail: the validator's own fail fixtures fail them, its pass
    fixtures pass them."""
    need_standards()
    from tests.oruk_helpers import FIXTURES

    good = json.loads((FIXTURES / "V3.0-UK-Default" / "service_full.json").read_text())
    bad = json.loads((FIXTURES / "V3.0-UK-Fail" / "service_full.json").read_text())
    assert conformance_problems("service", good) == []
    found = conformance_problems("service", bad)
    assert any(p.startswith("UK url:") and "uri" in p for p in found), found
    assert any(p.startswith("UK email:") and "email" in p for p in found), found
    listed = json.loads((FIXTURES / "V3.0-UK-Fail" / "service_list.json").read_text())
    found = conformance_problems("services", listed["contents"][1])
    assert any("'name' is a required property" in p for p in found), found


def test_hsds_list_options_full_minimal_and_ndjson(demo_api) -> None:
    need_standards()
    _app, base = demo_api
    page = get(f"{base}/services", per_page=5)
    full = get(f"{base}/services", per_page=5, full="true")
    minimal = get(f"{base}/services", per_page=5, minimal="true")
    assert [s["id"] for s in full["contents"]] == [s["id"] for s in page["contents"]]
    assert all(conformance_problems("service", s) == [] for s in full["contents"])
    assert all(set(s) == {"id", "last_modified"} for s in minimal["contents"])
    response = requests.get(f"{base}/services", params={"format": "ndjson"}, timeout=30)
    assert response.headers["Content-Type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert len(lines) == page["total_items"]
    assert all(conformance_problems("services", s) == [] for s in lines)
    near = requests.get(
        f"{base}/service_at_locations",
        params={"format": "ndjson", "full": "true", "postcode": "LS6 1AA", "proximity": 1500},
        timeout=30,
    ).text.splitlines()
    assert near and all(
        conformance_problems("service_at_location", json.loads(line)) == [] for line in near
    )


def test_organisation_services_in_brief_and_taxonomy_search(demo_api) -> None:
    _app, base = demo_api
    org = get(f"{base}/organizations", per_page=1)["contents"][0]
    brief = get(f"{base}/organizations/{org['id']}", full_service="false")
    assert brief["services"] and all("schedules" not in s for s in brief["services"])
    assert all("schedules" in s for s in get(f"{base}/organizations/{org['id']}")["services"])
    found = get(f"{base}/taxonomy_terms", search="money")["contents"]
    assert [t["code"] for t in found] == ["money_debt"]
    assert get(f"{base}/taxonomies", search="nothing like this")["empty"]


# --- pages that cost what they show -------------------------------------------------------


def _reads_one_page(statement: str) -> bool:
    """A statement that cuts a page (LIMIT), counts, loads rows by the ids of a page (a
    list of parameters, not a subquery) or asks the change log's newest entry (one indexed
    row: whether a count held is still true): never one that reads every match."""
    text = " ".join(statement.split())
    return (
        "LIMIT" in text
        or "count(" in text.lower()
        or bool(IN_PARAMETERS.search(text))
        or text.startswith("SELECT max(catalogue_change.seq)")
    )


IN_PARAMETERS = re.compile(r"\bIN \((\?|%\()")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/services?per_page=5&page=3",
        "/api/v1/services?per_page=5&full=true&day=TU",
        "/api/v1/services?per_page=5&search=walk",
        "/api/v1/service_at_locations?per_page=5&page=2",
        "/api/v1/service_at_locations?per_page=5&full=true",
        "/api/v1/organizations?per_page=5&page=2",
    ],
)
def test_a_list_page_reads_that_page_not_every_match(demo_app, tmp_path, path) -> None:
    app = make_app(demo_app.config["DATABASE_URL"], tmp_path)
    statements: list[str] = []
    engine = app.extensions[db.ENGINE_KEY]
    sa.event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    body = app.test_client().get(path).get_json()
    assert body["size"] == 5 and body["total_items"] > 10
    assert [s for s in statements if not _reads_one_page(s)] == []
    dispose(app)


def test_the_unfiltered_list_counts_once_until_the_catalogue_changes(small_app):
    client = small_app.test_client()
    path = "/api/v1/services?per_page=2"
    first = client.get(path).get_json()
    assert first["total_items"] > 2
    statements: list[str] = []
    engine = small_app.extensions[db.ENGINE_KEY]
    sa.event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    assert client.get(path).get_json() == first
    assert not [s for s in statements if "count(" in s.lower()]
    with Session(engine) as session:  # another worker unpublishes a service on the list
        service = session.get(Service, uuid.UUID(first["contents"][0]["id"]))
        service.status = ListingStatus.DRAFT
        session.commit()
    assert client.get(path).get_json()["total_items"] == first["total_items"] - 1


def test_every_service_reads_the_same_in_one_statement_as_in_one_per_kind(demo_app) -> None:
    """The children of a service loaded in one statement (catalogue.children) are those
    selectinload finds, in the same order, and make the same Open Referral UK object."""
    engine = demo_app.extensions[db.ENGINE_KEY]
    with Session(engine) as session:
        ids = session.exec(select(Service.id).where(published.is_published())).all()
    assert len(ids) > 50
    for service_id in ids:
        with Session(engine) as by_kind, Session(engine) as together:
            one_per_kind = by_kind.exec(
                select(Service).where(Service.id == service_id).options(*queries.service_options())
            ).one()
            in_one = queries.service(together, service_id)
            assert serialise.service_full(in_one) == serialise.service_full(one_per_kind)
            for path in children.IN_FULL:
                assert _ids_along(in_one, path) == _ids_along(one_per_kind, path), path


def _ids_along(row: object, path: tuple) -> list:
    """The ids of the rows along a path of relationships, depth first, in collection order."""
    found: list = []
    hop, rest = path[0], path[1:]
    value = getattr(row, hop.key)
    for child in value if isinstance(value, list) else [value]:
        found.append(getattr(child, "id", None) or getattr(child, "taxonomy_term_id", None))
        if rest:
            found.append(_ids_along(child, rest))
    return found


@pytest.mark.parametrize("origin", [(53.8203, -1.5785), (60.8, -0.85), (49.96, -6.3)])
@pytest.mark.parametrize("metres", [1.0, 500.0, 20_000.0, 1_000_000.0])
def test_the_box_around_a_postcode_holds_every_place_within_the_proximity(origin, metres):
    """The database's cheap cut (a box of latitudes and longitudes) leaves out no place the
    distance itself would keep, even at the edge."""
    place = queries.Place(origin[0], origin[1], "", "")
    lat_bounds = [b for b in queries._box(place, metres) if "latitude" in str(b)]
    lon_bounds = [b for b in queries._box(place, metres) if "longitude" in str(b)]
    (lat_low, lat_high) = (c.value for c in lat_bounds[0].right.clauses)
    lon_low, lon_high = (
        (c.value for c in lon_bounds[0].right.clauses) if lon_bounds else (-180.0, 180.0)
    )
    reach = metres / METRES_PER_MILE / EARTH_RADIUS_MILES
    for step in range(360):
        bearing = math.radians(step)
        for fraction in (0.5, 0.999, 1.0):
            lat, lon = _destination(origin, bearing, reach * fraction)
            within = METRES_PER_MILE * miles_between(*origin, lat, lon) <= metres
            assert not within or (lat_low <= lat <= lat_high and lon_low <= lon <= lon_high)


def _destination(origin: tuple[float, float], bearing: float, angle: float) -> tuple:
    lat1, lon1 = math.radians(origin[0]), math.radians(origin[1])
    lat2 = math.asin(
        math.sin(lat1) * math.cos(angle) + math.cos(lat1) * math.sin(angle) * math.cos(bearing)
    )
    lon2 = lon1 + math.atan2(
        math.sin(bearing) * math.sin(angle) * math.cos(lat1),
        math.cos(angle) - math.sin(lat1) * math.sin(lat2),
    )
    return math.degrees(lat2), math.degrees(lon2)
