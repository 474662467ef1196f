"""The database engine for an app, and one Session per request, closed on teardown; and
`Held`, for data built from the database once and kept by the app until it changes."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from flask import Flask, current_app, g
from sqlmodel import Session

ENGINE_KEY = "signpost.engine"
logger = logging.getLogger(__name__)


def make_engine(url: str, **kwargs: Any) -> sa.Engine:
    """An engine for the URL; SQLite gets foreign keys and a busy timeout. An SQL error's
    message never shows its parameters: they can be search words, postcodes or what
    matters to a person, and the message reaches the log."""
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 15}, **kwargs)

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return sa.create_engine(url, pool_pre_ping=True, **kwargs)


def init_app(app: Flask) -> None:
    """Build the app's engine and close each request's session on teardown."""
    app.extensions[ENGINE_KEY] = make_engine(app.config["DATABASE_URL"])
    app.teardown_appcontext(close_session)


def engine() -> sa.Engine:
    return current_app.extensions[ENGINE_KEY]


def session() -> Session:
    """The request's session, opened on first use."""
    if "db_session" not in g:
        g.db_session = Session(engine())
    return g.db_session


def close_session(_exc: BaseException | None = None) -> None:
    db_session = g.pop("db_session", None)
    if db_session is not None:
        db_session.close()


# --- data built from the database once, held by the app until its generation changes ---

T = TypeVar("T")


def count_and_latest(table: sa.FromClause, where: Any = None) -> list[Any]:
    """A table's part of a generation: how many rows (a removal changes it) and the latest
    `updated_at` (an addition or an edit changes it); only the rows `where` picks, if given."""
    count = sa.select(sa.func.count()).select_from(table)
    latest = sa.select(sa.func.max(table.c.updated_at))
    if where is not None:
        count, latest = count.where(where), latest.where(where)
    return [count.scalar_subquery(), latest.scalar_subquery()]


def row_count(table: sa.FromClause) -> list[Any]:
    """A part of a generation for a table without timestamps: how many rows it has."""
    return [sa.select(sa.func.count()).select_from(table).scalar_subquery()]


def generation(session: Session, parts: Iterable[Any]) -> tuple[Any, ...]:
    """The value of the parts, asked of the database in one query."""
    return tuple(session.connection().execute(sa.select(*parts)).one())


class Held(Generic[T]):
    """A value built from the database and the generation it was built at, kept by the app
    (one per app, in `app.extensions`) so that every request and worker thread shares it.
    Each use asks the database for the generation first, which is cheap beside a rebuild;
    so a change made by any worker process (or a seed, or an import) is seen at once.

    Only the first build (at warm-up: see directory/operations/warm.py) makes its caller wait. A
    value that is only out of date is rebuilt on a thread of its own when `wait` is given:
    the caller waits at most `wait` seconds for it (an incremental update is done by then,
    so an editor sees their edit), then takes the value it has. A request never waits for a
    whole rebuild, and so never outlives the web server's timeout."""

    def __init__(self) -> None:
        self.lock = threading.Lock()  # one build at a time
        # the generation and the value built at it, read and written as one
        self.built: tuple[tuple[Any, ...], T] | None = None
        self._rebuilding: threading.Event | None = None  # set when the rebuild ends
        self._state = threading.Lock()  # guards _rebuilding

    @classmethod
    def of(cls, app: Flask, key: str) -> Held[Any]:
        """The app's holder under key, made on first use."""
        holder: Held[Any] | None = app.extensions.get(key)
        if holder is None:
            holder = app.extensions.setdefault(key, cls())  # one, if two threads race here
        return holder

    def get(
        self,
        now: tuple[Any, ...],
        build: Callable[[tuple[tuple[Any, ...], T] | None], T],
        *,
        wait: float | None = None,
        rebuild: Callable[[tuple[tuple[Any, ...], T] | None], T] | None = None,
    ) -> T:
        """The held value if it was built at generation `now`. Else, with nothing held or
        no `wait`, one built now by `build(previous)` (previous: the generation and value
        held, or None); with `wait`, the one held, after waiting up to `wait` seconds for
        `rebuild(previous)` (default: build) to bring it up to date on its own thread.
        `rebuild` runs away from the caller's thread: it must open its own session."""
        built = self.built
        if built is not None and built[0] == now:
            return built[1]
        if built is None or wait is None:
            with self.lock:  # the others wait and take its result
                if self.built is None or self.built[0] != now:
                    self.built = (now, build(self.built))
                return self.built[1]
        deadline = time.monotonic() + wait
        for _ in range(2):  # the rebuild under way may be for an older generation
            done = self._refresh(now, rebuild or build)
            if not done.wait(max(0.0, deadline - time.monotonic())):
                break
            if self.built is not None and self.built[0] == now:
                break
        return (self.built or built)[1]

    def _refresh(
        self, now: tuple[Any, ...], rebuild: Callable[[tuple[tuple[Any, ...], T] | None], T]
    ) -> threading.Event:
        """Start bringing the value up to generation `now` on a thread, unless a rebuild is
        already under way; an event set when the one under way ends."""
        with self._state:
            if self._rebuilding is not None:
                return self._rebuilding
            done = self._rebuilding = threading.Event()

        def run() -> None:
            try:
                with self.lock:
                    if self.built is None or self.built[0] != now:
                        self.built = (now, rebuild(self.built))
            except Exception:  # the held value stays; the next use tries again
                logger.exception("Rebuilding a held value failed; keeping the one held")
            finally:
                with self._state:
                    self._rebuilding = None
                done.set()

        threading.Thread(target=run, name="signpost-held-rebuild", daemon=True).start()
        return done

    def wait_until_idle(self, timeout: float | None = None) -> bool:
        """Wait for a rebuild under way to end (tests, and a clean shutdown)."""
        with self._state:
            done = self._rebuilding
        return done is None or done.wait(timeout)

    def forget(self) -> None:
        """Drop the value: the next use builds it again."""
        with self.lock:
            self.built = None
