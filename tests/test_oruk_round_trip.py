"""A round trip between two Signposts keeps everything: the demo catalogue exported as
JSON and as a datapackage (zipped), each imported into an empty Signpost, is compared
column by column, table by table, with the tables read from the models, so that a field
added later is compared without anyone remembering to."""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlmodel import Session, SQLModel, col, select

from directory import db, search
from directory.catalogue.published import is_published
from directory.geo import postcodes
from directory.models import Closure, Service, stable_id
from directory.oruk import reading, signpost_terms
from directory.oruk.archives import Limits
from directory.oruk.needs_map import ForeignTerm
from tests.conftest import dispose, make_app
from tests.oruk_helpers import conformance_problems, need_standards
from tests.test_oruk_import_export import a_service, run, with_needs, write

# The tables an export carries; every other table must be named in NOT_CARRIED.
CARRIED = (
    "service",
    "organization",
    "location",
    "accessibility",
    "service_at_location",
    "schedule",
    "cost_option",
    "service_area",
    "language",
    "contact",
    "phone",
    "service_taxonomy_term",
    "service_foreign_term",
    "closure",
)
NOT_CARRIED = {
    # Each Signpost keeps its own needs vocabulary (flask seed); an import links to it.
    "taxonomy": "the vocabulary",
    "taxonomy_term": "the vocabulary",
    "search_phrase": "the vocabulary",
    "vocabulary_change": "the vocabulary's history",
    "neighbourhood": "place names, seeded in each Signpost",
    # People and their work stay in the Signpost where they are.
    "user_account": "accounts",
    "api_token": "accounts",
    "listing_change": "local history",
    "listing_revision": "local review",
    "listing_report": "local reports",
    "organisation_request": "local requests",
    "verification_reminder": "local reminders",
    "shortlist": "link workers' shortlists",
    "shortlist_item": "link workers' shortlists",
    "match_feedback": "link workers' feedback",
    "service_note": "professionals' notes on services, kept in the Signpost they wrote them in",
    "search_log": "anonymous search counts",
    "catalogue_change": "this Signpost's log of its own changes, for its search hosts",
    "taxonomy_mapping": "a manager's reading of other directories' terms, kept here",
    "feed": "the feeds this Signpost follows",
    "feed_sync": "the feeds this Signpost follows",
    "feed_listing": "the feeds this Signpost follows",
    # People's cases and what happened to them never leave the Signpost that holds them.
    "support_case": "link workers' cases (personal data)",
    "referral": "link workers' cases (personal data)",
    "referral_status_change": "link workers' cases (personal data)",
    "wellbeing_record": "link workers' cases (personal data)",
    "plan_link": "link workers' cases (personal data)",
    "case_access": "who looked at a case",
    "link_worker_digest": "when each link worker's daily digest went",
    "two_factor": "accounts",
    "recovery_code": "accounts",
    "security_event": "this Signpost's security log",
}
# Differences by design, and why:
# - version: the count of edits in this Signpost, for safe concurrent editing; an
#   imported listing starts its own count.
# - created_at: when this Signpost first held the record.
# - updated_at of organisations and locations: when this Signpost last changed them (HSDS
#   has no last_modified for either).
# A service's updated_at travels as HSDS last_modified, which says seconds: compared to
# the second.
NOT_COMPARED = {"version", "created_at"}
NOT_COMPARED_IN = {"organization": {"updated_at"}, "location": {"updated_at"}}
# Columns that hold one value in every listing a Signpost exports, and why.
ALIKE_BY_DESIGN = {
    ("service", "status"): "only published listings are exported, and imported --publish",
    ("organization", "status"): "only published organisations' listings are exported",
    ("schedule", "freq"): "Signpost keeps weekly openings only",
    ("service", "hold_reason"): "a listing held back for a manager is not published",
    # A place abroad is kept without a position, with a warning the round trip would show.
    ("location", "country"): "Signpost's places are in the UK",
}
SOURCES = ("services.json", "datapackage.zip")
# What a round trip must leave as it was: all of those but the log of the catalogue's own
# changes, which records each imported listing by design.
UNTOUCHED = set(NOT_CARRIED) - {"catalogue_change"}


