"""Extensions, created unbound here and bound to each app in create_app.

Rate limits sit on the views they guard, read from the app's settings at each request:

    @limiter.limit(setting("RESET_LIMIT"), methods=["POST"])

Only POSTs (attempts) count; sign-in counts only failed attempts (`deduct_when=failed`), so
that colleagues behind one office address do not lock each other out by signing in. The
counters live in memory for one process, and in Redis where RATELIMIT_STORAGE_URI says so.

Each app gets a Flask-Limiter of its own (`limiter.of(app)`), with its own counters and
settings: Flask-Limiter keeps storage, key prefix and on/off on the limiter object, so one
shared by several apps in a process (tests, or directories served side by side) would count
for all of them with whichever app was made last.
"""

from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import Blueprint, Flask, Response, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

login_manager = LoginManager()
csrf = CSRFProtect()

LIMITS = "rate_limits"  # the attribute that carries a view's or blueprint's limits
EXTENSION = "signpost.limiter"
Guarded = TypeVar("Guarded", bound=Callable[..., Any] | Blueprint)


class Limits:
    """Rate limits written on views and blueprints, given to each app's own limiter."""

    def limit(self, value: Callable[[], str], **options: Any) -> Callable[[Guarded], Guarded]:
        """Mark a view (or a blueprint: each of its requests) with a limit; the app's
        limiter applies it when the app is made. Takes Flask-Limiter's `limit` options."""

        def mark(guarded: Guarded) -> Guarded:
            # a new list: functools.wraps shares __dict__ between a wrapper and what it wraps
            setattr(guarded, LIMITS, [*getattr(guarded, LIMITS, []), (value, options)])
            return guarded

        return mark

    def init_app(self, app: Flask) -> None:
        """Give the app its limiter, with every limit marked on its views and blueprints
        (call once the blueprints are registered)."""
        own = Limiter(get_remote_address, app=app)
        app.extensions[EXTENSION] = own
        for blueprint in app.blueprints.values():
            for value, options in getattr(blueprint, LIMITS, []):
                own.limit(value, **options)(cast(Blueprint, blueprint))  # sansio -> flask
        for endpoint, view in list(app.view_functions.items()):
            guarded: Any = view
            for value, options in getattr(view, LIMITS, []):  # any order: each counts apart
                guarded = own.limit(value, **options)(guarded)
            app.view_functions[endpoint] = guarded

    @staticmethod
    def of(app: Flask) -> Limiter:
        """The app's own Flask-Limiter (its storage, for one)."""
        found: Limiter = app.extensions[EXTENSION]
        return found


limiter = Limits()


def setting(name: str) -> Callable[[], str]:
    """A limit read from the app's settings when a request comes ("5 per minute")."""
    return lambda: str(current_app.config[name])


def failed(response: Response) -> bool:
    """Whether an attempt failed, for limits that count only failures."""
    return response.status_code >= 400
