"""Load the needs vocabulary and a catalogue into the database, idempotently.

Every record gets a stable id from its key in the files, so loading twice
updates in place: no duplicates, and ids that links and bookmarks can keep. A need or a
search phrase no longer in the files stays in the database (nothing is deleted).

The files are the vocabulary's first load, not its master: what a manager changed on the
vocabulary page (a need's label, description or synonyms; a search phrase added, changed or
removed) is left as they left it, and named (`kept`), so a seed never undoes their work.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from sqlmodel import Session, func, select
from sqlmodel.sql.expression import SelectOfScalar

from directory.catalogue.needs import normalise
from directory.catalogue.needs_editing import changed_by_managers
from directory.catalogue.seed_files import (
    Catalogue,
    CatalogueError,
    GroupRecord,
    Need,
    OrganisationRecord,
    PhraseRecord,
    Place,
    ServiceRecord,
    SiteRecord,
    VocabularyRecords,
    read_catalogue,
    read_vocabulary,
)
from directory.catalogue.vocabulary import ACCESSIBILITY, LANGUAGES
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
    Language,
    ListingStatus,
    Location,
    Neighbourhood,
    Organisation,
    Phone,
    Schedule,
    SearchPhrase,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceTaxonomyTerm,
    Taxonomy,
    TaxonomyTerm,
    stable_id,
    utcnow,
)
from matcher.words import mile_count

Tracked_ = TypeVar("Tracked_", Organisation, Location, Service)


@dataclass(frozen=True)
class CatalogueCounts:
    organisations: int
    services: int
    published: int
    locations: int
    needs: int
    phrases: int

    def __str__(self) -> str:
        return (
            f"{self.organisations} organisations, {self.services} services "
            f"({self.published} published), {self.locations} locations, {self.needs} needs, "
            f"{self.phrases} search phrases"
        )


@dataclass(frozen=True)
class Kept:
    """What a manager changed, which a seed left as they left it."""

    needs: tuple[str, ...] = ()  # need codes whose label, description or synonyms they changed
    phrases: tuple[str, ...] = ()  # search phrases of the files they changed or removed

    def __str__(self) -> str:
        if not (self.needs or self.phrases):
            return ""
        named = [f"need {code}" for code in self.needs]
        named += [f"phrase “{phrase}”" for phrase in self.phrases]
        return (
            f"Left {len(named)} manager's change(s) as they are (the files say otherwise): "
            + ", ".join(named)
        )


def seed(
    session: Session, folder: Path | None = None, vocabulary_folder: Path | None = None
) -> Kept:
    """Load the needs vocabulary and a catalogue (by default seed/'s vocabulary and demo
    catalogue) in one transaction; nothing changes if a file is wrong. Returns what managers
    changed in the vocabulary, left as they left it."""
    vocabulary = read_vocabulary(vocabulary_folder)
    catalogue = read_catalogue(folder, vocabulary.need_ids)
    places = resolve_postcodes(catalogue)
    with _all_or_nothing(session):
        terms, kept = load_vocabulary(session, vocabulary)
        load_neighbourhoods(session, catalogue.place, places)
        for org in catalogue.organisations:
            _load_organisation(session, org, terms, places, catalogue.place)
    return kept


def seed_vocabulary(session: Session, vocabulary_folder: Path | None = None) -> Kept:
    """Load the needs vocabulary alone (needs, their form groups, search phrases), for a
    directory that imports its own listings; nothing changes if a file is wrong. Returns
    what managers changed, left as they left it."""
    vocabulary = read_vocabulary(vocabulary_folder)
    with _all_or_nothing(session):
        _terms, kept = load_vocabulary(session, vocabulary)
    return kept


@contextmanager
def _all_or_nothing(session: Session) -> Iterator[None]:
    try:
        yield
        session.commit()
    except Exception:
        session.rollback()
        raise


def counts(session: Session) -> CatalogueCounts:
    """What the catalogue holds now."""

    def count(statement: SelectOfScalar[int]) -> int:
        return session.exec(statement).one()

    return CatalogueCounts(
        organisations=count(select(func.count()).select_from(Organisation)),
        services=count(select(func.count()).select_from(Service)),
        published=count(select(func.count()).where(Service.status == ListingStatus.PUBLISHED)),
        locations=count(select(func.count()).select_from(Location)),
        needs=count(select(func.count()).where(TaxonomyTerm.taxonomy_id == NEEDS_TAXONOMY_ID)),
        phrases=count(select(func.count()).select_from(SearchPhrase)),
    )


def resolve_postcodes(catalogue: Catalogue) -> dict[str, postcodes.Place]:
    """Every site's postcode, resolved offline; CatalogueError names any that fail."""
    places: dict[str, postcodes.Place] = {}
    problems = []
    for i, hood in enumerate(catalogue.place.neighbourhoods):
        try:
            places[hood.postcode] = postcodes.lookup_postcode(hood.postcode)
        except postcodes.PostcodeError as error:
            problems.append(f"place.yaml: neighbourhoods[{i}].postcode: {error}")
    for org in catalogue.organisations:
        for i, site in enumerate(org.locations):
            try:
                places[site.postcode] = postcodes.lookup_postcode(site.postcode)
            except postcodes.PostcodeError as error:
                problems.append(f"{org.id}.yaml: locations[{i}].postcode: {error}")
    if problems:
        raise CatalogueError(problems)
    return places