@dataclass(frozen=True)
class Exported:
    app: Flask
    folder: Path
    service_ids: list[str]


def _vary(session: Session) -> None:
    """Give every column the demo catalogue leaves alike a second value somewhere, so that
    the comparison compares it."""
    services = session.exec(
        select(Service).where(is_published()).order_by(col(Service.name), col(Service.id))
    ).all()
    placed = [s for s in services if s.location_links and s.schedules]
    first, second, third, fourth = [s for s in services if not s.cost_options][:4]
    first.alternate_name = "The Friday club"
    first.email = "hello@example.org"
    first.fees_description = "Free, with a voluntary £1 for tea"
    first.opening_exceptions = "Closed on bank holidays and for two weeks in August"
    first.keywords = ["ADHD", "adhd", "peer support"]  # two keywords that differ in case
    first.organisation.last_verified = date(2026, 5, 3)
    second.is_free = False  # not free, though no cost option says how much
    second.summary = ""  # a listing without a summary stays without one
    for name in [*signpost_terms.ROUTE_FIELDS.values(), *signpost_terms.DELIVERY_FIELDS.values()]:
        setattr(third, name, False)  # no route nor delivery: none comes back
    fourth.restrictions = ["carers_only", "women_only"]
    # as an import leaves a listing whose words name no route, dated from its feed
    fourth.self_referral = fourth.professional_referral = fourth.gp_referral = False
    fourth.routes_known = False
    fourth.checked_source = "from Leeds Directory, updated"
    third.closed_on_bank_holidays = True
    # terms of other directories' taxonomies, kept as their feeds gave them
    for position, (service, taxonomy, code, name) in enumerate(
        [
            (first, "Leeds Directory categories", "LD-17", "Lunch clubs"),
            (first, "Bradford Families", "BF-2", "Stay and play"),
            (second, "Leeds Directory categories", "", "Walking groups"),
        ]
    ):
        term = ForeignTerm(
            taxonomy=taxonomy,
            taxonomy_id=str(stable_id("taxonomy", taxonomy)),  # feeds give UUIDs (HSDS)
            term_id=f"c0ffee00-0000-4000-8000-00000000000{position}",
            code=code,
            name=name,
        )
        session.add(term.row(service.id, position % 2))
    third.closures.append(
        Closure(starts=date(2027, 8, 2), ends=date(2027, 8, 13), reason="Summer break")
    )
    schedule = placed[0].schedules[0]
    schedule.service_at_location_id = placed[0].location_links[0].id
    schedule.valid_from, schedule.valid_to = date(2026, 9, 1), date(2027, 7, 20)
    schedule.description = "Term time only"
    place = placed[1].location_links[0].location
    place.description = "Side entrance, first floor"
    place.address_2 = "Unit 4"
    found = postcodes.lookup_postcode("BD1 1HY")
    place.postal_code, place.local_authority_code = found.postcode, found.local_authority_code
    place.latitude, place.longitude = round(found.latitude, 6), round(found.longitude, 6)
    place.city = "Bradford"
    place.location_type = "postal"  # as a feed may say; Signpost's own places are physical
    # a place one organisation keeps, where another's service meets
    shared = placed[2].location_links[0].location
    shared.organization_id = next(
        s.organization_id for s in services if s.organisation is not placed[2].organisation
    )
    places = (link.location for s in services for link in s.location_links)
    next(a for p in places for a in p.accessibility).details = "Ramp at the side door"
    next(x for s in services for x in s.languages).note = "An interpreter on request"
    next(p for s in services for c in s.contacts for p in c.phones).description = "Texts only"
    next(c for s in services for c in s.cost_options).currency = "EUR"
    session.commit()


