"""How well does search rank what people need? The relevance set, beside its baseline.

Seeds the demo catalogue into SQLite in a temporary folder, builds the search index, asks
`GET /api/v1/search` every query of tests/relevance/queries_*.yaml (the harness of
tests/relevance/harness.py, the one tests/test_relevance.py uses), and prints nDCG@10 and
precision@5 per file, per kind and overall, beside tests/relevance/baseline.yaml and the
difference; then the counts reported only (mean total matches, and what the nothing-fits
queries still got), and the queries whose nDCG@10 moved most.

    .venv/bin/python benchmarks/relevance.py                  # every queries_*.yaml
    .venv/bin/python benchmarks/relevance.py --queries PATH   # these files only (repeatable)
    .venv/bin/python benchmarks/relevance.py --show a005      # one query's ranking, graded
    .venv/bin/python benchmarks/relevance.py --save-baseline  # today's figures become the baseline
    .venv/bin/python benchmarks/relevance.py --save-floors    # the test's floors: today's - 0.01
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

import yaml  # noqa: E402

from tests.relevance import harness  # noqa: E402

METRICS = (("ndcg_at_10", "nDCG@10"), ("precision_at_5", "P@5"))
MOVED = 8  # how many of the most changed queries to list each way
MARGIN = 0.01  # floors sit this far under the figures they are saved from, for small noise


def main(argv: Sequence[str] | None = None) -> int:
    options = arguments().parse_args(argv)
    files = [Path(p).resolve() for p in options.queries] or harness.query_files()
    queries = harness.read_queries(files)
    problems = harness.problems(queries, harness.catalogue_services())
    if problems:
        print("The query files have problems:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 2
    if options.show:
        queries = [q for q in queries if q.id == options.show]
        if not queries:
            print(f"No query {options.show} in {', '.join(f.name for f in files)}", file=sys.stderr)
            return 2
    started = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix="relevance-") as folder,
        harness.demo_app(Path(folder)) as app,
    ):
        built = time.perf_counter()
        outcomes = harness.run(app, queries)
    finished = time.perf_counter()
    if options.show:
        show(outcomes[0])
        return 0
    figures = harness.report(outcomes)
    baseline = harness.read_yaml(harness.BASELINE)
    print_report(figures, baseline)
    print_moved(outcomes, baseline.get("by_query", {}))
    print(
        f"\n{len(queries)} queries from {', '.join(f.name for f in files)}; "
        f"seeding and indexing {built - started:.1f} s, searching {finished - built:.1f} s"
    )
    if options.save_baseline:
        save_baseline(figures, outcomes, files)
        print(f"Saved {harness.BASELINE.relative_to(ROOT)}")
    if options.save_floors:
        save_floors(figures)
        print(f"Saved {harness.FLOORS.relative_to(ROOT)}")
    return 0


def arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--queries", action="append", default=[], metavar="FILE", help="a queries file to use"
    )
    parser.add_argument("--show", metavar="ID", help="print one query's ranking with grades")
    parser.add_argument(
        "--save-baseline", action="store_true", help="write these figures as the baseline"
    )
    parser.add_argument(
        "--save-floors", action="store_true", help=f"write these figures - {MARGIN} as the floors"
    )
    return parser


# --- printing -------------------------------------------------------------------------------


def print_report(figures: Mapping[str, Any], baseline: Mapping[str, Any]) -> None:
    when = baseline.get("measured", {})
    print(f"Baseline: {when.get('date', 'none saved')} {when.get('commit', '')}".rstrip())
    header = f"{'':<22}{'queries':>8}" + "".join(
        f"{label:>10}{'base':>8}{'diff':>8}" for _, label in METRICS
    )
    print(header + f"{'mean total':>12}")
    rows = [("overall", figures["overall"], baseline.get("overall", {}))]
    for group in ("by_file", "by_kind"):
        print_rows(rows, header)
        rows = [
            (name, row, baseline.get(group, {}).get(name, {}))
            for name, row in figures[group].items()
        ]
    print_rows(rows, header)
    print_nothing_fits(figures["overall"], baseline.get("overall", {}))


Row = tuple[str, Mapping[str, Any], Mapping[str, Any]]  # a group's name, figures, baseline


def print_rows(rows: Sequence[Row], header: str) -> None:
    print("-" * (len(header) + 12))
    for name, row, base in rows:
        line = f"{name:<22}{row['queries']:>8}"
        for key, _ in METRICS:
            now, before = row[key], base.get(key)
            line += f"{number(now):>10}{number(before):>8}{difference(now, before):>8}"
        print(line + f"{number(row['mean_total'], 1):>12}")


def print_nothing_fits(now: Mapping[str, Any], base: Mapping[str, Any]) -> None:
    shown, total = (
        f"{number(now[key], 1)} (baseline {number(base.get(key), 1)})"
        for key in ("nothing_fits_results", "nothing_fits_total")
    )
    print(
        f"\nNothing-fits queries ({now['nothing_fits']}): mean results shown {shown}, "
        f"mean total {total}; the right answer is none."
    )


def print_moved(outcomes: Sequence[harness.Outcome], before: Mapping[str, Any]) -> None:
    changes = [
        (o.ndcg - before[o.query.id]["ndcg"], o)
        for o in outcomes
        if o.query.judged and o.query.id in before
    ]
    changes = [(change, o) for change, o in changes if abs(change) >= 0.005]
    if not changes:
        return
    changes.sort(key=lambda pair: pair[0])
    for title, chosen in (("worse", changes[:MOVED]), ("better", changes[::-1][:MOVED])):
        chosen = [(c, o) for c, o in chosen if (c < 0) == (title == "worse")]
        if chosen:
            print(f"\nMost {title} than the baseline (nDCG@10):")
            for change, o in chosen:
                print(f"  {o.query.id:<6}{change:+.3f}  now {o.ndcg:.3f}  {o.query.query!r}")


def show(outcome: harness.Outcome) -> None:
    """One query's ranking, each result with its grade, then the judged services not shown."""
    query = outcome.query
    print(f"{query.id} ({query.file}, {query.kind}, {query.who}): {query.query!r}", query.params)
    if query.note:
        print(f"note: {query.note}")
    print(
        f"nDCG@10 {outcome.ndcg:.3f}  P@5 {outcome.precision:.2f}  total {outcome.total}"
        f"  did you mean: {outcome.did_you_mean or '-'}  urgent help: {outcome.crisis or '-'}"
    )
    for rank, service in enumerate(outcome.ranking, start=1):
        print(f"  {rank:>2}. [{query.judgements.get(service, 0)}] {service}")
    missing = {s: g for s, g in query.judgements.items() if g and s not in outcome.ranking}
    for service, grade in sorted(missing.items(), key=lambda pair: -pair[1]):
        print(f"   -  [{grade}] {service} (not shown)")


