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
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
)
from sqlalchemy import or_
from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, func, select

from directory.catalogue.published import area_of, is_published
from directory.catalogue.vocabulary import DAYS
from directory.geo import postcodes
from directory.inputs import OneOf, Says, from_query, problems_of
from directory.models import (
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
from matcher.distance import METRES_PER_MILE, miles_between
from matcher.rules import serves

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

# The parameters each list takes besides page and per_page, named once for the API and its
# document (a parameter a list does not take is ignored).
SERVICE_FILTERS = (
    "search",
    "page",
    "per_page",
    "taxonomy_term_id",
    "taxonomy_id",
    "organization_id",
    "minimum_age",
    "maximum_age",
    "start_time",
    "end_time",
    "day",
    "modified_after",
)
SERVICE_LIST_FILTERS = (*SERVICE_FILTERS, "full", "minimal", "format")
LOCATION_FILTERS = (*SERVICE_FILTERS, "postcode", "proximity", "full", "format")
TERM_FILTERS = ("search", "page", "per_page", "taxonomy_id", "top_only", "parent_id")
NAMED_FILTERS = ("search", "page", "per_page")
FORMATS = ("json", "ndjson")
TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)(:[0-5]\d)?$")
HH_MM = "^([01][0-9]|2[0-3]):[0-5][0-9]$"


def _read_as(kind: Callable[[str], Any]) -> BeforeValidator:
    """Text read as Python reads it as `kind`; text that does not read is left for `Says`."""

    def read(text: Any) -> Any:
        try:
            return kind(text) if isinstance(text, str) else text
        except ValueError:
            return text

    return BeforeValidator(read)


def _time(text: str) -> str:
    """HH:MM (or HH:MM:SS) as the HH:MM we store."""
    match = TIME.match(text)
    return f"{match.group(1)}:{match.group(2)}" if match else text


def _day(text: str) -> str:
    return DAY_NAMES.get(text.lower(), text.upper())


def _datetime(text: str) -> datetime | str:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return text
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _true_or_false(text: str) -> bool | str:
    if text.lower() in ("true", "1", "yes"):
        return True
    return False if text.lower() in ("false", "0", "no") else text


def _lower(text: str) -> str:
    return text.lower()


def _place(text: str) -> Place:
    try:
        found = postcodes.lookup_place(text)
    except postcodes.PostcodeError as error:
        raise ValueError(error.message) from None
    # the outward code: "LS6" of "LS6 1AA", or the district itself when one was given
    district = found.postcode.split()[0]
    return Place(found.latitude, found.longitude, found.local_authority_code, district)


def _from_postcode(metres: float, info: ValidationInfo) -> float:
    if "postcode" in info.data and info.data["postcode"] is None:  # None: not given
        raise ValueError("needs a postcode to measure from")
    return metres


PageNumber = Annotated[
    int,
    Field(ge=1, le=MAX_PAGE),
    Says(f"must be a whole number from 1 to {MAX_PAGE}"),
    _read_as(int),
]
PerPage = Annotated[
    int,
    Field(ge=1, le=MAX_PER_PAGE),
    Says(f"must be a whole number from 1 to {MAX_PER_PAGE}"),
    _read_as(int),
]
Id = Annotated[
    uuid.UUID,
    Says("must be a UUID, such as 3f7b145d-84af-42d7-8fae-eaca714b02b2"),
    _read_as(uuid.UUID),
]
Age = Annotated[
    float,
    Field(ge=0, le=150),
    Says(
        "must be an age in years, such as 16", out_of_range="must be an age in years from 0 to 150"
    ),
    _read_as(float),
]
Time = Annotated[
    str,
    Field(pattern=HH_MM),
    Says("must be a time of day as HH:MM, such as 09:30"),
    BeforeValidator(_time),
]
Day = Annotated[
    str, OneOf(tuple(DAYS)), Says("must be a day such as MO or Monday"), BeforeValidator(_day)
]
Since = Annotated[
    datetime,
    Says("must be an ISO 8601 date or date-time, such as 2024-05-01T09:00:00Z"),
    BeforeValidator(_datetime),
]
TrueOrFalse = Annotated[bool, Says("must be true or false"), BeforeValidator(_true_or_false)]
Format = Annotated[str, OneOf(FORMATS), Says("must be json or ndjson"), BeforeValidator(_lower)]
Postcode = Annotated[
    Place,
    BeforeValidator(_place, json_schema_input_type=str),
    Field(json_schema_extra={"example": "LS6 1AA", "maxLength": 10}),
]
Proximity = Annotated[
    float,
    Field(gt=0, le=MAX_PROXIMITY_M),
    Says(
        "must be a distance in metres, such as 1000",
        out_of_range=f"must be a distance in metres from 1 to {MAX_PROXIMITY_M}",
    ),
    _read_as(float),
    AfterValidator(_from_postcode),
]


