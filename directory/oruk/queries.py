"""Read the published catalogue for the Open Referral UK API: parameters and filtered pages.

A list page costs about what it shows, whatever the size of the catalogue: one query for
the rows of the page (the database orders and cuts it), one for their child rows, and a
count of every match (skipped when the page is the last one, which says it). A postcode
adds a distance check in Python, over the few columns of the places the database could
not rule out (`_nearest_first`).
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

import sqlalchemy as sa
from flask import current_app, has_app_context
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
from sqlalchemy.orm import joinedload, selectinload
from sqlmodel import Session, col, func, select

from directory.catalogue import changes, children
from directory.catalogue.published import area_from, is_published, published_service
from directory.catalogue.vocabulary import DAYS
from directory.geo import postcodes
from directory.inputs import OneOf, Says, from_query, problems_of
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
from matcher.distance import EARTH_RADIUS_MILES, METRES_PER_MILE, miles_between
from matcher.rules import serves

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200
MAX_PAGE = 100_000
MAX_PROXIMITY_M = 1_000_000
MAX_SEARCH_LENGTH = 200
HELD_TOTAL = "signpost.oruk_services_total"  # app.extensions: (change log entry, count)
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


def _page_of(session: Session, statement: Any, counted: Any, filters: Filters) -> Page:
    """The page of an ordered statement, and how many rows match in all (`counted`, a
    count, run only when the page cannot tell: a page that is not full is the last)."""
    start = (filters.page - 1) * filters.per_page
    rows = list(session.exec(statement.offset(start).limit(filters.per_page)).unique().all())
    last = 0 < len(rows) < filters.per_page
    if last:
        total = start + len(rows)
    else:  # a count known already, or a statement that counts
        total = counted if isinstance(counted, int) else session.exec(counted).one()
    return Page(rows, total, filters.page, filters.per_page)


def _page_of_ids(
    session: Session, ids: Any, counted: Any, filters: Filters, load: Callable[..., list[Any]]
) -> Page:
    """A page cut from a statement of ordered ids, then its rows loaded by id: sorting
    narrow rows costs the database far less than sorting whole ones.

    A filtered list counts in the same statement (a window count): the filter is then read
    once, not once for the page and again for the count. An unfiltered one walks an index
    in name order (ix_service_listed) and stops at the page, so its count comes apart."""
    if not _filtered(filters):
        page = _page_of(session, ids, counted, filters)
        return Page(
            load(session, page.items, full=filters.full), page.total, page.number, page.size
        )
    start = (filters.page - 1) * filters.per_page
    rows = session.exec(ids.offset(start).limit(filters.per_page)).all()
    total = rows[0][1] if rows else session.exec(counted).one()
    found = load(session, [row[0] for row in rows], full=filters.full)
    return Page(found, total, filters.page, filters.per_page)


def _filtered(filters: Filters) -> bool:
    """Whether a list reads fewer than every published service (beyond paging)."""
    return filters.model_dump(exclude=SHOWN) != Filters.model_validate({}).model_dump(exclude=SHOWN)


# Parameters that say how results are shown, not which.
SHOWN = {"page", "per_page", "full", "minimal", "format", "full_service"}


def _ids(column: Any, filters: Filters) -> Any:
    """A statement of ids, with how many there are in all beside each when filtered."""
    return select(column, func.count().over()) if _filtered(filters) else select(column)


def _with_organisation(full: bool) -> Any:
    """A service's organisation, joined; with its phones too for items in full."""
    joined = joinedload(Service.organisation, innerjoin=True)  # type: ignore[arg-type]
    return joined.selectinload(Organisation.phones) if full else joined  # type: ignore[arg-type]


def service_ids(session: Session, filters: Filters) -> list[uuid.UUID]:
    """The ids of every published service matching the filters, by name (format=ndjson)."""
    statement = (
        select(Service.id)
        .where(*_service_conditions(filters))
        .order_by(col(Service.name), col(Service.id))
    )
    return list(session.exec(statement).all())


