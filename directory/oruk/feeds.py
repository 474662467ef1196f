"""Following another directory's Open Referral UK feed: register it, sync it, flag what went.

A sync reads the feed's services changed since the start of the last good sync (all of them
the first time, or when asked for a full sync), checks them as any import is checked, and
imports them (directory.oruk.importing): new listings are published when the feed is
trusted, else they wait for review. A listing changed here since the feed last wrote it
(its snapshot differs from the one the feed gave, or an editor's change waits for review)
is not overwritten: it keeps its values, and the feed's change waits as a revision in the
normal review queue, marked as coming from the feed. A full sync flags the services the
feed no longer lists; nothing is deleted. Every sync is recorded, problems in words.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlmodel import Session, col, select

from directory import search
from directory.listings import editing
from directory.models import (
    EntityType,
    Feed,
    FeedListing,
    FeedSync,
    ListingRevision,
    ListingStatus,
    Organisation,
    RevisionStatus,
    Service,
    User,
    utcnow,
)
from directory.oruk import checks, importing, upstream
from directory.oruk.upstream import FeedError

SHOWN_PROBLEMS = 50
Key = tuple[EntityType, uuid.UUID]


class FeedRefused(ValueError):
    """A feed cannot be registered; problems maps each field to a sentence."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(problems.values()))
        self.problems = problems


# --- registering ------------------------------------------------------------------------


def add_feed(session: Session, *, url: str, name: str, trusted: bool) -> Feed:
    """Register a feed to follow; FeedRefused names what is wrong (nothing is saved then)."""
    problems: dict[str, str] = {}
    name = " ".join(name.split())
    if not name:
        problems["name"] = "Give the feed a name, such as Leeds Directory."
    elif len(name) > 200:
        problems["name"] = "The name must be at most 200 characters."
    elif named(session, name) is not None:
        problems["name"] = f"A feed is already called “{name}”: choose another name."
    try:
        base = upstream.base_url(url, allow_private=current_app.config["FEED_ALLOW_PRIVATE"])
    except FeedError as error:
        problems["url"] = str(error) if url.strip() else "Enter the address of the feed's API."
    else:
        if len(base) > 500:
            problems["url"] = "The address must be at most 500 characters."
        elif session.exec(select(Feed).where(Feed.url == base)).first() is not None:
            problems["url"] = f"{base} is followed already."
    if problems:
        raise FeedRefused(problems)
    feed = Feed(name=name, url=base, trusted=trusted)
    session.add(feed)
    session.commit()
    return feed


@dataclass(frozen=True)
class Removed:
    """What stopping following a feed did."""

    name: str
    services: int  # listings it brought, all kept
    organisations: int
    withdrawn: int  # its changes that waited for review, withdrawn

    @property
    def in_words(self) -> str:
        kept = services_and_organisations(self.services, self.organisations)
        said = f"No longer following “{self.name}”. The listings it brought stay ({kept})"
        if self.withdrawn:
            n = self.withdrawn
            said += (
                f"; its {n} change{'' if n == 1 else 's'} waiting for review "
                f"{'was' if n == 1 else 'were'} withdrawn"
            )
        return said + "."


def brought(session: Session, feed_id: uuid.UUID) -> tuple[int, int]:
    """How many services and organisations of this directory the feed has brought."""
    counted = dict(
        session.exec(
            select(FeedListing.entity_type, sa.func.count())
            .where(FeedListing.feed_id == feed_id)
            .group_by(col(FeedListing.entity_type))
        ).all()
    )
    return counted.get(EntityType.SERVICE, 0), counted.get(EntityType.ORGANISATION, 0)


def remove_feed(session: Session, feed: Feed, manager: User | None = None) -> Removed:
    """Stop following a feed. The listings it brought stay, as they are now, as listings
    of this directory; what tied them to it goes: its records of them (so they no longer say
    "From the feed") and its sync history. Its changes still waiting for review are
    withdrawn, each listing keeping this directory's values. Commits."""
    services, organisations = brought(session, feed.id)
    waiting = session.exec(
        select(ListingRevision).where(
            ListingRevision.feed_id == feed.id, ListingRevision.status == RevisionStatus.PENDING
        )
    ).all()
    for revision in waiting:
        revision.status = RevisionStatus.WITHDRAWN
        revision.decided_by = manager.id if manager else None
        revision.decided_at = utcnow()
        revision.comment = f"Withdrawn: {feed.name} is no longer followed."
        session.add(revision)
    session.execute(sa.delete(FeedListing).where(col(FeedListing.feed_id) == feed.id))
    session.execute(sa.delete(FeedSync).where(col(FeedSync.feed_id) == feed.id))
    removed = Removed(feed.name, services, organisations, len(waiting))
    session.delete(feed)
    session.commit()
    return removed


