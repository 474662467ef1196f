"""Settings read from the environment, one class per mode.

Nothing is read at import time: each mode reads the environment when it is made,
so that tests and tools can set variables before building an app.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_SECRET = "dev-only-not-secret"
MIN_SECRET_BYTES = 32
REMEMBER_DAYS = 30
DEFAULT_PUBLIC_URL = "http://127.0.0.1:5000"
# A year, and every subdomain: what browsers' preload lists ask for.
HSTS = "max-age=31536000; includeSubDomains"
FORM_ALLOWANCE = 1024 * 1024  # bytes a request may hold besides an uploaded file


class Config:
    """Shared defaults: the embedded SQLite database and Whoosh index under instance/."""

    TESTING = False
    PER_PAGE = 20
    WTF_CSRF_ENABLED = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    # The development sign-in (directory/web/auth/dev_login.py): never in production.
    DEV_LOGIN = False
    # Remember-me is off unless the person ticks the box; its cookie is as guarded as the session.
    REMEMBER_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = timedelta(days=REMEMBER_DAYS)
    # Strict-Transport-Security, sent on every response where set (production).
    STRICT_TRANSPORT_SECURITY = ""
    RATELIMIT_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    # Admins and managers sign in with a code from an authenticator app after the password
    # (directory/accounts/two_factor.py). Tests turn it off, except those of it.
    TWO_FACTOR_REQUIRED = True
    # Without a mail server, write mail to the log (development); production never does,
    # because the links in it sign people in.
    LOG_MAIL = True
    # A static file by its plain name (one with no hashed copy): cached briefly, as it may
    # change under that name (hashed ones are cached for a year: directory/web/static_files.py)
    SEND_FILE_MAX_AGE_DEFAULT: int | None = 300

    def __init__(self, instance_path: str | Path = "instance") -> None:
        env = os.environ.get
        instance = self.instance_folder(instance_path)
        self.INSTANCE_PATH = str(instance)
        self.SECRET_KEY = env("SECRET_KEY", DEFAULT_SECRET)
        self.DATABASE_URL = env("DATABASE_URL", f"sqlite:///{instance / 'signpost.db'}")
        self.SEARCH_INDEX_DIR = env("SEARCH_INDEX_DIR", str(instance / "index"))
        # Each web process keeps the index following the database's change log (a thread
        # started by the first request it serves); 0 turns it off.
        self.FOLLOW_CHANGES = env("SIGNPOST_FOLLOW_CHANGES", "1") == "1"
        self.SERVICE_NAME = env("SIGNPOST_SERVICE_NAME", "Signpost")
        # Not every host is an NHS body, so the NHS logo is opt-in.
        self.SHOW_NHS_LOGO = env("SIGNPOST_SHOW_NHS_LOGO", "") == "1"
        self.PLACE_NAME = env("SIGNPOST_PLACE_NAME", "Leeds")
        # Listings not confirmed for this long are shown as "last checked N months ago".
        self.STALE_AFTER_DAYS = int(env("SIGNPOST_STALE_AFTER_DAYS", "183"))
        # ... and this many days after that they drop out of matching (not out of search).
        self.MATCHING_GRACE_DAYS = int(env("SIGNPOST_MATCHING_GRACE_DAYS", "60"))
        # Reminders to confirm a listing: the first this many days after it was last checked,
        # then one every REMINDER_INTERVAL_DAYS, at most REMINDER_LIMIT of them.
        self.REMINDER_AFTER_DAYS = int(env("SIGNPOST_REMINDER_AFTER_DAYS", "169"))
        self.REMINDER_INTERVAL_DAYS = int(env("SIGNPOST_REMINDER_INTERVAL_DAYS", "14"))
        self.REMINDER_LIMIT = 3
        # How long emailed links work: password reset, invitation, "is it still right?".
        self.RESET_LINK_HOURS = int(env("SIGNPOST_RESET_LINK_HOURS", "2"))
        self.INVITE_LINK_DAYS = int(env("SIGNPOST_INVITE_LINK_DAYS", "7"))
        self.CHECK_LINK_DAYS = int(env("SIGNPOST_CHECK_LINK_DAYS", "30"))
        # The site's address: every link in an email, and every absolute link, is built on it
        # (security.public_url), never on the Host a request names.
        self.PUBLIC_URL = env("SIGNPOST_PUBLIC_URL", DEFAULT_PUBLIC_URL).rstrip("/")
        # The host names requests may name (Flask refuses others with a 400); None: any,
        # outside production. Comma-separated in SIGNPOST_TRUSTED_HOSTS.
        self.TRUSTED_HOSTS: list[str] | None = _names(env("SIGNPOST_TRUSTED_HOSTS", ""))
        # Referrals: the follow-up date a new referral gets; how long the provider's emailed
        # link works; after how many days without a reply the link worker's digest says so.
        self.REFERRAL_FOLLOW_UP_DAYS = int(env("SIGNPOST_REFERRAL_FOLLOW_UP_DAYS", "14"))
        self.REFERRAL_LINK_DAYS = int(env("SIGNPOST_REFERRAL_LINK_DAYS", "30"))
        self.REFERRAL_NO_REPLY_DAYS = int(env("SIGNPOST_REFERRAL_NO_REPLY_DAYS", "7"))
        # Cases (directory/referrals): the wellbeing check is due this many weeks after the
        # start scores; a person's private plan link works for this many days; a closed
        # case's personal fields are cleared this many months after it closed (purge-expired).
        self.WELLBEING_DUE_WEEKS = int(env("SIGNPOST_WELLBEING_DUE_WEEKS", "8"))
        self.PLAN_LINK_DAYS = int(env("SIGNPOST_PLAN_LINK_DAYS", "14"))
        self.CASE_RETENTION_MONTHS = int(env("SIGNPOST_CASE_RETENTION_MONTHS", "24"))
        # A PCN's own locally licensed wellbeing measures, as total scores only: a YAML file
        # of [{code, name, min, max, higher_is_better}] (see directory/referrals/measures.yaml),
        # or the same list set here directly.
        self.LOCAL_MEASURES_FILE = env("SIGNPOST_LOCAL_MEASURES_FILE", "")
        self.LOCAL_MEASURES: list[dict[str, object]] = []
        # Email through SMTP; with no MAIL_SERVER, mail is written to the log instead.
        self.MAIL_SERVER = env("MAIL_SERVER", "")
        self.MAIL_PORT = int(env("MAIL_PORT", "587"))
        self.MAIL_USERNAME = env("MAIL_USERNAME", "")
        self.MAIL_PASSWORD = env("MAIL_PASSWORD", "")
        self.MAIL_USE_TLS = env("MAIL_USE_TLS", "1") == "1"
        self.MAIL_DEFAULT_SENDER = env("MAIL_DEFAULT_SENDER", "signpost@localhost")
        # The search log is written by each worker off the request path, every this many
        # seconds or when this many searches wait, whichever comes first (search/log_writer.py).
        self.SEARCH_LOG_SECONDS = float(env("SIGNPOST_SEARCH_LOG_SECONDS", "2"))
        # how long the search log keeps the words typed; then only the needs understood
        self.SEARCH_LOG_WORDS_DAYS = int(env("SIGNPOST_SEARCH_LOG_WORDS_DAYS", "90"))
        self.SEARCH_LOG_BATCH = int(env("SIGNPOST_SEARCH_LOG_BATCH", "100"))
        # Rate-limit counters: in memory for one process; Redis (redis://host:6379) in production.
        self.RATELIMIT_STORAGE_URI = env("RATELIMIT_STORAGE_URI", "memory://")
        self.RATELIMIT_KEY_PREFIX = env("RATELIMIT_KEY_PREFIX", "signpost")
        self.SIGN_IN_LIMIT = env("SIGNPOST_SIGN_IN_LIMIT", "5 per minute; 30 per hour")
        self.RESET_LIMIT = env("SIGNPOST_RESET_LIMIT", "3 per 15 minutes; 10 per day")
        # Codes typed for two-factor sign-in: per client address and per account (failures).
        self.TWO_FACTOR_LIMIT = env("SIGNPOST_TWO_FACTOR_LIMIT", "5 per minute; 20 per hour")
        # Between the password and the code: how long the half-signed-in state lasts.
        self.TWO_FACTOR_MINUTES = int(env("SIGNPOST_TWO_FACTOR_MINUTES", "10"))
        # The security log keeps this many months, `flask purge-expired` deletes older.
        self.SECURITY_LOG_MONTHS = int(env("SIGNPOST_SECURITY_LOG_MONTHS", "12"))
        self.PUBLIC_FORM_LIMIT = env("SIGNPOST_PUBLIC_FORM_LIMIT", "5 per 10 minutes; 20 per day")
        # Wrong passwords for one account, from any address (accounts/throttle.py): after
        # this many within the window, the account's sign-in is refused for a minute, then
        # twice as long at each further lock, up to the longest.
        self.ACCOUNT_FAILURES = int(env("SIGNPOST_ACCOUNT_FAILURES", "5"))
        self.ACCOUNT_WINDOW_MINUTES = int(env("SIGNPOST_ACCOUNT_WINDOW_MINUTES", "15"))
        self.ACCOUNT_LOCK_MAX_MINUTES = int(env("SIGNPOST_ACCOUNT_LOCK_MAX_MINUTES", "60"))
        # How many reverse proxies in front of the site set X-Forwarded-For/-Proto: with 1,
        # the client address (which rate limits count by) is the one the proxy saw. 0 (the
        # default) ignores those headers, which anyone could send when there is no proxy.
        self.PROXIES = _count("SIGNPOST_PROXIES", env("SIGNPOST_PROXIES", "0"))
        # The open Open Referral UK API: requests per client address.
        self.ORUK_RATE_LIMIT = env("SIGNPOST_ORUK_RATE_LIMIT", "300 per minute")
        # Files bigger than this are refused by import-oruk before they are read.
        self.IMPORT_MAX_BYTES = int(env("SIGNPOST_IMPORT_MAX_MB", "20")) * 1024 * 1024
        # ... and an archive (a zipped datapackage, an .xlsx workbook) whose files would unpack
        # to more than this, or a sheet or table of more rows than this, before it is parsed.
        self.IMPORT_MAX_UNPACKED_BYTES = (
            int(env("SIGNPOST_IMPORT_MAX_UNPACKED_MB", "100")) * 1024 * 1024
        )
        self.IMPORT_MAX_ROWS = int(env("SIGNPOST_IMPORT_MAX_ROWS", "50000"))
        # A followed feed's server must answer each request within this many seconds.
        self.FEED_TIMEOUT = float(env("SIGNPOST_FEED_TIMEOUT", "20"))
        # ... and a whole sync must have read the feed within this many seconds, and at most
        # this many megabytes in all (a server sending a trickle never trips the timeout).
        self.FEED_DEADLINE = float(env("SIGNPOST_FEED_DEADLINE", "120"))
        self.FEED_MAX_BYTES = int(env("SIGNPOST_FEED_MAX_MB", "200")) * 1024 * 1024
        # A feed on a private, loopback or link-local address (this server's own network) is
        # refused unless this is 1: an intranet's directory, or tests.
        self.FEED_ALLOW_PRIVATE = env("SIGNPOST_FEED_ALLOW_PRIVATE", "") == "1"
        # No request may be bigger than an import file and its form: a larger one gets a 413
        # page before it is read.
        self.MAX_CONTENT_LENGTH = self.IMPORT_MAX_BYTES + FORM_ALLOWANCE
        # When the listings change, the matcher's catalogue is brought up to date on a
        # thread of its own; a match waits this long for it (an edit's update takes a few
        # milliseconds), then goes on with the catalogue it has (a rebuild takes seconds).
        self.HELD_WAIT_SECONDS: float | None = float(env("SIGNPOST_HELD_WAIT_SECONDS", "0.2"))

    def instance_folder(self, default: str | Path) -> Path:
        return Path(os.environ.get("SIGNPOST_INSTANCE_PATH", str(default))).resolve()

    def as_dict(self) -> dict[str, object]:
        """Every upper-case setting, for app.config."""
        names = {n for n in dir(self) if n.isupper()}
        return {n: getattr(self, n) for n in names}


class DevelopmentConfig(Config):
    DEV_LOGIN = True
    # An edited script is seen at the next reload.
    SEND_FILE_MAX_AGE_DEFAULT = None


class TestingConfig(Config):
    TESTING = True
    WTF_CSRF_ENABLED = False
    DEV_LOGIN = True
    # Hundreds of tests sign admins and managers in with a password alone; the tests of
    # two-factor sign-in turn it on.
    TWO_FACTOR_REQUIRED = False
    # Tests that check rate limits turn them on; the rest sign in as often as they like.
    RATELIMIT_ENABLED = False

    def __init__(self, instance_path: str | Path = "instance") -> None:
        super().__init__(instance_path)
        # A test never sends real mail unless it starts its own SMTP server.
        self.MAIL_SERVER = ""
        # ... nor follows the change log in a thread unless it asks to.
        self.FOLLOW_CHANGES = False
        self.RATELIMIT_STORAGE_URI = "memory://"
        # Tests serve feeds on loopback; the tests of refusing private addresses turn it off.
        self.FEED_ALLOW_PRIVATE = True
        # Tests bring held values up to date in the caller's thread (None), so that a test
        # that edits a listing and then matches or searches sees its edit, and no thread or
        # open index file outlives its test; the tests of rebuilding while serving set one.
        self.HELD_WAIT_SECONDS: float | None = None
        # Each search's log row is written at once: tests read the log right after a search
        # (the tests of writing it later set their own).
        self.SEARCH_LOG_SECONDS = 0.0

    def instance_folder(self, default: str | Path) -> Path:
        # A test's own folder, whatever the environment says: tests never share data.
        return Path(default).resolve()


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    LOG_MAIL = False
    STRICT_TRANSPORT_SECURITY = HSTS

    def __init__(self, instance_path: str | Path = "instance") -> None:
        super().__init__(instance_path)
        # Refuse to start with a key anyone can read in the source, or guess.
        if self.SECRET_KEY == DEFAULT_SECRET:
            raise RuntimeError("Set SECRET_KEY before running Signpost in production.")
        if len(self.SECRET_KEY.encode()) < MIN_SECRET_BYTES:
            raise RuntimeError(
                f"SECRET_KEY is {len(self.SECRET_KEY.encode())} bytes: production needs at least "
                f"{MIN_SECRET_BYTES} bytes of random (python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))')."
            )
        # Links in emails sign people in: they must name the site, not whatever Host a
        # request claimed.
        if not os.environ.get("SIGNPOST_PUBLIC_URL"):
            raise RuntimeError(
                "Set SIGNPOST_PUBLIC_URL to the site's address (https://directory.example.org) "
                "before running Signpost in production: links in emails are built on it."
            )
        host = _public_host(self.PUBLIC_URL)
        if self.TRUSTED_HOSTS is None:
            # and the machine itself, for the health checks of a load balancer on it
            self.TRUSTED_HOSTS = [host, "localhost", "127.0.0.1"]


def _names(text: str) -> list[str] | None:
    """Host names from a comma-separated setting; None when it is empty."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    return names or None


def _public_host(url: str) -> str:
    """The host of SIGNPOST_PUBLIC_URL, or a clear refusal to start."""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname or parts.query or parts.fragment:
        raise RuntimeError(
            f"SIGNPOST_PUBLIC_URL={url!r} is not the https:// address of the site, such as "
            "https://directory.example.org."
        )
    return parts.hostname


def _count(name: str, text: str) -> int:
    """A small whole number from a setting, or a clear refusal to start."""
    if not text.strip().isdigit() or int(text) > 10:
        raise RuntimeError(f"{name}={text!r} is not a number of proxies from 0 to 10.")
    return int(text)


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
