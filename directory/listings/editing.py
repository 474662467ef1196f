"""Changing listings safely: field-by-field diffs, version checks, review, history.

A listing (an organisation or a service) is read as a flat snapshot (directory.listings.snapshots):
a dict of the fields an editor can change, in plain JSON values. Every change is a diff of
two snapshots. It goes live through `bump`, an UPDATE ... WHERE version = :base that
refuses a change based on an old version even when two saves race; every change
that goes live writes one `ListingChange`. An editor's change to a published listing
waits as a `ListingRevision` until a manager approves it (capacity goes live at once).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from directory import clock, search
from directory.accounts.permissions import Action, can
from directory.listings.snapshots import (  # noqa: F401  (load and snapshot: views and tests use them)
    LEGACY_SERVICE_LABELS,
    ORGANISATION_FIELDS,
    SERVICE_FIELDS,
    Listing,
    Snapshot,
    apply,
    diff,
    field_changes,
    load,
    load_many,
    load_organisation,
    load_service,
    snapshot,
    upgrade,
)
from directory.models import (
    EntityType,
    Feed,
    ListingChange,
    ListingRevision,
    ListingStatus,
    Organisation,
    RevisionStatus,
    Service,
    User,
    utcnow,
)

# A check in the history: someone said the listing is right on a day (last_verified moved).
CHECKED = "confirmed"
APPROVAL_IS_A_CHECK = "A manager approved a change, so the listing counts as checked today."

# Urgent and low risk: an editor's capacity change goes live at once, without review.
IMMEDIATE_FIELDS = frozenset({"capacity", "waiting_weeks"})


class VersionConflict(Exception):
    """Someone else changed the listing since the version this change was based on."""


@dataclass
class FieldConflict:
    """A field someone else changed since you started: theirs, and what you entered."""

    name: str
    label: str
    theirs: Any
    yours: Any
    by: str
    at: datetime


@dataclass
class Outcome:
    """What became of a save: saved (live), pending (waits for review), unchanged, conflict."""

    status: str
    changed: list[str] = field(default_factory=list)
    revision: ListingRevision | None = None
    conflicts: list[FieldConflict] = field(default_factory=list)


def entity_type_of(listing: Listing) -> EntityType:
    return EntityType.ORGANISATION if isinstance(listing, Organisation) else EntityType.SERVICE


def labels_for(entity_type: EntityType) -> dict[str, str]:
    """The field names and labels of a kind of listing, in form order."""
    return ORGANISATION_FIELDS if entity_type == EntityType.ORGANISATION else SERVICE_FIELDS


def history_label(entity_type: EntityType, name: str) -> str:
    """A field's label in the history, including fields that old entries still carry."""
    labels = labels_for(entity_type)
    return labels.get(name) or LEGACY_SERVICE_LABELS.get(name, name)


# --- going live, with the version check and the history --------------------------------


def bump(session: Session, listing: Listing, base_version: int) -> int:
    """Raise the version from base_version, or refuse: holds when two saves race."""
    model = type(listing)
    result = session.exec(
        sa.update(model)
        .where(model.id == listing.id, model.version == base_version)  # type: ignore[arg-type]
        .values(version=base_version + 1)
    )
    if result.rowcount != 1:
        session.rollback()
        raise VersionConflict
    return base_version + 1


def record(
    session: Session,
    *,
    user: User | None,
    actor: str,
    listing: Listing,
    action: str,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    version: int | None,
    note: str = "",
) -> ListingChange:
    """Add one entry to a listing's history (the caller commits)."""
    change = ListingChange(
        user_id=user.id if user else None,
        actor=actor,
        entity_type=entity_type_of(listing),
        entity_id=listing.id,
        action=action,
        version=version,
        before=dict(before),
        after=dict(after),
        note=note,
    )
    session.add(change)
    return change


