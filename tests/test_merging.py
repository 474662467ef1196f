"""Merging a duplicate service into the one kept: what moves, what is refused, both histories,
the managers' pages for it (and nobody else's), and the command."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from accounts_helpers import DRAFT, LINE, MONEY, ORG_A, TEA, add_people, client_for
from conftest import CHROMIUM
from flask import Flask
from sqlmodel import Session, col, select
from test_browser import AXE
from test_browser_accounts import _check, _sign_in

from directory import db
from directory.listings import duplicates, editing, merging
from directory.models import (
    Contact,
    EntityType,
    FeedbackOutcome,
    ListingChange,
    ListingReport,
    ListingRevision,
    ListingStatus,
    MatchFeedback,
    Phone,
    ReportKind,
    RevisionStatus,
    Service,
    Shortlist,
    ShortlistItem,
    User,
    stable_id,
)

SQLITE_ONLY = pytest.mark.parametrize("databases", ["sqlite"], indirect=True)
TWIN = stable_id("service", "hyde-park-tuesday-tea-again")
# The versions the merge page showed (the editor's change to the twin waits for review,
# so both are still at their first).
VERSIONS = {"keep_version": "1", "duplicate_version": "1"}


def _session(app: Flask) -> Session:
    return Session(app.extensions[db.ENGINE_KEY], expire_on_commit=False)


@pytest.fixture
def app(small_search: Flask) -> Flask:
    """The small catalogue, searchable, with a published twin of Tuesday Tea and things
    that point at the twin: two shortlists (one holds both), feedback, a report, and an
    editor's change waiting for review."""
    people = add_people(small_search)
    with small_search.app_context(), _session(small_search) as session:
        twin = Service(
            id=TWIN,
            organization_id=ORG_A,
            name="Tuesday tea and chat",
            summary="Tea and a chat on Tuesdays.",
            status=ListingStatus.PUBLISHED,
        )
        session.add(twin)
        session.flush()
        editing.record(
            session,
            user=None,
            actor="the import",
            listing=twin,
            action="imported",
            before={},
            after={"name": twin.name},
            version=1,
        )
        owner = people["linkworker"].id
        only_twin, both = (
            Shortlist(owner_id=owner, label="ref 1"),
            Shortlist(owner_id=owner, label="ref 2"),
        )
        session.add_all([only_twin, both])
        session.flush()
        session.add_all(
            [
                ShortlistItem(shortlist_id=only_twin.id, service_id=TWIN),
                ShortlistItem(shortlist_id=both.id, service_id=TWIN),
                ShortlistItem(shortlist_id=both.id, service_id=TEA),
                MatchFeedback(service_id=TWIN, user_id=owner, outcome=FeedbackOutcome.USED),
                MatchFeedback(service_id=TWIN, user_id=owner, outcome=FeedbackOutcome.NO_REPLY),
                MatchFeedback(service_id=TEA, user_id=owner, outcome=FeedbackOutcome.USED),
                ListingReport(service_id=TWIN, kind=ReportKind.OTHER, details="Same as the other."),
            ]
        )
        session.commit()
        editor = session.get(User, people["editor"].id)
        twin = editing.load_service(session, TWIN)
        values = dict(editing.snapshot(twin), summary="Proposed by the editor.")
        assert editing.save(session, editor, twin, twin.version, values).status == "pending"
        editing.refresh_search(session, twin)
    small_search.config["TEST_SHORTLISTS"] = (only_twin.id, both.id)
    return small_search


def _manager(session: Session) -> User:
    return session.exec(select(User).where(User.email == "manager@example.org")).one()


def _history(session: Session, service_id) -> list[ListingChange]:
    return editing.history(session, EntityType.SERVICE, service_id)


def _found_by_search(app: Flask) -> set[str]:
    body = app.test_client().get("/api/v1/search?q=tuesday+tea").get_json()
    return {r["service_id"] for r in body["results"]}


