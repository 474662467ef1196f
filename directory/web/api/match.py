"""POST /api/v1/match: the matcher for link workers, signed in or through an API token.

A request with `Authorization: Bearer <token>` acts as the token's owner; it carries no
cookie, so it needs no CSRF token. A request riding on a signed-in session must send the
CSRF token (X-CSRFToken header), as every form does: otherwise another site could make a
signed-in link worker's browser post to it.
"""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, g, jsonify, request
from flask_login import current_user

from directory import db
from directory.accounts import api_tokens
from directory.accounts.permissions import may_match
from directory.extensions import csrf
from directory.matching import match_request
from directory.web.api.views import blueprint, invalid

MAX_BODY = 64 * 1024


def refuse(status: int, error: str, message: str) -> tuple[Response, int]:
    response = jsonify(error=error, message=message)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="signpost"'
    return response, status


def authenticate() -> tuple[Any, tuple[Response, int] | None]:
    """The link worker (or admin) calling, by API token or session (with its CSRF token), or
    the answer refusing the call: 401 without good credentials, 403 for other roles."""
    session = db.session()
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        user = api_tokens.user_for_token(session, token.strip())
        if scheme.lower() != "bearer" or user is None:
            return None, refuse(401, "unauthorized", "The API token is not valid or was revoked.")
    elif current_user.is_authenticated:
        user = current_user
        if current_app.config["WTF_CSRF_ENABLED"] and request.method != "GET":
            csrf.protect()  # a 400 answered as JSON by the API's error handler
    else:
        return None, refuse(
            401, "unauthorized", "Sign in as a link worker, or send an API token (Bearer)."
        )
    if not may_match(user):
        return None, refuse(403, "forbidden", "Only link workers and admins may match.")
    g.api_user = user
    return user, None


@blueprint.post("/match")
@csrf.exempt  # checked in authenticate, for session requests only
def match() -> tuple[Response, int]:
    """Suggest services for a person: the same answer as `flask --app wsgi match --json`."""
    session = db.session()
    _user, refusal = authenticate()
    if refusal is not None:
        return refusal
    data, problem = json_body()
    if problem:
        return invalid("invalid_request", {"body": problem}, of="")
    try:
        wanted = match_request.read_request(data)
    except match_request.MatchRequestError as error:
        return invalid("invalid_request", error.problems, of="fields")
    result = match_request.run(session, wanted)
    return jsonify(match_request.answer(result, wanted)), 200


def json_body() -> tuple[Any, str | None]:
    if (request.content_length or 0) > MAX_BODY:
        return None, f"The request body is too large: keep it under {MAX_BODY // 1024} KB."
    if not request.is_json:
        return None, "Send a JSON object with Content-Type: application/json."
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return None, 'The body is not a JSON object, such as {"age": 34, "needs": [...]}.'
    return data, None
