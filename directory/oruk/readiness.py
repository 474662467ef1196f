"""Ready for matching: the end of an import's report. How many imported listings the
matcher's hard rules would exclude, and why, and which of the feed's taxonomy terms meet
no need, each with the page to map it on. Each reason names its listings (the first
SHOWN_NAMES, then how many more), so the manager can open and correct them.

A foreign term is listed as meeting no need only when a listing carrying it has no need at
all: those listings cannot be suggested for any need until the term is mapped. A term whose
listings all have needs already (another Signpost's export carries its needs beside the
council's terms) is listed apart, without alarm: mapping it only helps later imports.

The rules are judged for a neutral person: someone a link worker refers, about whom
nothing else is known. So only the rules that do not depend on the person are counted:
the listing's status, its last check, its capacity, its referral routes, and its stated
restrictions (a listing for one group is counted by its restriction, "for women only");
and, as matching reads only published organisations' services, the organisation's status.
Age, area and distance depend on who is matched, and are left out.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

from sqlmodel import Session, col, select

import matcher
from directory import clock
from directory.matching.suggestions import configured_weights
from directory.models import (
    REFERRAL_ROUTE_CODES,
    Capacity,
    ListingStatus,
    Organisation,
    Service,
    ServiceForeignTerm,
    ServiceTaxonomyTerm,
)
from directory.oruk.needs_map import ForeignTerm
from matcher import rules

NEUTRAL_RULES: tuple[rules.Rule, ...] = (
    rules.published_rule,
    rules.review_rule,
    rules.capacity_rule,
    rules.referral_rule,
    rules.restriction_rule,
)
NEUTRAL_PERSON = matcher.Profile(age=None, needs=("any",), referrer="professional")
NEUTRAL_WORDS = (
    "for someone a link worker refers, judged by the rules that do not depend on the "
    "person (the listing's and its organisation's status, last check, capacity, referral "
    "route, restrictions; age, area and distance are left aside)"
)
MAPPING_PAGE = "/manage/taxonomy"
ORGANISATION_WAITING = "its organisation is not published yet"
ROUTES_UNKNOWN = "says nothing of how to get in"
SHOWN_NAMES = 10


@dataclass(frozen=True)
class Listing:
    """An imported listing named in the section (the web page links to its edit page)."""

    id: uuid.UUID
    name: str


def named(listings: list[Listing], shown: int = SHOWN_NAMES) -> str:
    """ "A; B; C and 4 more": the first few names, and how many are not named."""
    names = "; ".join(listing.name for listing in listings[:shown])
    more = len(listings) - shown
    return f"{names} and {more} more" if more > 0 else names


@dataclass(frozen=True)
class UnmappedTerm:
    """A foreign taxonomy term that met no need, and the page to map it on."""

    term: str  # as the report shows it: "Debt advice (Council directory)"
    services: int
    link: str
    without_need: int = 0  # of those services, how many have no need at all


@dataclass
class Readiness:
    """What the matcher would make of the imported listings."""

    listings: int = 0
    ready: int = 0
    excluded: list[tuple[str, int]] = field(default_factory=list)  # reason, how many
    routes_unknown: int = 0  # allowed, but the matcher says to check how to get in
    unmapped: list[UnmappedTerm] = field(default_factory=list)  # some listing has no need
    # unmapped too, but every listing carrying it has a need already: mapping helps later
    also_unmapped: list[UnmappedTerm] = field(default_factory=list)
    listed: dict[str, list[Listing]] = field(default_factory=dict)  # reason: its listings

    def listings_for(self, reason: str) -> list[Listing]:
        """The listings left out for reason (or ROUTES_UNKNOWN), by name."""
        return self.listed.get(reason, [])

    @property
    def routes_unknown_listings(self) -> list[Listing]:
        return self.listings_for(ROUTES_UNKNOWN)

    def lines(self) -> list[str]:
        """The section as lines of text (the command line prints them)."""
        found = [
            "Ready for matching:",
            f"  {self.ready} of {self.listings} imported listing"
            f"{'' if self.listings == 1 else 's'} can be suggested {NEUTRAL_WORDS}.",
        ]
        if self.excluded:
            found.append("  Excluded, because:")
            for reason, n in self.excluded:
                found.append(f"    {reason}: {n}")
                if self.listings_for(reason):
                    found.append(f"      {named(self.listings_for(reason))}")
        if self.routes_unknown:
            n = self.routes_unknown
            found.append(
                f"  {n} {'says' if n == 1 else 'say'} nothing of how to get in: "
                f"{'it' if n == 1 else 'they'} can be suggested, with “check with the service "
                "how to get in”."
            )
            if self.listings_for(ROUTES_UNKNOWN):
                found.append(f"    {named(self.listings_for(ROUTES_UNKNOWN))}")
        if self.unmapped:
            found.append("  Taxonomy terms that meet no need (map them to needs):")
            found += [
                f"    {t.term}: {t.services} service{'' if t.services == 1 else 's'}, "
                f"map at {t.link}"
                for t in self.unmapped
            ]
        elif not self.also_unmapped:
            found.append("  Every taxonomy term met a need.")
        if self.also_unmapped:
            found.append(
                "  Taxonomy terms not mapped to a need, on listings that have needs already "
                "(map them so later imports use them):"
            )
            found += [
                f"    {t.term}: {t.services} "
                f"{'listing carries' if t.services == 1 else 'listings carry'} this term, "
                f"map at {t.link}"
                for t in self.also_unmapped
            ]
        return found


def term_name(shown: str) -> str:
    """The term's own name from the report's "Name (Taxonomy)"."""
    name, bracket, _ = shown.rpartition(" (")
    return name if bracket and shown.endswith(")") else shown


def mapping_link(shown: str) -> str:
    """The path of the managers' page to map a term on."""
    return f"{MAPPING_PAGE}?{urlencode({'term': term_name(shown)})}"


