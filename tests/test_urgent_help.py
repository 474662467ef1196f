"""Urgent help that cannot be missed (directory/safety): every phrasing of
tests/safety/phrasings.yaml raises the right kind or stays quiet, the held-out list scores
above its floor, the text is read as people write it, every contact is sourced and dated,
and the results under urgent help are the services for that kind and age."""

from __future__ import annotations

import datetime
import re
import uuid
from pathlib import Path

import pytest
import yaml
from sqlmodel import Session

from directory import db, safety
from directory.catalogue import published
from directory.safety import detect, is_danger_word, kind_for_needs
from directory.safety.detect import normalise
from tests.conftest import build_index
from tests.search_helpers import api

HERE = Path(__file__).parent / "safety"
PHRASINGS = yaml.safe_load((HERE / "phrasings.yaml").read_text(encoding="utf-8"))
HELD_OUT = yaml.safe_load((HERE / "held_out.yaml").read_text(encoding="utf-8"))
# Held-out phrasings read right when this floor was set: 54 of 60 (five euphemisms for
# suicide missed, and "overdose awareness day" raised); a change must not make it worse.
HELD_OUT_FLOOR = 0.9


def cases(book: dict[str, list[str]]) -> list[tuple[str | None, str]]:
    return [
        (None if kind == "quiet" else kind, text) for kind, items in book.items() for text in items
    ]


# --- the phrasings ----------------------------------------------------------------------


def test_the_phrasing_file_holds_enough_of_each_kind():
    assert len(PHRASINGS["self"]) >= 55
    assert len(PHRASINGS["abuse"]) >= 55
    assert len(PHRASINGS["quiet"]) >= 50
    assert sum(len(v) for v in PHRASINGS.values()) >= 150
    everything = [text for _kind, text in cases(PHRASINGS)]
    assert len(everything) == len(set(everything)), "a phrasing is listed twice"


@pytest.mark.parametrize(("kind", "typed"), cases(PHRASINGS))
def test_every_phrasing_raises_its_kind_or_stays_quiet(kind, typed):
    assert detect(typed) == kind


def test_the_held_out_phrasings_score_above_the_floor():
    held = cases(HELD_OUT)
    right = [typed for kind, typed in held if detect(typed) == kind]
    score = len(right) / len(held)
    print(f"held out: {len(right)} of {len(held)} read right ({score:.0%})")
    assert score >= HELD_OUT_FLOOR
    # a miss is a finding to report; the wrong kind of help never is
    assert all(detect(typed) in (kind, None) for kind, typed in held if kind)


def test_when_a_text_carries_both_kinds_suicide_and_self_harm_come_first():
    assert detect("my dad hits me and i want to die") == "self"
    assert detect("my dad hits me") == "abuse"


def test_not_before_a_danger_phrase_does_not_cancel_it():
    assert detect("i dont want to live") == "self"
    assert detect("i do not want to be here anymore") == "self"
    assert detect("i don’t feel safe at home") == "abuse"


@pytest.mark.parametrize(
    ("typed", "kind"),
    [
        ("sucide", "self"),
        ("suicdal", "self"),
        ("self harn", "self"),
        ("slef harm", "self"),
        ("kill myslef", "self"),
        ("domestic violense", "abuse"),
        ("sextortoin", "abuse"),
    ],
)
def test_typos_of_the_longer_danger_words_are_forgiven(typed, kind):
    assert detect(typed) == kind


@pytest.mark.parametrize(
    "typed",
    [
        "racist abuse at work",
        "putting myself first",
        "my boyfriend sits with me",
        "i want to dye my hair",
        "i want to dive",
        "the story touches me",
        "my mum hurt her back",
        "no point in giving up",
    ],
)
def test_everyday_neighbours_of_danger_words_stay_quiet(typed):
    assert detect(typed) is None


# --- reading text as people write it -------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("I DON’T want to LIVE!!!", "i do not want to live"),
        ("im sooo tired", "i am so tired"),
        ("i want to diieee", "i want to die"),
        ("wanna", "want to"),
        ("gonna kms", "going to kms"),
        ("self-harm", "selfharm"),
        ("my step-dad", "my stepdad"),
        ("my bf", "my boyfriend"),
        ("sewer slide", "sewerslide"),
        ("can't, won't", "cannot will not"),
        ("  spaced   out  ", "spaced out"),
    ],
)
def test_normalise_reads_case_punctuation_apostrophes_repeats_and_shorthand(typed, read):
    assert normalise(typed) == read


