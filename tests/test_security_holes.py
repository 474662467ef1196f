"""Issue 16's findings 1-8, each as the attacker found it: links in emails follow only the
configured public address; sign-out ends a copied cookie; a tiny workbook of 200,000 rows and
a zip that lies are refused with the import report's words; exported CSV cells cannot run as
formulas; `next` goes only to this site; wrong passwords are counted per account as well as
per address; and the production headers, cookie lifetime and secret are strict."""

from __future__ import annotations

import csv
import io
import socket
import struct
import time
import uuid
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from accounts_helpers import (
    ORG_A,
    PASSWORD,
    TEA,
    add_people,
    client_for,
    email_of,
    mail_settings,
    sign_in,
    smtp_server,
)
from conftest import SMALL_CATALOGUE, dispose, make_app
from flask import Flask
from sqlmodel import Session, func, select

from directory import config, db, security
from directory.catalogue import seeding
from directory.extensions import limiter
from directory.models import Organisation, Service
from directory.oruk import archives, reading, spreadsheet, tabular
from directory.oruk.spreadsheet import NAMES

SQLITE_ONLY = pytest.mark.parametrize("databases", ["sqlite"], indirect=True)
PUBLIC = "https://signpost.example"
EVIL = {"Host": "evil.example"}
LONG_SECRET = "x" * 32


@pytest.fixture
def app(small_app: Flask) -> Flask:
    add_people(small_app)
    small_app.config["PUBLIC_URL"] = PUBLIC
    return small_app


def counts(app: Flask) -> tuple[int, int]:
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        return tuple(
            session.exec(select(func.count()).select_from(model)).one()
            for model in (Service, Organisation)
        )


def production(monkeypatch, tmp_path: Path, **env: str) -> None:
    """The environment of a production start, with whatever `env` changes."""
    values = {
        "SIGNPOST_ENV": "production",
        "SECRET_KEY": LONG_SECRET,
        "SIGNPOST_PUBLIC_URL": PUBLIC,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'production.db'}",
        "SIGNPOST_INSTANCE_PATH": str(tmp_path / "instance"),
        "SIGNPOST_FOLLOW_CHANGES": "0",
    } | env
    for name, value in values.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)


# --- 1. links in emails follow the configured public address, never the Host header ------


@pytest.mark.live_server  # a real SMTP server on loopback
@SQLITE_ONLY
def test_links_in_emails_use_the_public_url_whatever_host_the_request_names(app):
    with smtp_server() as box:
        app.config.update(mail_settings(box))
        anyone = app.test_client()
        anyone.post("/reset-password", data={"email": email_of("editor")}, headers=EVIL)
        # signed in through the other host too (a cookie goes back only to the host that set it)
        editor = app.test_client()
        at = {"base_url": "http://evil.example"}
        signed = editor.post(
            "/sign-in", data={"email": email_of("editor"), "password": PASSWORD}, **at
        )
        assert signed.status_code == 302
        invited = editor.post(
            f"/manage/organisations/{ORG_A}/invite", data={"email": "new@example.org"}, **at
        )
        assert invited.status_code == 302
        anyone.post(f"/services/{TEA}/report", data={"kind": "closed"}, headers=EVIL)
        links = box.links()
    assert len(links) == 3, links
    assert all(link.startswith(f"{PUBLIC}/") for link in links), links
    assert [link.split("/")[3] for link in links] == ["reset-password", "join", "manage"]


@SQLITE_ONLY
def test_reminders_and_api_links_use_the_public_url(small_search):
    from directory.listings import freshness

    app = small_search
    app.config["PUBLIC_URL"] = PUBLIC
    with app.test_request_context("/", headers=EVIL), Session(db.engine()) as session:
        service = session.get(Service, TEA)
        _subject, body = freshness.reminder_email(service, 1)
    assert f"{PUBLIC}/listings/check/" in body and "evil.example" not in body
    found = app.test_client().get("/api/v1/search?q=tea", headers=EVIL).get_json()
    urls = [item["url"] for item in found["results"]]
    assert urls and all(url.startswith(PUBLIC) for url in urls), urls


