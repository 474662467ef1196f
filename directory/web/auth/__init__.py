"""Signing in and out, password resets and joining by invitation."""

from directory.web.auth import two_factor_views  # noqa: F401  (routes)
from directory.web.auth.views import blueprint

__all__ = ["blueprint"]
