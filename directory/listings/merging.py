"""Merging two listings of one service: what points at the duplicate moves to the kept one.

Where the two give a detail differently, the manager chooses, field by field, which value
the kept listing keeps (its own unless told otherwise); contacts and their phones can be
combined, both kept. The kept listing takes the chosen values under the version check, and
the page's versions of both listings are checked too: a merge based on what someone has
since changed is refused whole. Shortlist items, link workers' feedback and problem reports
move over; changes an editor proposed to the duplicate are returned (they were made to a
listing that goes). The duplicate is archived, not deleted, so both histories stay whole:
the kept listing's history says what it took in and from where, the duplicate's says where
it went.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from directory.accounts.permissions import Action, can
from directory.listings import duplicates, editing, snapshots
from directory.models import (
    Contact,
    EntityType,
    ListingChange,
    ListingReport,
    ListingRevision,
    ListingStatus,
    MatchFeedback,
    Phone,
    RevisionStatus,
    Service,
    ShortlistItem,
    User,
    utcnow,
)

MERGED = "merged"  # history action on the kept listing
MERGED_INTO = "merged into"  # history action on the duplicate
COMMAND_LINE = "the merge-listings command"

# The choices for each field that differs: the kept listing's value, or the duplicate's; for
# the contact (name, phone and email, chosen together) also both.
KEEP, TAKE, BOTH = "keep", "take", "both"
CONTACT = "contact"
CONTACT_FIELDS = ("contact_name", "contact_phone", "contact_email")


class MergeRefused(Exception):
    """The merge cannot be done; the message says why, in words for the person asking."""


@dataclass
class Moves:
    """What a merge moves (or moved) from the duplicate to the kept listing."""

    shortlist_items: int = 0
    # Shortlists that hold both: the kept listing is there already, the duplicate's item goes.
    already_on_shortlists: int = 0
    feedback: int = 0
    reports: int = 0
    returned_revisions: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    def in_words(self) -> str:
        """'2 shortlist items, 1 problem report…' or 'nothing else'."""
        parts = [
            (self.shortlist_items, "shortlist item", "shortlist items"),
            (
                self.already_on_shortlists,
                "shortlist that already held it",
                "shortlists that already held it",
            ),
            (self.feedback, "piece of link-worker feedback", "pieces of link-worker feedback"),
            (self.reports, "problem report", "problem reports"),
            (self.returned_revisions, "proposed change returned", "proposed changes returned"),
        ]
        words = [f"{n} {one if n == 1 else many}" for n, one, many in parts if n]
        return ", ".join(words) if words else "nothing else"


def merged_into(session: Session, service: Service) -> dict[str, Any] | None:
    """Where a merged listing went ({'id', 'name'} from its history), or None."""
    change = session.exec(
        select(ListingChange)
        .where(
            ListingChange.entity_type == EntityType.SERVICE,
            ListingChange.entity_id == service.id,
            ListingChange.action == MERGED_INTO,
        )
        .order_by(col(ListingChange.changed_at).desc())
    ).first()
    return dict(change.after["merged_into"]) if change else None  # type: ignore[call-overload]


def refusal(session: Session, keep: Service, duplicate: Service) -> str | None:
    """Why these two cannot be merged, or None when they can."""
    if keep.id == duplicate.id:
        return "A listing cannot be merged into itself: choose two different listings."
    if keep.status == ListingStatus.ARCHIVED:
        return (
            f"“{keep.name}” is archived: merge into a listing that is still in use "
            "(or publish it again first)."
        )
    gone = merged_into(session, duplicate)
    if gone is not None:
        return f"“{duplicate.name}” was already merged into “{gone['name']}”."
    return None


def _count(session: Session, statement: Any) -> int:
    return int(session.exec(statement).one())


def _shortlists(service: Service) -> Any:
    """The ids of the shortlists that hold the service (a subquery)."""
    return select(ShortlistItem.shortlist_id).where(ShortlistItem.service_id == service.id)


def what_moves(session: Session, keep: Service, duplicate: Service) -> Moves:
    """What merging duplicate into keep would move, changing nothing."""
    items = select(func.count()).where(ShortlistItem.service_id == duplicate.id)
    already = _count(session, items.where(col(ShortlistItem.shortlist_id).in_(_shortlists(keep))))
    return Moves(
        shortlist_items=_count(session, items) - already,
        already_on_shortlists=already,
        feedback=_count(
            session, select(func.count()).where(MatchFeedback.service_id == duplicate.id)
        ),
        reports=_count(
            session, select(func.count()).where(ListingReport.service_id == duplicate.id)
        ),
        returned_revisions=len(_pending_revisions(session, duplicate)),
    )


def _pending_revisions(session: Session, service: Service) -> list[ListingRevision]:
    return list(
        session.exec(
            select(ListingRevision).where(
                ListingRevision.entity_type == EntityType.SERVICE,
                ListingRevision.entity_id == service.id,
                ListingRevision.status == RevisionStatus.PENDING,
            )
        ).all()
    )


def _move(session: Session, model: Any, duplicate: Service, keep: Service) -> int:
    moved = session.exec(
        sa.update(model).where(model.service_id == duplicate.id).values(service_id=keep.id)
    )
    return int(moved.rowcount)


@dataclass(frozen=True)
class Choice:
    """A detail the two listings give differently: its values in each, and what may be
    chosen (keep, take, and for the contact both)."""

    name: str
    label: str
    kept: Any
    duplicate: Any
    options: tuple[str, ...] = (KEEP, TAKE)


def choices(keep: Service, duplicate: Service) -> list[Choice]:
    """The details the two listings give differently, in the edit form's order."""
    ours, theirs = snapshots.snapshot(keep), snapshots.snapshot(duplicate)
    found = []
    for name, label in snapshots.SERVICE_FIELDS.items():
        if name in CONTACT_FIELDS[1:]:
            continue
        if name == CONTACT_FIELDS[0]:
            kept = {n: ours[n] for n in CONTACT_FIELDS}
            other = {n: theirs[n] for n in CONTACT_FIELDS}
            if kept != other:
                options = (KEEP, TAKE, BOTH) if any(other.values()) else (KEEP, TAKE)
                found.append(Choice(CONTACT, "Contact", kept, other, options))
        elif not snapshots.same(ours[name], theirs[name]):
            found.append(Choice(name, label, ours[name], theirs[name]))
    return found


