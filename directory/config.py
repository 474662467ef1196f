"""Settings read from the environment, one class per mode.

Nothing is read at import time: each mode reads the environment when it is made,
so that tests and tools can set variables before building an app.
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_SECRET = "dev-only-not-secret"


class Config:
    """Shared defaults: the embedded SQLite database and Whoosh index under instance/."""

    TESTING = False
    PER_PAGE = 20
    WTF_CSRF_ENABLED = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False

    def __init__(self, instance_path: str | Path = "instance") -> None:
        env = os.environ.get
        instance = self.instance_folder(instance_path)
        self.INSTANCE_PATH = str(instance)
        self.SECRET_KEY = env("SECRET_KEY", DEFAULT_SECRET)
        self.DATABASE_URL = env("DATABASE_URL", f"sqlite:///{instance / 'signpost.db'}")
        self.SEARCH_INDEX_DIR = env("SEARCH_INDEX_DIR", str(instance / "index"))
        self.SERVICE_NAME = env("SIGNPOST_SERVICE_NAME", "Signpost")
        # Not every host is an NHS body, so the NHS logo is opt-in.
        self.SHOW_NHS_LOGO = env("SIGNPOST_SHOW_NHS_LOGO", "") == "1"
        self.PLACE_NAME = env("SIGNPOST_PLACE_NAME", "Leeds")
        # Listings not confirmed for this long are shown as "last checked N months ago".
        self.STALE_AFTER_DAYS = int(env("SIGNPOST_STALE_AFTER_DAYS", "183"))
        # Rate-limit counters: memory:// in one process; redis://host:6379 across workers.
        self.RATELIMIT_STORAGE_URI = env("RATELIMIT_STORAGE_URI", "memory://")
        # The open Open Referral UK API: requests per client address.
        self.ORUK_RATE_LIMIT = env("SIGNPOST_ORUK_RATE_LIMIT", "300 per minute")
        # Files bigger than this are refused by import-oruk before they are read.
        self.IMPORT_MAX_BYTES = int(env("SIGNPOST_IMPORT_MAX_MB", "20")) * 1024 * 1024

    def instance_folder(self, default: str | Path) -> Path:
        return Path(os.environ.get("SIGNPOST_INSTANCE_PATH", str(default))).resolve()

    def as_dict(self) -> dict[str, object]:
        """Every upper-case setting, for app.config."""
        names = {n for n in dir(self) if n.isupper()}
        return {n: getattr(self, n) for n in names}


class DevelopmentConfig(Config):
    pass


class TestingConfig(Config):
    TESTING = True
    WTF_CSRF_ENABLED = False

    def instance_folder(self, default: str | Path) -> Path:
        # A test's own folder, whatever the environment says: tests never share data.
        return Path(default).resolve()


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True

    def __init__(self, instance_path: str | Path = "instance") -> None:
        super().__init__(instance_path)
        # Refuse to start with a key anyone can read in the source.
        if self.SECRET_KEY == DEFAULT_SECRET:
            raise RuntimeError("Set SECRET_KEY before running Signpost in production.")


MODES: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def from_environment(instance_path: str | Path = "instance") -> Config:
    """The settings for SIGNPOST_ENV (development by default).

    instance_path is where the SQLite database and index go unless
    SIGNPOST_INSTANCE_PATH says otherwise: the app's instance folder, not the
    current directory, so starting the site from elsewhere finds the same data.
    """
    mode = os.environ.get("SIGNPOST_ENV", "development")
    if mode not in MODES:
        raise RuntimeError(f"SIGNPOST_ENV={mode!r} is not a mode; use one of {', '.join(MODES)}.")
    return MODES[mode](instance_path)
