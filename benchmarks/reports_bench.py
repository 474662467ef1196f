"""How fast are the reports? Each on 100,000 searches and 20,000 cases and referrals.

Builds a database (SQLite in a temporary folder, or a new PostgreSQL database on the server
given with --postgres, dropped at the end) holding the demo catalogue, 100,000 public
searches over the last 3 months and 20,000 cases, each with a referral, its status history
(received, accepted or declined with a reason, attended or not; some never answered) and
ONS4 scores at the start and at follow-ups. Then it times the first report of a period
(demand, referrals and equity made and hidden together) and, for each report,
`queries.run` over the default period (the last 3 months) and one page request through the
Flask test client as a manager, several runs each, and prints the median and p95 beside a
yardstick measured in the same run: `SELECT count(*)` over the search log (through the same
session), `SELECT sum(results)` (which reads every row: the report queries are compared with
it) and the reports' index page (a page with no query: the pages are compared with it).
Target: each report under 1 s.

    .venv/bin/python benchmarks/reports_bench.py [--runs 7] [--searches 100000]
        [--cases 20000] [--postgres postgresql://postgres@127.0.0.1:5432/postgres]
        [--seed 7]
"""

from __future__ import annotations

import argparse
import contextlib
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from sqlmodel import Session  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

from directory import clock, create_app, db, migrate  # noqa: E402
from directory.catalogue import needs as needs_vocabulary  # noqa: E402
from directory.catalogue import seeding  # noqa: E402
from directory.models import (  # noqa: E402
    Case,
    Referral,
    ReferralStatusChange,
    Role,
    SearchLog,
    Service,
    User,
    WellbeingRecord,
)
from directory.reports import queries  # noqa: E402
from directory.reports.tables import Period  # noqa: E402

DISTRICTS = [f"LS{n}" for n in range(1, 30)] + ["BD1", "WF1", "HG1", "Headingley", ""]
WORDS = ["lonely", "skint", "feel low", "debt help", "boxing", "exam stress", "carers", "food"]
REASONS = ["not_eligible", "no_capacity", "could_not_contact", "other"]
BANDS = [None, "16-17", "65+"]
PASSWORD = "bench password"
TARGET_MS = 1000.0


def _admin(url: str):  # type: ignore[no-untyped-def]
    import psycopg

    plain = re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql://", url)
    return psycopg.connect(plain, autocommit=True)


@contextlib.contextmanager
def database(postgres: str | None, folder: Path) -> Iterator[str]:
    """A new empty database's URL, dropped (PostgreSQL) when done."""
    if not postgres:
        yield f"sqlite:///{folder / 'reports-bench.db'}"
        return
    name = f"signpost_reports_bench_{uuid.uuid4().hex[:8]}"
    with _admin(postgres) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield re.sub(r"/[^/]*$", f"/{name}", postgres)
    finally:
        with _admin(postgres) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _moment(rng: random.Random, today: date, days: int = 91) -> datetime:
    day = today - timedelta(days=rng.randrange(days))
    return datetime(day.year, day.month, day.day, rng.randrange(24), tzinfo=UTC)


def add_searches(session: Session, rng: random.Random, count: int, codes: list[str]) -> None:
    today = clock.today()
    rows = []
    for _ in range(count):
        urgent = rng.random() < 0.01
        rows.append(
            {
                "id": uuid.uuid4(),
                "searched_at": _moment(rng, today),
                "query": rng.choice(WORDS),
                "filters": {},
                "place": rng.choice(DISTRICTS),
                "results": 0 if rng.random() < 0.1 else rng.randrange(1, 40),
                "crisis": urgent,
                "channel": "web",
                "needs": rng.sample(codes, rng.choice([0, 1, 1, 2])),
                "urgent_kind": rng.choice(["self", "abuse"]) if urgent else "",
                "words_dropped": False,
            }
        )
    session.execute(sa.insert(SearchLog), rows)


