"""Properties of the matcher over random people and random catalogues (hypothesis).

The oracle below decides, on its own, which hard rules a service breaks for a person: it
is written from the rules as the issue states them, with its own distance formula (chords
between points on a sphere), and calls none of the matcher's rule functions. The matcher
must never suggest a service the oracle rules out, and must list every one it rules out
(among the services that meet a need) with a reason for each rule broken.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import matcher

TODAY = date(2026, 11, 23)
NEEDS = ("loneliness", "low_mood", "money_debt", "housing")
DISTRICTS = ("LS1", "LS6", "LS7", "LS11")
AUTHORITIES = ("E08000035", "E08000032")
RESTRICTIONS = ("women_only", "men_only", "carers_only", "lgbtq_only", "veterans_only")
RESTRICTIONS += ("registered_with_gp", "a_restriction_nobody_knows")
MILES_PER_RADIAN = 3_958.7613
# Near a boundary the two distance formulas may round differently; such cases are skipped.
BOUNDARY_MILES = 1e-6
# The matcher judges a distance as it is shown, to a tenth of a mile (matcher.rules.within:
# 3.04 miles, shown as 3.0, is within 3 miles); the oracle measures exactly, so a distance
# within half a tenth of a limit is too near it to judge.
SHOWN_MILES = 0.05

latitudes = st.floats(53.70, 53.90, allow_nan=False)
longitudes = st.floats(-1.70, -1.40, allow_nan=False)
ages = st.none() | st.integers(0, 120)


def subset(
    items: tuple[str, ...], min_size: int = 0, max_size: int | None = None
) -> st.SearchStrategy:
    return st.lists(st.sampled_from(items), min_size=min_size, max_size=max_size, unique=True).map(
        tuple
    )


# Each strategy is built once, here, and only drawn from inside the composites below: one
# built inside a composite is built (and checked by hypothesis) again at every draw, which
# took 90% of these tests' time.
ACCESS = subset(("step_free", "hearing_loop"))
PERSON_NEEDS = subset(NEEDS, 1, 3)
MODES = subset(matcher.facts.MODES)
DAYS = subset(matcher.facts.DAYS)
TIMES = subset(("morning", "afternoon", "evening", "09:00-13:00"))
MAX_MILES = st.none() | st.floats(0.5, 10, allow_nan=False)
LANGUAGE = st.none() | st.sampled_from(("en", "pl", "ur"))
DISTRICT = st.none() | st.sampled_from(DISTRICTS)
AUTHORITY = st.none() | st.sampled_from(AUTHORITIES)
GENDER = st.none() | st.sampled_from(matcher.facts.GENDERS)
REFERRER = st.sampled_from(matcher.facts.REFERRERS)
AREA_KIND = st.sampled_from(matcher.facts.AREA_KINDS)
SOME_AUTHORITIES = subset(AUTHORITIES, 1)
SOME_DISTRICTS = subset(DISTRICTS, 1)
RADIUS = st.floats(0.5, 8, allow_nan=False)
LOW_AGE = st.none() | st.integers(0, 90)
HIGH_AGES = [st.none() | st.integers(low, 120) for low in range(91)]
SITES = st.lists(
    st.builds(
        matcher.Site,
        latitude=latitudes,
        longitude=longitudes,
        postcode_district=st.sampled_from(DISTRICTS),
        local_authority=st.sampled_from(AUTHORITIES),
        access=ACCESS,
    ),
    max_size=2,
)
ORGANISATION = st.sampled_from(("Org A", "Org B", "Org C"))
SERVICE_NEEDS = subset((*NEEDS, "food"), 0, 3)
SERVICE_RESTRICTIONS = subset(RESTRICTIONS, 0, 2)
ROUTES = subset(("self", "professional", "gp"))
CAPACITY = st.sampled_from(("open", "waiting_list", "not_taking_referrals"))
WAITING_WEEKS = st.none() | st.integers(0, 20)
STATUS = st.sampled_from(("published", "published", "draft", "pending_review", "archived"))
LAST_VERIFIED = st.none() | st.integers(0, 700).map(lambda d: TODAY - timedelta(days=d))
SESSIONS = st.lists(
    st.builds(
        matcher.OpeningSession,
        days=subset(matcher.facts.DAYS, 1),
        opens=st.sampled_from(("09:00", "13:30", "18:00")),
        closes=st.sampled_from(("11:00", "16:00", "21:00")),
    ),
    max_size=2,
)
LANGUAGES = subset(("en", "pl", "ur"))


@st.composite
def profiles(draw: st.DrawFn) -> matcher.Profile:
    located = draw(st.booleans())
    return matcher.Profile(
        age=draw(ages),
        needs=draw(PERSON_NEEDS),
        latitude=draw(latitudes) if located else None,
        longitude=draw(longitudes) if located else None,
        postcode_district=draw(DISTRICT),
        local_authority=draw(AUTHORITY),
        preferences=matcher.Preferences(
            free_only=draw(st.booleans()),
            modes=draw(MODES),
            days=draw(DAYS),
            times=draw(TIMES),
            max_miles=draw(MAX_MILES),
            language=draw(LANGUAGE),
            access=draw(ACCESS),
        ),
        gender=draw(GENDER),
        is_carer=draw(st.booleans()),
        is_veteran=draw(st.booleans()),
        lgbtq=draw(st.booleans()),
        registered_with_gp=draw(st.booleans()),
        referrer=draw(REFERRER),
    )


@st.composite
def areas(draw: st.DrawFn) -> matcher.Area:
    kind = draw(AREA_KIND)
    if kind == "local_authority":
        return matcher.Area(kind, draw(SOME_AUTHORITIES))
    if kind == "districts":
        return matcher.Area(kind, draw(SOME_DISTRICTS))
    if kind == "radius":
        return matcher.Area(kind, miles=draw(RADIUS))
    return matcher.Area(kind)


AREAS = st.lists(areas(), max_size=2)


@st.composite
def services(draw: st.DrawFn, key: int) -> matcher.ServiceFacts:
    low = draw(LOW_AGE)
    high = draw(HIGH_AGES[low or 0])
    sites = draw(SITES)
    return matcher.ServiceFacts(
        id=f"s{key}",
        name=f"Service {key}",
        organisation=draw(ORGANISATION),
        needs=draw(SERVICE_NEEDS),
        min_age=low,
        max_age=high,
        restrictions=draw(SERVICE_RESTRICTIONS),
        referral_routes=(routes := draw(ROUTES)),
        # unknown routes (an import found no words for them) only where none are listed
        routes_known=bool(routes) or draw(st.booleans()),
        capacity=draw(CAPACITY),
        waiting_weeks=draw(WAITING_WEEKS),
        status=draw(STATUS),
        last_verified=draw(LAST_VERIFIED),
        modes=draw(MODES),
        areas=tuple(draw(AREAS)),
        sites=tuple(sites),
        sessions=tuple(draw(SESSIONS)),
        free=draw(st.booleans()),
        languages=draw(LANGUAGES),
    )


@st.composite
def catalogues(draw: st.DrawFn, max_size: int = 25) -> list[matcher.ServiceFacts]:
    size = draw(st.integers(0, max_size))
    return [draw(services(i)) for i in range(size)]


# --- the oracle ----------------------------------------------------------------------------


def chord_miles(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance from the straight chord between two points on the sphere."""

    def point(lat: float, lon: float) -> tuple[float, float, float]:
        phi, lam = math.radians(lat), math.radians(lon)
        return math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi)

    chord = math.dist(point(*a), point(*b))
    return 2 * math.asin(min(1.0, chord / 2)) * MILES_PER_RADIAN