def test_merging_moves_everything_onto_the_kept_listing_and_keeps_both_histories(app):
    only_twin, both = app.config["TEST_SHORTLISTS"]
    assert {str(TEA), str(TWIN)} <= _found_by_search(app)
    with app.app_context(), _session(app) as session:
        twin_history = [c.id for c in _history(session, TWIN)]
        tea_history = [c.id for c in _history(session, TEA)]
        keep, twin = session.get(Service, TEA), session.get(Service, TWIN)
        planned = merging.what_moves(session, keep, twin)
        moves = merging.merge_services(session, _manager(session), keep, twin)
    assert moves == planned
    assert moves.as_dict() == {
        "shortlist_items": 1,
        "already_on_shortlists": 1,
        "feedback": 2,
        "reports": 1,
        "returned_revisions": 1,
    }
    with _session(app) as session:
        items = session.exec(select(ShortlistItem)).all()
        assert sorted((i.shortlist_id, i.service_id) for i in items) == sorted(
            [(only_twin, TEA), (both, TEA)]
        )
        feedback = session.exec(select(MatchFeedback.service_id)).all()
        assert feedback == [TEA, TEA, TEA]
        report = session.exec(select(ListingReport)).one()
        assert report.service_id == TEA and report.details == "Same as the other."
        revision = session.exec(
            select(ListingRevision).where(ListingRevision.entity_id == TWIN)
        ).one()
        assert revision.status == RevisionStatus.RETURNED
        assert "merged into “Tuesday Tea and Chat”" in revision.comment
        assert session.get(Service, TWIN).status == ListingStatus.ARCHIVED

        # Nothing was taken from either history; each gained what says where things went.
        twin_after = _history(session, TWIN)
        assert [c.id for c in twin_after][-len(twin_history) :] == twin_history
        new = {c.action: c for c in twin_after[: len(twin_after) - len(twin_history)]}
        assert set(new) == {"status", "merged into"}
        assert new["status"].after == {"status": "archived"}
        assert new["status"].note == "Merged into “Tuesday Tea and Chat”."
        assert new["merged into"].after["merged_into"] == {
            "id": str(TEA),
            "name": "Tuesday Tea and Chat",
        }
        tea_after = _history(session, TEA)
        assert [c.id for c in tea_after][1:] == tea_history
        merged = tea_after[0]
        assert merged.action == "merged" and merged.actor == "manager@example.org"
        assert merged.after["merged_from"] == {"id": str(TWIN), "name": "Tuesday tea and chat"}
        assert merged.after["moved"]["feedback"] == 2
        assert str(TWIN) in merged.note and "2 pieces of link-worker feedback" in merged.note

    # Gone from search and from the open data; the kept one is still in both.
    found = _found_by_search(app)
    assert str(TEA) in found and str(TWIN) not in found
    client = app.test_client()
    assert client.get(f"/api/v1/services/{TWIN}").status_code == 404
    assert client.get(f"/api/v1/services/{TEA}").status_code == 200
    listed = client.get("/api/v1/services?per_page=50").get_json()["contents"]
    assert str(TWIN) not in {s["id"] for s in listed}

    # Both histories are on view to a manager, each linking to the other.
    manager = client_for(app, "manager")
    kept_page = manager.get(f"/manage/services/{TEA}/history")
    assert kept_page.status_code == 200
    assert f'href="/manage/services/{TWIN}/history"' in kept_page.text
    assert "Took in “Tuesday tea and chat”" in kept_page.text
    archived_page = manager.get(f"/manage/services/{TWIN}/history")
    assert archived_page.status_code == 200
    assert f'href="/manage/services/{TEA}/history"' in archived_page.text
    assert "Imported by the import" in archived_page.text


def _archive(app: Flask, service_id) -> None:
    with app.app_context(), _session(app) as session:
        service = session.get(Service, service_id)
        editing.set_status(session, service, ListingStatus.ARCHIVED, user=None, actor="test")


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("keep", "duplicate", "before", "message"),
    [
        (TEA, TEA, None, "A listing cannot be merged into itself: choose two different listings."),
        (DRAFT, TWIN, DRAFT, "“Draft Club” is archived: merge into a listing that is still in use"),
        (LINE, TWIN, "merge", "“Tuesday tea and chat” was already merged into “Tuesday Tea"),
    ],
    ids=["itself", "archived target", "merged already"],
)
def test_refused_merges_say_why_and_change_nothing(app, keep, duplicate, before, message):
    if before == "merge":
        with app.app_context(), _session(app) as session:
            merging.merge_services(
                session, None, session.get(Service, TEA), session.get(Service, TWIN)
            )
    elif before is not None:
        _archive(app, before)
    with app.app_context(), _session(app) as session:
        changes = len(session.exec(select(ListingChange)).all())
        items = len(session.exec(select(ShortlistItem)).all())
        with pytest.raises(merging.MergeRefused, match=re.escape(message)):
            merging.merge_services(
                session,
                _manager(session),
                session.get(Service, keep),
                session.get(Service, duplicate),
            )
    with _session(app) as session:
        assert len(session.exec(select(ListingChange)).all()) == changes
        assert len(session.exec(select(ShortlistItem)).all()) == items