def chosen_values(
    keep: Service, duplicate: Service, wanted: Mapping[str, str]
) -> tuple[dict[str, Any], bool]:
    """The values the kept listing takes from the duplicate, and whether to combine the
    contacts, from the choices made (a detail not chosen stays as it is); MergeRefused if a
    choice is not one offered."""
    values: dict[str, Any] = {}
    combine = False
    offered = {c.name: c for c in choices(keep, duplicate)}
    for name, option in wanted.items():
        choice = offered.get(name)
        if choice is None or option not in choice.options:
            raise MergeRefused(
                f"“{option}” is not a choice for “{name}”: choose again from the page."
            )
        if option == TAKE and name == CONTACT:
            values.update(choice.duplicate)
        elif option == TAKE:
            values[name] = choice.duplicate
        combine = combine or option == BOTH
    return values, combine


def merge_services(
    session: Session,
    manager: User | None,
    keep: Service,
    duplicate: Service,
    wanted: Mapping[str, str] | None = None,
    *,
    versions: tuple[int, int] | None = None,
) -> Moves:
    """Merge duplicate into keep, in one transaction; raises MergeRefused with the reason.

    wanted says, for details the two give differently, which to keep (see `choices`);
    versions are the versions of keep and duplicate the choices were made on (a page), and
    the merge is refused if either has changed since. manager is None when run from the
    command line (which only the server's admins can do).
    """
    _check_may_merge(session, manager, keep, duplicate)
    if versions is not None and versions != (keep.version, duplicate.version):
        raise MergeRefused(
            "One of the listings changed since you looked: nothing was merged. Look again."
        )
    values, combine = chosen_values(keep, duplicate, wanted or {})
    actor = manager.email if manager else COMMAND_LINE
    _take_chosen_values(session, manager, actor, keep, duplicate, values, combine)
    moves = _move_what_points_at(session, keep, duplicate)
    moves.returned_revisions = _return_proposed_changes(session, manager, keep, duplicate)
    _record_in_both_histories(session, manager, actor, keep, duplicate, moves)
    _archive_duplicate(session, manager, actor, keep, duplicate)
    editing.refresh_search(session, keep)
    return moves


def _check_may_merge(
    session: Session, manager: User | None, keep: Service, duplicate: Service
) -> None:
    """Raise MergeRefused unless this person may merge these two listings."""
    if manager is not None and not can(manager, Action.MODERATE):
        raise MergeRefused("Only managers can merge listings.")
    reason = refusal(session, keep, duplicate)
    if reason:
        raise MergeRefused(reason)


def _take_chosen_values(
    session: Session,
    manager: User | None,
    actor: str,
    keep: Service,
    duplicate: Service,
    values: Mapping[str, Any],
    combine: bool,
) -> None:
    """The kept listing takes the chosen values (under the version check) and, if asked,
    the duplicate's contacts beside its own; its history says which and from where."""
    note = f"Chosen from “{duplicate.name}” ({duplicate.id}) when merging it into this listing."
    base = keep.version
    try:
        if values:
            editing.take_values(
                session, keep, base, values, user=manager, actor=actor, action=MERGED, note=note
            )
            base = keep.version
        if combine:
            version = editing.bump(session, keep, base)
            added = _combine_contacts(session, keep, duplicate)
            keep.version = version
            editing.record(
                session,
                user=manager,
                actor=actor,
                listing=keep,
                action=MERGED,
                before={},
                after={},
                version=version,
                note=f"Kept both contacts: added from “{duplicate.name}” {added}.",
            )
    except editing.VersionConflict:
        raise MergeRefused(
            "One of the listings changed while you were merging: nothing was merged. Look again."
        ) from None


