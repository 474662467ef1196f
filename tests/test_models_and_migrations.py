"""The schema comes from migrations, matches the models, and keeps its rules."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel, select

from directory import db, migrate
from directory.models import (
    Capacity,
    ListingStatus,
    Organisation,
    Schedule,
    Service,
    stable_id,
)


def test_migrations_build_exactly_the_schema_the_models_describe(empty_app):
    engine = empty_app.extensions[db.ENGINE_KEY]
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []
    assert migrate.current_revision(engine) == migrate.head_revision(engine)


def test_downgrade_to_base_removes_every_table_and_upgrade_restores_them(empty_app):
    engine = empty_app.extensions[db.ENGINE_KEY]
    migrate.downgrade(engine, "base")
    assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(engine)
    assert {"service", "organization", "taxonomy_term"} <= set(sa.inspect(engine).get_table_names())


def test_stable_ids_are_the_same_for_the_same_key_and_differ_between_kinds():
    assert stable_id("service", "tea") == stable_id("service", "tea")
    assert stable_id("service", "tea") != stable_id("location", "tea")
    assert stable_id("service", "tea").version == 5


def test_a_new_service_starts_as_an_unpublished_draft_at_version_one(empty_app, session_for):
    session = session_for(empty_app)
    org = Organisation(name="Test Org", description="Testing")
    service = Service(name="Test", organisation=org)
    session.add(service)
    session.commit()
    session.refresh(service)
    assert service.status == ListingStatus.DRAFT
    assert service.capacity == Capacity.OPEN
    assert service.version == 1
    assert service.created_at.tzinfo is not None


def test_the_database_refuses_a_listing_status_outside_the_list(empty_app, session_for):
    session = session_for(empty_app)
    org = Organisation(name="Test Org", description="Testing")
    session.add(org)
    session.commit()
    statement = sa.text(
        "INSERT INTO service (id, organization_id, name, summary, description, keywords,"
        " in_person, online, by_phone, eligibility_description, restrictions, is_free,"
        " fees_description, self_referral, professional_referral, gp_referral,"
        " application_process, status, capacity, version, created_at, updated_at)"
        " VALUES (:id, :org, 'x', '', '', '[]', false, false, false, '', '[]', true, '',"
        " false, false, false, '', 'bogus', 'open', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
    )
    key = uuid.uuid4()
    org_key = org.id
    if empty_app.extensions[db.ENGINE_KEY].dialect.name == "sqlite":
        key, org_key = key.hex, org_key.hex
    with pytest.raises(sa.exc.IntegrityError):
        session.execute(statement, {"id": key, "org": org_key})
        session.commit()


def test_deleting_a_service_deletes_its_opening_times(empty_app, session_for):
    session = session_for(empty_app)
    org = Organisation(name="Test Org", description="Testing")
    service = Service(name="Test", organisation=org)
    service.schedules = [Schedule(byday="MO", opens_at="10:00", closes_at="11:00")]
    session.add(service)
    session.commit()
    session.delete(service)
    session.commit()
    assert session.exec(select(Schedule)).all() == []


def test_a_service_needs_an_existing_organisation(empty_app, session_for):
    session = session_for(empty_app)
    session.add(Service(name="Orphan", organization_id=uuid.uuid4()))
    with pytest.raises(sa.exc.IntegrityError):
        session.commit()


def test_seeding_refuses_to_run_on_an_old_schema(databases, tmp_path):
    from tests.conftest import make_app

    app = make_app(databases.new(), tmp_path / "instance")
    result = app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code != 0
    assert "db upgrade" in result.output
    app.extensions[db.ENGINE_KEY].dispose()


def test_each_request_gets_its_own_session(small_app):
    with small_app.test_request_context("/"):
        first = db.session()
        assert db.session() is first
    with small_app.test_request_context("/"):
        assert db.session() is not first


def test_tables_use_open_referral_names():
    tables = set(SQLModel.metadata.tables)
    expected = {
        "organization",
        "service",
        "location",
        "service_at_location",
        "contact",
        "phone",
        "schedule",
        "cost_option",
        "service_area",
        "language",
        "accessibility",
        "taxonomy",
        "taxonomy_term",
    }
    assert expected <= tables