def services(session: Session, filters: Filters) -> Page:
    """A page of published services matching the filters, by name."""
    conditions = _service_conditions(filters)
    ids = _ids(col(Service.id), filters).where(*conditions)
    counted: Any = select(func.count()).select_from(Service).where(*conditions)
    if not _filtered(filters):
        counted = _held_total(session, counted)
    return _page_of_ids(
        session, ids.order_by(col(Service.name), col(Service.id)), counted, filters, load_services
    )


def _held_total(session: Session, counted: Any) -> int:
    """How many services the unfiltered list holds: counted once per entry of the
    catalogue's change log and then held by the app (counting every published service read
    all 20,000 rows for each page of the list)."""
    if not has_app_context():
        return int(session.exec(counted).one())
    seq = changes.latest(session)
    held: tuple[int, int] | None = current_app.extensions.get(HELD_TOTAL)
    if held is None or held[0] != seq:
        held = (seq, session.exec(counted).one())
        current_app.extensions[HELD_TOTAL] = held
    return held[1]


def load_services(session: Session, ids: list[uuid.UUID], full: bool = True) -> list[Service]:
    """Services by id, in that order, with every child (or, for list items, with their
    organisation only)."""
    if not ids:
        return []
    statement = select(Service).where(col(Service.id).in_(ids)).options(_with_organisation(full))
    found = {s.id: s for s in session.exec(statement).unique().all()}
    ordered = [found[i] for i in ids if i in found]
    if full:
        children.load(session, ordered, children.IN_FULL)
    return ordered


def service(session: Session, service_id: uuid.UUID) -> Service | None:
    """A published service in full, or None."""
    return published_service(session, service_id, children.IN_FULL)


# --- services at locations ------------------------------------------------------


def _links(filters: Filters, *columns: Any) -> Any:
    """Published services at their locations matching the filters, by service and place
    name: the rows of ServiceAtLocation (joined to both), or the columns asked for."""
    return (
        (select(*columns) if columns else select(ServiceAtLocation))
        .select_from(ServiceAtLocation)
        .join(Service, Service.id == ServiceAtLocation.service_id)  # type: ignore[arg-type]
        .join(Location, Location.id == ServiceAtLocation.location_id)  # type: ignore[arg-type]
        .where(*_service_conditions(filters))
        .order_by(col(Service.name), col(Location.name), col(ServiceAtLocation.id))
    )


def link_ids(session: Session, filters: Filters) -> list[uuid.UUID]:
    """The ids of every published service at a location matching the filters: by service
    and place name, or nearest first with a postcode (format=ndjson)."""
    if filters.postcode is not None:
        return [uuid.UUID(text) for text in _nearest_first(session, filters, filters.postcode)]
    return list(session.exec(_links(filters, col(ServiceAtLocation.id))).all())


def warm(session: Session) -> int:
    """The first page of the list of services, as GET /api/v1/services reads it, before the
    first request: its statements compiled once for the app's engine, not by each worker's
    first list. How many services it holds."""
    return len(services(session, Filters.model_validate({})).items)


def services_at_locations(session: Session, filters: Filters) -> Page:
    """A page of published services at their locations."""
    if filters.postcode is not None:
        ids = _nearest_first(session, filters, filters.postcode)
        page = [uuid.UUID(text) for text in _slice(ids, filters)]
        found = load_links(session, page, full=filters.full)
        return Page(found, len(ids), filters.page, filters.per_page)
    ids = _links(filters, *_ids(col(ServiceAtLocation.id), filters).selected_columns)
    counted = _links(filters, func.count()).order_by(None)
    return _page_of_ids(session, ids, counted, filters, load_links)


def _load_in_full(session: Session, links: list[ServiceAtLocation]) -> None:
    """The services of these links in full (their children and their organisations' phones)."""
    services = list({link.service_id: link.service for link in links}.values())
    organisations = list({s.organization_id: s.organisation for s in services}.values())
    children.load(session, organisations, children.ORGANISATION)
    children.load(session, services, children.IN_FULL)