@pytest.mark.parametrize(
    "word",
    [
        "hits",
        "scared",
        "overdose",
        "suicidal",
        "sucide",
        "raped",
        "partner",
        "boyfriend",
        "myself",
        "nudes",
    ],
)
def test_danger_words_and_their_typos_are_danger_words(word):
    assert is_danger_word(word)


@pytest.mark.parametrize("word", ["knitting", "soup", "sits", "overdue", "racist", ""])
def test_everyday_words_are_not_danger_words(word):
    assert not is_danger_word(word)


def test_needs_call_for_the_urgent_help_of_their_kind():
    assert kind_for_needs(["urgent_mental_health_crisis"]) == "self"
    assert kind_for_needs(["housing", "domestic_abuse"]) == "abuse"
    assert kind_for_needs(["domestic_abuse", "urgent_mental_health_crisis"]) == "self"
    assert kind_for_needs(["loneliness"]) is None
    assert kind_for_needs([]) is None


# --- the contacts ----------------------------------------------------------------------


def test_each_kind_has_a_panel_opening_with_999():
    panels = safety.panels()
    assert list(panels) == ["self", "abuse"]
    for kind, panel in panels.items():
        assert panel.kind == kind and panel.heading and panel.intro
        assert panel.contacts[0].link == "tel:999"
    assert panels["self"].heading != panels["abuse"].heading


def test_every_contact_has_a_source_and_a_date_checked():
    for panel in safety.panels().values():
        for contact in panel.contacts:
            assert len(contact.source) > 20, contact.name
            assert isinstance(contact.checked, datetime.date), contact.name
            assert contact.checked <= datetime.date.today(), contact.name


def test_every_number_shown_is_the_number_dialled():
    for panel in safety.panels().values():
        for contact in panel.contacts:
            assert contact.link.startswith(("tel:", "sms:", "https://")), contact.name
            if contact.link.startswith("tel:"):
                assert re.sub(r"\D", "", contact.how) == contact.link[4:], contact.name
            if contact.link.startswith("sms:"):
                assert contact.link[4:] in contact.how.replace(" ", ""), contact.name


def test_the_abuse_panel_has_the_helplines_for_each_kind_of_abuse():
    names = " ".join(c.name for c in safety.panel("abuse").contacts)
    for name in (
        "Emergency services",
        "National Domestic Abuse Helpline",
        "NSPCC",
        "Childline",
        "Rape Crisis",
        "CEOP",
        "Report Remove",
    ):
        assert name in names


@pytest.mark.parametrize(
    ("age", "shown", "hidden"),
    [
        (None, {"Childline", "NSPCC Helpline", "Rape Crisis 24/7 Support Line"}, set()),
        (
            14,
            {"Childline", "Report Remove (Childline and the Internet Watch Foundation)"},
            {"NSPCC Helpline", "Rape Crisis 24/7 Support Line"},
        ),
        (17, {"Childline", "Rape Crisis 24/7 Support Line"}, {"NSPCC Helpline"}),
        (
            30,
            {"NSPCC Helpline", "Rape Crisis 24/7 Support Line"},
            {"Childline", "Report Remove (Childline and the Internet Watch Foundation)"},
        ),
    ],
)
def test_contacts_are_those_for_the_age_given(age, shown, hidden):
    names = {c.name for c in safety.panel("abuse").contacts_for(age)}
    assert shown <= names and not hidden & names
    assert "Emergency services" in names


# --- the search and its answers --------------------------------------------------------


def test_the_search_api_carries_the_panel_of_the_kind(demo_search):
    client = demo_search.test_client()
    abuse = api(client, {"q": "my boyfriend hits me"})["crisis"]
    assert abuse["kind"] == "abuse"
    assert abuse["heading"] == safety.panel("abuse").heading
    assert "National Domestic Abuse Helpline (Refuge)" in [c["name"] for c in abuse["contacts"]]
    assert api(client, {"q": "sewerslide"})["crisis"]["kind"] == "self"
    assert api(client, {"q": "boxing club"})["crisis"] is None
    bad = api(client, {"q": "scared of my partner", "age": 500}, status=400)
    assert bad["crisis"]["kind"] == "abuse"


