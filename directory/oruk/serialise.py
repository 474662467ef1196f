"""Turn catalogue rows into Open Referral UK / HSDS 3.0 objects.

Full HSDS 3.0 objects (phones, languages with name and code, application process,
eligibility description), which also satisfy the UK profile: the profile removes
fields from HSDS but never forbids extra ones. Capacity goes out as HSDS 3.1's
`capacities` (service_capacity objects); last verified as `assured_date`; what HSDS has
no field for (referral routes, delivery, restrictions, keywords, ...) as attributes of
Signpost's own taxonomies (signpost_terms.py).

Empty values are left out rather than sent as "" or null: the schemas check the
format of `email`, `url` and ids, and an empty string is not an email address.
The functions expect the rows loaded with `queries.service_options()`, so that a
page of services costs a fixed number of queries.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from directory.catalogue.vocabulary import CAPACITY
from directory.models import (
    Accessibility,
    Capacity,
    Contact,
    CostOption,
    Language,
    Location,
    Organisation,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
    stable_id,
)
from directory.oruk import closures, signpost_terms

Json = dict[str, Any]

# A service we publish is running; HSDS's other states (inactive, defunct) are not listed.
ACTIVE = "active"
CHARITY_SCHEME = "GB-CHC"
CHARITY_TYPE = "Charity number"
# service_capacity needs a unit: ours counts whether new referrals are taken (1) or not (0).
CAPACITY_UNIT: Json = {
    "id": str(stable_id("unit", "referrals-open")),
    "name": "Open to new referrals (1 yes, 0 no)",
    "scheme": "signpost",
    "identifier": "referrals-open",
}
# The area kinds a directory needs, written into service_area.extent as "kind codes".
AREA_EXTENT_TYPE = "text"


def _compact(values: Json, keep: tuple[str, ...] = ()) -> Json:
    """Leave out None and empty strings, except the named (required) fields."""
    return {k: v for k, v in values.items() if k in keep or (v is not None and v != "")}


def _by_id(items: list[Any]) -> list[Any]:
    return sorted(items, key=lambda item: str(item.id))


def _id(value: uuid.UUID | None) -> str | None:
    return str(value) if value is not None else None


def _service_child(item: Any, **fields: Any) -> Json:
    """A row that belongs to a service: its id, its service's id, then its own fields."""
    return _compact({"id": str(item.id), "service_id": str(item.service_id), **fields})


def timestamp(value: datetime | None) -> str | None:
    """An ISO 8601 UTC date-time with a Z, as HSDS's last_modified wants."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _date(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _time(value: str) -> str:
    """HH:MM as stored, HH:MM:SS as HSDS examples and tabular time fields have it."""
    return f"{value}:00" if len(value) == 5 else value


def wait_time(weeks: int | None) -> str | None:
    if weeks is None:
        return None
    return "1 week" if weeks == 1 else f"{weeks} weeks"


# --- organisations ----------------------------------------------------------


def organisation_brief(org: Organisation) -> Json:
    """The one-to-one fields of an organisation (list items, and inside a service)."""
    return _compact(
        {
            "id": str(org.id),
            "name": org.name,
            "description": org.description,
            "email": org.email,
            "website": org.website,
        },
        keep=("description",),
    )


def organisation_detail(org: Organisation) -> Json:
    """An organisation with its identifiers and phones (inside a full service)."""
    found = organisation_brief(org)
    if org.charity_number:
        found["organization_identifiers"] = [
            {
                "id": str(stable_id("organization_identifier", f"{org.id}/charity")),
                "organization_id": str(org.id),
                "identifier_scheme": CHARITY_SCHEME,
                "identifier_type": CHARITY_TYPE,
                "identifier": org.charity_number,
            }
        ]
    found["phones"] = [phone(p) for p in _by_id(org.phones)]
    attributes = signpost_terms.organisation_attributes(org)
    if attributes:
        found["attributes"] = attributes
    return found


def organisation_full(org: Organisation, services: list[Service], full: bool = True) -> Json:
    """An organisation with its identifiers, phones and (published) services, in full or
    as their one-to-one fields."""
    found = organisation_detail(org)
    if full:
        found["services"] = [service_full(s, with_organisation=False) for s in services]
    else:
        found["services"] = [service_brief(s) for s in services]
        for service in found["services"]:
            service.pop("organization")
    return found


# --- services -----------------------------------------------------------------


def service_brief(service: Service) -> Json:
    """The one-to-one fields of a service, with its organisation (a /services list item)."""
    return _compact(
        {
            "id": str(service.id),
            "organization_id": str(service.organization_id),
            "name": service.name,
            "alternate_name": service.alternate_name,
            "description": service.description or service.summary,
            "url": service.url,
            "email": service.email,
            "status": ACTIVE,
            "application_process": service.application_process,
            "fees_description": service.fees_description,
            "wait_time": wait_time(service.waiting_weeks),
            "eligibility_description": service.eligibility_description,
            "minimum_age": service.minimum_age,
            "maximum_age": service.maximum_age,
            "assured_date": _date(assured_on(service)),
            "last_modified": timestamp(service.updated_at),
            "organization": organisation_brief(service.organisation),
        }
    )


def assured_on(service: Service) -> date | None:
    """The day someone vouched for the listing. An imported listing's date taken from the
    other directory's last change, or the day of the import, is no assurance: not given."""
    source = service.checked_source
    if source and not source.endswith(", checked"):
        return None
    return service.last_verified


