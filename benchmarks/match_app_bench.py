"""How long one match takes in the app, building the matcher's Catalogue on every call (as
before) against holding it until the listings change (directory.matching.held_catalogue).

Uses the app's own database (SIGNPOST_INSTANCE_PATH / DATABASE_URL, as `flask --app wsgi`
does), which should hold the demo catalogue (`flask --app wsgi seed`).

    python benchmarks/match_app_bench.py [--runs 50]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlmodel import Session  # noqa: E402

from directory import create_app, db  # noqa: E402
from directory.matching import facts, held_catalogue, match_request, suggestions

PEOPLE = [
    {"age": 78, "postcode": "LS5 3BT", "needs": ["bereavement", "loneliness"]},
    {"age": 15, "postcode": "LS6 1BD", "needs": ["stress_anxiety", "loneliness"]},
    {"age": 34, "postcode": "LS9 7TF", "needs": ["carers", "money_debt", "housing"]},
]


def timings(runs: int, call) -> list[float]:
    found = []
    for n in range(runs):
        start = time.perf_counter()
        call(PEOPLE[n % len(PEOPLE)])
        found.append((time.perf_counter() - start) * 1000)
    return found


def summary(name: str, ms: list[float]) -> str:
    p95 = statistics.quantiles(ms, n=20)[-1]
    return f"{name:<40} p50 {statistics.median(ms):7.2f} ms   p95 {p95:7.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    app = create_app()
    with app.app_context(), Session(db.engine()) as session:
        wanted = [match_request.read_request(p) for p in PEOPLE]
        by_data = {id(p): w for p, w in zip(PEOPLE, wanted, strict=True)}
        services = len(facts.load_catalogue(session))
        print(f"{services} matchable services, {args.runs} matches each")

        def rebuilt(person):
            suggestions.suggest(session, by_data[id(person)].profile)

        def held(person):
            match_request.run(session, by_data[id(person)])

        def generation(_person):
            held_catalogue.generation(session)

        match_request.run(session, wanted[0])  # build the held one once, as the first match does
        print(summary("catalogue built on every match (before)", timings(args.runs, rebuilt)))
        print(summary("catalogue held by the app (after)", timings(args.runs, held)))
        print(summary("  of which: the generation query", timings(args.runs, generation)))


if __name__ == "__main__":
    main()
