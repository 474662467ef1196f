"""Running it: request ids in responses, error pages and JSON log lines that hold no search
words, postcodes or addresses; /healthz and /readyz; a real gunicorn's headers and log; and
a backup taken while the site writes, restored into an empty instance with nothing lost."""

from __future__ import annotations

import io
import json
import logging
import logging.config
import os
import signal
import subprocess
import threading
import time
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import Result
from sqlmodel import Session, func, select

from directory import db, migrate
from directory.models import SearchLog, Service
from directory.operations import backups, logs
from tests.conftest import GUNICORN, build_index, gunicorn_url, make_app

PROJECT = Path(__file__).resolve().parents[1]
HEX_ID = r"[0-9a-f]{32}"


def _failing_app(app):
    """The app with a page that fails, answered as in production (a 500 page, logged)."""

    def fail():
        raise RuntimeError("a bug")

    app.add_url_rule("/test-failure", "test_failure", fail)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


# --- request ids ------------------------------------------------------------------------------


def test_every_response_names_its_request_and_two_requests_differ(small_app):
    client = small_app.test_client()
    first = client.get("/privacy").headers[logs.HEADER]
    second = client.get("/no-such-page").headers[logs.HEADER]
    assert len(first) == 32 and int(first, 16) >= 0
    assert second != first


def test_a_request_id_a_client_sends_is_not_taken_without_a_trusted_proxy(small_app):
    answer = small_app.test_client().get("/privacy", headers={logs.HEADER: "forged-id-123"})
    assert answer.headers[logs.HEADER] != "forged-id-123"


def test_a_trusted_proxys_request_id_is_kept_when_it_is_a_plain_token(small_app):
    small_app.config["PROXIES"] = 1
    client = small_app.test_client()
    kept = client.get("/privacy", headers={logs.HEADER: "edge-4f2a-9bc1"})
    assert kept.headers[logs.HEADER] == "edge-4f2a-9bc1"
    odd = client.get("/privacy", headers={logs.HEADER: "x<script>"})
    assert odd.headers[logs.HEADER] != "x<script>"


def test_the_error_page_gives_the_reference_the_log_line_carries(small_app):
    app = _failing_app(small_app)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.json_formatter())
    handler.addFilter(logs.RequestId())
    app.logger.addHandler(handler)
    try:
        answer = app.test_client().get(
            "/test-failure?q=my+boyfriend+hits+me&postcode=LS6+1AA",
            environ_base={"REMOTE_ADDR": "203.0.113.9"},
        )
    finally:
        app.logger.removeHandler(handler)
    reference = answer.headers[logs.HEADER]
    assert answer.status_code == 500
    assert f'quote this reference: <strong class="signpost-reference">{reference}' in (
        answer.get_data(as_text=True)
    )
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]
    assert [line["request_id"] for line in lines] == [reference]
    said = stream.getvalue()
    for private in ("boyfriend", "LS6", "1AA", "203.0.113.9"):
        assert private not in said


def test_an_api_error_answer_carries_its_reference(small_app):
    app = _failing_app(small_app)
    # an API view that fails: the API blueprint's own error answer, in JSON
    app.view_functions["oruk.list_taxonomy_terms"] = app.view_functions["test_failure"]
    answer = app.test_client().get("/api/v1/taxonomy_terms")
    assert answer.status_code == 500
    assert answer.get_json()["reference"] == answer.headers[logs.HEADER]


