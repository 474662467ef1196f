"""POST /api/v1/cases/{id}/wellbeing over real HTTP: 201 with the case's change, a 400
naming each bad score, 404 for another link worker's case, 401 and 403 as for the match API.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from plans_helpers import build, client_as, session_of
from sqlmodel import select

from directory.accounts import api_tokens
from directory.models import ApiToken, User, WellbeingRecord

START = {"when": "start", "life_satisfaction": 5, "worthwhile": 6, "happy": 4, "anxious": 8}


def token_for(app, user) -> str:
    with session_of(app) as session:
        return api_tokens.create_token(session, session.get(User, user.id), "tests")


@pytest.mark.live_server
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_over_real_http(small_app, live_server):
    w = build(small_app)
    token = token_for(small_app, w.worker)
    with session_of(small_app) as session:
        # made by hand: create_token refuses an editor
        session.add(
            ApiToken(
                user_id=w.editor.id,
                label="x",
                token_hash=api_tokens.token_hash("sp_editor-token"),
            )
        )
        session.commit()

    def call(case, body: object, token: str | None) -> tuple[int, dict]:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        url = f"{base}/api/v1/cases/{case.id}/wellbeing"
        request = urllib.request.Request(url, json.dumps(body).encode(), headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            with error:
                return error.code, json.loads(error.read())

    with live_server(small_app) as base:
        status, answer = call(w.case, START, token)
        assert status == 201, answer
        assert answer["when"] == "start" and answer["scores"]["anxious"] == 8
        assert answer["wellbeing"]["start"]["scores"] == {
            k: v for k, v in START.items() if k != "when"
        }
        status, answer = call(w.case, {**START, "when": "follow_up", "anxious": 2}, token)
        assert status == 201
        assert answer["wellbeing"]["change"]["anxious"]["direction"] == "improved"
        status, answer = call(w.case, {**START, "when": "follow_up", "happy": 11}, token)
        assert status == 400 and set(answer["problems"]) == {"happy"}
        assert "Happiness: 11 is outside the scale" in answer["message"]
        status, answer = call(w.case, {**START, "worthwhile": 6.5, "when": "follow_up"}, token)
        assert status == 400 and "worthwhile" in answer["problems"]
        assert call(w.colleagues_case, START, token)[0] == 404
        assert call(w.case, START, None)[0] == 401
        assert call(w.case, START, "sp_not-a-token")[0] == 401
        assert call(w.case, START, "sp_editor-token")[0] == 403
    with session_of(small_app) as session:
        kept = session.exec(select(WellbeingRecord)).all()
    assert len(kept) == 2  # the refused ones changed nothing
    assert {r.case_id for r in kept} == {w.case.id}


def test_a_session_needs_the_csrf_token_and_a_manager_is_refused(small_app):
    w = build(small_app)
    own = f"/api/v1/cases/{w.colleagues_case.id}/wellbeing"
    response = client_as(small_app, w.colleague).post(own, json=START)
    assert response.status_code == 201, response.get_json()
    assert "Access-Control-Allow-Origin" not in response.headers
    # managers supervise on their own pages, read-only
    refused = client_as(small_app, w.manager).post(own, json={**START, "when": "follow_up"})
    assert refused.status_code == 403
    colleague = client_as(small_app, w.colleague)
    small_app.config["WTF_CSRF_ENABLED"] = True
    no_token = colleague.post(own, json={**START, "when": "follow_up"})
    assert no_token.status_code == 400
    with session_of(small_app) as session:
        assert len(session.exec(select(WellbeingRecord)).all()) == 1
