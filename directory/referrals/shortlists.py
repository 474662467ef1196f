"""A link worker's shortlists: services picked out for someone, under a label the link
worker chooses (a local reference, never the person's name). Only the owner sees one."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy.orm import selectinload
from sqlmodel import Session, select

from directory.catalogue import published
from directory.models import Contact, Service, Shortlist, ShortlistItem, User, utcnow
from directory.models.cases import Case

MAX_LABEL = 60
MAX_ITEMS = 50


class ShortlistError(ValueError):
    """A change that cannot be made; `str(error)` says what to do."""


def clean_label(label: str | None) -> str:
    """The label with its spaces tidied, or ShortlistError if it is blank or too long."""
    text = " ".join((label or "").split())
    if not text:
        raise ShortlistError("Give the shortlist a label, such as a reference number.")
    if len(text) > MAX_LABEL:
        raise ShortlistError(f"Keep the label to {MAX_LABEL} characters or fewer.")
    return text


def shortlists_of(session: Session, user: User) -> list[Shortlist]:
    """The user's shortlists, the most recently changed first."""
    statement = (
        select(Shortlist)
        .where(Shortlist.owner_id == user.id)
        .options(selectinload(Shortlist.items))  # type: ignore[arg-type]
        .order_by(Shortlist.updated_at.desc(), Shortlist.label)  # type: ignore[attr-defined]
    )
    return list(session.exec(statement).all())


def owned(session: Session, user: User, shortlist_id: uuid.UUID | str) -> Shortlist | None:
    """The shortlist if this user owns it; None for anyone else's, or an unknown id."""
    try:
        key = shortlist_id if isinstance(shortlist_id, uuid.UUID) else uuid.UUID(shortlist_id)
    except ValueError:
        return None
    found = session.get(Shortlist, key)
    return found if found is not None and found.owner_id == user.id else None


def create(session: Session, user: User, label: str | None, case: Case | None = None) -> Shortlist:
    """A new shortlist, belonging to the case when matching started from one."""
    shortlist = Shortlist(
        owner_id=user.id, label=clean_label(label), case_id=case.id if case else None
    )
    session.add(shortlist)
    session.commit()
    return shortlist


def chosen_services(session: Session, service_ids: Iterable[str]) -> list[uuid.UUID]:
    """The ids of the ticked services, each a published service; ShortlistError if not."""
    wanted = []
    for text in service_ids:
        try:
            wanted.append(uuid.UUID(text))
        except ValueError:
            raise ShortlistError("Choose services from the list.") from None
    if not wanted:
        raise ShortlistError("Tick at least one service to add.")
    found = published.services_by_id(session, wanted)
    if len(found) != len(set(wanted)):
        raise ShortlistError("One of those services is no longer listed: match again.")
    return list(dict.fromkeys(wanted))


def add_services(session: Session, shortlist: Shortlist, wanted: list[uuid.UUID]) -> int:
    """Add services (checked by chosen_services) not already on it; how many were added."""
    present = {item.service_id for item in shortlist.items}
    new = [key for key in wanted if key not in present]
    if len(present) + len(new) > MAX_ITEMS:
        raise ShortlistError(f"A shortlist holds at most {MAX_ITEMS} services.")
    for key in new:
        session.add(ShortlistItem(shortlist_id=shortlist.id, service_id=key))
    shortlist.updated_at = utcnow()
    session.add(shortlist)
    session.commit()
    return len(new)


def remove_service(session: Session, shortlist: Shortlist, service_id: uuid.UUID) -> bool:
    """Take a service off the shortlist; False if it was not on it."""
    item = session.get(ShortlistItem, (shortlist.id, service_id))
    if item is None:
        return False
    session.delete(item)
    shortlist.updated_at = utcnow()
    session.add(shortlist)
    session.commit()
    return True


def delete(session: Session, shortlist: Shortlist) -> None:
    session.delete(shortlist)
    session.commit()


def services_on(session: Session, shortlist: Shortlist) -> list[Service]:
    """The services on the shortlist in the order added, with their contacts and routes."""
    ids = [item.service_id for item in shortlist.items]
    if not ids:
        return []
    statement = (
        select(Service)
        .where(Service.id.in_(ids))  # type: ignore[attr-defined]
        .options(
            selectinload(Service.organisation),  # type: ignore[arg-type]
            selectinload(Service.contacts).selectinload(Contact.phones),  # type: ignore[arg-type]
            selectinload(Service.cost_options),  # type: ignore[arg-type]
            selectinload(Service.schedules),  # type: ignore[arg-type]
            selectinload(Service.location_links),  # type: ignore[arg-type]
        )
    )
    found = {s.id: s for s in session.exec(statement).all()}
    return [found[key] for key in ids if key in found]
