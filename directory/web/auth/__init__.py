"""Signing in and out, password resets and joining by invitation."""

from directory.web.auth.views import blueprint

__all__ = ["blueprint"]
