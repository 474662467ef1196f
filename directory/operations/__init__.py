"""Running Signpost in production: structured logs with a request id on every line, and
consistent backups that restore into an empty instance.

logs.py      JSON log lines, the request id (X-Request-ID), gunicorn's logging settings
backups.py   `backup DEST` while the site writes, `restore SRC` into an empty database
warm.py      warm-up and readiness: what a worker builds before it takes requests
commands.py  registers `flask backup` and `flask restore`
"""

from __future__ import annotations

from flask import Flask

from directory.operations import logs


def init_app(app: Flask) -> None:
    """Give every request an id, in its log lines, its response and its error page."""
    logs.init_app(app)
