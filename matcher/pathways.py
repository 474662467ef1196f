"""More support: the NHS mental health options that fit a person, shown beside the community
suggestions, never mixed into them, and never chosen for the person.

Signpost sets no clinical threshold and does no triage. An NHS pathway listing (a service
with `ServiceFacts.pathway`) is offered when it meets one of the person's needs and breaks
none of the hard rules a community listing must keep (age, area, restrictions, the listing
published, checked and taking referrals), and when the person can use one of its routes in:
a public searcher refers themselves; a link worker can also refer, or ask the person's GP
practice (its GP or mental health practitioner) when the person is registered with one.
A listing that says nothing of its routes is left out: "check how to get in" is not good
enough for an NHS route.

Crisis-level options are offered only when urgent help was called for (the person's words or
needs), and then first, whatever their needs. For a young person (under 25) the options for
young people come next, the narrowest age band first, so a 16-year-old sees children and
young people's services before those up to 25. Then by the order of stepped care (community,
primary care, specialist): an order of reading, not a recommendation.

A person already known to a specialist team (Profile.known_service_id) sees that team first,
before everything else and whatever its routes or the person's needs, while its listing is
published: going back to a team that knows them is the quickest way back in when things get
worse.
"""

from __future__ import annotations

from matcher.catalogue import Catalogue
from matcher.distance import rounded
from matcher.facts import LEVELS, MAX_AGE, Pathway, PathwayOption, Profile, ServiceFacts
from matcher.rules import (
    Rule,
    Situation,
    age_rule,
    allowed,
    area_rule,
    capacity_rule,
    published_rule,
    reach_rule,
    restriction_rule,
    review_rule,
)
from matcher.weights import Weights
from matcher.words import ages, join

# The rules a pathway listing keeps: those of a community listing, but its own routes rule
# (pathway_route_rule) in place of referral_rule, and no charge rule (the NHS is free).
PATHWAY_RULES: tuple[Rule, ...] = (
    published_rule,
    review_rule,
    capacity_rule,
    age_rule,
    restriction_rule,
    area_rule,
    reach_rule,
)
YOUNG_UNDER = 25  # "young people": under 25, as the youth offer counts them
PRACTICE_ROUTES = ("gp", "mhp")  # routes through the person's GP practice


def usable_routes(profile: Profile, service: ServiceFacts, weights: Weights) -> tuple[str, ...]:
    """The routes into the service this person (or the link worker with them) can use."""
    open_routes = set(weights.pathway_routes_for(profile.referrer))
    if not profile.registered_with_gp:
        open_routes -= set(PRACTICE_ROUTES)
    return tuple(r for r in service.referral_routes if r in open_routes)


def options(
    profile: Profile,
    catalogue: Catalogue,
    *,
    situation: Situation,
    urgent: bool = False,
    rules: tuple[Rule, ...] = PATHWAY_RULES,
) -> tuple[PathwayOption, ...]:
    """The pathway listings that fit the person, in the order to read them (see above), at
    most `weights.pathway_limit`; crisis-level ones only (and first) when `urgent`. A public
    search, which asks no age or place of anyone, passes the rules without those it cannot
    judge."""
    weights = situation.weights
    found = []
    known = None
    for i in catalogue.pathways:
        service = catalogue.services[i]
        pathway = service.pathway
        assert pathway is not None
        if service.id == profile.known_service_id:
            # whatever its routes or the person's needs; but never a listing no longer
            # published (its number may be out of date, its page gone)
            if allowed(profile, service, situation, (published_rule,)):
                known = service
            continue
        crisis = pathway.level == "crisis"
        if crisis and not urgent:
            continue
        needs_met = tuple(n for n in profile.needs if n in service.needs)
        if not (needs_met or crisis):
            continue
        if not usable_routes(profile, service, weights):
            continue
        miles = None
        if profile.latitude is not None and profile.longitude is not None:
            miles = catalogue.nearest_site_miles(i, profile.latitude, profile.longitude)
        seen = Situation(situation.today, situation.weights, miles)
        if not allowed(profile, service, seen, rules):
            continue
        found.append((_order(profile, service, pathway, needs_met), service, needs_met, miles))
    found.sort(key=lambda item: item[0])
    first = () if known is None else (known_option(known),)
    return first + tuple(
        _option(service, how(service), needs_met, miles)
        for _, service, needs_met, miles in found[: weights.pathway_limit - len(first)]
    )


