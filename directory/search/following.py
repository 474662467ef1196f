"""Every host's index follows the database: it applies the catalogue's change log
(directory.catalogue.changes) from the entry it last applied, so an edit made on any host
is found on every other within a second or two.

- `catch_up(session, index)`: apply what the log says changed since the index's recorded
  entry, then record the newest; all under the index's write lock, so two workers of one
  host never apply the same entries twice. A big backlog (more than a fifth of the index,
  or LARGE_BACKLOG services), a log pruned past the recorded entry, or one that says
  "everything" rebuilds instead. The process that made an edit calls it after its commit
  (search.refresh), so the edit is searchable there at once.
- `Follower`: a daemon thread in each web process that catches up when it starts (a host
  that was down), whenever PostgreSQL says a commit changed the catalogue (LISTEN/NOTIFY),
  and on a poll as the fallback (every POLL_SECONDS on PostgreSQL; every second on SQLite,
  which has no notices). Started by the first request a process serves (`start` may be
  called earlier, after a fork); stopped at exit.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
import uuid
from collections.abc import Iterable

import sqlalchemy as sa
from flask import Flask
from sqlmodel import Session

from directory.catalogue import changes
from directory.search import documents
from directory.search.index import SearchIndex

EXTENSION = "signpost.search_follower"
LARGE_BACKLOG = 5000  # services: above this (or a fifth of the index) a rebuild is quicker
REBUILD_PROCESSES = 2  # a rebuild writes on both cores of a small server
SMALL_INDEX = 100  # below a fifth of this many, apply one by one whatever the index's size
POLL_SECONDS = 10.0  # PostgreSQL: look for changes this often even without a notice
SQLITE_POLL_SECONDS = 1.0
PRUNE_EVERY_S = 3600.0
RETRY_AFTER_S = 5.0  # after an error (the database away): try again this much later

log = logging.getLogger(__name__)


def rebuild(session: Session, search_index: SearchIndex, processes: int | None = None) -> int:
    """Rebuild the whole index from the database and record the change log entry it was
    built at; returns how many services it holds. Written by `processes` processes (by
    default one per core, at most two) once there are more than a batch of services."""
    if processes is None:
        processes = min(REBUILD_PROCESSES, os.cpu_count() or 1)
    with search_index.exclusive():
        # read before the services: whatever is committed up to this entry is in the build,
        # and anything after it is applied again by the next catch-up (applying is idempotent)
        seq = changes.latest(session)
        count = search_index.rebuild(documents.searchable_services(session), processes)
        search_index.record_applied_change(seq)
    return count


def apply(session: Session, search_index: SearchIndex, ids: Iterable[uuid.UUID]) -> None:
    """Bring these services up to date in the index: added, changed, or gone from search."""
    wanted = list(ids)
    found = list(documents.searchable_services(session, wanted))
    present = {f.id for f in found}
    search_index.update(found, [str(i) for i in wanted if i not in present])


def catch_up(
    session: Session,
    search_index: SearchIndex,
    also: Iterable[uuid.UUID] = (),
    *,
    rebuild_unrecorded: bool = False,
    may_rebuild: bool = True,
) -> str:
    """Apply the change log since the index's recorded entry (and the services `also`
    names); "rebuilt", "applied" or "current". An index with no recorded entry (built by
    an older release, or from facts outside the database) gets only `also`, unless
    rebuild_unrecorded: the follower thread rebuilds it, once. Where a rebuild is needed and
    not may_rebuild (a web request, with a follower to do it), nothing is done: "deferred"."""
    also = set(also)
    with search_index.exclusive():
        if not search_index.exists() or search_index.outdated():  # none, or an older schema
            if not may_rebuild:
                return "deferred"
            rebuild(session, search_index)
            return "rebuilt"
        applied = search_index.applied_change()
        if applied is None and rebuild_unrecorded:
            rebuild(session, search_index)
            return "rebuilt"
        if applied is None:
            apply(session, search_index, also)
            return "applied" if also else "current"
        newest, ids = changes.since(session, applied)
        if ids is None or len(ids | also) > backlog_limit(search_index):
            if not may_rebuild:
                return "deferred"
            rebuild(session, search_index)
            return "rebuilt"
        ids |= also
        if ids:
            apply(session, search_index, ids)
        if newest != applied:
            search_index.record_applied_change(newest)
        return "applied" if ids else "current"


def backlog_limit(search_index: SearchIndex) -> int:
    """How many services to apply one by one before a rebuild is the quicker way."""
    return min(LARGE_BACKLOG, max(SMALL_INDEX, search_index.open().doc_count() // 5))


class Follower:
    """A thread that keeps one process's view of the index following the change log."""

    def __init__(self, engine: sa.Engine, search_index: SearchIndex) -> None:
        self.engine = engine
        self.index = search_index
        self.postgres = engine.dialect.name == "postgresql"
        self.stopping = threading.Event()
        self.caught_up = threading.Event()  # set once the first catch-up is done
        self.seen = -1  # the newest entry this process has caught up to
        self.thread = threading.Thread(target=self._run, name="signpost-follower", daemon=True)
        self.pid = os.getpid()

    def start(self) -> None:
        self.thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the thread to finish and wait for it (it looks up at least every second)."""
        self.stopping.set()
        if self.thread.is_alive() and self.thread is not threading.current_thread():
            self.thread.join(timeout)

    def _run(self) -> None:
        pruned = time.monotonic()
        while not self.stopping.is_set():
            try:
                # listening before the first catch-up: a commit between the two is not lost
                with changes.listening(self.engine) as wait:
                    self.step(force=True)
                    self.caught_up.set()
                    polled = time.monotonic()
                    while not self.stopping.is_set():
                        woken = wait(1.0)
                        now = time.monotonic()
                        poll = POLL_SECONDS if self.postgres else SQLITE_POLL_SECONDS
                        if woken or now - polled >= poll:
                            polled = now
                            self.step()
                        if now - pruned >= PRUNE_EVERY_S:
                            pruned = now
                            self.prune()
            except Exception:
                log.exception("The search index could not follow the catalogue's changes")
                self.stopping.wait(RETRY_AFTER_S)

    def step(self, force: bool = False) -> str:
        """Catch up if the log has moved on since this process last did (or if forced)."""
        with Session(self.engine) as session:
            newest = changes.latest(session)
            if newest == self.seen and not force:
                return "current"
            outcome = catch_up(session, self.index, rebuild_unrecorded=True)
            self.seen = newest
            return outcome

    def prune(self) -> None:
        with Session(self.engine) as session:
            changes.prune(session)


def start(app: Flask, engine: sa.Engine, search_index: SearchIndex) -> Follower:
    """Start this process's follower for the app, once (again in a process forked after)."""
    follower: Follower | None = app.extensions.get(EXTENSION)
    if follower is not None and follower.pid == os.getpid():
        return follower
    with _starting:
        follower = app.extensions.get(EXTENSION)
        if follower is None or follower.pid != os.getpid():
            follower = Follower(engine, search_index)
            app.extensions[EXTENSION] = follower
            follower.start()
            atexit.register(follower.stop)
    return follower


def stop(app: Flask) -> None:
    """Stop the app's follower in this process, if it has one."""
    follower: Follower | None = app.extensions.get(EXTENSION)
    if follower is not None and follower.pid == os.getpid():
        follower.stop()


_starting = threading.Lock()
