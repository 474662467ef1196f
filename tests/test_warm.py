"""Warm workers: what is built before a worker serves, held values rebuilt on a thread of
their own while the old one is served, the matcher's catalogue updated for the changed
services only, and the health endpoints a load balancer reads."""

from __future__ import annotations

import dataclasses
import gc
import os
import random
import re
import runpy
import select
import subprocess
import threading
import time
import urllib.error
import urllib.request
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import Session

import matcher
from directory import db
from directory.catalogue import changes, published
from directory.matching import facts, held_catalogue, pathways
from directory.models import ListingStatus, Role, Service, stable_id
from directory.operations import warm
from directory.search import arrays, engine
from directory.search.documents import ServiceFacts
from directory.search.index import SearchIndex
from directory.search.request import SearchRequest
from directory.search.understanding import load_lexicon
from directory.web.public import search_form
from tests.conftest import GUNICORN, build_index, demo_needs, stop_gunicorn
from tests.test_match_api import add_user, token_for
from tests.test_matcher_properties import profiles
from tests.test_matcher_properties import services as drawn_services
from tests.test_search_arrays import _service

PROJECT = Path(__file__).resolve().parents[1]
TEA = stable_id("service", "hyde-park-tuesday-tea")
LONELY = {"age": 60, "postcode": "LS6 1BD", "needs": ["loneliness"]}
TODAY = date(2026, 11, 23)


# --- a held value: built once, then rebuilt away from the requests ---------------------------


def test_a_held_value_is_built_at_first_use_and_kept_while_its_generation_holds():
    holder: db.Held[str] = db.Held()
    built: list[object] = []

    def build(previous):
        built.append(previous)
        return f"value {len(built)}"

    assert holder.get((1,), build, wait=0) == "value 1"  # nothing held: built at once
    assert holder.get((1,), build, wait=0) == "value 1"
    assert built == [None]


@pytest.mark.concurrency
def test_a_stale_value_is_served_while_it_is_rebuilt_on_another_thread():
    holder: db.Held[str] = db.Held()
    holder.get((1,), lambda _previous: "old")
    may_finish = threading.Event()
    seen_previous: list[object] = []

    def slow_rebuild(previous):
        seen_previous.append(previous)
        assert may_finish.wait(10)
        return "new"

    # the generation moved: the caller gets the old value at once, the rebuild goes on
    assert holder.get((2,), slow_rebuild, wait=0) == "old"
    assert holder.get((2,), slow_rebuild, wait=0) == "old"  # one rebuild, not a second
    may_finish.set()
    assert holder.wait_until_idle(10)
    assert holder.get((2,), slow_rebuild, wait=0) == "new"
    assert seen_previous == [((1,), "old")]  # it was given what it replaces


def test_a_caller_waits_a_little_for_a_quick_rebuild():
    holder: db.Held[str] = db.Held()
    holder.get((1,), lambda _previous: "old")
    assert holder.get((2,), lambda _previous: "new", wait=10) == "new"


def test_a_failed_rebuild_keeps_the_value_held():
    holder: db.Held[str] = db.Held()
    holder.get((1,), lambda _previous: "old")

    def broken(_previous):
        raise RuntimeError("the database went away")

    assert holder.get((2,), broken, wait=10) == "old"
    assert holder.get((2,), lambda _previous: "new", wait=10) == "new"  # tried again


# --- the matcher's catalogue, updated for the changed services only --------------------------

WORDS = ("gardening", "friends", "debt", "choir", "walking", "grief", "tea", "advice")


@st.composite
def services(draw: st.DrawFn) -> matcher.ServiceFacts:
    """A service of a dozen ids (so that edits meet the same ones again), with words."""
    drawn = draw(st.integers(0, 12).flatmap(drawn_services))
    said = " ".join(draw(st.lists(st.sampled_from(WORDS), max_size=4)))
    return dataclasses.replace(drawn, name=f"{drawn.name} {said}", description=said)


EDITS = st.lists(
    st.one_of(
        st.tuples(st.just("replace"), st.lists(services(), max_size=4)),
        st.tuples(st.just("remove"), st.lists(st.integers(0, 12), max_size=4)),
    ),
    max_size=5,
)


def by_id(services: object) -> list[matcher.ServiceFacts]:
    return sorted(services, key=lambda s: s.id)  # type: ignore[arg-type, attr-defined]