def named(session: Session, name: str) -> Feed | None:
    """The feed of that name (any case), if there is one."""
    wanted = " ".join(name.split()).casefold()
    return next((f for f in all_feeds(session) if f.name.casefold() == wanted), None)


def all_feeds(session: Session) -> list[Feed]:
    return list(session.exec(select(Feed).order_by(col(Feed.name))).all())


@dataclass
class FeedState:
    """A feed as its page shows it: its recent syncs and the listings it no longer lists."""

    feed: Feed
    syncs: list[FeedSync]
    gone: list[Service]
    services: int  # how many listings came from it: services, and organisations
    organisations: int

    @property
    def listings_in_words(self) -> str:
        """ "192 services and 50 organisations"."""
        return services_and_organisations(self.services, self.organisations)

    @property
    def last(self) -> FeedSync | None:
        return self.syncs[0] if self.syncs else None

    @staticmethod
    def did_not_finish(run: FeedSync) -> bool:
        return did_not_finish(run)


def states(session: Session, recent: int = 5) -> list[FeedState]:
    """Every feed with its last few syncs (newest first) and its gone listings."""
    found = []
    for feed in all_feeds(session):
        syncs = session.exec(
            select(FeedSync)
            .where(FeedSync.feed_id == feed.id)
            .order_by(col(FeedSync.started_at).desc())
            .limit(recent)
        ).all()
        services, organisations = brought(session, feed.id)
        found.append(
            FeedState(
                feed,
                list(syncs),
                gone_services(session, feed.id),
                services,
                organisations,
            )
        )
    return found


def services_and_organisations(services: int, organisations: int) -> str:
    """ "192 services and 50 organisations", "1 service", "no listings"."""
    parts = [
        f"{n} {word}{'' if n == 1 else 's'}"
        for n, word in ((services, "service"), (organisations, "organisation"))
        if n
    ]
    return " and ".join(parts) or "no listings"


def sync_in_words(run: FeedSync) -> str:
    """What a good sync did: "192 services and 50 organisations new, 0 updated, ..."."""
    new = services_and_organisations(run.created, run.organisations_created)
    updated = services_and_organisations(run.updated, run.organisations_updated)
    return (
        f"{'nothing' if new == 'no listings' else new} new, "
        f"{'nothing' if updated == 'no listings' else updated} updated, "
        f"{run.held} held for review, {run.gone} gone from the feed"
    )


def gone_services(session: Session, feed_id: uuid.UUID) -> list[Service]:
    """The feed's services that its last full sync no longer listed (archived ones aside)."""
    ids = session.exec(
        select(FeedListing.entity_id).where(
            FeedListing.feed_id == feed_id,
            FeedListing.entity_type == EntityType.SERVICE,
            col(FeedListing.gone_since).is_not(None),
        )
    ).all()
    if not ids:
        return []
    return list(
        session.exec(
            select(Service)
            .where(col(Service.id).in_(ids), Service.status != ListingStatus.ARCHIVED)
            .order_by(col(Service.name))
        ).all()
    )


@dataclass(frozen=True)
class Origin:
    """Where a listing came from, for its page."""

    feed: Feed
    listing: FeedListing


def origin(session: Session, entity_type: EntityType, entity_id: uuid.UUID) -> Origin | None:
    """The feed a listing came from, and what the feed last said of it."""
    found = session.exec(
        select(FeedListing).where(
            FeedListing.entity_type == entity_type, FeedListing.entity_id == entity_id
        )
    ).first()
    feed = session.get(Feed, found.feed_id) if found else None
    return Origin(feed, found) if feed and found else None


# --- syncing ----------------------------------------------------------------------------


def last_good_sync(session: Session, feed_id: uuid.UUID) -> FeedSync | None:
    """The last sync that imported every record it read: the next reads changes since its
    start. (A record skipped for its errors is read again until it is imported, even if the
    feed does not change it: the error may have been ours, such as an unknown postcode.)"""
    return session.exec(
        select(FeedSync)
        .where(
            FeedSync.feed_id == feed_id,
            FeedSync.succeeded == True,  # noqa: E712
            FeedSync.skipped == 0,
        )
        .order_by(col(FeedSync.started_at).desc())
    ).first()


