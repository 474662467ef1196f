"""The test suite's own rules against flaky tests.

`make test-repeat` runs the tests marked browser, live_server or concurrency ten times over
two workers: a test that opens a browser or a real server, or runs threads, without its
marker would escape it. The markers are checked here over every test this session collected
(the whole suite in `make test`), and each rule is shown able to fail.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from conftest import SMALL_CATALOGUE, _admin_connection
from flaky_summary import repeated_name, summarise

HERE = Path(__file__).parent

# what a test does, and the marker that doing it calls for
FIXTURE_MARKERS = {"browser": "browser", "live_server": "live_server"}
SOURCE_MARKERS = {
    "smtp_server(": "live_server",
    "threading.": "concurrency",
    "Thread(": "concurrency",
    "Barrier(": "concurrency",
    "multiprocessing": "concurrency",
    "concurrent.futures": "concurrency",
}
# the only file that may start a server or a browser itself: the rest use its fixtures
SERVERS_AND_BROWSERS = ("make_server(", "sync_playwright(")


def missing_markers(items) -> dict[str, list[str]]:
    """Each test that is missing a marker it needs, with the markers it is missing."""
    sources: dict[object, str] = {}
    missing = {}
    for item in items:
        function = getattr(item, "function", None)
        if function is None:
            continue
        if function not in sources:
            sources[function] = inspect.getsource(function)
        needed = {m for f, m in FIXTURE_MARKERS.items() if f in item.fixturenames}
        needed |= {m for s, m in SOURCE_MARKERS.items() if s in sources[function]}
        lacking = needed - {marker.name for marker in item.iter_markers()}
        if lacking:
            missing[item.nodeid] = sorted(lacking)
    return missing


def test_every_test_with_a_browser_a_server_or_threads_carries_its_marker(request):
    assert missing_markers(request.session.items) == {}


def _item(nodeid, function, fixtures=(), markers=()):
    return SimpleNamespace(
        nodeid=nodeid,
        function=function,
        fixturenames=list(fixtures),
        iter_markers=lambda: [SimpleNamespace(name=m) for m in markers],
    )


def _uses_threads():
    import threading

    threading.Thread(target=print).start()


def test_the_marker_check_finds_a_test_without_its_marker():
    items = [
        _item("a", _item, fixtures=["browser", "live_server"]),
        _item("b", _item, fixtures=["live_server"], markers=["live_server"]),
        _item("c", _uses_threads),
        _item("d", _uses_threads, markers=["concurrency"]),
    ]
    assert missing_markers(items) == {"a": ["browser", "live_server"], "c": ["concurrency"]}


def servers_started_outside_conftest() -> list[str]:
    found = []
    for path in sorted(HERE.glob("*.py")):
        if path.name in ("conftest.py", Path(__file__).name):
            continue
        text = path.read_text()
        found += [f"{path.name}: {call}" for call in SERVERS_AND_BROWSERS if call in text]
    return found


def test_only_conftest_starts_a_server_or_a_browser():
    """Its live_server and browser fixtures bind the port before serving and mark the test;
    a server started by hand could do neither."""
    assert servers_started_outside_conftest() == []


def test_the_summary_names_each_test_that_failed_at_least_once(tmp_path):
    report = tmp_path / "report.xml"
    cases = [
        '<testcase classname="tests.test_a" name="test_x[sqlite-1-2]"/>',
        '<testcase classname="tests.test_a" name="test_x[sqlite-2-2]"><failure/></testcase>',
        '<testcase classname="tests.test_a" name="test_y[1-2]"/>',
        '<testcase classname="tests.test_a" name="test_y[2-2]"><error/></testcase>',
        '<testcase classname="tests.test_b" name="test_z[12-1-2]"/>',
        '<testcase classname="tests.test_b" name="test_z[12-2-2]"/>',
    ]
    report.write_text(f"<testsuites><testsuite>{''.join(cases)}</testsuite></testsuites>")
    line, clean = summarise(report, 2, 1)
    assert not clean
    assert line == (
        "test-repeat: 2 flaky tests (3 tests, each run 2 times): "
        "tests.test_a::test_x[sqlite] failed 1 of 2; tests.test_a::test_y failed 1 of 2"
    )
    report.write_text(f"<testsuites><testsuite>{cases[0]}{cases[4]}</testsuite></testsuites>")
    clean_run = ("test-repeat: 0 flaky tests (2 tests, each run 2 times)", True)
    assert summarise(report, 2, 0) == clean_run
    assert not summarise(report, 2, 2)[1]  # interrupted: not clean, whatever the report says
    assert repeated_name("tests.t", "test_w[2-10-3-10]", 10) == "tests.t::test_w[2-10]"


@pytest.mark.parametrize("databases", ["postgresql"], indirect=True)
def test_no_session_is_left_on_the_template_database(databases):
    """PostgreSQL copies a template only while no other session is on it."""
    databases.new_migrated()
    with _admin_connection() as connection:
        on_template = connection.execute(
            sa.text("SELECT count(*) FROM pg_stat_activity WHERE datname = :name"),
            {"name": databases._migrated},
        ).scalar_one()
    assert on_template == 0
    databases.new_migrated()  # and a second copy can be made from it


def _everything_in(url: str) -> dict[str, list[tuple]]:
    """Every row of every table, as a set to compare (tables sorted, rows sorted)."""
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as connection:
            tables = sa.inspect(connection).get_table_names()
            return {
                table: sorted(map(tuple, connection.execute(sa.text(f'SELECT * FROM "{table}"'))))
                for table in tables
            }
    finally:
        engine.dispose()


@pytest.mark.parametrize("databases", ["postgresql"], indirect=True)
def test_a_database_given_back_is_lent_again_exactly_as_new(databases):
    """On PostgreSQL empty_app and small_app reuse databases: whatever a test wrote, and a
    session it left open, are gone; a database whose schema it changed is not reused."""
    # read from the template itself (a copy of it has the same rows)
    fresh = _everything_in(databases._url(databases._template(SMALL_CATALOGUE)))
    assert sum(map(len, fresh.values())) > 100
    with databases.lend(SMALL_CATALOGUE) as url:
        first = sa.make_url(url).database
        engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        left_open = engine.connect()
        left_open.execute(sa.text("DELETE FROM search_phrase"))
        left_open.execute(sa.text("UPDATE service SET name = 'Changed'"))
        left_open.commit()
        left_open.execute(sa.text("SELECT * FROM organization FOR UPDATE"))  # and holds locks
    with databases.lend(SMALL_CATALOGUE) as url:
        assert sa.make_url(url).database == first
        assert _everything_in(url) == fresh
    left_open.invalidate()  # it was ended when given back: let it go without a rollback
    engine.dispose()
    with databases.lend() as url:
        assert sa.make_url(url).database == first
        assert {table for table, rows in _everything_in(url).items() if rows} == {"alembic_version"}
        changing = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        with changing.begin() as connection:
            connection.execute(sa.text("ALTER TABLE service ADD COLUMN extra integer"))
        changing.dispose()
    with databases.lend() as url:
        assert sa.make_url(url).database != first
    with _admin_connection() as connection:
        names = connection.execute(sa.text("SELECT datname FROM pg_database")).scalars().all()
    assert first not in names
