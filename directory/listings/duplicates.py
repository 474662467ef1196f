"""Likely duplicate services, and holding them back from "publish at once".

Two services in use look like one when
- their names are close (token sort ratio at least NAME_CUTOFF) and they share an
  organisation, a postcode or a phone; or
- they belong to the same organisation, share a postcode or a phone, and one name holds
  the other whole ("Friday Lunch Club" and "Friday Lunch Club for Over 65s").

The names are compared all at once with rapidfuzz's `process.cdist`, within each group of
listings that share an organisation, a postcode or a phone (pairs sharing none of these are
never reported, so they are never compared), which keeps a scan of the whole catalogue fast
at thousands of listings (benchmarks/duplicates_bench.py). The import reports them for the
services it wrote and, when it publishes at once, holds the new ones back for a manager
(`hold_back`); managers see them for the whole catalogue at /manage/duplicates, where they
can merge one into the other. Archived listings (merged ones among them) are left out: no
longer in use.
"""

from __future__ import annotations

import bisect
import math
import re
import uuid
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process, utils
from sqlmodel import Session, col, select

from directory.listings import editing
from directory.models import (
    Contact,
    ListingStatus,
    Location,
    Organisation,
    Phone,
    Service,
    ServiceAtLocation,
)

NAME_CUTOFF = 88  # per cent alike (token sort ratio) for two names to be compared further
SAME_ORGANISATION = 90  # per cent alike for two organisation names to count as the same
CONTAINED_WORDS = 2  # the shorter name, held whole in the longer, has at least these words
BLOCK = 500  # names compared with the whole catalogue at once (a block x N matrix of bytes)
ONE_HOLDS_THE_OTHER = "one name holds the other"
IMPORT = "the import"


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


@dataclass
class _Facts:
    """What the scan compares of each service in use, read in a few plain queries."""

    ids: list[uuid.UUID]
    names: list[str]
    words: list[str]  # the names lower-cased, without punctuation (rapidfuzz's default_process)
    organisation_ids: list[uuid.UUID]
    organisations: dict[uuid.UUID, str]
    postcodes: dict[uuid.UUID, set[str]]
    phones: dict[uuid.UUID, set[str]]


def same_number(number: str) -> str:
    """A phone number as compared: its last ten digits ("0113 496 0000" and "+44 113 496
    0000" are one number). Duplicates and merging read numbers this way."""
    return re.sub(r"\D", "", number)[-10:]


def _postcode(code: str) -> str:
    """'ls61an' and 'LS6 1AN' alike, shown the usual way: 'LS6 1AN'."""
    packed = re.sub(r"\s", "", code).upper()
    return f"{packed[:-3]} {packed[-3:]}" if len(packed) > 4 else packed


def _facts(session: Session) -> _Facts:
    rows = session.exec(
        select(Service.id, Service.name, Service.organization_id)
        .where(Service.status != ListingStatus.ARCHIVED)
        .order_by(col(Service.name), col(Service.id))
    ).all()
    organisations = dict(session.exec(select(Organisation.id, Organisation.name)).all())
    postcodes: dict[uuid.UUID, set[str]] = defaultdict(set)
    for service_id, code in session.exec(
        select(ServiceAtLocation.service_id, Location.postal_code).join(
            Location, col(Location.id) == ServiceAtLocation.location_id
        )
    ).all():
        if code:
            postcodes[service_id].add(_postcode(code))
    phones: dict[uuid.UUID, set[str]] = defaultdict(set)
    for contact_of, number in session.exec(
        select(Contact.service_id, Phone.number).join(Phone, col(Phone.contact_id) == Contact.id)
    ).all():
        if contact_of is not None and same_number(number):
            phones[contact_of].add(same_number(number))
    names = [row[1] for row in rows]
    return _Facts(
        ids=[row[0] for row in rows],
        names=names,
        words=[utils.default_process(name) for name in names],
        organisation_ids=[row[2] for row in rows],
        organisations=organisations,
        postcodes=postcodes,
        phones=phones,
    )