def add_cases(
    session: Session, rng: random.Random, count: int, codes: list[str], owner: uuid.UUID
) -> None:
    """Cases, each with one referral, its history and (for most) wellbeing scores."""
    today = clock.today()
    services = session.execute(
        sa.select(Service.id, Service.organization_id, Service.name)  # type: ignore[call-overload]
    ).all()
    cases, referrals, changes, scores = [], [], [], []
    for _ in range(count):
        case_id, referral_id = uuid.uuid4(), uuid.uuid4()
        sent = _moment(rng, today)
        band = rng.choice(BANDS)
        cases.append(
            {
                "id": case_id,
                "owner_id": owner,
                "reference": f"B{len(cases)}",
                "age": None if band else rng.randrange(11, 95),
                "age_band": band,
                "postcode_district": rng.choice(DISTRICTS[:-2] + [None]),
                "needs": rng.sample(codes, rng.randrange(0, 4)),
                "opened_on": (sent - timedelta(days=7)).date(),
                "version": 1,
                "created_at": sent,
                "updated_at": sent,
            }
        )
        service_id, organisation_id, name = rng.choice(services)
        history = _history(rng, sent)
        first_reply = next((at for _, by, at, _ in history if by == "provider"), None)
        referrals.append(
            {
                "id": referral_id,
                "case_id": case_id,
                "service_id": service_id,
                "organization_id": organisation_id,
                "service_name": name,
                "route": rng.choice(["self_supported", "professional"]),
                "status": history[-1][0],
                "first_reply_at": first_reply if rng.random() < 0.8 else None,
                "version": 1,
                "created_at": sent,
                "updated_at": sent,
            }
        )
        for status, by, at, reason in history:
            changes.append(
                {
                    "id": uuid.uuid4(),
                    "referral_id": referral_id,
                    "status": status,
                    "set_by": by,
                    "at": at,
                    "reason_code": reason,
                    "reason": "",
                }
            )
        if rng.random() < 0.7:
            start = sent.date() - timedelta(days=7)
            for when, on in [("start", start)] + [
                ("follow_up", start + timedelta(days=30 * n)) for n in range(1, rng.randrange(1, 4))
            ]:
                scores.append(
                    {
                        "id": uuid.uuid4(),
                        "case_id": case_id,
                        "measure": "ons4",
                        "when": when,
                        "recorded_on": on,
                        "scores": {item: rng.randrange(0, 11) for item in queries.ONS4_ITEMS},
                        "created_at": sent,
                    }
                )
    for table, rows in (
        (Case, cases),
        (Referral, referrals),
        (ReferralStatusChange, changes),
        (WellbeingRecord, scores),
    ):
        for n in range(0, len(rows), 5000):
            session.execute(sa.insert(table), rows[n : n + 5000])


def _history(rng: random.Random, sent: datetime) -> list[tuple[str, str, datetime, str]]:
    """A referral's steps: (status, set by, when, reason code)."""
    steps = [("sent", "link_worker", sent, "")]
    at = sent + timedelta(hours=rng.randrange(2, 24 * 20))
    answer = rng.random()
    if answer < 0.15:
        return steps  # never answered
    by = "provider" if rng.random() < 0.8 else "link_worker"
    if rng.random() < 0.5:
        steps.append(("received", by, at, ""))
        at += timedelta(hours=rng.randrange(1, 24 * 5))
    if answer < 0.3:
        return [*steps, ("declined", by, at, rng.choice(REASONS))]
    steps.append(("accepted", by, at, ""))
    at += timedelta(days=rng.randrange(3, 21))
    outcome = rng.random()
    if outcome < 0.6:
        steps.append(("attended", by, at, ""))
        if rng.random() < 0.5:
            steps.append(("completed", "link_worker", at + timedelta(days=30), ""))
    elif outcome < 0.8:
        steps.append(("did_not_attend", by, at, ""))
    return steps


def build(url: str, folder: Path, searches: int, cases: int, seed: int):  # type: ignore[no-untyped-def]
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(folder / "instance")})
    engine = app.extensions[db.ENGINE_KEY]
    started = time.perf_counter()
    migrate.upgrade(engine)
    rng = random.Random(seed)
    with Session(engine) as session:
        seeding.seed(session)
        codes = [need.code for need in needs_vocabulary.read(session).needs]
        manager = User(
            email="manager@example.org",
            password_hash=generate_password_hash(PASSWORD, method="pbkdf2:sha256:1"),
            role=Role.MANAGER,
        )
        session.add(manager)
        session.commit()
        add_searches(session, rng, searches, codes)
        add_cases(session, rng, cases, codes, manager.id)
        session.commit()
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(sa.text("ANALYZE"))
        else:
            # the rows just written move from the write-ahead log into the database file, as
            # they would have on a site running for a while
            connection.execute(sa.text("PRAGMA wal_checkpoint(TRUNCATE)"))
    print(
        f"Built {searches:,} searches and {cases:,} cases with referrals in "
        f"{time.perf_counter() - started:.0f} s ({engine.dialect.name})",
        flush=True,
    )
    return app


