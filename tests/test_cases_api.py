"""POST /api/v1/cases and GET /api/v1/cases/{id}, over real HTTP: who may call them (token
or session, as /api/v1/match), 201 with the case, 400 naming each problem, 404 for another
link worker's case, and every read in the access log."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid

import pytest
from sqlmodel import Session, select

from directory import db
from directory.catalogue import seeding
from directory.models import ApiToken, CaseAccess, Role
from directory.models.cases import Case
from tests.conftest import SMALL_CATALOGUE, dispose, make_app
from tests.test_match_api import add_user, token_for

NEW = {
    "reference": "LW-0100",
    "age": 67,
    "postcode": "LS6 1BD",
    "needs": ["loneliness"],
    "what_matters": "singing",
    "consent_to_share": True,
}


@pytest.fixture(scope="module")
def api_app(databases, tmp_path_factory):
    app = make_app(databases.new_migrated(), tmp_path_factory.mktemp("cases-api"))
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        seeding.seed(session, SMALL_CATALOGUE)
    worker = add_user(app, "lw@example.org", Role.LINK_WORKER)
    other = add_user(app, "other@example.org", Role.LINK_WORKER)
    editor = add_user(app, "ed@example.org", Role.EDITOR)
    app.config.update(
        worker=worker,
        token=token_for(app, worker),
        other_token=token_for(app, other),
        editor=editor,
    )
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        # made by hand: create_token refuses an editor
        session.add(
            ApiToken(user_id=editor.id, label="x", token_hash=_hash("sp_editor-case-token"))
        )
        session.commit()
    yield app
    dispose(app)


def _hash(token: str) -> str:
    from directory.accounts import api_tokens

    return api_tokens.token_hash(token)


def call(base: str, method: str, path: str, body: object = None, token: str | None = None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data, headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read()), dict(response.headers)
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read()), dict(error.headers)


@pytest.mark.live_server
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_open_a_case_and_read_it_back(api_app, live_server):
    with live_server(api_app) as base:
        status, made, headers = call(base, "POST", "/api/v1/cases", NEW, api_app.config["token"])
        assert status == 201, made
        assert made["reference"] == "LW-0100" and made["postcode_district"] == "LS6"
        assert made["needs"] == ["loneliness"] and made["consent_to_share"] is True
        assert made["status"] == "open" and made["age"] == 67
        assert "1BD" not in json.dumps(made)
        assert headers["Location"].endswith(f"/api/v1/cases/{made['id']}")
        assert "Access-Control-Allow-Origin" not in headers  # private, unlike the search
        status, read, _ = call(
            base, "GET", f"/api/v1/cases/{made['id']}", token=api_app.config["token"]
        )
        assert status == 200 and read == made
    with Session(api_app.extensions[db.ENGINE_KEY]) as session:
        logged = session.exec(
            select(CaseAccess).where(CaseAccess.case_id == uuid.UUID(made["id"]))
        ).all()
    assert sorted(a.action for a in logged) == ["created", "viewed"]


BAD = [
    ({**NEW, "reference": "943 476 5919"}, {"reference": "NHS number"}),
    ({**NEW, "reference": "", "age": 130}, {"reference": "reference", "age": "0 to 120"}),
    ({**NEW, "needs": ["xyzzy"], "postcode": "ZZ99"}, {"needs": "need", "postcode": "ZZ99"}),
    ({**NEW, "consent_to_share": "yes"}, {"consent_to_share": "yes or no"}),
    ({k: v for k, v in NEW.items() if k != "consent_to_share"}, {"consent_to_share": "yes or no"}),
    ({**NEW, "name": "Pat"}, {"name": "not a field we know"}),
    ([1, 2], {"body": "JSON object"}),
]


@pytest.mark.live_server
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_bad_bodies_get_a_400_naming_each_problem_and_make_nothing(api_app, live_server):
    with live_server(api_app) as base:
        for body, wanted in BAD:
            status, answer, _ = call(base, "POST", "/api/v1/cases", body, api_app.config["token"])
            assert status == 400, (body, answer)
            assert set(answer["problems"]) == set(wanted), answer
            for name, words in wanted.items():
                assert words in answer["problems"][name], answer
    with Session(api_app.extensions[db.ENGINE_KEY]) as session:
        assert not session.exec(select(Case).where(Case.reference == "943 476 5919")).all()
        assert not session.exec(select(Case).where(Case.reference == "")).all()


@pytest.mark.live_server
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_who_may_call(api_app, live_server):
    with live_server(api_app) as base:
        status, made, _ = call(base, "POST", "/api/v1/cases", NEW, api_app.config["token"])
        path = f"/api/v1/cases/{made['id']}"
        # another link worker: not found, and nothing of the case in the answer
        status, answer, _ = call(base, "GET", path, token=api_app.config["other_token"])
        assert status == 404 and "LW-0100" not in json.dumps(answer)
        assert (
            call(base, "GET", f"/api/v1/cases/{uuid.uuid4()}", token=api_app.config["token"])[0]
            == 404
        )
        # nobody, or a wrong token: 401; an editor: 403
        assert call(base, "GET", path)[0] == 401
        assert call(base, "POST", "/api/v1/cases", NEW)[0] == 401
        assert call(base, "GET", path, token="sp_not-a-token")[0] == 401
        status, answer, _ = call(base, "GET", path, token="sp_editor-case-token")
        assert status == 403 and answer["error"] == "forbidden"
        assert call(base, "POST", "/api/v1/cases", NEW, "sp_editor-case-token")[0] == 403


def test_a_signed_in_link_worker_needs_the_csrf_token_to_post_but_not_to_read(api_app):
    client = api_app.test_client()
    client.post("/dev/sign-in", data={"user": str(api_app.config["worker"].id)})
    made = client.post("/api/v1/cases", json=NEW)
    assert made.status_code == 201
    api_app.config["WTF_CSRF_ENABLED"] = True
    try:
        refused = client.post("/api/v1/cases", json=NEW)
        assert refused.status_code == 400 and refused.is_json
        assert "CSRF" in refused.get_json()["message"]
        assert client.get(f"/api/v1/cases/{made.get_json()['id']}").status_code == 200
    finally:
        api_app.config["WTF_CSRF_ENABLED"] = False
