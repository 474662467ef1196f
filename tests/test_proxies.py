"""Behind a reverse proxy (SIGNPOST_PROXIES): rate limits count each visitor, not the proxy."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import dispose, make_app
from flask import Flask, request

from directory import config

# Rate limits count in a time window (an hour, so it cannot end mid-test).
pytestmark = pytest.mark.concurrency

VISITOR_A = {"X-Forwarded-For": "203.0.113.1"}
VISITOR_B = {"X-Forwarded-For": "203.0.113.2"}


def _app(demo_app: Flask, tmp_path: Path, proxies: int) -> Flask:
    """An app whose open API allows 2 requests an hour per client address."""
    return make_app(
        demo_app.config["DATABASE_URL"],
        tmp_path,
        ORUK_RATE_LIMIT="2 per hour",
        RATELIMIT_ENABLED=True,
        PROXIES=proxies,
    )


def _codes(app: Flask, headers: dict[str, str], times: int) -> list[int]:
    client = app.test_client()
    return [client.get("/api/v1/taxonomies", headers=headers).status_code for _ in range(times)]


def test_behind_a_trusted_proxy_each_visitor_has_their_own_limit(demo_app, tmp_path):
    app = _app(demo_app, tmp_path, proxies=1)
    # A probe (added before any request) shows the scheme and address the app sees.
    app.add_url_rule("/probe", "probe", lambda: f"{request.scheme} {request.remote_addr}")
    try:
        # Every request comes from the proxy's address (the test client's 127.0.0.1).
        assert _codes(app, VISITOR_A, 3) == [200, 200, 429]
        assert _codes(app, VISITOR_B, 2) == [200, 200]
        seen = app.test_client().get("/probe", headers={**VISITOR_A, "X-Forwarded-Proto": "https"})
        assert seen.text == "https 203.0.113.1"
    finally:
        dispose(app)


def test_without_the_setting_forwarded_addresses_are_ignored(demo_app, tmp_path):
    app = _app(demo_app, tmp_path, proxies=0)
    try:
        assert _codes(app, VISITOR_A, 2) == [200, 200]
        # Anyone can send the header: without a trusted proxy it changes nothing.
        assert _codes(app, VISITOR_B, 1) == [429]
    finally:
        dispose(app)


@pytest.mark.parametrize("proxies", [0, 1])
def test_the_development_sign_in_refuses_proxied_requests(demo_app, tmp_path, proxies):
    app = make_app(demo_app.config["DATABASE_URL"], tmp_path, PROXIES=proxies)
    try:
        client = app.test_client()
        assert client.get("/dev/sign-in").status_code == 200  # from this machine
        for claimed in ("127.0.0.1", "203.0.113.1"):
            headers = {"X-Forwarded-For": claimed}
            assert client.get("/dev/sign-in", headers=headers).status_code == 404
            assert (
                client.post("/dev/sign-in", headers=headers, data={"user": "demo"}).status_code
                == 404
            )
    finally:
        dispose(app)


@pytest.mark.parametrize("text", ["two", "-1", "1.5", "99", ""])
def test_a_bad_number_of_proxies_is_refused_at_start(monkeypatch, tmp_path, text):
    monkeypatch.setenv("SIGNPOST_PROXIES", text)
    with pytest.raises(RuntimeError, match="is not a number of proxies from 0 to 10"):
        config.from_environment(tmp_path)


def test_the_number_of_proxies_is_read_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SIGNPOST_PROXIES", "2")
    assert config.from_environment(tmp_path).PROXIES == 2
    monkeypatch.delenv("SIGNPOST_PROXIES")
    assert config.from_environment(tmp_path).PROXIES == 0