def load_vocabulary(
    session: Session, vocabulary: VocabularyRecords
) -> tuple[dict[str, TaxonomyTerm], Kept]:
    """Upsert the needs, their places on the matching form, and the search phrases, but
    not what a manager changed; returns the needs' terms by need id, and what was kept
    that the files would have changed."""
    edited_needs, edited_phrases = changed_by_managers(session)
    terms = load_needs(session, vocabulary.needs, edited_needs)
    place_in_groups(terms, vocabulary.groups)
    kept_phrases = load_phrases(session, vocabulary.phrases, edited_phrases)
    kept_needs = [
        n.id
        for n in vocabulary.needs
        if n.id in edited_needs
        and (terms[n.id].name, terms[n.id].description, list(terms[n.id].synonyms))
        != (n.label, n.description, list(n.synonyms))
    ]
    return terms, Kept(tuple(kept_needs), tuple(kept_phrases))


def load_needs(
    session: Session, needs: list[Need], edited: frozenset[str] | set[str] = frozenset()
) -> dict[str, TaxonomyTerm]:
    """Upsert the needs taxonomy (the words of those in edited, a manager's, left alone);
    returns its terms by need id."""
    # call-arg here and below: a row is made with its key alone and filled in field by field.
    # SQLModel's typed __init__ asks for every field without a default, but a table model's
    # __init__ takes a partial row (it does not validate), so the types are stricter than it.
    taxonomy = session.get(Taxonomy, NEEDS_TAXONOMY_ID) or Taxonomy(id=NEEDS_TAXONOMY_ID)  # type: ignore[call-arg]
    taxonomy.name = "Signpost social prescribing needs"
    taxonomy.description = (
        "Needs in plain words for social prescribing, cross-walked to Open Eligibility."
    )
    taxonomy.version = "1"
    session.add(taxonomy)
    terms = {}
    for position, need in enumerate(needs):
        term_id = stable_id("need", need.id)
        term = session.get(TaxonomyTerm, term_id) or TaxonomyTerm(
            id=term_id, taxonomy_id=NEEDS_TAXONOMY_ID, code=need.id, name=need.label
        )
        if need.id not in edited:
            term.name = need.label
            term.description = need.description
            term.synonyms = need.synonyms
        term.open_eligibility_services = need.open_eligibility_services
        term.open_eligibility_situations = need.open_eligibility_situations
        term.crisis = need.crisis
        term.position = position
        term.minimum_age = need.min_age
        term.maximum_age = need.max_age
        session.add(term)
        terms[need.id] = term
    return terms


def place_in_groups(terms: dict[str, TaxonomyTerm], groups: list[GroupRecord]) -> None:
    """Each need's heading on the matching form and its place there; none for the rest."""
    placed = [(group.label, need) for group in groups for need in group.needs]
    where = {need: (label, position) for position, (label, need) in enumerate(placed)}
    for need, term in terms.items():
        term.group_name, term.group_position = where.get(need, ("", 0))


def load_phrases(
    session: Session, phrases: list[PhraseRecord], edited: frozenset[str] | set[str] = frozenset()
) -> list[str]:
    """Upsert the phrases people search with, in the order of the file (a phrase is the
    same phrase in any case, whoever added it), except those a manager changed, added or
    removed (edited: normalised phrases); returns those the files would have changed."""
    existing = {row.phrase.lower(): row for row in session.exec(select(SearchPhrase))}
    kept: list[str] = []
    for position, record in enumerate(phrases):
        if normalise(record.phrase) in edited:
            row = existing.get(record.phrase.lower())
            as_filed = (record.phrase, list(record.means), list(record.needs))
            if row is None or (row.phrase, list(row.means), list(row.needs)) != as_filed:
                kept.append(record.phrase)  # said only where the files differ
            continue
        row = existing.get(record.phrase.lower()) or SearchPhrase(
            id=stable_id("search_phrase", record.phrase.lower()), phrase=record.phrase
        )
        row.phrase = record.phrase
        row.means = record.means
        row.needs = record.needs
        row.position = position
        session.add(row)
    return kept


