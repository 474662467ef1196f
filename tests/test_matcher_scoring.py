"""How the matcher ranks the services the rules allow: needs, words, distance, preferences,
freshness, and diversity across the person's needs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from test_matcher_rules import TODAY, VOCABULARY, person, run, service, site

import matcher
from matcher.words import content_words, stem


def ranked(result: matcher.MatchResult) -> list[str]:
    return [s.service_id for s in result.suggestions]


def score_alone(someone: matcher.Profile, it: matcher.ServiceFacts) -> float:
    # Matched alone, so that no other suggestion has met its needs before it.
    [suggestion] = run(profile=someone, services=[it]).suggestions
    return suggestion.score


# --- needs: taxonomy beats synonym beats the person's words -------------------------------


def test_the_weights_keep_taxonomy_above_synonyms_above_words():
    weights = matcher.Weights()
    assert weights.need_main > weights.need_secondary > weights.need_other
    assert weights.need_other > weights.need_synonym > weights.text


def test_a_need_met_by_taxonomy_beats_a_synonym_which_beats_the_persons_words():
    tagged = service("tagged", needs=("loneliness",))
    synonym = service("synonym", needs=("arts",), keywords=("befriending",))
    words = service("words", needs=("arts",), description="Sunday lunch with dominoes and chat.")
    someone = person(needs=("loneliness",), what_matters="loves dominoes")
    alone = [score_alone(someone, it) for it in (tagged, synonym, words)]
    assert alone == sorted(alone, reverse=True)
    assert len(set(alone)) == 3
    assert ranked(run(profile=someone, services=[words, synonym])) == ["synonym", "words"]
    result = run(profile=someone, services=[words, synonym, tagged])
    assert ranked(result)[0] == "tagged"
    reasons = {s.service_id: {r.kind for r in s.reasons} for s in result.suggestions}
    assert "need" in reasons["tagged"]
    assert "need_words" in reasons["synonym"]
    assert reasons["words"] & {"need", "need_words"} == set()
    assert "what_matters" in reasons["words"]


def test_a_service_mainly_for_the_need_beats_one_that_meets_it_second_or_later():
    main = service("main", needs=("loneliness", "arts"))
    second = service("second", needs=("arts", "loneliness"))
    third = service("third", needs=("arts", "food", "loneliness"))
    assert ranked(run(profile=person(), services=[third, second, main])) == [
        "main",
        "second",
        "third",
    ]


def test_a_service_mainly_for_something_else_loses_to_one_for_the_persons_needs():
    for_low_mood = service("mood", needs=("low_mood",), sites=(site(2.0),))
    abuse_line = service("abuse-line", needs=("domestic_abuse", "low_mood"), sites=(site(0.2),))
    result = run(profile=person(needs=("low_mood",)), services=[abuse_line, for_low_mood])
    assert ranked(result)[0] == "mood"


def test_the_rarer_words_of_what_matters_count_most():
    common = "A friendly group for local people."
    fishing = service("fishing", description=f"{common} Fishing on the canal.")
    walking = service("walking", description=f"{common} Walking in the park.")
    others = [service(f"group{i}", description=common + " Walking too.") for i in range(6)]
    someone = person(what_matters="used to love fishing and walking with friendly people")
    assert ranked(run(profile=someone, services=[walking, fishing, *others]))[0] == "fishing"


def test_words_only_a_service_uses_can_bring_it_in_without_a_need():
    chess = service("chess", needs=("arts",), description="Chess club in the library.")
    result = run(profile=person(what_matters="plays chess"), services=[chess])
    assert ranked(result) == ["chess"]
    assert result.suggestions[0].needs_met == ()


@pytest.mark.parametrize(
    ("word", "stemmed"),
    [
        ("walking", "walk"),
        ("walks", "walk"),
        ("gardening", "garden"),
        ("stress", "stress"),
        ("bus", "bus"),
    ],
)
def test_words_are_stemmed_to_match_their_other_forms(word, stemmed):
    assert stem(word) == stemmed


def test_stopwords_and_short_words_say_nothing():
    assert content_words("I'm so lonely and I can't sleep, it's a lot") == ["lonely", "sleep"]


def test_a_description_held_as_its_telling_words_matches_as_the_whole_text():
    text = "Friendly walks in Little London. Walking, talking; it's free - walks for everyone!"
    held = matcher.telling_words(text)
    assert held == "friendly walks little london walking talking free everyone"
    assert content_words(held) == content_words(text)
    someone = person(what_matters="I love walking and talking")
    whole = service("whole", description=text)
    words = service("words", description=held)
    assert score_alone(someone, whole) == score_alone(someone, words) > 0


# --- distance ----------------------------------------------------------------------------


def test_nearer_services_score_higher_and_the_score_decays_with_distance():
    services = [service(f"{miles}mi", sites=(site(miles),)) for miles in (4.0, 0.3, 1.5, 8.0)]
    result = run(profile=person(), services=services)
    assert ranked(result) == ["0.3mi", "1.5mi", "4.0mi", "8.0mi"]
    scores = [s.score for s in result.suggestions]
    gaps = [a - b for a, b in zip(scores, scores[1:], strict=False)]
    assert all(gap > 0 for gap in gaps)


def test_online_and_phone_services_count_as_a_few_miles_away():
    phone = service("phone", modes=("phone",), sites=())
    near = service("near", sites=(site(0.5),))
    far = service("far", sites=(site(6.0),))
    assert ranked(run(profile=person(), services=[far, phone, near])) == ["near", "phone", "far"]


def test_without_a_location_distance_does_not_count():
    someone = person(latitude=None, longitude=None)
    near = service("near", sites=(site(0.1),), areas=())
    far = service("far", sites=(site(9.0),), areas=())
    assert score_alone(someone, near) == score_alone(someone, far)


# --- preferences -------------------------------------------------------------------------


def saturday_club(first, last):
    return matcher.OpeningSession(("SA",), "10:00", "12:00", first, last)


@pytest.mark.parametrize(
    ("preferences", "better", "worse"),
    [
        # free_only is a rule now (test_matcher_rules: cost_rule), not a ranking
        ({"modes": ("phone",)}, {"modes": ("phone",), "sites": ()}, {"modes": ("in_person",)}),
        (
            {"days": ("SA",)},
            {"sessions": (matcher.OpeningSession(("SA",), "10:00", "12:00"),)},
            {"sessions": (matcher.OpeningSession(("TU",), "10:00", "12:00"),)},
        ),
        (
            {"times": ("evening",)},
            {"sessions": (matcher.OpeningSession(("TU",), "18:00", "20:00"),)},
            {"sessions": (matcher.OpeningSession(("TU",), "10:00", "12:00"),)},
        ),
        (  # a Saturday club in its season beats one whose season is over (or not yet begun)
            {"days": ("SA",)},
            {"sessions": (saturday_club(None, TODAY + timedelta(days=30)),)},
            {"sessions": (saturday_club(TODAY - timedelta(days=90), TODAY - timedelta(days=1)),)},
        ),
        (
            {"days": ("SA",)},
            {"sessions": (saturday_club(TODAY, None),)},
            {"sessions": (saturday_club(TODAY + timedelta(days=1), None),)},
        ),
        ({"language": "pl"}, {"languages": ("pl", "en")}, {"languages": ("en",)}),
        ({}, {"languages": ("en",)}, {"languages": ("pl",)}),
        (
            {"access": ("step_free",)},
            {"sites": (site(0.5, access=("step_free",)),)},
            {"sites": (site(0.5),)},
        ),
    ],
)
def test_a_preference_ranks_the_service_that_meets_it_first(preferences, better, worse):
    result = run(
        profile=person(preferences=preferences),
        services=[service("worse", **worse), service("better", **better)],
    )
    assert ranked(result) == ["better", "worse"]


def test_a_group_for_people_like_them_suits_them_better_but_gender_alone_does_not():
    carers = service("carers", restrictions=("carers_only",))
    anyone = service("anyone")
    assert ranked(run(profile=person(is_carer=True), services=[anyone, carers]))[0] == "carers"
    women = service("women", restrictions=("women_only",))
    woman = person(gender="woman")
    assert score_alone(woman, women) == score_alone(woman, anyone)


def test_a_narrow_age_band_that_includes_them_suits_them_better():
    youth = service("youth", min_age=16, max_age=25)
    adults = service("adults", min_age=18)
    assert ranked(run(profile=person(age=19), services=[adults, youth])) == ["youth", "adults"]


def test_a_service_tagged_for_another_age_group_comes_later():
    older = service("older", needs=("loneliness", "older_people"), sites=(site(0.1),))
    anyone = service("anyone", sites=(site(1.0),))
    assert ranked(run(profile=person(age=15), services=[older, anyone])) == ["anyone", "older"]
    assert ranked(run(profile=person(age=70), services=[older, anyone])) == ["older", "anyone"]


def test_fresher_listings_and_shorter_waits_rank_first():
    fresh = service("fresh", last_verified=TODAY - timedelta(days=10))
    stale = service("stale", last_verified=TODAY - timedelta(days=350))
    assert ranked(run(profile=person(), services=[stale, fresh])) == ["fresh", "stale"]
    open_now = service("open")
    waiting = service("waiting", capacity="waiting_list", waiting_weeks=10)
    assert ranked(run(profile=person(), services=[waiting, open_now])) == ["open", "waiting"]


def test_a_listing_whose_route_is_unknown_comes_after_one_whose_known_route_fits():
    known = service("known")
    unknown = service("unknown", referral_routes=(), routes_known=False)
    for referrer in ("self", "professional"):
        result = run(profile=person(referrer=referrer), services=[unknown, known])
        assert ranked(result) == ["known", "unknown"]
        assert not result.excluded


def test_an_unknown_route_ranks_below_a_known_one_that_fits_however_well_it_scores():
    # the Norwich trial: Men's Shed (route unknown, 1.14) came before Friday Lunch Club
    # (self referral, 0.50); a known route now comes first, whatever the scores
    near = service(
        "shed", referral_routes=(), routes_known=False, needs=("loneliness", "older_people")
    )
    far = service(
        "lunch",
        referral_routes=("self",),
        sites=(site(6.0),),
        last_verified=TODAY - timedelta(days=300),
        capacity="waiting_list",
        waiting_weeks=8,
    )
    someone = person(referrer="self", needs=("loneliness", "older_people"))
    result = run(profile=someone, services=[near, far])
    scores = {s.service_id: s.score for s in result.suggestions}
    assert scores["shed"] > scores["lunch"]
    assert ranked(result) == ["lunch", "shed"]


# --- diversity --------------------------------------------------------------------------


def test_several_needs_are_covered_rather_than_one_repeated():
    lonely = [service(f"lonely{i}", sites=(site(0.1 * i),)) for i in range(6)]
    debt = service("debt", needs=("money_debt",), sites=(site(3.0),))
    someone = person(needs=("loneliness", "money_debt"))
    result = run(profile=someone, services=[*lonely, debt], limit=3)
    assert "debt" in ranked(result)[:2]
    met = {n for s in result.suggestions for n in s.needs_met}
    assert met == {"loneliness", "money_debt"}
    without_diversity = matcher.Weights(repeat_need_decay=1.0, same_organisation=0.0)
    assert "debt" not in ranked(
        run(profile=someone, services=[*lonely, debt], config=without_diversity, limit=3)
    )


def test_one_organisation_does_not_take_every_place():
    same = [service(f"same{i}", organisation="Big Charity", sites=(site(0.1),)) for i in range(4)]
    other = service("other", organisation="Small Group", sites=(site(0.6),))
    result = run(profile=person(), services=[*same, other], limit=2)
    assert ranked(result)[1] == "other"


def test_scores_never_rise_down_the_list_and_the_limit_holds():
    services = [
        service(f"s{i}", needs=("loneliness", "low_mood")[: 1 + i % 2], sites=(site(i / 3),))
        for i in range(12)
    ]
    result = run(profile=person(needs=("loneliness", "low_mood")), services=services)
    scores = [s.score for s in result.suggestions]
    assert len(scores) == 5
    assert scores == sorted(scores, reverse=True)
    assert len(set(ranked(result))) == 5
    assert len(run(profile=person(), services=services, limit=2).suggestions) == 2


# --- a prepared catalogue, and large ones ---------------------------------------------------


def test_a_prepared_catalogue_gives_the_same_answer_as_a_list_and_can_be_reused():
    services = [service(f"s{i}", sites=(site(i / 2),)) for i in range(10)]
    catalogue = matcher.Catalogue(services)
    from_list = run(profile=person(), services=services)
    assert run(profile=person(), services=catalogue) == from_list
    assert run(profile=person(), services=catalogue) == from_list


def test_in_a_large_catalogue_the_best_service_is_found_past_the_shortlist():
    crowd = [service(f"far{i}", sites=(site(5 + i / 100),)) for i in range(400)]
    barred = [service(f"barred{i}", sites=(site(0.05),), min_age=90) for i in range(100)]
    best = service("best", sites=(site(0.2),))
    result = run(profile=person(), services=[*crowd, *barred, best])
    assert ranked(result)[0] == "best"
    assert result.considered == 501
    assert result.weighed < result.considered
    assert all(e.service_id.startswith("barred") for e in result.excluded)


def test_the_same_question_gets_the_same_answer():
    services = [service(f"s{i}", sites=(site(1.0),)) for i in range(10)]
    first = run(profile=person(), services=services)
    assert [ranked(run(profile=person(), services=list(reversed(services)))) for _ in range(3)] == [
        ranked(first)
    ] * 3


def test_the_vocabulary_is_optional():
    [suggestion] = matcher.match(
        person(needs=("low_mood",)), [service(needs=("low_mood",))], today=TODAY
    ).suggestions
    assert suggestion.reasons[0].text == "meets: low mood"
    assert VOCABULARY.need("low_mood") == "Low mood and mental wellbeing"
