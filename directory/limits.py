"""Rate limits on the forms people could abuse (sign-in, password reset, public reports)
and on the open Open Referral UK API.

Each app gets its own Limiter, so that apps (and tests) never share counters by accident;
the counters live in memory by default and in Redis where RATELIMIT_STORAGE_URI says so.
"""

from __future__ import annotations

from flask import Flask, Response, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

EXTENSION = "signpost.limiter"

# endpoint -> the setting that holds its limit; only POSTs (attempts) count.
# Sign-in counts only failed attempts, so that colleagues behind one office address
# do not lock each other out by signing in.
FAILURES_ONLY = frozenset({"auth.sign_in"})
LIMITS: dict[str, str] = {
    "auth.sign_in": "SIGN_IN_LIMIT",
    "auth.reset_request": "RESET_LIMIT",
    "auth.reset_password": "RESET_LIMIT",
    "manage.report_problem": "PUBLIC_FORM_LIMIT",
    "manage.register_organisation": "PUBLIC_FORM_LIMIT",
    "manage.claim_organisation": "PUBLIC_FORM_LIMIT",
}

# blueprint -> the setting that holds the limit on each of its requests
BLUEPRINT_LIMITS: dict[str, str] = {"oruk": "ORUK_RATE_LIMIT"}


def init_app(app: Flask) -> None:
    """Give the app its limiter (call after the blueprints are registered)."""
    limiter = Limiter(get_remote_address, app=app)
    app.extensions[EXTENSION] = limiter
    for endpoint, setting in LIMITS.items():
        view = app.view_functions[endpoint]
        deduct = _failed if endpoint in FAILURES_ONLY else None
        limit = limiter.limit(_setting(setting), methods=["POST"], deduct_when=deduct)
        app.view_functions[endpoint] = limit(view)
    for name, setting in BLUEPRINT_LIMITS.items():
        limiter.limit(_setting(setting))(app.blueprints[name])


def _failed(response: Response) -> bool:
    return response.status_code >= 400


def _setting(name: str):  # type: ignore[no-untyped-def]
    return lambda: current_app.config[name]