@settings(max_examples=60, deadline=None)
@given(
    before=st.lists(services(), max_size=12, unique_by=lambda s: s.id),
    edits=EDITS,
    people=st.lists(profiles(), min_size=1, max_size=3),
    what_matters=st.lists(st.sampled_from(WORDS), max_size=3),
)
def test_a_catalogue_updated_edit_by_edit_equals_one_built_whole(
    before, edits, people, what_matters
):
    catalogue = matcher.Catalogue(by_id(before))
    current = {s.id: s for s in before}
    for kind, what in edits:
        if kind == "replace":
            catalogue = catalogue.replace(what)
            current.update({s.id: s for s in what})
        else:
            ids = [f"s{i}" for i in what] + ["no-such-id"]
            catalogue = catalogue.remove(ids)
            for i in ids:
                current.pop(i, None)
    whole = matcher.Catalogue(by_id(current.values()))
    assert catalogue.services == whole.services
    assert indexes(catalogue) == indexes(whole)
    for person in people:
        person = dataclasses.replace(person, what_matters=" ".join(what_matters))
        assert matcher.match(person, catalogue, today=TODAY) == matcher.match(
            person, whole, today=TODAY
        )


def indexes(catalogue: matcher.Catalogue) -> list[object]:
    """What a catalogue's answers are read from (map cells aside: numbered as first seen)."""
    return [
        dict(catalogue._by_need),
        catalogue.services,
        dict(catalogue._label_index),
        dict(catalogue._text_index),
        dict(catalogue._surface),
        catalogue.reach,
        [sorted(catalogue.cell_centres[c] for c in cells) for cells in catalogue.cells],
    ]


@settings(max_examples=60, deadline=None)
@given(
    before=st.lists(services(), min_size=1, max_size=12, unique_by=lambda s: s.id),
    edits=st.lists(st.lists(services(), max_size=4), max_size=5),
)
def test_editing_services_in_place_equals_building_whole(before, edits):
    """Edits of services already there (the common case) keep every service in its place."""
    catalogue = matcher.Catalogue(by_id(before))
    current = {s.id: s for s in before}
    for edit in edits:
        edit = [s for s in edit if s.id in current]
        catalogue = catalogue.replace(edit)
        current.update({s.id: s for s in edit})
    whole = matcher.Catalogue(by_id(current.values()))
    assert catalogue.services == whole.services
    assert indexes(catalogue) == indexes(whole)


def test_replacing_leaves_the_old_catalogue_as_it_was():
    services = [
        matcher.ServiceFacts(id=f"s{i}", name=f"Walk {i}", needs=("loneliness",)) for i in range(3)
    ]
    old = matcher.Catalogue(services)
    new = old.replace([matcher.ServiceFacts(id="s1", name="Choir", needs=("bereavement",))])
    assert [s.name for s in old] == ["Walk 0", "Walk 1", "Walk 2"]
    assert [s.name for s in new] == ["Walk 0", "Choir", "Walk 2"]
    assert [i for i, _ in old.with_need("loneliness")] == [0, 1, 2]


def test_the_directory_updates_its_catalogue_for_the_services_changed(small_app, session_for):
    session = session_for(small_app)
    before = facts.load_catalogue(session)
    tea = session.get(Service, TEA)
    tea.status = ListingStatus.DRAFT  # no longer matchable: gone from the catalogue
    other = session.exec(Service.__table__.select().where(Service.id != TEA)).first()
    edited = session.get(Service, other.id)
    edited.name = "Renamed for the test"
    session.add_all([tea, edited])
    session.commit()
    updated = facts.update_catalogue(session, before, [TEA, edited.id])
    assert updated.services == facts.load_catalogue(session).services
    assert str(TEA) not in {s.id for s in updated}
    assert "Renamed for the test" in {s.name for s in updated}


def test_the_held_catalogue_reads_again_only_what_the_change_log_names(
    small_app, session_for, monkeypatch
):
    with small_app.app_context():
        session = session_for(small_app)
        first = held_catalogue.held(session)
        read: list[object] = []
        monkeypatch.setattr(changes, "since", lambda _s, seq: (seq + 1, [TEA]))
        real_load = facts.matchable_services

        def counting(session, ids=None, batch=1000):
            read.append(None if ids is None else sorted(ids))
            return real_load(session, ids, batch)

        monkeypatch.setattr(facts, "matchable_services", counting)
        tea = session.get(Service, TEA)
        tea.name = "Tuesday Tea, renamed"
        session.add(tea)
        session.commit()
        updated = held_catalogue.held(session)
        assert read == [[TEA]]  # only the service the log named
        assert "Tuesday Tea, renamed" in {s.name for s in updated}
        assert updated.services == facts.load_catalogue(session).services
        assert first is not updated