def oracle(person: matcher.Profile, service: matcher.ServiceFacts) -> tuple[set[str], bool]:
    """The kinds of rule the service breaks for the person, and whether a distance sits so
    close to a limit that the answer depends on rounding."""
    broken: set[str] = set()
    near_a_limit = False
    if service.status != "published":
        broken.add("status")
    if service.last_verified is None or (TODAY - service.last_verified).days > 365 + 90:
        broken.add("review")
    if service.capacity == "not_taking_referrals":
        broken.add("capacity")
    if person.preferences.free_only and not service.free:
        broken.add("cost")
    if service.min_age is not None or service.max_age is not None:
        # age 0 is an age: compare with None explicitly, not by truth
        age = person.age
        too_young = age is not None and service.min_age is not None and age < service.min_age
        too_old = age is not None and service.max_age is not None and age > service.max_age
        if age is None or too_young or too_old:
            broken.add("age")
    qualifies = {
        "women_only": person.gender == "woman",
        "men_only": person.gender == "man",
        "carers_only": person.is_carer,
        "lgbtq_only": person.lgbtq,
        "veterans_only": person.is_veteran,
        "registered_with_gp": person.registered_with_gp,
    }
    if not all(qualifies.get(code, False) for code in service.restrictions):
        broken.add("restriction")
    usable = {"self": {"self"}, "professional": {"self", "professional"}}[person.referrer]
    if service.routes_known and not usable.intersection(service.referral_routes):
        broken.add("referral")
    nearest = None
    if person.latitude is not None and person.longitude is not None and service.sites:
        here = (person.latitude, person.longitude)
        nearest = min(chord_miles(here, (s.latitude, s.longitude)) for s in service.sites)
    inside = []
    for area in service.areas:
        if area.kind == "radius" and nearest is not None and area.miles is not None:
            near_a_limit |= abs(nearest - area.miles) < SHOWN_MILES + BOUNDARY_MILES
        inside.append(
            area.kind == "national"
            or (area.kind == "local_authority" and person.local_authority in area.codes)
            or (area.kind == "districts" and person.postcode_district in area.codes)
            or (area.kind == "radius" and nearest is not None and nearest <= (area.miles or 0))
        )
    if service.areas and not any(inside):
        broken.add("area")
    limit = person.preferences.max_miles
    only_in_person = bool(service.sites) and not {"online", "phone"} & set(service.modes)
    if limit is not None and only_in_person:
        if nearest is None or nearest > limit:
            broken.add("distance")
        near_a_limit |= nearest is not None and abs(nearest - limit) < SHOWN_MILES + BOUNDARY_MILES
    return broken, near_a_limit


