"""Database rows as the matcher's facts: the one place that turns a service and its
relations into `matcher.ServiceFacts`, and the needs vocabulary into `matcher.Vocabulary`."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Collection, Iterable, Iterator
from typing import Any, TypeVar

from sqlmodel import Session, col, select

import matcher
from directory.catalogue import published, vocabulary
from directory.catalogue.needs import NeedsVocabulary
from directory.catalogue.published import rows_by_service as _by_service
from directory.catalogue.published import select_columns as _select
from directory.models import (
    Accessibility,
    CareLevel,
    Contact,
    Language,
    ListingStatus,
    Location,
    Organisation,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
)
from directory.models import Closure as ClosedDays
from matcher import opening
from matcher.facts import Closure as ClosedOn
from matcher.facts import OpeningSession

T = TypeVar("T")

# Drafts are an editor's work in progress: a link worker never sees them, not even as
# excluded. Listings waiting for review or archived are shown as excluded, with the reason.
MATCHABLE_STATUSES = (
    ListingStatus.PUBLISHED,
    ListingStatus.PENDING_REVIEW,
    ListingStatus.ARCHIVED,
)


def facts_from_service(service: Service) -> matcher.ServiceFacts:
    """A service row, loaded with its relations (see `matchable_services`), as matcher facts."""
    terms = service.needs
    return matcher.ServiceFacts(
        id=str(service.id),
        name=service.name,
        organisation=service.organisation.name,
        needs=tuple(t.code for t in terms),
        need_words=" ".join([t.name for t in terms] + [w for t in terms for w in t.synonyms]),
        keywords=tuple(service.keywords),
        description=described(
            service.summary, service.description, service.eligibility_description
        ),
        min_age=service.minimum_age,
        max_age=service.maximum_age,
        restrictions=tuple(service.restrictions),
        referral_routes=tuple(service.referral_routes),
        routes_known=service.routes_known,
        capacity=service.capacity.value,
        waiting_weeks=service.waiting_weeks,
        status=service.status.value,
        last_verified=service.last_verified,
        modes=tuple(service.delivery),
        areas=published.areas_served(service),
        sites=tuple(_site(link.location) for link in service.location_links if _located(link)),
        sessions=published.sessions_of(service),
        closures=published.closures_of(service),
        free=service.is_free,
        languages=tuple(language.code for language in service.languages),
        pathway=pathway_of(
            service.pathway,
            service.care_level,
            service.url,
            _phone_of(service) if service.pathway else "",
            service.out_of_hours,
        ),
    )


def pathway_of(
    code: str, level: CareLevel | None, url: str | None, phone: str, out_of_hours: str
) -> matcher.Pathway | None:
    """A pathway listing's pathway facts (None for a community listing): its level as it
    says, or its pathway's usual level (vocabulary.NHS_PATHWAYS)."""
    if not code:
        return None
    usual = vocabulary.NHS_PATHWAYS.get(code, ("", CareLevel.SPECIALIST.value))[1]
    return matcher.Pathway(
        code=code,
        level=level.value if level is not None else usual,
        website=url or "",
        phone=phone,
        out_of_hours=out_of_hours,
    )


def _phone_of(service: Service) -> str:
    """The service's own contact number (as _phones_of reads it), never its organisation's:
    a trust's switchboard is not its crisis line's number, nor a team's duty line."""
    numbers = [
        (contact.id, phone.id, phone.number)
        for contact in service.contacts
        for phone in contact.phones
    ]
    return min(numbers)[2] if numbers else ""


def described(summary: str, description: str, eligibility: str) -> str:
    """What the matcher holds of a service's own words: their telling words, each once."""
    return matcher.telling_words(
        " ".join(part for part in (summary, description, eligibility) if part)
    )


def _located(link: ServiceAtLocation) -> bool:
    return link.location.latitude is not None and link.location.longitude is not None


def _site(location: Location) -> matcher.Site:
    assert location.latitude is not None and location.longitude is not None
    return matcher.Site(
        latitude=location.latitude,
        longitude=location.longitude,
        postcode_district=location.postal_code.split(" ")[0] if location.postal_code else "",
        local_authority=location.local_authority_code or "",
        access=tuple(a.feature for a in location.accessibility),
    )


def matchable_services(
    session: Session, ids: Collection[uuid.UUID] | None = None, batch: int = 1000
) -> Iterator[matcher.ServiceFacts]:
    """Facts of every service of a published organisation, drafts aside (of these ids
    only, if given), by id, read a batch at a time.

    Read as plain rows, a query a table for each batch, and put together here: the same
    facts as facts_from_service gives for a loaded row (a test holds them equal). Loading
    each service and its children as ORM objects left a worker holding about 285 MB for a
    catalogue of 100,000 services; rows leave nothing behind but the facts, and a value
    many services repeat (a need's code, a postcode district, the Leeds area, a weekly
    session, the bank holidays) is held once (`Shared`)."""
    wanted = (
        select(Service.id)
        .where(
            Service.status.in_(MATCHABLE_STATUSES),  # type: ignore[attr-defined]
            Service.organization_id.in_(published.published_organisation_ids()),  # type: ignore[attr-defined]
        )
        .order_by(Service.id)  # type: ignore[arg-type]
    )
    if ids is not None:
        wanted = wanted.where(col(Service.id).in_(list(ids)))
    # The ids first, then each batch by its ids: a page by OFFSET filtered and sorted all
    # the services again for each batch (20 s of the 30 a catalogue of 20,000 took).
    found = list(session.exec(wanted).all())
    shared = Shared()
    for start in range(0, len(found), batch):
        yield from _facts_of(session, found[start : start + batch], shared)


