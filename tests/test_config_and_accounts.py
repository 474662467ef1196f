"""Settings from the environment, and the create-user command."""

from __future__ import annotations

import pytest
from sqlmodel import select
from werkzeug.security import check_password_hash

from directory import config
from directory.models import Role, User, stable_id

GOOD_PASSWORD = "correct horse battery staple"


def test_production_refuses_to_start_with_the_default_secret(monkeypatch):
    monkeypatch.setenv("SIGNPOST_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="Set SECRET_KEY"):
        config.from_environment()


def test_production_with_a_secret_uses_secure_cookies_and_the_database_url(monkeypatch):
    monkeypatch.setenv("SIGNPOST_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-long-random-secret-of-32-bytes")
    monkeypatch.setenv("SIGNPOST_PUBLIC_URL", "https://signpost.example")
    monkeypatch.setenv("DATABASE_URL", "postgresql://signpost@db/signpost")
    settings = config.from_environment()
    assert settings.SESSION_COOKIE_SECURE is True
    assert settings.DATABASE_URL == "postgresql://signpost@db/signpost"


def test_an_unknown_mode_is_named_in_the_error(monkeypatch):
    monkeypatch.setenv("SIGNPOST_ENV", "staging")
    with pytest.raises(RuntimeError, match="'staging' is not a mode"):
        config.from_environment()


def test_the_embedded_default_keeps_database_and_index_under_instance(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SEARCH_INDEX_DIR", raising=False)
    monkeypatch.setenv("SIGNPOST_INSTANCE_PATH", str(tmp_path))
    settings = config.from_environment()
    assert f"sqlite:///{tmp_path / 'signpost.db'}" == settings.DATABASE_URL
    assert str(tmp_path / "index") == settings.SEARCH_INDEX_DIR


def _create(app, *args, password=GOOD_PASSWORD):
    return app.test_cli_runner().invoke(args=["create-user", *args, "--password", password])


def test_create_user_makes_an_account_with_a_hashed_password(small_app, session_for):
    result = _create(small_app, "Link.Worker@Example.org", "--role", "linkworker")
    assert result.exit_code == 0, result.output
    assert "Created linkworker link.worker@example.org." in result.output
    user = session_for(small_app).exec(select(User)).one()
    assert user.email == "link.worker@example.org"
    assert user.role == Role.LINK_WORKER
    assert user.password_hash.startswith("scrypt:")
    assert check_password_hash(user.password_hash, GOOD_PASSWORD)


def test_create_user_links_an_editor_to_their_organisation(small_app, session_for):
    org = stable_id("organisation", "hyde-park-friends")
    result = _create(small_app, "editor@example.org", "--role", "editor", "--org", str(org))
    assert result.exit_code == 0, result.output
    assert session_for(small_app).exec(select(User)).one().organization_id == org


BAD_USERS = [
    (["not-an-email", "--role", "admin"], GOOD_PASSWORD, "is not an email address"),
    (["a@example.org", "--role", "admin"], "short", "at least 12 characters"),
    (["a@example.org", "--role", "editor"], GOOD_PASSWORD, "give --org ORG_ID"),
    (["a@example.org", "--role", "manager", "--org", "x"], GOOD_PASSWORD, "Only editors"),
    (["a@example.org", "--role", "editor", "--org", "nope"], GOOD_PASSWORD, "no organisation"),
    (["a@example.org", "--role", "wizard"], GOOD_PASSWORD, "'wizard' is not one of"),
]


@pytest.mark.parametrize(("args", "password", "message"), BAD_USERS)
def test_create_user_refuses_bad_input_and_creates_nothing(
    small_app, session_for, args, password, message
):
    result = _create(small_app, *args, password=password)
    assert result.exit_code != 0
    assert message in result.output
    assert session_for(small_app).exec(select(User)).all() == []


def test_create_user_refuses_a_second_account_for_the_same_email(small_app, session_for):
    assert _create(small_app, "a@example.org", "--role", "admin").exit_code == 0
    again = _create(small_app, "A@example.org", "--role", "manager")
    assert again.exit_code != 0
    assert "already an account for a@example.org" in again.output
    assert len(session_for(small_app).exec(select(User)).all()) == 1
