"""Database rows as the matcher's facts: the one place that turns a service and its
relations into `matcher.ServiceFacts`, and the needs vocabulary into `matcher.Vocabulary`."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Collection, Iterable, Iterator

from sqlmodel import Session, col, select

import matcher
from directory.catalogue import published, vocabulary
from directory.catalogue.needs import NeedsVocabulary
from directory.models import ListingStatus, Location, Service, ServiceAtLocation

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
        description=" ".join(
            part
            for part in (service.summary, service.description, service.eligibility_description)
            if part
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
    only, if given), by id, read a batch at a time."""
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
    for start in range(0, len(found), batch):
        rows = session.exec(
            select(Service)
            .where(col(Service.id).in_(found[start : start + batch]))
            .options(*published.facts_options())
            .order_by(Service.id)  # type: ignore[arg-type]
        ).all()
        yield from (facts_from_service(s) for s in rows)


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