@pytest.fixture(scope="module")
def exported(databases, demo_app, tmp_path_factory) -> Iterator[Exported]:
    """A copy of the demo catalogue, varied, exported once as JSON and a zipped datapackage."""
    dispose(demo_app)  # PostgreSQL copies a database only while no one is connected to it
    demo = sa.make_url(demo_app.config["DATABASE_URL"]).database
    folder = tmp_path_factory.mktemp("round-trip")
    app = make_app(databases.new(template=demo), folder / "source-instance")
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        _vary(session)
    result = run(app, "export-oruk", str(folder / "first"))
    assert result.exit_code == 0, result.output
    shutil.make_archive(
        str(folder / "first" / "datapackage"), "zip", folder / "first" / "datapackage"
    )
    services = json.loads((folder / "first" / "services.json").read_text())
    yield Exported(app, folder / "first", [s["id"] for s in services])
    dispose(app)


@dataclass(frozen=True)
class Imported:
    app: Flask
    output: str
    not_carried_before: dict[str, int]


def _counts(app: Flask, names: Iterable[str]) -> dict[str, int]:
    with app.extensions[db.ENGINE_KEY].connect() as connection:
        return {
            name: connection.execute(
                sa.select(sa.func.count()).select_from(SQLModel.metadata.tables[name])
            ).scalar_one()
            for name in names
        }


@pytest.fixture(scope="module", params=SOURCES)
def imported(request, databases, exported, tmp_path_factory) -> Iterator[Imported]:
    """An empty Signpost (its needs vocabulary only) that imported one form of the export."""
    instance = tmp_path_factory.mktemp(f"imported-{request.param}")
    app = with_needs(make_app(databases.new_migrated(), instance))
    before = _counts(app, UNTOUCHED)
    result = run(app, "import-oruk", str(exported.folder / request.param), "--publish")
    assert result.exit_code == 0, result.output
    yield Imported(app, result.output, before)
    dispose(app)


# --- reading every row -----------------------------------------------------------------


def _rows(app: Flask, table: sa.Table, where: sa.ColumnElement[bool] | None = None) -> list[dict]:
    statement = sa.select(table) if where is None else sa.select(table).where(where)
    with app.extensions[db.ENGINE_KEY].connect() as connection:
        return [dict(row) for row in connection.execute(statement).mappings()]


def _ids(rows: list[dict], column: str = "id") -> set[Any]:
    return {row[column] for row in rows if row[column] is not None}


def exported_rows(app: Flask, service_ids: list[str]) -> dict[str, list[dict]]:
    """The rows of each carried table that an export of these services holds."""
    tables = SQLModel.metadata.tables
    found: dict[str, list[dict]] = {}

    def rows(name: str, where: sa.ColumnElement[bool]) -> list[dict]:
        found[name] = _rows(app, tables[name], where)
        return found[name]

    services = rows("service", tables["service"].c.id.in_([uuid.UUID(i) for i in service_ids]))
    ids = _ids(services)
    for name in CARRIED:
        if name != "service" and "service_id" in tables[name].c:
            rows(name, tables[name].c.service_id.in_(ids))
    organisations = rows(
        "organization", tables["organization"].c.id.in_(_ids(services, "organization_id"))
    )
    places = rows(
        "location", tables["location"].c.id.in_(_ids(found["service_at_location"], "location_id"))
    )
    rows("accessibility", tables["accessibility"].c.location_id.in_(_ids(places)))
    phone = tables["phone"].c
    rows(
        "phone",
        phone.contact_id.in_(_ids(found["contact"]))
        | (phone.organization_id.in_(_ids(organisations)) & phone.contact_id.is_(None)),
    )
    assert set(found) == set(CARRIED)
    return found


def _comparable(table: str, row: dict) -> dict:
    skipped = NOT_COMPARED | NOT_COMPARED_IN.get(table, set())
    values = {k: v for k, v in row.items() if k not in skipped}
    if table == "service":
        values["updated_at"] = values["updated_at"].replace(microsecond=0)
    return values


