"""A manager's imports on the web: upload, the check's report with nothing saved, confirm; bad
files and bad requests change nothing; the templates download; only managers and admins."""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
import zipfile
from pathlib import Path

import pytest
from accounts_helpers import PASSWORD, TEA, add_people, client_for, email_of
from openpyxl import load_workbook
from sqlmodel import Session, func, select

from directory import db
from directory.models import ListingStatus, Organisation, Service
from directory.oruk import uploads
from directory.oruk.spreadsheet import NAMES
from tests.conftest import make_app
from tests.oruk_helpers import HSDS, need_standards
from tests.test_oruk_import_export import a_service

TEMPLATE_ROW = "Armley Walking Group"


@pytest.fixture
def managed(small_app):
    add_people(small_app)
    return small_app


def counts(app) -> tuple[int, int]:
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        return tuple(
            session.exec(select(func.count()).select_from(model)).one()
            for model in (Service, Organisation)
        )


def service_named(app, name: str) -> Service | None:
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        return session.exec(select(Service).where(Service.name == name)).first()


def waiting_files(app) -> list[Path]:
    root = Path(app.instance_path) / uploads.FOLDER
    return sorted(root.rglob("*.*")) if root.exists() else []


def upload(client, name: str, data: bytes, publish: bool = False, **extra):
    form = {"file": (io.BytesIO(data), name), **extra}
    if publish:
        form["publish"] = "y"
    return client.post("/manage/imports", data=form, content_type="multipart/form-data")


def upload_token(page: str) -> str:
    return re.search(r'name="upload" type="hidden" value="([0-9a-f]+)"', page).group(1)


def confirm(client, page: str, **extra):
    return client.post("/manage/imports/confirm", data={"upload": upload_token(page), **extra})


def test_the_dashboard_links_to_imports_for_managers_only(managed):
    assert "/manage/imports" in client_for(managed, "manager").get("/manage/").text
    assert "/manage/imports" not in client_for(managed, "editor").get("/manage/").text


@pytest.mark.parametrize("who", ["editor", "other_editor", "linkworker"])
def test_editors_and_link_workers_are_refused(managed, who):
    client = client_for(managed, who)
    before = counts(managed)
    assert client.get("/manage/imports").status_code == 403
    assert client.get("/manage/imports/template.xlsx").status_code == 403
    sheet = client_for(managed, "manager").get("/manage/imports/template.csv").data
    assert upload(client, "sheet.csv", sheet, publish=True).status_code == 403
    assert client.post("/manage/imports/confirm", data={"upload": "0" * 32}).status_code == 403
    assert counts(managed) == before and waiting_files(managed) == []


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_the_templates_download_and_open(managed, kind):
    response = client_for(managed, "manager").get(f"/manage/imports/template.{kind}")
    assert response.status_code == 200
    assert f"signpost-services-template.{kind}" in response.headers["Content-Disposition"]
    if kind == "xlsx":
        book = load_workbook(io.BytesIO(response.data), read_only=True)
        rows = list(book.worksheets[0].iter_rows(values_only=True))
        assert list(rows[0]) == NAMES and TEMPLATE_ROW in rows[1]
        assert book.sheetnames[1] == "How to fill this in"
    else:
        rows = list(csv.reader(io.StringIO(response.data.decode("utf-8"))))
        assert rows[0] == NAMES and TEMPLATE_ROW in rows[1]


