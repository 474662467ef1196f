"""POST /api/v1/match: who may call it (session or API token, CSRF for sessions), the answer
contract, and a 400 with every problem, never a 500, for bad input."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

import pytest
from sqlmodel import Session, select

from directory import db
from directory.accounts import api_tokens
from directory.catalogue import seeding
from directory.models import ApiToken, Role, User
from tests.conftest import SMALL_CATALOGUE, dispose, make_app

LONELY = {"age": 60, "postcode": "LS6 1BD", "needs": ["loneliness"]}


def add_user(app, email: str, role: Role) -> User:
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        # no real hash: these accounts sign in through the development sign-in, and scrypt
        # would cost a quarter of a second each
        user = User(email=email, password_hash="not-a-password-hash", role=role)
        session.add(user)
        session.commit()
        session.refresh(user)
        return user


def token_for(app, user: User, label: str = "tests") -> str:
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        return api_tokens.create_token(session, session.get(User, user.id), label)


@pytest.fixture(scope="module")
def api_app(databases, tmp_path_factory):
    """The small catalogue, a link worker with a token and an editor: shared, read-only."""
    app = make_app(databases.new_migrated(), tmp_path_factory.mktemp("api"))
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        seeding.seed(session, SMALL_CATALOGUE)
    app.config["link_worker"] = add_user(app, "lw@example.org", Role.LINK_WORKER)
    app.config["editor"] = add_user(app, "ed@example.org", Role.EDITOR)
    app.config["token"] = token_for(app, app.config["link_worker"])
    yield app
    dispose(app)


def post(client, body, token=None, **kwargs):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    headers.update(kwargs.pop("headers", {}))
    return client.post("/api/v1/match", json=body, headers=headers, **kwargs)


def test_a_token_gets_the_same_answer_as_the_command(api_app):
    response = post(api_app.test_client(), LONELY, api_app.config["token"])
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert set(answer) == {"needs", "suggestions", "excluded", "crisis", "pathways"}
    assert answer["needs"] == LONELY["needs"]
    assert [s["name"] for s in answer["suggestions"]][:1] == ["Tuesday Tea and Chat"]
    first = answer["suggestions"][0]
    assert set(first) == {"service_id", "name", "score", "distance_miles", "needs_met", "reasons"}
    assert "for ages 50 and over, they are 60" in first["reasons"]
    cli = api_app.test_cli_runner().invoke(
        args=["match", "--age", "60", "--postcode", "LS6 1BD", "--need", "loneliness", "--json"]
    )
    assert json.loads(cli.stdout) == answer


def test_using_a_token_notes_when(api_app):
    post(api_app.test_client(), LONELY, api_app.config["token"])
    with Session(api_app.extensions[db.ENGINE_KEY]) as session:
        wanted = ApiToken.token_hash == api_tokens.token_hash(api_app.config["token"])
        stored = session.exec(select(ApiToken).where(wanted)).one()
    assert stored.last_used_at is not None


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"Authorization": "Bearer sp_not-a-real-token"}, 401),
        ({"Authorization": "Bearer "}, 401),
        ({"Authorization": "Basic bHc6cGFzcw=="}, 401),
    ],
)
def test_no_or_a_wrong_credential_gets_a_json_401(api_app, headers, status):
    response = api_app.test_client().post("/api/v1/match", json=LONELY, headers=headers)
    assert response.status_code == status
    assert response.get_json()["error"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_gets_a_401(api_app):
    token = token_for(api_app, api_app.config["link_worker"], label="to revoke")
    assert post(api_app.test_client(), LONELY, token).status_code == 200
    result = api_app.test_cli_runner().invoke(
        args=["revoke-token", "lw@example.org", "--label", "to revoke"]
    )
    assert result.exit_code == 0, result.output
    assert post(api_app.test_client(), LONELY, token).status_code == 401


def test_an_editors_token_or_session_gets_a_403(api_app):
    editor = api_app.config["editor"]
    with Session(api_app.extensions[db.ENGINE_KEY]) as session:
        # made by hand: create_token refuses an editor
        token = "sp_editor-token-for-tests"
        session.add(ApiToken(user_id=editor.id, label="x", token_hash=api_tokens.token_hash(token)))
        session.commit()
    assert post(api_app.test_client(), LONELY, token).status_code == 403
    client = api_app.test_client()
    client.post("/dev/sign-in", data={"user": str(editor.id)})
    response = post(client, LONELY)
    assert response.status_code == 403 and response.get_json()["error"] == "forbidden"


BAD_BODIES = [
    ({**LONELY, "age": -1}, {"age": "0 to 120"}),
    ({**LONELY, "age": 150}, {"age": "0 to 120"}),
    ({**LONELY, "age": "60"}, {"age": "whole number"}),
    ({**LONELY, "age": None}, {"age": "Give the person's age"}),
    ({**LONELY, "needs": ["xyzzy"]}, {"needs": "We don't know the need"}),
    ({**LONELY, "needs": []}, {"needs": "at least one need"}),
    ({**LONELY, "needs": "loneliness"}, {"needs": "a list of needs"}),
    ({**LONELY, "needs": [1, 2]}, {"needs": "a list of needs"}),
    ({**LONELY, "postcode": "NOT A CODE"}, {"postcode": "not a UK postcode"}),
    ({**LONELY, "postcode": 61}, {"postcode": "should be text"}),
    ({**LONELY, "text": "x" * 10_000}, {"text": "10,000 characters"}),
    ({**LONELY, "text": ["a"]}, {"text": "should be text"}),
    ({**LONELY, "free_only": "yes"}, {"free_only": "true or false"}),
    ({**LONELY, "mode": "telepathy"}, {"mode": "is not one of"}),
    ({**LONELY, "mode": 3}, {"mode": "text or a list"}),
    ({**LONELY, "max_miles": "far"}, {"max_miles": "number of miles"}),
    ({**LONELY, "max_miles": -2}, {"max_miles": "more than 0"}),
    ({**LONELY, "day": ["someday"]}, {"day": "is not a day"}),
    ({**LONELY, "language": "Klingon"}, {"language": "not a language we list"}),
    ({**LONELY, "access": ["moat"]}, {"access": "not an access feature"}),
    ({**LONELY, "limit": 0}, {"limit": "from 1 to 20"}),
    ({**LONELY, "carer": "yes"}, {"carer": "true or false"}),
    ({**LONELY, "gender": "dragon"}, {"gender": "is not one of"}),
    ({**LONELY, "gender": 1}, {"gender": "should be text"}),
    ({**LONELY, "limit": 2.5}, {"limit": "whole number"}),
    ({**LONELY, "neds": ["x"]}, {"neds": "not a field we know"}),
    ({"age": "x", "needs": 5}, {"age": "whole number", "postcode": "postcode", "needs": "list"}),
    ([1, 2, 3], {"body": "not a JSON object"}),
    ("just text", {"body": "not a JSON object"}),
]


@pytest.mark.parametrize(("body", "problems"), BAD_BODIES)
def test_bad_input_gets_a_400_naming_each_problem(api_app, body, problems):
    response = post(api_app.test_client(), body, api_app.config["token"])
    assert response.status_code == 400
    answer = response.get_json()
    assert answer["error"] == "invalid_request"
    assert set(answer["problems"]) == set(problems)
    for field, says in problems.items():
        assert says in answer["problems"][field]
        assert says in answer["message"]  # the whole error in one sentence, as the document says


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ("{not json", "application/json"),
        ("age=60", "application/x-www-form-urlencoded"),
        ("", "application/json"),
        ("\xff\xfe", "application/json"),
    ],
)
def test_a_body_that_is_not_json_gets_a_400(api_app, data, content_type):
    response = api_app.test_client().post(
        "/api/v1/match",
        data=data,
        content_type=content_type,
        headers={"Authorization": f"Bearer {api_app.config['token']}"},
    )
    assert response.status_code == 400
    answer = response.get_json()
    assert "body" in answer["problems"] and answer["message"] == answer["problems"]["body"]


def test_only_post_is_allowed(api_app):
    response = api_app.test_client().get("/api/v1/match")
    assert response.status_code == 405 and response.get_json()["error"] == "method_not_allowed"


# --- CSRF: a session needs the token, a bearer token does not --------------------------


@pytest.fixture
def csrf_app(api_app, tmp_path):
    """The same database, with CSRF protection on, as in production."""
    app = make_app(api_app.config["DATABASE_URL"], tmp_path / "csrf", WTF_CSRF_ENABLED=True)
    yield app
    dispose(app)


def csrf_token_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_a_signed_in_post_needs_the_csrf_token_and_a_bearer_one_does_not(csrf_app):
    client = csrf_app.test_client()
    page = client.get("/dev/sign-in").get_data(as_text=True)
    token = csrf_token_of(page)
    # even the development sign-in needs it
    assert client.post("/dev/sign-in", data={"user": "demo"}).status_code == 400
    assert (
        client.post("/dev/sign-in", data={"user": "demo", "csrf_token": token}).status_code == 302
    )
    refused = post(client, LONELY)
    assert refused.status_code == 400
    assert "CSRF" in refused.get_json()["message"]
    assert post(client, LONELY, headers={"X-CSRFToken": token}).status_code == 200
    # a program with a token sends no cookie and no CSRF token
    user = add_user(csrf_app, "prog@example.org", Role.LINK_WORKER)
    api_token = token_for(csrf_app, user)
    assert post(csrf_app.test_client(), LONELY, api_token).status_code == 200


# --- over a real socket -----------------------------------------------------------------


@pytest.mark.live_server
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_over_real_http(api_app, live_server):
    def call(body: object, token: str | None) -> tuple[int, dict]:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(url, json.dumps(body).encode(), headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            with error:
                return error.code, json.loads(error.read())

    with live_server(api_app) as base:
        url = f"{base}/api/v1/match"
        status, answer = call(LONELY, api_app.config["token"])
        assert status == 200 and answer["suggestions"][0]["name"] == "Tuesday Tea and Chat"
        status, answer = call({**LONELY, "age": 150}, api_app.config["token"])
        assert status == 400 and "age" in answer["problems"]
        assert call(LONELY, None)[0] == 401


# --- create-token ----------------------------------------------------------------------


def test_create_token_prints_it_once_and_keeps_only_its_hash(api_app):
    add_user(api_app, "maker@example.org", Role.LINK_WORKER)
    result = api_app.test_cli_runner().invoke(
        args=["create-token", "Maker@example.org", "--label", "Practice system"]
    )
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert token.startswith("sp_") and len(token) > 40
    with Session(api_app.extensions[db.ENGINE_KEY]) as session:
        stored = session.exec(select(ApiToken).where(ApiToken.label == "Practice system")).one()
    assert not stored.revoked and stored.last_used_at is None
    assert stored.token_hash == api_tokens.token_hash(token) and token not in stored.token_hash
    assert post(api_app.test_client(), LONELY, token).status_code == 200


def tokens_in(app) -> int:
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        return len(session.exec(select(ApiToken)).all())


@pytest.mark.parametrize(
    ("email", "label", "says"),
    [
        ("nobody@example.org", "x", "There is no account"),
        ("ed@example.org", "x", "is not a link worker"),
        ("lw@example.org", "   ", "Give the token a label"),
        ("lw@example.org", "x" * 101, "under 100 characters"),
    ],
)
def test_create_token_refuses_clearly(api_app, email, label, says):
    before = tokens_in(api_app)
    result = api_app.test_cli_runner().invoke(args=["create-token", email, "--label", label])
    assert result.exit_code != 0 and says in result.stderr
    assert tokens_in(api_app) == before


def test_every_problem_is_reported_at_once(api_app):
    body = {"age": 150, "postcode": "NOT A CODE", "needs": ["xyzzy"], "mode": "telepathy"}
    response = post(api_app.test_client(), body, api_app.config["token"])
    assert response.status_code == 400
    assert set(response.get_json()["problems"]) == {"age", "postcode", "needs", "mode"}


def test_over_https_a_signed_in_post_with_a_same_site_referrer_passes_the_csrf_check(csrf_app):
    # Flask-WTF checks the Referer over HTTPS; the Referrer-Policy must let our pages send it
    client = csrf_app.test_client()
    https = {"base_url": "https://signpost.example"}
    token = csrf_token_of(client.get("/dev/sign-in", **https).get_data(as_text=True))
    assert client.get("/", **https).headers["Referrer-Policy"] == "same-origin"
    signed = client.post(
        "/dev/sign-in",
        data={"user": "demo", "csrf_token": token},
        headers={"Referer": "https://signpost.example/dev/sign-in"},
        **https,
    )
    assert signed.status_code == 302
    without = post(client, LONELY, headers={"X-CSRFToken": token}, **https)
    assert without.status_code == 400 and "referrer" in without.get_json()["message"]
    with_referrer = {"X-CSRFToken": token, "Referer": "https://signpost.example/link-worker/"}
    assert post(client, LONELY, headers=with_referrer, **https).status_code == 200


def test_the_matcher_is_not_open_to_other_sites_as_the_public_search_is(api_app):
    matched = post(api_app.test_client(), LONELY, api_app.config["token"])
    assert "Access-Control-Allow-Origin" not in matched.headers
    assert "Access-Control-Allow-Origin" not in post(api_app.test_client(), LONELY).headers
    searched = api_app.test_client().get("/api/v1/search?age=old")  # a 400, no index needed
    assert searched.headers["Access-Control-Allow-Origin"] == "*"


def test_the_answer_carries_urgent_help_when_the_words_or_needs_call_for_it(api_app):
    token = api_app.config["token"]
    client = api_app.test_client()
    quiet = post(client, LONELY, token).get_json()
    assert quiet["crisis"] is None
    said = post(client, {**LONELY, "text": "scared of my partner, he hits me"}, token).get_json()
    assert said["crisis"]["kind"] == "abuse"
    names = [c["name"] for c in said["crisis"]["contacts"]]
    assert "National Domestic Abuse Helpline (Refuge)" in names
    assert "Childline" not in names  # for under 19s, and this person is 60
    young = post(client, {**LONELY, "age": 16, "text": "i wanna kms"}, token).get_json()
    assert young["crisis"]["kind"] == "self"
    assert "Childline" in [c["name"] for c in young["crisis"]["contacts"]]
