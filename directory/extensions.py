"""Extensions, created unbound here and bound to each app in create_app.

Rate limits sit on the views they guard, read from the app's settings at each request:

    @limiter.limit(setting("RESET_LIMIT"), methods=["POST"])

Only POSTs (attempts) count; sign-in counts only failed attempts (`deduct_when=failed`), so
that colleagues behind one office address do not lock each other out by signing in. The
counters live in memory for one process, and in Redis where RATELIMIT_STORAGE_URI says so.
Flask-Limiter keeps its counters on the limiter, so each create_app starts them afresh:
a process serves one app (tests make theirs one after another).
"""

from collections.abc import Callable

from flask import Response, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(get_remote_address)


def setting(name: str) -> Callable[[], str]:
    """A limit read from the app's settings when a request comes ("5 per minute")."""
    return lambda: str(current_app.config[name])


def failed(response: Response) -> bool:
    """Whether an attempt failed, for limits that count only failures."""
    return response.status_code >= 400