def _key(table: sa.Table, row: dict) -> tuple:
    return tuple(row[c.name] for c in table.primary_key)


# --- the tests ---------------------------------------------------------------------------


def test_every_table_is_either_carried_or_named_as_not() -> None:
    assert set(SQLModel.metadata.tables) == set(CARRIED) | set(NOT_CARRIED)


def test_the_source_gives_every_compared_column_more_than_one_value(exported) -> None:
    """Else the round trip would prove nothing about that column: _vary() must vary it."""
    alike = []
    for name, rows in exported_rows(exported.app, exported.service_ids).items():
        for column in SQLModel.metadata.tables[name].columns:
            skipped = NOT_COMPARED | NOT_COMPARED_IN.get(name, set())
            if column.name in skipped or (name, column.name) in ALIKE_BY_DESIGN:
                continue
            if len({json.dumps(row[column.name], default=str, sort_keys=True) for row in rows}) < 2:
                alike.append(f"{name}.{column.name}")
    assert alike == [], (
        "give each a second value in _vary(), or name it in ALIKE_BY_DESIGN with the reason"
    )


def test_a_round_trip_keeps_every_column_of_every_row(exported, imported) -> None:
    wanted = exported_rows(exported.app, exported.service_ids)
    assert len(wanted["service"]) == len(exported.service_ids) > 150
    differences = []
    for name in CARRIED:
        table = SQLModel.metadata.tables[name]
        source = {_key(table, r): _comparable(name, r) for r in wanted[name]}
        copy = {_key(table, r): _comparable(name, r) for r in _rows(imported.app, table)}
        assert source, f"the demo catalogue has no {name} rows to compare"
        missing, extra = source.keys() - copy.keys(), copy.keys() - source.keys()
        differences += [f"{name} {key}: lost" for key in sorted(missing, key=str)[:5]]
        differences += [f"{name} {key}: not in the source" for key in sorted(extra, key=str)[:5]]
        for key in sorted(source.keys() & copy.keys(), key=str):
            for column, value in source[key].items():
                if copy[key][column] != value:
                    differences.append(
                        f"{name}.{column} of {key}: {value!r} became {copy[key][column]!r}"
                    )
    assert not differences, "\n".join(differences[:40])


def test_a_round_trip_stores_nothing_else(imported) -> None:
    """Signpost's own taxonomies are not stored as terms, nothing else is written, and none
    of their terms is reported as a need, mapped or unmapped."""
    assert imported.not_carried_before == _counts(imported.app, UNTOUCHED)
    assert "Checked: no problems." in imported.output  # not even a warning
    for taxonomy in signpost_terms.TAXONOMIES:
        assert taxonomy.name not in imported.output


# The rows compared above make the same export; once (from the zip) shows it.
@pytest.mark.parametrize("imported", ["datapackage.zip"], indirect=True)
def test_a_round_trip_exports_the_same_again(exported, imported, tmp_path) -> None:
    again = tmp_path / "again"
    assert run(imported.app, "export-oruk", str(again)).exit_code == 0
    first = json.loads((exported.folder / "services.json").read_text())
    assert json.loads((again / "services.json").read_text()) == first
    csv_files = sorted((exported.folder / "datapackage").glob("*.csv"))
    assert len(csv_files) > 10
    for csv_file in csv_files:
        assert (again / "datapackage" / csv_file.name).read_text() == csv_file.read_text(), (
            csv_file.name
        )
    with Session(imported.app.extensions[db.ENGINE_KEY]) as session:
        assert search.check(session, imported.app.extensions[search.EXTENSION]).clean


def test_the_datapackage_folder_and_its_zip_read_alike(exported) -> None:
    folder = reading.read_source(exported.folder / "datapackage", Limits(10**9))
    zipped = reading.read_source(exported.folder / "datapackage.zip", Limits(10**9))
    assert folder.services == zipped.services and len(folder.services) > 150


