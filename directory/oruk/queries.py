"""Read the published catalogue for the Open Referral UK API: parameters and filtered pages.

A list is found in two steps: the ordered ids of every match (one light query,
plus a distance check in Python when a postcode is given), then the rows of one
page with their children batch-loaded, so a page of 50 services costs about a
dozen queries whatever it holds.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_
from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, func, select

from directory.catalogue.published import published_organisation_ids
from directory.catalogue.vocabulary import DAYS
from directory.geo import postcodes
from directory.models import (
    AreaType,
    Contact,
    ListingStatus,
    Location,
    Organisation,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceTaxonomyTerm,
    Taxonomy,
    TaxonomyTerm,
)

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200
MAX_PAGE = 100_000
MAX_PROXIMITY_M = 1_000_000
MAX_SEARCH_LENGTH = 200
DAY_NAMES = {name.lower(): code for code, name in DAYS.items()}


class InvalidParameters(ValueError):
    """Parameters we cannot use; `problems` maps each parameter to a sentence."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = problems


@dataclass(frozen=True)
class Place:
    latitude: float
    longitude: float
    local_authority_code: str
    district: str


@dataclass
class Filters:
    """What a list request asks for, checked."""

    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    search: str = ""
    taxonomy_term_id: uuid.UUID | None = None
    taxonomy_id: uuid.UUID | None = None
    organization_id: uuid.UUID | None = None
    parent_id: uuid.UUID | None = None
    top_only: bool = False
    minimum_age: float | None = None
    maximum_age: float | None = None
    start_time: str | None = None
    end_time: str | None = None
    day: str | None = None
    modified_after: datetime | None = None
    postcode: Place | None = None
    proximity_m: float | None = None
    full: bool = False
    minimal: bool = False
    full_service: bool = True
    format: str = "json"
    problems: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Page:
    items: list[Any]
    total: int
    number: int
    size: int

    def envelope(self, contents: list[Any]) -> dict[str, Any]:
        """The Open Referral Page object around contents."""
        pages = max(1, math.ceil(self.total / self.size))
        return {
            "total_items": self.total,
            "total_pages": pages,
            "page_number": self.number,
            "size": len(contents),
            "first_page": self.number == 1,
            "last_page": self.number >= pages,
            "empty": not contents,
            "contents": contents,
        }


# --- reading parameters ---------------------------------------------------------


def _integer(args: Mapping[str, str], name: str, low: int, high: int, default: int) -> int:
    text = args.get(name)
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"must be a whole number from {low} to {high}") from None
    if not low <= value <= high:
        raise ValueError(f"must be a whole number from {low} to {high}")
    return value


