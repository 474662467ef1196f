"""The provider's side of referrals: "Referrals to you" on an editor's dashboard, for their
own organisation only; and the emailed signed link for an organisation without editors,
which shows one referral (only what was shared with consent) and takes three answers, and
refuses an expired, tampered or borrowed link clearly."""

from __future__ import annotations

import re

import pytest
import time_machine
from accounts_helpers import (
    LINE,
    ORG_A,
    ORG_B,
    TEA,
    add_people,
    client_for,
    mail_settings,
    smtp_server,
)
from referrals_helpers import engine, make_case, refer
from sqlmodel import Session, select

from directory import clock, tokens
from directory.models import Referral, ReferralStatus, Role, StatusSetBy, User
from directory.referrals import referring
from tests.conftest import dispose, make_app

S = ReferralStatus


def section(html: str) -> str:
    """The "Referrals to you" section of a dashboard."""
    found = re.search(r'<section id="referrals".*?</section>', html, re.S)
    return found.group(0) if found else ""


def main(html: str) -> str:
    """The page's own content, without the layout (whose asset names hold digits)."""
    return html.split("<main", 1)[1].split("</main>", 1)[0]


def visible(html: str) -> str:
    """The words a reader sees on the page (no markup, so no link or form tokens)."""
    return " ".join(re.sub(r"<[^>]+>", " ", main(html)).split())


def answers(html: str) -> list[str]:
    """The answers the page offers."""
    found = re.search(r'<select[^>]*name="status">(.*?)</select>', html, re.S)
    return re.findall(r'<option value="(\w+)">', found.group(1)) if found else []


def status_of(app, referral_id) -> Referral:
    with Session(engine(app), expire_on_commit=False) as session:
        return session.get(Referral, referral_id)


@pytest.fixture
def world(small_app):
    """Everyone; a consenting case with a referral to each organisation."""
    people = add_people(small_app)
    case = make_case(small_app, people["linkworker"])
    to_a = refer(small_app, case, people["linkworker"], TEA, note="Prefers mornings.")
    to_b = refer(small_app, case, people["linkworker"], LINE)
    return small_app, people, to_a, to_b


# --- the dashboard -----------------------------------------------------------------------


def test_editors_see_the_referrals_to_their_own_organisation_only(world):
    app, _people, _to_a, _to_b = world
    mine = section(client_for(app, "editor").get("/manage/").text)
    assert "Referrals to you (1 to answer)" in mine
    assert "Tuesday Tea and Chat" in mine and "Evening Listening Line" not in mine
    # what was shared with consent, the note and the link worker's work contact ...
    for shown in (">LS6<", ">loneliness<", ">34<", "Prefers mornings.", "linkworker@example.org"):
        assert shown in mine
    # ... and nothing else of the case: not its reference, not what matters to them
    assert "LW-0042" not in mine and "Gardening" not in mine
    theirs = section(client_for(app, "other_editor").get("/manage/").text)
    assert "Evening Listening Line" in theirs and "Tuesday Tea" not in theirs
    for who in ("manager", "admin"):
        assert section(client_for(app, who).get("/manage/").text) == ""


def test_an_editor_answers_on_the_dashboard(world):
    app, people, to_a, _ = world
    client = client_for(app, "editor")
    answer = {"status": "accepted", "version": "1"}
    response = client.post(f"/manage/referrals/{to_a.id}/answer", data=answer)
    assert response.status_code == 302
    referral = status_of(app, to_a.id)
    assert referral.status is S.ACCEPTED and referral.first_reply_at is not None
    with Session(engine(app)) as session:
        last = referring.histories(session, [referral])[referral.id][-1]
    assert (last.set_by, last.user_id) == (StatusSetBy.PROVIDER, people["editor"].id)
    page = client.get("/manage/").text
    assert "is marked accepted" in page


def test_an_editor_declines_with_a_reason_or_is_told_what_is_missing(world):
    app, _, to_a, _ = world
    client = client_for(app, "editor")
    refused = client.post(
        f"/manage/referrals/{to_a.id}/answer", data={"status": "declined", "version": "1"}
    )
    assert refused.status_code == 302
    assert "Choose why the referral is declined" in client.get("/manage/").text
    assert status_of(app, to_a.id).status is S.SENT
    client.post(
        f"/manage/referrals/{to_a.id}/answer",
        data={"status": "declined", "version": "1", "reason_code": "no_capacity"},
    )
    assert status_of(app, to_a.id).status is S.DECLINED


def test_another_organisations_referral_is_not_found_and_unchanged(world):
    app, _, to_a, _ = world
    response = client_for(app, "other_editor").post(
        f"/manage/referrals/{to_a.id}/answer", data={"status": "accepted", "version": "1"}
    )
    assert response.status_code == 404 and "Tuesday Tea" not in response.text
    assert status_of(app, to_a.id).status is S.SENT


def test_a_second_answer_from_an_old_page_is_told_and_changes_nothing(world):
    app, _, to_a, _ = world
    client = client_for(app, "editor")
    client.post(f"/manage/referrals/{to_a.id}/answer", data={"status": "received", "version": "1"})
    client.post(f"/manage/referrals/{to_a.id}/answer", data={"status": "accepted", "version": "1"})
    assert "Someone else changed this referral just now" in client.get("/manage/").text
    assert status_of(app, to_a.id).status is S.RECEIVED


# --- the signed link ----------------------------------------------------------------------


@pytest.fixture
def no_editors(small_app):
    """ORG_A has no editor accounts: only a link worker, with a case and a referral."""
    with Session(engine(small_app), expire_on_commit=False) as session:
        worker = User(email="sam.lw@pcn.example.org", password_hash="x", role=Role.LINK_WORKER)
        session.add(worker)
        session.commit()
    case = make_case(small_app, worker)
    return small_app, worker, case


