"""gunicorn's settings for Signpost: `gunicorn -c gunicorn.conf.py wsgi:app`.

Each worker builds what requests read (the matcher's catalogue, the search arrays, the
needs vocabulary: directory/operations/warm.py) before it takes its first request, so no request
waits for a build; GET /health/ready answers 200 once it has. The warm-up runs on a thread
while the worker keeps telling gunicorn it is alive: at 100,000 services it takes longer
than gunicorn's request timeout, which would otherwise kill the worker before it serves.

Settings from the environment: SIGNPOST_BIND (127.0.0.1:8000), SIGNPOST_WORKERS (2),
SIGNPOST_TIMEOUT (30 seconds a request may take), SIGNPOST_PRELOAD (1, the default: build
once in the master and fork the workers from it; 0: each worker builds its own).

Preloading was measured against warming each worker (benchmarks/warm_bench.py, 20,000
services, 2 workers): ready in less than half the time, each worker's share of memory (PSS)
about half, and a worker that gunicorn replaces later starts warm. After a deploy, restart
gunicorn (a HUP would fork new workers from the old code).
"""

from __future__ import annotations

import gc
import logging
import os
import threading
import time
from typing import Any

import gunicorn.http.wsgi

from directory.operations import logs

bind = os.environ.get("SIGNPOST_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("SIGNPOST_WORKERS", "2"))
timeout = int(os.environ.get("SIGNPOST_TIMEOUT", "30"))
preload_app = os.environ.get("SIGNPOST_PRELOAD", "1") == "1"
# No access log: search words and postcodes travel in query strings (see the README).
accesslog = None
# Every line, gunicorn's and the app's, as JSON on stderr with the request's id
# (directory/operations/logs.py); SIGNPOST_LOG_FORMAT=text for a person at a terminal.
logconfig_dict = logs.logging_settings(os.environ.get("SIGNPOST_LOG_FORMAT", "json"))
# The Server header names no software (gunicorn writes it itself, from this name).
gunicorn.http.wsgi.SERVER = "Signpost"


def on_starting(server: Any) -> None:
    """With preload, warm the app in the master before it opens its socket."""
    if preload_app:
        _warm_in_master(server)


def _warm_in_master(server: Any) -> None:
    """With preload, the master warms the app once, before forking the workers, and before
    it opens its socket: connections made meanwhile would wait in the socket's queue for the
    whole warm-up (21 s at 20,000 services); refused, a client or load balancer tries
    another host or again."""
    from directory.operations import warm

    app = server.app.wsgi()
    # On the master's own thread, the one each worker is forked from and serves on: what is
    # held per thread (pyproj's transformer from grid references to latitude and longitude)
    # is then the worker's already. Built on a thread of its own, each worker built it again
    # in its first search with a postcode (0.1-0.2 s). The master has no heartbeat to keep.
    warm.warm_up(app)
    _let_go_of_files_and_connections(app, close=True)
    # What only the build needed goes first (collected and given back to the system): a
    # cycle left for the collector when gc.freeze() runs would be held for ever.
    warm.let_go_of_building()
    # Keep the collector off what the workers share: it would write to every object it
    # scans, and copy-on-write would then give each worker a copy of the page.
    gc.freeze()


def post_fork(server: Any, worker: Any) -> None:
    """A worker forked from a master that holds the app: its own connections, not the
    master's (a database connection or an open index file shared by two processes would
    interleave their reads)."""
    if preload_app:
        _let_go_of_files_and_connections(worker.app.wsgi(), close=False)


def post_worker_init(worker: Any) -> None:
    """Warm this worker's app before it takes requests. After preload everything is built
    and shared: the worker only opens its own database connection and index files with one
    search (warm.after_fork, some milliseconds), while the master's socket already takes
    connections: running every step again here (a second or two, reading and checking what
    the master built) made the first requests after a start wait (p99 0.75 s)."""
    app = worker.wsgi
    try:
        from directory.operations import warm

        if preload_app and warm.is_warm(app):
            warm.after_fork(app)
        else:
            _warm(app, worker.notify)
    except Exception:
        # Not raised: gunicorn halts the whole server when a worker fails to boot, and a
        # database away for a moment would take the host down. The worker stays not ready
        # (GET /health/ready: 503) and tries again.
        logging.getLogger("directory").exception("Warm-up failed: trying again in 5 s")
        threading.Thread(target=_warm_until_done, args=(app,), daemon=True).start()
    if app.config.get("FOLLOW_CHANGES"):
        from directory import search

        search.follow(app)  # readiness waits for its first catch-up


def _warm_until_done(app: Any) -> None:
    from directory.operations import warm

    while True:
        time.sleep(5)
        try:
            warm.warm_up(app)
            return
        except Exception:
            logging.getLogger("directory").exception("Warm-up failed again")


def _warm(app: Any, still_alive: Any) -> None:
    from directory.operations import warm

    failed: list[BaseException] = []

    def run() -> None:
        try:
            warm.warm_up(app)
        except BaseException as error:  # reported below, in the worker's own thread
            failed.append(error)

    thread = threading.Thread(target=run, name="signpost-warm-up", daemon=True)
    thread.start()
    while thread.is_alive():
        thread.join(1.0)
        still_alive()  # gunicorn's heartbeat: a silent worker is killed after `timeout`
    if failed:
        raise failed[0]


def _let_go_of_files_and_connections(app: Any, *, close: bool) -> None:
    """Drop the pooled database connections (closing them only in the process that opened
    them) and the open index files: each process opens its own on first use."""
    from directory import db, search

    with app.app_context():
        db.engine().dispose(close=close)
    search.let_go(app)
