"""Log lines as JSON, one object a line, each with the id of the request it belongs to.

What is never logged: search words, postcodes and client addresses. The app's own messages
name none (a search is counted in the search log, not written to the log); there is no
access log (query strings carry search words: see the README); SQL errors do not show their
parameters (directory/db.py); an error is logged with the path only, never the query string.

The request id comes from the `X-Request-ID` header when a trusted proxy set it (PROXIES
is set, and the value is a plain token of 8-100 letters, digits, dots, dashes or
underscores), or is made here. It goes back in the response's `X-Request-ID` header and on
the error page ("quote this reference"), so that a person reporting a problem and the log
line that records it can be matched.
"""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any

from flask import Flask, Response, current_app, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

HEADER = "X-Request-ID"
_GIVEN_ID = re.compile(r"[A-Za-z0-9._-]{8,100}")
NO_REQUEST = "-"
FORMATS = ("json", "text")

# the fields of a JSON line, in this order, under these names
_FIELDS = "%(asctime)s %(levelname)s %(name)s %(process)d %(request_id)s %(message)s"
_RENAMED = {"asctime": "time", "levelname": "level", "name": "logger", "process": "pid"}
_TEXT = "%(asctime)s [%(process)d] [%(levelname)s] [%(request_id)s] %(name)s: %(message)s"


def request_id() -> str:
    """The id of the request being served (made on first use), or "-" outside one."""
    if not has_request_context():
        return NO_REQUEST
    if "request_id" not in g:
        g.request_id = _given_id() or uuid.uuid4().hex
    return str(g.request_id)


def _given_id() -> str | None:
    # Only a proxy we trust (PROXIES) may name the request: a client could otherwise make
    # its requests' lines look like someone else's.
    if not current_app.config.get("PROXIES"):
        return None
    given = request.headers.get(HEADER, "")
    return given if _GIVEN_ID.fullmatch(given) else None


class RequestId(logging.Filter):
    """Adds `request_id` to every record, so every line (ours, Flask's, gunicorn's) has it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id()
        return True


def json_formatter() -> logging.Formatter:
    return JsonFormatter(_FIELDS, rename_fields=_RENAMED, json_ensure_ascii=False)


def logging_settings(form: str = "json", level: str = "INFO") -> dict[str, Any]:
    """`logging.config.dictConfig` settings: every logger (the app's, gunicorn's) writes to
    stderr through one handler, in JSON or, for people reading a terminal, text. Used as
    gunicorn's `logconfig_dict` (gunicorn.conf.py)."""
    if form not in FORMATS:
        raise ValueError(f"SIGNPOST_LOG_FORMAT={form!r}: use one of {', '.join(FORMATS)}.")
    formatter: dict[str, Any] = {"()": json_formatter} if form == "json" else {"format": _TEXT}
    handler = {
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
        "formatter": "lines",
        "filters": ["request_id"],
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestId}},
        "formatters": {"lines": formatter},
        "handlers": {"stderr": handler, "nowhere": {"class": "logging.NullHandler"}},
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": level, "handlers": ["stderr"], "propagate": False},
            # No access log: its lines hold the query string (search words, postcodes) and
            # the client's address. Given logging settings, gunicorn would write one.
            "gunicorn.access": {"level": "CRITICAL", "handlers": ["nowhere"], "propagate": False},
        },
    }


def init_app(app: Flask) -> None:
    app.after_request(_say_request_id)
    app.jinja_env.globals["request_id"] = request_id


def _say_request_id(response: Response) -> Response:
    response.headers[HEADER] = request_id()
    return response
