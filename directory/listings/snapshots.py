"""A listing as a snapshot: the fields an editor can change, as plain JSON values, read from
the rows of an organisation or service and written back to them.

Diffs, revisions and the history all hold snapshot values, so that a change can be shown
field by field and applied later (directory.listings.editing decides when).
"""

from __future__ import annotations

import difflib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy.orm import selectinload
from sqlmodel import Session, select

from directory.catalogue import published, vocabulary
from directory.geo import postcodes
from directory.models import (
    NEEDS_TAXONOMY_ID,
    Accessibility,
    AreaType,
    Capacity,
    CareLevel,
    Closure,
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
from matcher.facts import DAYS
from matcher.words import mile_count

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
    "closures": "Closures",
    "closed_on_bank_holidays": "Closed on bank holidays",
    "opening_exceptions": "A note on the opening times",
    "is_free": "Free",
    "cost_amount": "Cost in pounds",
    "fees_description": "About the cost",
    "places": "Places",
    "areas": "Areas served",
    "referral_routes": "Who can refer",
    "application_process": "How to refer",
    "pathway": "NHS mental health pathway",
    "care_level": "Level of care",
    "out_of_hours": "Out of hours",
    "capacity": "Taking new people",
    "waiting_weeks": "Waiting list in weeks",
    "languages": "Languages",
    "contact_name": "Contact name",
    "contact_phone": "Contact phone",
    "contact_email": "Contact email",
    "url": "Website",
}

# Before a service could have several places and areas, its first of each was held flat in
# these fields; old history entries and revisions still carry them.
LEGACY_PLACE_FIELDS: dict[str, str] = {
    "location_name": "name",
    "address": "address",
    "city": "city",
    "postcode": "postcode",
    "accessibility": "accessibility",
}
LEGACY_AREA_FIELDS: dict[str, str] = {
    "area_type": "type",
    "area_districts": "districts",
    "area_miles": "miles",
}
LEGACY_SERVICE_LABELS: dict[str, str] = {
    "location_name": "Name of the place",
    "address": "Address",
    "city": "Town or city",
    "postcode": "Postcode",
    "accessibility": "Accessibility",
    "area_type": "Area served",
    "area_districts": "Postcode districts served",
    "area_miles": "Miles around its places",
}


# --- loading ---------------------------------------------------------------------------


def _snapshot_options() -> list[Any]:
    return [
        *published.facts_options(),
        selectinload(Service.cost_options),  # type: ignore[arg-type]
        selectinload(Service.contacts).selectinload(Contact.phones),  # type: ignore[arg-type]
    ]


def load_service(session: Session, service_id: uuid.UUID) -> Service | None:
    """A service with everything its snapshot reads."""
    statement = select(Service).where(Service.id == service_id).options(*_snapshot_options())
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


def load_many(
    session: Session, entity_type: EntityType, ids: list[uuid.UUID], batch: int = 500
) -> dict[uuid.UUID, Listing]:
    """Listings of one kind by id, as load gives them, in a few queries (those not found
    left out)."""
    model: Any = Organisation if entity_type == EntityType.ORGANISATION else Service
    options = (
        [selectinload(Organisation.phones)]  # type: ignore[arg-type]
        if entity_type == EntityType.ORGANISATION
        else _snapshot_options()
    )
    found: dict[uuid.UUID, Listing] = {}
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        rows = session.exec(select(model).where(model.id.in_(chunk)).options(*options)).all()
        found.update((row.id, row) for row in rows)
    return found


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


def place_snapshot(location: Location) -> dict[str, Any]:
    """One of a service's places as plain values; the id says which location row it is."""
    return {
        "id": str(location.id),
        "name": location.name,
        "address": location.address_1,
        "city": location.city,
        "postcode": location.postal_code,
        "accessibility": sorted(a.feature for a in location.accessibility),
    }