def service_full(service: Service, *, with_organisation: bool = True) -> Json:
    """A service with everything HSDS nests in it (/services/{id}, exports)."""
    found = service_brief(service)
    if with_organisation:
        found["organization"] = organisation_detail(service.organisation)
    else:
        found.pop("organization")
    # Children in a fixed order (by id), so that exports compare; needs keep their rank.
    contacts = _by_id(service.contacts)
    phones = [phone(p, service.id) for c in contacts for p in _by_id(c.phones)]
    found.update(
        {
            "phones": phones,
            "schedules": [schedule(s) for s in _by_id(service.schedules)]
            + closures.as_schedules(service),
            "service_areas": [service_area(a) for a in _by_id(service.areas)],
            "service_at_locations": [
                service_at_location_brief(link, with_service=False)
                for link in _by_id(service.location_links)
            ],
            "languages": [language(lang) for lang in _by_id(service.languages)],
            "cost_options": [cost_option(c) for c in _by_id(service.cost_options)],
            "contacts": [contact(c) for c in contacts],
            "capacities": [capacity(service)],
            # needs by rank, the foreign terms kept, then Signpost's own fields (routes, ...)
            "attributes": [need_attribute(service, link.term) for link in service.need_links]
            + foreign_term_attributes(service)
            + signpost_terms.service_attributes(service),
        }
    )
    return found


def capacity(service: Service) -> Json:
    """Whether the service takes new referrals, as an HSDS 3.1 service_capacity."""
    return {
        "id": str(stable_id("service_capacity", str(service.id))),
        "service_id": str(service.id),
        "unit": CAPACITY_UNIT,
        "available": 0 if service.capacity == Capacity.NOT_TAKING_REFERRALS else 1,
        "description": CAPACITY[service.capacity.value],
        "updated": timestamp(service.updated_at),
    }


def need_attribute(service: Service, term: TaxonomyTerm) -> Json:
    """A need the service meets, as HSDS links a taxonomy term to a service."""
    return {
        "id": str(stable_id("attribute", f"{service.id}/{term.id}")),
        "link_id": str(service.id),
        "link_type": "service",
        "link_entity": "service",
        "taxonomy_term_id": str(term.id),
        "taxonomy_term": taxonomy_term(term),
    }


def foreign_term_attributes(service: Service) -> list[Json]:
    """The terms of other directories' taxonomies the service carried when it was imported,
    each with its own taxonomy, as the feed gave them (ids made from the words where the
    feed's were not UUIDs)."""
    found = []
    for item in service.foreign_terms:
        key = f"{item.taxonomy}/{item.term_id or item.code or item.name}"
        term_id = _uuid_or(item.term_id, stable_id("taxonomy_term", key))
        taxonomy_id = _uuid_or(item.taxonomy_id, stable_id("taxonomy", item.taxonomy))
        found.append(
            {
                "id": str(stable_id("attribute", f"{service.id}/{term_id}")),
                "link_id": str(service.id),
                "link_type": "service",
                "link_entity": "service",
                "taxonomy_term_id": term_id,
                "taxonomy_term": _compact(
                    {
                        "id": term_id,
                        "code": item.code,
                        "name": item.name or item.code or item.term_id,
                        "description": "",
                        "taxonomy": item.taxonomy,
                        "taxonomy_id": taxonomy_id if item.taxonomy else None,
                    },
                    keep=("description",),
                ),
            }
        )
    return found


def _uuid_or(value: str, otherwise: uuid.UUID) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return str(otherwise)