@pytest.mark.concurrency
def test_a_match_after_an_edit_gets_the_catalogue_updated_on_another_thread(
    small_app, session_for, monkeypatch
):
    small_app.config["HELD_WAIT_SECONDS"] = 30  # as in production, but patient
    with small_app.app_context():
        session = session_for(small_app)
        first = held_catalogue.held(session)
        monkeypatch.setattr(changes, "since", lambda _s, seq: (seq + 1, [str(TEA)]))
        threads: list[str] = []
        real_update = facts.update_catalogue

        def update(*args):
            threads.append(threading.current_thread().name)
            return real_update(*args)

        monkeypatch.setattr(facts, "update_catalogue", update)
        tea = session.get(Service, TEA)
        tea.name = "Tuesday Tea, renamed"
        session.add(tea)
        session.commit()
        updated = held_catalogue.held(session)
        assert threads == ["signpost-held-rebuild"]
        assert "Tuesday Tea, renamed" in {s.name for s in updated}
        assert updated.services == facts.load_catalogue(session).services
        assert "Tuesday Tea, renamed" not in {s.name for s in first}  # left as it was


# --- warm-up and the health endpoints -------------------------------------------------------


def test_ready_is_503_until_the_app_is_warm_and_200_after(small_app):
    build_index(small_app)
    client = small_app.test_client()
    assert client.get("/health/live").status_code == 200
    cold = client.get("/health/ready")
    assert cold.status_code == 503
    assert cold.json == {"status": "not ready", "problems": {"warm": "warming up"}}
    took = warm.warm_up(small_app)
    assert set(took) == {
        "page templates",
        "needs vocabulary",
        "search form",
        "home page",
        "search",
        "need counts",
        "listings",
        "open referral lists",
        "matcher catalogue",
        "more support",
    }
    ready = client.get("/health/ready")
    assert ready.status_code == 200 and ready.json == {"status": "ready"}
    assert ready.headers["Cache-Control"] == "no-store"


def test_ready_says_so_when_the_index_is_missing(small_app):
    warm.warm_up(small_app)  # no index built: the search step reads nothing
    answer = small_app.test_client().get("/health/ready")
    assert answer.status_code == 503
    assert answer.json["problems"] == {"index": "no index"}


def test_warm_up_holds_more_supports_listings_for_the_first_search(small_app):
    warm.warm_up(small_app)
    assert db.Held.of(small_app, pathways.EXTENSION).built is not None


def test_warm_up_builds_the_catalogue_the_first_match_uses(small_app):
    warm.warm_up(small_app)
    holder = db.Held.of(small_app, held_catalogue.EXTENSION)
    assert holder.built is not None
    with small_app.app_context(), Session(db.engine()) as session:
        assert held_catalogue.held(session) is holder.built[1].catalogue


def test_warm_up_renders_the_search_forms_a_first_search_page_shows(small_app, monkeypatch):
    """Rendered by a worker's first search page, the form took 150-400 ms of it."""
    build_index(small_app)
    warm.warm_up(small_app)
    rendered: list[str] = []
    real = search_form.render_template

    def spy(name: str, **context: object) -> str:
        rendered.append(name)
        return real(name, **context)

    monkeypatch.setattr(search_form, "render_template", spy)
    client = small_app.test_client()
    for query in ("", "?q=lonely", "?postcode=LS6+1BD", "?q=lonely&postcode=LS6+1BD"):
        assert client.get("/search" + query).status_code == 200
    assert rendered == []
    # a filter chosen: a set of choices not held yet, rendered by the request
    assert client.get("/search?q=lonely&free=1").status_code == 200
    assert rendered == [search_form.FORM_TEMPLATE]


def test_warm_up_renders_the_home_pages_body_and_the_home_page_does_not(small_app, monkeypatch):
    """The body (search box, a card per need, urgent help) from the NHS.UK macros was three
    quarters of the home page's CPU time; after warm-up a home page renders only the layout
    around it."""
    warm.warm_up(small_app)
    loaded: list[str] = []
    real = small_app.jinja_env.get_template

    def spy(name: str, *args: object, **kwargs: object) -> object:
        loaded.append(str(name))
        return real(name, *args, **kwargs)

    monkeypatch.setattr(small_app.jinja_env, "get_template", spy)
    for _ in range(2):
        assert small_app.test_client().get("/").status_code == 200
    assert "base.html" in loaded
    body = {f"nhsuk/components/{name}/macro.jinja" for name in ("input", "button", "card")}
    assert body.isdisjoint(loaded)


