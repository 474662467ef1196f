"""A consistent copy of the database while the site is writing, and its restore into an
empty instance. The search index is not copied: it is rebuilt from the database after a
restore (`flask reindex`), as on any new host.

- SQLite: the online backup API copies a snapshot page by page in one read transaction;
  writers go on meanwhile (WAL), and the copy is checked (`PRAGMA integrity_check`).
- PostgreSQL: `pg_dump --format=custom` (one repeatable-read snapshot), checked with
  `pg_restore --list`; restored with `pg_restore --single-transaction`. The client tools
  must be installed and at least the server's version.

A backup holds personal data (cases, referrals): keep it encrypted, where only the people
who may restore it can read it, and delete it with the retention period in mind.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"


class BackupError(RuntimeError):
    """A backup or restore that could not be made; `str(error)` says what to do."""


@dataclass(frozen=True)
class Copy:
    path: Path
    kind: str  # "sqlite" or "postgresql"
    tables: int
    rows: int | None  # counted in a SQLite copy; None for a dump


def backup(engine: sa.Engine, dest: Path, *, now: datetime | None = None) -> Copy:
    """Copy the database to DEST (a file, or a folder to put a dated file in); never over an
    existing file."""
    kind = _kind(engine)
    if dest.is_dir():
        stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
        dest = dest / f"signpost-{stamp}.{'sqlite' if kind == 'sqlite' else 'dump'}"
    if dest.exists():
        raise BackupError(f"{dest} exists already: choose a new name, nothing was written.")
    if not dest.parent.is_dir():
        raise BackupError(f"There is no folder {dest.parent}: make it first.")
    partial = dest.with_name(dest.name + ".partial")
    # readable by its owner only: a backup holds every case and referral
    partial.touch(mode=0o600)
    partial.chmod(0o600)
    try:
        copy = _sqlite_backup(engine, partial) if kind == "sqlite" else _pg_dump(engine, partial)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.rename(dest)
    return Copy(dest, copy.kind, copy.tables, copy.rows)


def restore(engine: sa.Engine, src: Path) -> Copy:
    """Load a backup into this instance's database, which must be empty (no tables)."""
    if not src.is_file():
        raise BackupError(f"There is no file {src}.")
    with src.open("rb") as file:
        head = file.read(len(SQLITE_MAGIC))
    kind = _kind(engine)
    if head.startswith(SQLITE_MAGIC):
        found = "sqlite"
    elif head.startswith(PG_DUMP_MAGIC):
        found = "postgresql"
    else:
        raise BackupError(f"{src} is not a Signpost backup (neither SQLite nor pg_dump).")
    if found != kind:
        raise BackupError(
            f"{src} is a {found} backup and this instance uses {kind}: restore it into a "
            f"{found} database (to move between them, use export-oruk and import-oruk)."
        )
    tables = sa.inspect(engine).get_table_names()
    if tables:
        raise BackupError(
            f"The database is not empty ({len(tables)} tables): restore only into an empty "
            "database, so nothing in it is lost or mixed. Nothing was changed."
        )
    if kind == "sqlite":
        return _sqlite_restore(engine, src)
    return _pg_restore(engine, src)


def _kind(engine: sa.Engine) -> str:
    name = engine.dialect.name
    if name not in ("sqlite", "postgresql"):
        raise BackupError(f"Backups of {name} databases are not supported.")
    return name


# --- SQLite -------------------------------------------------------------------------------


def _sqlite_path(engine: sa.Engine) -> str:
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupError("This instance's SQLite database is in memory: nothing to copy.")
    return database


def _sqlite_backup(engine: sa.Engine, dest: Path) -> Copy:
    with sqlite3.connect(_sqlite_path(engine), timeout=15) as source:
        target = sqlite3.connect(dest)
        try:
            # pages=-1: the whole database in one step, so one read snapshot; WAL lets the
            # site's writers go on meanwhile.
            source.backup(target, pages=-1)
            # one self-contained file: the copy would otherwise be in WAL mode, like the
            # source, and keep part of itself in files beside it
            target.execute("PRAGMA journal_mode=DELETE")
        finally:
            target.close()
    return _checked_sqlite(dest)


def _checked_sqlite(path: Path) -> Copy:
    with sqlite3.connect(path) as copy:
        verdict = copy.execute("PRAGMA integrity_check").fetchone()[0]
        if verdict != "ok":
            raise BackupError(f"The copy failed its integrity check: {verdict}")
        tables = [
            row[0]
            for row in copy.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        rows = sum(copy.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in tables)
    return Copy(path, "sqlite", len(tables), rows)


def _sqlite_restore(engine: sa.Engine, src: Path) -> Copy:
    checked = _checked_sqlite(src)
    engine.dispose()
    with sqlite3.connect(src) as source, sqlite3.connect(_sqlite_path(engine)) as target:
        source.backup(target, pages=-1)
    return Copy(Path(_sqlite_path(engine)), "sqlite", checked.tables, checked.rows)


# --- PostgreSQL ---------------------------------------------------------------------------


def _libpq_url(engine: sa.Engine) -> str:
    # pg_dump takes a libpq URL without SQLAlchemy's driver name, and without the password,
    # which a command line would show to anyone on the host (ps): that goes in PGPASSWORD.
    return engine.url.set(drivername="postgresql", password=None).render_as_string()


def _pg_environment(engine: sa.Engine) -> dict[str, str]:
    found = dict(os.environ)
    if engine.url.password:
        found["PGPASSWORD"] = str(engine.url.password)
    return found


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not installed: install PostgreSQL's client tools (Debian: "
            "postgresql-client), at least the server's version."
        )
    return found


def _run(command: list[str], env: dict[str, str] | None = None) -> str:
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        # pg_dump's message names the problem; it holds no row data.
        raise BackupError(done.stderr.strip() or f"{Path(command[0]).name} failed.")
    return done.stdout


def _pg_dump(engine: sa.Engine, dest: Path) -> Copy:
    _run(
        [
            _tool("pg_dump"),
            "--format=custom",
            "--no-owner",
            "--no-acl",
            f"--file={dest}",
            f"--dbname={_libpq_url(engine)}",
        ],
        _pg_environment(engine),
    )
    return Copy(dest, "postgresql", _pg_tables(dest), None)


def _pg_tables(dump: Path) -> int:
    listing = _run([_tool("pg_restore"), "--list", str(dump)])
    return sum(1 for line in listing.splitlines() if " TABLE DATA " in line)


def _pg_restore(engine: sa.Engine, src: Path) -> Copy:
    tables = _pg_tables(src)
    engine.dispose()
    _run(
        [
            _tool("pg_restore"),
            "--no-owner",
            "--no-acl",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={_libpq_url(engine)}",
            str(src),
        ],
        _pg_environment(engine),
    )
    return Copy(src, "postgresql", tables, None)
