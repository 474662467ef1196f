"""Warm-up and readiness: what a worker builds before it takes requests, and whether it is
ready for them.

Some things are built from the database or the index once and then held (the matcher's
catalogue, the search arrays, the needs vocabulary): built inside a request at 20,000
services, they took longer than the web server lets a request run. The factory adds each
as a step (`add_step`); `warm_up(app)` runs them all, in the worker before it serves
(gunicorn.conf.py does it). Readiness (`problems`) is "warm, and the database and the
index answer": what a load balancer asks before sending a host traffic (GET /health/ready).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import Flask
from sqlmodel import Session

from directory import db

EXTENSION = "signpost.warm"
logger = logging.getLogger(__name__)

Step = Callable[[Flask, Session], object]
Check = Callable[[Flask], str | None]  # a short reason it is not ready, or None


@dataclass
class WarmUp:
    steps: list[tuple[str, Step]] = field(default_factory=list)
    # what a process forked from a warm one still does (open its own files): see after_fork
    touches: list[tuple[str, Step]] = field(default_factory=list)
    checks: list[tuple[str, Check]] = field(default_factory=list)
    warm: bool = False
    took: dict[str, float] = field(default_factory=dict)  # seconds each step took


def of(app: Flask) -> WarmUp:
    found: WarmUp = app.extensions.setdefault(EXTENSION, WarmUp())
    return found


def add_step(app: Flask, name: str, step: Step, after_fork: Step | None = None) -> None:
    """Something to build before serving: `step(app, session)`, in the order added; and
    `after_fork(app, session)`, what a process forked from a warm one still does for it
    (none: what the step built is shared whole)."""
    of(app).steps.append((name, step))
    if after_fork is not None:
        of(app).touches.append((name, after_fork))


def add_check(app: Flask, name: str, check: Check) -> None:
    """Something that must answer for the app to be ready (besides the database)."""
    of(app).checks.append((name, check))


def warm_up(app: Flask) -> dict[str, float]:
    """Run every step (each with a session of its own), then mark the app warm; the seconds
    each took. A step that fails leaves the app cold (not ready) and raises."""
    state = of(app)
    with app.app_context():
        for name, step in state.steps:
            started = time.perf_counter()
            with Session(db.engine()) as session:
                step(app, session)
            state.took[name] = round(time.perf_counter() - started, 3)
            logger.info("Warm-up: %s took %.2f s", name, state.took[name])
    state.warm = True
    return dict(state.took)


def let_go_of_building() -> None:
    """Free what was only needed while building (rows read, ORM objects, their reference
    cycles) and give the freed pages back to the system: glibc keeps them for the next
    allocation otherwise, and a worker forked from the master would start with them too.
    gunicorn.conf.py calls this in the master after the warm-up, before gc.freeze() and the
    fork, so that the workers share only what is held."""
    gc.collect()
    name = ctypes.util.find_library("c")
    try:
        trim = ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to trim
        trim = None
    if trim is not None:
        trim(0)


def after_fork(app: Flask) -> dict[str, float]:
    """In a process forked from a warm one (gunicorn's workers, with preload): everything is
    built already and shared; open this process's own database connection and files (each
    step's `after_fork`), so that its first requests do not; the seconds each took. Much
    quicker than `warm_up` (which would read again what each step holds and check it)."""
    state = of(app)
    took: dict[str, float] = {}
    with app.app_context():
        for name, touch in state.touches:
            started = time.perf_counter()
            with Session(db.engine()) as session:
                touch(app, session)
            took[name] = round(time.perf_counter() - started, 3)
        logger.info("Warm-up after fork took %.2f s", sum(took.values()))
    return took


def is_warm(app: Flask) -> bool:
    return of(app).warm


def problems(app: Flask) -> dict[str, str]:
    """Why the app is not ready for requests, by part (none: ready). Nothing personal."""
    found: dict[str, str] = {}
    if not of(app).warm:
        found["warm"] = "warming up"
    with app.app_context():
        try:
            with db.engine().connect() as connection:
                connection.execute(sa.text("SELECT 1"))
        except Exception:
            logger.exception("Readiness: the database does not answer")
            found["database"] = "not answering"
        for name, check in of(app).checks:
            try:
                reason = check(app)
            except Exception:
                logger.exception("Readiness: %s does not answer", name)
                reason = "not answering"
            if reason:
                found[name] = reason
    return found
