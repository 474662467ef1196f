"""export-oruk and import-oruk: the round trip, the official examples, the validator's fail
fixtures, and bad files that must change nothing."""

from __future__ import annotations

import copy
import json
import re
import shutil
import uuid
import zipfile
from pathlib import Path

import pytest
from flask import Flask
from sqlmodel import Session, func, select

from directory import db, search
from directory.catalogue import seeding
from directory.catalogue.seed_files import NEEDS_FILE, read_needs
from directory.models import (
    ListingStatus,
    Location,
    Organisation,
    Phone,
    Service,
    ServiceTaxonomyTerm,
    TaxonomyTerm,
)
from tests.oruk_helpers import FIXTURES, HSDS, UK, conformance_problems, need_standards


def run(app: Flask, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def with_needs(app: Flask) -> Flask:
    """An empty catalogue still has Signpost's own needs taxonomy."""
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        seeding.load_needs(session, read_needs(NEEDS_FILE))
        session.commit()
    return app


def counts(app: Flask) -> tuple[int, int, int, int]:
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        return tuple(
            session.exec(select(func.count()).select_from(model)).one()
            for model in (Service, Organisation, Location, Phone)
        )


def a_service(**changes: object) -> dict:
    """A small valid HSDS service with a UK address."""
    service = {
        "id": str(uuid.uuid4()),
        "name": "Armley Walking Group",
        "status": "active",
        "description": "A gentle walk around Armley Park. Everyone is welcome.",
        "organization": {
            "id": str(uuid.uuid4()),
            "name": "Armley Walkers",
            "description": "Volunteers who walk.",
        },
        "service_at_locations": [
            {
                "id": str(uuid.uuid4()),
                "location": {
                    "id": str(uuid.uuid4()),
                    "location_type": "physical",
                    "name": "Armley Park gates",
                    "addresses": [
                        {
                            "id": str(uuid.uuid4()),
                            "address_1": "Stanningley Road",
                            "city": "Leeds",
                            "state_province": "",
                            "postal_code": "LS12 3LN",
                            "country": "GB",
                            "address_type": "physical",
                        }
                    ],
                },
            }
        ],
        "attributes": [],
    }
    service.update(changes)
    return service


def write(tmp_path: Path, data: object, name: str = "import.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return str(path)


# --- export (the round trip: tests/test_oruk_round_trip.py) ---------------------------


def test_export_writes_json_and_a_datapackage_that_conform(demo_app, tmp_path) -> None:
    result = run(demo_app, "export-oruk", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    services = json.loads((tmp_path / "out" / "services.json").read_text())
    with Session(demo_app.extensions[db.ENGINE_KEY]) as session:
        published = session.exec(
            select(func.count())
            .select_from(Service)
            .join(Organisation)
            .where(
                Service.status == ListingStatus.PUBLISHED,
                Organisation.status == ListingStatus.PUBLISHED,
            )
        ).one()
    assert len(services) == published
    assert f"Exported {published} published services" in result.output
    package = json.loads((tmp_path / "out" / "datapackage" / "datapackage.json").read_text())
    paths = {r["path"] for r in package["resources"]}
    assert {"services.csv", "organizations.csv", "locations.csv", "taxonomy_terms.csv"} <= paths
    header = (tmp_path / "out" / "datapackage" / "services.csv").read_text().splitlines()[0]
    assert (
        header == (HSDS / "examples" / "csv" / "services.csv").read_text().splitlines()[0]
        if HSDS.exists()
        else header.startswith("id,organization_id")
    )
    if UK.exists():
        problems = [p for s in services[:40] for p in conformance_problems("service", s)]
        assert problems == []


def test_importing_twice_updates_and_never_duplicates(small_app, tmp_path) -> None:
    source = write(tmp_path, [a_service(), a_service(name="Bramley Bike Club")])
    first = run(small_app, "import-oruk", source)
    assert first.exit_code == 0, first.output
    assert "Imported: 2 new, 0 updated (waiting for review)" in first.output
    before = counts(small_app)
    second = run(small_app, "import-oruk", source)
    assert "Imported: 0 new, 2 updated" in second.output
    assert counts(small_app) == before


def test_an_import_written_a_record_at_a_time_updates_and_never_duplicates(
    small_app, tmp_path, monkeypatch
) -> None:
    from directory.oruk import importing

    monkeypatch.setattr(importing, "FLUSH_EVERY", 1)  # a flush after every record
    records = [a_service(), a_service(name="Bramley Bike Club"), a_service(name="Otley Choir")]
    source = write(tmp_path, records)
    first = run(small_app, "import-oruk", source)
    assert "Imported: 3 new, 0 updated (waiting for review)" in first.output, first.output
    before = counts(small_app)
    second = run(small_app, "import-oruk", source)
    assert "Imported: 0 new, 3 updated" in second.output, second.output
    assert counts(small_app) == before


def test_fees_given_only_in_words_say_whether_a_service_is_free(small_app, tmp_path) -> None:
    """A council feed often has no cost options, only "£4.50 per meal": that is no free
    service for someone who can pay nothing. Cost options, where given, still decide."""
    records = {
        "Lunch club": a_service(name="Lunch club", fees="£4.50 per meal"),
        "Tea morning": a_service(name="Tea morning", fees="Free, donations welcome"),
        "Swim": a_service(name="Swim", fees_description="50p a session"),
        "Walk": a_service(name="Walk"),
        "Quiz": a_service(
            name="Quiz",
            fees="£2 suggested donation",
            cost_options=[{"id": str(uuid.uuid4()), "amount": 0, "option": "Everyone"}],
        ),
    }
    result = run(small_app, "import-oruk", write(tmp_path, list(records.values())))
    assert result.exit_code == 0, result.output
    with Session(small_app.extensions[db.ENGINE_KEY]) as session:
        free = {
            name: session.get(Service, uuid.UUID(str(record["id"]))).is_free  # type: ignore[union-attr]
            for name, record in records.items()
        }
    assert free == {
        "Lunch club": False,
        "Tea morning": True,
        "Swim": False,
        "Walk": True,
        "Quiz": True,
    }


def test_a_large_import_rebuilds_the_search_index_and_a_small_one_updates_it(
    small_app, tmp_path, monkeypatch
) -> None:
    from directory.search import following

    rebuilt = []
    real_rebuild = following.rebuild

    def spy(*args, **kwargs):
        rebuilt.append(args)
        return real_rebuild(*args, **kwargs)

    with small_app.app_context():
        search.rebuild(db.session(), search.index())  # an index that follows the log
    monkeypatch.setattr(following, "rebuild", spy)
    monkeypatch.setattr(following, "backlog_limit", lambda _index: 1)
    one = write(tmp_path, [a_service(name="Armley Walk")], "one.json")
    assert run(small_app, "import-oruk", one, "--publish").exit_code == 0
    assert rebuilt == []
    two = write(tmp_path, [a_service(name="Otley Choir"), a_service(name="Pudsey Chess")])
    assert run(small_app, "import-oruk", two, "--publish").exit_code == 0
    assert len(rebuilt) == 1
    for name in ("Pudsey Chess", "Armley Walk"):  # the rebuilt index holds both imports
        page = small_app.test_client().get("/search", query_string={"q": name})
        assert name in page.get_data(as_text=True)


def test_imported_listings_wait_for_review_unless_published(small_app, tmp_path) -> None:
    waiting, live = a_service(), a_service(name="Published Walk")
    assert run(small_app, "import-oruk", write(tmp_path, [waiting], "a.json")).exit_code == 0
    assert (
        run(small_app, "import-oruk", write(tmp_path, [live], "b.json"), "--publish").exit_code == 0
    )
    client = small_app.test_client()
    assert client.get(f"/api/v1/services/{waiting['id']}").status_code == 404
    assert client.get(f"/api/v1/services/{live['id']}").status_code == 200
    with Session(small_app.extensions[db.ENGINE_KEY]) as session:
        assert session.get(Service, uuid.UUID(waiting["id"])).status == ListingStatus.PENDING_REVIEW
        place = session.get(Location, uuid.UUID(live["service_at_locations"][0]["location"]["id"]))
        # the postcode resolved: a real position and local authority
        assert place.postal_code == "LS12 3LN" and place.latitude and place.local_authority_code


# --- taxonomy mapping and duplicates ---------------------------------------------------


def term(name: str, code: str = "", taxonomy: str = "Council directory") -> dict:
    return {
        "id": str(uuid.uuid4()),
        "taxonomy_term_id": None,
        "taxonomy_term": {
            "id": str(uuid.uuid4()),
            "name": name,
            "code": code,
            "taxonomy": taxonomy,
            "description": "",
        },
    }


def test_foreign_terms_map_to_needs_and_the_rest_are_listed(small_app, tmp_path) -> None:
    """Only by id, code, cross-walk or exact words: a close spelling, a population group and
    a way of delivery stay unmapped, for a manager to decide (/manage/taxonomy)."""
    attributes = [
        term("Anything", code="loneliness"),  # by code
        term("Money worries and debt"),  # by name
        term("skint"),  # by a synonym
        term("Food banks"),  # by a synonym, plural
        term("Lonelyness and isolaton"),  # a close spelling: only suggested
        term("Befriending", code="1303", taxonomy="Open Eligibility"),  # cross-walk
        term("Telephone support"),  # delivery: never a need
        term("Underwater basket weaving"),  # nothing
    ]
    for item in attributes:
        item["taxonomy_term_id"] = item["taxonomy_term"]["id"]
    service = a_service(attributes=attributes)
    result = run(small_app, "import-oruk", write(tmp_path, [service]))
    assert result.exit_code == 0, result.output
    assert (
        "Underwater basket weaving (Council directory): 1 listing carries this term, "
        "map at /manage/taxonomy?term=Underwater+basket+weaving"
    ) in result.output
    assert (
        "Lonelyness and isolaton (Council directory): 1 listing carries this term, "
        "map at /manage/taxonomy?term=Lonelyness+and+isolaton"
    ) in result.output
    assert (
        "Telephone support (Council directory): 1 listing carries this term, "
        "map at /manage/taxonomy?term=Telephone+support"
    ) in result.output
    assert "Food banks (Council directory) -> food (by name)" in result.output
    assert "fuzzy" not in result.output
    with Session(small_app.extensions[db.ENGINE_KEY]) as session:
        codes = session.exec(
            select(TaxonomyTerm.code)
            .join(ServiceTaxonomyTerm)
            .where(ServiceTaxonomyTerm.service_id == uuid.UUID(service["id"]))
            .order_by(ServiceTaxonomyTerm.rank)
        ).all()
    assert codes == ["loneliness", "money_debt", "food"]


def test_likely_duplicates_are_reported(small_app, tmp_path) -> None:
    with Session(small_app.extensions[db.ENGINE_KEY]) as session:
        existing = session.exec(select(Service).where(Service.name == "Tuesday Tea and Chat")).one()
        org_name = existing.organisation.name
    twin = a_service(name="Tuesday Tea & Chat")
    twin["organization"]["name"] = org_name
    result = run(small_app, "import-oruk", write(tmp_path, [twin]))
    assert result.exit_code == 0, result.output
    assert "Likely duplicates to check" in result.output
    assert str(existing.id) in result.output and "same organisation" in result.output


def test_a_long_list_of_likely_duplicates_is_cut_short_with_where_to_see_it(
    small_app, tmp_path, monkeypatch
) -> None:
    """An import of thousands printed every pair (107,000 lines for a 2,000-listing feed)."""
    monkeypatch.setattr("directory.oruk.commands.SHOWN_PROBLEMS", 1)
    with Session(small_app.extensions[db.ENGINE_KEY]) as session:
        existing = session.exec(select(Service).where(Service.name == "Tuesday Tea and Chat")).one()
        org_name = existing.organisation.name
    twins = [a_service(name=name) for name in ("Tuesday Tea & Chat", "Tuesday Tea and Chats")]
    for twin in twins:
        twin["organization"]["name"] = org_name
    result = run(small_app, "import-oruk", write(tmp_path, twins))
    assert result.exit_code == 0, result.output
    listed = result.output.split("Likely duplicates to check:\n")[1].splitlines()
    assert listed[0].startswith("  '") and " and " in listed[0]
    assert re.fullmatch(r"  … and \d+ more: see them all at /manage/duplicates\.", listed[1])


# --- the official examples and the validator's fixtures -----------------------------------


def _examples() -> list[tuple[str, Path]]:
    return [
        ("UK service_full.json", UK / "examples" / "service_full.json"),
        ("UK service_list.json", UK / "examples" / "service_list.json"),
        ("UK csv", UK / "examples" / "csv"),
        ("HSDS service_full.json", HSDS / "examples" / "service_full.json"),
        ("HSDS service_list.json", HSDS / "examples" / "service_list.json"),
        ("HSDS csv", HSDS / "examples" / "csv"),
        ("validator pass", FIXTURES / "V3.0-UK-Default" / "service_full.json"),
        ("validator pass list", FIXTURES / "V3.0-UK-Default" / "service_list.json"),
    ]


@pytest.mark.parametrize(("name", "source"), _examples(), ids=[n for n, _ in _examples()])
def test_the_official_examples_import_cleanly(empty_app, name, source) -> None:
    need_standards()
    result = run(with_needs(empty_app), "import-oruk", str(source))
    assert result.exit_code == 0, result.output
    assert "0 error(s)" in result.output or "no problems" in result.output
    assert "Imported: 1 new" in result.output
    assert counts(empty_app)[0] == 1


def test_the_example_datapackage_imports_from_a_zip(empty_app, tmp_path) -> None:
    need_standards()
    archive = tmp_path / "hsds.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for file in (HSDS / "examples" / "csv").glob("*.csv"):
            zipped.write(file, f"hsds/{file.name}")
        zipped.write(HSDS / "datapackage.json", "hsds/datapackage.json")
    result = run(with_needs(empty_app), "import-oruk", str(archive))
    assert result.exit_code == 0, result.output
    assert "(datapackage)" in result.output and "Imported: 1 new" in result.output


FAIL_FIXTURES = [
    (
        "service_full.json",
        [
            "url: 'example/counselling' is not a valid uri",
            "email: 'email-example_com' is not a valid email",
        ],
    ),
    (
        "service_list.json",
        [
            "name: is required but missing",
            "url: 'example_counselling' is not a valid uri",
            "id: the same id is used by 2 records",
        ],
    ),
]


@pytest.mark.parametrize(("fixture", "messages"), FAIL_FIXTURES)
def test_the_validators_fail_fixtures_are_rejected(small_app, fixture, messages) -> None:
    need_standards()
    before = counts(small_app)
    result = run(small_app, "import-oruk", str(FIXTURES / "V3.0-UK-Fail" / fixture))
    assert result.exit_code == 1
    for message in messages:
        assert message in result.output
    assert "nothing was imported" in result.output
    assert counts(small_app) == before


# --- bad files change nothing -----------------------------------------------------------


def _bad_files(tmp_path: Path) -> list[tuple[str, str]]:
    one = a_service()
    unknown_term = a_service(
        attributes=[{"id": str(uuid.uuid4()), "taxonomy_term_id": str(uuid.uuid4())}]
    )
    bad_postcode = a_service()
    bad_postcode["service_at_locations"][0]["location"]["addresses"][0]["postal_code"] = "ZZ99 9ZZ"
    malformed = a_service()
    malformed["service_at_locations"][0]["location"]["addresses"][0]["postal_code"] = "LS99 XYZ"
    big = tmp_path / "big.json"
    with big.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # 50 MB of nothing: refused before it is read
    nan = tmp_path / "nan.json"
    nan.write_text('[{"id": "x", "name": "x", "status": "active", "minimum_age": NaN}]')
    huge_cell = tmp_path / "huge"
    huge_cell.mkdir()
    (huge_cell / "services.csv").write_text("id,name\n1," + "x" * 200_000 + "\n")
    not_json = tmp_path / "notes.json"
    not_json.write_text("name,postcode\nWalk,LS6 1AA\n")
    return [
        (str(not_json), "is not JSON"),
        (str(nan), "NaN is not a number JSON allows"),
        (str(huge_cell), "cannot be read"),
        (write(tmp_path, {"services": []}, "shape.json"), "not in a shape Signpost imports"),
        (write(tmp_path, [1, 2], "numbers.json"), "are not objects"),
        (str(big), "50.0 MB, more than the"),
        (write(tmp_path, [one, copy.deepcopy(one)], "twice.json"), "the same id is used by 2"),
        (write(tmp_path, [unknown_term], "term.json"), "unknown taxonomy term"),
        (write(tmp_path, [bad_postcode], "postcode.json"), "ZZ99 9ZZ"),
        (write(tmp_path, [malformed], "malformed.json"), "postal_code"),
        (write(tmp_path, [a_service(id="42")], "id.json"), "'42' is not a valid uuid"),
        (
            write(tmp_path, [a_service(minimum_age=30, maximum_age=18)], "ages.json"),
            "minimum_age: 30 is above the maximum age 18",
        ),
        (str(tmp_path / "missing.json"), "does not exist"),
        (str(tmp_path), "is not a datapackage"),
    ]


def test_bad_files_get_a_clear_report_and_change_nothing(small_app, tmp_path) -> None:
    before = counts(small_app)
    for source, message in _bad_files(tmp_path):
        result = run(small_app, "import-oruk", source)
        assert result.exit_code == 1, (source, result.output)
        assert message in result.output, (source, result.output)
        assert "Traceback" not in result.output
        assert counts(small_app) == before, source


def test_skip_invalid_imports_the_good_records_only(small_app, tmp_path) -> None:
    good, bad = a_service(), a_service(email="not an email")
    result = run(small_app, "import-oruk", write(tmp_path, [good, bad]), "--skip-invalid")
    assert result.exit_code == 0, result.output
    assert "Imported: 1 new, 0 updated" in result.output and "skipped 1" in result.output
    with Session(small_app.extensions[db.ENGINE_KEY]) as session:
        assert session.get(Service, uuid.UUID(good["id"])) is not None
        assert session.get(Service, uuid.UUID(bad["id"])) is None


def test_the_size_limit_is_configurable(small_app, tmp_path) -> None:
    small_app.config["IMPORT_MAX_BYTES"] = 100
    result = run(small_app, "import-oruk", write(tmp_path, [a_service()]))
    assert result.exit_code == 1 and "more than the" in result.output


def test_a_datapackage_folder_copy_with_a_broken_table_is_reported(small_app, tmp_path) -> None:
    need_standards()
    folder = tmp_path / "package"
    shutil.copytree(HSDS / "examples" / "csv", folder)
    services_csv = folder / "services.csv"
    services_csv.write_text(services_csv.read_text().replace("email@example.com", "nobody", 1))
    result = run(small_app, "import-oruk", str(folder))
    assert result.exit_code == 1
    assert "email: 'nobody' is not a valid email" in result.output


def test_a_page_of_one_to_one_fields_updates_without_losing_the_rest(small_app, tmp_path) -> None:
    page = small_app.test_client().get("/api/v1/services?per_page=200").get_json()
    assert page["contents"]  # else no description could change and the test proves nothing
    for service in page["contents"]:
        service["description"] = "Changed by the other directory."
    with Session(small_app.extensions[db.ENGINE_KEY]) as session:
        before = {
            s.id: (len(s.schedules), len(s.location_links), [t.code for t in s.needs])
            for s in session.exec(select(Service)).all()
        }
    result = run(small_app, "import-oruk", write(tmp_path, page, "page.json"))
    assert result.exit_code == 0, result.output
    assert f"({'page'})" in result.output
    with Session(small_app.extensions[db.ENGINE_KEY]) as session:
        for service in session.exec(select(Service)).all():
            assert (
                len(service.schedules),
                len(service.location_links),
                [t.code for t in service.needs],
            ) == before[service.id]
            if service.status == ListingStatus.PUBLISHED:
                assert service.description == "Changed by the other directory."
