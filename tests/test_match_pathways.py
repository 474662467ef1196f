"""More support in the directory's matching: NHS pathway listings read from the database
into facts, kept out of the suggestions, offered as `pathways` (the answer of the CLI and of
POST /api/v1/match, over real HTTP), on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import json
import urllib.request
import uuid

import pytest
from sqlmodel import Session

from directory import clock, db, search
from directory.catalogue import seeding
from directory.matching import facts, match_request, pathways, suggestions
from directory.models import Role, Service
from tests.conftest import SMALL_CATALOGUE, build_index, dispose, make_app
from tests.pathways_helpers import add_pathways
from tests.test_linkworker_pages import signed_in, text_of
from tests.test_match_api import add_user, token_for

LOW = {"age": 40, "postcode": "LS6 1BD", "needs": ["low_mood", "stress_anxiety"]}


@pytest.fixture(scope="module")
def nhs_app(databases, tmp_path_factory):
    """The small catalogue with the pathway listings, and a link worker's token: read-only."""
    app = make_app(databases.new_migrated(), tmp_path_factory.mktemp("pathways"))
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        seeding.seed(session, SMALL_CATALOGUE)
        with app.app_context():
            app.config["ids"] = add_pathways(session, clock.today())
    app.config["token"] = token_for(app, add_user(app, "lw@example.org", Role.LINK_WORKER))
    yield app
    dispose(app)


def answer_for(app, **changes) -> dict:
    with app.app_context(), Session(app.extensions[db.ENGINE_KEY]) as session:
        wanted = match_request.read_request({**LOW, **changes})
        return match_request.answer(match_request.run(session, wanted), wanted)


def names(answer: dict) -> list[str]:
    return [p["name"] for p in answer["pathways"]]


def test_the_facts_read_as_rows_carry_the_pathway_as_a_loaded_service_does(nhs_app):
    ids = [uuid.UUID(i) for i in nhs_app.config["ids"].values()]
    with nhs_app.app_context(), Session(nhs_app.extensions[db.ENGINE_KEY]) as session:
        rows = {f.id: f for f in facts.matchable_services(session, ids)}
        talking = session.get(Service, uuid.UUID(nhs_app.config["ids"]["talking"]))
        loaded = facts.facts_from_service(talking)
    assert rows[loaded.id] == loaded
    assert loaded.pathway is not None
    assert (loaded.pathway.level, loaded.pathway.phone) == ("primary_care", "0113 496 0101")
    assert loaded.referral_routes == ("self", "gp", "mhp")
    assert rows[nhs_app.config["ids"]["crisis"]].referral_routes == ("self", "urgent")


def test_an_adult_with_low_mood_and_anxiety_sees_the_nhs_options_apart(nhs_app):
    answer = answer_for(nhs_app)
    pathway_ids = set(nhs_app.config["ids"].values())
    assert not pathway_ids & {s["service_id"] for s in answer["suggestions"]}
    assert not pathway_ids & {e["service_id"] for e in answer["excluded"]}
    lonely_too = answer_for(nhs_app, age=60, needs=["loneliness", "low_mood"])
    assert lonely_too["suggestions"] and lonely_too["pathways"]  # both, side by side
    assert names(answer) == [
        "Leeds NHS Talking Therapies (test)",
        "Practice mental health practitioners (test)",
        "Community mental health team (test)",
    ]
    talking = answer["pathways"][0]
    assert set(talking) == {"service_id", "name", "level", "routes", "how", "known"}
    assert not any(p["known"] for p in answer["pathways"])
    assert talking["level"] == "primary_care" and talking["routes"] == ["self", "gp", "mhp"]
    assert talking["how"] == (
        "You can refer yourself to Leeds NHS Talking Therapies (test) online at "
        "https://talking.example.nhs.uk or by phone on 0113 496 0101. Your GP or the mental "
        "health practitioner at your practice can refer you."
    )
    assert answer["pathways"][2]["how"].endswith(
        "Out of hours: Call NHS 111 and choose the mental health option."
    )


def test_a_16_year_old_sees_the_young_peoples_options_first_and_no_adult_ones(nhs_app):
    assert names(answer_for(nhs_app, age=16)) == [
        "Young minds Leeds (test)",
        "Youth wellbeing drop-in (test)",
    ]


def pathways_for(app, **changes) -> list[str]:
    """The names of the options for the LOW person with their profile changed."""
    with app.app_context(), Session(app.extensions[db.ENGINE_KEY]) as session:
        profile = dataclasses.replace(match_request.read_request(LOW).profile, **changes)
        return [p.name for p in suggestions.suggest(session, profile).pathways]


def test_never_a_route_the_person_cannot_use(nhs_app):
    everything = pathways_for(nhs_app)
    assert len(everything) == 3
    # on their own (self-referral): not the practitioners, only reached through the GP
    assert pathways_for(nhs_app, referrer="self") == ["Leeds NHS Talking Therapies (test)"]
    # not registered with a GP: nothing that only the practice can refer to
    unregistered = pathways_for(nhs_app, registered_with_gp=False)
    assert unregistered == ["Leeds NHS Talking Therapies (test)"]
    # outside Leeds: none of Leeds's services
    assert answer_for(nhs_app, postcode="WF1 1AA")["pathways"] == []


