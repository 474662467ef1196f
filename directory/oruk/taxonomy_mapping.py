"""The terms of other directories' taxonomies seen in imports, and what managers decide they
mean (the page /manage/taxonomy).

    taxonomy_mapping.seen_terms(session)       # every term: what it means, and how
    taxonomy_mapping.choose(session, user, term, "loneliness")   # or None: "not a need"

A choice is stored (TaxonomyMapping), written to the vocabulary's history (VocabularyChange,
kind "taxonomy term"), re-applied by every later import (needs_map.NeedsMap reads it), and
applied at once to the services already carrying the term: each gains the chosen need, and
loses the need the term meant before unless another of its terms still means it; each such
listing gets a new version and an entry in its own history (ListingChange, "needs mapped").
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from directory.catalogue import needs as known_needs
from directory.catalogue.needs import Need, NeedsVocabulary
from directory.listings import editing
from directory.models import (
    Service,
    ServiceForeignTerm,
    ServiceTaxonomyTerm,
    TaxonomyMapping,
    User,
    VocabularyChange,
    utcnow,
)
from directory.oruk import queries
from directory.oruk.needs_map import (
    BY_CODE,
    BY_ID,
    BY_MANAGER,
    BY_NAME,
    BY_OPEN_ELIGIBILITY,
    NOT_A_NEED,
    ForeignTerm,
    NeedsMap,
    kind_of,
    read_mappings,
)

# VocabularyChange.kind of a manager's mapping (needs_editing keeps "need" and "phrase").
TERM = "taxonomy term"
HOW_IN_WORDS = {
    BY_ID: "it is one of our needs",
    BY_MANAGER: "chosen by a manager",
    BY_CODE: "by its code",
    BY_OPEN_ELIGIBILITY: "by the Open Eligibility cross-walk",
    BY_NAME: "by its name or a synonym",
    NOT_A_NEED: "a manager said it is not a need",
}


# The longest term name an import keeps (needs_map.ForeignTerm.read): a longer text asked
# for is no term, and is echoed back only this far.
ECHOED = 200


def echoed(text: str, limit: int = ECHOED) -> str:
    """Text a person sent, as a page repeats it: at most limit characters, and then says so."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… (cut here: {len(text):,} characters in all)"


class MappingError(ValueError):
    """A choice that cannot be saved, in a sentence; nothing was changed."""


@dataclass(frozen=True)
class SeenTerm:
    """A foreign term seen in imports: how many services carry it, and what it means."""

    term: ForeignTerm
    kind: str  # needs_map.KINDS
    services: int
    need: Need | None
    how: str  # needs_map's Mapping.how ("" when nothing maps it)
    suggestions: tuple[Need, ...]  # close spellings among needs of its kind, best first
    decided_by: str = ""
    decided_at: datetime | None = None

    @property
    def mapped(self) -> bool:
        """Decided: it means a need, or a manager said it means none."""
        return self.need is not None or self.how == NOT_A_NEED

    @property
    def how_in_words(self) -> str:
        return HOW_IN_WORDS.get(self.how, "")


def _counted(session: Session) -> list[tuple[ForeignTerm, int]]:
    """Each distinct foreign term held on services, with how many services carry it."""
    f = ServiceForeignTerm
    columns = (col(f.taxonomy), col(f.term_id), col(f.code), col(f.name))
    counted = (func.max(f.taxonomy_id), func.count(func.distinct(f.service_id)))
    rows = session.exec(
        select(*columns, *counted).group_by(*columns)  # type: ignore[call-overload]
    ).all()
    return [
        (ForeignTerm(taxonomy=t, taxonomy_id=tid or "", term_id=i, code=c, name=n), count)
        for t, i, c, n, tid, count in rows
    ]


def seen_terms(session: Session, known: NeedsVocabulary | None = None) -> list[SeenTerm]:
    """Every foreign term seen in imports, by name, with what it means and how."""
    known = known or known_needs.held(session)
    needs = NeedsMap(known, read_mappings(session))
    found = []
    for term, count in _counted(session):
        mapping = needs.find(term)
        decided = needs.stored.find(term) if needs.stored else None
        by_manager = decided is not None and mapping.how in (BY_MANAGER, NOT_A_NEED)
        found.append(
            SeenTerm(
                term=term,
                kind=kind_of(term),
                services=count,
                need=mapping.need,
                how=mapping.how,
                suggestions=tuple(needs.suggestions(term)) if mapping.how == "" else (),
                decided_by=decided.actor if decided and by_manager else "",
                decided_at=decided.decided_at if decided and by_manager else None,
            )
        )
    return sorted(found, key=lambda s: (s.term.name.lower(), s.term.taxonomy.lower()))


def term_seen(session: Session, term: ForeignTerm) -> bool:
    f = ServiceForeignTerm
    return (
        session.exec(
            select(f.id).where(
                f.taxonomy == term.taxonomy,
                f.term_id == term.term_id,
                f.code == term.code,
                f.name == term.name,
            )
        ).first()
        is not None
    )


