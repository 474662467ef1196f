"""The scale benchmarks' catalogue (benchmarks/scale_catalogue.py): valid Open Referral UK
that imports cleanly, every listing published and matchable."""

from __future__ import annotations

import json
from pathlib import Path

from flask import Flask
from sqlmodel import Session, col, select

from benchmarks import scale_catalogue
from directory import db
from directory.catalogue import seeding
from directory.catalogue.seed_files import NEEDS_FILE, read_needs
from directory.models import (
    NEEDS_TAXONOMY_ID,
    ListingStatus,
    Location,
    Service,
    ServiceAtLocation,
)
from tests.oruk_helpers import conformance_problems

SIZE = 40


def test_each_record_is_valid_open_referral_uk_and_hsds() -> None:
    # (skips, saying why, where ../shared/standards is absent)
    for record in scale_catalogue.records(SIZE):
        assert conformance_problems("service", record) == [], record["name"]


def test_the_same_seed_gives_the_same_file_and_a_smaller_file_is_its_start() -> None:
    small = list(scale_catalogue.records(10))
    assert small == list(scale_catalogue.records(20))[:10]
    assert small != list(scale_catalogue.records(10, seed=8))
    # organisations come with several services each, as real directories have them
    organisations = {r["organization"]["id"] for r in scale_catalogue.records(SIZE)}
    assert len(organisations) < SIZE * 0.7


def test_it_imports_cleanly_and_every_listing_is_published_and_matchable(
    empty_app: Flask, tmp_path: Path
) -> None:
    with Session(empty_app.extensions[db.ENGINE_KEY]) as session:
        seeding.load_needs(session, read_needs(NEEDS_FILE))
        session.commit()
    source = scale_catalogue.write(SIZE, tmp_path / "services.json")
    records = json.loads(source.read_text())
    result = empty_app.test_cli_runner().invoke(args=["import-oruk", "--publish", str(source)])
    assert result.exit_code == 0, result.output
    assert "Checked: no problems." in result.output
    assert f"Imported: {SIZE} new, 0 updated (published); skipped 0." in result.output
    assert f"{SIZE} of {SIZE} imported listings can be suggested" in result.output
    assert "Every taxonomy term met a need." in result.output
    assert "Held back" not in result.output
    with Session(empty_app.extensions[db.ENGINE_KEY]) as session:
        services = {str(s.id): s for s in session.exec(select(Service)).all()}
        assert set(services) == {r["id"] for r in records}
        for record in records:
            service = services[record["id"]]
            assert service.status == ListingStatus.PUBLISHED
            needs = [
                a["taxonomy_term"]["code"]
                for a in record["attributes"]
                if a["taxonomy_term"]["taxonomy_id"] == str(NEEDS_TAXONOMY_ID)
            ]
            assert needs, f"{service.name} meets no need in the file"
            assert [link.term.code for link in service.need_links] == needs
            assert service.areas, f"{service.name} serves nowhere"
            assert service.in_person == bool(record["service_at_locations"])
        # every place is at a real Leeds postcode, where the file put it
        places = session.exec(
            select(Location).join(
                ServiceAtLocation, col(ServiceAtLocation.location_id) == Location.id
            )
        ).all()
        assert places
        for place in places:
            assert place.local_authority_code == scale_catalogue.LEEDS, place.postal_code
            assert place.postal_code.startswith("LS")
            assert place.latitude is not None and 53.7 < place.latitude < 53.9
