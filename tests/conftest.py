"""Fixtures: apps on real databases (SQLite always, PostgreSQL when TEST_DATABASE_URL is set).

Every database a test uses is made for it, or on PostgreSQL put back as new after an
earlier test (see Databases.lend), and all are dropped at the end, so the shared PostgreSQL
server is left as it was found.
"""

from __future__ import annotations

import functools
import gc
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
import weakref
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import psycopg
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
TRUNCATE_EVERY = 20  # lendings of one PostgreSQL database between truncations


def _postgres_admin_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("PostgreSQL tests need TEST_DATABASE_URL (CI sets it)")
    return url


class Databases:
    """Makes throwaway databases on one backend and drops them all at the end.

    On PostgreSQL a database lent to one test (`lend`) is not dropped after it but put back
    to the state of its template (what the test wrote is truncated away and the template's
    rows are copied back) and lent to the next test: a DROP DATABASE forces a checkpoint,
    which took 0.3 to 3 s a database on a busy machine, and a copy from a template 0.3 s
    more. A database whose schema a test changed (a downgrade, say) is dropped instead.
    """

    def __init__(self, backend: str, folder: Path) -> None:
        self.backend = backend
        self.folder = folder
        self.made: list[str] = []
        self._migrated: str | None = None
        self._templates: dict[str, _Template] = {}
        self._returned: list[str] = []  # PostgreSQL databases to lend again, once reset
        self._lent: dict[str, int] = {}  # how many times each has been lent
        self._seeded: dict[Path, str] = {}  # catalogue -> template holding it

    def new(self, template: str | None = None) -> str:
        """A new empty database, or a copy of the database named by template."""
        name = f"signpost_test_{uuid.uuid4().hex[:12]}"
        if self.backend == "sqlite":
            path = self.folder / f"{name}.db"
            if template:
                shutil.copyfile(template, path)
            return f"sqlite:///{path}"
        copy = f' TEMPLATE "{template}"' if template else ""
        with _admin_connection() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"{copy}'))
        self.made.append(name)
        return self._url(name)

    def _url(self, name: str) -> str:
        admin = sa.make_url(_postgres_admin_url())
        return admin.set(database=name).render_as_string(hide_password=False)

    def _libpq(self, name: str) -> str:
        """The database's address as psycopg takes it (no SQLAlchemy driver name)."""
        return (
            sa.make_url(self._url(name))
            .set(drivername="postgresql")
            .render_as_string(hide_password=False)
        )

    def new_migrated(self) -> str:
        """A new database at the newest schema, copied from one migrated once per run."""
        return self.new(template=self._migrated_template())

    def _migrated_template(self) -> str:
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
        return self._migrated

    def _template(self, catalogue: Path | None) -> str:
        """A database at the newest schema holding the catalogue (if any), made once."""
        if catalogue is None:
            return self._migrated_template()
        if catalogue not in self._seeded:
            url = self.new_migrated()
            engine = db.make_engine(url)
            try:
                with Session(engine) as session:
                    seeding.seed(session, catalogue)
            finally:
                engine.dispose()  # a template again: nobody may stay on it
            self._seeded[catalogue] = sa.make_url(url).database
        return self._seeded[catalogue]

    @contextmanager
    def lend(self, catalogue: Path | None = None) -> Iterator[str]:
        """A database at the newest schema for the block, holding the catalogue if one is
        given, as if seeded from it (it is a copy of one seeded once per run): on
        PostgreSQL one given back by an earlier block and reset, where there is one."""
        source = self._template(catalogue)
        if self.backend == "sqlite":
            yield self.new(template=source)
            return
        template = self._templates.get(source)
        if template is None:
            template = self._templates[source] = _Template.read(self._libpq(source))
        name = None
        while self._returned and name is None:
            candidate = self._returned.pop()
            # now and then truncated, so that deleted rows do not pile up
            thoroughly = self._lent[candidate] % TRUNCATE_EVERY == 0
            if template.copy_into(self._libpq(candidate), thoroughly=thoroughly):
                name = candidate
            else:
                self._drop(candidate)
        if name is None:
            name = sa.make_url(self.new(template=source)).database
            self._lent[name] = 0
        self._lent[name] += 1
        try:
            yield self._url(name)
        finally:
            # Whatever is still connected (a session the test left open) is ended now, as
            # DROP DATABASE ... WITH (FORCE) would end it.
            with _admin_connection() as connection:
                connection.execute(
                    sa.text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        " WHERE datname = :name AND pid <> pg_backend_pid()"
                    ),
                    {"name": name},
                )
            self._returned.append(name)

    def _drop(self, name: str) -> None:
        with _admin_connection() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.made.remove(name)

    def drop_all(self) -> None:
        if not self.made:
            return
        with _admin_connection() as connection:
            for name in self.made:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


