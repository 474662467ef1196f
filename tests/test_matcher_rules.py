"""The matcher's hard rules, each on its own, and the reasons a suggestion or exclusion gives.

Plain matcher objects only: no app, no database. The builders `person` and `service` at the
top are shared by the other matcher tests (test_matcher_scoring, test_matcher_properties).
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from typing import Any

import pytest

import matcher
from matcher import rules
from matcher.rules import Situation
from matcher.words import ago

TODAY = date(2026, 11, 23)
LEEDS = "E08000035"
# Hyde Park, Leeds (LS6 1BD), and places at known distances from it.
HYDE_PARK = (53.8130, -1.5654)
MILE_NORTH = 1 / 69.05  # one mile of latitude, in degrees
VOCABULARY = matcher.Vocabulary(
    need_labels={
        "loneliness": "Loneliness and isolation",
        "low_mood": "Low mood and mental wellbeing",
        "money_debt": "Money worries and debt",
        "nature_green": "Nature and green activities",
        "young_people": "Young people's wellbeing",
        "older_people": "Older people",
    },
    need_synonyms={"loneliness": ("befriending", "meet people"), "money_debt": ("debt",)},
    need_ages={"young_people": (11, 25), "older_people": (50, None)},
    languages={"en": "English", "pl": "Polish", "ur": "Urdu"},
    access={"step_free": "Step-free access", "hearing_loop": "Hearing loop"},
)


def site(miles_north: float = 0.0, district: str = "LS6", **changes: Any) -> matcher.Site:
    """A venue the given distance north of Hyde Park."""
    return matcher.Site(
        latitude=HYDE_PARK[0] + miles_north * MILE_NORTH,
        longitude=HYDE_PARK[1],
        postcode_district=district,
        local_authority=LEEDS,
        **changes,
    )


def service(id: str = "tea", **changes: Any) -> matcher.ServiceFacts:
    """A published, recently checked, open drop-in for lonely people, half a mile away."""
    base = matcher.ServiceFacts(
        id=id,
        name=f"Service {id}",
        organisation=f"Organisation {id}",
        needs=("loneliness",),
        referral_routes=("self", "professional"),
        status="published",
        capacity="open",
        last_verified=TODAY - timedelta(days=30),
        modes=("in_person",),
        areas=(matcher.Area("local_authority", (LEEDS,), name="Leeds"),),
        sites=(site(0.5),),
        free=True,
        languages=("en",),
    )
    return dataclasses.replace(base, **changes)


def person(**changes: Any) -> matcher.Profile:
    """A 40-year-old in Hyde Park who is lonely, referred by a link worker."""
    preferences = changes.pop("preferences", {})
    base = matcher.Profile(
        age=40,
        needs=("loneliness",),
        latitude=HYDE_PARK[0],
        longitude=HYDE_PARK[1],
        postcode_district="LS6",
        local_authority=LEEDS,
        preferences=matcher.Preferences(**preferences),
        registered_with_gp=True,
        referrer="professional",
    )
    return dataclasses.replace(base, **changes)


def situation(for_person: matcher.Profile, for_service: matcher.ServiceFacts) -> Situation:
    distance = None
    if for_person.latitude is not None and for_person.longitude is not None:
        distances = [
            matcher.distance.miles_between(
                for_person.latitude, for_person.longitude, s.latitude, s.longitude
            )
            for s in for_service.sites
        ]
        distance = min(distances) if distances else None
    return Situation(TODAY, matcher.Weights(), distance)


def run(**kwargs: Any) -> matcher.MatchResult:
    kwargs.setdefault("today", TODAY)
    kwargs.setdefault("vocabulary", VOCABULARY)
    profile = kwargs.pop("profile")
    services = kwargs.pop("services")
    return matcher.match(profile, services, **kwargs)


# --- each rule, as a table: (rule, service changes, person changes, reason or None) -------

ONLY_SELF = ("self",)
CASES = [
    # age
    (rules.age_rule, {}, {}, None),
    (rules.age_rule, {"min_age": 16, "max_age": 25}, {"age": 17}, None),
    (rules.age_rule, {"min_age": 16, "max_age": 25}, {"age": 16}, None),
    (rules.age_rule, {"min_age": 16, "max_age": 25}, {"age": 25}, None),
    (
        rules.age_rule,
        {"min_age": 16, "max_age": 25},
        {"age": 15},
        "only for ages 16-25, and they are 15",
    ),
    (
        rules.age_rule,
        {"min_age": 16, "max_age": 25},
        {"age": 26},
        "only for ages 16-25, and they are 26",
    ),
    (rules.age_rule, {"min_age": 65}, {"age": 64}, "only for ages 65 and over, and they are 64"),
    (rules.age_rule, {"max_age": 18}, {"age": 19}, "only for ages up to 18, and they are 19"),
    (
        rules.age_rule,
        {"min_age": 18},
        {"age": None},
        "only for ages 18 and over, and we don't know their age",
    ),
    # area served
    (rules.area_rule, {"areas": ()}, {}, None),
    (
        rules.area_rule,
        {"areas": (matcher.Area("national"),)},
        {"local_authority": "E08000032"},
        None,
    ),
    (
        rules.area_rule,
        {},
        {"local_authority": "E08000032"},
        "only for people in Leeds, and they live outside it",
    ),
    (rules.area_rule, {"areas": (matcher.Area("districts", ("LS6", "LS4")),)}, {}, None),
    (
        rules.area_rule,
        {"areas": (matcher.Area("districts", ("LS7", "LS8")),)},
        {},
        "only for people in LS7 or LS8, and they live in LS6",
    ),
    (rules.area_rule, {"areas": (matcher.Area("radius", miles=2.0),)}, {}, None),
    (
        rules.area_rule,
        {"areas": (matcher.Area("radius", miles=2.0),), "sites": (site(3.0),)},
        {},
        "only for people within 2 miles of where it runs, and it is 3.0 miles away",
    ),
    (
        rules.area_rule,
        {"areas": (matcher.Area("districts", ("LS7",)), matcher.Area("local_authority", (LEEDS,)))},
        {},
        None,  # inside any one of its areas is enough
    ),
    (
        rules.area_rule,
        {},
        {"latitude": None, "longitude": None, "postcode_district": None, "local_authority": None},
        "only for people in Leeds, and we don't know where they live",
    ),
    (rules.area_rule, {"areas": (matcher.Area("moon"),)}, {}, "only for people in "),
    # cost: "Free services only" excludes a service with a charge, and only then
    (rules.cost_rule, {"free": False}, {}, None),
    (rules.cost_rule, {"free": True}, {"preferences": {"free_only": True}}, None),
    (
        rules.cost_rule,
        {"free": False},
        {"preferences": {"free_only": True}},
        "there is a charge, and they want free services only",
    ),
    # reachable: a service only in person beyond the distance the person can travel
    (rules.reach_rule, {"sites": (site(3.0),)}, {}, None),
    (rules.reach_rule, {"sites": (site(1.5),)}, {"preferences": {"max_miles": 2}}, None),
    (
        rules.reach_rule,
        {"sites": (site(3.0),)},
        {"preferences": {"max_miles": 2}},
        "only in person, 3.0 miles away: further than the 2 miles they can travel",
    ),
    (
        rules.reach_rule,
        {"sites": (site(3.0),)},
        {"preferences": {"max_miles": 1}},
        "only in person, 3.0 miles away: further than the 1 mile they can travel",
    ),
    (
        rules.area_rule,
        {"areas": (matcher.Area("radius", miles=1.0),), "sites": (site(3.0),)},
        {},
        "only for people within 1 mile of where it runs, and it is 3.0 miles away",
    ),
    (rules.reach_rule, {"sites": (site(3.0), site(1.0))}, {"preferences": {"max_miles": 2}}, None),
    # at the edge, the miles as shown (and as search filters on): 2.04 shows as 2.0
    (rules.reach_rule, {"sites": (site(2.04),)}, {"preferences": {"max_miles": 2}}, None),
    (
        rules.reach_rule,
        {"sites": (site(2.06),)},
        {"preferences": {"max_miles": 2}},
        "only in person, 2.1 miles away: further than the 2 miles they can travel",
    ),
    (
        rules.area_rule,
        {"areas": (matcher.Area("radius", miles=2.0),), "sites": (site(2.04),)},
        {},
        None,
    ),
    (
        rules.reach_rule,
        {"sites": (site(9.0),), "modes": ("in_person", "online")},
        {"preferences": {"max_miles": 2}},
        None,  # they can join online
    ),
    (rules.reach_rule, {"sites": (), "modes": ("phone",)}, {"preferences": {"max_miles": 1}}, None),
    # referral route open to this referrer
    (rules.referral_rule, {"referral_routes": ONLY_SELF}, {"referrer": "self"}, None),
    (rules.referral_rule, {"referral_routes": ONLY_SELF}, {"referrer": "professional"}, None),
    (
        rules.referral_rule,
        {"referral_routes": ("professional",)},
        {"referrer": "professional"},
        None,
    ),
    (
        rules.referral_rule,
        {"referral_routes": ("professional", "gp")},
        {"referrer": "self"},
        "only takes referrals from a professional or a GP",
    ),
    (
        rules.referral_rule,
        {"referral_routes": ("gp",)},
        {"referrer": "professional"},
        "only takes referrals from a GP",
    ),
    (rules.referral_rule, {"referral_routes": ()}, {}, "lists no way to be referred"),
    # routes nobody has said (an import that found no words for them): unknown is not "no"
    (rules.referral_rule, {"referral_routes": (), "routes_known": False}, {}, None),
    (
        rules.referral_rule,
        {"referral_routes": (), "routes_known": False},
        {"referrer": "self"},
        None,
    ),
    # capacity
    (rules.capacity_rule, {"capacity": "waiting_list", "waiting_weeks": 6}, {}, None),
    (
        rules.capacity_rule,
        {"capacity": "not_taking_referrals"},
        {},
        "not taking new referrals at the moment",
    ),
    # listing published and checked within review period + grace
    (rules.published_rule, {"status": "draft"}, {}, "the listing is a draft"),
    (rules.published_rule, {"status": "pending_review"}, {}, "the listing is waiting for review"),
    (
        rules.published_rule,
        {"status": "archived"},
        {},
        "the listing is archived (no longer running)",
    ),
    (rules.review_rule, {"last_verified": TODAY - timedelta(days=455)}, {}, None),
    (
        rules.review_rule,
        {"last_verified": TODAY - timedelta(days=456)},
        {},
        "the listing was last checked in August 2025, 14 months ago, so it may be out of date",
    ),
    # the listing's own age, not the period allowed
    (
        rules.review_rule,
        {"last_verified": date(2025, 7, 24)},
        {},
        "the listing was last checked in July 2025, 15 months ago, so it may be out of date",
    ),
    (
        rules.review_rule,
        {"last_verified": date(2024, 5, 1)},
        {},
        "the listing was last checked in May 2024, 2 years ago, so it may be out of date",
    ),
    (rules.review_rule, {"last_verified": None}, {}, "the listing has never been checked"),
    # explicit restrictions
    (rules.restriction_rule, {"restrictions": ("women_only",)}, {"gender": "woman"}, None),
    (
        rules.restriction_rule,
        {"restrictions": ("women_only",)},
        {"gender": "man"},
        "for women only",
    ),
    (rules.restriction_rule, {"restrictions": ("women_only",)}, {"gender": None}, "for women only"),
    (
        rules.restriction_rule,
        {"restrictions": ("men_only",)},
        {"gender": "non_binary"},
        "for men only",
    ),
    (rules.restriction_rule, {"restrictions": ("carers_only",)}, {"is_carer": True}, None),
    (rules.restriction_rule, {"restrictions": ("carers_only",)}, {}, "for carers only"),
    (rules.restriction_rule, {"restrictions": ("lgbtq_only",)}, {"lgbtq": True}, None),
    (rules.restriction_rule, {"restrictions": ("lgbtq_only",)}, {}, "for LGBTQ+ people only"),
    (rules.restriction_rule, {"restrictions": ("veterans_only",)}, {"is_veteran": True}, None),
    (
        rules.restriction_rule,
        {"restrictions": ("veterans_only",)},
        {},
        "for armed forces veterans only",
    ),
    (rules.restriction_rule, {"restrictions": ("registered_with_gp",)}, {}, None),
    (
        rules.restriction_rule,
        {"restrictions": ("registered_with_gp",)},
        {"registered_with_gp": False},
        "only for people registered with a local GP",
    ),
    (
        rules.restriction_rule,
        {"restrictions": ("women_only", "carers_only")},
        {"gender": "man"},
        "for women only and for carers only",
    ),
    (
        rules.restriction_rule,
        {"restrictions": ("over_the_rainbow",)},
        {},
        "restricted (over the rainbow)",
    ),
]


@pytest.mark.parametrize(
    ("rule", "service_changes", "person_changes", "reason"),
    CASES,
    ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(CASES)],
)
def test_each_rule_allows_or_excludes_with_its_reason(
    rule, service_changes, person_changes, reason
):
    someone = person(**person_changes)
    it = service(**service_changes)
    found = rule(someone, it, situation(someone, it))
    if reason is None:
        assert found is None
    else:
        assert found is not None
        assert found.text.startswith(reason)
        assert found.kind


@pytest.mark.parametrize(
    ("area", "where", "inside"),
    [
        (matcher.Area("national"), (None, None, None), True),
        (matcher.Area("local_authority", (LEEDS,)), (LEEDS, None, None), True),
        (matcher.Area("local_authority", (LEEDS,)), ("E08000003", "M1", None), False),
        (matcher.Area("local_authority", (LEEDS,)), (None, "LS6", 0.1), False),  # unknown
        (matcher.Area("districts", ("LS6", "LS7")), (LEEDS, "LS7", None), True),
        (matcher.Area("districts", ("LS7",)), (LEEDS, "LS6", None), False),
        (matcher.Area("districts", ("LS7",)), (LEEDS, None, None), False),
        (matcher.Area("radius", miles=3.0), (None, None, 3.04), True),  # shown as 3.0
        (matcher.Area("radius", miles=3.0), (None, None, 3.06), False),  # shown as 3.1
        (matcher.Area("radius", miles=3.0), (LEEDS, "LS6", None), False),  # no distance
        (matcher.Area("moon", ("LS6",)), (LEEDS, "LS6", 0.0), False),
    ],
)
def test_serves_is_the_one_rule_of_where_people_live(area, where, inside):
    assert rules.serves(area, *where) is inside


def test_every_rule_is_in_the_list_the_matcher_applies():
    named = {name for name in dir(rules) if name.endswith("_rule")}
    assert {rule.__name__ for rule in rules.RULES} == named
    assert {rule for rule, *_ in CASES} == set(rules.RULES)


def test_every_restriction_in_the_table_is_tested():
    tested = {code for _, changes, _, _ in CASES for code in changes.get("restrictions", ())}
    assert set(rules.RESTRICTIONS) <= tested


# --- the rules in a match -------------------------------------------------------------


def test_a_service_breaking_any_rule_is_excluded_with_every_reason_and_never_suggested():
    broken = service(
        "broken",
        min_age=65,
        status="pending_review",
        capacity="not_taking_referrals",
        restrictions=("women_only",),
    )
    fine = service("fine")
    result = run(profile=person(gender="man"), services=[broken, fine])
    assert [s.service_id for s in result.suggestions] == ["fine"]
    [exclusion] = result.excluded
    assert exclusion.service_id == "broken"
    assert [r.kind for r in exclusion.reasons] == ["status", "capacity", "age", "restriction"]
    assert result.excluded_total == 1


def test_services_that_meet_none_of_the_needs_are_neither_suggested_nor_excluded():
    unrelated = service("debt", needs=("money_debt",), min_age=99)
    result = run(profile=person(), services=[unrelated])
    assert result.suggestions == ()
    assert result.excluded == ()
    assert result.considered == 0


def test_online_and_phone_services_are_not_bound_by_distance_but_are_by_their_area():
    far_online = service("online", modes=("online",), sites=(site(30.0),))
    far_in_person = service("far", sites=(site(30.0),))
    elsewhere_line = service(
        "bradford-line",
        modes=("phone",),
        sites=(),
        areas=(matcher.Area("local_authority", ("E08000032",)),),
    )
    result = run(
        profile=person(preferences={"max_miles": 3}),
        services=[far_online, far_in_person, elsewhere_line],
    )
    assert [s.service_id for s in result.suggestions] == ["online"]
    assert {e.service_id: e.reasons[0].kind for e in result.excluded} == {
        "far": "distance",
        "bradford-line": "area",
    }


def test_the_review_period_and_grace_come_from_the_weights():
    checked = service(last_verified=TODAY - timedelta(days=200))
    strict = matcher.Weights(review_days=150, grace_days=30)
    assert run(profile=person(), services=[checked]).suggestions
    result = run(profile=person(), services=[checked], config=strict)
    assert not result.suggestions
    assert result.excluded[0].reasons[0].kind == "review"


def test_referral_routes_per_referrer_come_from_the_weights():
    drop_in = service(referral_routes=("self",))
    assert run(profile=person(), services=[drop_in]).suggestions
    strict = matcher.Weights(routes=(("professional", ("professional",)),))
    assert not run(profile=person(), services=[drop_in], config=strict).suggestions


def test_the_excluded_list_is_limited_to_the_most_relevant():
    services = [service(f"s{i}", min_age=90) for i in range(8)]
    services.append(service("both", min_age=90, needs=("loneliness", "low_mood")))
    result = run(
        profile=person(needs=("loneliness", "low_mood")),
        services=services,
        config=matcher.Weights(excluded_limit=3),
    )
    assert len(result.excluded) == 3
    assert result.excluded[0].service_id == "both"
    assert result.excluded_total == 9


# --- the reasons a suggestion gives ----------------------------------------------------


def reasons_of(suggestion: matcher.Suggestion) -> dict[str, str]:
    return {r.kind: r.text for r in suggestion.reasons}


def test_a_suggestion_says_why_in_words_a_link_worker_can_read_aloud():
    youth_club = service(
        "club",
        needs=("loneliness", "low_mood"),
        min_age=16,
        max_age=25,
        sites=(site(1.2),),
        sessions=(matcher.OpeningSession(("SA",), "10:00", "12:00"),),
        referral_routes=("self",),
    )
    someone = person(
        age=17,
        needs=("loneliness", "low_mood"),
        preferences={"days": ("SA",), "times": ("morning",)},
    )
    [suggestion] = run(profile=someone, services=[youth_club]).suggestions
    said = reasons_of(suggestion)
    assert said["need"] == "meets: loneliness and isolation, low mood and mental wellbeing"
    assert said["age"] == "for ages 16-25, they are 17"
    assert said["distance"] == "1.2 miles away"
    assert said["times"] == "open Saturday mornings"
    assert said["cost"] == "free"
    assert said["referral"] == "they can refer themselves"
    assert suggestion.needs_met == ("loneliness", "low_mood")
    assert suggestion.distance_miles == 1.2


@pytest.mark.parametrize(
    ("service_changes", "person_changes", "kind", "text"),
    [
        ({"modes": ("phone",), "sites": ()}, {}, "mode", "by phone: no travel needed"),
        (
            {"modes": ("online", "phone"), "sites": ()},
            {},
            "mode",
            "online or by phone: no travel needed",
        ),
        ({"modes": ("in_person", "online")}, {}, "distance", "0.5 miles away, or online"),
        ({"referral_routes": ("professional",)}, {}, "referral", "you can refer them"),
        ({}, {}, "referral", "they can refer themselves, or you can refer them"),
        (
            {"referral_routes": (), "routes_known": False},
            {},
            "referral_caveat",
            "check with the service how to get in",
        ),
        (
            {"capacity": "waiting_list", "waiting_weeks": 6},
            {},
            "waiting_caveat",
            "waiting list: about 6 weeks",
        ),
        ({"free": False}, {}, "cost_caveat", "there is a charge"),
        (
            {"languages": ("pl", "en")},
            {"preferences": {"language": "pl"}},
            "language",
            "offered in Polish",
        ),
        ({}, {"preferences": {"language": "pl"}}, "language_caveat", "offered in English"),
        ({"languages": ("pl",)}, {}, "language_caveat", "offered in Polish"),
        (
            {"sites": (site(0.5, access=("step_free", "hearing_loop")),)},
            {"preferences": {"access": ("step_free",)}},
            "access",
            "the venue has step-free access",
        ),
        (
            {"sites": (site(0.5, access=("step_free",)),)},
            {"preferences": {"access": ("step_free", "hearing_loop")}},
            "access_caveat",
            "the venue does not list hearing loop",
        ),
        ({"restrictions": ("carers_only",)}, {"is_carer": True}, "group", "for carers"),
        (
            {"modes": ("in_person",)},
            {"preferences": {"modes": ("phone",)}},
            "mode_caveat",
            "only in person",
        ),
        (
            {"sessions": (matcher.OpeningSession(("TU",), "10:00", "12:00"),)},
            {"preferences": {"days": ("SA",)}},
            "times_caveat",
            "runs only at times they said they are busy",
        ),
        ({}, {"preferences": {"days": ("SA",)}}, "times", "no fixed times: whenever suits them"),
        (
            {"sessions": (matcher.OpeningSession(("SA",), "10:00", "12:00", date(2027, 7, 20)),)},
            {"preferences": {"days": ("SA",)}},
            "season_caveat",
            "not running now: next runs from 20 July",
        ),
        (
            {"sessions": (matcher.OpeningSession(("SA",), "10:00", "12:00", None, TODAY),)},
            {"preferences": {"days": ("SA",)}},
            "times",
            "open Saturday mornings",
        ),
        (
            {
                "closures": (
                    matcher.Closure(TODAY - timedelta(days=3), date(2027, 1, 5), "Christmas break"),
                )
            },
            {},
            "closed_caveat",
            "closed until 5 January (Christmas break)",
        ),
        (
            {
                "sessions": (
                    matcher.OpeningSession(("MO", "TU", "WE", "TH", "FR"), "18:00", "20:00"),
                )
            },
            {"preferences": {"times": ("evening",)}},
            "times",
            "open weekday evenings",
        ),
        (
            {
                "sessions": (
                    matcher.OpeningSession(("TU", "TH"), "18:30", "20:00"),
                    matcher.OpeningSession(("SA",), "10:00", "12:00"),
                )
            },
            {"preferences": {"days": ("TU", "TH", "SA")}},
            "times",
            "open Saturday mornings and Tuesday and Thursday evenings",
        ),
        (
            {"last_verified": TODAY - timedelta(days=400)},
            {},
            "review_caveat",
            "details last checked in October 2025: check before going",
        ),
        (
            {"needs": ("loneliness", "older_people")},
            {"age": 20},
            "audience_caveat",
            "meant for older people",
        ),
        (
            {"needs": ("money_debt",), "keywords": ("befriending",)},
            {},
            "need_words",
            "also about: loneliness and isolation (it says “befriending”)",
        ),
    ],
)
def test_each_reason(service_changes, person_changes, kind, text):
    [suggestion] = run(
        profile=person(**person_changes), services=[service(**service_changes)]
    ).suggestions
    assert reasons_of(suggestion)[kind] == text


def test_words_that_match_say_which_words_as_typed():
    garden = service(
        "garden", needs=("nature_green",), description="A gardening club on the allotment."
    )
    other = service("other", needs=("nature_green",), description="A walk in the park.")
    someone = person(needs=("nature_green",), what_matters="he misses his gardning")
    result = run(profile=someone, services=[garden, other])
    assert result.suggestions[0].service_id == "garden"
    assert reasons_of(result.suggestions[0])["what_matters"] == "matches what they said: gardning"


# --- a profile the matcher cannot use ---------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"age": -1}, "age"),
        ({"age": 150}, "age"),
        ({"needs": ()}, "needs"),
        ({"needs": tuple(f"n{i}" for i in range(11))}, "needs"),
        ({"what_matters": "x" * 2_001}, "what_matters"),
        ({"latitude": 53.8, "longitude": None}, "location"),
        ({"gender": "cat"}, "gender"),
        ({"referrer": "gp"}, "referrer"),
    ],
)
def test_a_profile_with_bad_values_is_refused_with_a_clear_message(changes, field):
    with pytest.raises(matcher.InvalidProfile) as caught:
        person(**changes)
    assert caught.value.field == field
    assert isinstance(caught.value, ValueError)
    assert caught.value.message.endswith(".")


@pytest.mark.parametrize(
    ("preferences", "field"),
    [
        ({"modes": ("telepathy",)}, "modes"),
        ({"days": ("MON",)}, "days"),
        ({"times": ("teatime",)}, "times"),
        ({"times": ("12:00-09:00",)}, "times"),
        ({"max_miles": 0}, "max_miles"),
        ({"max_miles": 900}, "max_miles"),
    ],
)
def test_bad_preferences_are_refused_with_a_clear_message(preferences, field):
    with pytest.raises(matcher.InvalidProfile) as caught:
        matcher.Preferences(**preferences)
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("day", "words"),
    [
        (date(2026, 11, 1), "less than a month ago"),
        (date(2026, 10, 23), "1 month ago"),
        (date(2026, 10, 24), "less than a month ago"),
        (date(2025, 10, 23), "13 months ago"),
        (date(2024, 11, 24), "23 months ago"),
        (date(2024, 11, 23), "2 years ago"),
    ],
)
def test_how_long_ago_is_said_in_whole_months(day, words) -> None:
    assert ago(day, TODAY) == words