def test_the_page_explains_the_columns_and_links_the_templates(managed):
    page = client_for(managed, "manager").get("/manage/imports").text
    for name in NAMES:
        assert f"<code>{name}</code>" in page
    assert "/manage/imports/template.xlsx" in page and "/manage/imports/template.csv" in page
    assert 'enctype="multipart/form-data"' in page


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_a_spreadsheet_is_checked_with_nothing_saved_then_imported_for_review(managed, kind):
    client = client_for(managed, "manager")
    sheet = client.get(f"/manage/imports/template.{kind}").data
    before = counts(managed)
    report = upload(client, f"our services.{kind}", sheet)
    assert report.status_code == 200, report.text
    assert "Check of our_services." + kind in report.text
    assert "It will add 1 new listing and update 0" in report.text
    assert "wait for review" in report.text
    assert counts(managed) == before, "the check saved nothing"
    assert service_named(managed, TEMPLATE_ROW) is None
    assert len(waiting_files(managed)) == 1
    done = confirm(client, report.text)
    assert done.status_code == 200, done.text
    assert "1 new, 0 updated" in done.text
    assert counts(managed) == (before[0] + 1, before[1] + 1)
    assert service_named(managed, TEMPLATE_ROW).status == ListingStatus.PENDING_REVIEW
    assert waiting_files(managed) == [], "the file is removed after the import"
    # The same sheet again updates the listing it made; the check alone changes nothing.
    stored = service_named(managed, TEMPLATE_ROW)
    again = upload(client, f"our services.{kind}", sheet, publish=True)
    assert "It will add 0 new listings and update 1" in again.text
    unchanged = service_named(managed, TEMPLATE_ROW)
    assert (unchanged.version, unchanged.updated_at) == (stored.version, stored.updated_at)
    assert "0 new, 1 updated" in confirm(client, again.text).text
    assert counts(managed) == (before[0] + 1, before[1] + 1)
    # Publishing at once publishes what the file updates, too (as import-spreadsheet --publish).
    assert service_named(managed, TEMPLATE_ROW).status == ListingStatus.PUBLISHED


def test_the_example_datapackage_imports_from_a_zip(managed, tmp_path):
    need_standards()
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        for file in (HSDS / "examples" / "csv").glob("*.csv"):
            zipped.write(file, f"hsds/{file.name}")
        zipped.write(HSDS / "datapackage.json", "hsds/datapackage.json")
    client = client_for(managed, "manager")
    before = counts(managed)
    report = upload(client, "hsds.zip", archive.getvalue())
    assert report.status_code == 200, report.text
    assert "an Open Referral tabular datapackage holding 1 service" in report.text
    assert counts(managed) == before
    assert "1 new, 0 updated" in confirm(client, report.text).text
    assert counts(managed)[0] == before[0] + 1


def test_json_is_reported_with_warnings_unmapped_needs_and_duplicates_then_published(
    small_search,
):
    add_people(small_search)
    client = client_for(small_search, "admin")
    twin = a_service(name="Tuesday Tea & Chat", funding=[{"id": str(uuid.uuid4())}])
    with Session(small_search.extensions[db.ENGINE_KEY]) as session:
        twin["organization"]["name"] = session.get(Service, TEA).organisation.name
    twin["attributes"] = [
        {
            "id": str(uuid.uuid4()),
            "taxonomy_term_id": (term := str(uuid.uuid4())),
            "taxonomy_term": {"id": term, "name": "Underwater basket weaving"},
        }
    ]
    walk = a_service()
    data = json.dumps([twin, walk]).encode()
    before = counts(small_search)
    report = upload(client, "feed.json", data, publish=True)
    assert report.status_code == 200, report.text
    page = report.text
    assert "Open Referral JSON (an array of services) holding 2 services" in page
    assert "Warnings (1)" in page and "funding" in page and "nothing can be imported" not in page
    # one list of the terms that meet no need, with one instruction: map the term
    assert "Taxonomy terms that meet no need (1)" in page and "Underwater basket weaving" in page
    assert "editing the listings" not in page and "Needs we could not match" not in page
    assert 'href="/manage/taxonomy?term=Underwater+basket+weaving"' in page
    assert "Likely duplicates (1)" in page and "same organisation" in page
    assert "It will add 2 new listings and update 0" in page and "published at once" in page
    assert "2 listings said nothing of where they serve" in page
    assert "where the places in the file are: Leeds." in page
    assert counts(small_search) == before
    done = confirm(client, page)
    assert "2 new, 0 updated" in done.text
    assert service_named(small_search, "Armley Walking Group").status == ListingStatus.PUBLISHED
    found = client.get("/api/v1/search?q=Armley+walking").get_json()
    assert walk["id"] in json.dumps(found), "published imports are searchable at once"


def test_without_publish_imported_json_waits_and_is_not_found(small_search):
    add_people(small_search)
    client = client_for(small_search, "manager")
    walk = a_service()
    report = upload(client, "feed.json", json.dumps([walk]).encode())
    confirm(client, report.text)
    assert service_named(small_search, "Armley Walking Group").status == (
        ListingStatus.PENDING_REVIEW
    )
    found = client.get("/api/v1/search?q=Armley+walking").get_json()
    assert walk["id"] not in json.dumps(found)


