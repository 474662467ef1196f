"""More support: the NHS mental health options the matcher offers beside the suggestions.

Plain matcher objects only (no app, no database), with the builders of test_matcher_rules.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

import matcher
from matcher import pathways
from tests.test_matcher_rules import TODAY, person, service

ONLINE = ("online", "phone")


def nhs(id: str, code: str, level: str, routes: tuple[str, ...], **changes: Any) -> Any:
    """An NHS pathway listing for Leeds, online and by phone, for low mood and anxiety."""
    contact = {k: changes.pop(k) for k in ("website", "phone", "out_of_hours") if k in changes}
    return service(
        id,
        name=changes.pop("name", f"NHS {id}"),
        organisation="Leeds NHS",
        needs=changes.pop("needs", ("low_mood", "stress_anxiety")),
        referral_routes=routes,
        modes=ONLINE,
        sites=(),
        pathway=matcher.Pathway(code, level, **contact),
        **changes,
    )


TALKING = nhs(
    "talking",
    "talking_therapies",
    "primary_care",
    ("self", "gp", "mhp"),
    name="NHS Talking Therapies",
    min_age=18,
    website="https://talking.example",
    phone="0113 496 0100",
)
MHP = nhs("mhp", "pcn_mhp", "primary_care", ("gp",), name="Practice mental health practitioner")
CMHT = nhs("cmht", "community_mental_health", "specialist", ("gp", "mhp"), min_age=18)
CRISIS = nhs(
    "crisis",
    "crisis_line",
    "crisis",
    ("self", "urgent"),
    needs=("urgent_mental_health_crisis",),
    phone="0800 496 0999",
)
CYP = nhs("cyp", "children_young_people", "specialist", ("self", "gp"), max_age=17)
YOUTH = nhs("youth", "youth_wellbeing", "community", ("self",), min_age=13, max_age=25)
COMMUNITY = service("walk", needs=("low_mood",))
ALL = [TALKING, MHP, CMHT, CRISIS, CYP, YOUTH, COMMUNITY]


def run(profile: matcher.Profile, services: list[Any] = ALL, **kw: Any) -> matcher.MatchResult:
    return matcher.match(profile, services, today=TODAY, **kw)


def ids(result: matcher.MatchResult) -> list[str]:
    return [p.service_id for p in result.pathways]


def test_pathway_listings_are_never_suggestions_but_more_support() -> None:
    result = run(person(needs=("low_mood",)))
    assert [s.service_id for s in result.suggestions] == ["walk"]
    assert not {"talking", "mhp", "cmht"} & {e.service_id for e in result.excluded}
    assert ids(result) == ["talking", "mhp", "cmht"]  # stepped-care order, no crisis
    assert [p.level for p in result.pathways] == ["primary_care", "primary_care", "specialist"]


def test_an_adult_with_low_mood_and_anxiety_searching_alone_sees_only_self_referral() -> None:
    result = run(person(needs=("low_mood", "stress_anxiety"), referrer="self"))
    assert ids(result) == ["talking"]


def test_nobody_registered_with_a_gp_gets_no_practice_routes() -> None:
    result = run(person(needs=("low_mood",), registered_with_gp=False))
    assert ids(result) == ["talking"]  # its self-referral route; not MHP, not the CMHT


def test_a_listing_that_does_not_say_how_to_get_in_is_left_out() -> None:
    unknown = dataclasses.replace(TALKING, referral_routes=(), routes_known=False)
    assert ids(run(person(needs=("low_mood",)), [unknown])) == []


@pytest.mark.parametrize(
    ("changes", "kept"),
    [
        ({"age": 16}, ["cyp", "youth", "mhp"]),  # youth first, the narrowest band first
        ({"age": 20}, ["youth", "talking", "mhp", "cmht"]),
        ({"local_authority": "E08000036", "postcode_district": "WF1"}, []),  # not Leeds,
    ],
)
def test_the_same_hard_rules_as_community_listings(
    changes: dict[str, Any], kept: list[str]
) -> None:
    assert ids(run(person(needs=("low_mood",), **changes))) == kept


def test_restrictions_hold() -> None:
    women = dataclasses.replace(TALKING, restrictions=("women_only",))
    assert ids(run(person(needs=("low_mood",), gender="man"), [women])) == []
    assert ids(run(person(needs=("low_mood",), gender="woman"), [women])) == ["talking"]


def test_crisis_options_only_when_urgent_help_is_called_for_and_then_first() -> None:
    calm = run(person(needs=("low_mood",)))
    assert "crisis" not in ids(calm)
    urgent = run(person(needs=("low_mood",)), urgent=True)
    assert ids(urgent)[0] == "crisis"
    assert (
        urgent.pathways[0].how == "You can refer yourself to NHS crisis by phone on 0800 496 0999. "
        "It takes urgent referrals, the same day."
    )


def test_how_says_the_routes_and_contact_in_plain_words() -> None:
    option = run(person(needs=("low_mood",))).pathways[0]
    assert option.how == (
        "You can refer yourself to NHS Talking Therapies online at https://talking.example "
        "or by phone on 0113 496 0100. Your GP or the mental health practitioner at your "
        "practice can refer you."
    )
    assert option.routes == ("self", "gp", "mhp")
    out = dataclasses.replace(  # a number, but no self-referral: not given as a way in
        CMHT,
        pathway=dataclasses.replace(
            CMHT.pathway, phone="0113 496 0103", out_of_hours="Call 111, option 2."
        ),
    )
    assert pathways.how(out) == (
        "Your GP or the mental health practitioner at your practice can refer you. "
        "Out of hours: Call 111, option 2."
    )


def test_a_catalogue_patched_keeps_its_pathways_as_one_built_whole() -> None:
    catalogue = matcher.Catalogue(ALL)
    community_now = dataclasses.replace(TALKING, pathway=None)
    patched = catalogue.replace(
        [community_now, dataclasses.replace(COMMUNITY, pathway=MHP.pathway)]
    )
    whole = matcher.Catalogue(patched.services)
    assert patched.pathways == whole.pathways
    assert {patched.services[i].id for i in patched.pathways} == {
        "mhp",
        "cmht",
        "crisis",
        "cyp",
        "youth",
        "walk",
    }


def test_the_team_a_person_is_already_known_to_comes_first_whatever_its_routes() -> None:
    # CMHT is reached only through the practice, and meets none of this person's needs
    known = nhs(
        "cmht",
        "community_mental_health",
        "specialist",
        ("gp", "mhp"),
        needs=("psychosis",),
        phone="0113 496 0300",
    )
    alone = person(needs=("low_mood",), referrer="self", known_service_id="cmht")
    options = run(alone, [TALKING, known, CRISIS]).pathways
    assert [p.service_id for p in options] == ["cmht", "talking"]
    first = options[0]
    assert first.known and not options[1].known
    assert first.how.startswith("Already known to NHS cmht: for quick access back")
    assert "0113 496 0300" in first.how
    # when urgent help is called for, the known team still comes first, then crisis care
    urgent = run(alone, [TALKING, known, CRISIS], urgent=True).pathways
    assert [p.service_id for p in urgent] == ["cmht", "crisis", "talking"]
    # nobody known: the team is offered only on its own terms (not here: no need it meets)
    assert "cmht" not in ids(run(dataclasses.replace(alone, known_service_id=None), [known]))


def test_the_known_team_counts_within_the_limit_of_options() -> None:
    weights = dataclasses.replace(matcher.DEFAULT_WEIGHTS, pathway_limit=2)
    known = person(needs=("low_mood", "stress_anxiety"), known_service_id="cmht")
    assert ids(run(known, config=weights)) == ["cmht", "talking"]


def test_a_known_team_no_longer_published_is_not_put_first() -> None:
    archived = dataclasses.replace(CMHT, status="archived")
    known = person(needs=("low_mood",), known_service_id="cmht")
    assert "cmht" not in ids(run(known, [TALKING, archived]))


@pytest.mark.parametrize(
    ("written", "said"),
    [
        ("Call NHS 111 and choose the mental health option", "Out of hours: Call NHS 111"),
        ("Out of hours, call NHS 111.", "Out of hours, call NHS 111."),
        ("Open 24 hours a day, every day.", "Open 24 hours a day, every day."),
    ],
)
def test_out_of_hours_words_say_out_of_hours_once(written: str, said: str) -> None:
    words = pathways.how(
        nhs("t", "talking_therapies", "primary_care", ("self",), out_of_hours=written)
    )
    assert said in words and words.lower().count("out of hours") <= 1
