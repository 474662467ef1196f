"""directory/matching (profiles.py, facts.py): a person's details into a matcher profile
(with clear errors), database rows into matcher facts, and a match over the demo catalogue
in the database."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlmodel import col, select

import matcher
from directory.catalogue import published
from directory.geo import postcodes
from directory.matching import facts as row_facts
from directory.matching import profiles, suggestions
from directory.models import ListingStatus, Service, stable_id
from tests.conftest import demo_needs

TODAY = date(2026, 11, 23)
LEEDS = "E08000035"


def details(**changes):
    base = {
        "age": 40,
        "postcode": "LS6 1BD",
        "needs": ["loneliness"],
        "needs_vocabulary": demo_needs(),
    }
    base.update(changes)
    return base


# --- a person's details -> profile ------------------------------------------------------


def test_a_profile_from_a_link_workers_details():
    profile = profiles.profile_from(
        **details(
            needs=["lonley", "low_mood", "Skint"],
            what_matters="  misses dancing  ",
            free_only=True,
            modes=["in person", "phone"],
            days=["mon", "Saturday", "weekend"],
            times=["evening", "09:00-12:00"],
            max_miles=3,
            language="Polish",
            access=["step-free"],
            gender="female",
            is_carer=True,
        )
    )
    # "skint" means both needs it points to in search: money worries and benefits
    assert profile.needs == ("loneliness", "low_mood", "money_debt", "benefits")
    assert profile.postcode_district == "LS6"
    assert profile.local_authority == LEEDS
    assert profile.latitude == pytest.approx(53.81, abs=0.01)
    assert profile.what_matters == "misses dancing"
    prefs = profile.preferences
    assert prefs.modes == ("in_person", "phone")
    assert prefs.days == ("MO", "SA", "SU")
    assert prefs.times == ("evening", "09:00-12:00")
    assert (prefs.max_miles, prefs.language, prefs.access) == (3.0, "pl", ("step_free",))
    assert profile.gender == "woman" and profile.is_carer
    assert profile.referrer == "professional" and profile.registered_with_gp


def test_the_same_need_said_twice_counts_once_and_a_district_will_do():
    profile = profiles.profile_from(**details(needs=["lonely", "loneliness"], postcode="ls6"))
    assert profile.needs == ("loneliness",)
    assert profile.postcode_district == "LS6"


def test_self_referrers_are_not_assumed_to_be_registered_with_a_gp():
    assert not profiles.profile_from(**details(referrer="self")).registered_with_gp
    assert profiles.profile_from(
        **details(referrer="self", registered_with_gp=True)
    ).registered_with_gp


@pytest.mark.parametrize(
    ("changes", "field", "says"),
    [
        ({"age": -1}, "age", "0 to 120"),
        ({"age": 150}, "age", "0 to 120"),
        ({"age": "forty"}, "age", "whole number"),
        ({"age": True}, "age", "whole number"),
        ({"needs": []}, "needs", "at least one need"),
        ({"needs": ["   "]}, "needs", "blank"),
        ({"needs": ["xyzzy"]}, "needs", "We don't know the need “xyzzy”"),
        ({"needs": ["car"]}, "needs", "We don't know the need"),
        ({"needs": ["word " * 40]}, "needs", "a few words"),
        ({"postcode": "NOT A CODE"}, "postcode", "is not a UK postcode"),
        ({"postcode": "ZZ99 9ZZ"}, "postcode", "could not find"),
        ({"what_matters": "x" * 10_000}, "what_matters", "10,000 characters"),
        ({"modes": ["telepathy"]}, "modes", "is not one of"),
        ({"days": ["someday"]}, "days", "is not a day"),
        ({"times": ["teatime"]}, "times", "is not morning"),
        ({"times": ["14:00-09:00"]}, "times", "is not morning"),
        ({"max_miles": 0}, "max_miles", "more than 0"),
        ({"max_miles": "far"}, "max_miles", "number of miles"),
        ({"language": "Klingon"}, "language", "not a language we list"),
        ({"access": ["moat"]}, "access", "not an access feature"),
        ({"gender": "dragon"}, "gender", "is not one of"),
        ({"referrer": "cat"}, "referrer", "is not one of"),
    ],
)
def test_bad_details_raise_a_clear_error_naming_the_field(changes, field, says):
    with pytest.raises(profiles.MatchRequestError) as caught:
        profiles.profile_from(**details(**changes))
    error = caught.value
    assert isinstance(error, ValueError)
    assert isinstance(error, matcher.InvalidProfile)
    assert error.field == field
    assert says in str(error)
    assert "Traceback" not in str(error) and len(str(error)) < 300


def test_the_postcode_lookup_can_be_swapped_for_tests_and_tools():
    place = postcodes.Place("LS6 1BD", 53.8, -1.56, LEEDS, 0.0, 0.0, "England")
    profile = profiles.profile_from(**details(), lookup=lambda text: place)
    assert (profile.latitude, profile.longitude) == (53.8, -1.56)


def test_the_vocabulary_has_every_need_its_synonyms_and_the_age_groups():
    vocabulary = row_facts.match_vocabulary(demo_needs())
    assert vocabulary.need("loneliness") == "Loneliness and isolation"
    assert "befriending" in vocabulary.need_synonyms["loneliness"]
    assert vocabulary.need_ages["older_people"] == (50, None)
    assert vocabulary.language("pl") == "Polish"
    assert vocabulary.feature("step_free") == "Step-free access"


# --- rows -> facts, and a match in the database -------------------------------------------


@pytest.fixture
def facts(demo_app, session_for):
    session = session_for(demo_app)
    return {f.id: f for f in row_facts.matchable_services(session)}


def test_the_facts_read_as_rows_equal_those_of_each_loaded_service(demo_app, session_for):
    """matchable_services reads plain rows; facts_from_service reads a loaded Service: the
    same facts, children in the same order, and a value many services repeat held once."""
    session = session_for(demo_app)
    rows = session.exec(
        select(Service)
        .where(col(Service.status).in_(row_facts.MATCHABLE_STATUSES))
        .options(*published.facts_options())
    ).all()
    expected = {
        str(s.id): row_facts.facts_from_service(s)
        for s in rows
        if s.organisation.status == ListingStatus.PUBLISHED
    }
    found = list(row_facts.matchable_services(session, batch=50))
    assert [f.id for f in found] == sorted(expected) and len(found) > 100
    assert any(f.closures for f in found) and any(s.access for f in found for s in f.sites)
    assert any(f.sessions and f.areas and f.languages for f in found)
    for facts in found:
        assert facts == expected[facts.id]
    leeds = [a for f in found for a in f.areas if a.codes == (LEEDS,)]
    assert len(leeds) > 10 and len({id(a) for a in leeds}) == len(set(leeds))
    assert len({id(f.needs) for f in found}) == len({f.needs for f in found})


def test_facts_of_some_ids_are_those_of_the_matchable_among_them(demo_app, session_for):
    session = session_for(demo_app)
    everything = {f.id: f for f in row_facts.matchable_services(session)}
    draft = session.exec(select(Service.id).where(Service.status == ListingStatus.DRAFT)).first()
    some = [uuid.UUID(i) for i in sorted(everything)[:3]]
    assert draft is not None
    found = list(row_facts.matchable_services(session, [draft, *some]))
    assert [f.id for f in found] == sorted(str(i) for i in some)
    assert all(f == everything[f.id] for f in found)


def test_a_service_row_becomes_matcher_facts(facts):
    club = facts[str(stable_id("service", "youth-shack-girls-group"))]
    assert club.name == "Girls' Group"
    assert club.organisation
    assert club.needs == ("young_people", "stress_anxiety")
    assert "Young people's wellbeing" in club.need_words
    assert (club.min_age, club.max_age, club.restrictions) == (11, 16, ("women_only",))
    assert club.referral_routes == ("self", "professional")
    assert (club.capacity, club.status) == ("open", "published")
    assert club.last_verified == date(2026, 9, 26)
    assert club.modes == ("in_person",)
    assert club.areas == (matcher.Area("local_authority", (LEEDS,), None, "Leeds"),)
    [venue] = club.sites
    assert (venue.postcode_district, venue.local_authority) == ("LS4", LEEDS)
    assert "step_free" in venue.access
    assert club.sessions == (matcher.OpeningSession(("TH",), "17:00", "19:00"),)
    assert club.free and club.languages == ("en",)


def test_areas_keep_their_kind_codes_and_miles(facts):
    larder = facts[str(stable_id("service", "chapeltown-larder-membership"))]
    assert larder.areas[0].kind == "districts"
    assert larder.areas[0].codes == ("LS7", "LS8")
    pottery = facts[str(stable_id("service", "armley-makers-pottery"))]
    assert (pottery.areas[0].kind, pottery.areas[0].miles) == ("radius", 5.0)
    line = facts[str(stable_id("service", "steadyline-crisis-line"))]
    assert (line.areas[0].kind, line.sites, line.modes) == ("national", (), ("phone",))


def test_drafts_are_never_loaded_but_other_unpublished_listings_are(facts):
    assert str(stable_id("service", "aire-access-wheelchair-loan")) not in facts  # draft
    archived = facts[str(stable_id("service", "next-step-cscs-course"))]
    assert archived.status == "archived"
    assert facts[str(stable_id("service", "keel-tai-chi"))].status == "pending_review"


def test_suggest_matches_against_the_whole_directory(demo_app, session_for):
    session = session_for(demo_app)
    profile = profiles.profile_from(
        age=78,
        postcode="LS5 3BE",
        needs=["bereavement", "lonely"],
        max_miles=2,
        needs_vocabulary=demo_needs(),
    )
    result = suggestions.suggest(session, profile, today=TODAY)
    widowed = str(stable_id("service", "evenlight-widowed-group"))
    assert result.suggestions[0].service_id == widowed
    assert result.suggestions[0].reasons[0].text.startswith("meets: bereavement and loss")
    young = str(stable_id("service", "evenlight-young-grief"))
    [excluded] = [e for e in result.excluded if e.service_id == young]
    assert excluded.reasons[0].text == "only for ages 11-18, and they are 78"
    assert len(suggestions.suggest(session, profile, today=TODAY, limit=2).suggestions) == 2
