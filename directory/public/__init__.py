"""Public pages: home, browse by need, service and organisation pages. No account needed."""

from flask import Blueprint

blueprint = Blueprint("public", __name__)

from directory.public import views  # noqa: E402,F401  (registers the routes)