# Everything about a PostgreSQL database's schema that a test could change, as one text.
_SCHEMA = r"""
SELECT string_agg(item, E'\n' ORDER BY item) FROM (
    SELECT format('schema %s', nspname) AS item FROM pg_namespace
    WHERE nspname NOT LIKE 'pg\_temp\_%' AND nspname NOT LIKE 'pg\_toast\_temp\_%'
    UNION ALL
    SELECT format('relation %s %s %s (%s)', c.oid::regclass, c.relkind, c.relpersistence, (
        SELECT string_agg(format('%s %s %s %s %s', a.attname,
            format_type(a.atttypid, a.atttypmod), a.attnotnull,
            pg_get_expr(d.adbin, d.adrelid), a.attgenerated), ', ' ORDER BY a.attnum)
        FROM pg_attribute a
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped))
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
        AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp%'
    UNION ALL
    SELECT format('constraint %s %s %s %s %s', conrelid::regclass, conname,
        pg_get_constraintdef(oid), condeferrable, condeferred)
    FROM pg_constraint WHERE connamespace <> 'pg_catalog'::regnamespace
    UNION ALL
    SELECT format('index %s', pg_get_indexdef(i.indexrelid)) FROM pg_index i
    JOIN pg_class c ON c.oid = i.indexrelid
    WHERE c.relnamespace <> 'pg_catalog'::regnamespace
    UNION ALL
    SELECT format('type %s %s %s', t.oid::regtype, t.typtype, (
        SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
        FROM pg_enum e WHERE e.enumtypid = t.oid))
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
        AND n.nspname NOT LIKE 'pg\_toast%'
    UNION ALL
    SELECT format('function %s %s', p.oid::regprocedure, md5(p.prosrc))
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
    UNION ALL
    SELECT format('trigger %s %s %s', tgrelid::regclass, tgname, tgenabled)
    FROM pg_trigger WHERE NOT tgisinternal
    UNION ALL
    SELECT format('rule %s %s', ev_class::regclass, rulename) FROM pg_rewrite
    WHERE ev_class >= 16384
    UNION ALL
    SELECT format('policy %s %s', polrelid::regclass, polname) FROM pg_policy
    UNION ALL
    SELECT format('extension %s %s', extname, extversion) FROM pg_extension
    UNION ALL
    SELECT format('large objects %s', count(*)) FROM pg_largeobject_metadata
    UNION ALL
    SELECT format('setting %s', setconfig) FROM pg_db_role_setting
    WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
) AS everything
"""

_TABLES = r"""
SELECT c.oid::regclass::text, array_agg(quote_ident(a.attname) ORDER BY a.attnum)
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    AND a.attgenerated = ''
WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
    AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp%'
GROUP BY c.oid ORDER BY 1
"""

_SEQUENCES = """
SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'S' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
ORDER BY 1
"""


@dataclass(frozen=True)
class _Template:
    """A PostgreSQL template database as read once: its schema (as text), each table's
    rows (COPY's own text, in the order they lie on disk) and each sequence's place."""

    schema: str
    rows: dict[str, tuple[list[str], bytes]]
    sequences: dict[str, tuple[int, bool]]

    @classmethod
    def read(cls, url: str) -> _Template:
        with psycopg.connect(url) as connection:
            schema = connection.execute(_SCHEMA).fetchone()[0]
            rows = {}
            for table, columns in connection.execute(_TABLES).fetchall():
                data = bytearray()
                query = f"COPY (SELECT {', '.join(columns)} FROM {table} ORDER BY ctid) TO STDOUT"
                with connection.cursor().copy(query) as copy:
                    for block in copy:
                        data += block
                rows[table] = (columns, bytes(data))
            sequences = {}
            for (sequence,) in connection.execute(_SEQUENCES).fetchall():
                place = connection.execute(f"SELECT last_value, is_called FROM {sequence}")
                sequences[sequence] = place.fetchone()
        return cls(schema, rows, sequences)

    def copy_into(self, url: str, *, thoroughly: bool = False) -> bool:
        """Put a database lent before back as the template was: every row deleted (or,
        thoroughly, every table truncated, which also frees the room deleted rows take) and
        the template's rows copied in. False if it cannot be: its schema is not the
        template's any more, or a table could not be locked."""
        tables = list(self.rows)
        # which tables hold rows: the test wrote to a few of them
        holding = " UNION ALL ".join(
            f"SELECT {n} WHERE EXISTS (SELECT FROM {table})" for n, table in enumerate(tables)
        )
        try:
            with psycopg.connect(url) as connection:
                connection.execute("SET lock_timeout = '10s'")
                if connection.execute(_SCHEMA).fetchone()[0] != self.schema:
                    return False
                # Rows go out and back in any order, the foreign keys' triggers held off
                # (this needs a superuser, as CREATE DATABASE nearly does). TRUNCATE makes
                # new files for every table and index: 0.5 s, where DELETE takes 0.02 s.
                connection.execute("SET session_replication_role = replica")
                if thoroughly:
                    connection.execute(f"TRUNCATE {', '.join(tables)}")
                else:
                    for (n,) in connection.execute(holding).fetchall():
                        connection.execute(f"DELETE FROM {tables[n]}")
                for table, (columns, data) in self.rows.items():
                    if data:
                        query = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
                        with connection.cursor().copy(query) as copy:
                            copy.write(data)
                for sequence, (value, called) in self.sequences.items():
                    connection.execute("SELECT setval(%s, %s, %s)", (sequence, value, called))
        except psycopg.Error:
            return False
        return True


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


