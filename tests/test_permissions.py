"""Every route, for every role and for nobody signed in: who gets in, who is sent to sign in,
who is refused, and who cannot even see that another organisation's listing exists.

ROUTES must name every endpoint of the app: a new route fails this test until it says
who may use it.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from accounts_helpers import LINE, ORG_A, PEOPLE, TEA, add_people, client_for, form_for
from flask import Flask
from sqlmodel import Session, select

from directory import db
from directory.accounts.permissions import POLICY, Action, can
from directory.listings import editing
from directory.models import (
    NEEDS_TAXONOMY_ID,
    Case,
    Feed,
    ListingReport,
    OrganisationRequest,
    PlanLink,
    Referral,
    ReferralRoute,
    ReportKind,
    RequestKind,
    Role,
    SearchPhrase,
    Service,
    ServiceAtLocation,
    ServiceNote,
    Shortlist,
    ShortlistItem,
    TaxonomyTerm,
    User,
    utcnow,
)

PUBLIC = "public"
SIGNED_IN = "signed in"
# A link worker's shortlist or case, asked for by anyone else: "not found" even to those
# who match.
SOMEONE_ELSES = "someone else's shortlist"
# ... and a link worker's case and its referrals: the same.
SOMEONE_ELSES_CASE = "someone else's case"
# A colleague's note on a service, changed by anyone but its author: "not found" even to
# those who write notes.
SOMEONE_ELSES_NOTE = "someone else's note"
# A referral answered by the editors of the organisation it was made to, and nobody else.
PROVIDER = "the provider's editors"
# endpoint -> who may use it: PUBLIC, SIGNED_IN, or (action, about one organisation's listing)
ROUTES: dict[str, str | tuple[Action, bool]] = {
    "static": PUBLIC,
    "public.home": PUBLIC,
    "public.search": PUBLIC,
    "public.needs": PUBLIC,
    "public.need": PUBLIC,
    "public.service": PUBLIC,
    "public.organisation": PUBLIC,
    "public.accessibility": PUBLIC,
    "public.privacy": PUBLIC,
    "health.live": PUBLIC,
    "health.ready": PUBLIC,
    "api.search_services": PUBLIC,
    "auth.sign_in": PUBLIC,
    "auth.reset_request": PUBLIC,
    "auth.reset_password": PUBLIC,
    "auth.join": PUBLIC,
    "auth.join_team": PUBLIC,
    "auth.sign_out": SIGNED_IN,
    "auth.sign_out_everywhere": SIGNED_IN,
    # two-factor sign-in: the code and the set-up at sign-in need a password just given
    # (without one they send you to sign in); the account's own pages, anyone signed in
    "auth.sign_in_code": PUBLIC,
    "auth.sign_in_set_up": PUBLIC,
    "auth.two_factor": SIGNED_IN,
    "auth.set_up_two_factor": SIGNED_IN,
    "auth.new_recovery_codes": SIGNED_IN,
    "auth.turn_off_two_factor": SIGNED_IN,
    "manage.report_problem": PUBLIC,
    "manage.register_organisation": PUBLIC,
    "manage.claim_organisation": PUBLIC,
    "manage.check_listing": PUBLIC,
    "manage.check_done": PUBLIC,
    "manage.dashboard": (Action.SEE_TASKS, False),
    "manage.organisations": (Action.MODERATE, False),
    "manage.users": (Action.MANAGE_USERS, False),
    "manage.set_user_active": (Action.MANAGE_USERS, False),
    # the security log and resetting someone's two-factor sign-in: admins only
    "manage.security_log_page": (Action.MANAGE_USERS, False),
    "manage.reset_two_factor": (Action.MANAGE_USERS, False),
    "manage.organisation_request": (Action.MODERATE, False),
    "manage.organisation": (Action.EDIT_LISTING, True),
    "manage.edit_organisation": (Action.EDIT_LISTING, True),
    "manage.edit_service": (Action.EDIT_LISTING, True),
    "manage.confirm_service": (Action.CONFIRM_LISTING, True),
    "manage.new_service": (Action.EDIT_LISTING, True),
    "manage.submit_service": (Action.EDIT_LISTING, True),
    "manage.publish_service": (Action.MODERATE, False),
    "manage.duplicates": (Action.MODERATE, False),
    "manage.merge_services": (Action.MODERATE, False),
    "manage.invite": (Action.INVITE_EDITOR, True),
    "manage.service_history": (Action.SEE_HISTORY, True),
    "manage.organisation_history": (Action.SEE_HISTORY, True),
    "manage.revision": (Action.SEE_TASKS, True),
    # only the editor who sent a change may withdraw it (the world's revision is "editor"'s)
    "manage.withdraw_revision": "author",
    "manage.resolve_report": (Action.SEE_TASKS, True),
    "manage.imports": (Action.MANAGE_CATALOGUE, False),
    "manage.confirm_import": (Action.MANAGE_CATALOGUE, False),
    "manage.cancel_import": (Action.MANAGE_CATALOGUE, False),
    "manage.import_template": (Action.MANAGE_CATALOGUE, False),
    # the needs vocabulary: managers and admins only
    "manage.vocabulary": (Action.MANAGE_CATALOGUE, False),
    "manage.vocabulary_need": (Action.MANAGE_CATALOGUE, False),
    "manage.new_phrase": (Action.MANAGE_CATALOGUE, False),
    "manage.vocabulary_phrase": (Action.MANAGE_CATALOGUE, False),
    "manage.remove_phrase": (Action.MANAGE_CATALOGUE, False),
    # foreign taxonomy terms mapped to needs: managers and admins only
    "manage.taxonomy": (Action.MANAGE_CATALOGUE, False),
    "manage.map_term": (Action.MANAGE_CATALOGUE, False),
    # the feeds followed: managers and admins only
    "manage.feed_list": (Action.MANAGE_CATALOGUE, False),
    "manage.sync_feed": (Action.MANAGE_CATALOGUE, False),
    "manage.remove_feed": (Action.MANAGE_CATALOGUE, False),
    # reports: managers and admins only
    "manage.reports": (Action.MANAGE_CATALOGUE, False),
    "manage.report": (Action.MANAGE_CATALOGUE, False),
    "manage.report_csv": (Action.MANAGE_CATALOGUE, False),
    # the development sign-in: only in development and tests, only from this machine
    "dev_login.sign_in": PUBLIC,
    "dev_login.sign_in_as": PUBLIC,
    "dev_login.sign_out": PUBLIC,
    "linkworker.home": (Action.MATCH, False),
    "linkworker.match": (Action.MATCH, False),
    "linkworker.match_results": (Action.MATCH, False),
    "linkworker.shortlists_page": (Action.MATCH, False),
    "linkworker.new_shortlist": (Action.MATCH, False),
    "linkworker.add_to_shortlist": (Action.MATCH, False),
    "linkworker.shortlist": SOMEONE_ELSES,
    "linkworker.remove_from_shortlist": SOMEONE_ELSES,
    "linkworker.delete_shortlist": SOMEONE_ELSES,
    "linkworker.give_feedback": SOMEONE_ELSES,
    "linkworker.flags": "feedback",
    "api.match": (Action.MATCH, False),
    # cases: a link worker's own; another's is "not found" even to those who match
    "linkworker.cases": (Action.MATCH, False),
    "linkworker.new_case": (Action.MATCH, False),
    "linkworker.create_case": (Action.MATCH, False),
    "linkworker.save_match_as_case": (Action.MATCH, False),
    "linkworker.case": SOMEONE_ELSES,
    "linkworker.edit_case": SOMEONE_ELSES,
    "linkworker.update_case": SOMEONE_ELSES,
    "linkworker.close_case_form": SOMEONE_ELSES,
    "linkworker.close_case": SOMEONE_ELSES,
    "linkworker.reopen_case": SOMEONE_ELSES,
    "linkworker.match_case": SOMEONE_ELSES,
    "linkworker.set_known_team": SOMEONE_ELSES,
    "api.create_case": (Action.MATCH, False),
    "api.get_case": SOMEONE_ELSES,
    # supervision and handover: managers and admins see every caseload
    "manage.invite_team_member": (Action.MANAGE_USERS, False),
    "manage.caseloads": (Action.SUPERVISE_CASES, False),
    "manage.supervised_case": (Action.SUPERVISE_CASES, False),
    "manage.reassign_case": (Action.SUPERVISE_CASES, False),
    # referrals from a case: its own link worker only
    "linkworker.case_referrals": SOMEONE_ELSES_CASE,
    "linkworker.refer": SOMEONE_ELSES_CASE,
    "linkworker.record_referral_status": SOMEONE_ELSES_CASE,
    "linkworker.change_follow_up": SOMEONE_ELSES_CASE,
    "linkworker.step_up": SOMEONE_ELSES_CASE,
    # professionals' shared notes on services: read by link workers, mental health
    # practitioners and managers; written by the first two; a note changed only by its author
    "linkworker.service_notes_page": (Action.SEE_SERVICE_NOTES, False),
    "linkworker.add_service_note": (Action.WRITE_SERVICE_NOTES, False),
    "linkworker.edit_service_note": SOMEONE_ELSES_NOTE,
    "linkworker.change_service_note": SOMEONE_ELSES_NOTE,
    "linkworker.delete_service_note": SOMEONE_ELSES_NOTE,
    "api.create_referral": SOMEONE_ELSES_CASE,
    "api.change_referral_status": SOMEONE_ELSES_CASE,
    "api.get_referral": SOMEONE_ELSES_CASE,
    # the provider's answers: on the dashboard, or through the emailed link (no sign-in)
    "manage.answer_referral": PROVIDER,
    "manage.answer_referral_by_link": PUBLIC,
    # a case's wellbeing, plan, private links and summary for the GP: the owner's only
    # (managers supervise on their own pages, which show these read-only)
    "linkworker.case_wellbeing": SOMEONE_ELSES,
    "linkworker.record_wellbeing": SOMEONE_ELSES,
    "linkworker.case_plan": SOMEONE_ELSES,
    "linkworker.new_plan_link": SOMEONE_ELSES,
    "linkworker.revoke_plan_link": SOMEONE_ELSES,
    "linkworker.gp_summary_page": SOMEONE_ELSES,
    "api.record_wellbeing": SOMEONE_ELSES,
    # the person's plan through its private link: no sign-in (a made-up link finds nothing)
    "public.plan": PUBLIC,
    # Open Referral UK: open to anyone, published listings only
    **{
        f"oruk.{name}": PUBLIC
        for name in (
            "about",
            "openapi_document",
            "list_services",
            "get_service",
            "list_services_at_locations",
            "get_service_at_location",
            "list_organisations",
            "get_organisation",
            "list_taxonomies",
            "get_taxonomy",
            "list_taxonomy_terms",
            "get_taxonomy_term",
        )
    },
}
WHO = [None, *PEOPLE]

# The route table runs on both databases; this one on SQLite is enough.
SQLITE_ONLY = pytest.mark.parametrize("databases", ["sqlite"], indirect=True)


@pytest.fixture
def world(small_app: Flask) -> tuple[Flask, dict[str, str]]:
    """The small catalogue with one account per role, and an example of every kind of id."""
    users = add_people(small_app)
    with small_app.app_context(), Session(small_app.extensions[db.ENGINE_KEY]) as session:
        service = editing.load_service(session, TEA)
        values = dict(editing.snapshot(service), summary="A changed summary.")
        outcome = editing.save(session, session.get(User, users["editor"].id), service, 1, values)
        report = ListingReport(service_id=TEA, kind=ReportKind.OTHER, details="Moved.")
        request = OrganisationRequest(
            kind=RequestKind.CLAIM, organization_id=ORG_A, name="Sam", email="sam@example.org"
        )
        spare = User(email="spare@example.org", password_hash="x", role=Role.LINK_WORKER)
        session.add_all([report, request, spare])
        session.flush()
        theirs = Shortlist(owner_id=spare.id, label="ref 12")
        their_case = Case(owner_id=spare.id, reference="LW-1", needs=["loneliness"])
        session.add_all([theirs, their_case])
        session.flush()
        their_link = PlanLink(
            case_id=their_case.id, token_hash="0" * 64, expires_at=utcnow() + timedelta(days=1)
        )
        session.add(their_link)
        session.add(ShortlistItem(shortlist_id=theirs.id, service_id=TEA))
        referral = Referral(
            case_id=their_case.id,
            service_id=TEA,
            organization_id=ORG_A,
            service_name="Tuesday Tea and Chat",
            route=ReferralRoute.PROFESSIONAL,
        )
        session.add(referral)
        their_note = ServiceNote(
            service_id=TEA, author_id=spare.id, author_role="linkworker", text="Ring on Mondays."
        )
        session.add(their_note)
        # a feed nothing listens for: a sync fails at once, and says so
        feed = Feed(name="Leeds Directory", url="http://127.0.0.1:9/api/v1")
        session.add(feed)
        session.commit()
        ids = {
            "service_id": str(TEA),
            "organisation_id": str(ORG_A),
            "revision_id": str(outcome.revision.id),
            "report_id": str(report.id),
            "request_id": str(request.id),
            "token": "not-a-real-token",
            "code": "loneliness",
            "filename": "signpost.js",
            "kind": "xlsx",
            "user_id": str(spare.id),
            "shortlist_id": str(theirs.id),
            "org_id": str(ORG_A),
            "link_id": str(session.exec(select(ServiceAtLocation.id)).first()),
            "taxonomy_id": str(NEEDS_TAXONOMY_ID),
            "term_id": str(session.exec(select(TaxonomyTerm.id)).first()),
            "keep_id": str(TEA),
            "phrase_id": str(session.exec(select(SearchPhrase.id)).first()),
            "duplicate_id": str(LINE),
            "feed_id": str(feed.id),
            "case_id": str(their_case.id),
            "referral_id": str(referral.id),
            "plan_link_id": str(their_link.id),
            "note_id": str(their_note.id),
            "secret": "not-a-real-secret",
            "name": "demand",
            "table": "searches-by-need",
        }
    return small_app, ids


def test_every_route_says_who_may_use_it(world):
    app, _ = world
    missing = sorted(set(app.view_functions) - set(ROUTES))
    assert not missing, f"Add these endpoints to ROUTES with who may use them: {missing}"
    gone = sorted(set(ROUTES) - set(app.view_functions))
    assert not gone, f"ROUTES names endpoints that no longer exist: {gone}"


def expected(rule: str | tuple[Action, bool], who: str | None) -> str:
    if rule == PUBLIC:
        return "in"
    if who is None:
        return "sign in"
    if rule == SIGNED_IN:
        return "in"
    role, org = PEOPLE[who]
    if rule == PROVIDER:  # answered only by the editors of the organisation referred to
        if Action.ANSWER_REFERRALS not in POLICY[role]:
            return "refused"
        return "in" if org == ORG_A else "not found"
    if rule in (SOMEONE_ELSES, SOMEONE_ELSES_CASE):
        return "not found" if Action.MATCH in POLICY[role] else "refused"
    if rule == SOMEONE_ELSES_NOTE:
        return "not found" if Action.WRITE_SERVICE_NOTES in POLICY[role] else "refused"
    if rule == "feedback":  # link workers' feedback: for those who match or moderate
        return "in" if {Action.MATCH, Action.MODERATE} & POLICY[role] else "refused"
    if rule == "author":
        if Action.SEE_TASKS not in POLICY[role]:
            return "refused"
        if role == Role.EDITOR and org != ORG_A:
            return "not found"
        return "in" if who == "editor" else "refused"
    action, owned = rule
    if action not in POLICY[role]:
        return "refused"
    if owned and role == Role.EDITOR and org != ORG_A:
        return "not found"
    return "in"


def outcome(response) -> str:
    # Flask-Login sends people to sign in with the page they wanted as ?next=.
    location = response.headers.get("Location", "")
    if response.status_code == 302 and "/sign-in?next=" in location:
        return "sign in"
    if response.status_code == 401:  # the API asks for credentials instead
        return "sign in"
    if response.status_code == 403:
        return "refused"
    if response.status_code == 404:
        return "not found"
    return "in"


def _url(app: Flask, rule, ids: dict[str, str]) -> str:
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **{name: ids[name] for name in rule.arguments})


def test_each_role_reaches_exactly_what_the_table_allows(world):
    app, ids = world
    problems = []
    for rule in app.url_map.iter_rules():
        url = _url(app, rule, ids)
        method = "GET" if "GET" in rule.methods else "POST"
        for who in WHO:
            client = client_for(app, who)
            response = client.open(url, method=method)
            response.close()  # static files are streamed from an open file
            want = expected(ROUTES[rule.endpoint], who)
            got = outcome(response)
            # A link made for nobody (a made-up token) is "not found" for everyone alike.
            if rule.endpoint in (
                "auth.reset_password",
                "auth.join",
                "auth.join_team",
                "manage.check_listing",
                "manage.answer_referral_by_link",
                "public.plan",
            ):
                want = "not found"
            if got != want:
                problems.append(
                    f"{method} {url} as {who}: {got} ({response.status_code}), want {want}"
                )
            if got == "not found":
                assert "Tuesday Tea" not in response.text, f"{url} shows data to {who}"
            # not warmed up in a test: readiness says 503 (not ready), as it should
            fails = response.status_code >= 500 and rule.endpoint != "health.ready"
            assert not fails, f"{url} as {who}: {response.status_code}"
    assert not problems, "\n".join(problems)


@SQLITE_ONLY
def test_an_editor_who_changes_the_id_in_a_form_changes_nothing(world, session_for):
    app, _ = world
    client = client_for(app, "other_editor")
    session = session_for(app)
    with app.app_context():
        values = dict(editing.snapshot(editing.load_service(session, TEA)), name="Hijacked")
    response = client.post(f"/manage/services/{TEA}/edit", data=form_for(values, 1))
    assert response.status_code == 404
    assert "Tuesday Tea" not in response.text
    session.expire_all()
    assert session.get(Service, TEA).name == "Tuesday Tea and Chat"
    # Their own service is theirs to edit.
    assert client.get(f"/manage/services/{LINE}/edit").status_code == 200


def test_the_policy_table_reads_as_the_issue_says():
    """admin everything; manager moderates; link worker matches; editor only their own."""
    admin, manager, worker, editor = (
        POLICY[Role.ADMIN],
        POLICY[Role.MANAGER],
        POLICY[Role.LINK_WORKER],
        POLICY[Role.EDITOR],
    )
    assert admin == frozenset(Action)
    assert Action.MODERATE in manager and Action.MANAGE_USERS not in manager
    assert worker == {Action.MATCH, Action.SEE_SERVICE_NOTES, Action.WRITE_SERVICE_NOTES}
    # the mental health practitioner: a link worker's rights over cases, and the notes
    assert POLICY[Role.MHP] == worker
    assert Action.SEE_SERVICE_NOTES in manager and Action.WRITE_SERVICE_NOTES not in manager
    assert not {Action.SEE_SERVICE_NOTES, Action.WRITE_SERVICE_NOTES} & editor
    assert Action.SUPERVISE_CASES in manager and Action.MATCH not in manager
    assert Action.MODERATE not in editor and Action.PUBLISH_DIRECTLY not in editor
    assert not can(None, Action.SEE_TASKS)


def test_the_table_of_roles_in_the_readme_matches_the_policy():
    from pathlib import Path

    readme = (Path(__file__).parent.parent / "README.md").read_text()
    rows = {
        m.group(1): m.group(2)
        for m in re.finditer(r"^\| `(\w+)` \|(.*)\|$", readme, re.MULTILINE)
        if m.group(1) in {a.value for a in Action}
    }
    assert set(rows) == {a.value for a in Action}, "README lists every action"
    for action, cells in rows.items():
        marks = [c.strip() for c in cells.split("|")][-5:]
        roles = (Role.ADMIN, Role.MANAGER, Role.LINK_WORKER, Role.MHP, Role.EDITOR)
        for role, mark in zip(roles, marks, strict=True):
            assert (mark != "") == (Action(action) in POLICY[role]), (action, role, mark)
