"""Step up and step back in the same loop: a step-up referral back to the GP practice or the
mental health practitioner, or to a specialist pathway listing, walks the one status flow,
shows on the case (with urgent help for an urgent one, never a triage), first on the
caseload and in the summary for the GP; the specialist team a person is already known to is
shown first; the purge clears both. Pages and the API, on SQLite and PostgreSQL."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
from accounts_helpers import LINE, TEA, add_people, client_for
from fhir.resources.R4B.servicerequest import ServiceRequest
from referrals_helpers import engine, make_case, refer
from sqlmodel import Session, select

from directory import clock
from directory.accounts import api_tokens
from directory.models import (
    Case,
    CaseStatus,
    Referral,
    ReferralKind,
    ReferralStatus,
    Service,
    User,
)
from directory.referrals import retention, stepping_up
from directory.referrals.referring import ReferralError

S = ReferralStatus


def text_of(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


@pytest.fixture
def world(small_app):
    people = add_people(small_app)
    case = make_case(small_app, people["linkworker"])
    return small_app, people, case, client_for(small_app, "linkworker")


def referrals_of(app, case) -> list[Referral]:
    with Session(engine(app), expire_on_commit=False) as session:
        statement = select(Referral).where(Referral.case_id == case.id)
        return list(session.exec(statement).all())


def make_pathway(app, service_id, *, routes=("professional",), pathway="talking_therapies"):
    """Make a listed service of the small catalogue a specialist pathway listing."""
    with Session(engine(app)) as session:
        service = session.get(Service, service_id)
        service.pathway = pathway
        service.set_referral_routes(routes)
        session.add(service)
        session.commit()


def post_team(client, app, case, data):
    """Send the known-team form as the case page would: over the case's current version."""
    with Session(engine(app)) as session:
        version = session.get(Case, case.id).version
    return client.post(
        f"/link-worker/cases/{case.id}/known-team", data={"version": str(version), **data}
    )


URGENT_GP = {
    "target": "gp",
    "urgency": "urgent",
    "reason": "Low mood much worse this week; not sleeping.",
}


def test_an_urgent_step_up_to_the_gp_walks_the_status_flow_and_shows_urgent_help(world):
    app, _, case, client = world
    response = client.post(f"/link-worker/cases/{case.id}/step-up", data=URGENT_GP)
    assert response.status_code == 302, response.text
    (referral,) = referrals_of(app, case)
    assert referral.kind is ReferralKind.STEP_UP and referral.status is S.SENT
    assert (referral.service_name, referral.step_up_to, referral.urgency) == (
        "GP practice",
        "gp",
        "urgent",
    )
    assert referral.service_id is None and referral.organization_id is None
    assert referral.reason == URGENT_GP["reason"]
    # urgent: the next working day
    assert referral.follow_up_on == stepping_up.next_working_day(clock.today())
    page = text_of(client.get(f"/link-worker/cases/{case.id}"))
    assert "Step-up (urgent) to GP practice recorded." in page
    assert "Step-up to GP practice" in page and "Why: Low mood much worse" in page
    assert 'id="urgent-help"' in page  # the one urgent help panel
    assert "Signpost has not assessed or triaged them" in page
    assert "Recording it here does not send it" in page  # the hazard log's H07
    # the same status flow as every referral, recorded by the link worker
    version = 1
    for status, by in (("received", "provider"), ("accepted", "provider"), ("attended", "person")):
        client.post(
            f"/link-worker/cases/{case.id}/referrals/{referral.id}/status",
            data={"status": status, "by": by, "version": str(version)},
        )
        version += 1
        assert referrals_of(app, case)[0].status is S(status)
    refused = client.post(
        f"/link-worker/cases/{case.id}/referrals/{referral.id}/status",
        data={"status": "declined", "reason_code": "other", "reason": "x", "version": "4"},
    )
    assert refused.status_code == 302 and referrals_of(app, case)[0].status is S.ATTENDED
    client.post(
        f"/link-worker/cases/{case.id}/referrals/{referral.id}/status",
        data={"status": "completed", "version": "4"},
    )
    assert referrals_of(app, case)[0].status is S.COMPLETED
    # once it has ended, the case no longer shows urgent help for it
    assert 'id="urgent-help"' not in text_of(client.get(f"/link-worker/cases/{case.id}"))


