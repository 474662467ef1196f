"""Wrong passwords counted per account, whatever address they come from.

The per-address limit (SIGN_IN_LIMIT, on the view) stops one address guessing; this stops
many addresses guessing one account's password. After ACCOUNT_FAILURES wrong passwords for
an email address within ACCOUNT_WINDOW_MINUTES, signing in with it is refused for a minute,
then for twice as long at each further lock that day, up to ACCOUNT_LOCK_MAX_MINUTES. The
counts live in the rate limiter's storage (Redis in production), so every worker and host
counts together. They are kept by a hash of the address, and for an address with no account
exactly as for one with an account, so the answer tells nobody which addresses have
accounts.
"""

from __future__ import annotations

import hashlib
import math
import time

from flask import current_app
from limits.storage import Storage

from directory.extensions import limiter

DAY = 24 * 60 * 60


def _storage() -> Storage:
    found: Storage = limiter.of(current_app).storage
    return found


def _key(kind: str, email: str) -> str:
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    return f"{current_app.config['RATELIMIT_KEY_PREFIX']}/account-{kind}/{digest}"


def _on() -> bool:
    return bool(current_app.config.get("RATELIMIT_ENABLED"))


def wait_minutes(email: str) -> int:
    """Whole minutes until this address may try to sign in again (0: it may now)."""
    if not _on():
        return 0
    storage, key = _storage(), _key("lock", email)
    if not storage.get(key):
        return 0
    return max(1, math.ceil((storage.get_expiry(key) - time.time()) / 60))


def failed(email: str) -> None:
    """Count a wrong password for this address; lock it when there have been too many."""
    if not _on():
        return
    config, storage = current_app.config, _storage()
    window = config["ACCOUNT_WINDOW_MINUTES"] * 60
    if storage.incr(_key("failures", email), window) < config["ACCOUNT_FAILURES"]:
        return
    storage.clear(_key("failures", email))
    level = storage.incr(_key("locks", email), DAY)
    minutes = min(2 ** (level - 1), config["ACCOUNT_LOCK_MAX_MINUTES"])
    storage.incr(_key("lock", email), minutes * 60)


def succeeded(email: str) -> None:
    """A right password: the wrong ones before it no longer count towards a lock."""
    if _on():
        _storage().clear(_key("failures", email))
