"""The search log is written off the request path: rows wait in the worker and are written
together, soon, and every waiting row is written on a clean shutdown."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlmodel import Session, select

from directory import db, search
from directory.models import SearchLog
from directory.search.log_writer import LogWriter
from tests.conftest import GUNICORN, gunicorn_url, stop_gunicorn

PROJECT = Path(__file__).resolve().parents[1]
LONELY_NEAR_LS6 = "/api/v1/search?q=lonely&postcode=LS6%201BD"


def logged(app: Flask) -> list[SearchLog]:
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        return list(session.exec(select(SearchLog)).all())


@pytest.fixture
def writing_later() -> Iterator[Callable[..., LogWriter]]:
    """Give an app a writer that writes every `seconds` or `batch` rows, as in production;
    its timer is stopped after the test."""
    made: list[LogWriter] = []

    def give(app: Flask, seconds: float = 600, batch: int = 100) -> LogWriter:
        writer = LogWriter(app.extensions[db.ENGINE_KEY], seconds=seconds, batch=batch)
        app.extensions[search.LOG_EXTENSION] = writer
        made.append(writer)
        return writer

    yield give
    for writer in made:
        writer.close()


def wait_for(condition, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the background write never came"
        time.sleep(0.05)


def test_a_search_waits_to_be_logged_until_the_rows_are_written(small_search, writing_later):
    writer = writing_later(small_search)
    client = small_search.test_client()
    assert client.get(LONELY_NEAR_LS6).status_code == 200
    assert client.get("/search?q=tea").status_code == 200
    assert logged(small_search) == [] and writer.waiting() == 2  # nothing written in the request
    assert search.search_log(small_search).flush() == 2
    rows = sorted(logged(small_search), key=lambda row: row.channel)
    assert [(r.query, r.place, r.channel) for r in rows] == [
        ("lonely", "LS6", "api"),
        ("tea", "", "web"),
    ]
    assert writer.waiting() == 0 and writer.flush() == 0


@pytest.mark.concurrency
def test_waiting_rows_are_written_in_the_background_when_a_batch_fills(small_search, writing_later):
    writer = writing_later(small_search, batch=3)
    client = small_search.test_client()
    for words in ("lonely", "tea", "chat"):
        client.get(f"/api/v1/search?q={words}")
    wait_for(lambda: len(logged(small_search)) == 3)
    assert writer.waiting() == 0


@pytest.mark.concurrency
def test_waiting_rows_are_written_in_the_background_after_a_while(small_search, writing_later):
    writing_later(small_search, seconds=0.2)
    small_search.test_client().get(LONELY_NEAR_LS6)
    wait_for(lambda: len(logged(small_search)) == 1)


def test_rows_the_database_refuses_wait_for_the_next_try(small_search, writing_later, monkeypatch):
    writer = writing_later(small_search)
    small_search.test_client().get(LONELY_NEAR_LS6)
    monkeypatch.setattr(Session, "commit", lambda self: (_ for _ in ()).throw(OSError("full")))
    assert writer.flush() == 0 and writer.waiting() == 1
    monkeypatch.undo()
    assert writer.flush() == 1 and len(logged(small_search)) == 1


def serving_env(app: Flask, **more: str) -> dict[str, str]:
    return {
        **os.environ,
        "SIGNPOST_ENV": "development",
        "DATABASE_URL": app.config["DATABASE_URL"],
        "SEARCH_INDEX_DIR": app.config["SEARCH_INDEX_DIR"],
        "SIGNPOST_INSTANCE_PATH": app.config["INSTANCE_PATH"],
        "SIGNPOST_SEARCH_LOG_SECONDS": "600",  # only the shutdown can write them in time
        **more,
    }


SEARCH_AND_LEAVE = f"""
from directory import search
from wsgi import app
assert app.test_client().get("{LONELY_NEAR_LS6}").status_code == 200
print(search.search_log(app).waiting())
"""


def test_waiting_rows_are_written_when_the_process_exits(small_search):
    done = subprocess.run(
        [sys.executable, "-c", SEARCH_AND_LEAVE],
        cwd=PROJECT,
        env=serving_env(small_search),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1"]  # waiting when the process ended ...
    assert [(r.query, r.place) for r in logged(small_search)] == [("lonely", "LS6")]  # written


@pytest.mark.live_server
def test_a_gunicorn_worker_writes_its_waiting_rows_when_stopped(small_search):
    command = [str(GUNICORN), "--bind", "127.0.0.1:0", "--workers", "1", "wsgi:app"]
    server = subprocess.Popen(
        command, cwd=PROJECT, env=serving_env(small_search), stderr=subprocess.PIPE
    )
    try:
        url = gunicorn_url(server)
        with urllib.request.urlopen(url + LONELY_NEAR_LS6, timeout=30) as answer:
            assert answer.status == 200
        assert logged(small_search) == []  # waiting in the worker
    finally:
        stop_gunicorn(server, seconds=30)
    assert [(r.query, r.channel) for r in logged(small_search)] == [("lonely", "api")]
