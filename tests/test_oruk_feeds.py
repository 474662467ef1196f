"""Following a feed: one Signpost follows another's Open Referral UK API over real HTTP.

The upstream directory runs as a separate process (gunicorn, on loopback, on its own test
database); the follower is the test's app. Edits upstream reach the follower on its next
sync, local edits are kept (the feed's change waits for review), a listing gone from the
feed is flagged, and feeds that cannot be read leave a clear problem on the sync's record.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask, Response
from sqlmodel import Session
from sqlmodel import select as select_rows

from directory import db
from directory.catalogue import seeding
from directory.listings import editing
from directory.models import (
    Feed,
    FeedSync,
    ListingChange,
    ListingRevision,
    ListingStatus,
    Organisation,
    RevisionStatus,
    Role,
    Service,
    User,
)
from directory.oruk import feeds, importing
from directory.oruk import upstream as upstream_api
from tests.accounts_helpers import (
    FAST_HASH,
    LINE,
    MONEY,
    ORG_B,
    TEA,
    add_people,
    client_for,
    email_of,
)
from tests.conftest import GUNICORN, SMALL_CATALOGUE, gunicorn_url, make_app, stop_gunicorn

PROJECT = Path(__file__).resolve().parents[1]


# --- the two directories --------------------------------------------------------------------


@pytest.fixture
def upstream(databases, tmp_path) -> Iterator[Flask]:
    """The directory followed: the small catalogue, and people who edit it."""
    app = make_app(databases.new_migrated(), tmp_path / "upstream")
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        seeding.seed(session, SMALL_CATALOGUE)
    add_people(app)
    yield app
    app.extensions[db.ENGINE_KEY].dispose()


@pytest.fixture
def follower(empty_app) -> Flask:
    """The directory that follows: the needs vocabulary, no listings, a manager."""
    with Session(empty_app.extensions[db.ENGINE_KEY]) as session:
        seeding.seed_vocabulary(session)
        session.add(User(email=email_of("manager"), password_hash=FAST_HASH, role=Role.MANAGER))
        session.commit()
    return empty_app


@contextmanager
def signpost_process(app: Flask, folder: Path) -> Iterator[str]:
    """Serve app's database from a separate Signpost process (gunicorn); yields its API's URL.

    gunicorn binds a port the system chooses and says which; the URL is given once the
    API answers.
    """
    env = {
        **os.environ,
        "SIGNPOST_ENV": "development",
        "DATABASE_URL": app.config["DATABASE_URL"],
        "SEARCH_INDEX_DIR": str(folder / "index"),
        "SIGNPOST_INSTANCE_PATH": str(folder),
    }
    command = [str(GUNICORN), "--bind", "127.0.0.1:0", "--workers", "1", "wsgi:app"]
    process = subprocess.Popen(command, cwd=PROJECT, env=env, stderr=subprocess.PIPE)
    try:
        yield gunicorn_url(process) + "/api/v1"
    finally:
        stop_gunicorn(process)


# --- what the tests do on each side ---------------------------------------------------------


def edit(app: Flask, who_id, service_id, **values) -> str:
    """Change a service as a signed-in person would (a manager's change goes live)."""
    with app.app_context(), Session(db.engine()) as session:
        user = session.get(User, who_id)
        service = editing.load_service(session, service_id)
        assert user is not None and service is not None
        wanted = {**editing.snapshot(service), **values}
        return editing.save(session, user, service, service.version, wanted).status


def edit_organisation(app: Flask, who_id, organisation_id, **values) -> str:
    with app.app_context(), Session(db.engine()) as session:
        user = session.get(User, who_id)
        organisation = editing.load_organisation(session, organisation_id)
        assert user is not None and organisation is not None
        wanted = {**editing.snapshot(organisation), **values}
        return editing.save(session, user, organisation, organisation.version, wanted).status


def sync(app: Flask, name: str = "Leeds Directory", full: bool = False) -> FeedSync:
    with app.app_context(), Session(db.engine(), expire_on_commit=False) as session:
        feed = feeds.named(session, name)
        assert feed is not None
        return feeds.sync(session, feed, full=full)


def add_feed(app: Flask, url: str, name: str = "Leeds Directory", trusted: bool = True) -> Feed:
    with app.app_context(), Session(db.engine(), expire_on_commit=False) as session:
        return feeds.add_feed(session, url=url, name=name, trusted=trusted)


def service_of(app: Flask, service_id) -> Service:
    with Session(app.extensions[db.ENGINE_KEY], expire_on_commit=False) as session:
        found = session.get(Service, service_id)
        assert found is not None
        return found


def published_ids(app: Flask) -> set:
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        return set(
            session.exec(
                select_rows(Service.id).where(Service.status == ListingStatus.PUBLISHED)
            ).all()
        )


# --- following another Signpost ------------------------------------------------------------


@pytest.mark.live_server
def test_a_follower_keeps_up_with_another_signpost_and_keeps_its_own_edits(
    upstream, follower, tmp_path
):
    people = {who: user.id for who, user in people_of(upstream).items()}
    here = {who: user.id for who, user in people_of(follower).items()}
    with signpost_process(upstream, tmp_path / "upstream-process") as api:
        add_feed(follower, api)

        first = sync(follower)
        assert first.succeeded, first.problems
        assert first.modified_after is None  # the first sync reads everything
        assert published_ids(follower) == published_ids(upstream)
        # services and organisations are counted apart (issue 12: "242 new" was both)
        assert first.created == len(published_ids(upstream))
        assert (first.organisations_created, first.organisations_updated) == (2, 0)
        assert (first.updated, first.held, first.gone) == (0, 0, 0)

        # An edit upstream reaches the follower on the next sync, in its history.
        assert edit(upstream, people["manager"], TEA, description="Tea, cake, a chat.") == "saved"
        second = sync(follower)
        assert second.succeeded, second.problems
        assert second.modified_after == first.started_at
        assert (second.created, second.updated, second.held) == (0, 1, 0)
        assert service_of(follower, TEA).description == "Tea, cake, a chat."
        with Session(follower.extensions[db.ENGINE_KEY]) as session:
            entry = session.exec(
                select_rows(ListingChange).where(
                    ListingChange.entity_id == TEA, ListingChange.action == "feed"
                )
            ).one()
            assert entry.actor == "the feed Leeds Directory"
            assert entry.after["description"] == "Tea, cake, a chat."

        # A local edit is kept; the upstream change to the same listing waits for review.
        assert edit(follower, here["manager"], LINE, description="Ours: ring any day.") == "saved"
        assert edit(upstream, people["manager"], LINE, description="Theirs: new hours.") == "saved"
        third = sync(follower)
        assert (third.updated, third.held) == (0, 1), third.problems
        assert service_of(follower, LINE).description == "Ours: ring any day."
        with Session(follower.extensions[db.ENGINE_KEY]) as session:
            waiting = session.exec(
                select_rows(ListingRevision).where(ListingRevision.entity_id == LINE)
            ).one()
            assert waiting.status == RevisionStatus.PENDING
            assert waiting.author_id is None
            assert waiting.proposed["description"] == "Theirs: new hours."
            assert waiting.before["description"] == "Ours: ring any day."
            revision_id = waiting.id

        # A manager sees it in the normal review queue, marked as from the feed, and may take it.
        manager = client_for(follower, "manager")
        queue = manager.get("/manage/").text
        assert f"/manage/revisions/{revision_id}" in queue
        assert "from the feed Leeds Directory" in queue
        page = manager.get(f"/manage/revisions/{revision_id}").text
        assert "This change came from the feed Leeds Directory" in page
        approved = manager.post(f"/manage/revisions/{revision_id}", data={"approve-submit": "1"})
        assert approved.status_code == 302
        assert service_of(follower, LINE).description == "Theirs: new hours."

        # Taken: the listing agrees with the feed again, so its next change comes straight in.
        edit(upstream, people["manager"], LINE, description="Theirs: newer hours.")
        fourth = sync(follower)
        assert (fourth.updated, fourth.held) == (1, 0), fourth.problems
        assert service_of(follower, LINE).description == "Theirs: newer hours."

        # A listing withdrawn upstream is flagged on a full sync, and kept.
        with upstream.app_context(), Session(db.engine()) as session:
            money = session.get(Service, MONEY)
            assert money is not None
            editing.set_status(session, money, ListingStatus.ARCHIVED, user=None, actor="test")
        changes_only = sync(follower)
        assert changes_only.gone == 0  # a sync of changes cannot tell what went
        full = sync(follower, full=True)
        assert full.succeeded and full.modified_after is None
        assert full.gone == 1
        assert service_of(follower, MONEY).status == ListingStatus.PUBLISHED
        page = manager.get("/manage/feeds").text
        assert "Gone from the feed (1)" in page
        assert f"/manage/services/{MONEY}/edit" in page
        listing = manager.get(f"/manage/services/{MONEY}/edit").text
        assert "Gone from the feed Leeds Directory" in listing


def people_of(app: Flask) -> dict:
    """The people the fixtures made, by who they are."""
    with Session(app.extensions[db.ENGINE_KEY], expire_on_commit=False) as session:
        users = session.exec(select_rows(User)).all()
    return {user.email.split("@")[0].replace("-", "_"): user for user in users}


# --- feeds that cannot be read ----------------------------------------------------------


def not_a_feed() -> Flask:
    """A web server that is no Open Referral UK API, in the ways a wrong address can be."""
    app = Flask("not_a_feed")

    @app.get("/html/services")
    def html() -> Response:
        return Response("<html><body>Welcome</body></html>", mimetype="text/html")

    @app.get("/other/services")
    def other() -> Response:
        return Response('{"hello": "world"}', mimetype="application/json")

    @app.get("/huge/services")
    def huge() -> Response:
        return Response('{"contents": [], "padding": "' + "x" * 5000 + '"}')

    @app.get("/broken/services")
    def broken() -> Response:
        # a service in full (it has its lists) without its organisation: refused by the check
        service = {"id": str(uuid.uuid4()), "name": "Lunch club", "schedules": []}
        return Response(json.dumps({"contents": [service], "total_pages": 1}))

    @app.get("/slow/services")
    def slow() -> Response:
        time.sleep(1.5)
        return Response('{"contents": [], "total_pages": 1}')

    @app.get("/trickle/services")
    def trickle() -> Response:
        # a byte every 0.1 s: never silent for the timeout, never done
        def drip() -> Iterator[bytes]:
            yield b'{"contents": [], "padding": "'
            for _ in range(100):
                time.sleep(0.1)
                yield b"x"

        return Response(drip(), mimetype="application/json")

    @app.get("/moved/services")
    def moved() -> Response:
        return Response("", status=302, headers={"Location": "http://169.254.169.254/latest"})

    return app


@pytest.mark.live_server
def test_a_feed_that_cannot_be_read_leaves_a_clear_problem_and_changes_nothing(
    follower, live_server
):
    follower.config.update(FEED_TIMEOUT=0.5, IMPORT_MAX_BYTES=2000)
    with live_server(not_a_feed()) as site:
        cases = {
            "html": (f"{site}/html", "did not answer with JSON (it sent text/html)"),
            "other": (f"{site}/other", "is not an Open Referral UK API"),
            "huge": (f"{site}/huge", "sent more than 2 KB"),
            "slow": (f"{site}/slow", "did not answer within 0.5 seconds"),
            "missing": (f"{site}/nowhere", "answered 404 NOT FOUND"),
        }
        for name, (url, _) in cases.items():
            add_feed(follower, url, name=name)
        for name, (_, words) in cases.items():
            run = sync(follower, name)
            assert not run.succeeded
            assert len(run.problems) == 1 and words in run.problems[0], run.problems
            assert run.finished_at is not None
    add_feed(follower, "http://127.0.0.1:9/api/v1", name="closed")
    closed = sync(follower, "closed")
    assert not closed.succeeded
    assert closed.problems[0].startswith("Could not reach http://127.0.0.1:9/api/v1/services")
    assert published_ids(follower) == set()
    page = client_for(follower, "manager").get("/manage/feeds").text
    assert "did not answer within 0.5 seconds" in page
    assert "Failed" in page


@pytest.mark.live_server
def test_a_sync_stops_at_its_deadline_its_byte_budget_and_a_redirect(follower, live_server):
    """The timeout is for each wait; a server sending a trickle never trips it, so the
    whole sync has a deadline; and all its answers together a budget."""
    follower.config.update(FEED_TIMEOUT=0.5, FEED_DEADLINE=1, FEED_MAX_BYTES=2000)
    with live_server(not_a_feed()) as site:
        cases = {
            "trickle": "took more than 1 seconds in all, the most a sync may take",
            "huge": "sent more than 2 KB in all, the most a sync may read",
            "moved": "a redirect to http://169.254.169.254/latest: a feed's redirects are not",
        }
        for name in cases:
            add_feed(follower, f"{site}/{name}", name=name)
        for name, words in cases.items():
            started = time.monotonic()
            run = sync(follower, name)
            assert time.monotonic() - started < 3
            assert not run.succeeded
            assert len(run.problems) == 1 and words in run.problems[0], run.problems


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/api",
        "http://localhost/api/v1",
        "http://169.254.169.254/latest",
        "http://10.1.2.3/api",
        "https://192.168.0.1/api",
        "http://[::1]:5000/api",
        "http://0.0.0.0/api",
        "http://224.0.0.1/api",
    ],
)
def test_a_feed_on_this_servers_own_network_is_refused(empty_app, url):
    empty_app.config["FEED_ALLOW_PRIVATE"] = False
    with pytest.raises(feeds.FeedRefused) as refused:
        add_feed(empty_app, url)
    assert "on a private network" in refused.value.problems["url"]
    assert "a feed must be on the public internet" in refused.value.problems["url"]
    with Session(empty_app.extensions[db.ENGINE_KEY]) as session:
        assert session.exec(select_rows(Feed)).all() == []