def _needs_of(app, ids: list[str]) -> list[set[str]]:
    with app.app_context(), Session(db.engine()) as session:
        rows = published.services_by_id(session, [uuid.UUID(i) for i in ids])
        return [{term.code for term in rows[uuid.UUID(i)].needs} for i in ids]


@pytest.mark.parametrize(
    ("typed", "kind_needs"),
    [
        ("self harm", {"urgent_mental_health_crisis", "low_mood"}),
        ("i want to kill myself", {"urgent_mental_health_crisis", "low_mood"}),
        ("my dad hits me", {"domestic_abuse"}),
        ("scared of my partner", {"domestic_abuse"}),
    ],
)
def test_under_urgent_help_only_the_services_for_that_kind_are_listed(
    demo_search, typed, kind_needs
):
    client = demo_search.test_client()
    found = (
        api(client, {"q": typed, "band": "online"})["results"]
        + api(client, {"q": typed, "band": "local"})["results"]
    )
    assert found, typed
    assert all(
        needs & kind_needs for needs in _needs_of(demo_search, [r["service_id"] for r in found])
    )
    names = " ".join(r["name"] + " " + (r["summary"] or "") for r in found).lower()
    assert "diabetes" not in names and "self-management" not in names


def test_crisis_services_come_before_support_services(demo_search):
    client = demo_search.test_client()
    found = api(client, {"q": "self harm", "band": "online"})["results"]
    needs = _needs_of(demo_search, [r["service_id"] for r in found])
    crisis = [("urgent_mental_health_crisis" in n) for n in needs]
    assert crisis[0] and crisis == sorted(crisis, reverse=True)


@pytest.mark.parametrize("typed", ["self harm", "i am 16 and i want to die", "my stepdad hurts me"])
def test_for_a_16_year_old_every_service_under_urgent_help_takes_16_year_olds(demo_search, typed):
    client = demo_search.test_client()
    answer = api(client, {"q": typed, "age": 16})
    assert answer["crisis"] is not None
    for result in answer["results"]:
        assert (result["minimum_age"] or 0) <= 16 <= (result["maximum_age"] or 200), result
    names = [c["name"] for c in answer["crisis"]["contacts"]]
    assert "Childline" in names


@pytest.mark.parametrize(
    ("need", "kind"), [("urgent_mental_health_crisis", "self"), ("domestic_abuse", "abuse")]
)
def test_a_need_page_for_a_crisis_need_shows_the_urgent_help_of_its_kind(demo_search, need, kind):
    page = demo_search.test_client().get(f"/needs/{need}").get_data(as_text=True)
    panel = page.index('id="urgent-help"')
    assert safety.panel(kind).heading in page[panel : panel + 2000]


def _panel_of(response) -> str:
    page = response.get_data(as_text=True)
    start = page.index('id="urgent-help"')
    return page[start : page.index("</ul>", start)]


def test_the_search_page_shows_the_abuse_panel_on_zero_results_and_on_a_bad_form(empty_app):
    build_index(empty_app)  # a directory with no services yet: every search finds nothing
    client = empty_app.test_client()
    nothing = client.get("/search?q=my+boyfriend+hits+me")
    assert nothing.status_code == 200
    panel = _panel_of(nothing)
    assert safety.panel("abuse").heading in panel and 'href="tel:08082000247"' in panel
    problem = client.get("/search?q=scared+of+my+partner&age=500")
    assert problem.status_code == 400
    assert safety.panel("abuse").heading in _panel_of(problem)
    quiet = client.get("/search?q=boxing+club")
    assert 'id="urgent-help"' not in quiet.get_data(as_text=True)


def test_the_search_page_leaves_out_contacts_for_other_ages(demo_search):
    client = demo_search.test_client()
    young = _panel_of(client.get("/search?q=my+dad+hits+me&age=14"))
    assert "Childline" in young and "NSPCC Helpline" not in young
    adult = _panel_of(client.get("/search?q=my+dad+hits+me&age=40"))
    assert "NSPCC Helpline" in adult and "Childline" not in adult
