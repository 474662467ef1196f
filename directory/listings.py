"""Changing listings safely: snapshots, field-by-field diffs, version checks, review, history.

A listing (an organisation or a service) is read as a flat snapshot: a dict of the
fields an editor can change, in plain JSON values. Every change is a diff of two
snapshots. It goes live through `_bump`, an UPDATE ... WHERE version = :base that
refuses a change based on an old version even when two saves race; every change
that goes live writes one `ListingChange`. An editor's change to a published listing
waits as a `ListingRevision` until a manager approves it (capacity goes live at once).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload
from sqlmodel import Session, select

from directory import catalogue, geo, search, vocabulary
from directory.models import (
    NEEDS_TAXONOMY_ID,
    Accessibility,
    AreaType,
    Capacity,
    Contact,
    CostOption,
    EntityType,
    Language,
    ListingChange,
    ListingRevision,
    ListingStatus,
    Location,
    Organisation,
    Phone,
    RevisionStatus,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceTaxonomyTerm,
    TaxonomyTerm,
    User,
    utcnow,
)
from directory.permissions import Action, can

Snapshot = dict[str, Any]
Listing = Organisation | Service

ORGANISATION_FIELDS: dict[str, str] = {
    "name": "Name",
    "description": "About the organisation",
    "email": "Email",
    "phone": "Phone",
    "website": "Website",
    "charity_number": "Charity number",
}

SERVICE_FIELDS: dict[str, str] = {
    "name": "Name",
    "summary": "Summary",
    "description": "Description",
    "needs": "Needs it helps with",
    "delivery": "How it is offered",
    "minimum_age": "Youngest age",
    "maximum_age": "Oldest age",
    "restrictions": "Only for",
    "eligibility_description": "Who can go",
    "sessions": "Opening times",
    "opening_exceptions": "Exceptions to the opening times",
    "is_free": "Free",
    "cost_amount": "Cost in pounds",
    "fees_description": "About the cost",
    "location_name": "Name of the place",
    "address": "Address",
    "city": "Town or city",
    "postcode": "Postcode",
    "accessibility": "Accessibility",
    "area_type": "Area served",
    "area_districts": "Postcode districts served",
    "area_miles": "Miles around its places",
    "referral_routes": "Who can refer",
    "application_process": "How to refer",
    "capacity": "Taking new people",
    "waiting_weeks": "Waiting list in weeks",
    "languages": "Languages",
    "contact_name": "Contact name",
    "contact_phone": "Contact phone",
    "contact_email": "Contact email",
    "url": "Website",
}

# Urgent and low risk: an editor's capacity change goes live at once, without review.
IMMEDIATE_FIELDS = frozenset({"capacity", "waiting_weeks"})
LOCATION_FIELDS = frozenset({"location_name", "address", "city", "postcode", "accessibility"})
AREA_FIELDS = frozenset({"area_type", "area_districts", "area_miles"})


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


# --- loading ---------------------------------------------------------------------------


def load_service(session: Session, service_id: uuid.UUID) -> Service | None:
    """A service with everything its snapshot reads."""
    statement = (
        select(Service)
        .where(Service.id == service_id)
        .options(
            *catalogue.facts_options(),
            selectinload(Service.cost_options),  # type: ignore[arg-type]
            selectinload(Service.contacts).selectinload(Contact.phones),  # type: ignore[arg-type]
        )
    )
    return session.exec(statement).first()


def load_organisation(session: Session, organisation_id: uuid.UUID) -> Organisation | None:
    statement = (
        select(Organisation)
        .where(Organisation.id == organisation_id)
        .options(selectinload(Organisation.phones))  # type: ignore[arg-type]
    )
    return session.exec(statement).first()


def load(session: Session, entity_type: EntityType, entity_id: uuid.UUID) -> Listing | None:
    """A listing of either kind by id."""
    if entity_type == EntityType.ORGANISATION:
        return load_organisation(session, entity_id)
    return load_service(session, entity_id)


# --- snapshots -------------------------------------------------------------------------


def snapshot(listing: Listing) -> Snapshot:
    """The editable fields of a listing as plain JSON values."""
    if isinstance(listing, Organisation):
        return organisation_snapshot(listing)
    return service_snapshot(listing)


def organisation_snapshot(organisation: Organisation) -> Snapshot:
    return {
        "name": organisation.name,
        "description": organisation.description,
        "email": organisation.email or "",
        "phone": organisation.phones[0].number if organisation.phones else "",
        "website": organisation.website or "",
        "charity_number": organisation.charity_number or "",
    }


def service_snapshot(service: Service) -> Snapshot:
    location = service.locations[0] if service.location_links else None
    area = service.areas[0] if service.areas else None
    contact = service.contacts[0] if service.contacts else None
    return {
        "name": service.name,
        "summary": service.summary,
        "description": service.description,
        "needs": [term.code for term in service.needs],
        "delivery": service.delivery,
        "minimum_age": service.minimum_age,
        "maximum_age": service.maximum_age,
        "restrictions": list(service.restrictions),
        "eligibility_description": service.eligibility_description,
        "sessions": [
            {"days": s.days, "opens": s.opens_at, "closes": s.closes_at}
            for s in sorted(service.schedules, key=_schedule_order)
        ],
        "opening_exceptions": service.opening_exceptions,
        "is_free": service.is_free,
        "cost_amount": _cost_amount(service),
        "fees_description": service.fees_description,
        "location_name": location.name if location else "",
        "address": location.address_1 if location else "",
        "city": location.city if location else "",
        "postcode": location.postal_code if location else "",
        "accessibility": sorted(a.feature for a in location.accessibility) if location else [],
        "area_type": area.extent_type.value if area else "",
        "area_districts": area.extent if area and area.extent_type == AreaType.DISTRICTS else "",
        "area_miles": area.radius_miles if area and area.radius_miles is not None else None,
        "referral_routes": service.referral_routes,
        "application_process": service.application_process,
        "capacity": service.capacity.value,
        "waiting_weeks": service.waiting_weeks,
        "languages": sorted(language.code for language in service.languages),
        "contact_name": contact.name if contact else "",
        "contact_phone": contact.phones[0].number if contact and contact.phones else "",
        "contact_email": (contact.email or "") if contact else "",
        "url": service.url or "",
    }


def _schedule_order(schedule: Schedule) -> tuple[int, str]:
    first = schedule.days[0] if schedule.days else "SU"
    return (
        list(vocabulary.DAYS).index(first) if first in vocabulary.DAYS else 7,
        schedule.opens_at,
    )


def diff(before: Snapshot, after: Mapping[str, Any]) -> list[str]:
    """The names of the fields whose values differ, in form order."""
    return [name for name in before if name in after and before[name] != after[name]]


# --- writing a snapshot back -----------------------------------------------------------


def _apply(session: Session, listing: Listing, values: Mapping[str, Any]) -> None:
    if isinstance(listing, Organisation):
        _apply_organisation(session, listing, values)
    else:
        _apply_service(session, listing, values)


def _apply_organisation(session: Session, org: Organisation, values: Mapping[str, Any]) -> None:
    for name in ("name", "description"):
        if name in values:
            setattr(org, name, values[name])
    for name in ("email", "website", "charity_number"):
        if name in values:
            setattr(org, name, values[name] or None)
    if "phone" in values:
        for phone in list(org.phones):
            session.delete(phone)
        org.phones = [Phone(number=values["phone"])] if values["phone"] else []


SCALARS = (
    "name",
    "summary",
    "description",
    "minimum_age",
    "maximum_age",
    "eligibility_description",
    "opening_exceptions",
    "is_free",
    "fees_description",
    "application_process",
    "waiting_weeks",
)


def _apply_service(session: Session, service: Service, values: Mapping[str, Any]) -> None:
    for name in SCALARS:
        if name in values:
            setattr(service, name, values[name])
    if "restrictions" in values:
        service.restrictions = list(values["restrictions"])
    if "url" in values:
        service.url = values["url"] or None
    if "capacity" in values:
        service.capacity = Capacity(values["capacity"])
    if "delivery" in values:
        modes = set(values["delivery"])
        service.in_person, service.online, service.by_phone = (
            "in_person" in modes,
            "online" in modes,
            "phone" in modes,
        )
    if "referral_routes" in values:
        routes = set(values["referral_routes"])
        service.self_referral = "self" in routes
        service.professional_referral = "professional" in routes
        service.gp_referral = "gp" in routes
    if "needs" in values:
        _apply_needs(session, service, values["needs"])
    if "sessions" in values:
        _replace(session, service.schedules)
        service.schedules = [
            Schedule(byday=",".join(s["days"]), opens_at=s["opens"], closes_at=s["closes"])
            for s in values["sessions"]
        ]
    if "cost_amount" in values or "fees_description" in values:
        amount = values.get("cost_amount", _cost_amount(service))
        _replace(session, service.cost_options)
        service.cost_options = []
        if amount:
            service.cost_options = [
                CostOption(amount=float(amount), amount_description=service.fees_description)
            ]
    if "languages" in values:
        _replace(session, service.languages)
        service.languages = [
            Language(code=code, name=vocabulary.LANGUAGES.get(code, code))
            for code in values["languages"]
        ]
    if LOCATION_FIELDS & values.keys():
        _apply_location(session, service, values)
    if AREA_FIELDS & values.keys():
        _apply_area(session, service, values)
    if {"contact_name", "contact_phone", "contact_email"} & values.keys():
        _apply_contact(session, service, values)


def _replace(session: Session, rows: list[Any]) -> None:
    for row in list(rows):
        session.delete(row)


def _cost_amount(service: Service) -> str:
    cost = next((c for c in service.cost_options if c.amount is not None), None)
    return f"{cost.amount:.2f}" if cost and cost.amount is not None else ""


def _apply_needs(session: Session, service: Service, codes: list[str]) -> None:
    terms = session.exec(
        select(TaxonomyTerm).where(
            TaxonomyTerm.taxonomy_id == NEEDS_TAXONOMY_ID,
            TaxonomyTerm.code.in_(codes),  # type: ignore[attr-defined]
        )
    ).all()
    by_code = {t.code: t for t in terms}
    _replace(session, service.need_links)
    session.flush()
    service.need_links = [
        ServiceTaxonomyTerm(taxonomy_term_id=by_code[c].id, rank=rank, term=by_code[c])
        for rank, c in enumerate(codes)
        if c in by_code
    ]


def _apply_location(session: Session, service: Service, values: Mapping[str, Any]) -> None:
    current = service_snapshot(service)
    wanted = {name: values.get(name, current[name]) for name in LOCATION_FIELDS}
    location = service.locations[0] if service.location_links else None
    if not wanted["postcode"] and not wanted["location_name"] and not wanted["address"]:
        _replace(session, service.location_links)
        service.location_links = []
        return
    if location is None:
        location = Location(organization_id=service.organization_id, name="")
        service.location_links = [ServiceAtLocation(location=location)]
    location.name = wanted["location_name"] or wanted["address"] or wanted["postcode"]
    location.address_1 = wanted["address"]
    location.city = wanted["city"]
    location.postal_code = wanted["postcode"]
    location.latitude = location.longitude = location.local_authority_code = None
    if wanted["postcode"]:
        try:
            place = geo.lookup_postcode(wanted["postcode"])
        except geo.PostcodeError:
            place = None  # the form checked it; a postcode since retired stays unplaced
        if place is not None:
            location.latitude, location.longitude = place.latitude, place.longitude
            location.local_authority_code = place.local_authority_code
    _replace(session, location.accessibility)
    location.accessibility = [
        Accessibility(feature=f, description=vocabulary.ACCESSIBILITY.get(f, f))
        for f in wanted["accessibility"]
    ]


def _apply_area(session: Session, service: Service, values: Mapping[str, Any]) -> None:
    current = service_snapshot(service)
    kind = values.get("area_type", current["area_type"])
    districts = values.get("area_districts", current["area_districts"])
    miles = values.get("area_miles", current["area_miles"])
    old = service.areas[0] if service.areas else None
    _replace(session, service.areas)
    if not kind:
        service.areas = []
        return
    area = ServiceArea(extent_type=AreaType(kind))
    place = current_app.config["PLACE_NAME"]
    if area.extent_type == AreaType.LOCAL_AUTHORITY:
        keep = old is not None and old.extent_type == AreaType.LOCAL_AUTHORITY
        located = next((loc for loc in service.locations if loc.local_authority_code), None)
        area.extent = (
            old.extent if keep and old else (located.local_authority_code if located else "")
        )
        area.name = old.name if keep and old else place
    elif area.extent_type == AreaType.DISTRICTS:
        area.extent = districts
        area.name = ", ".join(districts.split())
    elif area.extent_type == AreaType.RADIUS:
        area.radius_miles = miles
        area.name = f"Within {miles:g} miles" if miles is not None else "Near its places"
    else:
        area.name = "Anywhere in the UK"
    service.areas = [area]


def _apply_contact(session: Session, service: Service, values: Mapping[str, Any]) -> None:
    current = service_snapshot(service)
    wanted = {
        n: values.get(n, current[n]) for n in ("contact_name", "contact_phone", "contact_email")
    }
    contact = service.contacts[0] if service.contacts else None
    if not any(wanted.values()):
        _replace(session, service.contacts)
        service.contacts = []
        return
    if contact is None:
        contact = Contact()
        service.contacts = [contact]
    contact.name = wanted["contact_name"]
    contact.email = wanted["contact_email"] or None
    _replace(session, contact.phones)
    contact.phones = [Phone(number=wanted["contact_phone"])] if wanted["contact_phone"] else []


# --- going live, with the version check and the history --------------------------------


def _bump(session: Session, listing: Listing, base_version: int) -> int:
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


def _go_live(
    session: Session,
    listing: Listing,
    base_version: int,
    values: Mapping[str, Any],
    *,
    user: User,
    action: str,
    note: str = "",
) -> list[str]:
    """Apply values under the version check, write the history, commit, refresh search."""
    before = snapshot(listing)
    changed = diff(before, values)
    if not changed:
        return []
    version = _bump(session, listing, base_version)
    _apply(session, listing, {name: values[name] for name in changed})
    listing.version = version
    listing.updated_at = utcnow()
    record(
        session,
        user=user,
        actor=user.email,
        listing=listing,
        action=action,
        before={n: before[n] for n in changed},
        after={n: values[n] for n in changed},
        version=version,
        note=note,
    )
    session.commit()
    refresh_search(session, listing, touches_others=bool(LOCATION_FIELDS & set(changed)))
    return changed


def refresh_search(session: Session, listing: Listing, touches_others: bool = False) -> None:
    """Bring the public search up to date with a changed listing."""
    if isinstance(listing, Organisation) or touches_others:
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


# --- moderation ------------------------------------------------------------------------


def pending_revisions(session: Session, organisation_id: uuid.UUID | None = None) -> list[Any]:
    """Revisions waiting for a manager, oldest first (of one organisation, if given)."""
    statement = select(ListingRevision).where(ListingRevision.status == RevisionStatus.PENDING)
    if organisation_id is not None:
        statement = statement.where(ListingRevision.organization_id == organisation_id)
    return list(session.exec(statement.order_by(ListingRevision.created_at)).all())  # type: ignore[arg-type]


def approve(session: Session, manager: User, revision: ListingRevision) -> Outcome:
    """Put a revision live (under the version check); refused if the listing moved on."""
    if revision.status != RevisionStatus.PENDING:
        return Outcome("unchanged")
    listing = load(session, revision.entity_type, revision.entity_id)
    if listing is None:
        return Outcome("unchanged")
    author = session.get(User, revision.author_id)
    note = f"Proposed by {author.email if author else 'a former editor'}"
    if listing.version != revision.base_version:
        return Outcome(
            "conflict",
            conflicts=conflicts_since(session, listing, revision.base_version, revision.proposed),
        )
    revision_id = revision.id
    try:
        changed = _go_live(
            session,
            listing,
            revision.base_version,
            revision.proposed,
            user=manager,
            action="approved",
            note=note,
        )
    except VersionConflict:
        revision = session.get(ListingRevision, revision_id)  # type: ignore[assignment]
        fresh = load(session, revision.entity_type, revision.entity_id)
        conflicts = conflicts_since(session, fresh, revision.base_version, revision.proposed)  # type: ignore[arg-type]
        return Outcome("conflict", conflicts=conflicts)
    _decide(session, revision, manager, RevisionStatus.APPROVED, "")
    return Outcome("saved", changed=changed, revision=revision)


def return_revision(
    session: Session, manager: User, revision: ListingRevision, comment: str
) -> None:
    """Send a revision back to its author with the manager's comment; nothing goes live."""
    _decide(session, revision, manager, RevisionStatus.RETURNED, comment)


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
    session: Session, listing: Listing, status: ListingStatus, *, user: User | None, actor: str
) -> None:
    """Publish, hold or archive a listing, under the version check, with a history entry."""
    before = listing.status
    if before == status:
        return
    version = _bump(session, listing, listing.version)
    listing.status = status
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
