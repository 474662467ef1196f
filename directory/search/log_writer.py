"""The search log (the counts of unmet need), written off the request path.

Committing each search's row inside the request was a third of a search API request at
2,000 services on SQLite. So a worker keeps the rows in memory and writes them together, in
one transaction, from a background thread: SEARCH_LOG_SECONDS after the first row began to
wait (2 s), or at once when SEARCH_LOG_BATCH rows wait (100).

A clean shutdown writes what is waiting: the interpreter's exit (atexit; gunicorn's workers
leave through sys.exit on TERM, INT and QUIT and after max_requests), or `flush_all()` from a
server hook (gunicorn's `worker_exit`). A worker killed outright loses the last seconds of
counts: anonymous counts, never anyone's data. SEARCH_LOG_SECONDS = 0 writes each row at once,
in the request, as the tests want when they read the log right after a search.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import weakref

import sqlalchemy as sa
from sqlmodel import Session

from directory.models import SearchLog

logger = logging.getLogger(__name__)

# Rows kept while the database cannot take them (the oldest go first beyond this).
MAX_WAITING = 10_000

_writers: weakref.WeakSet[LogWriter] = weakref.WeakSet()


class LogWriter:
    """One app's rows waiting to be written, in one process."""

    def __init__(self, engine: sa.Engine, seconds: float, batch: int) -> None:
        self.engine = engine
        self.seconds = seconds
        self.batch = max(1, batch)
        self._start_afresh()
        _writers.add(self)

    def _start_afresh(self) -> None:
        self._waiting: list[SearchLog] = []
        self._lock = threading.Lock()  # the waiting rows and the timer
        self._writing = threading.Lock()  # one write at a time, so rows go in their order
        self._timer: threading.Timer | None = None
        self._timer_is_now = False

    def add(self, row: SearchLog) -> None:
        """Keep a row to be written soon (at once when SEARCH_LOG_SECONDS is 0)."""
        with self._lock:
            self._waiting.append(row)
            if self.seconds > 0:
                self._wake(0 if len(self._waiting) >= self.batch else self.seconds)
        if self.seconds <= 0:
            self.flush(raise_errors=True)

    def waiting(self) -> int:
        """How many rows wait to be written."""
        with self._lock:
            return len(self._waiting)

    def _wake(self, delay: float) -> None:
        """Have the rows written in `delay` seconds, unless a write is already due as soon
        (called holding the lock)."""
        if self._timer is not None and (delay > 0 or self._timer_is_now):
            return
        if self._timer is not None:
            self._timer.cancel()
        self._timer = threading.Timer(delay, self._on_time)
        self._timer.daemon = True
        self._timer_is_now = delay == 0
        self._timer.start()

    def _on_time(self) -> None:
        with self._lock:
            if self._timer is threading.current_thread():
                self._timer = None
        self.flush()

    def flush(self, raise_errors: bool = False) -> int:
        """Write every waiting row now, in one transaction; how many were written. Rows the
        database refuses wait for the next try (and an error is logged)."""
        with self._writing:
            with self._lock:
                rows, self._waiting = self._waiting, []
            if not rows:
                return 0
            try:
                with Session(self.engine) as session:
                    session.add_all(rows)
                    session.commit()
            except Exception:
                if raise_errors:
                    raise
                logger.exception("The search log could not be written: %d rows wait", len(rows))
                with self._lock:
                    self._waiting[:0] = rows
                    del self._waiting[: max(0, len(self._waiting) - MAX_WAITING)]
                    self._wake(self.seconds)
                return 0
            return len(rows)

    def close(self) -> int:
        """Stop the timer and write what waits (a clean shutdown)."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
        return self.flush()


def flush_all() -> None:
    """Write every writer's waiting rows in this process: at exit, and from server hooks."""
    for writer in list(_writers):
        try:
            writer.close()
        except Exception:  # at exit, one app's database must not stop the others' rows
            logger.exception("The search log could not be written at shutdown")


def _after_fork_in_child() -> None:
    # A forked worker starts with no rows (its parent writes its own) and no timer thread
    # (threads do not survive a fork), with fresh locks (one may have been held).
    for writer in list(_writers):
        writer._start_afresh()


atexit.register(flush_all)
os.register_at_fork(after_in_child=_after_fork_in_child)
