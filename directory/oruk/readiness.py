"""Ready for matching: the end of an import's report. How many imported listings the
matcher's hard rules would exclude, and why, and which of the feed's taxonomy terms meet
no need, each with the page to map it on.

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
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from sqlmodel import Session, col, select

import matcher
from directory import clock
from directory.catalogue import published
from directory.matching.facts import facts_from_service
from directory.matching.suggestions import configured_weights
from directory.models import ListingStatus, Service
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


@dataclass(frozen=True)
class UnmappedTerm:
    """A foreign taxonomy term that met no need, and the page to map it on."""

    term: str  # as the report shows it: "Debt advice (Council directory)"
    services: int
    link: str


@dataclass
class Readiness:
    """What the matcher would make of the imported listings."""

    listings: int = 0
    ready: int = 0
    excluded: list[tuple[str, int]] = field(default_factory=list)  # reason, how many
    routes_unknown: int = 0  # allowed, but the matcher says to check how to get in
    unmapped: list[UnmappedTerm] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The section as lines of text (the command line prints them)."""
        found = [
            "Ready for matching:",
            f"  {self.ready} of {self.listings} imported listing"
            f"{'' if self.listings == 1 else 's'} can be suggested {NEUTRAL_WORDS}.",
        ]
        if self.excluded:
            found.append("  Excluded, because:")
            found += [f"    {reason}: {n}" for reason, n in self.excluded]
        if self.routes_unknown:
            n = self.routes_unknown
            found.append(
                f"  {n} {'says' if n == 1 else 'say'} nothing of how to get in: "
                f"{'it' if n == 1 else 'they'} can be suggested, with “check with the service "
                "how to get in”."
            )
        if self.unmapped:
            found.append("  Taxonomy terms that meet no need (map them to needs):")
            found += [
                f"    {t.term}: {t.services} service{'' if t.services == 1 else 's'}, "
                f"map at {t.link}"
                for t in self.unmapped
            ]
        else:
            found.append("  Every taxonomy term met a need.")
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
    for start in range(0, len(ids), 500):
        statement = (
            select(Service)
            .where(col(Service.id).in_(ids[start : start + 500]))
            .options(*published.facts_options())
        )
        for service in session.exec(statement).all():
            facts = facts_from_service(service)
            broken = [r.text for r in rules.broken(NEUTRAL_PERSON, facts, seen, NEUTRAL_RULES)]
            if service.organisation.status != ListingStatus.PUBLISHED:
                broken.append(ORGANISATION_WAITING)  # matching leaves its services out
            reasons.update(broken)
            found.ready += not broken
            found.routes_unknown += not broken and not facts.routes_known
    found.excluded = sorted(reasons.items(), key=lambda item: (-item[1], item[0]))
    found.unmapped = [
        UnmappedTerm(term, len(names), mapping_link(term))
        for term, names in sorted(unmapped.items())
    ]
    return found
