"""Likely duplicate services: a close name, and the same organisation, postcode or phone.

The import reports them for the services it wrote; managers see them for the whole
catalogue at /manage/duplicates, where they can merge one into the other. Archived
listings (merged ones among them) are left out: they are no longer in use.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils
from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, select

from directory.models import Contact, ListingStatus, Service, ServiceAtLocation

NAME_CUTOFF = 88  # per cent alike (token sort ratio) for two names to be compared further
SAME_ORGANISATION = 90  # per cent alike for two organisation names to count as the same
CANDIDATES = 5  # closest names looked at for each service


@dataclass(frozen=True)
class LikelyDuplicate:
    """Two services that look like one: how alike their names are, and what else they share."""

    first_id: uuid.UUID
    first_name: str
    second_id: uuid.UUID
    second_name: str
    score: float
    reasons: tuple[str, ...]

    def __str__(self) -> str:
        return (
            f"{self.first_name!r} ({self.first_id}) and {self.second_name!r} "
            f"({self.second_id}): names {self.score:.0f}% alike, {', '.join(self.reasons)}"
        )


def _digits(number: str) -> str:
    return re.sub(r"\D", "", number)[-10:]


def likely_duplicates(
    session: Session, ids: Iterable[uuid.UUID] | None = None
) -> list[LikelyDuplicate]:
    """Pairs of services in use that look alike: those of ids (all services if None)."""
    statement = (
        select(Service)
        .where(Service.status != ListingStatus.ARCHIVED)
        .options(
            selectinload(Service.organisation),  # type: ignore[arg-type]
            selectinload(Service.location_links).selectinload(ServiceAtLocation.location),  # type: ignore[arg-type]
            selectinload(Service.contacts).selectinload(Contact.phones),  # type: ignore[arg-type]
        )
        .order_by(col(Service.name), col(Service.id))
    )
    everything = list(session.exec(statement).all())
    facts = {
        s.id: (
            s.organisation.name,
            {x.location.postal_code for x in s.location_links if x.location.postal_code},
            {_digits(p.number) for c in s.contacts for p in c.phones if _digits(p.number)},
        )
        for s in everything
    }
    names = {s.id: s.name for s in everything}
    wanted = list(names) if ids is None else [i for i in ids if i in names]
    found: list[LikelyDuplicate] = []
    seen: set[tuple[str, str]] = set()
    for service_id in wanted:
        name = names[service_id]
        others = {k: v for k, v in names.items() if k != service_id}
        matches = process.extract(
            name,
            others,
            scorer=fuzz.token_sort_ratio,
            processor=utils.default_process,
            score_cutoff=NAME_CUTOFF,
            limit=CANDIDATES,
        )
        org, postcodes, phones = facts[service_id]
        for other_name, score, other_id in matches:
            pair = (str(service_id), str(other_id))
            key = (min(pair), max(pair))
            if key in seen:
                continue
            other_org, other_postcodes, other_phones = facts[other_id]
            why = []
            if (
                fuzz.token_sort_ratio(org, other_org, processor=utils.default_process)
                >= SAME_ORGANISATION
            ):
                why.append("same organisation")
            if postcodes & other_postcodes:
                why.append("same postcode " + ", ".join(sorted(postcodes & other_postcodes)))
            if phones & other_phones:
                why.append("same phone")
            if why:
                seen.add(key)
                found.append(
                    LikelyDuplicate(service_id, name, other_id, other_name, score, tuple(why))
                )
    return found