def _bad_sheet() -> bytes:
    rows = [NAMES, ["Org", "", "", "", "", "", "Bad Days", "Walks", "", "nobody"]]
    rows[1] += [""] * (len(NAMES) - len(rows[1]))
    rows[1][NAMES.index("days")] = "Funday"
    rows[1][NAMES.index("opens")] = "10:00"
    rows[1][NAMES.index("closes")] = "11:00"
    rows.append(["Org"] + [""] * (len(NAMES) - 1))
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return text.getvalue().encode()


BAD_FILES = [
    ("not JSON", "feed.json", b"{oops", "feed.json is not JSON: Expecting property name"),
    (
        "wrong shape",
        "feed.json",
        b'{"hello": "world"}',
        "JSON but not in a shape Signpost imports",
    ),
    (
        "bad records",
        "feed.json",
        json.dumps([{"id": "not-a-uuid", "name": "X", "status": "open"}]).encode(),
        "&#39;not-a-uuid&#39; is not a valid uuid",
    ),
    ("bad rows", "sheet.csv", _bad_sheet(), "&#39;Funday&#39; is not a day"),
    ("not a sheet", "sheet.xlsx", b"not a workbook", "is not an Excel (.xlsx) workbook"),
    ("empty", "feed.json", b"[]", "holds no services to import"),
    ("a zip that is no datapackage", "feed.zip", b"PK\x05\x06" + b"\0" * 18, "not a datapackage"),
]


@pytest.mark.parametrize(
    ("name", "data", "message"), [b[1:] for b in BAD_FILES], ids=[b[0] for b in BAD_FILES]
)
def test_a_bad_file_gets_a_clear_report_and_changes_nothing(managed, name, data, message):
    client = client_for(managed, "manager")
    before = counts(managed)
    report = upload(client, name, data, publish=True)
    assert report.status_code == 400
    assert message in report.text
    assert "Import " not in report.text, "no button to import a file with errors"
    assert counts(managed) == before and waiting_files(managed) == []
    # Nothing is waiting, whatever is posted.
    refused = client.post("/manage/imports/confirm", data={"upload": "0" * 32})
    assert refused.status_code == 302 and counts(managed) == before


def test_the_bad_rows_are_listed_by_row_and_column(managed):
    page = upload(client_for(managed, "manager"), "sheet.csv", _bad_sheet()).text
    assert re.search(r"row 2</td>\s*<td[^>]*>.*days</td>", page)
    assert re.search(r"row 2</td>\s*<td[^>]*>.*days, opens, closes</td>", page)
    assert re.search(r"row 3</td>\s*<td[^>]*>.*service_name</td>", page)
    assert "4 errors: nothing can be imported" in page


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("notes.txt", "must be Open Referral JSON (.json), a datapackage (.zip)"),
        ("../../etc/passwd", "must be Open Referral JSON"),
    ],
)
def test_a_file_of_another_kind_is_refused_in_the_form(managed, name, message):
    response = upload(client_for(managed, "manager"), name, b"hello")
    assert response.status_code == 400 and message in response.text
    assert "There is a problem" in response.text and waiting_files(managed) == []


def test_no_file_is_refused_in_the_form(managed):
    response = client_for(managed, "manager").post("/manage/imports", data={"publish": "y"})
    assert response.status_code == 400 and "Choose the file to check." in response.text


def test_a_file_over_the_import_limit_and_a_request_over_the_server_limit(managed, tmp_path):
    app = make_app(
        managed.config["DATABASE_URL"],
        tmp_path / "limits",
        IMPORT_MAX_BYTES=2000,
        MAX_CONTENT_LENGTH=10_000,
    )
    client = client_for(app, "manager")
    before = counts(app)
    over = json.dumps([a_service(description="x" * 3000)]).encode()
    refused = upload(client, "feed.json", over)
    assert refused.status_code == 400 and "an import may be at most" in refused.text
    assert "Nothing was saved" in refused.text and waiting_files(app) == []
    huge = upload(client, "feed.json", b"[" + b" " * 50_000 + b"]")
    assert huge.status_code == 413 and "The file is too large" in huge.text
    assert counts(app) == before
    app.extensions[db.ENGINE_KEY].dispose()