def _nearest_first(session: Session, filters: Filters, place: Place) -> list[str]:
    """The ids of the services at locations matching the filters within proximity of the
    place, or whose service area covers it, nearest first (ties by name).

    The database leaves out what cannot qualify (places outside a box around the
    proximity; services with no area that could cover the place), then the matcher's own
    rules decide, over a few columns per row: ids are read as text, as turning every one
    into a UUID would cost more than the rest of the work (the caller turns those it shows)."""
    statement = _links(
        filters,
        sa.cast(ServiceAtLocation.id, sa.String),
        sa.cast(ServiceAtLocation.service_id, sa.String),
        col(Location.latitude),
        col(Location.longitude),
    )
    if filters.proximity is not None:
        rows = session.exec(statement.where(*_box(place, filters.proximity))).all()
        kept = [row for row in rows if _metres(place, row) <= filters.proximity]
    else:
        rows = session.exec(statement.where(_may_serve(place))).all()
        covered = _covered(session, filters, place, rows)
        kept = [row for row in rows if row[1] in covered]
    return [row[0] for row in sorted(kept, key=lambda row: _metres(place, row))]


def _metres(place: Place, row: Any) -> float:
    """How far a row's place (latitude, longitude as its 3rd and 4th columns) lies from the
    place; a place without coordinates is infinitely far."""
    if row[2] is None or row[3] is None:
        return math.inf
    return METRES_PER_MILE * miles_between(place.latitude, place.longitude, row[2], row[3])


def _box(place: Place, metres: float) -> list[Any]:
    """Latitude and longitude bounds that every point within `metres` of the place lies
    inside (a little wider, to be sure); the distance itself is measured afterwards."""
    angle = metres / METRES_PER_MILE / EARTH_RADIUS_MILES  # radians of the great circle
    margin = 1.01
    lat = math.degrees(angle) * margin + 1e-6
    bounds = [col(Location.latitude).between(place.latitude - lat, place.latitude + lat)]
    reach = math.cos(math.radians(place.latitude))
    if angle < math.pi / 2 - math.radians(abs(place.latitude)) and reach > 0:
        lon = math.degrees(math.asin(min(1.0, math.sin(angle) / reach))) * margin + 1e-6
        if place.longitude - lon >= -180 and place.longitude + lon <= 180:
            bounds.append(
                col(Location.longitude).between(place.longitude - lon, place.longitude + lon)
            )
    return bounds


def _may_serve(place: Place) -> Any:
    """Services with an area that could cover the place: national or radius ones, and local
    authority or district ones naming its codes (text that holds the code: the exact rule,
    matcher.rules.serves, is applied afterwards)."""
    extent, kind = col(ServiceArea.extent), col(ServiceArea.extent_type)
    could: list[Any] = [kind.in_([AreaType.NATIONAL, AreaType.RADIUS])]
    if place.local_authority_code:
        could.append(
            sa.and_(
                kind == AreaType.LOCAL_AUTHORITY,
                extent.contains(place.local_authority_code, autoescape=True),
            )
        )
    if place.district:
        could.append(
            sa.and_(kind == AreaType.DISTRICTS, extent.contains(place.district, autoescape=True))
        )
    return col(Service.id).in_(select(ServiceArea.service_id).where(or_(*could)))