@pytest.mark.live_server
def test_each_sync_checks_the_feeds_address_again(follower, live_server):
    """A name may resolve elsewhere later: each request is checked, before it connects."""
    asked: list[str] = []
    feed_site = not_a_feed()
    inner = feed_site.wsgi_app

    def counting(environ, start_response):
        asked.append(environ["PATH_INFO"])
        return inner(environ, start_response)

    feed_site.wsgi_app = counting  # type: ignore[method-assign]
    with live_server(feed_site) as site:
        add_feed(follower, f"{site}/other")  # allowed when it was added
        follower.config["FEED_ALLOW_PRIVATE"] = False
        run = sync(follower)
    assert not run.succeeded
    assert "127.0.0.1 is on a private network (127.0.0.1)" in run.problems[0], run.problems
    assert asked == []  # refused before connecting: nothing learnt of what listens there


def test_a_sync_whose_process_was_stopped_is_shown_as_not_finished(follower):
    with Session(follower.extensions[db.ENGINE_KEY]) as session:
        feed = Feed(name="Leeds Directory", url="https://example.org/api/v1", trusted=True)
        session.add(feed)
        session.flush()
        long_ago = datetime.now(UTC) - timedelta(hours=2)
        session.add(FeedSync(feed_id=feed.id, started_at=long_ago))
        session.add(FeedSync(feed_id=feed.id))
        session.commit()
    page = client_for(follower, "manager").get("/manage/feeds").text
    assert page.count("Did not finish") == 1
    assert page.count("Running") == 1