def test_a_routine_step_up_shows_no_urgent_help(world):
    app, _, case, client = world
    data = {**URGENT_GP, "target": "mhp", "urgency": "routine"}
    assert client.post(f"/link-worker/cases/{case.id}/step-up", data=data).status_code == 302
    (referral,) = referrals_of(app, case)
    assert referral.service_name == "Mental health practitioner"
    assert referral.follow_up_on == clock.today() + timedelta(
        days=app.config["REFERRAL_FOLLOW_UP_DAYS"]
    )
    page = text_of(client.get(f"/link-worker/cases/{case.id}"))
    assert "Step-up to Mental health practitioner" in page and "Routine" in page
    assert 'id="urgent-help"' not in page


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({**URGENT_GP, "target": ""}, "target", "Choose who to step them up to"),
        ({**URGENT_GP, "target": "police"}, "target", "Choose who to step them up to"),
        ({**URGENT_GP, "urgency": "soon"}, "urgency", "routine or urgent"),
        ({**URGENT_GP, "reason": "  "}, "reason", "Say why you are stepping them up"),
        ({**URGENT_GP, "reason": "x" * 501}, "reason", "500 characters or fewer"),
        ({**URGENT_GP, "reason": "NHS no 943 476 5919"}, "reason", "looks like an NHS number"),
        ({**URGENT_GP, "target": "service", "service_id": str(TEA)}, "service_id", "specialist"),
    ],
)
def test_bad_step_ups_say_what_to_fix_and_change_nothing(world, data, field, words):
    app, _, case, client = world
    response = client.post(f"/link-worker/cases/{case.id}/step-up", data=data)
    assert response.status_code == 400
    page = text_of(response)
    assert words in page and f'href="#step-up-{field.replace("_", "-")}"' in page
    assert page.count("<title>Error:") == 1
    assert referrals_of(app, case) == []


def test_a_step_up_to_a_specialist_listing_needs_a_self_or_professional_route(world):
    app, _, case, client = world
    make_pathway(app, LINE, routes=("professional",))
    page = text_of(client.get(f"/link-worker/cases/{case.id}"))
    options = page.split('id="step-up-service-id"')[1].split("</select>")[0]
    assert "Evening Listening Line" in options and "Tuesday Tea" not in options
    data = {**URGENT_GP, "target": "service", "service_id": str(LINE), "urgency": "routine"}
    assert client.post(f"/link-worker/cases/{case.id}/step-up", data=data).status_code == 302
    (referral,) = referrals_of(app, case)
    assert referral.service_id == LINE and referral.organization_id is not None
    assert referral.route.value == "professional" and referral.step_up_to == ""
    # a pathway listing reached only through the GP: not offered, and refused if sent
    make_pathway(app, LINE, routes=("gp",))
    assert client.post(f"/link-worker/cases/{case.id}/step-up", data=data).status_code == 400
    assert len(referrals_of(app, case)) == 1


def test_a_closed_case_cannot_be_stepped_up(world):
    app, _, case, client = world
    with Session(engine(app)) as session:
        found = session.get(Case, case.id)
        found.status = CaseStatus.CLOSED
        session.add(found)
        session.commit()
    response = client.post(f"/link-worker/cases/{case.id}/step-up", data=URGENT_GP)
    assert response.status_code == 400 and referrals_of(app, case) == []


def test_another_link_workers_case_is_not_found_and_nobody_else_may_step_up(world):
    app, people, case, _ = world
    for who, status in (("mhp", 404), ("editor", 403), ("manager", 403)):
        client = client_for(app, who)
        response = client.post(f"/link-worker/cases/{case.id}/step-up", data=URGENT_GP)
        assert response.status_code == status, who
    anonymous = app.test_client().post(f"/link-worker/cases/{case.id}/step-up", data=URGENT_GP)
    assert anonymous.status_code == 302 and "/sign-in" in anonymous.headers["Location"]
    assert referrals_of(app, case) == []


def test_the_caseload_puts_urgent_step_ups_first_and_shows_the_known_team(world):
    app, people, case, client = world
    # another case with something due sooner, but nothing urgent
    sooner = make_case(app, people["linkworker"], reference="LW-SOON")
    with Session(engine(app)) as session:
        found = session.get(Case, sooner.id)
        found.wellbeing_due_on = clock.today() - timedelta(days=3)  # overdue
        session.add(found)
        session.commit()
    page = text_of(client.get("/link-worker/cases"))
    assert page.index("LW-SOON") < page.index("LW-0042")
    client.post(f"/link-worker/cases/{case.id}/step-up", data=URGENT_GP)
    post_team(
        client,
        app,
        case,
        data={"known_team": "Leeds Early Intervention Team", "known_team_contact": "0113 496 0999"},
    )
    page = text_of(client.get("/link-worker/cases"))
    assert page.index("LW-0042") < page.index("LW-SOON")
    row = page.split("LW-0042")[1].split("LW-SOON")[0]
    assert "Urgent step-up" in row
    assert "Known to Leeds Early Intervention Team: 0113 496 0999" in row


