"""The referral API: POST /api/v1/cases/{id}/referrals, POST .../referrals/{rid}/status and
GET .../referrals/{rid} (?format=fhir: a FHIR R4 Bundle, validated with fhir.resources), over
real HTTP; who may call it, as for /api/v1/match; bad input and impossible steps."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

import pytest
from accounts_helpers import LINE, ORG_A, TEA
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.task import Task
from referrals_helpers import engine, make_case, referral_at
from sqlmodel import Session

from directory.accounts import api_tokens
from directory.catalogue import seeding
from directory.models import ApiToken, Referral, ReferralStatus, Role, User
from tests.conftest import SMALL_CATALOGUE, dispose, make_app
from tests.test_match_api import add_user, token_for

S = ReferralStatus
# FHIR R4 Task.status and ServiceRequest.status code sets (required bindings), written out:
# the models check a code's shape, not its value set.
TASK_STATUSES = {
    "draft",
    "requested",
    "received",
    "accepted",
    "rejected",
    "ready",
    "cancelled",
    "in-progress",
    "on-hold",
    "failed",
    "completed",
    "entered-in-error",
}
REQUEST_STATUSES = {
    "draft",
    "active",
    "on-hold",
    "revoked",
    "completed",
    "entered-in-error",
    "unknown",
}
TASK_STATUS_OF = {
    S.SENT: "requested",
    S.RECEIVED: "received",
    S.ACCEPTED: "accepted",
    S.DECLINED: "rejected",
    S.ATTENDED: "in-progress",
    S.DID_NOT_ATTEND: "on-hold",
    S.COMPLETED: "completed",
    S.CANCELLED: "cancelled",
}


@pytest.fixture(scope="module")
def api_app(databases, tmp_path_factory):
    """The small catalogue, two link workers (one with a token), an editor and a manager."""
    app = make_app(databases.new_migrated(), tmp_path_factory.mktemp("referrals-api"))
    with Session(engine(app)) as session:
        seeding.seed(session, SMALL_CATALOGUE)
    for key, email, role in (
        ("worker", "lw@example.org", Role.LINK_WORKER),
        ("colleague", "lw2@example.org", Role.LINK_WORKER),
        ("editor", "ed@example.org", Role.EDITOR),
        ("manager", "mgr@example.org", Role.MANAGER),
    ):
        app.config[key] = add_user(app, email, role)
    app.config["token"] = token_for(app, app.config["worker"])
    app.config["colleague_token"] = token_for(app, app.config["colleague"])
    yield app
    dispose(app)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def validated(bundle: dict) -> tuple[ServiceRequest, Task]:
    """The ServiceRequest and Task of a Bundle, each validated as FHIR R4(B)."""
    parsed = Bundle.model_validate(bundle)
    assert parsed.type == "collection"
    request, task = (entry["resource"] for entry in bundle["entry"])
    return ServiceRequest.model_validate(request), Task.model_validate(task)


@pytest.mark.live_server
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_over_real_http_a_link_worker_refers_the_provider_answers_and_fhir_validates(
    api_app, live_server
):
    case = make_case(api_app, api_app.config["worker"])
    token = api_app.config["token"]

    def call(method: str, path: str, body: object = None) -> tuple[int, dict, str]:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json", **bearer(token)}
        request = urllib.request.Request(base + path, data, headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return (
                    response.status,
                    json.loads(response.read()),
                    response.headers["Content-Type"],
                )
        except urllib.error.HTTPError as error:
            with error:
                return error.code, json.loads(error.read()), error.headers["Content-Type"]

    cases = f"/api/v1/cases/{case.id}/referrals"
    with live_server(api_app) as base:
        status, made, _ = call(
            "POST", cases, {"service_id": str(TEA), "route": "professional", "note": "Mornings."}
        )
        assert status == 201, made
        assert made["status"] == "sent" and made["id"]
        rid = made["id"]
        status, answer, _ = call(
            "POST", f"{cases}/{rid}/status", {"status": "received", "by": "provider"}
        )
        assert status == 200 and answer["status"] == "received"
        assert [h["status"] for h in answer["history"]] == ["sent", "received"]
        assert answer["history"][1]["by"] == "provider" and answer["first_reply_at"]
        status, refused, _ = call("POST", f"{cases}/{rid}/status", {"status": "completed"})
        assert status == 409
        assert "received cannot become completed" in refused["message"]
        status, declined, _ = call(
            "POST",
            f"{cases}/{rid}/status",
            {"status": "declined", "reason": "no_capacity", "by": "provider"},
        )
        assert status == 200 and declined["history"][-1]["reason_code"] == "no_capacity"
        status, bundle, kind = call("GET", f"{cases}/{rid}?format=fhir")
        assert status == 200 and kind.startswith("application/fhir+json")
        status, plain, _ = call("GET", f"{cases}/{rid}")
        assert status == 200 and plain["status"] == "declined"
    request, task = validated(bundle)
    coding = request.code.coding[0]
    assert (coding.system, coding.code, coding.display) == (
        "http://snomed.info/sct",
        "871731000000106",
        "Referral to social prescribing service",
    )
    assert request.subject.reference == f"Patient/{case.id}"
    assert request.status == "revoked" and request.status in REQUEST_STATUSES
    assert task.status == "rejected" and task.focus.reference == f"ServiceRequest/{rid}"
    assert task.owner.reference == f"Organization/{ORG_A}"
    assert task.statusReason.text == "No capacity"
    words = json.dumps(bundle)
    for personal in ("LW-0042", "Gardening", "lw@example.org", "LS6"):
        assert personal not in words


def test_the_task_status_follows_the_referrals_status(api_app):
    case = make_case(api_app, api_app.config["worker"], reference="LW-FHIR")
    client = api_app.test_client()
    for status in S:
        with Session(engine(api_app)) as session:
            rid = referral_at(session, case, TEA, status, ORG_A).id
        answer = client.get(
            f"/api/v1/cases/{case.id}/referrals/{rid}?format=fhir",
            headers=bearer(api_app.config["token"]),
        )
        assert answer.status_code == 200
        request, task = validated(answer.get_json())
        assert task.status == TASK_STATUS_OF[status] and task.status in TASK_STATUSES
        assert request.status in REQUEST_STATUSES


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"service_id": "nope", "route": "bus"}, {"service_id", "route"}),
        ({"route": "professional"}, {"service_id"}),
        ({"service_id": str(TEA), "route": "professional", "shared": ["nhs_number"]}, {"shared"}),
        ({"service_id": str(TEA), "route": "professional", "note": "x" * 1001}, {"note"}),
        ({"kind": "sideways", "service_id": str(TEA), "route": "professional"}, {"kind"}),
        ({"kind": 3}, {"kind"}),
    ],
)
def test_bad_input_gets_a_400_naming_each_problem_and_makes_nothing(api_app, body, fields):
    case = make_case(api_app, api_app.config["worker"], reference="LW-BAD")
    client = api_app.test_client()
    answer = client.post(
        f"/api/v1/cases/{case.id}/referrals", json=body, headers=bearer(api_app.config["token"])
    )
    assert answer.status_code == 400
    assert set(answer.get_json()["problems"]) == fields
    not_json = client.post(
        f"/api/v1/cases/{case.id}/referrals",
        data="service_id=1",
        headers=bearer(api_app.config["token"]),
    )
    assert not_json.status_code == 400
    with Session(engine(api_app)) as session:
        from sqlmodel import select

        assert session.exec(select(Referral).where(Referral.case_id == case.id)).all() == []


def test_a_bad_status_answer_is_refused_clearly(api_app):
    case = make_case(api_app, api_app.config["worker"], reference="LW-409")
    with Session(engine(api_app)) as session:
        rid = referral_at(session, case, TEA, S.SENT, ORG_A).id
    url = f"/api/v1/cases/{case.id}/referrals/{rid}/status"
    client = api_app.test_client()
    headers = bearer(api_app.config["token"])
    unknown = client.post(url, json={"status": "lost"}, headers=headers)
    assert unknown.status_code == 409 and "not a status" in unknown.get_json()["message"]
    cancel = client.post(url, json={"status": "cancelled"}, headers=headers)
    assert cancel.status_code == 409 and "Say why" in cancel.get_json()["message"]
    stale = client.post(url, json={"status": "received", "version": 7}, headers=headers)
    assert stale.status_code == 409 and "Someone else changed" in stale.get_json()["message"]
    by = client.post(url, json={"status": "received", "by": "the cat"}, headers=headers)
    assert by.status_code == 400
    fine = client.post(url, json={"status": "cancelled", "reason": "Moved away."}, headers=headers)
    assert fine.status_code == 200 and fine.get_json()["status"] == "cancelled"


def test_another_link_workers_case_or_referral_is_not_found(api_app):
    mine = make_case(api_app, api_app.config["worker"], reference="LW-MINE")
    theirs = make_case(api_app, api_app.config["colleague"], reference="LW-THEIRS")
    with Session(engine(api_app)) as session:
        their_referral = referral_at(session, theirs, LINE, S.SENT).id
    client = api_app.test_client()
    headers = bearer(api_app.config["token"])
    for method, path, body in (
        (
            "POST",
            f"/api/v1/cases/{theirs.id}/referrals",
            {"service_id": str(TEA), "route": "professional"},
        ),
        (
            "POST",
            f"/api/v1/cases/{theirs.id}/referrals/{their_referral}/status",
            {"status": "received"},
        ),
        ("GET", f"/api/v1/cases/{theirs.id}/referrals/{their_referral}", None),
        # a referral of another case, asked for through one's own case
        ("GET", f"/api/v1/cases/{mine.id}/referrals/{their_referral}?format=fhir", None),
        (
            "POST",
            f"/api/v1/cases/{mine.id}/referrals/{their_referral}/status",
            {"status": "received"},
        ),
    ):
        answer = client.open(path, method=method, json=body, headers=headers)
        assert answer.status_code == 404, path
        assert "LW-THEIRS" not in answer.text and "Listening" not in answer.text
    with Session(engine(api_app)) as session:
        assert session.get(Referral, their_referral).status is S.SENT


def test_editors_managers_and_the_anonymous_are_refused(api_app):
    case = make_case(api_app, api_app.config["worker"], reference="LW-AUTH")
    url = f"/api/v1/cases/{case.id}/referrals"
    body = {"service_id": str(TEA), "route": "professional"}
    client = api_app.test_client()
    assert client.post(url, json=body).status_code == 401
    assert client.post(url, json=body, headers=bearer("sp_not-a-token")).status_code == 401
    editor = api_app.config["editor"]
    with Session(engine(api_app)) as session:
        session.add(
            ApiToken(user_id=editor.id, label="x", token_hash=api_tokens.token_hash("sp_ed"))
        )
        session.commit()
    assert client.post(url, json=body, headers=bearer("sp_ed")).status_code == 403
    for who in ("editor", "manager"):
        signed_in = api_app.test_client()
        signed_in.post("/dev/sign-in", data={"user": str(api_app.config[who].id)})
        answer = signed_in.post(url, json=body)
        assert answer.status_code == 403 and answer.get_json()["error"] == "forbidden"
        assert signed_in.get(f"{url}/{case.id}").status_code == 403
    # the link worker signed in (no token) is let in: CSRF is off in tests
    worker = api_app.test_client()
    worker.post("/dev/sign-in", data={"user": str(api_app.config["worker"].id)})
    assert worker.post(url, json=body).status_code == 201


def test_a_signed_in_post_needs_the_csrf_token(api_app, tmp_path):
    app = make_app(api_app.config["DATABASE_URL"], tmp_path / "csrf", WTF_CSRF_ENABLED=True)
    try:
        case = make_case(app, api_app.config["worker"], reference="LW-CSRF")
        client = app.test_client()
        token = re.search(
            r'name="csrf_token" value="([^"]+)"', client.get("/dev/sign-in").text
        ).group(1)
        client.post(
            "/dev/sign-in", data={"user": str(api_app.config["worker"].id), "csrf_token": token}
        )
        url = f"/api/v1/cases/{case.id}/referrals"
        body = {"service_id": str(TEA), "route": "professional"}
        assert client.post(url, json=body).status_code == 400
        assert client.post(url, json=body, headers={"X-CSRFToken": token}).status_code == 201
    finally:
        dispose(app)


def test_the_case_api_s_referrals_come_from_referrals_json(api_app):
    # The case API (GET /api/v1/cases/{id}) adds `referrals` from referring.referrals_json:
    # its items carry what the contract names.
    from directory.referrals import referring

    case = make_case(api_app, api_app.config["worker"], reference="LW-JSON")
    with Session(engine(api_app)) as session:
        referral_at(session, case, TEA, S.ACCEPTED, ORG_A)
        (item,) = referring.referrals_json(session, session.get(type(case), case.id))
    assert {"id", "service_id", "status", "history"} <= set(item)
    assert set(item["history"][0]) == {"status", "by", "at"}
    _ = User  # the users are made by the module's fixture
