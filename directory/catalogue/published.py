"""Reading the public catalogue: what the public may see, and only that."""

from __future__ import annotations

import math
import re
import threading
import uuid
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.interfaces import LoaderOption
from sqlmodel import Session, col, func, select

from directory import db
from directory.catalogue import changes, children
from directory.catalogue import needs as needs_vocabulary
from directory.models import (
    NEEDS_TAXONOMY_ID,
    AreaType,
    Contact,
    ListingStatus,
    Location,
    Organisation,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceTaxonomyTerm,
    TaxonomyTerm,
)
from matcher import opening
from matcher.facts import Area, Closure, OpeningSession

T = TypeVar("T")
NEED_COUNTS = "signpost.need_counts"
HELD_CARDS = "signpost.held_cards"
HELD_PAGES = "signpost.held_service_pages"
CARDS_KEPT = 5_000  # listings held for their cards, the least recently shown dropped first
PAGES_KEPT = 2_000  # listings held for their pages (each with every child row)


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    number: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


@dataclass(frozen=True)
class NeedSummary:
    """A need as the public pages list it, with how many published services meet it: plain
    data, so that it can be held by the app beyond the session that counted it."""

    code: str
    label: str
    description: str
    services: int


def published_organisation_ids() -> Any:
    """The ids of organisations the public may see (a subquery)."""
    return select(Organisation.id).where(Organisation.status == ListingStatus.PUBLISHED)


def is_published(few: bool = False) -> sa.ColumnElement[bool]:
    """A service the public may see: published, by an organisation that is published too.

    `few`: for a statement that picks a few services by id. Each one's organisation is then
    looked up by its key, rather than every published organisation listed first (SQLite
    lists them for each statement: 4 ms at 6,500 organisations, for the 25 cards of a
    search); and the service's own status is asked inside that lookup, so that a database
    without statistics (SQLite before ANALYZE) cannot read every published service by the
    status index instead of the few by id (10 ms at 20,000 services)."""
    if few:
        return sa.exists().where(
            col(Organisation.id) == Service.organization_id,
            col(Organisation.status) == ListingStatus.PUBLISHED,
            col(Service.status) == ListingStatus.PUBLISHED,
        )
    return sa.and_(
        col(Service.status) == ListingStatus.PUBLISHED,
        col(Service.organization_id).in_(published_organisation_ids()),
    )


def facts_options() -> list[LoaderOption]:
    """Eager loads for turning services into facts (search documents, matcher facts)."""
    return [
        selectinload(Service.organisation),  # type: ignore[arg-type]
        selectinload(Service.need_links).selectinload(ServiceTaxonomyTerm.term),  # type: ignore[arg-type]
        selectinload(Service.location_links)  # type: ignore[arg-type]
        .selectinload(ServiceAtLocation.location)  # type: ignore[arg-type]
        .selectinload(Location.accessibility),  # type: ignore[arg-type]
        selectinload(Service.schedules),  # type: ignore[arg-type]
        selectinload(Service.closures),  # type: ignore[arg-type]
        selectinload(Service.languages),  # type: ignore[arg-type]
        selectinload(Service.areas),  # type: ignore[arg-type]
    ]


def in_batches(session: Session, statement: Any, batch: int) -> Iterator[Any]:
    """Rows of a statement ordered by a unique key, a batch at a time, to bound memory."""
    offset = 0
    while True:
        rows = session.exec(statement.offset(offset).limit(batch)).all()
        if not rows:
            return
        yield from rows
        offset += batch


def _full_service_options() -> list[LoaderOption]:
    """Load what a service page shows in a few queries, not one per field."""
    return [
        *facts_options(),
        selectinload(Service.cost_options),  # type: ignore[arg-type]
        selectinload(Service.contacts).selectinload(Contact.phones),  # type: ignore[arg-type]
    ]


def _card_options() -> list[LoaderOption]:
    """Load what a service card shows: its organisation, its costs, its opening times and
    who it serves."""
    return [
        selectinload(Service.organisation),  # type: ignore[arg-type]
        selectinload(Service.cost_options),  # type: ignore[arg-type]
        selectinload(Service.schedules),  # type: ignore[arg-type]
        selectinload(Service.closures),  # type: ignore[arg-type]
        selectinload(Service.areas),  # type: ignore[arg-type]
    ]


def sessions_of(service: Service) -> tuple[OpeningSession, ...]:
    """A service's weekly sessions, with their seasons, as matcher/opening.py reads them:
    the one conversion, so that search, matching and the cards agree on when it is open."""
    return tuple(
        OpeningSession(tuple(s.days), s.opens_at, s.closes_at, s.valid_from, s.valid_to)
        for s in service.schedules
    )


def closures_of(service: Service) -> tuple[Closure, ...]:
    """The days a service is shut: its closures, and bank holidays when it closes on them."""
    rows = (Closure(c.starts, c.ends, c.reason) for c in service.closures)
    return opening.closures_of(rows, service.closed_on_bank_holidays)