def mark_checked(
    session: Session,
    listing: Listing,
    *,
    user: User | None,
    actor: str,
    today: date | None = None,
    note: str = "",
) -> None:
    """Record that a listing was checked today: last_verified moves, the history says so
    (its version and updated_at stay; the caller commits)."""
    today = today or clock.today()
    before = listing.last_verified
    model = type(listing)
    values: dict[str, object] = {"last_verified": today, "updated_at": model.updated_at}
    if isinstance(listing, Service):
        values["checked_source"] = ""  # checked here now: no longer the date a feed gave
    session.exec(
        sa.update(model).where(model.id == listing.id).values(**values)  # type: ignore[arg-type]
    )
    set_committed_value(listing, "last_verified", today)
    if isinstance(listing, Service):
        set_committed_value(listing, "checked_source", "")
    record(
        session,
        user=user,
        actor=actor,
        listing=listing,
        action=CHECKED,
        before={"last_verified": before.isoformat() if before else None},
        after={"last_verified": today.isoformat()},
        version=None,
        note=note,
    )


def _go_live(
    session: Session,
    listing: Listing,
    base_version: int,
    values: Mapping[str, Any],
    *,
    user: User,
    action: str,
    note: str = "",
    checked: bool = False,
) -> list[str]:
    """Apply values under the version check, write the history (and, if checked, a check),
    commit, refresh search."""
    changed = take_values(
        session,
        listing,
        base_version,
        values,
        user=user,
        actor=user.email,
        action=action,
        note=note,
    )
    if not changed:
        return []
    if checked:
        mark_checked(session, listing, user=user, actor=user.email, note=APPROVAL_IS_A_CHECK)
    session.commit()
    # Only this listing changed: a shared place that was edited became this service's own.
    refresh_search(session, listing)
    return changed


def take_values(
    session: Session,
    listing: Listing,
    base_version: int,
    values: Mapping[str, Any],
    *,
    user: User | None,
    actor: str,
    action: str,
    note: str = "",
) -> list[str]:
    """Apply the values that differ under the version check (VersionConflict, everything
    rolled back, if the listing moved on from base_version) and write one history entry;
    the names changed. The caller commits and refreshes search."""
    before = snapshot(listing)
    changed = diff(before, values)
    if not changed:
        return []
    version = bump(session, listing, base_version)
    apply(session, listing, {name: values[name] for name in changed})
    listing.version = version
    listing.updated_at = utcnow()
    record(
        session,
        user=user,
        actor=actor,
        listing=listing,
        action=action,
        before={n: before[n] for n in changed},
        after={n: values[n] for n in changed},
        version=version,
        note=note,
    )
    return changed


def refresh_search(session: Session, listing: Listing) -> None:
    """Bring the public search up to date with a changed listing."""
    if isinstance(listing, Organisation):
        org_id = listing.id if isinstance(listing, Organisation) else listing.organization_id
        search.refresh_organisation(session, search.index(), org_id)
    else:
        search.refresh(session, search.index(), [listing.id])


def conflicts_since(
    session: Session, listing: Listing, base_version: int, yours: Mapping[str, Any]
) -> list[FieldConflict]:
    """The fields others changed after base_version, with their values and yours."""
    changes = session.exec(
        select(ListingChange)
        .where(
            ListingChange.entity_id == listing.id,
            ListingChange.version > base_version,  # type: ignore[operator]
        )
        .order_by(ListingChange.changed_at)  # type: ignore[arg-type]
    ).all()
    labels = labels_for(entity_type_of(listing))
    found: dict[str, FieldConflict] = {}
    for change in changes:
        for name, value in change.after.items():
            if name in labels:
                found[name] = FieldConflict(
                    name, labels[name], value, yours.get(name), change.actor, change.changed_at
                )
    return [found[name] for name in labels if name in found]