def likely_duplicates(
    session: Session, ids: Iterable[uuid.UUID] | None = None
) -> list[LikelyDuplicate]:
    """Pairs of services in use that look alike: those of ids (all services if None)."""
    facts = _facts(session)
    position = {service_id: i for i, service_id in enumerate(facts.ids)}
    wanted = (
        list(range(len(facts.ids)))
        if ids is None
        else sorted({position[i] for i in ids if i in position})
    )
    candidates = _close_names(facts, wanted) | _one_holds_the_other(facts, wanted)
    found = [_judge(facts, i, j) for i, j in sorted(candidates)]
    return [pair for pair in found if pair is not None]


def _close_names(facts: _Facts, wanted: list[int]) -> set[tuple[int, int]]:
    """Pairs (by position, lower first) that share an organisation (or two alike), a
    postcode or a phone, and whose names are at least NAME_CUTOFF alike.

    Only names that share something are compared (a pair that shares nothing is never
    reported), each block of them at once with `process.cdist`: a scan of the whole
    catalogue grows with the listings that share, not with the square of the catalogue.
    """
    sorted_words = [_sorted(words) for words in facts.words]
    looked_for = set(wanted)
    pairs: set[tuple[int, int]] = set()
    for members in _blocks(facts).values():
        if len(members) < 2:
            continue
        rows = [i for i in members if i in looked_for]
        if not rows:
            continue
        scores = process.cdist(
            [sorted_words[i] for i in rows],
            [sorted_words[j] for j in members],
            scorer=fuzz.ratio,
            score_cutoff=NAME_CUTOFF,
            dtype=np.uint8,
        )
        for row, column in zip(*np.nonzero(scores), strict=True):
            i, j = rows[int(row)], members[int(column)]
            if i != j:
                pairs.add((min(i, j), max(i, j)))
    return pairs


def _sorted(words: str) -> str:
    """The token sort ratio of two names is the plain ratio of their words sorted: each name
    is sorted once here, not once per pair."""
    return " ".join(sorted(words.split()))


def _blocks(facts: _Facts) -> dict[tuple[str, object], list[int]]:
    """The services (by position) of each organisation (alike ones together), postcode and
    phone."""
    same_organisation = _organisations_alike(facts)
    blocks: dict[tuple[str, object], list[int]] = defaultdict(list)
    for i, service_id in enumerate(facts.ids):
        blocks[("o", same_organisation[facts.organisation_ids[i]])].append(i)
        for code in facts.postcodes.get(service_id, ()):
            blocks[("p", code)].append(i)
        for number in facts.phones.get(service_id, ()):
            blocks[("t", number)].append(i)
    return blocks


def _organisations_alike(facts: _Facts) -> dict[uuid.UUID, uuid.UUID]:
    """Each organisation of a service in use -> one organisation standing for all those
    whose names are at least SAME_ORGANISATION alike (compared at once with cdist, each name
    only with names of a length that could be that alike)."""
    ids = sorted(set(facts.organisation_ids), key=lambda o: len(facts.organisations[o]))
    words = [_sorted(utils.default_process(facts.organisations[o])) for o in ids]
    lengths = [len(w) for w in words]
    stands_for = list(range(len(ids)))

    def root(k: int) -> int:
        while stands_for[k] != k:
            stands_for[k] = stands_for[stands_for[k]]
            k = stands_for[k]
        return k

    # A ratio of at least c needs the other length within [l * c / (2 - c), l * (2 - c) / c].
    near = SAME_ORGANISATION / (200 - SAME_ORGANISATION)
    for start in range(0, len(ids), BLOCK):
        high = bisect.bisect_right(
            lengths, math.ceil(lengths[min(start + BLOCK, len(ids)) - 1] / near)
        )
        scores = process.cdist(
            words[start : start + BLOCK],
            words[start:high],
            scorer=fuzz.ratio,
            score_cutoff=SAME_ORGANISATION,
            dtype=np.uint8,
        )
        for row, column in zip(*np.nonzero(scores), strict=True):
            a, b = root(start + int(row)), root(start + int(column))
            if a != b:
                stands_for[max(a, b)] = min(a, b)
    return {org: ids[root(k)] for k, org in enumerate(ids)}