# apps whose database was copied with the small catalogue already in it
_HOLDING_SMALL_CATALOGUE: weakref.WeakSet[Flask] = weakref.WeakSet()


@pytest.fixture
def empty_app(
    databases: Databases, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Flask]:
    """An app on a new, migrated, empty database."""
    # A test that goes on to ask for small_app gets this same app holding the small
    # catalogue: copying a database seeded once costs far less than seeding (0.5 s).
    wants_small = "small_app" in request.fixturenames
    with databases.lend(SMALL_CATALOGUE if wants_small else None) as url:
        app = make_app(url, tmp_path / "instance")
        if wants_small:
            _HOLDING_SMALL_CATALOGUE.add(app)
        yield app
        dispose(app)


@pytest.fixture
def small_app(empty_app: Flask) -> Flask:
    """An app holding the small catalogue in tests/catalogue."""
    if empty_app not in _HOLDING_SMALL_CATALOGUE:  # asked for late (getfixturevalue)
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
    # shutdown() waits for the serving loop to look up: every 0.05 s, not the default 0.5 s
    serve = functools.partial(server.serve_forever, poll_interval=0.05)
    thread = threading.Thread(target=serve, daemon=True)
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


# A process of its own serving wsgi.py's app (built from the environment, as in production)
# on a port the system chooses, bound before it says which; it stops cleanly on SIGTERM.
_SERVE_APP = """
import signal, sys
from werkzeug.serving import make_server
from wsgi import app
server = make_server("127.0.0.1", 0, app, threaded=True)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
print(server.server_port, flush=True)
server.serve_forever()
"""


def serving_process(env: dict[str, str], stdout: IO[bytes], stderr: IO[bytes]) -> subprocess.Popen:
    """Start a process serving the app over HTTP; it writes its port as its first line."""
    return subprocess.Popen(
        [sys.executable, "-c", _SERVE_APP],
        cwd=HERE.parent,
        env=env,
        stdout=stdout,
        stderr=stderr,
    )


GUNICORN = Path(sys.executable).parent / "gunicorn"
GUNICORN_LISTENING = re.compile(rb"Listening at: (http://127\.0\.0\.1:\d+)")


def gunicorn_url(process: subprocess.Popen, seconds: float = 30, path: str = "/api/v1/") -> str:
    """The address a gunicorn started with `--bind 127.0.0.1:0` and its log on a pipe says it
    listens at, once `path` answers there."""
    assert process.stderr is not None
    deadline, said = time.monotonic() + seconds, b""
    while (found := GUNICORN_LISTENING.search(said)) is None:
        assert time.monotonic() < deadline, said.decode(errors="replace")
        assert process.poll() is None, said.decode(errors="replace")
        ready, _, _ = select.select([process.stderr], [], [], 0.2)
        if ready:
            said += os.read(process.stderr.fileno(), 4096)
    url = found.group(1).decode()
    while True:
        try:
            with urllib.request.urlopen(url + path, timeout=5) as answer:
                if answer.status == 200:
                    return url
        except OSError:
            assert time.monotonic() < deadline, "the Signpost process never answered"
            time.sleep(0.1)


def stop_gunicorn(process: subprocess.Popen, seconds: float = 10) -> None:
    """Stop a gunicorn as its operator would (SIGTERM: workers finish and write what waits),
    killed only if it does not stop within `seconds`; its log pipe closed."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if process.stderr is not None:
        process.stderr.close()


@pytest.fixture(scope="session")
def live_server() -> Callable[[Flask], AbstractContextManager[str]]:
    """`with live_server(app) as url:` serves the app over real HTTP for the block."""
    return serving


@pytest.fixture(scope="module")
def _chromium() -> Iterator[list[object]]:
    """One Chromium for a module's browser tests (launching one takes about a second); a
    list, so that a test whose browser crashed can put a new one in its place."""
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    # expect's 5 s default is short for a 2-core machine running two workers and Chromium
    playwright_api.expect.set_options(timeout=20_000)
    # Playwright's sync API marks this thread's asyncio loop as running while it is
    # started: asyncio.run() in a test of the same module would refuse to start.
    with playwright_api.sync_playwright() as playwright:
        chromium = [playwright.chromium, None]
        yield chromium
        if chromium[1] is not None and chromium[1].is_connected():  # type: ignore[attr-defined]
            chromium[1].close()  # type: ignore[attr-defined]


@pytest.fixture
def browser(_chromium: list) -> Iterator[object]:
    """Chromium driven by Playwright. Assert with playwright's `expect`, which waits for the
    page to catch up, not with a plain `assert` on state read straight after an action.

    Every page a test opens (browser.new_page or new_context) is in a context of its own,
    with its own cookies, storage and cache, closed when the test ends: the next test finds
    the browser as if new."""
    launcher, chromium = _chromium
    if chromium is None or not chromium.is_connected():
        chromium = _chromium[1] = launcher.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield chromium
    for context in list(chromium.contexts):
        context.close()
