"""Pages for link workers (signed in): match a person to services, shortlists, feedback."""

from flask import Blueprint

blueprint = Blueprint("linkworker", __name__, url_prefix="/link-worker")

from directory.linkworker import views  # noqa: E402,F401  (registers the routes)
