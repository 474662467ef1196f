"""Property-based checks of the read API against its own OpenAPI document (schemathesis):
generated parameters, valid and invalid, must never give a server error, and every answer
must match the document's status codes, content types and response schemas."""

from __future__ import annotations

import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance

from tests.conftest import dispose, make_app

# /search needs a search index and /match is built on another branch: both are left out.
# Some parameters are valid only in context (a postcode must exist; proximity needs a
# postcode), which a schema cannot say: a 400 for them is right, so that check is left out.
LEFT_OUT = ("/search", "/match")
# A link worker's cases and what hangs off them need a sign-in or a token: their own tests
# (tests/test_cases_api.py, test_referrals_api.py, test_wellbeing_api.py) keep their promises.
PRIVATE = ("/cases",)


def test_the_read_api_keeps_its_openapi_promises(demo_app: Flask, tmp_path) -> None:
    app = make_app(demo_app.config["DATABASE_URL"], tmp_path, ORUK_RATE_LIMIT="100000 per minute")
    try:
        checked = _check_every_read(app)
    finally:
        dispose(app)  # its connections closed even when a check fails
    assert "/services/{id}" in checked and len(checked) == 11


def _check_every_read(app: Flask) -> list[str]:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    checked = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.method.upper() != "GET" or operation.path.startswith(LEFT_OUT + PRIVATE):
            continue

        @given(case=operation.as_strategy())
        @settings(
            max_examples=4, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        def check(case) -> None:
            case.call_and_validate(excluded_checks=[positive_data_acceptance])

        check()
        checked.append(operation.path)
    return checked