def load_neighbourhoods(session: Session, place: Place, places: dict[str, postcodes.Place]) -> None:
    """Upsert the place names people may search by."""
    for hood in place.neighbourhoods:
        found = places[hood.postcode]
        record = session.get(Neighbourhood, stable_id("neighbourhood", hood.name)) or Neighbourhood(  # type: ignore[call-arg]
            id=stable_id("neighbourhood", hood.name)
        )
        record.name = hood.name
        record.postcode = found.postcode
        record.latitude = round(found.latitude, 6)
        record.longitude = round(found.longitude, 6)
        record.local_authority_code = found.local_authority_code
        record.districts = " ".join(d.upper() for d in hood.districts)
        session.add(record)


def _load_organisation(
    session: Session,
    record: OrganisationRecord,
    terms: dict[str, TaxonomyTerm],
    places: dict[str, postcodes.Place],
    place: Place,
) -> None:
    org = _get(session, Organisation, stable_id("organisation", record.id))
    org.name = record.name
    org.description = record.description
    org.email = record.email or None
    org.website = record.website or None
    org.charity_number = record.charity_number or None
    org.status = ListingStatus.PUBLISHED
    _touch(session, org)
    phones = [Phone(id=stable_id("phone", record.id), number=record.phone)] if record.phone else []
    _replace(session, org.phones, phones)
    sites = {
        site.id: _load_site(session, org, site, places[site.postcode]) for site in record.locations
    }
    for service in record.services:
        _load_service(session, org, service, terms, sites, place)


def _load_site(
    session: Session, org: Organisation, record: SiteRecord, place: postcodes.Place
) -> Location:
    site = _get(session, Location, stable_id("location", record.id))
    site.organisation = org
    site.name = record.name
    site.address_1 = record.address
    site.city = record.city
    site.postal_code = place.postcode
    site.latitude = round(place.latitude, 6)
    site.longitude = round(place.longitude, 6)
    site.local_authority_code = place.local_authority_code
    site.transport = record.transport
    _touch(session, site)
    _replace(
        session,
        site.accessibility,
        [
            Accessibility(
                location_id=site.id,
                id=stable_id("accessibility", f"{record.id}/{f}"),
                feature=f,
                description=ACCESSIBILITY[f],
            )
            for f in record.accessibility
        ],
    )
    return site


def _load_service(
    session: Session,
    org: Organisation,
    record: ServiceRecord,
    terms: dict[str, TaxonomyTerm],
    sites: dict[str, Location],
    place: Place,
) -> None:
    service = _get(session, Service, stable_id("service", record.id))
    service.organisation = org
    service.name = record.name
    service.summary = record.summary
    service.description = record.description
    service.keywords = record.keywords
    service.url = record.url or None
    service.in_person = "in_person" in record.delivery
    service.online = "online" in record.delivery
    service.by_phone = "phone" in record.delivery
    service.minimum_age = record.min_age
    service.maximum_age = record.max_age
    service.eligibility_description = record.eligibility
    service.restrictions = record.restrictions
    service.is_free = record.free
    # HSDS: an amount is a cost option; terms without an amount are the fees description.
    service.fees_description = "" if record.cost_amount is not None else record.cost_description
    service.set_referral_routes(record.referral)
    service.application_process = record.how_to_refer
    service.status = ListingStatus(record.status)
    service.capacity = Capacity(record.capacity)
    service.waiting_weeks = record.waiting_weeks
    service.last_verified = record.last_verified
    service.closed_on_bank_holidays = record.closed_on_bank_holidays
    service.pathway = record.pathway
    service.care_level = CareLevel(record.care_level) if record.care_level else None
    service.out_of_hours = record.out_of_hours
    _touch(session, service)
    _replace_children(session, service, record, terms, sites, place)


def _replace_children(
    session: Session,
    service: Service,
    record: ServiceRecord,
    terms: dict[str, TaxonomyTerm],
    sites: dict[str, Location],
    place: Place,
) -> None:
    """Swap each of the service's child collections for what the files say now."""
    _replace(session, service.need_links, _needs_met(service.id, record, terms))
    _replace(session, service.location_links, _sites_used(service.id, record, sites))
    _replace(session, service.schedules, _opening_times(service.id, record))
    _replace(session, service.closures, _closures(service.id, record))
    _replace(session, service.cost_options, _cost(service.id, record))
    _replace(session, service.areas, _area_served(service.id, record, place))
    _replace(session, service.languages, _languages_spoken(service.id, record))
    _replace(session, service.contacts, _contact(record))


