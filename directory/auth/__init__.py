"""Signing in and out, password resets and joining by invitation."""

from flask import Blueprint

blueprint = Blueprint("auth", __name__)

from directory.auth import views  # noqa: E402,F401  (registers the routes)