def number(value: float | None, places: int = 3) -> str:
    return "-" if value is None else f"{value:.{places}f}"


def difference(now: float | None, before: float | None) -> str:
    return "-" if now is None or before is None else f"{now - before:+.3f}"


# --- the baseline ---------------------------------------------------------------------------


def save_baseline(
    figures: Mapping[str, Any], outcomes: Sequence[harness.Outcome], files: Sequence[Path]
) -> None:
    by_query = {
        o.query.id: {"ndcg": round(o.ndcg, 4), "p5": round(o.precision, 2), "total": o.total}
        for o in outcomes
    }
    saved = {
        "measured": {
            "date": date.today().isoformat(),
            "commit": commit(),
            "files": [f.name for f in files],
            "command": " ".join(["benchmarks/relevance.py", *sys.argv[1:]]),
        },
        **figures,
        "by_query": by_query,
    }
    text = yaml.safe_dump(saved, sort_keys=False, default_flow_style=None, width=100)
    harness.BASELINE.write_text(
        "# The relevance set's figures for search when they were last saved, written by\n"
        "# `benchmarks/relevance.py --save-baseline`, which prints today's figures beside them.\n"
        + text,
        encoding="utf-8",
    )


def save_floors(figures: Mapping[str, Any]) -> None:
    def floor(row: Mapping[str, Any]) -> dict[str, float]:
        return {
            key: math.floor((row[key] - MARGIN) * 1000) / 1000
            for key, _ in METRICS
            if row[key] is not None
        }

    saved = {
        "overall": floor(figures["overall"]),
        "by_file": {name: floor(row) for name, row in figures["by_file"].items()},
    }
    text = yaml.safe_dump(saved, sort_keys=False, default_flow_style=None, width=100)
    harness.FLOORS.write_text(
        "# tests/test_relevance.py fails when search scores under these: nDCG@10 and precision@5\n"
        "# per file, and over the whole set once every file named here is present. Written by\n"
        f"# `benchmarks/relevance.py --save-floors` as the figures of {date.today()} at commit\n"
        f"# {commit()} minus {MARGIN}; raise them when search gets better, never lower them\n"
        "# to let a change through.\n" + text,
        encoding="utf-8",
    )


def commit() -> str:
    try:
        found = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        )
    except OSError:
        return "unknown"
    return found.stdout.strip() or "unknown"


if __name__ == "__main__":
    raise SystemExit(main())