@SQLITE_ONLY
def test_only_managers_merge(app):
    with app.app_context(), _session(app) as session:
        editor = session.exec(select(User).where(User.email == "editor@example.org")).one()
        with pytest.raises(merging.MergeRefused, match="^Only managers can merge listings.$"):
            merging.merge_services(
                session, editor, session.get(Service, TEA), session.get(Service, TWIN)
            )
    for who, status in [("editor", 403), ("other_editor", 403), ("linkworker", 403)]:
        client = client_for(app, who)
        assert client.get("/manage/duplicates").status_code == status
        assert client.get(f"/manage/services/{TEA}/merge/{TWIN}").status_code == status
        assert client.post(f"/manage/services/{TEA}/merge/{TWIN}").status_code == status
    with _session(app) as session:
        assert session.get(Service, TWIN).status == ListingStatus.PUBLISHED


def test_the_catalogue_s_likely_duplicates_leave_out_archived_listings(app):
    with app.app_context(), _session(app) as session:
        pairs = duplicates.likely_duplicates(session)
        assert [{p.first_id, p.second_id} for p in pairs] == [{TEA, TWIN}]
        assert "same organisation" in pairs[0].reasons
        assert "same postcode" not in str(pairs[0])
        merging.merge_services(session, None, session.get(Service, TEA), session.get(Service, TWIN))
        assert duplicates.likely_duplicates(session) == []


@SQLITE_ONLY
def test_a_manager_merges_from_the_duplicates_page(app):
    manager = client_for(app, "manager")
    listing = manager.get("/manage/duplicates")
    assert listing.status_code == 200
    confirm_url = f"/manage/services/{TEA}/merge/{TWIN}"
    assert f'href="{confirm_url}"' in listing.text
    assert f'href="/manage/services/{TWIN}/merge/{TEA}"' in listing.text
    page = manager.get(confirm_url)
    assert page.status_code == 200
    assert "Link workers' feedback moved: 2" in page.text
    assert "Shortlists that already hold “Tuesday Tea and Chat”" in page.text
    assert (
        manager.get(f"/manage/services/{TEA}/merge/{stable_id('service', 'x')}").status_code == 404
    )
    assert manager.get(f"/manage/services/{TEA}/merge/not-an-id").status_code == 404
    itself = manager.post(f"/manage/services/{TEA}/merge/{TEA}")
    assert itself.status_code == 400 and "cannot be merged into itself" in itself.text
    stale = manager.post(confirm_url, data={"keep_version": "0", "duplicate_version": "1"})
    assert stale.status_code == 400 and "changed since you looked: nothing was merged" in stale.text
    done = manager.post(confirm_url, data=VERSIONS)
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/services/{TEA}/history")
    assert (
        "Merged “Tuesday tea and chat” into “Tuesday Tea and Chat”"
        in manager.get(done.headers["Location"]).text
    )
    again = manager.post(confirm_url, data=VERSIONS)
    assert again.status_code == 400 and "was already merged" in again.text


@SQLITE_ONLY
def test_the_merge_form_needs_its_csrf_token(app):
    app.config["WTF_CSRF_ENABLED"] = True
    manager = app.test_client()
    form = manager.get("/sign-in").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    signed_in = manager.post(
        "/sign-in",
        data={
            "email": "manager@example.org",
            "password": "correct horse battery staple",
            "csrf_token": token,
        },
    )
    assert signed_in.status_code == 302
    url = f"/manage/services/{TEA}/merge/{TWIN}"
    assert manager.post(url).status_code == 400
    with _session(app) as session:
        assert session.get(Service, TWIN).status == ListingStatus.PUBLISHED
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', manager.get(url).text)
    assert manager.post(url, data={"csrf_token": token.group(1), **VERSIONS}).status_code == 302
    with _session(app) as session:
        assert session.get(Service, TWIN).status == ListingStatus.ARCHIVED


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["not-a-uuid", str(TWIN)], "There is no service with id 'not-a-uuid' (to keep)."),
        (
            [str(TEA), str(stable_id("service", "nowhere"))],
            f"There is no service with id '{stable_id('service', 'nowhere')}' (to merge into it).",
        ),
        ([str(TEA), str(TEA)], "A listing cannot be merged into itself"),
        ([str(MONEY)], "Missing argument 'DUPLICATE_ID'"),
    ],
    ids=["malformed", "unknown", "itself", "missing"],
)
def test_the_command_refuses_bad_ids_clearly(app, args, message):
    result = app.test_cli_runner().invoke(args=["merge-listings", *args])
    assert result.exit_code != 0
    assert message in result.output
    with _session(app) as session:
        assert session.get(Service, TWIN).status == ListingStatus.PUBLISHED
        assert not session.exec(
            select(ListingChange).where(col(ListingChange.action).in_(["merged", "merged into"]))
        ).all()


