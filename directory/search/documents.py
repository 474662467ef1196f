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

from sqlalchemy.orm import selectinload
from sqlmodel import Session, select

from directory.catalogue import published
from directory.models import (
    ListingStatus,
    Service,
)
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
    session: Session, ids: Iterable[uuid.UUID] | None = None, batch: int = 500
) -> Iterator[ServiceFacts]:
    """Facts of every service the public may find (or of those among ids), in batches."""
    statement = (
        select(Service)
        .where(
            Service.status == ListingStatus.PUBLISHED,
            Service.organization_id.in_(published.published_organisation_ids()),  # type: ignore[attr-defined]
        )
        # other directories' terms are searched by name: only documents read them
        .options(*published.facts_options(), selectinload(Service.foreign_terms))  # type: ignore[arg-type]
        .order_by(Service.id)  # type: ignore[arg-type]
    )
    if ids is not None:
        wanted = list(ids)
        for start in range(0, len(wanted), batch):
            chunk = wanted[start : start + batch]
            rows = session.exec(statement.where(Service.id.in_(chunk))).all()  # type: ignore[attr-defined]
            yield from (facts_from_service(s) for s in rows)
        return
    yield from (facts_from_service(s) for s in published.in_batches(session, statement, batch))
