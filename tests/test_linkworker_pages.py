"""Link worker pages: who may see them, the matching form and its personas, results with
reasons and exclusions, shortlists (owner only) and feedback that flags listings."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from directory import db
from directory.catalogue import seeding
from directory.catalogue.seed_files import read_needs
from directory.matching import match_request
from directory.models import (
    FeedbackOutcome,
    MatchFeedback,
    Role,
    Shortlist,
    ShortlistItem,
    stable_id,
    utcnow,
)
from directory.referrals import feedback
from directory.web.linkworker import matching_form
from tests.conftest import SMALL_CATALOGUE, dispose, make_app
from tests.test_match_api import add_user

TEA = stable_id("service", "hyde-park-tuesday-tea")
LINE = stable_id("service", "chapeltown-listening-line")
CLINIC = stable_id("service", "hyde-park-money-clinic")
DRAFT = stable_id("service", "hyde-park-draft-club")
OLDER = {"age": "72", "postcode": "LS6 1BD", "needs": ["loneliness"]}


@pytest.fixture(scope="module")
def app(databases, tmp_path_factory):
    """The small catalogue; each test signs in as its own new user."""
    app = make_app(databases.new_migrated(), tmp_path_factory.mktemp("linkworker"))
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        seeding.seed(session, SMALL_CATALOGUE)
    yield app
    dispose(app)


def signed_in(app, role: Role = Role.LINK_WORKER):
    """A test client signed in (through the development sign-in) as a new user."""
    user = add_user(app, f"{role.value}-{uuid.uuid4().hex[:8]}@example.org", role)
    client = app.test_client()
    response = client.post("/dev/sign-in", data={"user": str(user.id)})
    assert response.status_code == 302
    client.user = user
    return client


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


# --- who may come in ---------------------------------------------------------------------


def test_the_anonymous_are_sent_to_sign_in_and_come_back(app):
    client = app.test_client()
    response = client.get("/link-worker/match")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")
    assert "link-worker" in response.headers["Location"]
    back = client.post("/dev/sign-in", data={"user": "demo", "next": "/link-worker/shortlists"})
    assert back.headers["Location"] == "/link-worker/shortlists"
    assert client.get("/link-worker/shortlists").status_code == 200


def test_sign_in_never_sends_you_to_another_site(app):
    client = app.test_client()
    for target in ("https://evil.example", "//evil.example", "/\\evil.example"):
        response = client.post("/dev/sign-in", data={"user": "demo", "next": target})
        assert response.headers["Location"] == "/link-worker/cases"  # their home: the caseload


@pytest.mark.parametrize(
    ("role", "status", "flags"),
    [
        (Role.LINK_WORKER, 200, 200),
        (Role.ADMIN, 200, 200),
        (Role.MANAGER, 403, 200),  # managers moderate: they see the flags, they do not match
        (Role.EDITOR, 403, 403),
    ],
)
def test_link_workers_and_admins_may_match_managers_see_flags(app, role, status, flags):
    client = signed_in(app, role)
    for path in ("/link-worker/match", "/link-worker/shortlists"):
        assert client.get(path).status_code == status
    assert client.post("/link-worker/match", data=OLDER).status_code == status
    assert client.get("/link-worker/flags").status_code == flags


def test_without_the_development_sign_in_the_anonymous_go_to_the_real_one(app, tmp_path):
    production_like = make_app(app.config["DATABASE_URL"], tmp_path / "p", DEV_LOGIN=False)
    try:
        client = production_like.test_client()
        assert client.get("/dev/sign-in").status_code == 404
        assert client.post("/dev/sign-in", data={"user": "demo"}).status_code == 404
        response = client.get("/link-worker/match")
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/sign-in?next=")
    finally:
        dispose(production_like)


def test_the_development_sign_in_answers_only_this_machine(app):
    client = app.test_client()
    far = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/dev/sign-in", environ_base=far).status_code == 404
    assert client.post("/dev/sign-in", data={"user": "demo"}, environ_base=far).status_code == 404
    proxied = {"X-Forwarded-For": "203.0.113.9"}
    assert client.get("/dev/sign-in", headers=proxied).status_code == 404
    assert client.get("/dev/sign-in", headers={"Forwarded": "for=203.0.113.9"}).status_code == 404
    assert client.get("/dev/sign-in").status_code == 200


def test_production_settings_switch_the_development_sign_in_off(monkeypatch):
    from directory import config

    monkeypatch.setenv("SIGNPOST_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-long-random-secret-of-32-bytes")
    monkeypatch.setenv("SIGNPOST_PUBLIC_URL", "https://signpost.example")
    assert config.from_environment().DEV_LOGIN is False
    monkeypatch.setenv("SIGNPOST_ENV", "development")
    assert config.from_environment().DEV_LOGIN is True


# --- the form ----------------------------------------------------------------------------


def test_the_form_groups_every_need_once_as_checkboxes_with_a_filter_for_scripts(app):
    page = signed_in(app).get("/link-worker/match").get_data(as_text=True)
    values = re.findall(r'name="needs" type="checkbox" value="([a-z_]+)"', page)
    assert sorted(values) == sorted(n.id for n in read_needs())
    for group in ("Feelings and mental wellbeing", "Money, home and work", "Groups of people"):
        assert group in page
    # the filter box is there for scripts to show; without them the checkboxes do the job
    assert re.search(r"<div [^>]*data-need-filter hidden>", page)
    assert 'data-words="skint broke debt' in page
    assert re.search(r'src="/static/linkworker(\.[0-9a-f]{12})?\.js"', page)  # hashed once built
    assert not re.search(r"\son[a-z]+=", page)  # no inline event handlers (CSP)


def test_every_persona_prefills_the_form_with_details_that_match(app):
    client = signed_in(app)
    assert len(matching_form.personas()) >= 4
    labels = {p.label for p in matching_form.personas()}
    assert {"Lonely older person", "Young person with low mood", "Carer"} <= labels
    assert "Family on a low income" in labels
    for persona in matching_form.personas():
        with app.app_context():
            match_request.read_request(persona.details)  # valid, or this raises
        page = client.get(f"/link-worker/match?persona={persona.id}").get_data(as_text=True)
        assert f'value="{persona.details["age"]}"' in page
        assert persona.details["postcode"] in page
        for need in persona.details["needs"]:
            assert f'value="{need}" checked' in page
        assert f"Filled in from the persona “{persona.label}”" in page
        if persona.details.get("carer"):
            assert 'name="carer" type="checkbox" value="1" checked' in page
        if persona.details.get("gender"):
            assert f'value="{persona.details["gender"]}" selected' in page


def test_an_unknown_persona_gives_an_empty_form(app):
    page = signed_in(app).get("/link-worker/match?persona=nobody").get_data(as_text=True)
    assert "Filled in from the persona" not in page and "checked" not in page


def test_results_show_reasons_and_the_excluded_list_with_each_rule(app):
    response = signed_in(app).post("/link-worker/match", data={**OLDER, "needs": ["lonley"]})
    assert response.status_code == 200
    page = text_of(response)
    suggested, _, excluded = page.partition('id="excluded"')
    assert "Tuesday Tea and Chat" in suggested
    assert "meets: loneliness and isolation" in suggested
    assert "for ages 50 and over, they are 72" in suggested
    assert f'name="service" type="checkbox" value="{TEA}"' in suggested
    assert "Evening Listening Line" not in suggested
    assert "Evening Listening Line" in excluded
    assert "only for ages 16-25, and they are 72" in excluded
    assert "Draft Club" not in page  # drafts are never shown, not even as excluded


def test_bad_details_show_every_problem_and_keep_what_was_typed(app):
    response = signed_in(app).post(
        "/link-worker/match",
        data={"age": "150", "postcode": "NOT A CODE", "text": "x" * 10_000, "max_miles": "far"},
    )
    assert response.status_code == 400
    page = text_of(response)
    assert "There is a problem" in page and "<title>Error:" in page
    for href, says in [
        ("#age", "0 to 120"),
        ("#postcode", "is not a UK postcode"),
        ("#needs", "Choose at least one need"),
        ("#text", "10,000 characters"),
        ("#max_miles", "number of miles"),
    ]:
        assert f'href="{href}"' in page and says in page
    assert 'value="NOT A CODE"' in page


# --- shortlists --------------------------------------------------------------------------


def add(client, *services, shortlist="new", label="Ref 1024"):
    return client.post(
        "/link-worker/shortlists/add",
        data={"service": [str(s) for s in services], "shortlist": shortlist, "label": label},
    )


def shortlist_of(app, user) -> Shortlist:
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        found = session.exec(select(Shortlist).where(Shortlist.owner_id == user.id)).one()
        session.expunge(found)
        return found


def items_of(app, shortlist_id) -> set[uuid.UUID]:
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        rows = session.exec(select(ShortlistItem).where(ShortlistItem.shortlist_id == shortlist_id))
        return {item.service_id for item in rows}


def test_add_to_a_new_shortlist_then_to_it_again_then_remove(app):
    client = signed_in(app)
    response = add(client, LINE)
    mine = shortlist_of(app, client.user)
    assert response.headers["Location"] == f"/link-worker/shortlists/{mine.id}"
    assert mine.label == "Ref 1024" and items_of(app, mine.id) == {LINE}
    page = text_of(client.get(f"/link-worker/shortlists/{mine.id}"))
    assert "Added 1 service to “Ref 1024”" in page
    assert "Evening Listening Line" in page and "How to get in" in page
    # adding the same one again and another changes only what is new
    add(client, LINE, TEA, shortlist=str(mine.id))
    assert items_of(app, mine.id) == {LINE, TEA}
    client.post(f"/link-worker/shortlists/{mine.id}/remove", data={"service": str(LINE)})
    assert items_of(app, mine.id) == {TEA}
    # the page lists it with how to contact it, and prints without the controls
    page = client.get(f"/link-worker/shortlists/{mine.id}").get_data(as_text=True)
    assert "0113 496 0124" in page and "Just turn up." in page
    assert "signpost-no-print" in page and re.search(r"/linkworker(\.[0-9a-f]{12})?\.css", page)


@pytest.mark.parametrize(
    ("services", "label", "says"),
    [
        ([], "Ref 1", "Tick at least one service"),
        (["not-a-uuid"], "Ref 1", "Choose services from the list"),
        ([DRAFT], "Ref 1", "no longer listed"),
        ([LINE], "   ", "Give the shortlist a label"),
        ([LINE], "x" * 61, "60 characters or fewer"),
    ],
)
def test_bad_additions_change_nothing_and_say_why(app, services, label, says):
    client = signed_in(app)
    response = add(client, *services, label=label)
    assert response.headers["Location"] == "/link-worker/shortlists"
    assert says in text_of(client.get("/link-worker/shortlists"))
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        mine = select(Shortlist).where(Shortlist.owner_id == client.user.id)
        assert session.exec(mine).all() == []


def test_another_link_workers_shortlist_is_not_found(app):
    owner, other = signed_in(app), signed_in(app)
    add(owner, LINE)
    mine = shortlist_of(app, owner.user)
    base = f"/link-worker/shortlists/{mine.id}"
    assert other.get(base).status_code == 404
    assert other.post(f"{base}/remove", data={"service": str(LINE)}).status_code == 404
    assert other.post(f"{base}/delete").status_code == 404
    assert add(other, TEA, shortlist=str(mine.id)).status_code == 404
    feedback_form = {"service": str(LINE), "outcome": "used"}
    assert other.post(f"{base}/feedback", data=feedback_form).status_code == 404
    assert items_of(app, mine.id) == {LINE}
    assert "Ref 1024" not in text_of(other.get("/link-worker/shortlists"))
    assert owner.get(base).status_code == 200


def test_a_shortlist_can_be_started_empty_and_deleted(app):
    client = signed_in(app)
    response = client.post("/link-worker/shortlists", data={"label": "  Case  77 "})
    mine = shortlist_of(app, client.user)
    assert mine.label == "Case 77"
    assert response.headers["Location"] == f"/link-worker/shortlists/{mine.id}"
    assert client.post("/link-worker/shortlists", data={"label": ""}).status_code == 400
    client.post(f"/link-worker/shortlists/{mine.id}/delete")
    assert client.get(f"/link-worker/shortlists/{mine.id}").status_code == 404


# --- feedback ----------------------------------------------------------------------------


def test_feedback_is_recorded_and_counted_on_the_service_page_for_staff_only(app):
    client = signed_in(app)
    add(client, CLINIC)
    mine = shortlist_of(app, client.user)
    url = f"/link-worker/shortlists/{mine.id}/feedback"
    sent = [
        {"outcome": "used"},
        {"outcome": "unsuitable", "reason": "too_far", "note": "two buses"},
        {"outcome": "no_reply"},
    ]
    for form in sent:
        client.post(url, data={"service": str(CLINIC), **form})
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        rows = session.exec(select(MatchFeedback).where(MatchFeedback.user_id == client.user.id))
        got = sorted((f.outcome.value, f.reason, f.note) for f in rows)
    assert got == [("no_reply", "", ""), ("unsuitable", "too_far", "two buses"), ("used", "", "")]
    staff = text_of(client.get(f"/services/{CLINIC}"))
    assert "Link workers' feedback" in staff
    assert "Used: 1" in staff and "Unsuitable: 1 (too far or hard to get to 1)" in staff
    assert "Link workers' feedback" not in text_of(app.test_client().get(f"/services/{CLINIC}"))
    editor = signed_in(app, Role.EDITOR)
    assert "Link workers' feedback" not in text_of(editor.get(f"/services/{CLINIC}"))


@pytest.mark.parametrize(
    ("form", "says"),
    [
        ({"outcome": "loved"}, "Choose what happened"),
        ({"outcome": "unsuitable"}, "Choose why it was unsuitable"),
        ({"outcome": "unsuitable", "reason": "made up"}, "Choose why it was unsuitable"),
        ({"outcome": "used", "note": "x" * 501}, "500 characters or fewer"),
    ],
)
def test_bad_feedback_records_nothing_and_says_why(app, form, says):
    client = signed_in(app)
    add(client, LINE)
    mine = shortlist_of(app, client.user)
    url = f"/link-worker/shortlists/{mine.id}/feedback"
    client.post(url, data={"service": str(LINE), **form})
    assert says in text_of(client.get(f"/link-worker/shortlists/{mine.id}"))
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        mine_only = select(MatchFeedback).where(MatchFeedback.user_id == client.user.id)
        assert session.exec(mine_only).all() == []


def test_feedback_for_a_service_not_on_the_shortlist_is_refused(app):
    client = signed_in(app)
    add(client, LINE)
    mine = shortlist_of(app, client.user)
    url = f"/link-worker/shortlists/{mine.id}/feedback"
    assert client.post(url, data={"service": str(TEA), "outcome": "used"}).status_code == 404


def counts(*given) -> feedback.Counts:
    """Counts as the database would give them: (outcome, reason, days ago, how many)."""
    found = feedback.Counts()
    for outcome, reason, days_ago, n in given:
        found.total[outcome] += n
        if days_ago < feedback.REVIEW_WINDOW_DAYS:
            found.recent[outcome] += n
            if outcome == "unsuitable":
                found.reasons[reason] += n
    return found


@pytest.mark.parametrize(
    ("given", "flagged"),
    [
        ([("unsuitable", "full", 0, 3)], True),
        ([("unsuitable", "full", 0, 2)], False),
        ([("unsuitable", "full", 0, 2), ("unsuitable", "declined", 0, 1)], False),  # their choice
        ([("no_reply", "", 0, 2), ("used", "", 0, 2)], True),  # half of four
        ([("no_reply", "", 0, 2), ("used", "", 0, 1)], False),  # too few to tell
        ([("no_reply", "", 0, 2), ("used", "", 0, 3)], False),  # under half
        ([("no_reply", "", 0, 4)], True),
    ],
)
def test_the_review_thresholds(given, flagged):
    assert bool(feedback.review_reasons(counts(*given))) is flagged


def give(app, service, outcome, reason="", days_ago=0, n=1):
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        for _ in range(n):
            session.add(
                MatchFeedback(
                    service_id=service,
                    outcome=outcome,
                    reason=reason,
                    created_at=utcnow() - timedelta(days=days_ago),
                )
            )
        session.commit()


def test_listings_are_flagged_from_recent_feedback_and_shown_to_staff(app):
    client = signed_in(app)
    unsuitable = FeedbackOutcome.UNSUITABLE
    give(app, TEA, unsuitable, "not_as_listed", n=2)
    give(app, TEA, unsuitable, "not_as_listed", days_ago=91)  # too old to count
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        assert TEA not in [f.service.id for f in feedback.listings_flagged_for_review(session)]
    give(app, TEA, unsuitable, "closed")
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        flags = feedback.listings_flagged_for_review(session)
    assert [f.service.id for f in flags] == [TEA]
    assert flags[0].why == ["3 link workers found it unsuitable in 90 days"]
    page = text_of(client.get("/link-worker/flags"))
    assert "Tuesday Tea and Chat" in page and "1 listing flagged" in page
    assert "not as the listing describes 2" in page
    assert "Flagged for review" in text_of(client.get(f"/services/{TEA}"))
    assert "Flagged for review" not in text_of(app.test_client().get(f"/services/{TEA}"))
    results = text_of(client.post("/link-worker/match", data=OLDER))
    assert "Flagged for review" in results and "found it unsuitable" in results


def test_refusals_are_pages_in_the_site_style(app):
    refused = signed_in(app, Role.EDITOR).get("/link-worker/match")
    assert refused.status_code == 403 and "You cannot see this page" in text_of(refused)


def test_the_form_reader_turns_ticks_into_who_they_are(app):
    from werkzeug.datastructures import MultiDict

    ticked = MultiDict(
        [("age", "40"), ("postcode", "LS6 1BD"), ("needs", "loneliness"), ("veteran", "1")]
    )
    ticked.add("gender", "man")
    with app.app_context():  # needs are read against the app's vocabulary
        profile = match_request.read_form(ticked).profile
        caring = MultiDict([("age", "40"), ("postcode", "LS6 1BD"), ("needs", "carers")])
        assert match_request.read_form(caring).profile.is_carer
    assert profile.is_veteran and profile.gender == "man"
    assert not profile.is_carer and not profile.lgbtq and not profile.preferences.free_only


def test_a_service_withdrawn_after_shortlisting_is_marked(small_app, session_for):
    from directory.models import ListingStatus, Service

    client = signed_in(small_app)
    add(client, LINE)
    session = session_for(small_app)
    line = session.get(Service, LINE)
    line.status = ListingStatus.ARCHIVED
    session.add(line)
    session.commit()
    mine = shortlist_of(small_app, client.user)
    page = text_of(client.get(f"/link-worker/shortlists/{mine.id}"))
    assert "Evening Listening Line" in page and "No longer listed" in page
    assert f'href="/services/{LINE}"' not in page


# --- urgent help -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("form", "heading", "status"),
    [
        (
            {**OLDER, "text": "her husband hits her and she is scared of her husband"},
            "hurting you",
            200,
        ),
        ({**OLDER, "text": "says he wants to end it all"}, "help now", 200),
        ({"age": "15", "postcode": "LS6 1BD", "text": "my stepdad hurts me"}, "hurting you", 400),
    ],
)
def test_danger_in_what_matters_puts_its_urgent_help_first(app, form, heading, status):
    response = signed_in(app).post("/link-worker/match", data=form)
    assert response.status_code == status
    page = response.get_data(as_text=True)
    panel = page.index('id="urgent-help"')
    assert heading in page[panel : panel + 2000]
    assert panel < page.index('action="/link-worker/match"')
    if status == 200:
        assert panel < page.index('id="excluded"')


def test_everyday_words_bring_no_urgent_help_to_the_matching_page(app):
    response = signed_in(app).post(
        "/link-worker/match", data={**OLDER, "text": "loves boxing club"}
    )
    assert 'id="urgent-help"' not in response.get_data(as_text=True)