def test_the_known_team_is_shown_first_on_the_case(world):
    app, people, case, client = world
    make_pathway(app, LINE, pathway="early_intervention_psychosis")
    response = post_team(
        client,
        app,
        case,
        data={
            "known_team": "Leeds Early Intervention Team",
            "known_team_service_id": str(LINE),
            "known_team_contact": "Duty line 0113 496 0999, 9am to 5pm weekdays",
        },
    )
    assert response.status_code == 302
    client.post(f"/link-worker/cases/{case.id}/step-up", data=URGENT_GP)
    page = text_of(client.get(f"/link-worker/cases/{case.id}"))
    first = page.index("Known to Leeds Early Intervention Team")
    assert page.index("<h1>") < first < page.index('id="urgent-help"')
    assert first < page.index("Find services") and first < page.index("Reference</dt>")
    assert "Duty contact:</strong> Duty line 0113 496 0999, 9am to 5pm weekdays" in page
    assert f'href="/services/{LINE}"' in page
    # the manager supervising the caseload sees it first too
    manager_page = text_of(client_for(app, "manager").get(f"/manage/caseloads/{case.id}"))
    assert "Known to Leeds Early Intervention Team" in manager_page
    # an empty team's name clears it
    post_team(client, app, case, data={"known_team": ""})
    with Session(engine(app)) as session:
        found = session.get(Case, case.id)
        assert (found.known_team, found.known_team_contact) == ("", "")
        assert found.known_team_service_id is None


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"known_team": "CMHT, NHS 943 476 5919"}, "looks like an NHS number"),
        ({"known_team": "x" * 121}, "120 characters or fewer"),
        ({"known_team": "", "known_team_contact": "0113 496 0999"}, "Give the team's name"),
        ({"known_team": "CMHT", "known_team_service_id": str(TEA)}, "Choose the team's listing"),
        ({"known_team": "CMHT", "known_team_contact": "9434765919"}, "looks like an NHS number"),
    ],
)
def test_a_bad_known_team_says_what_to_fix_and_changes_nothing(world, data, words):
    app, _, case, client = world
    response = post_team(client, app, case, data=data)
    assert response.status_code == 400
    page = text_of(response)
    assert words in page and "<title>Error: Case LW-0042" in page
    with Session(engine(app)) as session:
        found = session.get(Case, case.id)
        assert (found.known_team, found.known_team_contact, found.version) == ("", "", 1)


def test_the_summary_for_the_gp_includes_the_step_up_and_the_known_team(world):
    app, _, case, client = world
    client.post(f"/link-worker/cases/{case.id}/step-up", data=URGENT_GP)
    post_team(
        client,
        app,
        case,
        data={"known_team": "Community Mental Health Team", "known_team_contact": "0113 496 0888"},
    )
    page = text_of(client.get(f"/link-worker/cases/{case.id}/gp-summary"))
    assert "Stepped up (back to the GP, the mental health practitioner" in page
    section = page.split("Stepped up (back to the GP")[1]
    assert "GP practice" in section and "Urgent: Low mood much worse this week" in section
    assert "Sent" in section and "has not assessed or triaged" in section
    assert "Already known to a specialist team" in page
    assert "Community Mental Health Team. Duty contact: 0113 496 0888" in page


def test_the_purge_clears_the_step_up_reason_and_the_known_team(world):
    app, _, case, client = world
    make_pathway(app, LINE)
    client.post(f"/link-worker/cases/{case.id}/step-up", data=URGENT_GP)
    post_team(
        client,
        app,
        case,
        data={
            "known_team": "Leeds Early Intervention Team",
            "known_team_service_id": str(LINE),
            "known_team_contact": "0113 496 0999",
        },
    )
    with Session(engine(app)) as session:
        found = session.get(Case, case.id)
        found.status, found.closed_on = CaseStatus.CLOSED, clock.today() - timedelta(days=800)
        session.add(found)
        session.commit()
    result = app.test_cli_runner().invoke(args=["purge-expired"])
    assert result.exit_code == 0 and "cleared the personal fields of 1" in result.output
    with Session(engine(app)) as session:
        found = session.get(Case, case.id)
        assert found.known_team == "" and found.known_team_contact == ""
        assert found.known_team_service_id is None and found.personal_cleared_at is not None
        (referral,) = session.exec(select(Referral).where(Referral.case_id == case.id)).all()
        assert referral.reason == ""  # the link worker's words go
        # what reports count stays
        assert referral.kind is ReferralKind.STEP_UP and referral.urgency == "urgent"
    assert found.reference == retention.CLEARED_REFERENCE


