"""Rules for accounts that every way of making one (command, form, import) shares."""

from __future__ import annotations

import re
import uuid

from directory import db
from directory.models import User

EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
MIN_PASSWORD = 12


def validate_email(email: str) -> list[str]:
    """Problems with an email address, as sentences; empty when it is fine."""
    email = email.strip()
    if len(email) > 254 or not EMAIL.match(email):
        return [f"“{email[:80]}” is not an email address, such as name@example.org."]
    return []


def validate_password(password: str) -> list[str]:
    """Problems with a new password; long passphrases beat composition rules."""
    if len(password) < MIN_PASSWORD:
        return [f"Choose a password of at least {MIN_PASSWORD} characters."]
    if len(password) > 1000:
        return ["Choose a password of at most 1000 characters."]
    return []


def load_user(user_id: str) -> User | None:
    """The signed-in user for Flask-Login, or None for an unknown or malformed id."""
    try:
        key = uuid.UUID(user_id)
    except ValueError:
        return None
    return db.session().get(User, key)
