"""A listing as a snapshot: the fields an editor can change, as plain JSON values, read from
the rows of an organisation or service and written back to them.

Diffs, revisions and the history all hold snapshot values, so that a change can be shown
field by field and applied later (directory.listings decides when).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from flask import current_app
from sqlalchemy.orm import selectinload
from sqlmodel import Session, select

from directory import catalogue, geo, vocabulary
from directory.models import (
    NEEDS_TAXONOMY_ID,
    Accessibility,
    AreaType,
    Capacity,
    Contact,
    CostOption,
    EntityType,
    Language,
    Location,
    Organisation,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceTaxonomyTerm,
    TaxonomyTerm,
)

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

LOCATION_FIELDS = frozenset({"location_name", "address", "city", "postcode", "accessibility"})
AREA_FIELDS = frozenset({"area_type", "area_districts", "area_miles"})


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


def apply(session: Session, listing: Listing, values: Mapping[str, Any]) -> None:
    """Write snapshot values (only those given) back to a listing's rows (the caller commits)."""
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