class Filters(BaseModel):
    """What a list request asks for: the query parameters of the Open Referral UK lists,
    checked, every problem at once."""

    model_config = ConfigDict(strict=True, frozen=True)

    page: PageNumber = Field(1, description="Page number, from 1.")
    per_page: PerPage = Field(DEFAULT_PER_PAGE, description="Results per page.")
    search: Annotated[
        str,
        Field(max_length=MAX_SEARCH_LENGTH),
        Says(f"must be at most {MAX_SEARCH_LENGTH} characters"),
    ] = Field(
        "",
        description="Words that must all appear in the service's name, description or "
        "organisation's name.",
    )
    taxonomy_term_id: Id | None = Field(None, description="Services linked to this term.")
    taxonomy_id: Id | None = Field(
        None, description="Services linked to any term of this taxonomy."
    )
    organization_id: Id | None = Field(None, description="Services of this organisation.")
    minimum_age: Age | None = Field(
        None, description="Services whose minimum age is at least this."
    )
    maximum_age: Age | None = Field(None, description="Services whose maximum age is at most this.")
    start_time: Time | None = Field(
        None, description="Services with an opening that starts at or after this time (HH:MM)."
    )
    end_time: Time | None = Field(
        None, description="Services with an opening that ends at or before this time (HH:MM)."
    )
    day: Day | None = Field(None, description="Services open on this day (RFC 5545 code).")
    modified_after: Since | None = Field(
        None, description="Services changed at or after this time."
    )
    postcode: Postcode | None = Field(
        None,
        description="A UK postcode or district: with proximity, results within that distance "
        "of it; without, results whose service area covers it. Nearest first.",
    )
    proximity: Proximity | None = Field(None, description="Distance in metres from the postcode.")
    full: TrueOrFalse = Field(
        False, description="Items in full (as their {id} endpoint gives them)."
    )
    minimal: TrueOrFalse = Field(False, description="Items as just id and last_modified.")
    format: Format = Field(
        "json", description="json (pages) or ndjson (every result, one a line, no pages)."
    )
    top_only: TrueOrFalse = Field(False, description="Only terms without a parent.")
    parent_id: Id | None = Field(None, description="Only the children of this term.")
    full_service: TrueOrFalse = Field(
        True,
        description="The organisation's services in full (default) or as their one-to-one fields.",
    )


def read_filters(args: Mapping[str, Any], allowed: tuple[str, ...]) -> Filters:
    """Check the parameters this endpoint takes; InvalidParameters names every bad one."""
    given = from_query(args, ("page", "per_page", *allowed))
    try:
        return Filters.model_validate(given)
    except ValidationError as error:
        raise InvalidParameters(problems_of(error, Filters)) from None


# --- services -------------------------------------------------------------------


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
        selectinload(Service.closures),  # type: ignore[arg-type]
        selectinload(Service.languages),  # type: ignore[arg-type]
        selectinload(Service.areas),  # type: ignore[arg-type]
        selectinload(Service.cost_options),  # type: ignore[arg-type]
        selectinload(Service.contacts).selectinload(Contact.phones),  # type: ignore[arg-type]
        selectinload(Service.foreign_terms),  # type: ignore[arg-type]
    ]


def _like(word: str) -> str:
    escaped = word.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _service_conditions(filters: Filters) -> list[Any]:
    conditions: list[Any] = [is_published()]
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
        select(Service).where(Service.id == service_id, is_published()).options(*service_options())
    )
    return session.exec(statement).first()


# --- services at locations ------------------------------------------------------


def _covers(place: Place, area: ServiceArea, sites: list[tuple[float, float]]) -> bool:
    """Whether the postcode lies in the area the service serves: the matcher's rule (a
    radius by the miles to the nearest site, as shown), as matching and search judge it."""
    miles = min(
        (miles_between(place.latitude, place.longitude, lat, lon) for lat, lon in sites),
        default=None,
    )
    return serves(area_of(area), place.local_authority_code or None, place.district, miles)


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
        rows = _near(session, rows, place, filters.proximity)
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
        return METRES_PER_MILE * miles_between(place.latitude, place.longitude, row[2], row[3])

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
        .where(ServiceAtLocation.id == link_id, is_published())
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
        .where(Service.organization_id == org_id, is_published())
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