class Shared:
    """One copy of each value that many services repeat, for the life of one read: each
    row read gives a new copy of a string or a date, and at 100,000 services the copies of
    a few thousand distinct values took tens of megabytes."""

    def __init__(self) -> None:
        self._values: dict[tuple[type, Any], Any] = {}

    def __call__(self, value: T) -> T:
        found: T = self._values.setdefault((type(value), value), value)
        return found

    def strings(self, values: Iterable[str]) -> tuple[str, ...]:
        return self(tuple(self(v) for v in values))


def _facts_of(
    session: Session, ids: list[uuid.UUID], shared: Shared
) -> Iterator[matcher.ServiceFacts]:
    """The facts of these services (matchable ones, by id). The children are read by
    statements of the same shape as the ORM's eager loads (published.facts_options), so
    that those without an order of their own come in the same order."""
    rows = session.exec(
        _select(
            Service.id,
            Service.name,
            Service.summary,
            Service.description,
            Service.eligibility_description,
            Service.keywords,
            Service.minimum_age,
            Service.maximum_age,
            Service.restrictions,
            Service.self_referral,
            Service.professional_referral,
            Service.gp_referral,
            Service.routes_known,
            Service.capacity,
            Service.waiting_weeks,
            Service.status,
            Service.last_verified,
            Service.in_person,
            Service.online,
            Service.by_phone,
            Service.is_free,
            Service.closed_on_bank_holidays,
            Organisation.name,
            Service.mhp_referral,
            Service.urgent_referral,
            Service.pathway,
            Service.care_level,
            Service.url,
            Service.out_of_hours,
        )  # fmt: skip
        .join(Organisation, col(Organisation.id) == Service.organization_id)
        .where(col(Service.id).in_(ids))
        .order_by(col(Service.id))
    ).all()
    needs = published.needs_by_service(session, ids)
    links = _by_service(
        session,
        _select(
            ServiceAtLocation.service_id, ServiceAtLocation.location_id, ServiceAtLocation.id
        ).where(col(ServiceAtLocation.service_id).in_(ids)),
    )
    sites = _sites_of(session, {place for found in links.values() for place, _ in found}, shared)
    schedules = _by_service(
        session,
        _select(
            Schedule.service_id,
            Schedule.byday,
            Schedule.opens_at,
            Schedule.closes_at,
            Schedule.valid_from,
            Schedule.valid_to,
            Schedule.id,
        ).where(col(Schedule.service_id).in_(ids)),  # fmt: skip
    )
    closures = _by_service(
        session,
        _select(ClosedDays.service_id, ClosedDays.starts, ClosedDays.ends, ClosedDays.reason)
        .where(col(ClosedDays.service_id).in_(ids))
        .order_by(col(ClosedDays.starts)),
    )
    languages = _by_service(
        session,
        _select(Language.service_id, Language.code, Language.id).where(
            col(Language.service_id).in_(ids)
        ),
    )
    areas = _by_service(
        session,
        _select(
            ServiceArea.service_id,
            ServiceArea.extent_type,
            ServiceArea.extent,
            ServiceArea.radius_miles,
            ServiceArea.name,
            ServiceArea.id,
        ).where(col(ServiceArea.service_id).in_(ids)),  # fmt: skip
    )
    phones = _phones_of(session, [row.id for row in rows if row.pathway])
    words_of_needs: dict[tuple[str, ...], str] = {}
    for (
        service_id, name, summary, description, eligibility, keywords, minimum_age,
        maximum_age, restrictions, self_referral, professional_referral, gp_referral,
        routes_known, capacity, waiting_weeks, status, last_verified, in_person, online,
        by_phone, free, closed_on_bank_holidays, organisation, mhp_referral, urgent_referral,
        pathway, care_level, url, out_of_hours,
    ) in rows:  # fmt: skip
        terms = needs.get(service_id, [])
        codes = shared.strings(code for code, _name, _synonyms in terms)
        need_words = words_of_needs.get(codes)
        if need_words is None:
            need_words = words_of_needs[codes] = " ".join(
                [n for _code, n, _synonyms in terms] + [w for *_, words in terms for w in words]
            )
        routes = [
            ("self", self_referral),
            ("professional", professional_referral),
            ("gp", gp_referral),
            ("mhp", mhp_referral),
            ("urgent", urgent_referral),
        ]
        modes = [("in_person", in_person), ("online", online), ("phone", by_phone)]
        shut = (ClosedOn(s, e, r) for s, e, r in closures.get(service_id, []))
        yield matcher.ServiceFacts(
            id=str(service_id),
            name=shared(name),
            organisation=shared(organisation),
            needs=codes,
            need_words=shared(need_words),
            keywords=shared.strings(keywords),
            description=described(summary, description, eligibility),
            min_age=minimum_age,
            max_age=maximum_age,
            restrictions=shared.strings(restrictions),
            referral_routes=shared(tuple(route for route, on in routes if on)),
            routes_known=routes_known,
            capacity=capacity.value,
            waiting_weeks=waiting_weeks,
            status=status.value,
            last_verified=shared(last_verified),
            modes=shared(tuple(mode for mode, on in modes if on)),
            areas=shared(
                tuple(
                    shared(published.area_from(kind, extent, miles, shared(area_name)))
                    for kind, extent, miles, area_name, _id in areas.get(service_id, [])
                )
            ),
            sites=shared(
                tuple(sites[place] for place, _id in links.get(service_id, []) if place in sites)
            ),
            sessions=shared(
                tuple(
                    shared(
                        OpeningSession(
                            shared.strings(d for d in byday.split(",") if d),
                            shared(opens),
                            shared(closes),
                            shared(start),
                            shared(end),
                        )
                    )
                    for byday, opens, closes, start, end, _id in schedules.get(service_id, [])
                )
            ),
            closures=shared(opening.closures_of(shut, closed_on_bank_holidays)),
            free=free,
            languages=shared.strings(code for code, _id in languages.get(service_id, [])),
            pathway=pathway_of(pathway, care_level, url, phones.get(service_id, ""), out_of_hours),
        )