def save(
    session: Session, user: User, listing: Listing, base_version: int, values: Mapping[str, Any]
) -> Outcome:
    """Save an edit made on base_version: live, pending review, unchanged, or a conflict.

    Managers' edits go live. An editor's edit to a published listing waits for review,
    except capacity, which goes live at once. A save based on an old version is refused
    with the fields others changed meanwhile, whatever the role.
    """
    if listing.version != base_version:
        return Outcome(
            "conflict", conflicts=conflicts_since(session, listing, base_version, values)
        )
    current = snapshot(listing)
    changed = diff(current, values)
    if not changed:
        return Outcome("unchanged")
    wanted = {name: values[name] for name in changed}
    reviewed = listing.status == ListingStatus.PUBLISHED and not can(user, Action.PUBLISH_DIRECTLY)
    try:
        if not reviewed:
            _go_live(session, listing, base_version, wanted, user=user, action="edited")
            return Outcome("saved", changed=changed)
        now_live = {n: v for n, v in wanted.items() if n in IMMEDIATE_FIELDS}
        if now_live:
            _go_live(session, listing, base_version, now_live, user=user, action="capacity")
            base_version += 1
    except VersionConflict:
        return Outcome(
            "conflict", conflicts=conflicts_since(session, listing, base_version, values)
        )
    proposed = {n: v for n, v in wanted.items() if n not in IMMEDIATE_FIELDS}
    if not proposed:
        return Outcome("saved", changed=changed)
    revision = ListingRevision(
        entity_type=entity_type_of(listing),
        entity_id=listing.id,
        organization_id=listing.id
        if isinstance(listing, Organisation)
        else listing.organization_id,
        base_version=base_version,
        proposed=proposed,
        before={n: current[n] for n in proposed},
        author_id=user.id,
    )
    session.add(revision)
    session.commit()
    return Outcome("pending", changed=changed, revision=revision)


def services_of(session: Session, organisation_id: uuid.UUID) -> list[Service]:
    """Every service of an organisation, whatever its status, by name."""
    statement = select(Service).where(Service.organization_id == organisation_id)
    return list(session.exec(statement.order_by(col(Service.name))).all())


# --- moderation ------------------------------------------------------------------------


def pending_revisions(session: Session, organisation_id: uuid.UUID | None = None) -> list[Any]:
    """Revisions waiting for a manager, oldest first (of one organisation, if given)."""
    statement = select(ListingRevision).where(ListingRevision.status == RevisionStatus.PENDING)
    if organisation_id is not None:
        statement = statement.where(ListingRevision.organization_id == organisation_id)
    return list(session.exec(statement.order_by(ListingRevision.created_at)).all())  # type: ignore[arg-type]


def approve(session: Session, manager: User, revision: ListingRevision) -> Outcome:
    """Put a revision live (under the version check); refused if the listing moved on.

    A manager who approves has looked at the listing: it counts as checked that day.
    """
    if revision.status != RevisionStatus.PENDING:
        return Outcome("unchanged")
    listing = load(session, revision.entity_type, revision.entity_id)
    if listing is None:
        return Outcome("unchanged")
    note = _proposer(session, revision)
    if listing.version != revision.base_version:
        return Outcome(
            "conflict",
            conflicts=conflicts_since(session, listing, revision.base_version, revision.proposed),
        )
    proposed = upgrade(snapshot(listing), revision.proposed)
    revision_id = revision.id
    try:
        changed = _go_live(
            session,
            listing,
            revision.base_version,
            proposed,
            user=manager,
            action="approved",
            note=note,
            checked=True,
        )
    except VersionConflict:
        revision = session.get(ListingRevision, revision_id)  # type: ignore[assignment]
        fresh = load(session, revision.entity_type, revision.entity_id)
        conflicts = conflicts_since(session, fresh, revision.base_version, revision.proposed)  # type: ignore[arg-type]
        return Outcome("conflict", conflicts=conflicts)
    _decide(session, revision, manager, RevisionStatus.APPROVED, "")
    return Outcome("saved", changed=changed, revision=revision)