def area_snapshot(area: ServiceArea) -> dict[str, Any]:
    """One of a service's areas as plain values; a local authority area adds its codes, so
    that a change of the area it names is a change (review and history see it)."""
    value: dict[str, Any] = {
        "type": area.extent_type.value,
        "districts": area.extent if area.extent_type == AreaType.DISTRICTS else "",
        "miles": area.radius_miles if area.radius_miles is not None else None,
    }
    if area.extent_type == AreaType.LOCAL_AUTHORITY:
        value["codes"] = area.extent
    return value


def _place_order(location: Location) -> tuple[str, str, str]:
    return (location.name.casefold(), location.postal_code, str(location.id))


def service_snapshot(service: Service) -> Snapshot:
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
        "sessions": [session_snapshot(s) for s in sorted(service.schedules, key=_schedule_order)],
        "closures": sorted(
            (
                {"starts": c.starts.isoformat(), "ends": c.ends.isoformat(), "reason": c.reason}
                for c in service.closures
            ),
            key=lambda c: (c["starts"], c["ends"], c["reason"]),
        ),
        "closed_on_bank_holidays": service.closed_on_bank_holidays,
        "opening_exceptions": service.opening_exceptions,
        "is_free": service.is_free,
        "cost_amount": _cost_amount(service),
        "fees_description": service.fees_description,
        "places": [place_snapshot(loc) for loc in sorted(service.locations, key=_place_order)],
        "areas": sorted(
            (area_snapshot(area) for area in service.areas),
            key=lambda a: (a["type"], a["districts"], a["miles"] or 0),
        ),
        "referral_routes": service.referral_routes,
        "application_process": service.application_process,
        "pathway": service.pathway,
        "care_level": service.care_level.value if service.care_level else None,
        "out_of_hours": service.out_of_hours,
        "capacity": service.capacity.value,
        "waiting_weeks": service.waiting_weeks,
        "languages": sorted(language.code for language in service.languages),
        "contact_name": contact.name if contact else "",
        "contact_phone": contact.phones[0].number if contact and contact.phones else "",
        "contact_email": (contact.email or "") if contact else "",
        "url": service.url or "",
    }


def session_snapshot(schedule: Schedule) -> dict[str, Any]:
    """One weekly session as plain values; a seasonal one adds its first and last day (ISO
    dates), so a plain session reads as it always did."""
    value: dict[str, Any] = {
        "days": schedule.days,
        "opens": schedule.opens_at,
        "closes": schedule.closes_at,
    }
    if schedule.valid_from is not None:
        value["valid_from"] = schedule.valid_from.isoformat()
    if schedule.valid_to is not None:
        value["valid_to"] = schedule.valid_to.isoformat()
    return value


def _schedule_order(schedule: Schedule) -> tuple[int, str]:
    first = schedule.days[0] if schedule.days else DAYS[-1]  # no days: sorted with Sunday
    return (DAYS.index(first) if first in DAYS else len(DAYS), schedule.opens_at)


def diff(before: Snapshot, after: Mapping[str, Any]) -> list[str]:
    """The names of the fields whose values differ, in form order; the same items in another
    order are no change (needs, days, languages, places: a form may send them in its own
    order)."""
    return [name for name in before if name in after and not same(before[name], after[name])]


def same(one: Any, other: Any) -> bool:
    """Whether two snapshot values say the same, whatever the order of the items of lists."""
    return bool(one == other or _canonical(one) == _canonical(other))


def _canonical(value: Any) -> Any:
    """A value with the items of every list in one order, to compare."""
    if isinstance(value, Mapping):
        return {name: _canonical(item) for name, item in value.items()}
    if isinstance(value, list | tuple):
        return sorted((_canonical(item) for item in value), key=_order)
    return value