def test_a_mental_health_practitioner_has_a_caseload_and_steps_up_too(world):
    app, people, _, _ = world
    client = app.test_client()
    from accounts_helpers import sign_in

    landed = sign_in(client, "mhp")
    assert landed.status_code == 302 and landed.headers["Location"].endswith("/link-worker/cases")
    theirs = make_case(app, people["mhp"], reference="MHP-7")
    response = client.post(f"/link-worker/cases/{theirs.id}/step-up", data=URGENT_GP)
    assert response.status_code == 302
    assert referrals_of(app, theirs)[0].created_by_id == people["mhp"].id


# --- the API ---------------------------------------------------------------------------


def bearer(app, user: User) -> dict[str, str]:
    with Session(engine(app)) as session:
        token = api_tokens.create_token(session, session.get(User, user.id), "step-up")
    return {"Authorization": f"Bearer {token}"}


def test_the_api_makes_a_step_up_that_walks_the_status_flow(world):
    app, people, case, _ = world
    client = app.test_client()
    headers = bearer(app, people["linkworker"])
    url = f"/api/v1/cases/{case.id}/referrals"
    body = {"kind": "step_up", **URGENT_GP}
    made = client.post(url, json=body, headers=headers)
    assert made.status_code == 201, made.text
    answer = made.get_json()
    assert answer["kind"] == "step_up" and answer["status"] == "sent"
    assert answer["step_up"] == {
        "target": "gp",
        "urgency": "urgent",
        "reason": URGENT_GP["reason"],
    }
    assert answer["service_name"] == "GP practice" and answer["service_id"] is None
    rid = answer["id"]
    moved = client.post(f"{url}/{rid}/status", json={"status": "received"}, headers=headers)
    assert moved.status_code == 200 and moved.get_json()["status"] == "received"
    impossible = client.post(f"{url}/{rid}/status", json={"status": "completed"}, headers=headers)
    assert impossible.status_code == 409
    fhir = client.get(f"{url}/{rid}?format=fhir", headers=headers).get_json()
    request = ServiceRequest.model_validate(fhir["entry"][0]["resource"])
    assert request.priority == "urgent" and request.code.text == "Step-up to GP practice"
    assert request.reasonCode[0].text == URGENT_GP["reason"]
    # a pathway listing by id
    make_pathway(app, LINE, routes=("self",))
    listed = client.post(
        url,
        json={
            "kind": "step_up",
            "target": "service",
            "service_id": str(LINE),
            "urgency": "routine",
            "reason": "Wants talking therapy.",
        },
        headers=headers,
    )
    assert listed.status_code == 201, listed.text
    assert listed.get_json()["route"] == "self_supported"
    assert listed.get_json()["step_up"]["target"] == "service"
    # the case shows both
    whole = client.get(f"/api/v1/cases/{case.id}", headers=headers).get_json()
    assert [r["kind"] for r in whole["referrals"]] == ["step_up", "step_up"]


def test_the_api_names_each_problem_with_a_step_up_and_changes_nothing(world):
    app, people, case, _ = world
    client = app.test_client()
    headers = bearer(app, people["linkworker"])
    url = f"/api/v1/cases/{case.id}/referrals"
    answer = client.post(
        url, json={"kind": "step_up", "target": "ward", "urgency": "now"}, headers=headers
    )
    assert answer.status_code == 400
    fields = answer.get_json()["problems"]
    assert set(fields) == {"target", "urgency", "reason"}
    wrong_kind = client.post(url, json={"kind": "sideways"}, headers=headers)
    assert wrong_kind.status_code == 400 and "kind" in wrong_kind.get_json()["problems"]
    assert referrals_of(app, case) == []
    # an editor's token cannot be made; an editor signed in is refused
    editor = client_for(app, "editor")
    assert editor.post(url, json={"kind": "step_up", **URGENT_GP}).status_code == 403


def test_the_api_shows_the_known_team_on_the_case(world):
    app, people, case, client = world
    post_team(
        client,
        app,
        case,
        data={"known_team": "CMHT North", "known_team_contact": "0113 496 0777"},
    )
    headers = bearer(app, people["linkworker"])
    found = app.test_client().get(f"/api/v1/cases/{case.id}", headers=headers).get_json()
    assert found["known_team"] == {
        "name": "CMHT North",
        "service_id": None,
        "duty_contact": "0113 496 0777",
    }
    other = make_case(app, people["linkworker"], reference="LW-NONE")
    none = app.test_client().get(f"/api/v1/cases/{other.id}", headers=headers).get_json()
    assert none["known_team"] is None