def _proposer(session: Session, revision: ListingRevision) -> str:
    """Who proposed a revision, for the history: an editor, or a followed feed."""
    if revision.author_id is None:
        feed = session.get(Feed, revision.feed_id) if revision.feed_id else None
        return f"From the feed {feed.name}" if feed else "From a feed"
    author = session.get(User, revision.author_id)
    return f"Proposed by {author.email if author else 'a former editor'}"


def return_revision(
    session: Session, manager: User, revision: ListingRevision, comment: str
) -> None:
    """Send a revision back to its author with the manager's comment; nothing goes live."""
    _decide(session, revision, manager, RevisionStatus.RETURNED, comment)


def withdraw(session: Session, author: User, revision: ListingRevision) -> bool:
    """The author takes back a change still waiting for review; the history says so."""
    if revision.status != RevisionStatus.PENDING or revision.author_id != author.id:
        return False
    listing = load(session, revision.entity_type, revision.entity_id)
    if listing is None:
        return False
    revision.status = RevisionStatus.WITHDRAWN
    revision.decided_by = author.id
    revision.decided_at = utcnow()
    session.add(revision)
    record(
        session,
        user=author,
        actor=author.email,
        listing=listing,
        action="withdrawn",
        before=revision.before,
        after=revision.proposed,
        version=None,
        note="Withdrawn by its author before review: none of it went live.",
    )
    session.commit()
    return True


def _decide(
    session: Session, revision: ListingRevision, manager: User, status: RevisionStatus, comment: str
) -> None:
    revision.status = status
    revision.decided_by = manager.id
    revision.decided_at = utcnow()
    revision.comment = comment
    session.add(revision)
    session.commit()


def history(session: Session, entity_type: EntityType, entity_id: uuid.UUID) -> list[Any]:
    """Every recorded change to a listing, newest first."""
    return list(
        session.exec(
            select(ListingChange)
            .where(ListingChange.entity_type == entity_type, ListingChange.entity_id == entity_id)
            .order_by(ListingChange.changed_at.desc())  # type: ignore[attr-defined]
        ).all()
    )


def set_status(
    session: Session,
    listing: Listing,
    status: ListingStatus,
    *,
    user: User | None,
    actor: str,
    note: str = "",
) -> None:
    """Publish, hold or archive a listing, under the version check, with a history entry."""
    before = listing.status
    if before == status:
        return
    version = bump(session, listing, listing.version)
    listing.status = status
    if isinstance(listing, Service) and status != ListingStatus.PENDING_REVIEW:
        listing.hold_reason = ""  # a manager decided: the import's reason has done its job
    listing.version = version
    record(
        session,
        user=user,
        actor=actor,
        listing=listing,
        action="status",
        before={"status": before.value},
        after={"status": status.value},
        version=version,
        note=note,
    )
    session.commit()
    refresh_search(session, listing)


def create_service(
    session: Session, user: User, organisation: Organisation, name: str, summary: str
) -> Service:
    """A new draft service of an organisation, with a history entry; nobody sees it yet."""
    service = Service(
        organization_id=organisation.id, name=name, summary=summary, status=ListingStatus.DRAFT
    )
    session.add(service)
    session.flush()
    record(
        session,
        user=user,
        actor=user.email,
        listing=service,
        action="created",
        before={},
        after={"name": name, "summary": summary},
        version=service.version,
    )
    session.commit()
    return service


def submit_for_review(session: Session, user: User, service: Service) -> None:
    """An editor says a draft is ready: it waits for a manager to publish it."""
    if service.status == ListingStatus.DRAFT:
        set_status(session, service, ListingStatus.PENDING_REVIEW, user=user, actor=user.email)


def waiting_for_approval(session: Session) -> list[Service]:
    """New services that editors have sent for review, oldest first."""
    statement = (
        select(Service)
        .where(Service.status == ListingStatus.PENDING_REVIEW)
        .order_by(Service.updated_at)  # type: ignore[arg-type]
    )
    return list(session.exec(statement).all())