@SQLITE_ONLY
def test_the_command_merges(app):
    result = app.test_cli_runner().invoke(args=["merge-listings", f" {TEA} ", str(TWIN)])
    assert result.exit_code == 0, result.output
    assert "Merged “Tuesday tea and chat” into “Tuesday Tea and Chat”: moved 1 shortlist item" in (
        result.output
    )
    with _session(app) as session:
        assert session.get(Service, TWIN).status == ListingStatus.ARCHIVED
        merged = _history(session, TEA)[0]
        assert merged.action == "merged" and merged.actor == merging.COMMAND_LINE
        assert merged.user_id is None


def test_a_merge_racing_a_change_to_the_duplicate_merges_nothing(app):
    with app.app_context(), _session(app) as session:
        keep, twin = session.get(Service, TEA), session.get(Service, TWIN)
        manager = _manager(session)
        with _session(app) as other:  # someone saves the duplicate after the merge read it
            other.exec(
                sa.update(Service).where(Service.id == TWIN).values(version=Service.version + 1)
            )
            other.commit()
        with pytest.raises(merging.MergeRefused, match="changed while you were merging: nothing"):
            merging.merge_services(session, manager, keep, twin)
    with _session(app) as session:
        assert session.get(Service, TWIN).status == ListingStatus.PUBLISHED
        on_twin = select(ShortlistItem).where(ShortlistItem.service_id == TWIN)
        assert len(session.exec(on_twin).all()) == 2
        assert session.exec(select(MatchFeedback.service_id)).all().count(TWIN) == 2
        assert not session.exec(
            select(ListingChange).where(col(ListingChange.action).in_(["merged", "merged into"]))
        ).all()


@SQLITE_ONLY
def test_merging_a_duplicate_archived_already_still_keeps_what_it_moved(app):
    _archive(app, TWIN)
    with app.app_context(), _session(app) as session:
        keep, twin = session.get(Service, TEA), session.get(Service, TWIN)
        moves = merging.merge_services(session, _manager(session), keep, twin)
    assert (moves.shortlist_items, moves.feedback, moves.reports) == (1, 2, 1)
    with _session(app) as session:
        assert session.exec(select(MatchFeedback.service_id)).all() == [TEA, TEA, TEA]
        assert session.exec(select(ListingReport)).one().service_id == TEA
        assert _history(session, TWIN)[0].action == "merged into"
        assert _history(session, TEA)[0].action == "merged"


# --- in a real browser: the pages pass axe-core (WCAG 2.2 AA) and fit a phone ------------


@SQLITE_ONLY
@pytest.mark.browser
@pytest.mark.live_server
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")
@pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (npm ci)")
def test_the_merge_pages_pass_axe_and_fit_a_phone(app, browser, live_server):
    with live_server(app) as base:
        page = browser.new_page(viewport={"width": 360, "height": 800})
        page.add_init_script(path=str(AXE))
        _sign_in(page, base, "manager")
        confirm = f"/manage/services/{TEA}/merge/{TWIN}"
        failures = _check(page, base, ["/manage/duplicates", confirm], 360)
        page.goto(base + confirm)
        page.get_by_role("button", name="Merge “Tuesday tea and chat”").click()
        page.wait_for_url(f"**/manage/services/{TEA}/history")
        paths = [f"/manage/services/{TEA}/history", f"/manage/services/{TWIN}/history"]
        failures.update(_check(page, base, paths, 360))
        page.close()
    assert failures == {}


# --- choosing, field by field, what the kept listing keeps --------------------------------


def _give_the_twin_a_contact(app: Flask) -> None:
    with _session(app) as session:
        session.add(
            Contact(service_id=TWIN, name="Jo Bloggs", phones=[Phone(number="0113 496 0999")])
        )
        session.commit()


