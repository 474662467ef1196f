"""The catalogue's change log: what every committed transaction changed, numbered in commit
order, for each host's search index (and the matcher's catalogue) to follow.

    seq = changes.latest(session)                 # one indexed query
    latest, ids = changes.since(session, seq)     # ids None: rebuild everything

No write path has to remember it. Session events note what a transaction changes:
- before_flush: every catalogue row the ORM adds, changes or deletes;
- do_orm_execute: UPDATE, DELETE and INSERT statements run on a session (bulk writes), by
  the rows they match before they run and the owners they set;
- the connection's commit: one entry per service, organisation, place or need touched,
  written in the same transaction just before it commits (a rolled-back edit leaves none;
  a session joined to a transaction begun outside it writes when that one commits). On PostgreSQL a
  transaction lock is taken first and held to the commit, so numbers are handed out in the
  order transactions commit: a follower that has read entry 12 never later meets an 11.
  `pg_notify` in the same transaction wakes every follower as it commits.

Writes that go round the session (`session.connection().execute(...)`, raw SQL, a
migration that changes rows) are not seen: call `record` for them, or rebuild.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, UOWTransaction, attributes
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session

from directory.models import CatalogueChange, Contact, ServiceAtLocation, ServiceTaxonomyTerm
from directory.models import Service as ServiceRow
from directory.models.base import utcnow

CHANNEL = "signpost_catalogue"  # what PostgreSQL's NOTIFY calls out on each commit
# Any fixed number, the same in every process: the lock that orders the entries' numbers.
ORDER_LOCK = 0x5167_706F_7374
KEEP_FOR = timedelta(days=7)  # a host further behind than this rebuilds its index
PENDING = "signpost.catalogue_changes"  # session.info: what this transaction changed
CHUNK = 500  # ids in one IN (...) list

SERVICE, ORGANISATION, LOCATION, NEED = "service", "organisation", "location", "need"
VOCABULARY, EVERYTHING = "vocabulary", "everything"
CONTACT = "contact"  # only while a transaction is open: becomes its service's entry

# the tables of a service's own parts
SERVICE_PARTS = (
    "service_at_location",
    "schedule",
    "closure",
    "cost_option",
    "service_area",
    "language",
    "contact",
    "service_taxonomy_term",
    "service_foreign_term",
)
# Which columns of each catalogue table name what a row belongs to, and as what. A table not
# listed here is not in the catalogue (accounts, history, logs, feeds' bookkeeping).
OWNERS: dict[str, tuple[tuple[str | None, str], ...]] = {
    "service": (("id", SERVICE),),
    "organization": (("id", ORGANISATION),),
    "location": (("id", LOCATION),),
    "accessibility": (("location_id", LOCATION),),
    "taxonomy_term": (("id", NEED),),
    "search_phrase": ((None, VOCABULARY),),
    "phone": (("organization_id", ORGANISATION), ("contact_id", CONTACT)),
    **dict.fromkeys(SERVICE_PARTS, (("service_id", SERVICE),)),
}

Key = tuple[str, uuid.UUID | None]


def latest(session: Session) -> int:
    """The number of the newest entry (0 for none): what a fresh build has seen."""
    table = CatalogueChange.__table__  # type: ignore[attr-defined]
    found = session.connection().execute(sa.select(sa.func.max(table.c.seq))).scalar()
    return int(found or 0)


def latest_part() -> Any:
    """The newest entry's number as one part of a held value's generation (db.generation):
    any logged change moves it, whatever the counts and times of the tables say."""
    table = CatalogueChange.__table__  # type: ignore[attr-defined]
    return sa.select(sa.func.max(table.c.seq)).scalar_subquery()


def since(session: Session, seq: int) -> tuple[int, set[uuid.UUID] | None]:
    """The newest entry's number and the services changed after entry `seq` up to it; None
    for "everything may have changed": the log says so, it was pruned past `seq`, or it is
    behind `seq` (another database, or one restored from a backup)."""
    newest = latest(session)
    if seq == newest:
        return newest, set()
    table = CatalogueChange.__table__  # type: ignore[attr-defined]
    connection = session.connection()
    oldest = connection.execute(sa.select(sa.func.min(table.c.seq))).scalar()
    if seq > newest or oldest is None or oldest > seq + 1:
        return newest, None
    rows = connection.execute(
        sa.select(table.c.scope, table.c.subject_id)
        .where(table.c.seq > seq, table.c.seq <= newest)
        .distinct()
    ).all()
    by_scope: dict[str, set[uuid.UUID]] = {}
    for scope, subject in rows:
        if scope == EVERYTHING:
            return newest, None
        if subject is not None:
            by_scope.setdefault(scope, set()).add(subject)
    return newest, services_of(session, by_scope)


def services_of(session: Session, by_scope: dict[str, set[uuid.UUID]]) -> set[uuid.UUID]:
    """The services that entries name: themselves, or those of an organisation, at a place,
    or meeting a need (as linked now; a link removed was its service's own entry)."""
    found = set(by_scope.get(SERVICE, ()))
    through: list[tuple[str, Any, Any]] = [
        (ORGANISATION, ServiceRow.__table__.c.id, ServiceRow.__table__.c.organization_id),  # type: ignore[attr-defined]
        (
            LOCATION,
            _column(ServiceAtLocation, "service_id"),
            _column(ServiceAtLocation, "location_id"),
        ),
        (
            NEED,
            _column(ServiceTaxonomyTerm, "service_id"),
            _column(ServiceTaxonomyTerm, "taxonomy_term_id"),
        ),
    ]
    connection = session.connection()
    for scope, service_id, owner in through:
        for chunk in _chunks(sorted(by_scope.get(scope, ()))):
            found.update(
                connection.execute(sa.select(service_id).where(owner.in_(chunk))).scalars()
            )
    return found


def record(session: Session, scope: str, subjects: Iterable[uuid.UUID | None] = (None,)) -> None:
    """Note a change the session events cannot see (the caller commits): for a write made
    round the session. `record(session, EVERYTHING)` makes every host rebuild."""
    _pending(session).update((scope, s) for s in subjects)


def prune(session: Session, now: datetime | None = None) -> int:
    """Drop entries older than KEEP_FOR, but never the newest (its number is what `latest`
    says); how many went. Any host may do it: a host further behind rebuilds."""
    table = CatalogueChange.__table__  # type: ignore[attr-defined]
    cutoff = (now or utcnow()) - KEEP_FOR
    newest = sa.select(sa.func.max(table.c.seq)).scalar_subquery()
    result = session.connection().execute(
        sa.delete(table).where(table.c.changed_at < cutoff, table.c.seq < newest)
    )
    session.commit()
    return int(result.rowcount or 0)


# --- waiting for a change ------------------------------------------------------------------


@contextmanager
def listening(engine: sa.Engine) -> Iterator[Callable[[float], bool]]:
    """`wait(seconds)`: True as soon as a commit has changed the catalogue (PostgreSQL's
    LISTEN, on a connection of its own), or False when the time is up without word (always,
    on SQLite: the caller looks for itself)."""
    if engine.dialect.name != "postgresql":
        yield _no_word
        return
    import psycopg

    address = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(address, autocommit=True) as connection:
        connection.execute(f"LISTEN {CHANNEL}")

        def wait(seconds: float) -> bool:
            woken = any(True for _ in connection.notifies(timeout=seconds, stop_after=1))
            if woken:  # one catch-up answers every notice that came meanwhile
                for _ in connection.notifies(timeout=0.001):
                    pass
            return woken

        yield wait


def _no_word(seconds: float) -> bool:
    import time

    time.sleep(seconds)
    return False


# --- the session events ----------------------------------------------------------------------


def _pending(session: OrmSession) -> set[Key]:
    """What the transaction of the session's connection has changed so far. Kept with the
    connection, not the session: a session joined to a transaction begun outside it (a
    feed's sync) commits only a savepoint, and the entries wait for the real commit."""
    found: set[Key] = session.connection().info.setdefault(PENDING, set())
    return found


def _keys_of_row(table_name: str, value_of: Callable[[str], Iterable[Any]]) -> Iterator[Key]:
    for column, scope in OWNERS.get(table_name, ()):
        if column is None:
            yield scope, None
            continue
        for value in value_of(column):
            if value is not None:
                yield scope, value


def _keys_in(table_name: str, values: Mapping[str, Any]) -> Iterator[Key]:
    """What a row given as column -> value belongs to."""
    return _keys_of_row(table_name, lambda column: [values.get(column)])


def _before_flush(session: OrmSession, _flush: UOWTransaction, _instances: Any) -> None:
    found: set[Key] = set()
    for rows, moved in ((session.new, False), (session.dirty, True), (session.deleted, False)):
        for row in rows:
            table = getattr(type(row), "__tablename__", None)
            if table in OWNERS:
                found.update(_keys_of_row(str(table), _owners(row, moved)))
    if found:
        _pending(session).update(found)


def _owners(row: Any, moved: bool) -> Callable[[str], list[Any]]:
    """A row's owner in a column: and, for a changed row that moved, the one it left."""

    def now_and_before(column: str) -> list[Any]:
        if not moved:
            return [getattr(row, column, None)]
        history = attributes.get_history(row, column)
        return [*history.added, *history.unchanged, *history.deleted] or [
            getattr(row, column, None)
        ]

    return now_and_before


def _on_execute(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    statement: Any = state.statement
    table = statement.table
    if table.name not in OWNERS:
        return
    pending = _pending(state.session)
    set_values = {
        getattr(k, "key", k): getattr(v, "value", v)
        for k, v in (getattr(statement, "_values", None) or {}).items()
    }
    if state.is_insert:
        given: Any = state.parameters
        rows: list[Mapping[str, Any]] = list(given) if isinstance(given, list) else [given or {}]
        rows.append(set_values)
        for row in rows:
            if not row:
                continue
            keys = list(_keys_in(table.name, row))
            if not keys and any(c for c, _ in OWNERS[table.name]):
                pending.add((EVERYTHING, None))  # a row whose owner the statement does not say
            pending.update(keys)
        return
    if statement.whereclause is None:
        pending.add((EVERYTHING, None))  # every row of a catalogue table
        return
    columns = [c for c, _ in OWNERS[table.name] if c is not None]
    if columns:
        with state.session.no_autoflush:
            matched = state.session.execute(
                sa.select(*(table.c[c] for c in columns)).where(statement.whereclause)
            ).all()
        for found in matched:
            pending.update(_keys_in(table.name, dict(zip(columns, found, strict=True))))
    # an UPDATE that moves rows to another owner changes the new owner too (and a table
    # with no owner column, the vocabulary's phrases, names itself)
    pending.update(_keys_in(table.name, set_values))


def _on_commit(connection: sa.Connection) -> None:
    """Just before a transaction commits: its entries, numbered in commit order."""
    pending = connection.info.pop(PENDING, None)
    if not pending:
        return
    keys = _without_contacts(connection, pending)
    if (EVERYTHING, None) in keys:
        keys = {(EVERYTHING, None)}
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        # Held from here to the commit (a moment): entries get their numbers in the order
        # their transactions commit. (SQLite writes one transaction at a time anyway.)
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": ORDER_LOCK})
    now = utcnow()
    table = CatalogueChange.__table__  # type: ignore[attr-defined]
    connection.execute(
        sa.insert(table),
        [
            {"changed_at": now, "scope": scope, "subject_id": subject}
            for scope, subject in sorted(keys, key=lambda k: (k[0], str(k[1])))
        ],
    )
    if postgres:
        connection.execute(sa.text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})


def _without_contacts(connection: sa.Connection, pending: set[Key]) -> set[Key]:
    """A contact's phone is its service's: name the service."""
    contacts = sorted({s for scope, s in pending if scope == CONTACT}, key=str)
    keys = {k for k in pending if k[0] != CONTACT}
    table = Contact.__table__  # type: ignore[attr-defined]
    for chunk in _chunks(contacts):
        owners = connection.execute(
            sa.select(table.c.service_id).where(table.c.id.in_(chunk))
        ).scalars()
        keys.update((SERVICE, s) for s in owners if s is not None)
    return keys


def _forget(connection: sa.Connection) -> None:
    connection.info.pop(PENDING, None)  # rolled back: nothing changed


def _forget_on_return(_dbapi_connection: Any, record: Any, _state: Any = None) -> None:
    record.info.pop(PENDING, None)  # back in the pool, its transaction over either way


def _column(model: Any, name: str) -> Any:
    return model.__table__.c[name]


def _chunks(items: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def listen() -> None:
    """Attach the events to every session and engine (done once, when this module loads)."""
    attached: tuple[tuple[Any, str, Callable[..., Any]], ...] = (
        (OrmSession, "before_flush", _before_flush),
        (OrmSession, "do_orm_execute", _on_execute),
        (sa.Engine, "commit", _on_commit),
        (sa.Engine, "rollback", _forget),
        (sa.pool.Pool, "reset", _forget_on_return),
    )
    for target, name, handler in attached:
        if not event.contains(target, name, handler):
            event.listen(target, name, handler)


listen()
