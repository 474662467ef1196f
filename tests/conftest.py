"""Fixtures: apps on real databases (SQLite always, PostgreSQL when TEST_DATABASE_URL is set).

Every database a test uses is made for it and dropped afterwards, so the
shared PostgreSQL server is left as it was found.
"""

from __future__ import annotations

import functools
import gc
import os
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlmodel import Session, SQLModel
from werkzeug.serving import make_server

from directory import create_app, db, migrate, search
from directory.catalogue import needs, seeding

HERE = Path(__file__).parent
SMALL_CATALOGUE = HERE / "catalogue"
BACKENDS = ["sqlite", "postgresql"]


def _postgres_admin_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("PostgreSQL tests need TEST_DATABASE_URL (CI sets it)")
    return url


class Databases:
    """Makes throwaway databases on one backend and drops them all at the end."""

    def __init__(self, backend: str, folder: Path) -> None:
        self.backend = backend
        self.folder = folder
        self.made: list[str] = []
        self._migrated: str | None = None

    def new(self, template: str | None = None) -> str:
        """A new empty database, or a copy of the database named by template."""
        name = f"signpost_test_{uuid.uuid4().hex[:12]}"
        if self.backend == "sqlite":
            path = self.folder / f"{name}.db"
            if template:
                shutil.copyfile(template, path)
            return f"sqlite:///{path}"
        admin = sa.make_url(_postgres_admin_url())
        copy = f' TEMPLATE "{template}"' if template else ""
        with _admin_connection() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"{copy}'))
        self.made.append(name)
        return admin.set(database=name).render_as_string(hide_password=False)

    def new_migrated(self) -> str:
        """A new database at the newest schema, copied from one migrated once per run."""
        if self._migrated is None:
            url = self.new()
            engine = db.make_engine(url)
            try:
                migrate.upgrade(engine)
            finally:
                # PostgreSQL copies a template only while no other session is on it. This
                # engine is the only one ever to open the template (its name is this run's
                # own), so closing its connections here leaves none; an autovacuum worker on
                # it is stopped by CREATE DATABASE itself. tests/test_test_harness.py checks.
                engine.dispose()
            self._migrated = sa.make_url(url).database
        return self.new(template=self._migrated)

    def drop_all(self) -> None:
        if not self.made:
            return
        with _admin_connection() as connection:
            for name in self.made:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextmanager
def _admin_connection() -> Iterator[sa.Connection]:
    engine = db.make_engine(_postgres_admin_url())
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            yield connection
    finally:
        engine.dispose()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked sqlite_only (slow, and checking what no database changes: the search
    index, the vocabulary's reading) run on SQLite alone."""
    keep, drop = [], []
    for item in items:
        backend = getattr(item, "callspec", None) and item.callspec.params.get("databases")
        if backend == "postgresql" and item.get_closest_marker("sqlite_only"):
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session", params=BACKENDS)
def databases(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    if request.param == "postgresql":
        _postgres_admin_url()
    made = Databases(request.param, tmp_path_factory.mktemp(request.param))
    yield made
    made.drop_all()


def make_app(database_url: str, instance: Path, **settings: object) -> Flask:
    return create_app({"DATABASE_URL": database_url, "INSTANCE_PATH": str(instance), **settings})


def dispose(app: Flask) -> None:
    app.extensions[db.ENGINE_KEY].dispose()


@pytest.fixture
def empty_app(databases: Databases, tmp_path: Path) -> Iterator[Flask]:
    """An app on a new, migrated, empty database."""
    app = make_app(databases.new_migrated(), tmp_path / "instance")
    yield app
    dispose(app)


@pytest.fixture
def small_app(empty_app: Flask) -> Flask:
    """An app holding the small catalogue in tests/catalogue."""
    with Session(empty_app.extensions[db.ENGINE_KEY]) as session:
        seeding.seed(session, SMALL_CATALOGUE)
    return empty_app


@pytest.fixture(scope="session")
def demo_app(databases: Databases, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """An app holding the whole demo catalogue, seeded once per backend: read it, don't write."""
    app = make_app(databases.new(), tmp_path_factory.mktemp("demo-instance"))
    engine = app.extensions[db.ENGINE_KEY]
    migrate.upgrade(engine)
    with Session(engine) as session:
        seeding.seed(session)
    yield app
    dispose(app)


@pytest.fixture
def session_for():
    """Open a database session on an app, closed at the end of the test."""
    opened: list[Session] = []

    def open_session(app: Flask) -> Session:
        session = Session(app.extensions[db.ENGINE_KEY])
        opened.append(session)
        return session

    yield open_session
    for session in opened:
        session.close()


@functools.cache
def demo_needs() -> needs.NeedsVocabulary:
    """seed/'s needs vocabulary as an app reads it from its database (loaded once into a
    database in memory), for tests that resolve needs or understand words without an app."""
    engine = db.make_engine("sqlite://")
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        seeding.seed_vocabulary(session)
        known = needs.read(session)
    engine.dispose()
    return known


def build_index(app: Flask) -> None:
    """Build the app's search index (in its own instance folder) from its database."""
    with app.app_context(), Session(db.engine()) as session:
        search.rebuild(session, search.index())


@pytest.fixture(scope="session")
def demo_search(demo_app: Flask) -> Iterator[Flask]:
    """The demo catalogue with its search index: read it, don't write (search logs aside)."""
    build_index(demo_app)
    yield demo_app
    demo_app.extensions[search.EXTENSION].close()


@pytest.fixture
def small_search(small_app: Flask) -> Iterator[Flask]:
    """The small catalogue of tests/catalogue with its search index."""
    build_index(small_app)
    yield small_app
    small_app.extensions[search.EXTENSION].close()


# --- real servers and a real browser --------------------------------------------------------
# A test that uses the live_server or browser fixture, starts a real SMTP server or runs
# threads carries the live_server, browser or concurrency marker, so that `make test-repeat`
# runs it ten times over (tests/test_test_harness.py checks that none escapes).

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """Serve the app over real HTTP in a thread; yields its base URL.

    The socket is bound and listening on a port the system chose before the URL is known,
    so no other test or worker can take the port between choosing and serving.
    """
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        # the browser drops connections for files it no longer wants, and werkzeug's
        # development server leaves those files to the garbage collector: let them go now,
        # inside this test, not in a later one
        gc.collect()


@pytest.fixture(scope="session")
def live_server() -> Callable[[Flask], AbstractContextManager[str]]:
    """`with live_server(app) as url:` serves the app over real HTTP for the block."""
    return serving


@pytest.fixture
def browser() -> Iterator[object]:
    """Chromium driven by Playwright. Assert with playwright's `expect`, which waits for the
    page to catch up, not with a plain `assert` on state read straight after an action."""
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    # expect's 5 s default is short for a 2-core machine running two workers and Chromium
    playwright_api.expect.set_options(timeout=20_000)
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