def test_crisis_options_come_first_only_when_urgent_help_is_called_for(nhs_app):
    assert "Leeds crisis line (test)" not in names(answer_for(nhs_app))
    urgent = answer_for(nhs_app, text="I want to end my life")
    assert urgent["crisis"] is not None
    assert names(urgent)[0] == "Leeds crisis line (test)"
    assert urgent["pathways"][0]["level"] == "crisis"


def test_the_command_prints_the_same_answer(nhs_app):
    result = nhs_app.test_cli_runner().invoke(
        args=["match", "--age", "40", "--postcode", "LS6 1BD"]
        + ["--need", "low_mood", "--need", "stress_anxiety", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == answer_for(nhs_app)
    text = nhs_app.test_cli_runner().invoke(
        args=["match", "--age", "40", "--postcode", "LS6 1BD", "--need", "low_mood"]
    )
    assert "More support (NHS mental health options):" in text.stdout
    assert "You can refer yourself to Leeds NHS Talking Therapies (test)" in text.stdout


@pytest.mark.live_server
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_the_api_carries_pathways_over_real_http(nhs_app, live_server):
    with live_server(nhs_app) as base:
        request = urllib.request.Request(
            f"{base}/api/v1/match",
            json.dumps({**LOW, "age": 16}).encode(),
            {
                "Content-Type": "application/json",
                "Authorization": f"Bearer {nhs_app.config['token']}",
            },
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            answer = json.loads(response.read())
    assert [p["name"] for p in answer["pathways"]][:1] == ["Young minds Leeds (test)"]
    assert answer["pathways"][0]["how"].startswith("You can refer yourself to Young minds")


# --- the link worker's matching page ---------------------------------------------------------


def test_the_match_page_shows_more_support_and_a_pathway_can_go_on_a_shortlist(nhs_app):
    client = signed_in(nhs_app)
    form = {"age": "40", "postcode": "LS6 1BD", "needs": ["low_mood", "stress_anxiety"]}
    page = text_of(client.post("/link-worker/match", data=form))
    assert '<h2 id="more-support-heading">More support</h2>' in page
    assert "Signpost does not decide which one they need" in page
    assert page.index("Leeds NHS Talking Therapies (test)") < page.index(
        "Community mental health team (test)"
    )
    assert "NHS mental health support through your GP practice" in page  # the level, in words
    assert 'href="tel:+441134960101"' in page  # the number in the words, to tap
    assert "Leeds crisis line (test)" not in page
    talking = nhs_app.config["ids"]["talking"]
    added = client.post(
        "/link-worker/shortlists/add",
        data={"service": [talking], "shortlist": "new", "label": "Case 12"},
    )
    assert added.status_code == 302
    shortlist = text_of(client.get(added.headers["Location"]))
    assert "Leeds NHS Talking Therapies (test)" in shortlist


def test_the_match_page_puts_crisis_options_first_when_the_words_call_for_it(nhs_app):
    client = signed_in(nhs_app)
    form = {"age": "40", "postcode": "LS6 1BD", "needs": ["low_mood"], "text": "I want to die"}
    page = text_of(client.post("/link-worker/match", data=form))
    assert page.index('id="urgent-help"') < page.index("More support")
    more = page[page.index("More support") :]
    assert more.index("Leeds crisis line (test)") < more.index("Leeds NHS Talking Therapies")


def test_a_person_already_known_to_a_team_sees_it_first_then_the_options_that_fit(nhs_app):
    cmht = nhs_app.config["ids"]["cmht"]
    answer = answer_for(nhs_app, known_service_id=cmht, age=16)  # not a 16-year-old's team
    first, *rest = answer["pathways"]
    assert (first["service_id"], first["known"]) == (cmht, True)
    assert first["how"].startswith("Already known to Community mental health team (test)")
    assert [p["name"] for p in rest] == [
        "Young minds Leeds (test)",
        "Youth wellbeing drop-in (test)",
    ]
    printed = nhs_app.test_cli_runner().invoke(
        args=["match", "--age", "16", "--postcode", "LS6 1BD", "--need", "low_mood"]
        + ["--known-service-id", cmht, "--json"]
    )
    assert json.loads(printed.output)["pathways"][0]["known"] is True
    with nhs_app.app_context(), pytest.raises(match_request.MatchRequestError) as refused:
        match_request.read_request({**LOW, "known_service_id": "the CMHT"})
    assert refused.value.problems == {
        "known_service_id": "The known team should be the id of a listed service."
    }


def test_matching_from_a_case_puts_the_team_it_is_known_to_first(nhs_app):
    from tests.referrals_helpers import make_case

    client = signed_in(nhs_app)
    cmht = nhs_app.config["ids"]["cmht"]
    with nhs_app.app_context():
        case = make_case(
            nhs_app,
            client.user,
            needs=["low_mood"],
            known_team="Leeds community mental health team",
            known_team_contact="Duty line 0113 496 0300, weekdays 9 to 5",
            known_team_service_id=uuid.UUID(cmht),
        )
    form = {"case_id": str(case.id), "age": "40", "postcode": "LS6 1BD", "needs": ["low_mood"]}
    page = text_of(client.post("/link-worker/match", data=form))
    assert page.index("Known to Leeds community mental health team") < page.index("More support")
    more = page[page.index('id="more-support"') :]
    assert more.index("Already known to this team") < more.index("Leeds NHS Talking Therapies")
    assert more.index("Community mental health team (test)") < more.index("Leeds NHS Talking")


# --- public search ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def nhs_search(nhs_app):
    build_index(nhs_app)
    yield nhs_app
    nhs_app.extensions[search.EXTENSION].close()


def more_support(page: str) -> str:
    """The More support section of a page ("" when there is none)."""
    start = page.find('id="more-support"')
    return "" if start < 0 else page[start : page.index("</section>", start)]


@pytest.mark.sqlite_only
def test_a_search_understood_as_low_mood_shows_the_self_referral_options_too(nhs_search):
    page = text_of(nhs_search.test_client().get("/search?q=feeling+low"))
    panel = more_support(page)
    assert "Leeds NHS Talking Therapies (test)" in panel
    assert "You can refer yourself to Leeds NHS Talking Therapies (test) online at" in panel
    assert "Youth wellbeing drop-in (test)" in panel and "For young people" in panel
    # only what a searcher can contact themselves: not what only the GP practice refers to
    assert "Community mental health team (test)" not in panel
    assert "Practice mental health practitioners (test)" not in panel
    assert "Leeds crisis line (test)" not in panel
    # the search's own results are still there, after it, in full
    results = page[page.index('id="online-heading"') :]
    assert page.index('id="more-support"') < page.index('id="online-heading"')
    assert "Community mental health team (test)" in results


def test_urgent_words_understood_as_no_need_still_show_crisis_care(nhs_app):
    with nhs_app.app_context(), Session(nhs_app.extensions[db.ENGINE_KEY]) as session:
        quiet = pathways.for_searcher(session, [])
        urgent = pathways.for_searcher(session, [], urgent=True)
    assert quiet == ()
    assert [p.name for p in urgent][:1] == ["Leeds crisis line (test)"]


def test_the_demo_crisis_line_gives_its_own_number_never_the_trusts_switchboard(demo_app):
    wanted = {"age": 40, "postcode": "LS9 7EZ", "needs": ["low_mood"], "text": "I want to die"}
    with demo_app.app_context(), Session(demo_app.extensions[db.ENGINE_KEY]) as session:
        request = match_request.read_request(wanted)
        answer = match_request.answer(match_request.run(session, request), request)
    line = next(
        p for p in answer["pathways"] if p["name"] == "Leeds 24/7 Mental Health Crisis Line"
    )
    assert "0113 496 0950" in line["how"]
    assert not any("0113 496 0940" in p["how"] for p in answer["pathways"])  # the switchboard
    # domestic abuse's urgent help is its own helplines: no crisis mental health care first
    abuse = {**wanted, "needs": ["domestic_abuse"], "text": "my partner hits me"}
    with demo_app.app_context(), Session(demo_app.extensions[db.ENGINE_KEY]) as session:
        request = match_request.read_request(abuse)
        levels = [p.level for p in match_request.run(session, request).pathways]
    assert "crisis" not in levels


@pytest.mark.sqlite_only
def test_a_young_searcher_sees_the_youth_options_first(nhs_search):
    panel = more_support(text_of(nhs_search.test_client().get("/search?q=anxious&age=16")))
    assert panel.index("Young minds Leeds (test)") < panel.index("Youth wellbeing drop-in")
    assert "Talking Therapies" not in panel  # 18 and over


@pytest.mark.sqlite_only
def test_other_searches_show_no_panel_and_the_offer_is_read_once_a_generation(
    nhs_search, monkeypatch
):
    client = nhs_search.test_client()
    assert more_support(text_of(client.get("/search?q=debt+advice"))) == ""
    client.get("/search?q=feeling+low")  # held from here on
    reads = []
    real = pathways.read_offer
    monkeypatch.setattr(pathways, "read_offer", lambda s: reads.append(1) or real(s))
    for words in ("feeling+low", "stressed", "feeling+low&page=2"):
        client.get(f"/search?q={words}")
    assert reads == []


@pytest.mark.sqlite_only
def test_the_panel_follows_a_change_to_a_pathway_listing(nhs_search):
    client = nhs_search.test_client()
    assert "Youth wellbeing drop-in (test)" in more_support(text_of(client.get("/search?q=low")))
    youth = uuid.UUID(nhs_search.config["ids"]["youth"])
    with Session(nhs_search.extensions[db.ENGINE_KEY]) as session:  # another worker's edit
        session.get(Service, youth).set_referral_routes(["gp"])
        session.commit()
    try:
        assert "Youth wellbeing" not in more_support(text_of(client.get("/search?q=low")))
    finally:
        with Session(nhs_search.extensions[db.ENGINE_KEY]) as session:
            session.get(Service, youth).set_referral_routes(["self"])
            session.commit()
