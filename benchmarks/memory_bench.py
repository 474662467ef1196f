"""Memory per gunicorn worker at size: resident (RSS) and proportional (PSS) set sizes.

    python benchmarks/memory_bench.py                  # 20,000 services
    python benchmarks/memory_bench.py --size 100000    # the issue's target: under 400 MB
    python benchmarks/memory_bench.py --checkout PATH  # another checkout's code (its .venv)
    python benchmarks/memory_bench.py -- --workers 1   # anything after -- goes to gunicorn

Serves a copy of benchmarks/load.py's cached catalogue of SIZE services (made and imported
the first time: at 100,000 that takes a quarter of an hour) with the checkout's
gunicorn.conf.py and 2 sync workers, waits for GET /health/ready, sends each kind of
request of the load mix until both workers have most likely served it (so each holds what
it reads: the matcher's catalogue, the search arrays, the pages' templates), and reads
/proc/PID/smaps_rollup of the master and of each worker.

RSS counts every page a process maps, those it shares with the master and the other
workers too; PSS divides each shared page between the processes sharing it, so the
workers' PSS add up to what they cost the machine. With preload (the default) the master
builds before it forks and the workers share its pages until they write to them.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import load  # noqa: E402

READY_LIMIT = 900.0  # seconds: a 100,000-service warm-up on a busy machine


def smaps(pid: int) -> dict[str, float]:
    """RSS, PSS and USS (private pages) of a process, in MB."""
    found: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        name, _, rest = line.partition(":")
        parts = rest.split()
        if len(parts) == 2 and parts[1] == "kB":
            found[name] = int(parts[0]) / 1024
    return {
        "rss": found.get("Rss", 0.0),
        "pss": found.get("Pss", 0.0),
        "uss": found.get("Private_Clean", 0.0) + found.get("Private_Dirty", 0.0),
    }


def wait_ready(port: int, server: load.Gunicorn, limit: float = READY_LIMIT) -> float:
    """Seconds until GET /health/ready answers 200."""
    deadline = time.perf_counter() + limit
    while time.perf_counter() < deadline:
        if server.process.poll() is not None:
            raise SystemExit(f"gunicorn stopped: see {server.log.name}")
        with contextlib.suppress(OSError):
            connection = http.client.HTTPConnection(load.HOST, port, timeout=5)
            connection.request("GET", "/health/ready")
            status = connection.getresponse().status
            connection.close()
            if status == 200:
                return time.perf_counter() - server.started
        time.sleep(0.5)
    raise SystemExit(f"not ready within {limit:.0f} s: see {server.log.name}")


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    extra = argv[argv.index("--") + 1 :] if "--" in argv else []
    own = argv[: argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--checkout", type=Path, default=ROOT, help="this checkout's code")
    args = parser.parse_args(own)
    checkout = args.checkout.resolve()
    print(f"Code: {checkout} ({load.describe_checkout(checkout)})")
    print(f"Load average at the start: {load.load_average()} (2 cores)")
    served = load.prepare(checkout, args.size, args.seed, None)
    log = Path(tempfile.mkdtemp(prefix="signpost-memory-")) / "gunicorn.log"
    server = load.Gunicorn(checkout, served.env, extra, log)
    try:
        server.wait_until_accepting(READY_LIMIT)
        ready = wait_ready(server.port, server)
        source = load.catalogue_file(args.size, args.seed)
        ids = load.published_ids(served.env["DATABASE_URL"])
        postcodes = load.postcodes_of(source)
        for kind in load.KINDS:
            pool = load.requests_of(kind, ids, postcodes, served.token)
            if not load.warm_kind(server.port, pool, limit=300):
                print(f"  {kind}: no four answers in a row were 2xx")
        time.sleep(1.0)
        print(f"\nReady after {ready:.1f} s; {args.size:,} services; gunicorn {' '.join(extra)}")
        print(f"{'process':<18}{'RSS MB':>9}{'PSS MB':>9}{'USS MB':>9}")
        rows = [("master", server.process.pid)]
        rows += [(f"worker {n + 1}", pid) for n, pid in enumerate(server.workers())]
        for name, pid in rows:
            figures = smaps(pid)
            print(f"{name:<18}{figures['rss']:>9.0f}{figures['pss']:>9.0f}{figures['uss']:>9.0f}")
        print(f"Load average at the end: {load.load_average()}")
    finally:
        server.stop()
        load.clean(served)


if __name__ == "__main__":
    main()