def schedule(item: Schedule) -> Json:
    return _service_child(
        item,
        service_at_location_id=_id(item.service_at_location_id),
        valid_from=_date(item.valid_from),
        valid_to=_date(item.valid_to),
        freq=item.freq,
        interval=1,
        byday=item.byday,
        opens_at=_time(item.opens_at),
        closes_at=_time(item.closes_at),
        description=item.description,
        notes=item.notes,
    )


def service_area(area: ServiceArea) -> Json:
    """Who the service serves; extent holds our kind and codes ("districts LS6 LS7")."""
    extent = area.extent_type.value
    if area.extent:
        extent += " " + area.extent
    if area.radius_miles is not None:
        extent += f" {area.radius_miles:g}"
    return _service_child(area, name=area.name, extent=extent, extent_type=AREA_EXTENT_TYPE)


def language(item: Language) -> Json:
    return _service_child(item, name=item.name, code=item.code, note=item.note)


def cost_option(item: CostOption) -> Json:
    return _service_child(
        item,
        option=item.option,
        amount=item.amount,
        currency=item.currency,
        amount_description=item.amount_description,
    )


def contact(item: Contact) -> Json:
    return _compact(
        {
            "id": str(item.id),
            "service_id": _id(item.service_id),
            "name": item.name,
            "title": item.title,
            "email": item.email,
            "phones": [phone(p) for p in _by_id(item.phones)],
        }
    )


def phone(item: Phone, service_id: uuid.UUID | None = None) -> Json:
    return _compact(
        {
            "id": str(item.id),
            "service_id": _id(service_id),
            "contact_id": _id(item.contact_id),
            "organization_id": _id(item.organization_id),
            "number": item.number,
            "description": item.description,
        }
    )


# --- places -------------------------------------------------------------------


def location(place: Location) -> Json:
    """A location with its (one, physical) address and accessibility."""
    return _compact(
        {
            "id": str(place.id),
            "location_type": place.location_type,
            "organization_id": _id(place.organization_id),
            "name": place.name,
            "description": place.description,
            "transportation": place.transport,
            "latitude": place.latitude,
            "longitude": place.longitude,
            "addresses": [address(place)],
            "accessibility": [accessibility(a) for a in _by_id(place.accessibility)],
        }
    )


def address(place: Location) -> Json:
    # HSDS requires state_province; England has no states, and counties are optional.
    return _compact(
        {
            "id": str(stable_id("address", str(place.id))),
            "location_id": str(place.id),
            "address_1": place.address_1,
            "address_2": place.address_2,
            "city": place.city,
            "state_province": "",
            "postal_code": place.postal_code,
            "country": place.country,
            "address_type": "physical",
        },
        keep=("address_1", "city", "state_province", "postal_code", "country"),
    )


def accessibility(item: Accessibility) -> Json:
    return _compact(
        {
            "id": str(item.id),
            "location_id": str(item.location_id),
            "description": item.description,
            "details": item.details,
        }
    )


def service_at_location_brief(link: ServiceAtLocation, *, with_service: bool = True) -> Json:
    """A service at a location: the location in full, the service's one-to-one fields."""
    found: Json = {
        "id": str(link.id),
        "service_id": str(link.service_id),
        "location_id": str(link.location_id),
        "location": location(link.location),
    }
    if with_service:
        found["service"] = service_brief(link.service)
    return found


def service_at_location_full(link: ServiceAtLocation) -> Json:
    """A service at a location with the full service (/service_at_locations/{id})."""
    found = service_at_location_brief(link, with_service=False)
    service = service_full(link.service)
    service.pop("service_at_locations")
    found["service"] = service
    found["schedules"] = [
        schedule(s) for s in _by_id(link.service.schedules) if s.service_at_location_id == link.id
    ]
    return found


# --- taxonomies ---------------------------------------------------------------


def taxonomy(item: Taxonomy) -> Json:
    return _compact(
        {
            "id": str(item.id),
            "name": item.name,
            "description": item.description,
            "uri": item.uri,
            "version": item.version,
        },
        keep=("description",),
    )


def taxonomy_term(term: TaxonomyTerm) -> Json:
    return _compact(
        {
            "id": str(term.id),
            "code": term.code,
            "name": term.name,
            "description": term.description,
            "parent_id": _id(term.parent_id),
            "taxonomy": term.taxonomy.name,
            "taxonomy_id": str(term.taxonomy_id),
            "term_uri": term.term_uri,
        },
        keep=("description",),
    )