def _phones_of(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The number to give for each of these (pathway) services, as _phone_of chooses it:
    its own contact's, never its organisation's."""
    if not ids:
        return {}
    own = session.exec(
        _select(Contact.service_id, Phone.number)
        .join(Phone, col(Phone.contact_id) == Contact.id)
        .where(col(Contact.service_id).in_(ids))
        .order_by(col(Contact.id), col(Phone.id))
    ).all()
    found: dict[uuid.UUID, str] = {}
    for service_id, number in own:
        if service_id is not None:
            found.setdefault(service_id, number)
    return found


def _sites_of(
    session: Session, places: Collection[uuid.UUID], shared: Shared
) -> dict[uuid.UUID, matcher.Site]:
    """The venues among these locations that have a position, as the matcher's sites."""
    if not places:
        return {}
    located = session.exec(
        _select(
            Location.id,
            Location.latitude,
            Location.longitude,
            Location.postal_code,
            Location.local_authority_code,
        ).where(col(Location.id).in_(list(places)))  # fmt: skip
    ).all()
    access = _by_service(
        session,
        _select(Accessibility.location_id, Accessibility.feature, Accessibility.id).where(
            col(Accessibility.location_id).in_(list(places))
        ),
    )
    return {
        place: shared(
            matcher.Site(
                latitude=latitude,
                longitude=longitude,
                postcode_district=shared(postal_code.split(" ")[0] if postal_code else ""),
                local_authority=shared(local_authority or ""),
                access=shared.strings(feature for feature, _id in access.get(place, [])),
            )
        )
        for place, latitude, longitude, postal_code, local_authority in located
        if latitude is not None and longitude is not None
    }


def load_catalogue(session: Session) -> matcher.Catalogue:
    """Every matchable service, indexed for matching."""
    return matcher.Catalogue(matchable_services(session))


def update_catalogue(
    session: Session, catalogue: matcher.Catalogue, ids: Iterable[uuid.UUID]
) -> matcher.Catalogue:
    """The catalogue with these services read again: each as it now is, or gone if it is
    no longer matchable (deleted, a draft, its organisation unpublished). Equals
    load_catalogue's, at the cost of reading only these."""
    wanted = {i if isinstance(i, uuid.UUID) else uuid.UUID(str(i)) for i in ids}
    found: list[matcher.ServiceFacts] = []
    for chunk in _chunks(sorted(wanted), 500):  # under every database's limit of parameters
        found += matchable_services(session, chunk)
    present = {f.id for f in found}
    gone = [str(i) for i in wanted if str(i) not in present]
    return catalogue.replace(found, removed=gone)


def _chunks(items: list[uuid.UUID], size: int) -> Iterator[list[uuid.UUID]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# A snapshot of the needs is held until they change: build its words once, keep a few.
@functools.lru_cache(maxsize=8)
def match_vocabulary(known: NeedsVocabulary) -> matcher.Vocabulary:
    """Need labels, synonyms and the ages of needs for groups of people (from the needs
    vocabulary, directory.catalogue.needs), language and access words
    (directory.catalogue.vocabulary). The search phrases are left out on purpose: they widen
    a search ("refugee" finds legal advice), but a service whose keywords say "refugee" is
    not thereby a legal service."""
    return matcher.Vocabulary(
        need_labels=known.labels,
        need_synonyms={n.code: n.synonyms for n in known.needs},
        need_ages={
            n.code: (n.min_age, n.max_age)
            for n in known.needs
            if n.min_age is not None or n.max_age is not None
        },
        languages=dict(vocabulary.LANGUAGES),
        access=dict(vocabulary.ACCESSIBILITY),
    )