@SQLITE_ONLY
def test_trusted_hosts_refuse_a_request_for_another_host(databases, tmp_path):
    app = make_app(databases.new_migrated(), tmp_path / "i", TRUSTED_HOSTS=["signpost.example"])
    try:
        client = app.test_client()
        assert client.get("/sign-in", headers={"Host": "signpost.example"}).status_code == 200
        refused = client.get("/sign-in", headers=EVIL)
        assert refused.status_code == 400
    finally:
        dispose(app)


def test_production_needs_a_public_url_and_trusts_only_its_host(monkeypatch, tmp_path):
    production(monkeypatch, tmp_path, SIGNPOST_PUBLIC_URL=None)
    with pytest.raises(RuntimeError, match="Set SIGNPOST_PUBLIC_URL"):
        config.from_environment()
    production(monkeypatch, tmp_path, SIGNPOST_PUBLIC_URL="signpost.example")
    with pytest.raises(RuntimeError, match="SIGNPOST_PUBLIC_URL='signpost.example'"):
        config.from_environment()
    production(monkeypatch, tmp_path)
    settings = config.from_environment()
    assert "signpost.example" in settings.TRUSTED_HOSTS
    assert "evil.example" not in settings.TRUSTED_HOSTS
    production(monkeypatch, tmp_path, SIGNPOST_TRUSTED_HOSTS="a.example, b.example")
    assert config.from_environment().TRUSTED_HOSTS == ["a.example", "b.example"]
    monkeypatch.setenv("SIGNPOST_ENV", "development")
    monkeypatch.delenv("SIGNPOST_PUBLIC_URL")
    assert config.from_environment().PUBLIC_URL.startswith("http://")


# --- 2. sign-out ends the session on the server -------------------------------------------


def _copy_cookies(source, target) -> None:
    for name in ("session", "remember_token"):
        cookie = source.get_cookie(name)
        if cookie is not None:
            target.set_cookie(name, cookie.value)


@SQLITE_ONLY
@pytest.mark.parametrize("remember", [False, True], ids=["session", "remember-me"])
def test_a_copied_cookie_stops_working_after_an_ordinary_sign_out(app, remember):
    owner = app.test_client()
    sign_in(owner, "editor", **({"remember": "y"} if remember else {}))
    thief = app.test_client()
    _copy_cookies(owner, thief)
    assert thief.get("/manage/").status_code == 200
    assert owner.post("/sign-out").status_code == 302
    assert "/sign-in?next=" in thief.get("/manage/").headers["Location"]


@SQLITE_ONLY
def test_a_copied_remember_me_cookie_alone_stops_working_after_sign_out(app):
    owner = app.test_client()
    sign_in(owner, "editor", remember="y")
    token = owner.get_cookie("remember_token").value
    thief = app.test_client()
    thief.set_cookie("remember_token", token)
    assert thief.get("/manage/").status_code == 200
    owner.post("/sign-out")
    later = app.test_client()
    later.set_cookie("remember_token", token)
    assert "/sign-in?next=" in later.get("/manage/").headers["Location"]


@SQLITE_ONLY
def test_the_development_sign_out_ends_a_copied_cookie_too(app):
    owner = app.test_client()
    owner.post("/dev/sign-in", data={"user": "demo"})
    thief = app.test_client()
    _copy_cookies(owner, thief)
    assert thief.get("/link-worker/match").status_code == 200
    owner.post("/dev/sign-out")
    assert thief.get("/link-worker/match").status_code == 302


# --- 3. unpacked size and rows are limited before a file is read -----------------------------

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Services" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)


def _inline(text: str) -> str:
    return f'<c t="inlineStr"><is><t>{text}</t></is></c>'


def huge_workbook(rows: int, declared: bool) -> bytes:
    """A small .xlsx holding `rows` identical rows under the template's header: deflate
    squeezes the repeated XML more than a hundredfold."""
    header = "<row>" + "".join(_inline(name) for name in NAMES) + "</row>"
    row = "<row><c><v>1</v></c></row>"  # a number in the first column
    dimension = f'<dimension ref="A1:AB{rows + 1}"/>' if declared else ""
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"{dimension}<sheetData>{header}{row * rows}</sheetData></worksheet>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return out.getvalue()