def test_warm_up_holds_a_page_of_cards_and_a_service_page(small_app):
    """Their statements compiled by the app's engine before a worker serves: compiled by
    each worker's first search page, they took 0.1-0.2 s of it."""
    warm.warm_up(small_app)
    assert small_app.extensions[published.HELD_CARDS].rows
    assert len(small_app.extensions[published.HELD_PAGES].rows) == 1


@pytest.mark.concurrency
def test_the_gunicorn_master_warms_on_the_thread_its_workers_serve_on(small_app, monkeypatch):
    """What is held per thread (pyproj's transformer) is then the workers' already: built on
    a thread of its own, each worker built it again in its first search with a postcode."""
    settings = runpy.run_path(str(PROJECT / "gunicorn.conf.py"))
    threads: list[threading.Thread] = []
    monkeypatch.setattr(warm, "warm_up", lambda app: threads.append(threading.current_thread()))
    monkeypatch.setattr(gc, "freeze", lambda: None)  # not this test process's objects
    settings["_warm_in_master"](SimpleNamespace(app=SimpleNamespace(wsgi=lambda: small_app)))
    assert threads == [threading.current_thread()]


# --- a real gunicorn ------------------------------------------------------------------------

LISTENING = re.compile(r"Listening at: (http://127\.0\.0\.1:\d+)")