@pytest.mark.parametrize(
    ("url", "name", "field", "words"),
    [
        ("leeds directory", "Leeds", "url", "is not a web address"),
        ("ftp://example.org/api", "Leeds", "url", "is not a web address"),
        ("https://example.org/api?x=1", "Leeds", "url", "without a query"),
        ("https://example.org/api/v1", "  ", "name", "Give the feed a name"),
        ("https://example.org/api/v1", "x" * 201, "name", "at most 200 characters"),
        ("https://example.org/api/v1/", "Kirklees", "url", "is followed already"),
        ("https://example.org/other", "leeds  directory", "name", "already called"),
    ],
)
def test_a_feed_with_a_bad_address_or_name_is_refused_in_words(empty_app, url, name, field, words):
    add_feed(empty_app, "https://example.org/api/v1/services")
    with pytest.raises(feeds.FeedRefused) as refused:
        add_feed(empty_app, url, name=name)
    assert words in refused.value.problems[field]
    with Session(empty_app.extensions[db.ENGINE_KEY]) as session:
        assert [f.url for f in session.exec(select_rows(Feed)).all()] == [
            "https://example.org/api/v1"
        ]


# --- the managers' page and the commands --------------------------------------------------


def test_only_managers_see_the_feeds_page(follower):
    with Session(follower.extensions[db.ENGINE_KEY]) as session:
        session.add(
            User(email=email_of("linkworker"), password_hash=FAST_HASH, role=Role.LINK_WORKER)
        )
        session.commit()
    assert follower.test_client().get("/manage/feeds").status_code == 302  # to sign in
    assert client_for(follower, "linkworker").get("/manage/feeds").status_code == 403
    refused = client_for(follower, "linkworker").post(
        "/manage/feeds", data={"url": "https://example.org/api/v1", "name": "Leeds"}
    )
    assert refused.status_code == 403
    manager = client_for(follower, "manager")
    bad = manager.post("/manage/feeds", data={"url": "leeds directory", "name": ""})
    assert bad.status_code == 400
    assert "There is a problem" in bad.text
    assert "is not a web address" in bad.text
    assert "Give the feed a name" in bad.text
    follower.config["WTF_CSRF_ENABLED"] = True
    forged = manager.post("/manage/feeds", data={"url": "https://example.org/api", "name": "X"})
    assert forged.status_code == 400
    with Session(follower.extensions[db.ENGINE_KEY]) as session:
        assert session.exec(select_rows(Feed)).all() == []