def timed(runs: int, call: Callable[[], object]) -> list[float]:
    call()  # warm: the first run fills caches (the vocabulary, templates)
    found = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        found.append((time.perf_counter() - start) * 1000)
    return found


def line(name: str, ms: list[float], yardstick: float | None = None) -> str:
    median = statistics.median(ms)
    p95 = statistics.quantiles(ms, n=20, method="inclusive")[-1]
    ratio = f"  {median / yardstick:6.0f}x yardstick" if yardstick else ""
    verdict = "" if yardstick is None else ("  ok" if p95 < TARGET_MS else "  OVER 1 s")
    return f"{name:<42} median {median:8.1f} ms   p95 {p95:8.1f} ms{ratio}{verdict}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--searches", type=int, default=100_000)
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--postgres", default=None, help="a PostgreSQL server's URL")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--keep", type=Path, default=None, help="SQLite only: build into this folder once, reuse"
    )
    parser.add_argument("--profile", default="", help="profile this report's query instead")
    args = parser.parse_args()
    kept = args.keep is not None and not args.postgres
    folder = args.keep if kept else Path(tempfile.mkdtemp(prefix="signpost-reports-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with database(args.postgres, folder) as url:
            if kept and (folder / "reports-bench.db").exists():
                app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(folder / "instance")})
            else:
                app = build(url, folder, args.searches, args.cases, args.seed)
            if args.profile:
                profile(app, args.profile)
            else:
                report(app, args.runs)
            app.extensions[db.ENGINE_KEY].dispose()
    finally:
        if not kept:
            shutil.rmtree(folder, ignore_errors=True)


def profile(app, name: str) -> None:  # type: ignore[no-untyped-def]
    import cProfile
    import pstats

    period = Period.read(None, None, clock.today())
    # a report of a period's first visit: made afresh, not the one held
    if name in queries.TOGETHER:
        made: Callable[[], object] = lambda: queries.make_together(session, period)  # noqa: E731
    else:
        made = lambda: queries.REPORTS[name][1](session, period)  # noqa: E731
    with app.app_context(), Session(app.extensions[db.ENGINE_KEY]) as session:
        made()
        profiler = cProfile.Profile()
        profiler.enable()
        made()
        profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


def report(app, runs: int) -> None:  # type: ignore[no-untyped-def]
    engine = app.extensions[db.ENGINE_KEY]
    period = Period.read(None, None, clock.today())
    client = app.test_client()
    signed_in = client.post("/sign-in", data={"email": "manager@example.org", "password": PASSWORD})
    assert signed_in.status_code == 302, signed_in.status_code

    def count() -> object:
        with Session(engine) as session:
            return session.execute(sa.text("SELECT count(*) FROM search_log")).scalar()

    def scan() -> object:
        with Session(engine) as session:
            return session.execute(sa.text("SELECT sum(results) FROM search_log")).scalar()

    def page(path: str) -> Callable[[], object]:
        def get() -> object:
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            return response

        return get

    count_ms = timed(runs, count)
    scan_ms = timed(runs, scan)
    index_ms = timed(runs, page("/manage/reports/"))
    print(f"{runs} runs each, period {period.label()}")
    print(line("yardstick: SELECT count(*) searches", count_ms))
    print(line("yardstick: SELECT sum(results) (reads all)", scan_ms))
    print(line("yardstick: the reports' index page", index_ms))

    def together() -> object:
        with Session(engine) as session:
            return queries.make_together(session, period)

    def generation() -> object:
        with Session(engine) as session:
            return queries.generation(session)

    # a period's first report: demand, referrals and equity made and hidden together (the
    # pages below then reuse them while the data stays as it is)
    print(line("queries.make_together (first of a period)", timed(runs, together)))
    print(line("queries.generation (asked by every page)", timed(runs, generation)))
    for name in queries.REPORTS:

        def run(name: str = name) -> object:
            with app.app_context(), Session(engine) as session:
                return queries.run(session, name, period)

        print(line(f"queries.run {name}", timed(runs, run), statistics.median(scan_ms)))
        print(
            line(
                f"page /manage/reports/{name}",
                timed(runs, page(f"/manage/reports/{name}")),
                statistics.median(index_ms),
            )
        )


if __name__ == "__main__":
    main()