def _one_holds_the_other(facts: _Facts, wanted: list[int]) -> set[tuple[int, int]]:
    """Pairs of one organisation at one postcode or phone where one name holds the other."""
    groups: dict[tuple[uuid.UUID, str], list[int]] = defaultdict(list)
    for i, service_id in enumerate(facts.ids):
        shared = {"p" + p for p in facts.postcodes.get(service_id, ())} | {
            "t" + t for t in facts.phones.get(service_id, ())
        }
        for key in shared:
            groups[(facts.organisation_ids[i], key)].append(i)
    looked_for = set(wanted)
    pairs: set[tuple[int, int]] = set()
    for members in groups.values():
        for a in members:
            if a not in looked_for:
                continue
            pairs.update((min(a, b), max(a, b)) for b in members if _holds(facts, a, b))
    return pairs


def _holds(facts: _Facts, a: int, b: int) -> bool:
    """Whether one of the two names holds the other whole, as words."""
    if a == b:
        return False
    shorter, longer = sorted((facts.words[a], facts.words[b]), key=len)
    return (
        len(shorter.split()) >= CONTAINED_WORDS
        and shorter != longer
        and f" {shorter} " in f" {longer} "
    )


def _judge(facts: _Facts, i: int, j: int) -> LikelyDuplicate | None:
    """The pair with what its two share, or None when names alike is all they share."""
    first, second = facts.ids[i], facts.ids[j]
    org, other_org = (facts.organisations[facts.organisation_ids[k]] for k in (i, j))
    same_org = facts.organisation_ids[i] == facts.organisation_ids[j] or (
        fuzz.token_sort_ratio(org, other_org, processor=utils.default_process) >= SAME_ORGANISATION
    )
    postcodes = facts.postcodes.get(first, set()) & facts.postcodes.get(second, set())
    phones = facts.phones.get(first, set()) & facts.phones.get(second, set())
    why = []
    if same_org:
        why.append("same organisation")
    if same_org and (postcodes or phones) and _holds(facts, i, j):
        why.append(ONE_HOLDS_THE_OTHER)
    if postcodes:
        why.append("same postcode " + ", ".join(sorted(postcodes)))
    if phones:
        why.append("same phone")
    score = fuzz.token_sort_ratio(facts.words[i], facts.words[j])
    if not why or (score < NAME_CUTOFF and ONE_HOLDS_THE_OTHER not in why):
        return None
    return LikelyDuplicate(first, facts.names[i], second, facts.names[j], score, tuple(why))


# --- holding back what "publish at once" would publish ----------------------------------


def hold_back(
    session: Session, imported: Collection[uuid.UUID], stored_before: Collection[uuid.UUID]
) -> list[str]:
    """After an import that publishes at once: the new listings (and those held back
    before) that look like another listing wait for a manager instead, with the reason;
    the reasons in words (the caller commits).

    A listing that was in the directory before the import, and not held back, keeps its
    status: a manager has seen it already.
    """
    pairs = likely_duplicates(session, imported)
    if not pairs:
        return []
    imported_ids = set(imported)
    reasons: dict[uuid.UUID, str] = {}
    for pair in pairs:
        for this, other, other_name in (
            (pair.first_id, pair.second_id, pair.second_name),
            (pair.second_id, pair.first_id, pair.first_name),
        ):
            if this in imported_ids and this not in reasons:
                reasons[this] = (
                    f"Looks like “{other_name}” ({other}): names {pair.score:.0f}% alike, "
                    f"{', '.join(pair.reasons)}."
                )
    held = []
    for service_id, reason in reasons.items():
        service = session.get(Service, service_id)
        if service is None or service.status != ListingStatus.PUBLISHED:
            continue
        if service_id in stored_before and not service.hold_reason:
            continue
        held.append(_hold(session, service, reason))
    return held


def _hold(session: Session, service: Service, reason: str) -> str:
    """Put one published listing back to wait for a manager, saying why in its history."""
    service.status = ListingStatus.PENDING_REVIEW
    service.hold_reason = reason[:500]
    session.add(service)
    editing.record(
        session,
        user=None,
        actor=IMPORT,
        listing=service,
        action="status",
        before={"status": ListingStatus.PUBLISHED.value},
        after={"status": ListingStatus.PENDING_REVIEW.value},
        version=None,
        note="Held back for a manager: " + reason,
    )
    return f"{service.name!r} ({service.id}) waits for a manager. {reason}"