@pytest.mark.live_server
def test_a_manager_follows_a_feed_and_syncs_it_from_the_page(upstream, follower, live_server):
    manager = client_for(follower, "manager")
    with live_server(upstream) as site:
        added = manager.post(
            "/manage/feeds", data={"url": f"{site}/api/v1/", "name": "Leeds Directory"}
        )
        assert added.status_code == 302
        page = manager.get("/manage/feeds").text
        assert "Not synced yet" in page
        assert "Not trusted: its new listings wait for review" in page
        with Session(follower.extensions[db.ENGINE_KEY]) as session:
            feed = session.exec(select_rows(Feed)).one()
        assert feed.url == f"{site}/api/v1"
        synced = manager.post(f"/manage/feeds/{feed.id}/sync", follow_redirects=True)
    count = len(published_ids(upstream))
    new = f"{count} services and 2 organisations new, nothing updated"
    assert f"Synced “Leeds Directory”: {new}" in synced.text
    assert f"From this feed: {count} services and 2 organisations." in synced.text
    assert f"New </span>{count} services, 2 organisations</td>" in synced.text
    assert "Read </span>everything</td>" in synced.text
    # not trusted: the new listings wait for a manager
    assert published_ids(follower) == set()
    assert service_of(follower, TEA).status == ListingStatus.PENDING_REVIEW
    listing = manager.get(f"/manage/services/{TEA}/edit").text
    assert "From the feed Leeds Directory" in listing
    # the upstream has gone away: the next sync fails, and says so on the page
    failed = manager.post(f"/manage/feeds/{feed.id}/sync", follow_redirects=True)
    assert "could not be synced: Could not reach" in failed.text
    assert "<strong>Failed</strong>" in failed.text