def test_an_sql_error_does_not_show_what_was_written(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE t (word TEXT UNIQUE)"))
        connection.execute(sa.text("INSERT INTO t VALUES (:w)"), {"w": "boyfriend hits me"})
    with pytest.raises(sa.exc.IntegrityError) as failed, engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO t VALUES (:w)"), {"w": "boyfriend hits me"})
    assert "boyfriend" not in str(failed.value)
    engine.dispose()


def test_log_settings_refuse_an_unknown_format():
    with pytest.raises(ValueError, match="SIGNPOST_LOG_FORMAT"):
        logs.logging_settings("xml")


def test_text_log_settings_still_carry_the_request_id():
    settings = logs.logging_settings("text")
    assert "%(request_id)s" in settings["formatters"]["lines"]["format"]


# --- health under the names orchestrators use --------------------------------------------------


def test_healthz_and_readyz_answer_like_health_live_and_ready(small_app):
    client = small_app.test_client()
    assert client.get("/healthz").get_json() == {"status": "live"}
    ready = client.get("/readyz")
    assert ready.status_code == 503  # not warmed up in this test
    assert ready.get_json()["problems"]["warm"] == "warming up"
    assert ready.headers["Cache-Control"] == "no-store"


# --- a real gunicorn ------------------------------------------------------------------------


@pytest.mark.live_server
@pytest.mark.skipif(not GUNICORN.exists(), reason="gunicorn is not installed")
def test_gunicorn_names_no_software_and_writes_every_log_line_as_json(small_app, tmp_path):
    build_index(small_app)
    env = {
        **os.environ,
        "SIGNPOST_ENV": "development",
        "DATABASE_URL": small_app.config["DATABASE_URL"],
        "SEARCH_INDEX_DIR": small_app.config["SEARCH_INDEX_DIR"],
        "SIGNPOST_INSTANCE_PATH": str(tmp_path),
        "SIGNPOST_BIND": "127.0.0.1:0",
        "SIGNPOST_WORKERS": "1",
    }
    env.pop("SIGNPOST_LOG_FORMAT", None)
    command = [str(GUNICORN), "-c", "gunicorn.conf.py", "wsgi:app"]
    process = subprocess.Popen(command, cwd=PROJECT, env=env, stderr=subprocess.PIPE)
    try:
        url = gunicorn_url(process, 60, "/readyz")
        with urllib.request.urlopen(url + "/search?q=lonely&postcode=LS6+1AA", timeout=10) as page:
            assert page.headers["Server"] == "Signpost"
            assert len(page.headers[logs.HEADER]) == 32
    finally:
        # what it writes from here to its exit (gunicorn_url read what came before)
        process.send_signal(signal.SIGTERM)
        said = process.communicate(timeout=15)[1].decode()
    lines = [line for line in said.splitlines() if line.strip()]
    assert lines, "gunicorn wrote nothing"
    parsed = [json.loads(line) for line in lines]  # each line is one JSON object
    assert {"time", "level", "logger", "pid", "request_id", "message"} <= parsed[0].keys()
    assert any("Shutting down" in line["message"] for line in parsed)
    assert "lonely" not in said and "LS6" not in said


# --- backups ------------------------------------------------------------------------------


def _count_written(url: str) -> int:
    engine = db.make_engine(url)
    try:
        with Session(engine) as session:
            return session.exec(select(func.count()).select_from(SearchLog)).one()
    finally:
        engine.dispose()


class Writer(threading.Thread):
    """Writes numbered search-log rows, one transaction each, until told to stop."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.engine = db.make_engine(url)
        self.committed = 0
        self.halt = threading.Event()
        self.failed: list[BaseException] = []

    def run(self) -> None:
        try:
            while not self.halt.is_set():
                with Session(self.engine) as session:
                    session.add(
                        SearchLog(
                            searched_at=datetime.now(UTC),
                            query="written during a backup",
                            results=self.committed,
                        )
                    )
                    session.commit()
                self.committed += 1
        except BaseException as error:
            self.failed.append(error)
        finally:
            self.engine.dispose()


def _invoke(app, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=list(args))


@pytest.mark.concurrency
def test_a_backup_taken_while_the_site_writes_restores_into_an_empty_instance(
    small_app, databases, tmp_path
):
    source_url = small_app.config["DATABASE_URL"]
    with Session(small_app.extensions[db.ENGINE_KEY]) as session:
        services = session.exec(select(func.count()).select_from(Service)).one()
    writer = Writer(source_url)
    writer.start()
    while writer.committed < 30 and writer.is_alive():
        time.sleep(0.01)
    before = writer.committed
    made = _invoke(small_app, "backup", str(tmp_path))
    during = writer.committed
    time.sleep(0.1)
    writer.halt.set()
    writer.join(10)
    assert not writer.failed, writer.failed
    assert made.exit_code == 0, made.output
    assert "Backed up the" in made.output
    assert writer.committed > during >= before  # the site went on writing

    copy = next(tmp_path.glob("signpost-*"))
    empty_url = databases.new()
    restored_app = make_app(empty_url, tmp_path / "restored-instance")
    try:
        restored = _invoke(restored_app, "restore", str(copy))
        assert restored.exit_code == 0, restored.output
        assert "reindex" in restored.output
        engine = restored_app.extensions[db.ENGINE_KEY]
        assert migrate.current_revision(engine) == migrate.head_revision(engine)
        with Session(engine) as session:
            numbers = sorted(session.exec(select(SearchLog.results)).all())
            assert session.exec(select(func.count()).select_from(Service)).one() == services
        # one consistent moment: every row written before it, none missing in between
        assert numbers == list(range(len(numbers)))
        assert before <= len(numbers) <= writer.committed
        build_index(restored_app)
        answer = restored_app.test_client().get("/search?q=lonely")
        assert answer.status_code == 200
    finally:
        restored_app.extensions[db.ENGINE_KEY].dispose()


def test_restore_refuses_a_database_that_is_not_empty_and_changes_nothing(small_app, tmp_path):
    made = _invoke(small_app, "backup", str(tmp_path / "copy.bak"))
    assert made.exit_code == 0, made.output
    written = _count_written(small_app.config["DATABASE_URL"])
    refused = _invoke(small_app, "restore", str(tmp_path / "copy.bak"))
    assert refused.exit_code != 0
    assert "not empty" in refused.output and "Nothing was changed" in refused.output
    assert _count_written(small_app.config["DATABASE_URL"]) == written


def test_backup_never_writes_over_a_file_and_says_so(small_app, tmp_path):
    (tmp_path / "there").write_text("keep me")
    refused = _invoke(small_app, "backup", str(tmp_path / "there"))
    assert refused.exit_code != 0 and "exists already" in refused.output
    assert (tmp_path / "there").read_text() == "keep me"
    missing = _invoke(small_app, "backup", str(tmp_path / "no" / "such" / "folder.bak"))
    assert missing.exit_code != 0 and "make it first" in missing.output


def test_restore_names_what_is_wrong_with_a_file_that_is_no_backup(small_app, tmp_path):
    (tmp_path / "notes.txt").write_text("not a database")
    refused = _invoke(small_app, "restore", str(tmp_path / "notes.txt"))
    assert refused.exit_code != 0 and "not a Signpost backup" in refused.output
    absent = _invoke(small_app, "restore", str(tmp_path / f"{uuid.uuid4()}.bak"))
    assert absent.exit_code != 0 and "There is no file" in absent.output


def test_a_backup_of_one_kind_of_database_is_not_loaded_into_the_other(tmp_path):
    sqlite_copy = tmp_path / "copy.sqlite"
    sqlite_copy.write_bytes(backups.SQLITE_MAGIC + b"\0" * 100)
    dump = tmp_path / "copy.dump"
    dump.write_bytes(backups.PG_DUMP_MAGIC + b"\0" * 100)
    engine = db.make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(backups.BackupError, match="postgresql backup"):
        backups.restore(engine, dump)
    engine.dispose()


def test_a_backup_is_readable_by_its_owner_only(small_app, tmp_path):
    made = _invoke(small_app, "backup", str(tmp_path / "copy.bak"))
    assert made.exit_code == 0, made.output
    assert (tmp_path / "copy.bak").stat().st_mode & 0o777 == 0o600