def sync(session: Session, feed: Feed, *, full: bool = False) -> FeedSync:
    """Bring the listings from feed up to date; returns the record of this sync.

    Reads only the services changed since the last good sync started, unless full (or there
    was none). A feed that cannot be read changes nothing; the record says why.
    """
    last = None if full else last_good_sync(session, feed.id)
    run = FeedSync(feed_id=feed.id, modified_after=last.started_at if last else None)
    session.add(run)
    session.commit()
    try:
        fetched = upstream.read_services(
            feed.url,
            modified_after=run.modified_after,
            limits=limits(),
        )
    except FeedError as error:
        return _finish(session, run, [str(error)], succeeded=False)
    try:
        outcome = _in_one_transaction(session, feed.id, fetched, whole=run.modified_after is None)
    except Exception as error:  # a cron job's record must say what happened, in words
        session.rollback()
        current_app.logger.exception("Sync of the feed %s failed", feed.name)
        said = (str(error).splitlines() or [type(error).__name__])[0][:300]
        return _finish(session, run, [f"The import failed, so nothing was changed: {said}"])
    session.expire_all()
    _refresh_search(session, outcome.refresh)
    run.created, run.updated, run.held, run.gone = (
        outcome.created,
        outcome.updated,
        outcome.held,
        outcome.gone,
    )
    run.skipped = outcome.skipped
    run.organisations_created = outcome.organisations_created
    run.organisations_updated = outcome.organisations_updated
    return _finish(session, run, outcome.problems, succeeded=True)


def limits() -> upstream.Limits:
    """A sync's limits, from the settings."""
    config = current_app.config
    return upstream.Limits(
        timeout=config["FEED_TIMEOUT"],
        max_bytes=config["IMPORT_MAX_BYTES"],
        total_seconds=config["FEED_DEADLINE"],
        total_bytes=config["FEED_MAX_BYTES"],
        allow_private=config["FEED_ALLOW_PRIVATE"],
    )


def did_not_finish(run: FeedSync) -> bool:
    """A sync still marked running long after its deadline: its process was stopped (the
    deadline, and a generous allowance for the import, are long past)."""
    if run.finished_at is not None:
        return False
    allowed = current_app.config["FEED_DEADLINE"] + 600
    started = run.started_at
    if started.tzinfo is None:  # SQLite keeps UTC without its zone
        started = started.replace(tzinfo=UTC)
    return (utcnow() - started).total_seconds() > allowed


def _finish(
    session: Session, run: FeedSync, problems: list[str], succeeded: bool = False
) -> FeedSync:
    if len(problems) > SHOWN_PROBLEMS:
        problems = [*problems[:SHOWN_PROBLEMS], f"… and {len(problems) - SHOWN_PROBLEMS} more."]
    run.problems = problems
    run.succeeded = succeeded
    run.finished_at = utcnow()
    session.add(run)
    session.commit()
    return run


@dataclass
class _Outcome:
    created: int = 0  # services
    updated: int = 0
    organisations_created: int = 0
    organisations_updated: int = 0
    held: int = 0
    gone: int = 0
    skipped: int = 0
    problems: list[str] = field(default_factory=list)
    refresh: list[uuid.UUID] = field(default_factory=list)  # listings search must re-read


def _in_one_transaction(
    session: Session, feed_id: uuid.UUID, fetched: upstream.Fetched, whole: bool
) -> _Outcome:
    """Import, keep local work and flag what went, all committed at once or not at all.

    The importer commits as it goes; here its commits only release savepoints inside one
    transaction, so that nobody ever sees the feed's values on a listing changed here, not
    even for the moment before they are put back.
    """
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, sa.Connection) else bind
    with (
        engine.connect() as connection,
        connection.begin(),
        Session(bind=connection, join_transaction_mode="create_savepoint") as inner,
    ):
        if connection.dialect.name == "sqlite":
            # pysqlite begins lazily; a SAVEPOINT outside a transaction would be the outermost
            # one, and releasing it would commit. Begin now, and take the write lock at once.
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        feed = inner.get(Feed, feed_id)
        assert feed is not None  # the caller holds it
        outcome = _follow(inner, feed, fetched.services)
        if whole:
            outcome.gone = flag_gone(inner, feed, fetched.listed)
    return outcome