def test_the_manager_chooses_field_by_field_and_can_keep_both_contacts(app):
    _give_the_twin_a_contact(app)
    with app.app_context(), _session(app) as session:
        keep, twin = session.get(Service, TEA), session.get(Service, TWIN)
        offered = {c.name: c for c in merging.choices(keep, twin)}
        assert {"name", "summary", "contact"} <= set(offered)
        assert offered["contact"].options == ("keep", "take", "both")
        assert offered["summary"].options == ("keep", "take")
        with pytest.raises(merging.MergeRefused, match="not a choice for “summary”"):
            merging.merge_services(session, _manager(session), keep, twin, {"summary": "both"})
        assert session.get(Service, TWIN).status == ListingStatus.PUBLISHED
        versions = (keep.version, twin.version)
        merging.merge_services(
            session,
            _manager(session),
            keep,
            twin,
            {"summary": "take", "contact": "both"},
            versions=versions,
        )
    with app.app_context(), _session(app) as session:
        kept = editing.load_service(session, TEA)
        assert kept.summary == "Tea and a chat on Tuesdays."  # taken from the twin
        assert kept.name == "Tuesday Tea and Chat"  # not chosen: its own
        phones = {c.name: [p.number for p in c.phones] for c in kept.contacts}
        assert phones == {"Sam Okafor": ["0113 496 0124"], "Jo Bloggs": ["0113 496 0999"]}
        assert kept.version == versions[0] + 2  # the values, then the contacts
        history = _history(session, TEA)
        actions = [(c.action, c.note) for c in history[:3]]
        assert actions[0][0] == "merged" and "Took in" in actions[0][1]
        assert actions[1] == (
            "merged",
            "Kept both contacts: added from “Tuesday tea and chat” the contact Jo Bloggs, "
            "the phone 0113 496 0999.",
        )
        chosen = history[2]
        assert chosen.after == {"summary": "Tea and a chat on Tuesdays."}
        assert chosen.before == {"summary": "A relaxed weekly drop-in for a cuppa and a chat."}
        assert chosen.note.startswith("Chosen from “Tuesday tea and chat”")
        # The archived twin keeps its own contact: it was copied, not moved.
        assert [c.name for c in session.get(Service, TWIN).contacts] == ["Jo Bloggs"]


@SQLITE_ONLY
def test_the_merge_page_offers_a_choice_for_each_detail_that_differs(app):
    _give_the_twin_a_contact(app)
    manager = client_for(app, "manager")
    url = f"/manage/services/{TEA}/merge/{TWIN}"
    page = manager.get(url).text
    assert '<legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">Summary</legend>' in (
        page
    )
    assert 'name="choose-summary" type="radio" value="keep" aria-describedby' in page
    assert 'id="choose-summary-keep" name="choose-summary" type="radio" value="keep"' in page
    assert 'value="keep" aria-describedby="choose-summary-keep-hint" checked>' in page
    assert 'value="take" aria-describedby="choose-summary-take-hint">' in page
    assert "Keep both" in page and "Jo Bloggs" in page
    chosen = {**VERSIONS, "choose-name": "take", "choose-contact": "take"}
    assert manager.post(url, data=chosen).status_code == 302
    with _session(app) as session:
        kept = editing.load_service(session, TEA)
        assert kept.name == "Tuesday tea and chat"
        assert [(c.name, [p.number for p in c.phones]) for c in kept.contacts] == [
            ("Jo Bloggs", ["0113 496 0999"])
        ]


def test_a_merge_racing_a_change_to_the_kept_listing_takes_nothing(app):
    with app.app_context(), _session(app) as session:
        keep, twin = session.get(Service, TEA), session.get(Service, TWIN)
        summary = keep.summary
        with _session(app) as other:  # someone saves the kept listing after the merge read it
            other.exec(
                sa.update(Service).where(Service.id == TEA).values(version=Service.version + 1)
            )
            other.commit()
        with pytest.raises(merging.MergeRefused, match="changed while you were merging: nothing"):
            merging.merge_services(session, _manager(session), keep, twin, {"summary": "take"})
    with _session(app) as session:
        assert session.get(Service, TEA).summary == summary
        assert session.get(Service, TWIN).status == ListingStatus.PUBLISHED
        assert session.exec(select(MatchFeedback.service_id)).all().count(TWIN) == 2
        assert not session.exec(
            select(ListingChange).where(col(ListingChange.action).in_(["merged", "merged into"]))
        ).all()