def areas_served(service: Service) -> tuple[Area, ...]:
    """Who a service serves, as the matcher's areas, so that matching, search, the cards and
    the Open Referral UK API judge and say an area alike (matcher.rules.serves, area_words)."""
    return tuple(area_of(area) for area in service.areas)


def area_of(area: ServiceArea) -> Area:
    """One area a service serves, as the matcher's Area: the one conversion."""
    return area_from(area.extent_type, area.extent, area.radius_miles, area.name)


def area_from(kind: str, extent: str, miles: float | None, name: str) -> Area:
    """`area_of` from a service_area row's columns, for callers that read only those."""
    return Area(kind=AreaType(kind).value, codes=tuple(extent.split()), miles=miles, name=name)


def needs(session: Session) -> list[NeedSummary]:
    """Every need in taxonomy order, with how many published services meet it: counted once
    per catalogue generation and held by the app (counting every published service per need
    took 120 ms at 20,000 services), read again when the catalogue or the vocabulary changes."""
    if not has_app_context():
        return count_needs(session)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    holder: db.Held[list[NeedSummary]] = db.Held.of(app, NEED_COUNTS)
    return holder.get(
        (generation(session), needs_vocabulary.generation(session)),
        lambda _previous: count_needs(session),
    )


def count_needs(session: Session) -> list[NeedSummary]:
    """Every need in taxonomy order, with how many published services meet it, counted now."""
    statement = (
        select(TaxonomyTerm, func.count(col(Service.id)))
        .where(TaxonomyTerm.taxonomy_id == NEEDS_TAXONOMY_ID)
        .outerjoin(
            ServiceTaxonomyTerm,
            col(ServiceTaxonomyTerm.taxonomy_term_id) == TaxonomyTerm.id,
        )
        .outerjoin(
            Service,
            sa.and_(col(Service.id) == ServiceTaxonomyTerm.service_id, is_published()),
        )
        .group_by(col(TaxonomyTerm.id))
        .order_by(col(TaxonomyTerm.position), col(TaxonomyTerm.code))
    )
    return [
        NeedSummary(term.code, term.name, term.description, count)
        for term, count in session.exec(statement).all()
    ]


def generation(session: Session) -> tuple[Any, ...]:
    """A value that changes whenever what the public may see of the catalogue might have: the
    one key of what is held per catalogue generation (the counts of needs). One query of
    counts and latest changes (an added, edited or removed service or organisation, a need
    linked or unlinked), and the change log's newest entry (a re-import may set an older
    updated_at)."""
    return db.generation(
        session,
        db.count_and_latest(sa.inspect(Service).local_table)
        + db.count_and_latest(sa.inspect(Organisation).local_table)
        + db.row_count(sa.inspect(ServiceTaxonomyTerm).local_table)
        + [changes.latest_part()],
    )


NEED_CODE = re.compile(r"^[a-z0-9_]{1,100}$")


def need(session: Session, code: str) -> TaxonomyTerm | None:
    """A need by its code (loneliness), or None (also for text that cannot be a code)."""
    if not NEED_CODE.match(code):
        return None
    statement = select(TaxonomyTerm).where(
        TaxonomyTerm.taxonomy_id == NEEDS_TAXONOMY_ID, TaxonomyTerm.code == code
    )
    return session.exec(statement).first()


def services_for_need(
    session: Session, term: TaxonomyTerm, number: int, size: int
) -> Page[Service]:
    """Published services meeting a need, those mainly for it first, then by name."""
    base = (
        select(Service)
        .join(ServiceTaxonomyTerm, col(ServiceTaxonomyTerm.service_id) == Service.id)
        .where(ServiceTaxonomyTerm.taxonomy_term_id == term.id, is_published())
    )
    total = session.exec(select(func.count()).select_from(base.subquery())).one()
    statement = (
        base.options(*_full_service_options())
        .order_by(col(ServiceTaxonomyTerm.rank), col(Service.name), col(Service.id))
        .offset((number - 1) * size)
        .limit(size)
    )
    return Page(list(session.exec(statement).all()), total, number, size)


def published_service(
    session: Session, service_id: uuid.UUID, paths: tuple[children.Path, ...] = children.PAGE
) -> Service | None:
    """A published service by id with its organisation and the child rows on `paths` (what
    its page shows, by default), in two statements; None for unknown or unpublished ids."""
    statement = (
        select(Service)
        .where(Service.id == service_id, is_published())
        .options(
            joinedload(Service.organisation, innerjoin=True).joinedload(Organisation.phones)  # type: ignore[arg-type]
        )
    )
    found = session.exec(statement).unique().first()
    if found is not None:
        children.load(session, [found], paths)
    return found


def organisation(session: Session, organisation_id: uuid.UUID) -> Organisation | None:
    """A published organisation by id, or None."""
    found = session.get(Organisation, organisation_id)
    if found is None or found.status != ListingStatus.PUBLISHED:
        return None
    return found


def services_of(session: Session, org: Organisation) -> list[Service]:
    """An organisation's published services, by name."""
    statement = (
        select(Service)
        .where(Service.organization_id == org.id, is_published())
        .options(*_full_service_options())
        .order_by(col(Service.name), col(Service.id))
    )
    return list(session.exec(statement).all())