def check(
    session: Session,
    service_ids: list[uuid.UUID],
    unmapped: dict[str, list[str]],
    today: date | None = None,
) -> Readiness:
    """Judge the imported listings by the neutral rules (in the session, so an import
    that is rolled back afterwards can be judged too)."""
    today = today or clock.today()
    seen = rules.Situation(today, configured_weights(), None)
    ids = list(dict.fromkeys(service_ids))
    found = Readiness(listings=len(ids))
    reasons: Counter[str] = Counter()
    needless: set[uuid.UUID] = set()  # listings with no need at all
    for row in _rows(session, ids):
        facts = matcher.ServiceFacts(
            id=str(row.id),
            name=row.name,
            restrictions=tuple(row.restrictions or ()),
            referral_routes=tuple(
                route for route in REFERRAL_ROUTE_CODES if getattr(row, f"{route}_referral")
            ),
            routes_known=row.routes_known,
            capacity=Capacity(row.capacity).value,
            status=ListingStatus(row.status).value,
            last_verified=row.last_verified,
        )
        broken = [r.text for r in rules.broken(NEUTRAL_PERSON, facts, seen, NEUTRAL_RULES)]
        if row.organisation_status != ListingStatus.PUBLISHED:
            broken.append(ORGANISATION_WAITING)  # matching leaves its services out
        reasons.update(broken)
        found.ready += not broken
        if not broken and not facts.routes_known:
            found.routes_unknown += 1
            broken = [ROUTES_UNKNOWN]
        for reason in broken:
            found.listed.setdefault(reason, []).append(Listing(row.id, row.name))
        if not row.has_need:
            needless.add(row.id)
    for listings in found.listed.values():
        listings.sort(key=lambda listing: listing.name.casefold())
    found.excluded = sorted(reasons.items(), key=lambda item: (-item[1], item[0]))
    carriers = _carriers(session, ids, set(unmapped))
    for term, names in sorted(unmapped.items()):
        without = len(carriers.get(term, set()) & needless)
        listed = UnmappedTerm(term, len(names), mapping_link(term), without)
        (found.unmapped if without or term not in carriers else found.also_unmapped).append(listed)
    return found


def _rows(session: Session, ids: list[uuid.UUID]) -> Iterator[Any]:
    """The columns the neutral rules read of each listing, with its organisation's status
    and whether it meets any need: plain rows, as an import of thousands would otherwise
    load every listing with its relations only to read these."""
    has_need = (
        select(ServiceTaxonomyTerm.service_id)
        .where(col(ServiceTaxonomyTerm.service_id) == Service.id)
        .exists()
        .label("has_need")
    )
    for start in range(0, len(ids), 500):
        yield from session.exec(
            select(  # type: ignore[call-overload]
                Service.id,
                Service.name,
                Service.status,
                Service.last_verified,
                Service.capacity,
                Service.restrictions,
                *(getattr(Service, f"{route}_referral") for route in REFERRAL_ROUTE_CODES),
                Service.routes_known,
                col(Organisation.status).label("organisation_status"),
                has_need,
            )
            .join(Organisation, col(Organisation.id) == Service.organization_id)
            .where(col(Service.id).in_(ids[start : start + 500]))
        ).all()


def _carriers(session: Session, ids: list[uuid.UUID], terms: set[str]) -> dict[str, set[uuid.UUID]]:
    """The imported listings carrying each of these terms (as the report shows them)."""
    found: dict[str, set[uuid.UUID]] = {}
    if not terms:
        return found
    for start in range(0, len(ids), 500):
        rows = session.exec(
            select(ServiceForeignTerm).where(
                col(ServiceForeignTerm.service_id).in_(ids[start : start + 500])
            )
        ).all()
        for row in rows:
            shown = ForeignTerm.of(row).shown
            if shown in terms:
                found.setdefault(shown, set()).add(row.service_id)
    return found