def _uuid(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise ValueError("must be a UUID, such as 3f7b145d-84af-42d7-8fae-eaca714b02b2") from None


def _age(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError("must be an age in years, such as 16") from None
    if not 0 <= value <= 150 or math.isnan(value):
        raise ValueError("must be an age in years from 0 to 150")
    return value


TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)(:[0-5]\d)?$")


def _time(text: str) -> str:
    """HH:MM (or HH:MM:SS) as the HH:MM we store."""
    match = TIME.match(text.strip())
    if not match:
        raise ValueError("must be a time of day as HH:MM, such as 09:30")
    return f"{match.group(1)}:{match.group(2)}"


def _day(text: str) -> str:
    word = text.strip()
    if word.upper() in DAYS:
        return word.upper()
    if word.lower() in DAY_NAMES:
        return DAY_NAMES[word.lower()]
    raise ValueError("must be a day such as MO or Monday")


def _datetime(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            "must be an ISO 8601 date or date-time, such as 2024-05-01T09:00:00Z"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _boolean(text: str) -> bool:
    if text.lower() in ("true", "1", "yes"):
        return True
    if text.lower() in ("false", "0", "no", ""):
        return False
    raise ValueError("must be true or false")


FORMATS = ("json", "ndjson")


def _format(text: str) -> str:
    if text.lower() not in FORMATS:
        raise ValueError("must be json or ndjson")
    return text.lower()


def _place(text: str) -> Place:
    try:
        found = postcodes.lookup_place(text)
    except postcodes.PostcodeError as error:
        raise ValueError(error.message) from None
    # the outward code: "LS6" of "LS6 1AA", or the district itself when one was given
    district = found.postcode.split()[0]
    return Place(found.latitude, found.longitude, found.local_authority_code, district)


def _proximity(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError("must be a distance in metres, such as 1000") from None
    if not 0 < value <= MAX_PROXIMITY_M or math.isnan(value):
        raise ValueError(f"must be a distance in metres from 1 to {MAX_PROXIMITY_M}")
    return value


READERS = {
    "taxonomy_term_id": _uuid,
    "taxonomy_id": _uuid,
    "organization_id": _uuid,
    "parent_id": _uuid,
    "minimum_age": _age,
    "maximum_age": _age,
    "start_time": _time,
    "end_time": _time,
    "day": _day,
    "modified_after": _datetime,
    "top_only": _boolean,
    "full": _boolean,
    "minimal": _boolean,
    "full_service": _boolean,
    "format": _format,
    "postcode": _place,
    "proximity": _proximity,
}


def read_filters(args: Mapping[str, str], allowed: tuple[str, ...]) -> Filters:
    """Check the parameters this endpoint takes; InvalidParameters names every bad one."""
    filters = Filters()
    problems: dict[str, str] = {}
    try:
        filters.page = _integer(args, "page", 1, MAX_PAGE, 1)
    except ValueError as error:
        problems["page"] = str(error)
    try:
        filters.per_page = _integer(args, "per_page", 1, MAX_PER_PAGE, DEFAULT_PER_PAGE)
    except ValueError as error:
        problems["per_page"] = str(error)
    if "search" in allowed:
        filters.search = (args.get("search") or "").strip()
        if len(filters.search) > MAX_SEARCH_LENGTH:
            problems["search"] = f"must be at most {MAX_SEARCH_LENGTH} characters"
    for name in allowed:
        text = args.get(name)
        if name not in READERS or text is None or text.strip() == "":
            continue
        try:
            value = READERS[name](text)
        except ValueError as error:
            problems[name] = str(error)
            continue
        setattr(filters, "proximity_m" if name == "proximity" else name, value)
    if filters.proximity_m is not None and filters.postcode is None and "postcode" not in problems:
        problems["proximity"] = "needs a postcode to measure from"
    if problems:
        raise InvalidParameters(problems)
    return filters


# --- services -------------------------------------------------------------------


def published() -> Any:
    """A service the public may see: published, by a published organisation."""
    return (Service.status == ListingStatus.PUBLISHED) & col(Service.organization_id).in_(
        published_organisation_ids()
    )


def service_options() -> list[Any]:
    """Batch loads for full service objects: one query per kind of child, not per row."""
    return [
        selectinload(Service.organisation).selectinload(Organisation.phones),  # type: ignore[arg-type]
        selectinload(Service.need_links)  # type: ignore[arg-type]
        .selectinload(ServiceTaxonomyTerm.term)  # type: ignore[arg-type]
        .selectinload(TaxonomyTerm.taxonomy),  # type: ignore[arg-type]
        selectinload(Service.location_links)  # type: ignore[arg-type]
        .selectinload(ServiceAtLocation.location)  # type: ignore[arg-type]
        .selectinload(Location.accessibility),  # type: ignore[arg-type]
        selectinload(Service.schedules),  # type: ignore[arg-type]
        selectinload(Service.languages),  # type: ignore[arg-type]
        selectinload(Service.areas),  # type: ignore[arg-type]
        selectinload(Service.cost_options),  # type: ignore[arg-type]
        selectinload(Service.contacts).selectinload(Contact.phones),  # type: ignore[arg-type]
    ]


def _like(word: str) -> str:
    escaped = word.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _service_conditions(filters: Filters) -> list[Any]:
    conditions: list[Any] = [published()]
    for word in filters.search.split():
        pattern = _like(word)
        conditions.append(
            or_(
                *(
                    func.lower(column).like(pattern, escape="\\")
                    for column in (
                        Service.name,
                        Service.alternate_name,
                        Service.summary,
                        Service.description,
                    )
                ),
                col(Service.organization_id).in_(
                    select(Organisation.id).where(
                        func.lower(Organisation.name).like(pattern, escape="\\")
                    )
                ),
            )
        )
    if filters.taxonomy_term_id:
        conditions.append(
            col(Service.id).in_(
                select(ServiceTaxonomyTerm.service_id).where(
                    ServiceTaxonomyTerm.taxonomy_term_id == filters.taxonomy_term_id
                )
            )
        )
    if filters.taxonomy_id:
        conditions.append(
            col(Service.id).in_(
                select(ServiceTaxonomyTerm.service_id)
                .join(TaxonomyTerm, TaxonomyTerm.id == ServiceTaxonomyTerm.taxonomy_term_id)  # type: ignore[arg-type]
                .where(TaxonomyTerm.taxonomy_id == filters.taxonomy_id)
            )
        )
    if filters.organization_id:
        conditions.append(Service.organization_id == filters.organization_id)
    # As the ORUK API words them: a minimum age of at least the value, a maximum age at
    # most the value (a service with no upper limit has none to compare).
    if filters.minimum_age is not None:
        conditions.append(col(Service.minimum_age) >= filters.minimum_age)
    if filters.maximum_age is not None:
        conditions.append(col(Service.maximum_age) <= filters.maximum_age)
    if filters.modified_after is not None:
        conditions.append(col(Service.updated_at) >= filters.modified_after)
    if filters.day or filters.start_time or filters.end_time:
        conditions.append(col(Service.id).in_(_schedule_matches(filters)))
    return conditions


def _schedule_matches(filters: Filters) -> Any:
    """Services with one opening that fits the day and times together."""
    statement = select(Schedule.service_id)
    if filters.day:
        statement = statement.where(col(Schedule.byday).like(f"%{filters.day}%"))
    if filters.start_time:
        statement = statement.where(col(Schedule.opens_at) >= filters.start_time)
    if filters.end_time:
        statement = statement.where(col(Schedule.closes_at) <= filters.end_time)
    return statement


def _slice(ids: list[Any], filters: Filters) -> list[Any]:
    start = (filters.page - 1) * filters.per_page
    return ids[start : start + filters.per_page]


def service_ids(session: Session, filters: Filters) -> list[uuid.UUID]:
    """The ids of every published service matching the filters, by name."""
    statement = (
        select(Service.id)
        .where(*_service_conditions(filters))
        .order_by(col(Service.name), col(Service.id))
    )
    return list(session.exec(statement).all())


def services(session: Session, filters: Filters) -> Page:
    """A page of published services matching the filters, by name."""
    ids = service_ids(session, filters)
    found = load_services(session, _slice(ids, filters), full=filters.full)
    return Page(found, len(ids), filters.page, filters.per_page)


def load_services(session: Session, ids: list[uuid.UUID], full: bool = True) -> list[Service]:
    """Services by id, in that order, with every child batch-loaded (or, for list items,
    with their organisation only)."""
    if not ids:
        return []
    options = service_options() if full else [selectinload(Service.organisation)]  # type: ignore[arg-type]
    statement = select(Service).where(col(Service.id).in_(ids)).options(*options)
    found = {s.id: s for s in session.exec(statement).all()}
    return [found[i] for i in ids if i in found]


def service(session: Session, service_id: uuid.UUID) -> Service | None:
    """A published service, or None."""
    statement = (
        select(Service).where(Service.id == service_id, published()).options(*service_options())
    )
    return session.exec(statement).first()


# --- services at locations ------------------------------------------------------


def _covers(place: Place, area: ServiceArea, sites: list[tuple[float, float]]) -> bool:
    """Whether the postcode lies in the area the service serves."""
    kind = area.extent_type
    if kind == AreaType.NATIONAL:
        return True
    if kind == AreaType.LOCAL_AUTHORITY:
        return place.local_authority_code in area.codes
    if kind == AreaType.DISTRICTS:
        return place.district in area.codes
    miles = area.radius_miles or 0
    return any(
        postcodes.distance_miles(place.latitude, place.longitude, lat, lon) <= miles
        for lat, lon in sites
    )


def link_ids(session: Session, filters: Filters) -> list[uuid.UUID]:
    """The ids of every published service at a location matching the filters: by service
    and place name, or nearest first with a postcode."""
    statement = (
        select(
            ServiceAtLocation.id,
            ServiceAtLocation.service_id,
            Location.latitude,
            Location.longitude,
        )
        .join(Service, Service.id == ServiceAtLocation.service_id)  # type: ignore[arg-type]
        .join(Location, Location.id == ServiceAtLocation.location_id)  # type: ignore[arg-type]
        .where(*_service_conditions(filters))
        .order_by(col(Service.name), col(Location.name), col(ServiceAtLocation.id))
    )
    rows = list(session.exec(statement).all())
    place = filters.postcode
    if place is not None:
        rows = _near(session, rows, place, filters.proximity_m)
    return [row[0] for row in rows]


def services_at_locations(session: Session, filters: Filters) -> Page:
    """A page of published services at their locations."""
    ids = link_ids(session, filters)
    found = load_links(session, _slice(ids, filters), full=filters.full)
    return Page(found, len(ids), filters.page, filters.per_page)


def _near(session: Session, rows: list[Any], place: Place, proximity_m: float | None) -> list[Any]:
    """Rows within proximity of the place, or whose service area covers it; nearest first."""

    def metres(row: Any) -> float:
        if row[2] is None or row[3] is None:
            return math.inf
        return postcodes.distance_m(place.latitude, place.longitude, row[2], row[3])

    if proximity_m is not None:
        kept = [row for row in rows if metres(row) <= proximity_m]
    else:
        service_ids = {row[1] for row in rows}
        areas: dict[uuid.UUID, list[ServiceArea]] = {}
        if service_ids:
            found = session.exec(
                select(ServiceArea).where(col(ServiceArea.service_id).in_(service_ids))
            ).all()
            for area in found:
                areas.setdefault(area.service_id, []).append(area)
        sites: dict[uuid.UUID, list[tuple[float, float]]] = {}
        for row in rows:
            if row[2] is not None and row[3] is not None:
                sites.setdefault(row[1], []).append((row[2], row[3]))
        kept = [
            row
            for row in rows
            if any(_covers(place, a, sites.get(row[1], [])) for a in areas.get(row[1], []))
        ]
    return sorted(kept, key=metres)


def link_options(full: bool = True) -> list[Any]:
    """Batch loads for services at locations: the full service, or (for lists) the service
    with its organisation only."""
    service = selectinload(ServiceAtLocation.service)  # type: ignore[arg-type]
    return [
        selectinload(ServiceAtLocation.location).selectinload(Location.accessibility),  # type: ignore[arg-type]
        service.options(*service_options()) if full else service.selectinload(Service.organisation),  # type: ignore[arg-type]
    ]


def load_links(
    session: Session, ids: list[uuid.UUID], full: bool = False
) -> list[ServiceAtLocation]:
    """Services at locations by id, in that order, loaded for list items (or in full)."""
    if not ids:
        return []
    statement = (
        select(ServiceAtLocation)
        .where(col(ServiceAtLocation.id).in_(ids))
        .options(*link_options(full=full))
    )
    found = {link.id: link for link in session.exec(statement).all()}
    return [found[i] for i in ids if i in found]


def service_at_location(session: Session, link_id: uuid.UUID) -> ServiceAtLocation | None:
    """A published service at a location, or None."""
    statement = (
        select(ServiceAtLocation)
        .join(Service, Service.id == ServiceAtLocation.service_id)  # type: ignore[arg-type]
        .where(ServiceAtLocation.id == link_id, published())
        .options(*link_options())
    )
    return session.exec(statement).first()


# --- organisations and taxonomies -----------------------------------------------


def _paged(session: Session, statement: Any, filters: Filters) -> Page:
    total = session.exec(select(func.count()).select_from(statement.subquery())).one()
    rows = session.exec(
        statement.offset((filters.page - 1) * filters.per_page).limit(filters.per_page)
    ).all()
    return Page(list(rows), total, filters.page, filters.per_page)


def organisations(session: Session, filters: Filters) -> Page:
    """A page of published organisations, by name."""
    statement = select(Organisation).where(Organisation.status == ListingStatus.PUBLISHED)
    if filters.search:
        for word in filters.search.split():
            statement = statement.where(
                func.lower(Organisation.name).like(_like(word), escape="\\")
            )
    return _paged(
        session, statement.order_by(col(Organisation.name), col(Organisation.id)), filters
    )


def organisation(session: Session, org_id: uuid.UUID) -> tuple[Organisation, list[Service]] | None:
    """A published organisation with its published services, or None."""
    statement = (
        select(Organisation)
        .where(Organisation.id == org_id, Organisation.status == ListingStatus.PUBLISHED)
        .options(selectinload(Organisation.phones))  # type: ignore[arg-type]
    )
    org = session.exec(statement).first()
    if org is None:
        return None
    ids = session.exec(
        select(Service.id)
        .where(Service.organization_id == org_id, published())
        .order_by(col(Service.name), col(Service.id))
    ).all()
    return org, load_services(session, list(ids))


def _named(statement: Any, model: Any, filters: Filters) -> Any:
    """Only rows whose name holds every word searched for."""
    for word in filters.search.split():
        statement = statement.where(func.lower(model.name).like(_like(word), escape="\\"))
    return statement


def taxonomies(session: Session, filters: Filters) -> Page:
    statement = _named(select(Taxonomy), Taxonomy, filters)
    return _paged(session, statement.order_by(col(Taxonomy.name), col(Taxonomy.id)), filters)


def taxonomy(session: Session, taxonomy_id: uuid.UUID) -> Taxonomy | None:
    return session.get(Taxonomy, taxonomy_id)


def taxonomy_terms(session: Session, filters: Filters) -> Page:
    """Terms, by taxonomy and position; only top-level ones, or children of one, if asked."""
    statement = select(TaxonomyTerm).options(selectinload(TaxonomyTerm.taxonomy))  # type: ignore[arg-type]
    statement = _named(statement, TaxonomyTerm, filters)
    if filters.taxonomy_id:
        statement = statement.where(TaxonomyTerm.taxonomy_id == filters.taxonomy_id)
    if filters.top_only:
        statement = statement.where(col(TaxonomyTerm.parent_id).is_(None))
    if filters.parent_id:
        statement = statement.where(TaxonomyTerm.parent_id == filters.parent_id)
    statement = statement.order_by(
        col(TaxonomyTerm.taxonomy_id),
        col(TaxonomyTerm.position),
        col(TaxonomyTerm.name),
        col(TaxonomyTerm.id),
    )
    return _paged(session, statement, filters)


def taxonomy_term(session: Session, term_id: uuid.UUID) -> TaxonomyTerm | None:
    statement = (
        select(TaxonomyTerm)
        .where(TaxonomyTerm.id == term_id)
        .options(selectinload(TaxonomyTerm.taxonomy))  # type: ignore[arg-type]
    )
    return session.exec(statement).first()
