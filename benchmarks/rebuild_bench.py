"""Imports and index rebuilds at scale, beside SQLite FTS5 over the same rows.

    python benchmarks/rebuild_bench.py                 # 20,000 services
    python benchmarks/rebuild_bench.py --large         # and `reindex` at 100,000
    python benchmarks/rebuild_bench.py --checkout PATH # another checkout's code (its .venv)
    python benchmarks/rebuild_bench.py --skip-import   # the rebuilds only

Three timings, each of the checkout's own command in a process of its own, wall-clock and
CPU (user + system of the command and every process it waited for):
- `flask import-oruk --publish` of SIZE new services (benchmarks/scale_catalogue.py's file)
  into a database holding only the needs vocabulary: checks, likely duplicates, writing,
  and the search index's refresh, as a directory's first import does;
- `flask reindex` over the cached SIZE-service database (benchmarks/load.py's cache: made
  by that import the first time), and with --large over 100,000;
- the yardstick: an SQLite FTS5 table over the same services' words (name, organisation,
  summary, description, keywords, needs' labels and synonyms), built in this process.

Each row shows its ratio to the yardstick and the issue's target. The machine may be busy:
the CPU seconds say more than the wall-clock ones then.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import load, scale_catalogue  # noqa: E402

TARGETS = {"import": {20_000: 60.0}, "reindex": {20_000: 20.0, 100_000: 120.0}}
LARGE = 100_000


@dataclass(frozen=True)
class Timing:
    what: str
    size: int
    wall: float
    cpu: float
    yardstick: tuple[float, float] | None = None  # FTS5 over the same rows: wall, CPU s

    @property
    def target(self) -> float | None:
        return TARGETS.get(self.what.split()[0], {}).get(self.size)


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, str]:
    """Wall and CPU seconds of a command (with the processes it waited for), its output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def flask_command(checkout: Path) -> str:
    if checkout.resolve() == ROOT:
        return str(Path(sys.executable).with_name("flask"))
    return str(checkout / ".venv" / "bin" / "flask")


def time_import(checkout: Path, size: int, seed: int) -> Timing:
    source = load.catalogue_file(size, seed)
    folder = Path(tempfile.mkdtemp(prefix="signpost-import-"))
    try:
        env = scale_catalogue.database_env(folder)
        for args in (["db", "upgrade"], ["seed", "--vocabulary-only"]):
            scale_catalogue.flask(args, env, checkout)
        command = [flask_command(checkout), "--app", "wsgi", "import-oruk", "--publish"]
        wall, cpu, output = timed([*command, str(source)], checkout, env)
        if f"Imported: {size} new" not in output:
            raise SystemExit(f"The import did not import {size} new services:\n{output[-2000:]}")
        return Timing("import-oruk --publish", size, wall, cpu)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def time_reindex(checkout: Path, size: int, seed: int) -> Timing:
    served = load.prepare(checkout, size, seed, None)
    try:
        command = [flask_command(checkout), "--app", "wsgi", "reindex"]
        wall, cpu, output = timed(command, checkout, served.env)
        if "rebuilt" not in output:
            raise SystemExit(f"reindex said:\n{output}")
        database = served.env["DATABASE_URL"].removeprefix("sqlite:///")
        return Timing("reindex", size, wall, cpu, fts5_seconds(Path(database)))
    finally:
        load.clean(served)


# The words search reads of each published service, in one row.
WORDS_SQL = """
SELECT s.name, o.name, s.summary, s.description, s.keywords,
       (SELECT group_concat(t.name || ' ' || coalesce(t.synonyms, ''), ' ')
          FROM service_taxonomy_term l JOIN taxonomy_term t ON t.id = l.taxonomy_term_id
         WHERE l.service_id = s.id)
  FROM service s JOIN organization o ON o.id = s.organization_id
 WHERE s.status = 'published'
"""


def fts5_seconds(database: Path) -> tuple[float, float]:
    """Wall and CPU seconds to build an SQLite FTS5 index over the services' words (read
    beforehand)."""
    with closing(sqlite3.connect(database)) as source:
        rows = source.execute(WORDS_SQL).fetchall()
    folder = Path(tempfile.mkdtemp(prefix="signpost-fts5-"))
    try:
        with closing(sqlite3.connect(folder / "fts.db")) as fts:
            start, cpu = time.perf_counter(), time.process_time()
            fts.execute(
                "CREATE VIRTUAL TABLE words USING fts5("
                "name, organisation, summary, description, keywords, needs, "
                "tokenize = 'porter unicode61')"
            )
            fts.executemany("INSERT INTO words VALUES (?, ?, ?, ?, ?, ?)", rows)
            fts.execute("INSERT INTO words(words) VALUES ('optimize')")
            fts.commit()
            return time.perf_counter() - start, time.process_time() - cpu
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def show(timings: list[Timing]) -> None:
    print(
        f"\n{'what':<24}{'services':>9}{'wall s':>9}{'CPU s':>9}{'target s':>10}"
        f"{'FTS5 wall/CPU s':>17}{'x FTS5 wall/CPU':>17}"
    )
    for t in timings:
        target = f"{t.target:.0f}" if t.target else "-"
        fts = ratio = "-"
        if t.yardstick:
            wall, cpu = t.yardstick
            fts = f"{wall:.2f} / {cpu:.2f}"
            ratio = f"{t.wall / wall:.0f}x / {t.cpu / max(cpu, 1e-3):.0f}x"
        print(f"{t.what:<24}{t.size:>9}{t.wall:>9.1f}{t.cpu:>9.1f}{target:>10}{fts:>17}{ratio:>17}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--large", action="store_true", help=f"also reindex at {LARGE:,}")
    parser.add_argument("--skip-import", action="store_true", help="time the rebuilds only")
    parser.add_argument("--checkout", type=Path, default=ROOT, help="this checkout's code")
    args = parser.parse_args()
    checkout = args.checkout.resolve()
    print(f"Code: {checkout} ({load.describe_checkout(checkout)})")
    print(f"Load average at the start: {load.load_average()} (2 cores)")
    timings = []
    if not args.skip_import:
        timings.append(time_import(checkout, args.size, args.seed))
        show(timings[-1:])
    timings.append(time_reindex(checkout, args.size, args.seed))
    if args.large:
        timings.append(time_reindex(checkout, LARGE, args.seed))
    show(timings)
    print(f"Load average at the end: {load.load_average()}")


if __name__ == "__main__":
    main()