def _covered(session: Session, filters: Filters, place: Place, rows: list[Any]) -> set[str]:
    """The ids (as text) of the rows' services whose service area covers the place, by the
    matcher's rule (a radius by the miles to the service's nearest site, as shown), as
    matching and search judge it. Areas repeat across services: each is judged once, but a
    radius, whose answer depends on the service's sites."""
    columns: tuple[Any, ...] = (
        sa.cast(ServiceArea.service_id, sa.String),
        sa.type_coerce(ServiceArea.extent_type, sa.String),  # text: area_from reads it
        col(ServiceArea.extent),
        col(ServiceArea.radius_miles),
        col(ServiceArea.name),
    )
    statement = select(*columns).where(
        col(ServiceArea.service_id).in_(
            select(Service.id).where(*_service_conditions(filters), _may_serve(place))
        )
    )
    sites: dict[str, list[tuple[float, float]]] = {}
    for row in rows:
        if row[2] is not None and row[3] is not None:
            sites.setdefault(row[1], []).append((row[2], row[3]))
    judged: dict[tuple[Any, ...], bool] = {}
    areas: dict[tuple[Any, ...], Any] = {}
    covered: set[str] = set()
    for service_id, *columns in session.exec(statement).all():
        key = tuple(columns)
        if service_id in covered or judged.get(key) is False:
            continue
        if key not in areas:
            areas[key] = area_from(*columns)
        area = areas[key]
        if area.kind != AreaType.RADIUS:
            judged[key] = judged[key] if key in judged else _serves(place, area, None)
            if judged[key]:
                covered.add(service_id)
            continue
        nearest = min(
            (
                miles_between(place.latitude, place.longitude, lat, lon)
                for lat, lon in sites.get(service_id, [])
            ),
            default=None,
        )
        if _serves(place, area, nearest):
            covered.add(service_id)
    return covered


def _serves(place: Place, area: Any, miles: float | None) -> bool:
    return serves(area, place.local_authority_code or None, place.district, miles)


def link_options() -> list[Any]:
    """Batch loads for services at locations: the place with its accessibility, the service
    with its organisation (the rest of a service in full: `_load_in_full`)."""
    service = joinedload(ServiceAtLocation.service, innerjoin=True)  # type: ignore[arg-type]
    return [
        joinedload(ServiceAtLocation.location, innerjoin=True).selectinload(Location.accessibility),  # type: ignore[arg-type]
        service.joinedload(Service.organisation, innerjoin=True),  # type: ignore[arg-type]
    ]


def load_links(
    session: Session, ids: list[uuid.UUID], full: bool = False
) -> list[ServiceAtLocation]:
    """Services at locations by id, in that order, loaded for list items (or in full)."""
    if not ids:
        return []
    statement = (
        select(ServiceAtLocation).where(col(ServiceAtLocation.id).in_(ids)).options(*link_options())
    )
    found = {link.id: link for link in session.exec(statement).all()}
    ordered = [found[i] for i in ids if i in found]
    if full:
        _load_in_full(session, ordered)
    return ordered


def service_at_location(session: Session, link_id: uuid.UUID) -> ServiceAtLocation | None:
    """A published service at a location in full, or None."""
    statement = (
        select(ServiceAtLocation)
        .join(Service, Service.id == ServiceAtLocation.service_id)  # type: ignore[arg-type]
        .where(ServiceAtLocation.id == link_id, is_published())
        .options(*link_options())
    )
    found = session.exec(statement).first()
    if found is not None:
        _load_in_full(session, [found])
    return found


# --- organisations and taxonomies -----------------------------------------------


def _paged(session: Session, statement: Any, filters: Filters) -> Page:
    counted = select(func.count()).select_from(statement.order_by(None).subquery())
    return _page_of(session, statement, counted, filters)


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


def organisation(
    session: Session, org_id: uuid.UUID, full: bool = True
) -> tuple[Organisation, list[Service]] | None:
    """A published organisation with its published services (in full, or their one-to-one
    fields only), or None."""
    statement = (
        select(Organisation)
        .where(Organisation.id == org_id, Organisation.status == ListingStatus.PUBLISHED)
        .options(selectinload(Organisation.phones))  # type: ignore[arg-type]
    )
    org = session.exec(statement).first()
    if org is None:
        return None
    found = session.exec(
        select(Service)
        .where(Service.organization_id == org_id, is_published())
        .order_by(col(Service.name), col(Service.id))
    ).all()
    services = list(found)
    if full:
        children.load(session, services, children.IN_FULL)
    return org, services


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