def _follow(session: Session, feed: Feed, services: list[importing.Json]) -> _Outcome:
    """Import the feed's services, keeping what was changed here (see the module's notes)."""
    outcome = _Outcome()
    report = checks.check_services(session, services)
    outcome.problems = [f"Not imported: {p}" for p in report.errors]
    good = [s for i, s in enumerate(services) if not report.has_errors(i)]
    outcome.skipped = len(services) - len(good)
    if not good:
        return outcome
    keys = _keys(good)
    before = _Before.read(session, feed, keys)
    result = importing.import_services(
        session,
        services,
        report,
        publish=feed.trusted,
        source=feed.name,
        directory_area=importing.area_of_services(session, _brought(feed)),
    )
    session.expire_all()
    imported = set(result.changed_ids)
    for key, listing in _load_all(session, keys).items():
        if key[0] == EntityType.SERVICE and key[1] not in imported:
            continue
        version = listing.version
        settled = _settle(session, feed, listing, before)
        organisation = key[0] == EntityType.ORGANISATION
        if settled == "created":
            outcome.organisations_created += organisation
            outcome.created += not organisation
        elif settled == "updated":
            outcome.organisations_updated += organisation
            outcome.updated += not organisation
        elif settled == "held":
            outcome.held += 1
        # the importer may change what search reads beyond the snapshot (keywords)
        if settled != "unchanged" or version != before.existing.get(key, (None, version))[1]:
            outcome.refresh.append(listing.id)
    session.commit()
    return outcome


def _brought(feed: Feed) -> Any:
    """A query of the ids of the services the feed has brought."""
    return select(FeedListing.entity_id).where(
        FeedListing.feed_id == feed.id, FeedListing.entity_type == EntityType.SERVICE
    )


def _load_all(session: Session, keys: list[Key]) -> dict[Key, editing.Listing]:
    """The listings of these keys that exist, each loaded for its snapshot, in key order."""
    found: dict[Key, editing.Listing] = {}
    for kind in (EntityType.ORGANISATION, EntityType.SERVICE):
        loaded = editing.load_many(session, kind, [k[1] for k in keys if k[0] == kind])
        found.update(((kind, i), listing) for i, listing in loaded.items())
    return {key: found[key] for key in keys if key in found}


def _keys(services: list[importing.Json]) -> list[Key]:
    """The listings a feed's services write: each service and its organisation, once."""
    keys: dict[Key, None] = {}
    for record in services:
        org = record.get("organization")
        org_id = org.get("id") if isinstance(org, dict) else record.get("organization_id")
        try:
            keys[(EntityType.ORGANISATION, uuid.UUID(str(org_id)))] = None
            keys[(EntityType.SERVICE, uuid.UUID(str(record["id"])))] = None
        except ValueError:
            continue  # the check refused it
    return list(keys)


@dataclass
class _Before:
    """The listings a sync will write, as they were here before it."""

    held: dict[Key, editing.Snapshot]  # changed here: their snapshot now, to be kept
    unknown_routes: set[Key]  # of those, services whose routes nobody has said (not "none")
    existing: dict[Key, tuple[Any, int]]  # status and version of each listing already here
    records: dict[Key, FeedListing]

    @classmethod
    def read(cls, session: Session, feed: Feed, keys: list[Key]) -> _Before:
        records = {
            (r.entity_type, r.entity_id): r
            for r in session.exec(
                select(FeedListing).where(col(FeedListing.entity_id).in_([k[1] for k in keys]))
            ).all()
        }
        waiting = _waiting_edits(session, [k[1] for k in keys])
        held, existing = {}, {}
        unknown: set[Key] = set()
        for key, listing in _load_all(session, keys).items():
            existing[key] = (listing.status, listing.version)
            now = editing.snapshot(listing)
            record = records.get(key)
            # Not from this feed, changed since the feed wrote it, or an edit waits: local work.
            if (
                record is None
                or record.feed_id != feed.id
                or editing.diff(now, record.synced)
                or key[1] in waiting
            ):
                held[key] = now
                if isinstance(listing, Service) and not listing.routes_known:
                    unknown.add(key)
        return cls(held, unknown, existing, records)