def test_signpost_fields_travel_in_a_form_that_conforms(exported) -> None:
    need_standards()
    services = json.loads((exported.folder / "services.json").read_text())
    varied = [s for s in services if "attributes" in s["organization"] or len(s["attributes"]) > 6]
    assert varied
    assert [p for s in varied[:10] for p in conformance_problems("service", s)] == []
    for taxonomy in signpost_terms.TAXONOMIES:
        assert conformance_problems("taxonomy", taxonomy.detail) == []
        term = taxonomy.term("a code, with spaces", "A name")
        assert conformance_problems("taxonomy_term", term) == []


# --- Signpost's terms win over inference; other feeds keep it --------------------------------


def _attribute(taxonomy: signpost_terms.Taxonomy, code: str, value: str | None = None) -> dict:
    term = taxonomy.term(code, code)
    found = {"id": str(uuid.uuid4()), "taxonomy_term_id": term["id"], "taxonomy_term": term}
    if value is not None:
        found["value"] = value
    return found


def _stored(app: Flask, service_id: str) -> Service:
    with Session(app.extensions[db.ENGINE_KEY], expire_on_commit=False) as session:
        found = session.get(Service, uuid.UUID(service_id))
        assert found is not None
        return found


def test_signpost_terms_win_over_what_the_record_suggests(small_app, tmp_path) -> None:
    phones = [{"id": str(uuid.uuid4()), "number": "0113 496 0000"}]
    ours = a_service(
        phones=phones,  # would say "by phone"; the physical place would say "in person"
        attributes=[
            _attribute(signpost_terms.ROUTES, "professional"),
            _attribute(signpost_terms.DELIVERY_MODES, "online"),
            _attribute(signpost_terms.KEYWORDS, "walking football"),
            _attribute(signpost_terms.DETAILS, "free", "no"),
        ],
    )
    theirs = a_service(phones=phones, attributes=[])
    # another directory that borrows Signpost's routes only
    borrowing = a_service(phones=phones, attributes=[_attribute(signpost_terms.ROUTES, "gp")])
    result = run(small_app, "import-oruk", write(tmp_path, [ours, theirs, borrowing]))
    assert result.exit_code == 0, result.output
    assert "Unmapped" not in result.output
    mine = _stored(small_app, ours["id"])
    assert (mine.self_referral, mine.professional_referral, mine.gp_referral) == (
        False,
        True,
        False,
    )
    assert (mine.in_person, mine.online, mine.by_phone) == (False, True, False)
    assert mine.keywords == ["walking football"] and mine.is_free is False
    assert mine.summary == ""  # a Signpost record without a summary has none
    other = _stored(small_app, theirs["id"])
    # inferred, as before: a phone at a place does not make it "by phone" (issue 12)
    assert (other.in_person, other.by_phone) == (True, False)
    borrowed = _stored(small_app, borrowing["id"])
    assert (borrowed.self_referral, borrowed.gp_referral) == (False, True)
    assert (borrowed.in_person, borrowed.by_phone) == (True, False)  # the rest inferred
    assert borrowed.summary == "A gentle walk around Armley Park."


def test_a_term_that_only_borrows_a_signpost_name_is_not_one(small_app, tmp_path) -> None:
    borrowed = _attribute(signpost_terms.KEYWORDS, "loneliness")
    borrowed["taxonomy_term"]["id"] = borrowed["taxonomy_term_id"] = str(uuid.uuid4())
    service = a_service(attributes=[borrowed])
    assert run(small_app, "import-oruk", write(tmp_path, [service])).exit_code == 0
    stored = _stored(small_app, service["id"])
    assert stored.keywords == []  # not ours: read as a need instead
    with Session(small_app.extensions[db.ENGINE_KEY]) as session:
        found = session.get(Service, uuid.UUID(service["id"]))
        assert found is not None and [n.code for n in found.needs] == ["loneliness"]
