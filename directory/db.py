"""The database engine for an app, and one Session per request, closed on teardown; and
`Held`, for data built from the database once and kept by the app until it changes."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from flask import Flask, current_app, g
from sqlmodel import Session

ENGINE_KEY = "signpost.engine"


def make_engine(url: str, **kwargs: Any) -> sa.Engine:
    """An engine for the URL; SQLite gets foreign keys and a busy timeout."""
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
    so a change made by any worker process (or a seed, or an import) is seen at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        # the generation and the value built at it, read and written as one
        self.built: tuple[tuple[Any, ...], T] | None = None

    @classmethod
    def of(cls, app: Flask, key: str) -> Held[Any]:
        """The app's holder under key, made on first use."""
        holder: Held[Any] | None = app.extensions.get(key)
        if holder is None:
            holder = app.extensions.setdefault(key, cls())  # one, if two threads race here
        return holder

    def get(self, now: tuple[Any, ...], build: Callable[[], T]) -> T:
        """The held value if it was built at generation `now`, else a fresh one."""
        built = self.built
        if built is not None and built[0] == now:
            return built[1]
        with self.lock:  # one build at a time; the others wait and take its result
            if self.built is None or self.built[0] != now:
                self.built = (now, build())
            return self.built[1]

    def forget(self) -> None:
        """Drop the value: the next use builds it again."""
        with self.lock:
            self.built = None