def _needs_met(
    service_id: uuid.UUID, record: ServiceRecord, terms: dict[str, TaxonomyTerm]
) -> list[ServiceTaxonomyTerm]:
    """The needs the service meets, in the files' order (the first is its main need)."""
    return [
        ServiceTaxonomyTerm(
            service_id=service_id, taxonomy_term_id=terms[need].id, term=terms[need], rank=rank
        )
        for rank, need in enumerate(record.needs)
    ]


def _sites_used(
    service_id: uuid.UUID, record: ServiceRecord, sites: dict[str, Location]
) -> list[ServiceAtLocation]:
    """The organisation's sites where the service runs."""
    return [
        ServiceAtLocation(
            service_id=service_id,
            id=stable_id("service_at_location", f"{record.id}/{site}"),
            location_id=sites[site].id,
        )
        for site in record.locations
    ]


def _opening_times(service_id: uuid.UUID, record: ServiceRecord) -> list[Schedule]:
    return [
        Schedule(
            service_id=service_id,
            id=stable_id("schedule", f"{record.id}/{i}"),
            byday=",".join(d.upper() for d in s.days),
            opens_at=s.opens,
            closes_at=s.closes,
            notes=s.note,
            valid_from=s.starts,
            valid_to=s.ends,
        )
        for i, s in enumerate(record.schedule)
    ]


def _closures(service_id: uuid.UUID, record: ServiceRecord) -> list[Closure]:
    return [
        Closure(
            service_id=service_id,
            id=stable_id("closure", f"{record.id}/{i}"),
            starts=c.starts,
            ends=c.ends,
            reason=c.reason,
        )
        for i, c in enumerate(record.closures)
    ]


def _cost(service_id: uuid.UUID, record: ServiceRecord) -> list[CostOption]:
    """A cost option when the service has a price (a free one has none)."""
    if record.cost_amount is None:
        return []
    return [
        CostOption(
            service_id=service_id,
            id=stable_id("cost_option", record.id),
            option=record.cost_option,
            amount=record.cost_amount,
            amount_description=record.cost_description,
        )
    ]


def _area_served(service_id: uuid.UUID, record: ServiceRecord, place: Place) -> list[ServiceArea]:
    """Where the service's people may live; a local-authority area with no codes is the place's."""
    area = record.area
    codes = area.codes or ([place.local_authority] if area.type == "local_authority" else [])
    return [
        ServiceArea(
            service_id=service_id,
            id=stable_id("service_area", record.id),
            extent_type=AreaType(area.type),
            extent=" ".join(codes),
            radius_miles=area.miles,
            name=_area_name(area.type, codes, area.miles, place),
        )
    ]


def _languages_spoken(service_id: uuid.UUID, record: ServiceRecord) -> list[Language]:
    return [
        Language(
            service_id=service_id,
            id=stable_id("language", f"{record.id}/{code}"),
            code=code,
            name=LANGUAGES.get(code, code),
        )
        for code in record.languages
    ]


def _contact(record: ServiceRecord) -> list[Contact]:
    """The service's named contact, with their phone if the files give one."""
    if not record.contact:
        return []
    c = record.contact
    phones = (
        [Phone(id=stable_id("phone", f"{record.id}/contact"), number=c.phone)] if c.phone else []
    )
    return [
        Contact(
            id=stable_id("contact", record.id),
            name=c.name,
            title=c.title,
            email=c.email or None,
            phones=phones,
        )
    ]


def _area_name(kind: str, codes: list[str], miles: float | None, place: Place) -> str:
    if kind == "national":
        return "Anywhere in the UK"
    if kind == "radius":
        return f"Within {mile_count(miles or 0)} of where it runs"
    if kind == "districts":
        return "Postcode districts " + ", ".join(codes)
    return (
        place.name if codes == [place.local_authority] else "Local authorities " + ", ".join(codes)
    )


def _get(session: Session, model: type[Tracked_], key: uuid.UUID) -> Tracked_:
    found = session.get(model, key)
    if found is None:
        found = model(id=key)  # type: ignore[call-arg]  # a partial row, as in load_needs
        session.add(found)
    return found


def _touch(session: Session, record: Organisation | Location | Service) -> None:
    # Only a real change to the record's own fields moves updated_at and the version
    # (its children are replaced on every load and carry no history of their own).
    if record in session.dirty and session.is_modified(record, include_collections=False):
        record.updated_at = utcnow()
        record.version = (record.version or 0) + 1


def _replace(session: Session, current: list, wanted: list) -> None:
    """Swap a child collection for the wanted one (children carry no history of their own)."""
    current.clear()
    session.flush()
    current.extend(wanted)