def _combine_contacts(session: Session, keep: Service, duplicate: Service) -> str:
    """Copy the duplicate's contacts onto the kept listing: a contact of the same name
    gains the phones (and email) it lacks, another is added whole; what was added, in words."""
    added: list[str] = []
    for theirs in duplicate.contacts:
        ours = next((c for c in keep.contacts if c.name.casefold() == theirs.name.casefold()), None)
        if ours is None:
            ours = Contact(service_id=keep.id, name=theirs.name, title=theirs.title)
            keep.contacts.append(ours)
            added.append(f"the contact {theirs.name or '(no name)'}")
        if theirs.email and not ours.email:
            ours.email = theirs.email
            added.append(f"the email {theirs.email}")
        held = {duplicates.same_number(p.number) for p in ours.phones}
        for phone in theirs.phones:
            if duplicates.same_number(phone.number) not in held:
                ours.phones.append(Phone(number=phone.number, description=phone.description))
                held.add(duplicates.same_number(phone.number))
                added.append(f"the phone {phone.number}")
        session.add(ours)
    return ", ".join(added) if added else "nothing new (they were the same)"


def _move_what_points_at(session: Session, keep: Service, duplicate: Service) -> Moves:
    """Shortlist items, feedback and problem reports of the duplicate move to the kept one."""
    moves = Moves()
    # A shortlist holds a service once: where it holds both, the duplicate's item goes.
    dropped = session.exec(
        sa.delete(ShortlistItem).where(
            col(ShortlistItem.service_id) == duplicate.id,
            col(ShortlistItem.shortlist_id).in_(_shortlists(keep)),
        )
    )
    moves.already_on_shortlists = int(dropped.rowcount)
    moves.shortlist_items = _move(session, ShortlistItem, duplicate, keep)
    moves.feedback = _move(session, MatchFeedback, duplicate, keep)
    moves.reports = _move(session, ListingReport, duplicate, keep)
    return moves


def _return_proposed_changes(
    session: Session, manager: User | None, keep: Service, duplicate: Service
) -> int:
    """Return the changes waiting for review on the duplicate, saying why; how many."""
    returned = 0
    for revision in _pending_revisions(session, duplicate):
        revision.status = RevisionStatus.RETURNED
        revision.decided_by = manager.id if manager else None
        revision.decided_at = utcnow()
        revision.comment = (
            f"“{duplicate.name}” was merged into “{keep.name}”, so these changes were not "
            f"applied. Make them on “{keep.name}” if they are still needed."
        )
        session.add(revision)
        returned += 1
    return returned


def _record_in_both_histories(
    session: Session,
    manager: User | None,
    actor: str,
    keep: Service,
    duplicate: Service,
    moves: Moves,
) -> None:
    """The kept listing's history says what it took in and from where; the duplicate's says
    where it went."""
    editing.record(
        session,
        user=manager,
        actor=actor,
        listing=keep,
        action=MERGED,
        before={},
        after={
            "merged_from": {"id": str(duplicate.id), "name": duplicate.name},
            "moved": moves.as_dict(),
        },
        version=None,
        note=f"Took in “{duplicate.name}” ({duplicate.id}), now archived: "
        f"moved {moves.in_words()}.",
    )
    editing.record(
        session,
        user=manager,
        actor=actor,
        listing=duplicate,
        action=MERGED_INTO,
        before={},
        after={"merged_into": {"id": str(keep.id), "name": keep.name}},
        version=None,
        note=f"Merged into “{keep.name}” ({keep.id}).",
    )


def _archive_duplicate(
    session: Session, manager: User | None, actor: str, keep: Service, duplicate: Service
) -> None:
    """Archive the duplicate and commit the whole merge; MergeRefused (and nothing merged) if
    someone changed the duplicate since it was read."""
    archived_already = duplicate.status == ListingStatus.ARCHIVED
    try:
        # Archiving goes through the version check: a merge racing another change fails whole.
        editing.set_status(
            session,
            duplicate,
            ListingStatus.ARCHIVED,
            user=manager,
            actor=actor,
            note=f"Merged into “{keep.name}”.",
        )
    except editing.VersionConflict:
        raise MergeRefused(
            "One of the listings changed while you were merging: nothing was merged. Look again."
        ) from None
    if archived_already:  # set_status left it alone: commit the rest here
        session.commit()


def find_service(session: Session, raw_id: str | uuid.UUID) -> Service | None:
    """The service with this id (text or UUID), or None when there is none or it is malformed."""
    try:
        service_id = raw_id if isinstance(raw_id, uuid.UUID) else uuid.UUID(str(raw_id).strip())
    except ValueError:
        return None
    return session.get(Service, service_id)
