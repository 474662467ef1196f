"""A manager's upload of an import file: check it and show what an import would do, with
nothing saved; then import it. The same reading, checks and import as `import-oruk` and
`import-spreadsheet`, so a file lands the same way from the web as from the command line.

Between the two steps the file waits under the instance folder, in a folder with a random
name that only the uploader's session knows; the name it is kept under is made here, never
taken from the browser.
"""

from __future__ import annotations

import re
import secrets
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session
from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

from directory import search
from directory.oruk import checks, importing, readiness, reading, spreadsheet
from directory.oruk.archives import Limits

Json = dict[str, Any]
SPREADSHEETS = (".csv", ".xlsx")
FEEDS = (".json", ".zip")
KINDS = SPREADSHEETS + FEEDS
FOLDER = "uploads"
TOKEN = re.compile(r"^[0-9a-f]{32}$")
KEEP_FOR_SECONDS = 24 * 60 * 60  # an upload nobody confirmed is removed after a day
SHEET_PROBLEM = re.compile(r"^(row \d+), columns? (.+?): (.+)$")
KIND_NAMES = {
    "spreadsheet": "a spreadsheet",
    "json": "Open Referral JSON (an array of services)",
    "page": "Open Referral JSON (a page of /services)",
    "datapackage": "an Open Referral tabular datapackage",
}


class UploadError(Exception):
    """The file cannot be kept for import (a bad name or kind); nothing was saved."""


@dataclass(frozen=True)
class Upload:
    """A file waiting between the check and the import."""

    token: str
    name: str

    def path(self, instance: Path) -> Path:
        """Where the file is kept; UploadError for a token or name this module did not make."""
        if secure_filename(self.name) != self.name or Path(self.name).suffix.lower() not in KINDS:
            raise UploadError("That upload is not known here.")
        return _folder(instance, self.token) / self.name


@dataclass
class Checked:
    """What checking a file found, and what importing it would do (nothing saved)."""

    name: str
    kind: str = ""
    services: list[Json] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # the file cannot be read at all
    problems: list[checks.Problem] = field(default_factory=list)
    report: checks.Report | None = None
    result: importing.ImportResult | None = None  # what the import did, or would do
    ready: readiness.Readiness | None = None  # what the matcher makes of it

    @property
    def errors(self) -> list[checks.Problem]:
        return [p for p in self.problems if p.error]

    @property
    def warnings(self) -> list[checks.Problem]:
        return [p for p in self.problems if not p.error]

    @property
    def kind_name(self) -> str:
        return KIND_NAMES.get(self.kind, self.kind)

    @property
    def importable(self) -> bool:
        return not self.unreadable and not self.errors and bool(self.services)


def _folder(instance: Path, token: str) -> Path:
    if not TOKEN.match(token):
        raise UploadError("That upload is not known here.")
    return Path(instance) / FOLDER / token


def keep(instance: Path, file: FileStorage) -> Upload:
    """Keep an uploaded file under a new random folder; its name is cleaned of any path."""
    original = Path(file.filename or "")
    suffix = original.suffix.lower()
    if suffix not in KINDS:
        raise UploadError(f"Upload a {', '.join(KINDS[:-1])} or {KINDS[-1]} file.")
    name = secure_filename(original.name)[:100] or "upload"
    if not name.lower().endswith(suffix):
        name = f"upload{suffix}"
    remove_old(instance)
    token = secrets.token_hex(16)
    upload = Upload(token, name)
    path = upload.path(instance)
    path.parent.mkdir(parents=True)
    file.save(path)
    return upload


def discard(instance: Path, upload: Upload) -> None:
    """Remove a kept upload (after the import, or when the manager gives up)."""
    shutil.rmtree(_folder(instance, upload.token), ignore_errors=True)


def remove_old(instance: Path, now: float | None = None) -> None:
    """Remove uploads nobody confirmed within KEEP_FOR_SECONDS."""
    root = Path(instance) / FOLDER
    if not root.is_dir():
        return
    limit = (now or time.time()) - KEEP_FOR_SECONDS
    for folder in root.iterdir():
        if TOKEN.match(folder.name) and folder.stat().st_mtime < limit:
            shutil.rmtree(folder, ignore_errors=True)


def _sheet_problem(text: str) -> checks.Problem:
    """A spreadsheet's 'row 3, column 'days': ...' as a problem with its row and column."""
    found = SHEET_PROBLEM.match(text)
    if found is None:
        return checks.Problem("", "", text)
    return checks.Problem(found.group(1), found.group(2).replace("'", ""), found.group(3))


def check(session: Session, path: Path, limits: Limits) -> Checked:
    """Read and check a file as its kind's command would, writing nothing."""
    checked = Checked(name=path.name)
    labels = None
    if path.suffix.lower() in SPREADSHEETS:
        try:
            sheet = spreadsheet.read_sheet(path, limits, spreadsheet.needs_by_word(session))
        except spreadsheet.SpreadsheetError as error:
            checked.unreadable = error.problems
            return checked
        checked.kind, checked.services = "spreadsheet", sheet.services
        checked.problems = [_sheet_problem(p) for p in sheet.problems]
        labels = [f"row {n}" for n in sheet.rows]
    else:
        try:
            found = reading.read_source(path, limits)
        except reading.SourceError as error:
            checked.unreadable = error.problems
            return checked
        checked.kind, checked.services = found.kind, found.services
    if not checked.services and not checked.problems:
        checked.unreadable = [f"{path.name} holds no services to import."]
        return checked
    checked.report = checks.check_services(session, checked.services, labels)
    checked.problems += checked.report.problems
    return checked


def preview(
    engine: Engine, path: Path, limits: Limits, *, publish: bool, source: str = ""
) -> Checked:
    """Check a file and, if it has no errors, import it in a transaction that is then
    rolled back: what would be created, updated, mapped and found alike, and what the
    matcher would make of it, with nothing saved. `source` names the directory."""
    with engine.connect() as connection:
        outer = connection.begin()
        try:
            # "rollback_only": the import's own commit does not reach the database.
            with Session(bind=connection, join_transaction_mode="rollback_only") as session:
                checked = check(session, path, limits)
                if checked.importable and checked.report is not None:
                    _import(session, checked, publish, source or reading.source_name(path))
        finally:
            outer.rollback()
    return checked


def run(
    session: Session, path: Path, limits: Limits, *, publish: bool, source: str = ""
) -> Checked:
    """Check the file again (the catalogue may have changed) and import it if it has no
    errors; the imported listings are searchable at once."""
    checked = check(session, path, limits)
    if not checked.importable or checked.report is None:
        return checked
    result = _import(session, checked, publish, source or reading.source_name(path))
    search.refresh(session, search.index(), result.changed_ids)
    return checked


def _import(
    session: Session, checked: Checked, publish: bool, source: str
) -> importing.ImportResult:
    assert checked.report is not None
    result = checked.result = importing.import_services(
        session, checked.services, checked.report, publish=publish, source=source
    )
    checked.ready = readiness.check(session, result.changed_ids, result.unmapped)
    return result