def choose(
    session: Session, user: User, term: ForeignTerm, need_code: str | None
) -> list[uuid.UUID]:
    """Save what a term means (a need's code, or None: not a need), record who chose it, and
    apply it at once to the services carrying the term. Commits; returns the ids of the
    services whose needs changed (search must refresh them). MappingError when the term was
    never imported or the need is not one of ours, and then nothing is changed."""
    known = known_needs.held(session)
    if need_code is not None and known.need(need_code) is None:
        raise MappingError(
            f"“{echoed(need_code, 60)}” is not one of the needs: choose one from the list."
        )
    if not term_seen(session, term):
        raise MappingError(
            f"No imported service carries the term “{echoed(term.shown)}” now: nothing was changed."
        )
    before = NeedsMap(known, read_mappings(session))
    was = before.find(term)
    row = session.exec(
        select(TaxonomyMapping).where(
            TaxonomyMapping.taxonomy == term.taxonomy,
            TaxonomyMapping.term_id == term.term_id,
            TaxonomyMapping.code == term.code,
            TaxonomyMapping.name == term.name,
        )
    ).first()
    action = "changed" if row is not None else "mapped"
    if row is None:
        row = TaxonomyMapping(
            taxonomy=term.taxonomy, term_id=term.term_id, code=term.code, name=term.name
        )
    row.need_code, row.user_id, row.actor, row.decided_at = need_code, user.id, user.email, utcnow()
    session.add(row)
    try:
        session.flush()
    except IntegrityError:  # another manager saved this term's first mapping just now
        session.rollback()
        raise MappingError(
            f"Someone else chose what “{term.shown}” means at the same moment: "
            "nothing of yours was saved. Look at the term again and choose."
        ) from None
    session.add(
        VocabularyChange(
            user_id=user.id,
            actor=user.email,
            kind=TERM,
            key=term.shown[:200],
            action=action,
            before={"need": was.need.code if was.need else None, "how": was.how},
            after={"need": need_code or NOT_A_NEED},
        )
    )
    after = NeedsMap(known, read_mappings(session))
    changed = _apply(session, user, term, was.need, after)
    session.commit()
    return changed


def _apply(
    session: Session, user: User, term: ForeignTerm, was: Need | None, needs: NeedsMap
) -> list[uuid.UUID]:
    """Bring the needs of the services carrying the term (as the stored mappings find it) in
    line with what it means now."""
    assert needs.stored is not None
    decided = needs.stored.find(term)
    holders = session.exec(
        select(ServiceForeignTerm).where(
            func.lower(ServiceForeignTerm.taxonomy) == term.taxonomy.lower()
        )
    ).all()
    ids = {h.service_id for h in holders if needs.stored.find(ForeignTerm.of(h)) is decided}
    if not ids:
        return []
    services = session.exec(
        select(Service)
        .where(col(Service.id).in_(ids))
        .options(*queries.service_options())
        .order_by(col(Service.id))
    ).all()
    now = needs.find(term).need
    changed = []
    # each changed service's needs, in order (kept ones keep their rank: new ones follow)
    relinked: dict[uuid.UUID, list[str]] = {}
    for service in services:
        codes = [link.term.code for link in service.need_links]
        meant = {
            m.need.code for t in service.foreign_terms if (m := needs.find(ForeignTerm.of(t))).need
        }
        wanted = list(codes)
        if was is not None and was.code not in meant and was.code in wanted:
            wanted.remove(was.code)
        if now is not None and now.code not in wanted:
            wanted.append(now.code)
        if wanted == codes:
            continue
        relinked[service.id] = wanted
        for link in service.need_links:  # replaced below, in one statement for all
            session.expunge(link)
        session.expire(service, ["need_links"])
        service.version = (service.version or 0) + 1
        service.updated_at = utcnow()
        editing.record(
            session,
            user=user,
            actor=user.email,
            listing=service,
            action="needs mapped",
            before={"needs": codes},
            after={"needs": wanted},
            version=service.version,
            note=f"The imported term “{term.shown}” now means "
            + (now.label if now else "no need")
            + ".",
        )
        changed.append(service.id)
    if relinked:
        # one delete and one insert for every listing, not a query and a flush each
        session.exec(
            sa.delete(ServiceTaxonomyTerm).where(
                col(ServiceTaxonomyTerm.service_id).in_(list(relinked))
            )
        )
        session.add_all(
            ServiceTaxonomyTerm(
                service_id=service_id,
                taxonomy_term_id=needs.by_code[code.lower()].term_id,
                rank=rank,
            )
            for service_id, codes in relinked.items()
            for rank, code in enumerate(codes)
            if code.lower() in needs.by_code
        )
        session.flush()
    return changed