def test_the_openapi_document_describes_the_step_up():
    from directory.web.api import openapi

    body = openapi.STEP_UP_REFERRAL
    assert set(body["required"]) == {"kind", "target", "reason", "urgency"}
    assert body["properties"]["urgency"]["enum"] == ["routine", "urgent"]
    assert body["properties"]["target"]["enum"] == ["gp", "mhp", "service"]
    assert "step_up" in openapi.REFERRAL["properties"]
    assert "known_team" in openapi.CASE["properties"]
    post = openapi.document("http://localhost")["paths"]["/cases/{id}/referrals"]["post"]
    schema = post["requestBody"]["content"]["application/json"]["schema"]
    assert schema["oneOf"] == [openapi.COMMUNITY_REFERRAL, body]


def test_the_persons_plan_says_what_happens_after_a_step_up(world):
    app, _, case, client = world
    client.post(f"/link-worker/cases/{case.id}/step-up", data=URGENT_GP)
    client.post(
        f"/link-worker/cases/{case.id}/step-up",
        data={**URGENT_GP, "target": "mhp", "urgency": "routine"},
    )
    plan = text_of(client.get(f"/link-worker/cases/{case.id}/plan"))
    assert "asked your GP practice to contact you soon" in plan
    assert "by the next working day, contact them yourself" in plan
    assert "asked the mental health practitioner at your practice to contact you." in plan
    assert URGENT_GP["reason"] not in plan  # the reason is for professionals, not the plan


def test_a_step_up_to_a_service_they_refer_themselves_to_tells_them_to_contact_it(world):
    app, _, case, client = world
    make_pathway(app, LINE, routes=("self",))
    data = {**URGENT_GP, "target": "service", "service_id": str(LINE)}
    assert client.post(f"/link-worker/cases/{case.id}/step-up", data=data).status_code == 302
    (referral,) = referrals_of(app, case)
    assert referral.route.value == "self_supported"
    plan = text_of(client.get(f"/link-worker/cases/{case.id}/plan"))
    assert "yourself today, using the details here" in plan
    assert "to contact you" not in plan  # nobody was asked to call them


def test_an_urgent_step_up_is_followed_up_the_next_working_day():
    assert stepping_up.next_working_day(date(2026, 12, 11)) == date(2026, 12, 14)  # Fri: Mon
    assert stepping_up.next_working_day(date(2026, 12, 24)) == date(2026, 12, 29)  # bank hols
    assert stepping_up.next_working_day(date(2026, 12, 8)) == date(2026, 12, 9)


def test_a_pathway_listing_is_referred_only_by_a_route_it_takes(world):
    app, people, case, client = world
    make_pathway(app, LINE, routes=("gp", "mhp"))
    with pytest.raises(ReferralError) as refused:
        refer(app, case, people["linkworker"], LINE, route="professional")
    assert "record a step-up from the case instead" in refused.value.problems["route"]
    assert referrals_of(app, case) == []


@pytest.mark.parametrize("field", ["kind", "route", "urgency", "target"])
def test_the_api_refuses_a_list_or_an_object_where_a_word_belongs(world, field):
    app, people, case, _ = world
    body: dict = {"service_id": str(TEA), "route": "professional", field: ["urgent"]}
    if field in ("urgency", "target"):
        body = {"kind": "step_up", "target": "gp", "urgency": "urgent", "reason": "x", field: {}}
    answer = app.test_client().post(
        f"/api/v1/cases/{case.id}/referrals",
        json=body,
        headers=bearer(app, people["linkworker"]),
    )
    assert answer.status_code == 400, answer.get_data(as_text=True)
    assert referrals_of(app, case) == []


def test_two_people_noting_a_known_team_at_once_lose_nothing(world):
    app, _, case, client = world
    url = f"/link-worker/cases/{case.id}/known-team"
    old = str(case.version)
    first = client.post(url, data={"version": old, "known_team": "Leeds EIP Team"})
    assert first.status_code == 302
    second = client.post(url, data={"version": old, "known_team": "Inner East CMHT"})
    assert second.status_code == 409
    page = text_of(second)
    assert "Someone else changed this case" in page and "Inner East CMHT" in page  # kept
    with Session(engine(app)) as session:
        assert session.get(Case, case.id).known_team == "Leeds EIP Team"
    missing = client.post(url, data={"known_team": "Inner East CMHT"})
    assert missing.status_code == 400