@pytest.mark.live_server
def test_the_feeds_commands_add_a_feed_and_sync_it(upstream, follower, live_server):
    runner = follower.test_cli_runner()
    with live_server(upstream) as site:
        added = runner.invoke(
            args=["feeds", "add", f"{site}/api/v1", "--name", "Leeds Directory", "--trusted"]
        )
        assert added.exit_code == 0, added.output
        assert "Following “Leeds Directory”" in added.output
        assert "published at once" in added.output
        first = runner.invoke(args=["feeds", "sync"])
        assert first.exit_code == 0, first.output
        count = len(published_ids(upstream))
        assert (
            f"Leeds Directory (every service): {count} services and 2 organisations new, "
            "nothing updated" in first.output
        )
        again = runner.invoke(args=["feeds", "sync", "leeds directory"])
        assert "(changes since the last sync): nothing new, nothing updated, 0 held" in again.output
        unknown = runner.invoke(args=["feeds", "sync", "Kirklees"])
        assert unknown.exit_code == 1
        assert "No feed is called “Kirklees” (feeds: “Leeds Directory”)" in unknown.output
        refused = runner.invoke(args=["feeds", "add", "kirklees", "--name", "Kirklees"])
        assert refused.exit_code == 1
        assert "is not a web address" in refused.output
    assert published_ids(follower) == published_ids(upstream)
    gone = runner.invoke(args=["feeds", "sync"])
    assert gone.exit_code == 1
    assert "Leeds Directory: not synced." in gone.output
    assert "Could not reach" in gone.output
    assert "Traceback" not in gone.output


