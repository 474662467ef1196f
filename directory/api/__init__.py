"""The JSON API: the public search at /api/v1/search, open to any site (no account, GET
only), and the matcher at POST /api/v1/match for link workers (see match.py)."""

from flask import Blueprint

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")

from directory.api import match, views  # noqa: E402,F401  (registers the routes)