def upload(client, name: str, data: bytes):
    form = {"file": (io.BytesIO(data), name), "publish": "y"}
    return client.post("/manage/imports", data=form, content_type="multipart/form-data")


@pytest.mark.parametrize("declared", [True, False], ids=["dimension-declared", "no-dimension"])
def test_a_64_kb_workbook_of_200000_rows_is_refused_in_seconds_with_the_reason(app, declared):
    data = huge_workbook(200_000, declared)
    assert len(data) <= 64 * 1024
    before = counts(app)
    started = time.perf_counter()
    report = upload(client_for(app, "manager"), "sheet.xlsx", data)
    seconds = time.perf_counter() - started
    assert report.status_code == 400, report.text[:500]
    assert "more than the 50,000 rows an import may have" in report.text
    assert seconds < 5, f"{seconds:.1f} s"
    assert counts(app) == before


@pytest.mark.parametrize(("rows", "refused"), [(5_000, False), (5_001, True)])
def test_rows_are_counted_exactly_across_the_pieces_a_sheet_streams_in(tmp_path, rows, refused):
    source = tmp_path / "sheet.xlsx"
    source.write_bytes(huge_workbook(rows, declared=False))  # about 130 KB of XML
    limits = archives.Limits(10**7, max_rows=5_000)
    if refused:
        with pytest.raises(archives.ArchiveError, match="more than the 5,000 rows"):
            archives.check_workbook(source, limits)
    else:
        archives.check_workbook(source, limits)


def test_the_import_command_refuses_the_same_workbook(app, tmp_path):
    source = tmp_path / "sheet.xlsx"
    source.write_bytes(huge_workbook(200_000, declared=False))
    result = app.test_cli_runner().invoke(args=["import-spreadsheet", str(source)])
    assert result.exit_code != 0
    assert "more than the 50,000 rows an import may have" in result.output


def test_a_workbook_that_unpacks_to_more_than_the_limit_is_refused_before_reading(app):
    app.config["IMPORT_MAX_UNPACKED_BYTES"] = 100_000
    report = upload(client_for(app, "manager"), "sheet.xlsx", huge_workbook(5_000, True))
    assert report.status_code == 400
    assert "unpacks to" in report.text and "more than the 0.1 MB" in report.text


def _csv(rows: list[list[str]]) -> str:
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return text.getvalue()


def test_a_csv_sheet_or_a_datapackage_table_of_too_many_rows_is_refused(app, tmp_path):
    app.config["IMPORT_MAX_ROWS"] = 10
    rows = [NAMES] + [["Org", "", "", "", "", "", f"Walk {n}", "A walk."] for n in range(11)]
    sheet = upload(client_for(app, "manager"), "sheet.csv", _csv(rows).encode())
    assert sheet.status_code == 400 and "more than the 10 rows" in sheet.text
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "services.csv", _csv([["id", "name"]] + [[str(n), "x"] for n in range(11)])
        )
    package = upload(client_for(app, "manager"), "feed.zip", out.getvalue())
    assert package.status_code == 400 and "more than the 10 rows" in package.text


