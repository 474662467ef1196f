"""Open Referral UK: time, CPU and SQL statements per API request (and a service's public
page), and export and import times, over the demo catalogue in a fresh SQLite database in a
temporary folder; or the requests alone over a copy of a catalogue you have (--database).

    python benchmarks/oruk_bench.py [--runs 20] [--json out.json]
    python benchmarks/oruk_bench.py --database /tmp/copy/signpost.db   # e.g. of /work/data/scale
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from directory import create_app, db, migrate  # noqa: E402
from directory.catalogue import seeding  # noqa: E402
from directory.catalogue.seed_files import NEEDS_FILE, read_needs  # noqa: E402
from directory.oruk import checks, export, importing, reading  # noqa: E402
from directory.oruk.archives import Limits  # noqa: E402

PATHS = [
    "/api/v1/services?per_page=50",
    "/api/v1/services?per_page=50&search=walk&day=TU",
    "/api/v1/service_at_locations?per_page=50",
    "/api/v1/service_at_locations?postcode=LS6%201AA&proximity=2000",
    "/api/v1/organizations?per_page=50",
    "/api/v1/taxonomy_terms",
]


def app_on(folder: Path, name: str):
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{folder / name}.db",
            "INSTANCE_PATH": str(folder / name),
            "ORUK_RATE_LIMIT": "1000000 per minute",
        }
    )
    migrate.upgrade(app.extensions[db.ENGINE_KEY])
    return app


def measure(app, path: str, runs: int) -> dict[str, object]:
    engine = app.extensions[db.ENGINE_KEY]
    statements = [0]

    def count(*_args: object) -> None:
        statements[0] += 1

    sa.event.listen(engine, "before_cursor_execute", count)
    client = app.test_client()
    times, cpu = [], []
    for _ in range(runs):
        statements[0] = 0
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        assert response.status_code == 200, response.get_data(as_text=True)
    sa.event.remove(engine, "before_cursor_execute", count)
    return {
        "path": path,
        "median_ms": round(statistics.median(times), 1),
        "median_cpu_ms": round(statistics.median(cpu), 1),
        "statements": statements[0],
    }


def requests_of(app) -> list[str]:
    """The list requests, then one service's API object and public page."""
    first = app.test_client().get("/api/v1/services?per_page=1").get_json()
    one = first["contents"][0]["id"]
    return [*PATHS, f"/api/v1/services/{one}", f"/services/{one}"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--database", type=Path, help="an SQLite catalogue: requests only")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    if args.database:
        app = create_app(
            {
                "DATABASE_URL": f"sqlite:///{args.database.resolve()}",
                "INSTANCE_PATH": str(folder),
                "ORUK_RATE_LIMIT": "1000000 per minute",
            }
        )
        migrate.upgrade(app.extensions[db.ENGINE_KEY])
        print(json.dumps({"api": [measure(app, p, args.runs) for p in requests_of(app)]}, indent=2))
        return
    demo = app_on(folder, "demo")
    with Session(demo.extensions[db.ENGINE_KEY]) as session:
        seeding.seed(session)
    report: dict[str, object] = {"api": []}
    for path in requests_of(demo):
        report["api"].append(measure(demo, path, args.runs))  # type: ignore[union-attr]
    with Session(demo.extensions[db.ENGINE_KEY]) as session:
        start = time.perf_counter()
        done = export.export_catalogue(session, folder / "export")
        report["export_s"] = round(time.perf_counter() - start, 2)
        report["services"] = done.services
    target = app_on(folder, "target")
    with Session(target.extensions[db.ENGINE_KEY]) as session, target.app_context():
        seeding.load_needs(session, read_needs(NEEDS_FILE))
        session.commit()
        services = reading.read_source(done.json_file, Limits(10**9)).services
        for label in ("import_new_s", "import_again_s"):
            start = time.perf_counter()
            found = checks.check_services(session, services)
            importing.import_services(session, services, found, publish=True)
            report[label] = round(time.perf_counter() - start, 2)
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