@pytest.mark.live_server
def test_nobody_sees_the_feeds_values_on_a_listing_changed_here_even_during_a_sync(
    upstream, follower, live_server, monkeypatch
):
    """The importer commits as it goes: inside a sync its commits must stay uncommitted to
    everyone else until the local values are back (SQLite's driver would let them out)."""
    here = {who: user.id for who, user in people_of(follower).items()}
    people = {who: user.id for who, user in people_of(upstream).items()}
    seen: list[str] = []
    real_import = importing.import_services

    def import_and_look(*args, **kwargs):
        result = real_import(*args, **kwargs)
        seen.append(service_of(follower, LINE).description)  # another connection's view
        return result

    with live_server(upstream) as site:
        add_feed(follower, f"{site}/api/v1")
        assert sync(follower).succeeded
        assert edit(follower, here["manager"], LINE, description="Ours.") == "saved"
        assert edit(upstream, people["manager"], LINE, description="Theirs.") == "saved"
        monkeypatch.setattr(importing, "import_services", import_and_look)
        assert sync(follower).held == 1
    assert seen == ["Ours."]
    assert service_of(follower, LINE).description == "Ours."


def pending_from_feed(app: Flask, service_id) -> list[ListingRevision]:
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        return list(
            session.exec(
                select_rows(ListingRevision).where(
                    ListingRevision.entity_id == service_id,
                    ListingRevision.status == RevisionStatus.PENDING,
                )
            ).all()
        )