def test_a_zip_declaring_more_than_the_unpacked_limit_is_refused(tmp_path):
    source = tmp_path / "feed.zip"
    with zipfile.ZipFile(source, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("services.csv", "id,name\n" + "1,x\n" * 100_000)
    limits = archives.Limits(max_bytes=10**6, max_unpacked=100_000, max_rows=10)
    with pytest.raises(reading.SourceError, match="unpacks to"):
        reading.read_source(source, limits)


# --- 4. CSV cells that a spreadsheet would run as formulas are neutralised ---------------------

FORMULAS = [
    '=HYPERLINK("http://evil.example","Click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("value", FORMULAS)
def test_a_cell_that_starts_a_formula_is_neutralised(value):
    assert tabular.csv_cell(value) == "'" + value
    assert tabular.csv_cell(f"A cell that says {value}") == f"A cell that says {value}"


def test_numbers_stay_numbers():
    for number in ("-1.5491", "+44", "53.8", "-0"):
        assert tabular.csv_cell(number) == number


def test_the_datapackage_export_neutralises_formulas_and_reads_back_the_same(app, tmp_path):
    organisation = str(uuid.uuid4())
    service = {
        "id": str(uuid.uuid4()),
        "organization_id": organisation,
        "name": FORMULAS[0],
        "description": FORMULAS[1],
        "email": FORMULAS[3],
        "organization": {"id": organisation, "name": FORMULAS[2]},
    }
    tabular.write_package([service], tmp_path, "test")
    with (tmp_path / "services.csv").open(newline="") as handle:
        row = next(csv.DictReader(handle))
    assert row["name"] == "'" + FORMULAS[0] and row["description"] == "'" + FORMULAS[1]
    assert row["email"] == "'" + FORMULAS[3]
    with (tmp_path / "organizations.csv").open(newline="") as handle:
        assert next(csv.DictReader(handle))["name"] == "'" + FORMULAS[2]
    back = tabular.nest(lambda name: _read(tmp_path / name), None)[0]
    assert back["name"] == FORMULAS[0] and back["organization"]["name"] == FORMULAS[2]


def _read(path: Path) -> str | None:
    return path.read_text() if path.exists() else None


def test_the_csv_template_download_goes_through_the_same_rule(monkeypatch, tmp_path):
    monkeypatch.setattr(tabular, "csv_cell", lambda value: f"<{value}>")
    spreadsheet.write_template(tmp_path / "template.csv")
    assert "<organisation_name>" in (tmp_path / "template.csv").read_text()


# --- 5. a zip whose member header lies gets the report, not a 500 ----------------------------


def _good_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("services.csv", "id,name\n" + "1,a service\n" * 200)
    return out.getvalue()


def _lie(kind: str) -> bytes:
    data = bytearray(_good_zip())
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = archive.infolist()[0]
    start = info.header_offset + 30 + len(info.filename)  # the compressed data
    if kind == "method":  # a compression method nobody knows, in both headers
        struct.pack_into("<H", data, info.header_offset + 8, 99)
        central = bytes(data).rfind(b"PK\x01\x02")
        struct.pack_into("<H", data, central + 10, 99)
    elif kind == "data":  # the compressed data is rubbish
        data[start : start + 8] = b"\xff" * 8
    elif kind == "size":  # says it unpacks to 10 bytes: the CRC no longer matches
        central = bytes(data).rfind(b"PK\x01\x02")
        struct.pack_into("<I", data, central + 24, 10)
    elif kind == "name":  # the local header names another file
        data[info.header_offset + 30] = ord("X")
    elif kind == "truncated":  # the compressed stream ends early
        central = bytes(data).rfind(b"PK\x01\x02")
        struct.pack_into("<I", data, central + 20, 5)
    return bytes(data)


LIES = ["method", "data", "size", "name", "truncated"]


@pytest.mark.parametrize("kind", LIES)
def test_a_zip_with_a_lying_member_header_gets_the_import_report(app, kind):
    before = counts(app)
    report = upload(client_for(app, "manager"), "feed.zip", _lie(kind))
    assert report.status_code == 400, report.text[:300]
    assert "feed.zip cannot be unpacked" in report.text
    assert counts(app) == before


def test_a_workbook_with_a_lying_member_header_gets_the_import_report(app):
    data = bytearray(huge_workbook(3, True))
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = archive.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename)
    data[start : start + 8] = b"\xff" * 8
    report = upload(client_for(app, "manager"), "sheet.xlsx", bytes(data))
    assert report.status_code == 400, report.text[:300]
    assert "sheet.xlsx" in report.text and "cannot be" in report.text


# --- 6. one safe-redirect helper for every `next` --------------------------------------------

REFUSED = [
    "//evil.example/",
    "/\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r/evil.example",
    "/ /evil.example",
    "\\\\evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    "http:/evil.example",
    "/%09/evil.example",
    "/%5cevil.example",
    "evil.example",
    "",
]


@pytest.mark.parametrize("target", REFUSED)
def test_next_goes_only_to_a_path_on_this_site(app, target):
    with app.test_request_context():
        assert security.safe_next(target, "/home") == "/home"
        assert security.safe_next("/manage/organisations?x=1#a", "/home") == (
            "/manage/organisations?x=1#a"
        )


@SQLITE_ONLY
@pytest.mark.parametrize("target", ["/\t/evil.example", "//evil.example", "/\\evil.example"])
def test_the_sign_in_and_the_development_sign_in_refuse_another_site(app, target):
    client = app.test_client()
    dev = client.post("/dev/sign-in", data={"user": "demo", "next": target})
    assert dev.headers["Location"] == "/link-worker/cases"  # a link worker's home
    page = client.get("/dev/sign-in", query_string={"next": target}).text
    assert "evil.example" not in page
    real = app.test_client().post(
        "/sign-in",
        query_string={"next": target},
        data={"email": email_of("editor"), "password": PASSWORD},
    )
    assert real.headers["Location"] == "/manage/"


# --- 7. wrong passwords are counted per account, on the shared limiter storage ---------------


def _throttled_app(databases, tmp_path, **settings) -> Flask:
    app = make_app(
        databases.new_migrated(),
        tmp_path / "instance",
        RATELIMIT_ENABLED=True,
        SIGN_IN_LIMIT="1000 per hour",  # the per-address limit stays out of the way
        **settings,
    )
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        seeding.seed(session, SMALL_CATALOGUE)
    add_people(app)
    return app


def _from(address: str) -> dict[str, dict[str, str]]:
    return {"environ_base": {"REMOTE_ADDR": address}}


def _try(app: Flask, who: str, password: str, address: str):
    client = app.test_client()
    data = {"email": email_of(who), "password": password}
    return client.post("/sign-in", data=data, **_from(address))


ACCOUNT_LOCKED = "Too many wrong passwords for this email address"


@pytest.mark.concurrency  # counts in a time window
@SQLITE_ONLY
def test_wrong_passwords_from_six_addresses_lock_the_account_for_a_growing_time(
    databases, tmp_path
):
    app = _throttled_app(databases, tmp_path)
    try:
        start = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
        with time_machine.travel(start, tick=False) as clock:
            codes = [
                _try(app, "editor", "wrong password!!", f"203.0.113.{n % 6}").status_code
                for n in range(30)
            ]
            assert codes[:5] == [400] * 5 and set(codes[5:]) == {429}
            # The right password from a new address: still refused, with the same words
            # an address without an account gets after as many tries.
            locked = _try(app, "editor", PASSWORD, "198.51.100.7")
            assert locked.status_code == 429 and ACCOUNT_LOCKED in locked.text
            nobody = [_try(app, "nobody", "x" * 12, "198.51.100.8") for _ in range(6)]
            assert nobody[-1].status_code == 429 and ACCOUNT_LOCKED in nobody[-1].text
            assert "1 minute" in locked.text and "1 minute" in nobody[-1].text
            # Other accounts are not locked.
            assert _try(app, "manager", PASSWORD, "203.0.113.1").status_code == 302
            # After the first lock ends, five more failures lock it for twice as long.
            clock.move_to(start + timedelta(seconds=61))
            assert _try(app, "editor", "wrong password!!", "203.0.113.1").status_code == 400
            for _ in range(4):
                _try(app, "editor", "wrong password!!", "203.0.113.2")
            again = _try(app, "editor", PASSWORD, "203.0.113.3")
            assert again.status_code == 429 and "2 minutes" in again.text
            clock.move_to(start + timedelta(seconds=61 + 90))
            assert _try(app, "editor", PASSWORD, "203.0.113.3").status_code == 429
            clock.move_to(start + timedelta(seconds=61 + 121))
            assert _try(app, "editor", PASSWORD, "203.0.113.3").status_code == 302
    finally:
        dispose(app)


@pytest.mark.concurrency
@SQLITE_ONLY
def test_with_limits_off_accounts_are_not_counted(databases, tmp_path):
    app = _throttled_app(databases, tmp_path)
    app.config["RATELIMIT_ENABLED"] = False
    try:
        codes = [_try(app, "editor", "wrong password!!", "203.0.113.1") for _ in range(6)]
        assert {c.status_code for c in codes} == {400}
    finally:
        dispose(app)


@pytest.mark.concurrency  # counts in a time window
@pytest.mark.live_server  # Redis
@SQLITE_ONLY
def test_two_workers_on_redis_count_one_accounts_failures_together(databases, tmp_path):
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    shared = {
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
        "RATELIMIT_STORAGE_OPTIONS": {"key_prefix": f"signpost-test-{uuid.uuid4().hex}"},
    }
    url = databases.new_migrated()
    workers = []
    for name in ("one", "two"):
        worker = make_app(
            url, tmp_path / name, RATELIMIT_ENABLED=True, SIGN_IN_LIMIT="1000 per hour", **shared
        )
        workers.append(worker)
    with Session(workers[0].extensions[db.ENGINE_KEY]) as session:
        seeding.seed(session, SMALL_CATALOGUE)
    add_people(workers[0])
    try:
        codes = [
            _try(workers[n % 2], "editor", "wrong password!!", f"203.0.113.{n}").status_code
            for n in range(6)
        ]
        assert codes == [400] * 5 + [429]
        for worker in workers:
            assert _try(worker, "editor", PASSWORD, "198.51.100.1").status_code == 429
    finally:
        limiter.of(workers[0]).storage.reset()
        for worker in workers:
            dispose(worker)


# --- 8. production headers, no-store, remember-me and the secret ------------------------------


def test_production_sends_strict_transport_security(monkeypatch, tmp_path):
    from directory import create_app

    production(monkeypatch, tmp_path)
    app = create_app()
    try:
        response = app.test_client().get("/sign-in", headers={"Host": "signpost.example"})
        assert response.status_code == 200
        assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    finally:
        dispose(app)


@SQLITE_ONLY
def test_development_sends_no_strict_transport_security(app):
    assert "Strict-Transport-Security" not in app.test_client().get("/sign-in").headers


@SQLITE_ONLY
def test_pages_for_signed_in_people_are_never_stored(app):
    worker = client_for(app, "linkworker")
    for path in ("/link-worker/match", "/link-worker/shortlists", "/sign-out"):
        response = worker.get(path)
        assert response.status_code == 200, path
        assert "no-store" in response.headers.get("Cache-Control", ""), path
    manager = client_for(app, "admin")
    for path in ("/manage/", "/manage/users", "/manage/imports", "/"):
        assert "no-store" in manager.get(path).headers.get("Cache-Control", ""), path
    public = app.test_client().get("/")
    assert "no-store" not in public.headers.get("Cache-Control", "")


@SQLITE_ONLY
def test_remember_me_lasts_30_days(app):
    client = app.test_client()
    now = datetime.now(UTC)
    sign_in(client, "editor", remember="y")
    cookie = client.get_cookie("remember_token")
    assert cookie.expires is not None
    days = (cookie.expires - now).total_seconds() / 86400
    assert 29.9 < days < 30.1, days
    assert "30 days" in app.test_client().get("/sign-in").text


@pytest.mark.parametrize("secret", ["short", "a-long-random-secret", "é" * 15])
def test_production_refuses_a_secret_key_shorter_than_32_bytes(monkeypatch, tmp_path, secret):
    production(monkeypatch, tmp_path, SECRET_KEY=secret)
    with pytest.raises(RuntimeError, match="at least 32 bytes"):
        config.from_environment()
    production(monkeypatch, tmp_path, SECRET_KEY="é" * 16)  # 32 bytes in UTF-8
    assert config.from_environment().SECRET_KEY == "é" * 16