def services_by_id(session: Session, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Service]:
    """Published services among ids, loaded for their cards in one go; the caller keeps the
    order (search returns ranked ids, and ids it holds that are no longer public are left out)."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return {}
    statement = (
        select(Service)
        .where(col(Service.id).in_(wanted), is_published(few=True))
        .options(*_card_options())
    )
    return {service.id: service for service in session.exec(statement).all()}


class HeldListings:
    """Listings loaded once and held by the app for reading only (the cards of search
    results), until the catalogue's change log moves on: any logged change to any listing
    (an edit, an unpublished service, a renamed organisation) drops them all. Checking costs
    one indexed query, against about 7 ms of loading the 25 cards of a search page at 20,000
    services. Each is loaded in a session of its own and then closed: detached, so that no
    request's commit can expire what another request reads."""

    def __init__(self, kept: int = CARDS_KEPT) -> None:
        self.kept = kept
        self.lock = threading.Lock()
        self.seq: int | None = None
        self.rows: OrderedDict[uuid.UUID, Service] = OrderedDict()

    def get(
        self,
        session: Session,
        ids: Iterable[uuid.UUID],
        load: Callable[[Session, list[uuid.UUID]], dict[uuid.UUID, Service]],
    ) -> dict[uuid.UUID, Service]:
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return {}
        seq = changes.latest(session)
        with self.lock:
            if seq != self.seq:
                self.rows.clear()
                self.seq = seq
            found = {key: self.rows[key] for key in wanted if key in self.rows}
            for key in found:
                self.rows.move_to_end(key)
        missing = [key for key in wanted if key not in found]
        if missing:
            with Session(session.get_bind(), expire_on_commit=False) as own:
                loaded = load(own, missing)
                own.expunge_all()
            with self.lock:
                if seq == self.seq:  # not if a newer change was met meanwhile
                    self.rows.update(loaded)
                    while len(self.rows) > self.kept:
                        self.rows.popitem(last=False)
            found.update(loaded)
        return {key: found[key] for key in wanted if key in found}


def cards_by_id(session: Session, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Service]:
    """`services_by_id`, held by the app between requests (HeldListings): for showing only,
    never for changing (the rows are shared by every request and detached from any session)."""
    if not has_app_context():
        return services_by_id(session, ids)
    return _held_listings(HELD_CARDS, CARDS_KEPT).get(session, ids, services_by_id)


def service_page(session: Session, service_id: uuid.UUID) -> Service | None:
    """`published_service` with what its page shows, held by the app between requests
    (HeldListings): for showing only, never for changing."""
    if not has_app_context():
        return published_service(session, service_id)

    def load(own: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, Service]:
        found = {key: published_service(own, key) for key in ids}
        return {key: service for key, service in found.items() if service is not None}

    return _held_listings(HELD_PAGES, PAGES_KEPT).get(session, [service_id], load).get(service_id)


def warm(session: Session, shown: int = 10) -> int:
    """Load a search page's worth of cards and one service's page as requests do, before the
    first request: the statements are compiled once for the app's engine (a worker's first
    search page compiled its cards' for 0.1-0.2 s), and the listings are held. How many."""
    ids = session.exec(
        select(Service.id).where(is_published()).order_by(col(Service.id)).limit(shown)
    ).all()
    cards_by_id(session, ids)
    if ids:
        service_page(session, ids[0])
    return len(ids)


def _held_listings(key: str, kept: int) -> HeldListings:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    holder: HeldListings | None = app.extensions.get(key)
    if holder is None:
        holder = app.extensions.setdefault(key, HeldListings(kept))
    return holder


# --- rows read without the ORM, by service: what the search index and the matcher read -----


def rows_by_service(session: Session, statement: Any) -> dict[uuid.UUID, list[tuple[Any, ...]]]:
    """The rows of a statement whose first column is a service's (or a place's) id, by it,
    in the order read."""
    found: dict[uuid.UUID, list[tuple[Any, ...]]] = defaultdict(list)
    for key, *rest in session.exec(statement).all():
        found[key].append(tuple(rest))
    return found


def select_columns(*columns: Any) -> Any:
    """A select of columns, typed loosely: SQLModel types each column as its value."""
    return sa.select(*columns)


def needs_by_service(
    session: Session, ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, list[tuple[Any, ...]]]:
    """Each service's needs as (code, name, synonyms), in the listing's order."""
    return rows_by_service(
        session,
        select_columns(
            ServiceTaxonomyTerm.service_id,
            TaxonomyTerm.code,
            TaxonomyTerm.name,
            TaxonomyTerm.synonyms,
        )  # fmt: skip
        .join(TaxonomyTerm, col(TaxonomyTerm.id) == ServiceTaxonomyTerm.taxonomy_term_id)
        .where(col(ServiceTaxonomyTerm.service_id).in_(ids))
        .order_by(col(ServiceTaxonomyTerm.service_id), col(ServiceTaxonomyTerm.rank)),
    )
