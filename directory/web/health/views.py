"""GET /health/live (or /healthz) and GET /health/ready (or /readyz): see
directory/operations/warm.py for what ready means. Both names, since orchestrators and load
balancers expect either."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify

from directory.operations import warm

blueprint = Blueprint("health", __name__)


@blueprint.get("/health/live")
@blueprint.get("/healthz")
def live() -> Response:
    """200 whenever the process answers: restart it only when this fails."""
    return _answer({"status": "live"}, 200)


@blueprint.get("/health/ready")
@blueprint.get("/readyz")
def ready() -> Response:
    """200 when the worker is warm and the database and the index answer; else 503 and
    why, in a word or two per part: send it no traffic yet."""
    problems = warm.problems(current_app)
    if problems:
        return _answer({"status": "not ready", "problems": problems}, 503)
    return _answer({"status": "ready"}, 200)


def _answer(body: dict[str, object], status: int) -> Response:
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"  # a cached "ready" would mislead
    return response