@pytest.mark.live_server
def test_the_feeds_change_to_a_listing_changed_here_proposes_only_what_the_feed_changed(
    upstream, follower, live_server
):
    here = {who: user.id for who, user in people_of(follower).items()}
    people = {who: user.id for who, user in people_of(upstream).items()}
    with live_server(upstream) as site:
        add_feed(follower, f"{site}/api/v1")
        assert sync(follower).succeeded
        ours = service_of(follower, LINE).application_process
        assert edit(follower, here["manager"], LINE, description="Ours.") == "saved"
        assert edit(upstream, people["manager"], LINE, application_process="Ring first.") == "saved"
        # its organisation too (it comes with the service): changed here, and upstream
        assert edit_organisation(follower, here["manager"], ORG_B, description="Ours too.") == (
            "saved"
        )
        assert edit_organisation(upstream, people["manager"], ORG_B, name="Chapeltown CIC") == (
            "saved"
        )
        assert sync(follower).held == 2
        [organisation_change] = pending_from_feed(follower, ORG_B)
        assert organisation_change.proposed == {"name": "Chapeltown CIC"}
        with Session(follower.extensions[db.ENGINE_KEY]) as session:
            organisation = session.get(Organisation, ORG_B)
            assert organisation is not None
            assert organisation.description == "Ours too."
            assert organisation.name != "Chapeltown CIC"
        [waiting] = pending_from_feed(follower, LINE)
        # the feed's change, not a revert of ours
        assert waiting.proposed == {"application_process": "Ring first."}
        assert waiting.before == {"application_process": ours}
        line = service_of(follower, LINE)
        assert (line.description, line.application_process) == ("Ours.", ours)

        # nothing new upstream: nothing new to review
        assert sync(follower).held == 0
        assert [r.id for r in pending_from_feed(follower, LINE)] == [waiting.id]

        # a newer change from the feed replaces the one waiting, and keeps what it proposed
        assert edit(upstream, people["manager"], LINE, name="Listening Line") == "saved"
        assert sync(follower).held == 1
        [newer] = pending_from_feed(follower, LINE)
        assert newer.id != waiting.id
        assert newer.proposed == {"application_process": "Ring first.", "name": "Listening Line"}
    assert service_of(follower, LINE).description == "Ours."


@pytest.mark.live_server
def test_a_listing_whose_routes_are_unknown_stays_unknown_when_a_feeds_change_is_held(
    upstream, follower, live_server
):
    """Putting the local values back must not turn "route not known" into "no route",
    which would drop the listing from matching."""
    here = {who: user.id for who, user in people_of(follower).items()}
    people = {who: user.id for who, user in people_of(upstream).items()}
    with Session(upstream.extensions[db.ENGINE_KEY]) as session:
        line = session.get(Service, LINE)
        assert line is not None
        line.self_referral = line.professional_referral = line.gp_referral = False
        line.routes_known = False
        session.add(line)
        session.commit()
    with live_server(upstream) as site:
        add_feed(follower, f"{site}/api/v1")
        assert sync(follower).succeeded
        assert service_of(follower, LINE).routes_known is False
        assert edit(follower, here["manager"], LINE, description="Ours.") == "saved"
        # the feed now names a route: the import adds it, then the local values go back
        assert edit(upstream, people["manager"], LINE, referral_routes=["self"]) == "saved"
        assert sync(follower).held == 1
        [waiting] = pending_from_feed(follower, LINE)
        assert waiting.proposed == {"referral_routes": ["self"]}
    line = service_of(follower, LINE)
    assert line.description == "Ours."
    assert line.routes_known is False and line.referral_routes == []


@pytest.mark.live_server
def test_a_record_with_errors_is_skipped_in_words_and_read_again_next_time(follower, live_server):
    with live_server(not_a_feed()) as site:
        add_feed(follower, f"{site}/broken")
        first = sync(follower)
        assert first.succeeded and first.skipped == 1
        assert first.problems[0].startswith("Not imported: record 1 (")
        assert any("a service needs its organisation" in p for p in first.problems)
        again = sync(follower)
    assert again.modified_after is None  # nothing since a sync that imported everything
    assert published_ids(follower) == set()
    page = client_for(follower, "manager").get("/manage/feeds").text
    assert "1 record(s) with errors not imported" in page


@pytest.mark.live_server
def test_a_sync_asks_for_whole_pages_not_each_service_again(small_app, live_server):
    """A feed's own rate limit (Signpost's: 300 a minute) would stop a sync that asked for
    each service on its own: one request a page, with HSDS's full=true, is all it takes."""
    asked: list[str] = []
    inner = small_app.wsgi_app

    def counting(environ, start_response):
        asked.append(f"{environ['PATH_INFO']}?{environ['QUERY_STRING']}")
        return inner(environ, start_response)

    small_app.wsgi_app = counting  # type: ignore[method-assign]
    with live_server(small_app) as site:
        limits = upstream_api.Limits(timeout=20, max_bytes=10_000_000, allow_private=True)
        fetched = upstream_api.read_services(f"{site}/api/v1", modified_after=None, limits=limits)
    assert len(fetched.services) == len(published_ids(small_app)) > 1
    assert all("service_at_locations" in service for service in fetched.services)
    assert len(asked) == fetched.pages == 1, asked
    assert "full=true" in asked[0]