@pytest.mark.skipif(not GUNICORN.exists(), reason="gunicorn is not installed")
@pytest.mark.parametrize("preload", ["1", "0"], ids=["in the master", "in each worker"])
def test_gunicorn_warms_its_worker_before_the_first_match(small_app, tmp_path, preload):
    build_index(small_app)
    token = token_for(small_app, add_user(small_app, "lw@example.org", Role.LINK_WORKER))
    env = {
        **os.environ,
        "SIGNPOST_ENV": "development",
        "DATABASE_URL": small_app.config["DATABASE_URL"],
        "SEARCH_INDEX_DIR": small_app.config["SEARCH_INDEX_DIR"],
        "SIGNPOST_INSTANCE_PATH": str(tmp_path),
        "SIGNPOST_BIND": "127.0.0.1:0",
        "SIGNPOST_WORKERS": "1",
        "SIGNPOST_PRELOAD": preload,
    }
    command = [str(GUNICORN), "-c", "gunicorn.conf.py", "wsgi:app"]
    process = subprocess.Popen(command, cwd=PROJECT, env=env, stderr=subprocess.PIPE)
    log = Log(process)
    try:
        url = log.wait_for(LISTENING, 90).group(1)  # the master warms first
        assert ready_within(url, 60, log)
        before_first_match = log.read()
        assert before_first_match.count("Matcher catalogue read whole") == 1
        request = urllib.request.Request(
            url + "/api/v1/match",
            data=b'{"age": 60, "postcode": "LS6 1BD", "needs": ["loneliness"]}',
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.status == 200
        time.sleep(0.2)
        assert "Matcher catalogue" not in log.read()[len(before_first_match) :]
    finally:
        stop_gunicorn(process)


class Log:
    """What a process has written to stderr so far."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.process = process
        self.said = b""

    def read(self) -> str:
        assert self.process.stderr is not None
        while select.select([self.process.stderr], [], [], 0.05)[0]:
            chunk = os.read(self.process.stderr.fileno(), 65536)
            if not chunk:
                break
            self.said += chunk
        return self.said.decode(errors="replace")

    def wait_for(self, pattern: re.Pattern[str], seconds: float = 30) -> re.Match[str]:
        deadline = time.monotonic() + seconds
        while (found := pattern.search(self.read())) is None:
            assert time.monotonic() < deadline and self.process.poll() is None, self.read()
        return found


def ready_within(url: str, seconds: float, log: Log) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/health/ready", timeout=5) as answer:
                if answer.status == 200:
                    return True
        except (OSError, urllib.error.HTTPError):
            pass
        assert log.process.poll() is None, log.read()
        time.sleep(0.1)
    return False


# --- the search arrays after a reindex ------------------------------------------------------


def _served_while_reading(tmp_path, seed: int):
    """The needs' lexicon, 30 services and their index, searched once (its view read), with
    searches served from the last build while a new one is read."""
    lexicon = load_lexicon(demo_needs())
    rng = random.Random(seed)
    services = [_service(rng, n) for n in range(30)]
    index = SearchIndex(tmp_path)
    index.rebuild(services)
    engine.serve_while_reading(index, 0)
    assert engine.run(index, SearchRequest(text="zebra"), lexicon).total == 0  # read: warm
    return lexicon, services, index


def _new_builds_read_held_up(monkeypatch) -> tuple[threading.Event, threading.Event]:
    """Reading a segment waits, as a new build's read on its thread: the event set once the
    read has begun, and the one that lets it go on."""
    reading, may_read = threading.Event(), threading.Event()
    real_read = arrays.read_segment

    def slow_read(reader, key):
        reading.set()
        assert may_read.wait(5), "the searches waited for the new build"
        return real_read(reader, key)

    monkeypatch.setattr(arrays, "read_segment", slow_read)
    return reading, may_read


def _the_new_build_once_read_is_served(index, lexicon, may_read, renamed, caplog) -> None:
    """Let the new build's read go on; searches then find the renamed service in it."""
    may_read.set()
    engine.serve_while_reading(index, 10)
    after = engine.run(index, SearchRequest(text="zebra"), lexicon)
    assert [h.service_id for h in after.local.hits + after.online.hits] == [renamed.id]
    assert "Reading a new build of the index failed" not in caplog.text
    engine.let_go(index)
    index.close()


@pytest.mark.concurrency
def test_after_a_reindex_searches_are_served_from_the_last_build_while_the_new_is_read(
    tmp_path, monkeypatch, caplog
):
    lexicon, services, index = _served_while_reading(tmp_path, seed=3)
    renamed = ServiceFacts(**{**vars(services[0]), "name": "Zebra crossing club"})
    index.rebuild([renamed, *services[1:]])  # a new build: every segment new

    reading, may_read = _new_builds_read_held_up(monkeypatch)
    # not waiting for the new build: the last build's answer, through its own searcher
    assert engine.run(index, SearchRequest(text="zebra"), lexicon).total == 0
    assert reading.wait(5)  # the new build is being read on its thread: searches go on
    assert engine.run(index, SearchRequest(text="zebra"), lexicon).total == 0
    assert engine.run(index, SearchRequest(text="lonely"), lexicon).total > 0
    _the_new_build_once_read_is_served(index, lexicon, may_read, renamed, caplog)


@pytest.mark.concurrency
def test_after_an_edit_and_then_a_reindex_the_last_build_is_served_with_the_edit(
    tmp_path, monkeypatch, caplog
):
    """The searcher kept for serving the last build while a new one is read sees the view's
    own generation: kept before an edit, it lacked the edit's segment, and the pair it made
    with the view after the edit failed (segments and searchers zipped out of step)."""
    lexicon, services, index = _served_while_reading(tmp_path, seed=4)
    renamed = ServiceFacts(**{**vars(services[0]), "name": "Zebra crossing club"})
    index.update([renamed])  # an edit: the index's segments change
    # a search after it reads the edit's generation (not yet the word "zebra" in it)
    assert engine.run(index, SearchRequest(text="lonely"), lexicon).total > 0
    index.rebuild([renamed, *services[1:]])  # then a new build, read on a thread

    reading, may_read = _new_builds_read_held_up(monkeypatch)
    served = engine.run(index, SearchRequest(text="zebra"), lexicon)  # the last build's
    assert reading.wait(5)
    assert [h.service_id for h in served.local.hits + served.online.hits] == [renamed.id]
    _the_new_build_once_read_is_served(index, lexicon, may_read, renamed, caplog)


def test_a_worker_forked_from_a_warm_app_builds_nothing_again(small_app, caplog):
    """gunicorn with preload: the master warms; each worker only opens its own connection
    and index files (one search), and the values the master built are the ones it serves."""
    build_index(small_app)
    warm.warm_up(small_app)
    with small_app.app_context(), Session(db.engine()) as session:
        catalogue = held_catalogue.held(session)
    caplog.clear()
    took = warm.after_fork(small_app)
    assert set(took) == {"search"}
    assert "Matcher catalogue" not in caplog.text
    with small_app.app_context(), Session(db.engine()) as session:
        assert held_catalogue.held(session) is catalogue