def _waiting_edits(session: Session, ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Listings with an editor's change waiting for review."""
    found = session.exec(
        select(ListingRevision.entity_id).where(
            col(ListingRevision.entity_id).in_(ids),
            ListingRevision.status == RevisionStatus.PENDING,
            col(ListingRevision.feed_id).is_(None),
        )
    ).all()
    return set(found)


def _settle(session: Session, feed: Feed, listing: editing.Listing, before: _Before) -> str:
    """After the import: keep local work (the feed's change waits as a revision), record the
    rest in the history; returns created, updated, held or unchanged."""
    key = (editing.entity_type_of(listing), listing.id)
    theirs = editing.snapshot(listing)
    record = before.records.get(key) or FeedListing(
        feed_id=feed.id, entity_type=key[0], entity_id=key[1]
    )
    previous = dict(record.synced) if record.feed_id == feed.id else {}
    record.feed_id, record.synced, record.synced_at = feed.id, theirs, utcnow()
    record.gone_since = None
    session.add(record)
    if key not in before.existing:
        _history(session, feed, listing, "created", {}, theirs, "New listing from the feed.")
        return "created"
    status, version = before.existing[key]
    if listing.status != status and listing.status != ListingStatus.ARCHIVED:
        listing.status = status  # publishing or holding a listing is decided here
    mine = before.held.get(key)
    if mine is not None:
        held = _hold(session, feed, listing, mine, previous, theirs, version)
        if key in before.unknown_routes and isinstance(listing, Service):
            # the snapshot's [] means "not known" here, not "no way in": keep it unknown
            listing.routes_known = bool(listing.referral_routes)
        return held
    changed = editing.diff(previous, theirs)
    if not changed:
        return "unchanged"
    listing.version = max(listing.version, version + 1)
    _history(
        session,
        feed,
        listing,
        "feed",
        {n: previous[n] for n in changed},
        {n: theirs[n] for n in changed},
        "Updated from the feed: not changed here since the feed last wrote it.",
    )
    return "updated"


def _hold(
    session: Session,
    feed: Feed,
    listing: editing.Listing,
    mine: editing.Snapshot,
    previous: editing.Snapshot,
    theirs: editing.Snapshot,
    version: int,
) -> str:
    """Put the local values back; send what the feed changed for review (all it differs in,
    when the feed never wrote this listing), never a revert of a change made here."""
    different = editing.diff(mine, theirs)
    if different:
        editing.apply(session, listing, {n: mine[n] for n in different})
    olders = session.exec(
        select(ListingRevision).where(
            ListingRevision.entity_id == listing.id,
            ListingRevision.feed_id == feed.id,
            ListingRevision.status == RevisionStatus.PENDING,
        )
    ).all()
    # what the feed changed now, and what it changed before that still waits
    waiting = {name for older in olders for name in older.proposed}
    proposed = [
        n for n in different if n in waiting or n not in previous or previous[n] != theirs[n]
    ]
    feed_changed = not previous or bool(editing.diff(previous, theirs))
    if not proposed or not feed_changed:
        return "unchanged"
    listing.version = max(listing.version, version) + 1
    listing.updated_at = utcnow()
    for older in olders:
        older.status = RevisionStatus.WITHDRAWN
        older.decided_at = utcnow()
        older.comment = "Replaced by a newer change from the feed."
        session.add(older)
    session.add(
        ListingRevision(
            entity_type=editing.entity_type_of(listing),
            entity_id=listing.id,
            organization_id=listing.id
            if isinstance(listing, Organisation)
            else listing.organization_id,
            base_version=listing.version,
            proposed={n: theirs[n] for n in proposed},
            before={n: mine[n] for n in proposed},
            author_id=None,
            feed_id=feed.id,
        )
    )
    return "held"


def _history(
    session: Session,
    feed: Feed,
    listing: editing.Listing,
    action: str,
    before: dict[str, Any],
    after: dict[str, Any],
    note: str,
) -> None:
    editing.record(
        session,
        user=None,
        actor=f"the feed {feed.name}"[:254],
        listing=listing,
        action=action,
        before=before,
        after=after,
        version=listing.version,
        note=note,
    )


def _refresh_search(session: Session, listing_ids: list[uuid.UUID]) -> None:
    """Search re-reads the services synced, and those of the organisations synced (an
    organisation's name is searched with its services)."""
    if not listing_ids:
        return
    ids = set(listing_ids)
    ids |= set(session.exec(select(Service.id).where(col(Service.organization_id).in_(ids))).all())
    search.refresh(session, search.index(), sorted(ids))


def flag_gone(session: Session, feed: Feed, listed: set[str]) -> int:
    """Flag the feed's services its complete list no longer holds (never delete them), clear
    the flag on those it lists again; returns how many were newly flagged."""
    newly = 0
    for record in session.exec(
        select(FeedListing).where(
            FeedListing.feed_id == feed.id, FeedListing.entity_type == EntityType.SERVICE
        )
    ).all():
        if str(record.entity_id) in listed:
            record.gone_since = None
        elif record.gone_since is None:
            record.gone_since = utcnow()
            newly += 1
        session.add(record)
    session.commit()
    return newly
