"""The facts of a service that search needs, and how they become an index document.

`ServiceFacts` is plain data, so the index can be built from the database or, in
the benchmark, from a synthetic catalogue, through the same code.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, col, select

from directory.catalogue import published
from directory.catalogue.published import rows_by_service as _by_service
from directory.catalogue.published import select_columns as _select
from directory.models import (
    Accessibility,
    Language,
    Location,
    Organisation,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceForeignTerm,
)
from directory.models import Closure as ClosedDays
from matcher import opening
from matcher.facts import WEEKEND, Area, Closure, OpeningSession

# A session that ends at or after this time counts as "evening".
EVENING_FROM = "17:30"
NO_MINIMUM_AGE = 0
NO_MAXIMUM_AGE = 200


@dataclass(frozen=True)
class ServiceFacts:
    id: uuid.UUID
    name: str
    organisation: str
    summary: str = ""
    description: str = ""
    needs: tuple[str, ...] = ()
    need_words: str = ""
    keywords: tuple[str, ...] = ()
    modes: tuple[str, ...] = ()
    free: bool = True
    self_referral: bool = False
    minimum_age: int | None = None
    maximum_age: int | None = None
    languages: tuple[str, ...] = ()
    access: tuple[str, ...] = ()
    sites: tuple[tuple[float, float], ...] = ()
    # who it serves (anyone inside any one of them); none: no stated area, anyone
    areas: tuple[Area, ...] = ()
    sessions: tuple[OpeningSession, ...] = field(default_factory=tuple)
    # days it is shut (bank holidays among them, when it closes on them)
    closures: tuple[Closure, ...] = ()
    # when it was last checked (None: never); search ranks stale listings a little lower
    last_verified: date | None = None
    # Changes whenever the listing does, so a check can find index entries gone stale.
    stamp: str = ""


def document(facts: ServiceFacts) -> dict[str, object]:
    """The Whoosh document for a service (see index.SCHEMA)."""
    days = sorted({d for s in facts.sessions for d in s.days})
    text_for_spelling = " ".join(
        [facts.name, facts.organisation, facts.summary, facts.description, facts.need_words]
        + list(facts.keywords)
    )
    return {
        "id": str(facts.id),
        "name": facts.name,
        "organisation": facts.organisation,
        "needs": ",".join(facts.needs),
        "need_words": facts.need_words,
        "keywords": " ".join(facts.keywords),
        "description": f"{facts.summary} {facts.description}",
        "spelling": text_for_spelling,
        "modes": ",".join(facts.modes),
        "local": bool(facts.sites),
        "free": facts.free,
        "self_referral": facts.self_referral,
        "min_age": NO_MINIMUM_AGE if facts.minimum_age is None else facts.minimum_age,
        "max_age": NO_MAXIMUM_AGE if facts.maximum_age is None else facts.maximum_age,
        "languages": ",".join(facts.languages),
        "access": ",".join(facts.access),
        "days": ",".join(days),
        "evening": any(s.closes >= EVENING_FROM for s in facts.sessions),
        "weekend": any(d in WEEKEND for d in days),
        "sites": json.dumps([[round(lat, 5), round(lon, 5)] for lat, lon in facts.sites]),
        "sessions": json.dumps(
            [
                [list(s.days), s.opens, s.closes, _day(s.valid_from), _day(s.valid_to)]
                for s in facts.sessions
            ]
        ),
        "closures": json.dumps(
            [[c.starts.isoformat(), c.ends.isoformat()] for c in facts.closures]
        ),
        "last_verified": _day(facts.last_verified),
        "areas": json.dumps([[a.kind, list(a.codes), a.miles] for a in facts.areas]),
        "stamp": facts.stamp,
    }


def _day(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def facts_from_service(service: Service) -> ServiceFacts:
    """A loaded service row (with its needs, sites and opening times) as search facts."""
    terms = service.needs
    sites = [link.location for link in service.location_links]
    return ServiceFacts(
        id=service.id,
        name=service.name,
        organisation=service.organisation.name,
        summary=service.summary,
        description=f"{service.description} {service.eligibility_description}".strip(),
        needs=tuple(t.code for t in terms),
        need_words=" ".join([t.name for t in terms] + [w for t in terms for w in t.synonyms]),
        # and the words of other directories' taxonomies it was imported with
        keywords=tuple(service.keywords) + tuple(t.name for t in service.foreign_terms if t.name),
        modes=tuple(service.delivery),
        free=service.is_free,
        self_referral=service.self_referral,
        minimum_age=service.minimum_age,
        maximum_age=service.maximum_age,
        languages=tuple(language.code for language in service.languages),
        access=tuple(sorted({a.feature for site in sites for a in site.accessibility})),
        sites=tuple(
            (site.latitude, site.longitude)
            for site in sites
            if site.latitude is not None and site.longitude is not None
        ),
        areas=published.areas_served(service),
        sessions=published.sessions_of(service),
        closures=published.closures_of(service),
        last_verified=service.last_verified,
        stamp=stamp(service),
    )


def stamp(service: Service) -> str:
    """What the index remembers of a listing's state: its version and last change."""
    return f"{service.version}:{service.updated_at.isoformat()}"


