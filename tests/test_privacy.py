"""Server logs keep neither search words nor the searcher's address."""

from __future__ import annotations

import logging

import pytest

from directory.privacy import ForgetSearches


def test_request_lines_lose_their_query_string_and_client_address():
    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        "203.0.113.9 - - [23/Nov/2026 11:00:00] %s %s %s\n",
        ('"GET /search?q=kill+myself&postcode=LS6+1BD HTTP/1.1"', "200", "-"),
        None,
    )
    ForgetSearches().filter(record)
    line = record.getMessage()
    assert "kill" not in line and "LS6" not in line and "203.0.113.9" not in line
    assert '"GET /search HTTP/1.1" 200 -' in line


@pytest.mark.parametrize(
    "url",
    [
        "/search?q=tea%00",
        "/api/v1/search?q=tea%00",
        "/api/v1/services?search=%00",
        "/api/v1/taxonomies?search=a%00b",
        "/api/v1/taxonomy_terms?taxonomy_id=%00",
    ],
)
def test_a_nul_character_in_a_parameter_is_refused_with_a_400(demo_app, url):
    """PostgreSQL cannot store or compare it: it must never reach the database (a 500)."""
    response = demo_app.test_client().get(url)
    assert response.status_code == 400
    if url.startswith("/api/"):
        assert response.get_json()["error"] == "bad_request"


def test_a_nul_character_in_a_form_field_is_refused(demo_app):
    client = demo_app.test_client()
    response = client.post("/sign-in", data={"email": "a\x00@example.org", "password": "x"})
    assert response.status_code == 400