def meets_a_need(person: matcher.Profile, service: matcher.ServiceFacts) -> bool:
    return bool(set(person.needs) & set(service.needs))


EVERYTHING = matcher.Weights(excluded_limit=None)
SETTINGS = settings(
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# --- the properties --------------------------------------------------------------------------


@settings(SETTINGS, max_examples=200)
@given(person=profiles(), catalogue=catalogues())
def test_no_suggestion_breaks_a_hard_rule_and_every_service_ruled_out_is_excluded_with_reasons(
    person, catalogue
):
    result = matcher.match(person, catalogue, EVERYTHING, today=TODAY)
    verdicts = {s.id: oracle(person, s) for s in catalogue if meets_a_need(person, s)}
    for suggestion in result.suggestions:
        broken, near_a_limit = verdicts[suggestion.service_id]
        assert near_a_limit or broken == set(), (suggestion.name, broken)
    if any(near for _, near in verdicts.values()):
        return
    # With a catalogue this small every candidate is weighed, so the list is complete, with
    # one reason for each rule broken.
    ruled_out = {key: broken for key, (broken, _) in verdicts.items() if broken}
    excluded = {e.service_id: {r.kind for r in e.reasons} for e in result.excluded}
    assert excluded == ruled_out
    assert all(len(e.reasons) == len(ruled_out[e.service_id]) for e in result.excluded)
    allowed = len(verdicts) - len(ruled_out)
    assert len(result.suggestions) == min(EVERYTHING.limit, allowed)


@settings(SETTINGS, max_examples=80)
@given(person=profiles(), catalogue=catalogues(max_size=12), limit=st.integers(0, 8))
def test_suggestions_are_distinct_best_first_within_the_limit_and_meet_the_needs(
    person, catalogue, limit
):
    result = matcher.match(person, catalogue, today=TODAY, limit=limit)
    ids = [s.service_id for s in result.suggestions]
    assert len(ids) == len(set(ids)) <= limit
    # a known route first, then by score: an unknown route ranks below a known one that fits
    known = {s.id: s.routes_known for s in catalogue}
    ranks = [(not known[s.service_id], -s.score) for s in result.suggestions]
    assert ranks == sorted(ranks)
    for suggestion in result.suggestions:
        assert suggestion.needs_met
        assert set(suggestion.needs_met) <= set(person.needs)
        assert suggestion.reasons[0].kind == "need"
    assert not set(ids) & {e.service_id for e in result.excluded}


@settings(SETTINGS, max_examples=15)
@given(person=profiles(), catalogue=catalogues(max_size=80), data=st.data())
def test_a_large_catalogue_never_suggests_what_the_rules_rule_out(person, catalogue, data):
    # Past the shortlist the matcher weighs only the most promising services; whatever it
    # suggests must still pass every rule.
    tight = matcher.Weights(shortlist=data.draw(st.integers(1, 5)))
    result = matcher.match(person, catalogue, tight, today=TODAY)
    by_id = {s.id: s for s in catalogue}
    for suggestion in result.suggestions:
        broken, near_a_limit = oracle(person, by_id[suggestion.service_id])
        assert near_a_limit or broken == set()