def test_a_manager_stops_following_a_feed_and_its_listings_stay(small_app) -> None:
    """Issue 12 trial: there was no way to remove a feed. Stopping keeps the listings, drops
    the feed's records and sync history, and withdraws its changes waiting for review."""
    from accounts_helpers import ORG_A, TEA, add_people

    from directory.models import EntityType, FeedListing

    add_people(small_app)
    engine = small_app.extensions[db.ENGINE_KEY]
    with Session(engine) as session:
        feed = Feed(name="Leeds Directory", url="http://127.0.0.1:9/api/v1")
        session.add(feed)
        session.flush()
        session.add(FeedListing(feed_id=feed.id, entity_type=EntityType.SERVICE, entity_id=TEA))
        session.add(FeedSync(feed_id=feed.id, succeeded=True, created=1))
        waiting = ListingRevision(
            entity_type=EntityType.SERVICE,
            entity_id=TEA,
            organization_id=ORG_A,
            base_version=1,
            proposed={"description": "From the feed."},
            feed_id=feed.id,
        )
        session.add(waiting)
        session.commit()
        feed_id, revision_id = feed.id, waiting.id
    page = f"/manage/feeds/{feed_id}/remove"
    assert client_for(small_app, "editor").get(page).status_code == 403
    assert client_for(small_app, "editor").post(page).status_code == 403
    manager = client_for(small_app, "manager")
    assert f'href="{page}"' in manager.get("/manage/feeds").text
    asked = manager.get(page)
    assert asked.status_code == 200 and "Stop following Leeds Directory?" in asked.text
    assert "The listings it brought stay" in asked.text and "1 service" in asked.text
    small_app.config["WTF_CSRF_ENABLED"] = True
    assert manager.post(page).status_code == 400  # no CSRF token: nothing happens
    small_app.config["WTF_CSRF_ENABLED"] = False
    with Session(engine) as session:
        assert session.get(Feed, feed_id) is not None
    done = manager.post(page, follow_redirects=True)
    assert "No longer following “Leeds Directory”. The listings it brought stay (1 service)" in (
        done.text
    )
    assert "1 change waiting for review was withdrawn" in done.text
    with Session(engine) as session:
        assert session.get(Feed, feed_id) is None
        assert session.exec(select_rows(FeedSync)).all() == []
        assert session.exec(select_rows(FeedListing)).all() == []
        assert session.get(Service, TEA).status == ListingStatus.PUBLISHED  # it stays
        assert session.get(ListingRevision, revision_id).status == RevisionStatus.WITHDRAWN
    assert manager.get(page).status_code == 404


def test_the_feeds_command_removes_a_feed_by_name(small_app) -> None:
    runner = small_app.test_cli_runner()
    with Session(small_app.extensions[db.ENGINE_KEY]) as session:
        session.add(Feed(name="Leeds Directory", url="http://127.0.0.1:9/api/v1"))
        session.commit()
    unknown = runner.invoke(args=["feeds", "remove", "Kirklees", "--yes"])
    assert unknown.exit_code == 1 and "No feed is called “Kirklees”" in unknown.output
    kept = runner.invoke(args=["feeds", "remove", "leeds directory"], input="n\n")
    assert kept.exit_code == 1  # not confirmed: aborted
    removed = runner.invoke(args=["feeds", "remove", "leeds directory"], input="y\n")
    assert removed.exit_code == 0, removed.output
    assert "No longer following “Leeds Directory”. The listings it brought stay" in (removed.output)
    with Session(small_app.extensions[db.ENGINE_KEY]) as session:
        assert session.exec(select_rows(Feed)).all() == []