def link_for(app, referral) -> str:
    with app.test_request_context():
        return f"/referrals/{referral.id}/answer/{referring.link_token(referral)}"


@pytest.mark.live_server
def test_an_organisation_without_editors_is_emailed_a_link_that_answers_one_referral(no_editors):
    app, worker, case = no_editors
    other = make_case(app, worker, reference="LW-7", what_matters="Chess")
    with smtp_server() as box:
        app.config.update(mail_settings(box))
        client = app.test_client()
        client.post("/dev/sign-in", data={"user": str(worker.id)})
        response = client.post(
            f"/link-worker/cases/{case.id}/referrals",
            data={"service_id": str(TEA), "route": "professional", "shared": ["needs", "age"]},
        )
        assert response.status_code == 302, response.text
        refer(app, other, worker, TEA)  # another referral to the same organisation
    (message,) = box.messages
    assert message["To"] == "hello@hydeparkfriends.example.org"
    (link,) = box.links()
    path = re.sub(r"^https?://[^/]+", "", link)
    with Session(engine(app)) as session:
        referral = session.exec(select(Referral).where(Referral.case_id == case.id)).one()
        assert referral.provider_emailed_at is not None
        referral_id = referral.id

    anyone = app.test_client()
    page = anyone.get(path)
    assert page.status_code == 200
    text = main(page.text)
    assert "Tuesday Tea and Chat" in text and "sam.lw@pcn.example.org" in text
    assert "Needs loneliness" in visible(page.text) and "Age 34" in visible(page.text)
    # not shared: the district; never: the case's reference, what matters, the other case
    for hidden in ("LS6", "LW-0042", "LW-7", "Gardening", "Chess"):
        assert hidden not in visible(page.text)
    assert answers(text) == ["accepted", "declined"]  # and "attended" once accepted
    refused = anyone.post(path, data={"status": "received", "version": "1"})
    assert refused.status_code == 302
    assert "From this link you can only" in anyone.get(path).text
    assert status_of(app, referral_id).status is S.SENT
    anyone.post(path, data={"status": "accepted", "version": "1"})
    referral = status_of(app, referral_id)
    assert referral.status is S.ACCEPTED and referral.first_reply_at is not None
    assert answers(anyone.get(path).text) == ["attended"]
    anyone.post(path, data={"status": "attended", "version": "2"})
    assert status_of(app, referral_id).status is S.ATTENDED


def test_without_consent_the_link_shows_only_the_referral_and_its_route(no_editors):
    app, worker, _ = no_editors
    case = make_case(app, worker, consent=False)
    referral = refer(app, case, worker, TEA, route="self_supported")
    text = visible(app.test_client().get(link_for(app, referral)).text)
    assert "Nothing more was shared" in text and "They refer themselves" in text
    for hidden in ("loneliness", "LS6", "Age", "LW-0042", "Gardening"):
        assert hidden not in text


def test_the_link_expires(no_editors):
    app, worker, case = no_editors
    referral = refer(app, case, worker, TEA)
    path = link_for(app, referral)
    later = clock.now().timestamp() + 31 * 86400
    with time_machine.travel(later, tick=False):
        page = app.test_client().get(path)
        assert page.status_code == 404 and "expired" in page.text
        assert "Tuesday Tea" not in page.text
        assert (
            app.test_client().post(path, data={"status": "accepted", "version": "1"}).status_code
            == 404
        )
        app.config["REFERRAL_LINK_DAYS"] = 40  # configurable
        assert app.test_client().get(path).status_code == 200
    assert status_of(app, referral.id).status is S.SENT


def test_a_tampered_borrowed_or_misused_link_opens_nothing(no_editors):
    app, worker, case = no_editors
    first = refer(app, case, worker, TEA)
    second = refer(app, make_case(app, worker, reference="LW-9"), worker, TEA)
    path = link_for(app, first)
    client = app.test_client()
    tampered = path[:-3] + ("aaa" if not path.endswith("aaa") else "bbb")
    assert "not a whole link" in client.get(tampered).text
    borrowed = path.replace(str(first.id), str(second.id))
    page = client.get(borrowed)
    assert page.status_code == 404 and "another referral" in page.text
    with app.test_request_context():
        other_purpose = tokens.make("check", {"r": str(first.id), "o": str(ORG_A)})
        other_org = tokens.make(referring.LINK_PURPOSE, {"r": str(first.id), "o": str(ORG_B)})
    for token in (other_purpose, other_org):
        page = client.get(f"/referrals/{first.id}/answer/{token}")
        assert page.status_code == 404 and "Tuesday Tea" not in page.text
    assert client.post(borrowed, data={"status": "accepted", "version": "1"}).status_code == 404
    assert status_of(app, second.id).status is S.SENT


def test_answering_by_link_needs_the_forms_csrf_token(no_editors, tmp_path):
    app, worker, case = no_editors
    referral = refer(app, case, worker, TEA)
    guarded = make_app(app.config["DATABASE_URL"], tmp_path / "csrf", WTF_CSRF_ENABLED=True)
    try:
        path = link_for(guarded, referral)
        client = guarded.test_client()
        assert client.post(path, data={"status": "accepted", "version": "1"}).status_code == 400
        assert status_of(app, referral.id).status is S.SENT
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)
        answered = client.post(
            path, data={"status": "accepted", "version": "1", "csrf_token": token}
        )
        assert answered.status_code == 302
        assert status_of(app, referral.id).status is S.ACCEPTED
    finally:
        dispose(guarded)
