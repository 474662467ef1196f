"""A link worker's cases: checking what a case may hold (no names, NHS numbers or full
postcodes), safe concurrent edits, closing, reopening and reassigning, the caseload with
what is due, the access log, the pages (owner only; managers read-only and reassign),
matching from a case, and the small things: each role's home after signing in, no field
pre-filled with "None", reasons about the person, and the "free only" box."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import pytest
from sqlmodel import Session, select

from directory import db
from directory.catalogue import seeding
from directory.models import CaseAccess, Role, Shortlist, User
from directory.models.cases import Case, CaseStatus, Referral, ReferralRoute, ReferralStatus
from directory.referrals import cases
from tests.conftest import SMALL_CATALOGUE, dispose, make_app
from tests.test_match_api import add_user

TODAY = date(2026, 12, 7)
GOOD = {
    "reference": "LW-0042",
    "age": 72,
    "postcode": "LS6",
    "needs": ["loneliness"],
    "what_matters": "misses the allotment",
    "consent_to_share": True,
}
FORM = {
    "reference": "LW-0042",
    "age": "72",
    "postcode": "LS6 1BD",
    "needs": ["loneliness"],
    "what_matters": "misses the allotment",
    "consent_to_share": "yes",
}


@pytest.fixture(scope="module")
def app(databases, tmp_path_factory):
    app = make_app(databases.new_migrated(), tmp_path_factory.mktemp("cases"))
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        seeding.seed(session, SMALL_CATALOGUE)
    yield app
    dispose(app)


def session_of(app) -> Session:
    return Session(app.extensions[db.ENGINE_KEY], expire_on_commit=False)


def signed_in(app, role: Role = Role.LINK_WORKER):
    user = add_user(app, f"{role.value}-{uuid.uuid4().hex[:8]}@example.org", role)
    client = app.test_client()
    assert client.post("/dev/sign-in", data={"user": str(user.id)}).status_code == 302
    client.user = user
    return client


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def open_case(app, owner: User, **changes) -> Case:
    with app.app_context(), session_of(app) as session:
        details = cases.read_details({**GOOD, **changes}, today=TODAY)
        return cases.create(session, session.get(User, owner.id), details, today=TODAY)


def case_id_from(response) -> str:
    return response.headers["Location"].rsplit("/", 1)[-1]


# --- what a case may hold ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"reference": ""}, "reference", "Give the case a reference"),
        ({"reference": "x" * 41}, "reference", "40 characters"),
        ({"reference": "943 476 5919"}, "reference", "NHS number"),
        ({"reference": "case 9434765919"}, "reference", "NHS number"),
        ({"reference": "Mrs P, LS6 1BD"}, "reference", "postcode"),
        ({"reference": "pat@example.org"}, "reference", "email"),
        ({"reference": 42}, "reference", "text"),
        ({"age": 121}, "age", "0 to 120"),
        ({"age": -1}, "age", "0 to 120"),
        ({"age": "seventy"}, "age", "whole number"),
        ({"age": True}, "age", "whole number"),
        ({"age_band": "70-80"}, "age_band", "Choose an age band"),
        ({"age_band": "65-74"}, "age_band", "not both"),
        ({"postcode": "ZZ99"}, "postcode", "could not find"),
        ({"postcode": "not a place"}, "postcode", "not a UK"),
        ({"needs": []}, "needs", "at least one need"),
        ({"needs": ["xyzzy"]}, "needs", "We don't know the need"),
        ({"needs": [1]}, "needs", "list of need codes"),
        ({"what_matters": "a" * 1001}, "what_matters", "1,000 characters"),
        ({"consent_to_share": None}, "consent_to_share", "yes or no"),
        ({"consent_to_share": "maybe"}, "consent_to_share", "yes or no"),
        ({"consent_on": "31/02/2026"}, "consent_on", "real date"),
        ({"consent_on": "2027-01-01"}, "consent_on", "future"),
    ],
)
def test_bad_details_get_a_clear_message_for_the_field(app, changes, field, words):
    with app.app_context(), pytest.raises(cases.CaseError) as caught:
        cases.read_details({**GOOD, **changes}, today=TODAY)
    assert words in caught.value.problems[field], caught.value.problems


def test_every_problem_is_named_at_once(app):
    bad = {"reference": "", "age": 500, "needs": [], "consent_to_share": None}
    with app.app_context(), pytest.raises(cases.CaseError) as caught:
        cases.read_details(bad, today=TODAY)
    assert set(caught.value.problems) == {"reference", "age", "needs", "consent_to_share"}


def test_a_full_postcode_is_cut_to_its_district_and_never_kept(app):
    owner = add_user(app, "district@example.org", Role.LINK_WORKER)
    made = open_case(app, owner, postcode="ls6 1bd")
    assert made.postcode_district == "LS6"
    with session_of(app) as session:
        stored = session.get(Case, made.id)
        assert "1BD" not in repr(stored.model_dump()).upper()


def test_an_age_band_instead_of_an_age_and_consent_dated_today_by_default(app):
    with app.app_context():
        details = cases.read_details(
            {**GOOD, "age": None, "age_band": "65-74", "consent_to_share": False}, today=TODAY
        )
    assert (details.age, details.age_band) == (None, "65-74")
    assert details.consent_on == TODAY and details.consent_to_share is False


# --- changing a case safely ----------------------------------------------------------------


def test_an_edit_from_a_stale_copy_changes_nothing(app):
    owner = add_user(app, "stale@example.org", Role.LINK_WORKER)
    made = open_case(app, owner)
    with app.app_context(), session_of(app) as session:
        case = session.get(Case, made.id)
        user = session.get(User, owner.id)
        first = cases.read_details({**GOOD, "what_matters": "first"}, today=TODAY)
        cases.update(session, user, case, first, 1)
        assert case.version == 2 and case.what_matters == "first"
        second = cases.read_details({**GOOD, "what_matters": "second"}, today=TODAY)
        with pytest.raises(cases.StaleCase) as caught:
            cases.update(session, user, case, second, 1)
        assert "Nothing was saved" in str(caught.value)
    with session_of(app) as session:
        stored = session.get(Case, made.id)
        assert (stored.version, stored.what_matters) == (2, "first")


def test_close_needs_a_reason_and_reopen_clears_it(app):
    owner = add_user(app, "closer@example.org", Role.LINK_WORKER)
    made = open_case(app, owner)
    with session_of(app) as session:
        case, user = session.get(Case, made.id), session.get(User, owner.id)
        with pytest.raises(cases.CaseError, match="Choose why"):
            cases.close(session, user, case, "", today=TODAY)
        with pytest.raises(cases.CaseError, match="Say why"):
            cases.close(session, user, case, "other", "  ", today=TODAY)
        assert case.status is CaseStatus.OPEN
        cases.close(session, user, case, "moved_away", today=TODAY)
        assert (case.status, case.closed_on, case.closed_reason) == (
            CaseStatus.CLOSED,
            TODAY,
            "Moved away",
        )
        with pytest.raises(cases.CaseError, match="already closed"):
            cases.close(session, user, case, "moved_away", today=TODAY)
        cases.reopen(session, user, case)
        assert (case.status, case.closed_on, case.closed_reason) == (CaseStatus.OPEN, None, "")


def test_reassign_only_to_an_active_link_worker(app):
    owner = add_user(app, "from@example.org", Role.LINK_WORKER)
    other = add_user(app, "to@example.org", Role.LINK_WORKER)
    editor = add_user(app, "not-a-worker@example.org", Role.EDITOR)
    manager = add_user(app, "boss@example.org", Role.MANAGER)
    made = open_case(app, owner)
    with session_of(app) as session:
        case, boss = session.get(Case, made.id), session.get(User, manager.id)
        for wrong in (editor.id, uuid.uuid4(), "junk", None, owner.id):
            with pytest.raises(cases.CaseError):
                cases.reassign(session, boss, case, wrong)
        assert case.owner_id == owner.id
        cases.reassign(session, boss, case, str(other.id))
        assert case.owner_id == other.id
        logged = session.exec(
            select(CaseAccess).where(CaseAccess.case_id == made.id, CaseAccess.user_id == boss.id)
        ).all()
        assert [a.action for a in logged] == ["reassigned"]


# --- the caseload --------------------------------------------------------------------------


def add_referral(app, case: Case, status: ReferralStatus, follow_up_on: date | None, name: str):
    with session_of(app) as session:
        session.add(
            Referral(
                case_id=case.id,
                service_name=name,
                route=ReferralRoute.PROFESSIONAL,
                status=status,
                follow_up_on=follow_up_on,
            )
        )
        session.commit()


def test_the_caseload_shows_what_is_due_soonest_first(app):
    owner = add_user(app, "caseload@example.org", Role.LINK_WORKER)
    nothing = open_case(app, owner, reference="A nothing due")
    waiting = open_case(app, owner, reference="B waiting")
    wellbeing = open_case(app, owner, reference="C wellbeing")
    follow = open_case(app, owner, reference="D follow up")
    closed = open_case(app, owner, reference="E closed")
    add_referral(app, waiting, ReferralStatus.SENT, TODAY + timedelta(days=10), "Tea")
    add_referral(app, follow, ReferralStatus.ACCEPTED, TODAY - timedelta(days=1), "Walks")
    add_referral(app, follow, ReferralStatus.COMPLETED, TODAY - timedelta(days=30), "Done")
    with session_of(app) as session:
        session.get(Case, wellbeing.id).wellbeing_due_on = TODAY + timedelta(days=3)
        user = session.get(User, owner.id)
        cases.close(session, user, session.get(Case, closed.id), "moved_away", today=TODAY)
        rows = cases.caseload(session, user)
        assert [r.case.reference for r in rows] == [
            "D follow up",
            "C wellbeing",
            "B waiting",
            "A nothing due",
        ]
        assert [d.kind for d in rows[0].due] == ["follow_up"]  # the completed one is not due
        assert rows[0].due[0].text == "Follow up Walks"
        assert rows[2].due[0].text == "Waiting for a reply from Tea"
        assert rows[3].due == [] and nothing.id == rows[3].case.id
        assert [r.case.reference for r in cases.caseload(session, user, "closed")] == ["E closed"]
        assert len(cases.caseload(session, user, "all")) == 5
        # another link worker's cases are never on it
        other = add_user(app, "elsewhere@example.org", Role.LINK_WORKER)
        assert cases.caseload(session, session.get(User, other.id), "all") == []


def test_the_caseload_page_lists_due_items_first_and_filters_by_status(app):
    client = signed_in(app)
    open_case(app, client.user, reference="Quiet one")
    due = open_case(app, client.user, reference="Due one")
    add_referral(app, due, ReferralStatus.RECEIVED, date(2020, 1, 1), "Tea")
    page = text_of(client.get("/link-worker/cases"))
    assert page.index("Due one") < page.index("Quiet one")
    assert "Overdue" in page and "Waiting for a reply from Tea" in page
    assert "Quiet one" not in text_of(client.get("/link-worker/cases?status=closed"))


# --- the pages -----------------------------------------------------------------------------


def test_a_new_case_with_problems_is_refused_and_nothing_is_made(app):
    client = signed_in(app)
    response = client.post("/link-worker/cases/new", data={**FORM, "reference": "943 476 5919"})
    assert response.status_code == 400
    page = text_of(response)
    assert "There is a problem" in page and "looks like an NHS number" in page
    with session_of(app) as session:
        assert not session.exec(select(Case).where(Case.owner_id == client.user.id)).all()


def test_a_new_case_is_opened_and_its_page_logs_each_view(app):
    client = signed_in(app)
    response = client.post("/link-worker/cases/new", data=FORM)
    assert response.status_code == 302, text_of(response)
    case_id = case_id_from(response)
    page = text_of(client.get(f"/link-worker/cases/{case_id}"))
    assert "LW-0042" in page and "LS6" in page and "1BD" not in page
    assert "Sensitive" in page and "misses the allotment" in page
    client.get(f"/link-worker/cases/{case_id}")
    with session_of(app) as session:
        logged = session.exec(
            select(CaseAccess).where(CaseAccess.case_id == uuid.UUID(case_id))
        ).all()
    assert [a.action for a in logged] == ["created", "viewed", "viewed"]
    assert {a.user_id for a in logged} == {client.user.id}


def test_another_link_workers_case_is_not_found(app):
    owner = signed_in(app)
    made = open_case(app, owner.user, reference="Private")
    intruder = signed_in(app)
    for path in ("", "/edit", "/close", "/match"):
        response = intruder.get(f"/link-worker/cases/{made.id}{path}")
        assert response.status_code == 404, path
        assert "Private" not in response.get_data(as_text=True)
    for path in ("/edit", "/close", "/reopen"):
        assert intruder.post(f"/link-worker/cases/{made.id}{path}", data=FORM).status_code == 404
    response = intruder.post("/link-worker/match", data={**FORM, "case_id": str(made.id)})
    assert response.status_code == 404


def test_an_edit_from_an_old_form_gets_a_clear_message_and_keeps_what_was_typed(app):
    client = signed_in(app)
    made = open_case(app, client.user)
    form = {**FORM, "version": "1"}
    first = client.post(
        f"/link-worker/cases/{made.id}/edit", data={**form, "what_matters": "first edit"}
    )
    assert first.status_code == 302
    second = client.post(
        f"/link-worker/cases/{made.id}/edit", data={**form, "what_matters": "second edit"}
    )
    assert second.status_code == 409
    page = text_of(second)
    assert "Someone else changed this case" in page and "second edit" in page
    assert 'name="version" value="2"' in page  # saving again goes over the case as it is now
    with session_of(app) as session:
        assert session.get(Case, made.id).what_matters == "first edit"
    again = client.post(
        f"/link-worker/cases/{made.id}/edit",
        data={**form, "version": "2", "what_matters": "second edit"},
    )
    assert again.status_code == 302


def test_closing_and_reopening_from_the_pages(app):
    client = signed_in(app)
    made = open_case(app, client.user)
    refused = client.post(f"/link-worker/cases/{made.id}/close", data={"reason": "other"})
    assert refused.status_code == 400 and "Say why" in text_of(refused)
    done = client.post(f"/link-worker/cases/{made.id}/close", data={"reason": "support_complete"})
    assert done.status_code == 302
    assert "Support finished" in text_of(client.get(f"/link-worker/cases/{made.id}"))
    assert client.post(f"/link-worker/cases/{made.id}/reopen").status_code == 302
    with session_of(app) as session:
        assert session.get(Case, made.id).status is CaseStatus.OPEN


# --- matching from a case ------------------------------------------------------------------


def test_find_services_fills_the_form_from_the_case_and_the_shortlist_belongs_to_it(app):
    client = signed_in(app)
    made = open_case(app, client.user, what_matters="likes a cuppa")
    page = client.get(f"/link-worker/cases/{made.id}/match").get_data(as_text=True)
    assert 'name="age" type="text" value="72"' in page or 'value="72"' in page
    assert 'value="LS6"' in page and "likes a cuppa</textarea>" in page
    assert re.search(r'value="loneliness"\s+checked', page)
    assert f'name="case_id" value="{made.id}"' in page
    results = client.post(
        "/link-worker/match",
        data={"age": "72", "postcode": "LS6", "needs": "loneliness", "case_id": str(made.id)},
    )
    assert results.status_code == 200
    service = re.search(r'name="service" type="checkbox" value="([^"]+)"', results.text).group(1)
    added = client.post(
        "/link-worker/shortlists/add",
        data={"service": service, "shortlist": "new", "label": "", "case_id": str(made.id)},
    )
    assert added.status_code == 302
    with session_of(app) as session:
        made_list = session.exec(select(Shortlist).where(Shortlist.case_id == made.id)).one()
    assert made_list.label == "LW-0042" and made_list.owner_id == client.user.id
    assert "LW-0042" in text_of(client.get(f"/link-worker/cases/{made.id}"))


def test_matching_without_a_case_can_save_one(app):
    client = signed_in(app)
    form = {"age": "72", "postcode": "LS6 1BD", "needs": "loneliness", "text": "bowls"}
    results = client.post("/link-worker/match", data=form).get_data(as_text=True)
    assert "Save as a case" in results
    page = client.post("/link-worker/cases/from-match", data=form).get_data(as_text=True)
    assert "Open a new case" in page and 'value="72"' in page and "bowls</textarea>" in page
    assert re.search(r'value="loneliness"\s+checked', page)


# --- managers: supervision and handover ----------------------------------------------------


def test_managers_see_every_caseload_read_only_and_reassign(app):
    worker = signed_in(app)
    other = signed_in(app)
    made = open_case(app, worker.user, reference="Handover")
    manager = signed_in(app, Role.MANAGER)
    overview = text_of(manager.get("/manage/caseloads"))
    assert worker.user.email in overview and "Handover" in overview
    page = text_of(manager.get(f"/manage/caseloads/{made.id}"))
    assert "read-only" in page and "Handover" in page
    assert "Change the details" not in page and "Find services" not in page
    bad = manager.post(f"/manage/caseloads/{made.id}/reassign", data={"owner": "junk"})
    assert bad.status_code == 400 and "Choose a link worker" in text_of(bad)
    moved = manager.post(
        f"/manage/caseloads/{made.id}/reassign", data={"owner": str(other.user.id)}
    )
    assert moved.status_code == 302
    assert worker.get(f"/link-worker/cases/{made.id}").status_code == 404
    assert other.get(f"/link-worker/cases/{made.id}").status_code == 200
    with session_of(app) as session:
        actions = [
            a.action
            for a in session.exec(
                select(CaseAccess).where(CaseAccess.case_id == made.id).order_by(CaseAccess.at)  # type: ignore[arg-type]
            ).all()
        ]
    assert actions[:3] == ["created", "viewed", "reassigned"]
    # link workers and editors may not supervise
    assert worker.get("/manage/caseloads").status_code == 403
    assert signed_in(app, Role.EDITOR).get(f"/manage/caseloads/{made.id}").status_code == 403


# --- the small things ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "home"),
    [
        ("linkworker", "/link-worker/cases"),
        ("editor", "/manage/"),
        ("manager", "/manage/"),
        ("admin", "/manage/"),
    ],
)
def test_after_signing_in_each_role_lands_on_its_home(small_app, who, home):
    from accounts_helpers import add_people, sign_in

    add_people(small_app)
    client = small_app.test_client()
    response = sign_in(client, who)
    assert response.status_code == 302
    assert response.headers["Location"] == home
    assert client.get(home).status_code == 200  # never "You cannot see this page"


def test_the_development_sign_in_lands_each_role_on_its_home(app):
    manager = add_user(app, f"m-{uuid.uuid4().hex[:6]}@example.org", Role.MANAGER)
    client = app.test_client()
    form = client.get("/dev/sign-in").get_data(as_text=True)
    assert 'name="next" value=""' in form
    response = client.post("/dev/sign-in", data={"user": str(manager.id), "next": ""})
    assert response.headers["Location"] == "/manage/"


def test_no_form_field_is_ever_filled_with_none(app):
    client = signed_in(app)
    for path in ("/link-worker/match", "/link-worker/cases/new"):
        page = client.get(path).get_data(as_text=True)
        assert ">None<" not in page and 'value="None"' not in page, path
    with app.app_context():
        rendered = app.jinja_env.from_string("[{{ nothing }}][{{ form.get('x') }}]").render(
            nothing=None, form={}
        )
    assert rendered == "[][]"


def test_reasons_on_the_link_workers_page_speak_about_the_person(app):
    client = signed_in(app)
    page = text_of(
        client.post(
            "/link-worker/match", data={"age": "72", "postcode": "LS6 1BD", "needs": "loneliness"}
        )
    )
    assert "they are 72" in page
    assert "you are 72" not in page and "I can refer you" not in page


def test_the_free_only_box_leaves_out_services_with_a_charge(app):
    client = signed_in(app)
    form = {"age": "40", "postcode": "LS6 1BD", "needs": "money_debt"}
    without = client.post("/link-worker/match", data=form).get_data(as_text=True)
    with_box = client.post("/link-worker/match", data={**form, "free_only": "1"})
    suggested = with_box.get_data(as_text=True).split('id="excluded"')[0]
    excluded = text_of(with_box).split("Not suggested, and why")[1]
    assert "there is a charge, and they want free services only" in excluded
    assert "Money Worries Clinic" not in suggested
    assert "there is a charge, and they want free services only" not in without
    # the box stays ticked on the page of results
    assert re.search(r'name="free_only" type="checkbox" value="1"\s+checked', with_box.text)


def test_the_case_page_shows_what_is_due_on_it(app):
    client = signed_in(app)
    made = open_case(app, client.user)
    add_referral(app, made, ReferralStatus.ACCEPTED, date(2020, 1, 2), "Walks")
    with session_of(app) as session:
        session.get(Case, made.id).wellbeing_due_on = date(2099, 1, 1)
        session.commit()
    page = re.sub(r"<[^>]+>", "", text_of(client.get(f"/link-worker/cases/{made.id}")))
    assert "Follow up Walks: Overdue 2 January 2020" in page
    assert "Wellbeing check due: 1 January 2099" in page


def test_a_case_whose_words_say_they_are_in_danger_shows_urgent_help_first(app):
    client = signed_in(app)
    calm = case_id_from(client.post("/link-worker/cases/new", data=FORM))
    assert "If someone is hurting you" not in text_of(client.get(f"/link-worker/cases/{calm}"))
    words = {**FORM, "reference": "LW-0043", "what_matters": "my boyfriend hits me"}
    danger = case_id_from(client.post("/link-worker/cases/new", data=words))
    page = text_of(client.get(f"/link-worker/cases/{danger}"))
    assert page.index("If someone is hurting you") < page.index("Find services")