def known_option(service: ServiceFacts) -> PathwayOption:
    """The specialist team the person is already known to, as the first option (what
    brings the person back to it, not its ages or distance)."""
    return _option(service, known_how(service), (), None, known=True)


def _option(
    service: ServiceFacts,
    said: str,
    needs_met: tuple[str, ...],
    miles: float | None,
    *,
    known: bool = False,
) -> PathwayOption:
    has_ages = not known and (service.min_age is not None or service.max_age is not None)
    return PathwayOption(
        service_id=service.id,
        name=service.name,
        organisation=service.organisation,
        level=pathway_of(service).level,
        routes=service.referral_routes,
        how=said,
        needs_met=needs_met,
        distance_miles=None if miles is None else rounded(miles),
        youth=for_young_people(service),
        ages=ages(service.min_age, service.max_age) if has_ages else "",
        known=known,
    )


def known_how(service: ServiceFacts) -> str:
    """What to say of the team a person is already known to: go back to it directly."""
    pathway = pathway_of(service)
    said = [
        f"Already known to {service.name}: for quick access back when things get worse, "
        f"contact the team directly{f' on {pathway.phone}' if pathway.phone else ''}."
    ]
    if pathway.out_of_hours:
        said.append(out_of_hours_words(pathway.out_of_hours))
    return " ".join(said)


def pathway_of(service: ServiceFacts) -> Pathway:
    assert service.pathway is not None
    return service.pathway


def for_young_people(service: ServiceFacts) -> bool:
    """For young people: an upper age limit of 25 or under."""
    return service.max_age is not None and service.max_age <= YOUNG_UNDER


def _order(
    profile: Profile, service: ServiceFacts, pathway: Pathway, needs_met: tuple[str, ...]
) -> tuple[object, ...]:
    youth_first = 0  # for a young person: youth options first, the narrowest band first
    if profile.age is not None and profile.age < YOUNG_UNDER:
        youth_first = service.max_age or 0 if for_young_people(service) else MAX_AGE + 1
    level = LEVELS.index(pathway.level) if pathway.level in LEVELS else len(LEVELS)
    # the person's first need met first, then more of their needs met
    first_need = min((profile.needs.index(n) for n in needs_met), default=len(profile.needs))
    return (
        pathway.level != "crisis",
        youth_first,
        level,
        first_need,
        -len(needs_met),
        service.name,
        service.id,
    )


def how(service: ServiceFacts) -> str:
    """What to tell the person about getting in, from the service's routes and contact, in
    plain words to them: options, never a decision ("You can refer yourself to NHS Talking
    Therapies online at … or by phone on …. Your GP or the mental health practitioner at
    your practice can refer you.")."""
    pathway = pathway_of(service)
    routes = service.referral_routes
    ways = []
    if pathway.website:
        ways.append(f"online at {pathway.website}")
    if pathway.phone:
        ways.append(f"by phone on {pathway.phone}")
    said = []
    # Its number or site only with a self-referral route: without one, "you can contact"
    # would send the person to a door that only their GP practice or a professional opens.
    if "self" in routes:
        said.append(f"You can refer yourself to {service.name}{_ways(ways)}.")
    practice = [r for r in PRACTICE_ROUTES if r in routes]
    if practice == ["gp", "mhp"]:
        said.append("Your GP or the mental health practitioner at your practice can refer you.")
    elif practice == ["gp"]:
        said.append("Your GP can refer you.")
    elif practice == ["mhp"]:
        said.append("The mental health practitioner at your GP practice can refer you.")
    if "professional" in routes:
        said.append("A professional, such as a link worker, can refer you.")
    if "urgent" in routes:
        said.append("It takes urgent referrals, the same day.")
    if pathway.out_of_hours:
        said.append(out_of_hours_words(pathway.out_of_hours))
    return " ".join(said)


def out_of_hours_words(text: str) -> str:
    """The listing's out-of-hours words as a sentence of `how`: headed "Out of hours:" unless
    they already say when they apply ("Out of hours, call ..."; "Open 24 hours a day")."""
    words = text.strip().rstrip(".")
    lowered = words.lower()
    if "out of hours" in lowered or "24 hours" in lowered:
        return f"{words[0].upper()}{words[1:]}."
    return f"Out of hours: {words}."


def _ways(ways: list[str]) -> str:
    return f" {join(ways, last='or')}" if ways else ""
