"""The hard rules: a service that breaks any of them is never suggested.

Each rule is a small function of the person, the service and the situation (today, the
weights, the distance to the nearest venue) that returns None when the service may be
suggested, or the Reason it may not, in words about the person a link worker reads. `RULES` is the
list the matcher applies; the restrictions (women only, carers only, ...) are a table, so a
new one is a line of data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from matcher.distance import rounded
from matcher.facts import Area, Profile, Reason, ServiceFacts
from matcher.weights import Weights
from matcher.words import (
    ROUTE_WORDS,
    STATUS_WORDS,
    ages,
    ago,
    join,
    mile_count,
    miles,
    month_year,
)


@dataclass(frozen=True, slots=True)
class Situation:
    """What the rules need besides the person and the service."""

    today: date
    weights: Weights
    distance_miles: float | None  # to the service's nearest venue, when both are known


Rule = Callable[[Profile, ServiceFacts, Situation], Reason | None]


def age_rule(person: Profile, service: ServiceFacts, _: Situation) -> Reason | None:
    """The person's age is within the service's age limits."""
    low, high = service.min_age, service.max_age
    if low is None and high is None:
        return None
    if person.age is None:
        return Reason("age", f"only for {ages(low, high)}, and we don't know their age")
    if (low is not None and person.age < low) or (high is not None and person.age > high):
        return Reason("age", f"only for {ages(low, high)}, and they are {person.age}")
    return None


def area_rule(person: Profile, service: ServiceFacts, seen: Situation) -> Reason | None:
    """The person lives inside an area the service serves (any one of them)."""
    where = (person.local_authority, person.postcode_district, seen.distance_miles)
    if not service.areas or any(serves(area, *where) for area in service.areas):
        return None
    served = join([area_words(area) for area in service.areas], last="or")
    if not (person.located or person.local_authority or person.postcode_district):
        return Reason("area", f"only for people {served}, and we don't know where they live")
    return Reason("area", f"only for people {served}{_where(person, service, seen)}")


def serves(
    area: Area,
    local_authority: str | None,
    district: str | None,
    miles_to_nearest_site: float | None,
) -> bool:
    """Whether someone living in this local authority (ONS code) and postcode district,
    this far from the service's nearest venue, lives inside the area. The one rule of
    where people live: matching excludes by it, and search leaves services out by it (its
    arrays apply it once per distinct area, and to the miles as shown for a radius).
    What is not known (None) is never inside, so a rule fails safe."""
    if area.kind == "national":
        return True
    if area.kind == "local_authority":
        return local_authority is not None and local_authority in area.codes
    if area.kind == "districts":
        return district is not None and district in area.codes
    if area.kind == "radius":
        return (
            miles_to_nearest_site is not None
            and area.miles is not None
            and within(miles_to_nearest_site, area.miles)
        )
    return False  # an area kind we do not know: fail safe


def within(miles: float, radius: float) -> bool:
    """A distance is within a radius when the miles as shown are (3.04 miles, shown as 3.0,
    is within 3 miles), so a rule never contradicts the distance on the page."""
    return rounded(miles) <= radius


def area_words(area: Area) -> str:
    """Where the area's people live, to follow "only for people": "in Leeds",
    "in LS6 or LS7", "within 3 miles of where it runs", "anywhere in the UK"."""
    if area.kind == "national":
        return "anywhere in the UK"
    if area.kind == "radius":
        if area.miles is None:
            return "near where it runs"
        return f"within {mile_count(area.miles)} of where it runs"
    if area.kind == "districts":
        return f"in {join(list(area.codes), last='or')}"
    return f"in {area.name or join(list(area.codes), last='or')}"


def _where(person: Profile, service: ServiceFacts, seen: Situation) -> str:
    kinds = {area.kind for area in service.areas}
    if "radius" in kinds and seen.distance_miles is not None:
        return f", and it is {miles(seen.distance_miles)} away"
    if "districts" in kinds and person.postcode_district:
        return f", and they live in {person.postcode_district}"
    return ", and they live outside it"


def reach_rule(person: Profile, service: ServiceFacts, seen: Situation) -> Reason | None:
    """A service only in person is within the distance the person can travel."""
    limit = person.preferences.max_miles
    if limit is None or not service.bound_to_sites:
        return None
    if seen.distance_miles is None:
        return Reason("distance", "only in person, and we don't know where they live")
    if not within(seen.distance_miles, limit):  # as shown: "3.0 miles" is within 3 miles
        return Reason(
            "distance",
            f"only in person, {miles(seen.distance_miles)} away: "
            f"further than the {mile_count(limit)} they can travel",
        )
    return None


def referral_rule(person: Profile, service: ServiceFacts, seen: Situation) -> Reason | None:
    """The service takes referrals by a route open to whoever is referring, or its routes
    are unknown (not the same as none)."""
    open_routes = seen.weights.routes_for(person.referrer)
    if any(route in open_routes for route in service.referral_routes):
        return None
    if not service.routes_known:
        return None  # nobody has said: the reasons tell the person to check how to get in
    if not service.referral_routes:
        return Reason("referral", "lists no way to be referred")
    routes = join([ROUTE_WORDS.get(r, r) for r in service.referral_routes], last="or")
    return Reason("referral", f"only takes referrals from {routes}")


def cost_rule(person: Profile, service: ServiceFacts, _: Situation) -> Reason | None:
    """A person who wants free services only is offered no service with a charge."""
    if person.preferences.free_only and not service.free:
        return Reason("cost", "there is a charge, and they want free services only")
    return None


def capacity_rule(person: Profile, service: ServiceFacts, _: Situation) -> Reason | None:
    """The service is taking new referrals."""
    if service.capacity == "not_taking_referrals":
        return Reason("capacity", "not taking new referrals at the moment")
    return None


def published_rule(person: Profile, service: ServiceFacts, _: Situation) -> Reason | None:
    """The listing is published."""
    if service.status == "published":
        return None
    return Reason("status", f"the listing is {STATUS_WORDS.get(service.status, service.status)}")


def review_rule(person: Profile, service: ServiceFacts, seen: Situation) -> Reason | None:
    """The listing was checked within its review period plus the grace period."""
    checked = service.last_verified
    if checked is None:
        return Reason("review", "the listing has never been checked")
    allowed = seen.weights.review_days + seen.weights.grace_days
    if (seen.today - checked).days > allowed:
        return Reason(
            "review",
            f"the listing was last checked in {month_year(checked)}, "
            f"{ago(checked, seen.today)}, so it may be out of date",
        )
    return None


@dataclass(frozen=True, slots=True)
class Restriction:
    """A stated restriction: who qualifies, and how to say it."""

    qualifies: Callable[[Profile], bool]
    only_for: str  # "for women only": why someone is excluded
    welcome: str  # "for carers": why it suits someone who qualifies
    # Whether being for this group makes the service suit its members better (a carers'
    # group suits a carer); a women-only group is not, by that alone, better for a woman.
    suits_members: bool = True


RESTRICTIONS: dict[str, Restriction] = {
    "women_only": Restriction(
        lambda p: p.gender == "woman", "for women only", "for women", suits_members=False
    ),
    "men_only": Restriction(lambda p: p.gender == "man", "for men only", "for men", False),
    "carers_only": Restriction(lambda p: p.is_carer, "for carers only", "for carers"),
    "lgbtq_only": Restriction(lambda p: p.lgbtq, "for LGBTQ+ people only", "an LGBTQ+ space"),
    "veterans_only": Restriction(
        lambda p: p.is_veteran, "for armed forces veterans only", "for veterans"
    ),
    "registered_with_gp": Restriction(
        lambda p: p.registered_with_gp,
        "only for people registered with a local GP",
        "for patients of local GPs",
        suits_members=False,
    ),
}


def restriction_rule(person: Profile, service: ServiceFacts, _: Situation) -> Reason | None:
    """The person meets every restriction the service states (an unknown one: nobody does)."""
    failed = []
    for code in service.restrictions:
        restriction = RESTRICTIONS.get(code)
        if restriction is None:
            failed.append(f"restricted ({code.replace('_', ' ')})")
        elif not restriction.qualifies(person):
            failed.append(restriction.only_for)
    return Reason("restriction", join(failed)) if failed else None


RULES: tuple[Rule, ...] = (
    published_rule,
    review_rule,
    capacity_rule,
    cost_rule,
    age_rule,
    restriction_rule,
    referral_rule,
    area_rule,
    reach_rule,
)


def broken(
    person: Profile, service: ServiceFacts, seen: Situation, rules: tuple[Rule, ...] = RULES
) -> list[Reason]:
    """Every rule the service breaks for this person; empty when it may be suggested."""
    return [reason for rule in rules if (reason := rule(person, service, seen)) is not None]


def allowed(
    person: Profile, service: ServiceFacts, seen: Situation, rules: tuple[Rule, ...] = RULES
) -> bool:
    """Whether the service breaks no rule (stops at the first broken one)."""
    return all(rule(person, service, seen) is None for rule in rules)