def _order(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


# --- comparing for review --------------------------------------------------------------

# Text of more words than this is compared word by word, when at least WORDS_KEPT of its
# words stay; other text is shown whole (marking nearly every word helps nobody).
WORDS_COMPARED = 6
WORDS_KEPT = 0.5


@dataclass(frozen=True)
class Piece:
    """A word or words, or an item of a list: kept, added or removed."""

    kind: str  # "kept", "added" or "removed"
    value: Any


@dataclass(frozen=True)
class FieldChange:
    """How one field differs, for a person to review: the whole values, and for long text
    (words) or lists (items) what was kept, removed (before) and added (after)."""

    name: str
    label: str
    before: Any
    after: Any
    before_pieces: tuple[Piece, ...] = ()
    after_pieces: tuple[Piece, ...] = ()

    @property
    def kind(self) -> str:
        """'words' (long text, word by word), 'items' (a list) or 'value' (shown whole)."""
        if isinstance(self.before, str) and isinstance(self.after, str):
            return "words" if self.before_pieces else "value"
        if isinstance(self.before, list) and isinstance(self.after, list):
            return "items"
        return "value"


def field_changes(
    labels: Mapping[str, str], before: Mapping[str, Any], after: Mapping[str, Any]
) -> list[FieldChange]:
    """The fields of after that differ from before (order of list items aside), in the
    order of labels, each with what changed in it."""
    changes = []
    for name in [*labels, *(n for n in after if n not in labels)]:
        if name not in after or same(before.get(name), after[name]):
            continue
        old, new = before.get(name), after[name]
        pieces: tuple[tuple[Piece, ...], ...] = ((), ())
        if isinstance(old, list) and isinstance(new, list):
            pieces = _item_changes(old, new)
        elif isinstance(old, str) and isinstance(new, str) and _long(old, new):
            pieces = word_changes(old, new)
        changes.append(FieldChange(name, labels.get(name, name), old, new, *pieces))
    return changes


def _long(old: str, new: str) -> bool:
    """Whether two texts are long and alike enough to be compared word by word."""
    if not any(len(text.split()) > WORDS_COMPARED for text in (old, new)):
        return False
    matcher = difflib.SequenceMatcher(a=old.split(), b=new.split(), autojunk=False)
    return matcher.ratio() >= WORDS_KEPT


def _item_changes(before: list[Any], after: list[Any]) -> tuple[tuple[Piece, ...], ...]:
    """Each item of before, kept or removed, and of after, kept or added (in their order)."""
    old = [_order(_canonical(item)) for item in before]
    new = [_order(_canonical(item)) for item in after]
    gone = tuple(
        Piece("kept" if key in new else "removed", v) for key, v in zip(old, before, strict=True)
    )
    come = tuple(
        Piece("kept" if key in old else "added", v) for key, v in zip(new, after, strict=True)
    )
    return gone, come


def word_changes(before: str, after: str) -> tuple[tuple[Piece, ...], tuple[Piece, ...]]:
    """Two texts word by word (difflib): before as kept and removed words, after as kept and
    added words, neighbouring words of a kind joined."""
    old, new = before.split(), after.split()
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    removed: list[tuple[str, list[str]]] = []
    added: list[tuple[str, list[str]]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            removed.append(("kept", old[i1:i2]))
            added.append(("kept", new[j1:j2]))
            continue
        if i2 > i1:
            removed.append(("removed", old[i1:i2]))
        if j2 > j1:
            added.append(("added", new[j1:j2]))
    return _joined(removed), _joined(added)


def _joined(runs: list[tuple[str, list[str]]]) -> tuple[Piece, ...]:
    pieces: list[Piece] = []
    for kind, words in runs:
        if pieces and pieces[-1].kind == kind:
            pieces[-1] = Piece(kind, f"{pieces[-1].value} {' '.join(words)}")
        else:
            pieces.append(Piece(kind, " ".join(words)))
    return tuple(pieces)


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
    "closed_on_bank_holidays",
    "is_free",
    "fees_description",
    "application_process",
    "waiting_weeks",
    "pathway",
    "out_of_hours",
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
    if "care_level" in values:
        service.care_level = CareLevel(values["care_level"]) if values["care_level"] else None
    if "pathway" in values or "care_level" in values:  # a merge may take one, not the other
        vocabulary.settle_care_level(service)
    if "delivery" in values:
        modes = set(values["delivery"])
        service.in_person, service.online, service.by_phone = (
            "in_person" in modes,
            "online" in modes,
            "phone" in modes,
        )
    if "referral_routes" in values:
        routes = set(values["referral_routes"])
        service.set_referral_routes(routes)
        # A route named says how to get in; no route named leaves it as it was: "not
        # known" (an imported listing, or a feed's change put back) stays unknown, rather
        # than becoming "no way in", which matching would exclude.
        if routes:
            service.routes_known = True
    if "needs" in values:
        _apply_needs(session, service, values["needs"])
    if "sessions" in values:
        _replace(session, service.schedules)
        service.schedules = [
            Schedule(
                service_id=service.id,
                byday=",".join(s["days"]),
                opens_at=s["opens"],
                closes_at=s["closes"],
                valid_from=_date(s.get("valid_from")),
                valid_to=_date(s.get("valid_to")),
            )
            for s in values["sessions"]
        ]
    if "closures" in values:
        _replace(session, service.closures)
        service.closures = [
            Closure(
                service_id=service.id,
                starts=date.fromisoformat(c["starts"]),
                ends=date.fromisoformat(c["ends"]),
                reason=c.get("reason", ""),
            )
            for c in values["closures"]
        ]
    if "cost_amount" in values or "fees_description" in values:
        amount = values.get("cost_amount", _cost_amount(service))
        _replace(session, service.cost_options)
        service.cost_options = []
        if amount:
            service.cost_options = [
                CostOption(
                    service_id=service.id,
                    amount=float(amount),
                    amount_description=service.fees_description,
                )
            ]
    if "languages" in values:
        _replace(session, service.languages)
        service.languages = [
            Language(service_id=service.id, code=code, name=vocabulary.LANGUAGES.get(code, code))
            for code in values["languages"]
        ]
    if "places" in values:
        _apply_places(session, service, values["places"])
    if "areas" in values:
        _apply_areas(session, service, values["areas"])
    if {"contact_name", "contact_phone", "contact_email"} & values.keys():
        _apply_contact(session, service, values)


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _replace(session: Session, rows: list[Any]) -> None:
    for row in list(rows):
        session.delete(row)


def _cost_amount(service: Service) -> str:
    cost = next((c for c in service.cost_options if c.amount is not None), None)
    return f"{cost.amount:.2f}" if cost and cost.amount is not None else ""


def _apply_needs(session: Session, service: Service, codes: list[str]) -> None:
    # The needs it keeps keep their rank (the first is the main one); new ones follow.
    held = [term.code for term in service.needs]
    codes = [c for c in held if c in codes] + [c for c in codes if c not in held]
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
        ServiceTaxonomyTerm(
            service_id=service.id, taxonomy_term_id=by_code[c].id, rank=rank, term=by_code[c]
        )
        for rank, c in enumerate(codes)
        if c in by_code
    ]


def _apply_places(session: Session, service: Service, places: list[Mapping[str, Any]]) -> None:
    """Make the service's places these, never changing a place another service also uses.

    A place is matched to the service's own links by its id (an id the service does not
    hold makes a new place). An edited place that other services share becomes a new
    location for this service alone; the others keep the old one.
    """
    links = {str(link.location_id): link for link in service.location_links}
    kept: list[ServiceAtLocation] = []
    for place in places:
        link = links.pop(str(place.get("id") or ""), None)
        if link is None:
            location = Location(organization_id=service.organization_id, name="")
            link = ServiceAtLocation(
                service_id=service.id, location_id=location.id, location=location
            )
        elif _same_place(place_snapshot(link.location), place):
            kept.append(link)
            continue
        elif _shared(session, link.location, service):
            location = Location(organization_id=link.location.organization_id, name="")
            link.location = location
        else:
            location = link.location
        _fill_place(session, location, place)
        kept.append(link)
    for link in links.values():
        _unlink(session, link)
    service.location_links = kept


def _same_place(held: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    return all(held[name] == wanted.get(name, held[name]) for name in held if name != "id")


def _shared(session: Session, location: Location, service: Service) -> bool:
    """Whether another service is also held at this location."""
    other = session.exec(
        select(ServiceAtLocation.id).where(
            ServiceAtLocation.location_id == location.id,
            ServiceAtLocation.service_id != service.id,
        )
    ).first()
    return other is not None


def _unlink(session: Session, link: ServiceAtLocation) -> None:
    """Take a place off a service; the location stays for any other service held there."""
    for schedule in session.exec(
        select(Schedule).where(Schedule.service_at_location_id == link.id)
    ).all():
        schedule.service_at_location_id = None
        session.add(schedule)
    session.delete(link)


def _fill_place(session: Session, location: Location, place: Mapping[str, Any]) -> None:
    location.name = place["name"] or place["address"] or place["postcode"]
    location.address_1 = place["address"]
    location.city = place["city"]
    location.postal_code = place["postcode"]
    location.latitude = location.longitude = location.local_authority_code = None
    if place["postcode"]:
        try:
            found = postcodes.lookup_postcode(place["postcode"])
        except postcodes.PostcodeError:
            found = None  # the form checked it; a postcode since retired stays unplaced
        if found is not None:
            location.latitude, location.longitude = found.latitude, found.longitude
            location.local_authority_code = found.local_authority_code
    _replace(session, location.accessibility)
    location.accessibility = [
        Accessibility(
            location_id=location.id, feature=f, description=vocabulary.ACCESSIBILITY.get(f, f)
        )
        for f in place["accessibility"]
    ]


def _apply_areas(session: Session, service: Service, areas: list[Mapping[str, Any]]) -> None:
    """Make the service's areas these (a local authority area keeps the one it had)."""
    old_authority = next(
        (a for a in service.areas if a.extent_type == AreaType.LOCAL_AUTHORITY), None
    )
    authority = (old_authority.extent, old_authority.name) if old_authority else None
    if authority is None:
        located = next((loc for loc in service.locations if loc.local_authority_code), None)
        code = located.local_authority_code if located else ""
        authority = (code or "", current_app.config["PLACE_NAME"])
    _replace(session, service.areas)
    service.areas = [_area(service.id, wanted, authority) for wanted in areas if wanted.get("type")]


def _area(
    service_id: uuid.UUID, wanted: Mapping[str, Any], authority: tuple[str, str]
) -> ServiceArea:
    area = ServiceArea(service_id=service_id, extent_type=AreaType(wanted["type"]))
    miles = wanted.get("miles")
    if area.extent_type == AreaType.LOCAL_AUTHORITY:
        area.extent, area.name = authority
    elif area.extent_type == AreaType.DISTRICTS:
        area.extent = wanted.get("districts") or ""
        area.name = ", ".join(area.extent.split())
    elif area.extent_type == AreaType.RADIUS:
        area.radius_miles = miles
        area.name = f"Within {mile_count(miles)}" if miles is not None else "Near its places"
    else:
        area.name = "Anywhere in the UK"
    return area


def upgrade(current: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """Values in today's shape: old flat place and area fields become a first place or area."""
    upgraded = {
        n: v for n, v in values.items() if n not in LEGACY_PLACE_FIELDS | LEGACY_AREA_FIELDS
    }
    flat_place = {LEGACY_PLACE_FIELDS[n]: v for n, v in values.items() if n in LEGACY_PLACE_FIELDS}
    if flat_place and "places" not in values:
        places = [dict(p) for p in current.get("places", [])]
        first = (
            places[0]
            if places
            else {
                "id": "",
                "name": "",
                "address": "",
                "city": "",
                "postcode": "",
                "accessibility": [],
            }
        )
        first.update(flat_place)
        upgraded["places"] = [first, *places[1:]]
    flat_area = {LEGACY_AREA_FIELDS[n]: v for n, v in values.items() if n in LEGACY_AREA_FIELDS}
    if flat_area and "areas" not in values:
        areas = [dict(a) for a in current.get("areas", [])]
        first = areas[0] if areas else {"type": "", "districts": "", "miles": None}
        first.update(flat_area)
        upgraded["areas"] = [a for a in [first, *areas[1:]] if a.get("type")]
    return upgraded


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