def test_the_upload_is_bound_to_the_session_that_made_it(managed):
    manager, admin = client_for(managed, "manager"), client_for(managed, "admin")
    sheet = manager.get("/manage/imports/template.csv").data
    report = upload(manager, "sheet.csv", sheet)
    before = counts(managed)
    # Another person with the token gets nothing; nor does a made-up or stale token.
    assert confirm(admin, report.text).status_code == 302
    assert manager.post("/manage/imports/confirm", data={"upload": "f" * 32}).status_code == 302
    assert counts(managed) == before
    # Cancelling removes the file; the token is then worth nothing.
    manager.post("/manage/imports/cancel", data={"upload": upload_token(report.text)})
    assert waiting_files(managed) == []
    assert confirm(manager, report.text).status_code == 302 and counts(managed) == before


@pytest.mark.parametrize(
    ("token", "name"),
    [("a" * 32, "../../signpost.db"), ("a" * 32, "feed.py"), ("../" + "a" * 29, "feed.json")],
)
def test_a_kept_upload_is_only_ever_a_file_this_module_named(tmp_path, token, name):
    with pytest.raises(uploads.UploadError):
        uploads.Upload(token, name).path(tmp_path)


def test_old_uploads_nobody_confirmed_are_removed(tmp_path):
    kept = tmp_path / uploads.FOLDER / ("a" * 32)
    kept.mkdir(parents=True)
    (kept / "feed.json").write_text("[]")
    uploads.remove_old(tmp_path, now=kept.stat().st_mtime + uploads.KEEP_FOR_SECONDS - 1)
    assert kept.exists()
    uploads.remove_old(tmp_path, now=kept.stat().st_mtime + uploads.KEEP_FOR_SECONDS + 1)
    assert not kept.exists()


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)


@pytest.mark.parametrize("databases", ["sqlite"], indirect=True)
def test_each_step_needs_the_csrf_token(small_app, tmp_path):
    add_people(small_app)
    app = make_app(small_app.config["DATABASE_URL"], tmp_path / "csrf", WTF_CSRF_ENABLED=True)
    client = app.test_client()
    signed = client.post(
        "/sign-in",
        data={
            "email": email_of("manager"),
            "password": PASSWORD,
            "csrf_token": _token(client.get("/sign-in").text),
        },
    )
    assert signed.status_code == 302
    sheet = client.get("/manage/imports/template.csv").data
    token = _token(client.get("/manage/imports").text)
    without = upload(client, "sheet.csv", sheet)
    assert without.status_code == 400 and "CSRF" in without.text
    assert waiting_files(app) == []
    report = upload(client, "sheet.csv", sheet, csrf_token=token)
    assert report.status_code == 200, report.text
    before = counts(app)
    assert confirm(client, report.text).status_code == 400
    assert counts(app) == before
    done = confirm(client, report.text, csrf_token=_token(report.text))
    assert "1 new, 0 updated" in done.text and counts(app)[0] == before[0] + 1
    app.extensions[db.ENGINE_KEY].dispose()


def test_saving_a_listing_that_waits_for_review_does_not_say_it_is_live(managed, tmp_path):
    """Issue 12 trial: "The changes are live now" was said of a listing still pending."""
    client = client_for(managed, "manager")
    walk = a_service()
    page = upload(client, "feed.json", json.dumps([walk]).encode()).text
    done = confirm(client, page).text
    assert "the changes to them are live" not in done
    service = service_named(managed, "Armley Walking Group")
    assert service.status == ListingStatus.PENDING_REVIEW
    from accounts_helpers import form_for

    from directory.listings import editing

    with Session(managed.extensions[db.ENGINE_KEY]) as session:
        found = editing.load_service(session, service.id)
        values, version = editing.snapshot(found), found.version
    values["description"] = "Changed while it waits for review."
    values["needs"] = ["loneliness"]
    edit = f"/manage/services/{service.id}/edit"
    saved = client.post(edit, data=form_for(values, version), follow_redirects=True).text
    assert "The changes are live now" not in saved
    assert "still waiting for review" in saved