def searchable_services(
    session: Session, ids: Iterable[uuid.UUID] | None = None, batch: int = 1000
) -> Iterator[ServiceFacts]:
    """Facts of every service the public may find (or of those among ids), in batches.

    Read as plain rows, a query a table for each batch, and put together here: the same
    facts as facts_from_service gives for a loaded row (a test holds them equal), at a
    fifth of the cost of loading each service and its children as ORM objects (at 20,000
    services that load was a quarter of a rebuild's time). Children without an order of
    their own come in the order they were written (by id)."""
    searchable = select(Service.id).where(published.is_published()).order_by(col(Service.id))
    if ids is None:
        wanted = list(session.exec(searchable).all())
    else:
        asked = list(dict.fromkeys(ids))
        wanted = []
        for start in range(0, len(asked), batch):
            chunk = asked[start : start + batch]
            wanted += session.exec(searchable.where(col(Service.id).in_(chunk))).all()
    for start in range(0, len(wanted), batch):
        yield from _facts_of(session, wanted[start : start + batch])


def _facts_of(session: Session, ids: list[uuid.UUID]) -> Iterator[ServiceFacts]:
    rows = session.exec(
        _select(
            Service.id,
            Service.name,
            Service.summary,
            Service.description,
            Service.eligibility_description,
            Service.keywords,
            Service.in_person,
            Service.online,
            Service.by_phone,
            Service.is_free,
            Service.self_referral,
            Service.minimum_age,
            Service.maximum_age,
            Service.last_verified,
            Service.version,
            Service.updated_at,
            Service.closed_on_bank_holidays,
            Organisation.name,
        )  # fmt: skip
        .join(Organisation, col(Organisation.id) == Service.organization_id)
        .where(col(Service.id).in_(ids))
        .order_by(col(Service.id))
    ).all()
    needs = published.needs_by_service(session, ids)
    foreign = _by_service(
        session,
        _select(ServiceForeignTerm.service_id, ServiceForeignTerm.name)
        .where(col(ServiceForeignTerm.service_id).in_(ids))
        .order_by(col(ServiceForeignTerm.service_id), col(ServiceForeignTerm.position)),
    )
    sites = _by_service(
        session,
        _select(ServiceAtLocation.service_id, Location.latitude, Location.longitude)
        .join(Location, col(Location.id) == ServiceAtLocation.location_id)
        .where(col(ServiceAtLocation.service_id).in_(ids))
        .order_by(col(ServiceAtLocation.service_id), col(ServiceAtLocation.id)),
    )
    access = _by_service(
        session,
        _select(ServiceAtLocation.service_id, Accessibility.feature)
        .join(Accessibility, col(Accessibility.location_id) == ServiceAtLocation.location_id)
        .where(col(ServiceAtLocation.service_id).in_(ids)),
    )
    schedules = _by_service(
        session,
        _select(
            Schedule.service_id,
            Schedule.byday,
            Schedule.opens_at,
            Schedule.closes_at,
            Schedule.valid_from,
            Schedule.valid_to,
        )  # fmt: skip
        .where(col(Schedule.service_id).in_(ids))
        .order_by(col(Schedule.service_id), col(Schedule.id)),
    )
    closures = _by_service(
        session,
        _select(ClosedDays.service_id, ClosedDays.starts, ClosedDays.ends, ClosedDays.reason)
        .where(col(ClosedDays.service_id).in_(ids))
        .order_by(col(ClosedDays.service_id), col(ClosedDays.starts), col(ClosedDays.id)),
    )
    languages = _by_service(
        session,
        _select(Language.service_id, Language.code)
        .where(col(Language.service_id).in_(ids))
        .order_by(col(Language.service_id), col(Language.id)),
    )
    areas = _by_service(
        session,
        _select(
            ServiceArea.service_id,
            ServiceArea.extent_type,
            ServiceArea.extent,
            ServiceArea.radius_miles,
            ServiceArea.name,
        )  # fmt: skip
        .where(col(ServiceArea.service_id).in_(ids))
        .order_by(col(ServiceArea.service_id), col(ServiceArea.id)),
    )
    for (
        service_id, name, summary, description, eligibility, keywords, in_person, online,
        by_phone, free, self_referral, minimum_age, maximum_age, last_verified, version,
        updated_at, closed_on_bank_holidays, organisation,
    ) in rows:  # fmt: skip
        terms = needs.get(service_id, [])
        located = [(lat, lon) for lat, lon in sites.get(service_id, []) if _located(lat, lon)]
        modes = [("in_person", in_person), ("online", online), ("phone", by_phone)]
        shut = (Closure(s, e, r) for s, e, r in closures.get(service_id, []))
        yield ServiceFacts(
            id=service_id,
            name=name,
            organisation=organisation,
            summary=summary,
            description=f"{description} {eligibility}".strip(),
            needs=tuple(code for code, _name, _synonyms in terms),
            need_words=" ".join(
                [n for _code, n, _synonyms in terms] + [w for *_, words in terms for w in words]
            ),
            keywords=tuple(keywords) + tuple(n for (n,) in foreign.get(service_id, []) if n),
            modes=tuple(mode for mode, on in modes if on),
            free=free,
            self_referral=self_referral,
            minimum_age=minimum_age,
            maximum_age=maximum_age,
            languages=tuple(code for (code,) in languages.get(service_id, [])),
            access=tuple(sorted({feature for (feature,) in access.get(service_id, [])})),
            sites=tuple(located),
            areas=tuple(
                Area(kind=kind.value, codes=tuple(extent.split()), miles=miles, name=area_name)
                for kind, extent, miles, area_name in areas.get(service_id, [])
            ),
            sessions=tuple(
                OpeningSession(tuple(d for d in byday.split(",") if d), opens, closes, start, end)
                for byday, opens, closes, start, end in schedules.get(service_id, [])
            ),
            closures=opening.closures_of(shut, closed_on_bank_holidays),
            last_verified=last_verified,
            stamp=f"{version}:{updated_at.isoformat()}",
        )


def _located(latitude: float | None, longitude: float | None) -> bool:
    return latitude is not None and longitude is not None
