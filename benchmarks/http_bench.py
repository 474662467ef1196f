"""The whole path: the search page and the search API served by gunicorn, under load, beside
a page that asks nothing of the catalogue (/privacy) on the same server as the yardstick.

Serves the app's own database and index (DATABASE_URL / SEARCH_INDEX_DIR, as `flask --app
wsgi` reads them; seed or import first), starts gunicorn, warms each worker, then keeps
CONNECTIONS keep-alive connections busy for SECONDS on each set of requests in turn and
prints requests a second, median and p95, and each set's cost beside the yardstick's.

The searches are phrasings people type (from the issues' reports, not the seed's synonyms),
each alone and near places in and outside the demo area.

    python benchmarks/http_bench.py [--workers 2] [--connections 8] [--seconds 15]

The load generator is closed-loop and in this process (standard library threads, so no
install): it measures the server's throughput at that concurrency, as wrk does, but tops out
near 2,000 requests a second on a small machine, well above any search figure.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]

WORDS = [
    "my boyfriend hits me",
    "scared of my partner",
    "no one to talk to",
    "skint cant pay rent",
    "feeling low all the time",
    "lonely since my wife died",
    "debt advice",
    "counselling",
    "being bullied at school",
    "i want to die",
    "need food for my kids",
    "carer for my mum",
]
PLACES = ["", "LS6 1BD", "LS9 7TF", "BD1 1AA", "M1 1AE"]  # the last two outside Leeds


def searches(path: str) -> list[str]:
    found = []
    for words in WORDS:
        for place in PLACES:
            query = {"q": words, **({"postcode": place} if place else {})}
            found.append(f"{path}?{urlencode(query)}")
    return found


SETS = {
    "yardstick /privacy": ["/privacy"],
    "search page /search": searches("/search"),
    "search API /api/v1/search": searches("/api/v1/search"),
}


def load(port: int, paths: list[str], connections: int, seconds: float) -> dict[str, float]:
    """Keep `connections` connections busy for `seconds`; latencies in ms and the rate."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def client(start: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for path in itertools.islice(itertools.cycle(paths), start, None):
            if time.perf_counter() > stop:
                break
            began = time.perf_counter()
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            with lock:
                latencies.append((time.perf_counter() - began) * 1000)
                statuses[response.status] = statuses.get(response.status, 0) + 1
        connection.close()

    threads = [threading.Thread(target=client, args=(k,)) for k in range(connections)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    latencies.sort()
    if set(statuses) != {200}:
        raise SystemExit(f"not every answer was 200: {statuses}")
    return {
        "rate": len(latencies) / elapsed,
        "p50": statistics.median(latencies),
        "p95": latencies[int(len(latencies) * 0.95)],
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(port: int, server: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if server.poll() is not None:
            raise SystemExit("gunicorn stopped before it served (see its output above)")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("gunicorn did not start within 30 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=15)
    args = parser.parse_args()
    if args.workers < 1 or args.connections < 1 or args.seconds <= 0:
        parser.error("workers and connections must be at least 1, seconds more than 0")
    port = free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [str(gunicorn), "-w", str(args.workers), "-b", f"127.0.0.1:{port}", "wsgi:app"]
    server = subprocess.Popen(command, cwd=ROOT, env=os.environ.copy())
    try:
        wait_for(port, server)
        print(
            f"gunicorn, {args.workers} workers; {args.connections} connections, "
            f"{args.seconds:g} s a set; load average {os.getloadavg()[0]:.2f}"
        )
        figures = {}
        for name, paths in SETS.items():
            load(port, paths, args.connections, 2)  # warm every worker and its caches
            figures[name] = load(port, paths, args.connections, args.seconds)
        yardstick = figures["yardstick /privacy"]
        print(f"{'':28} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p50 x yardstick':>16}")
        for name, found in figures.items():
            print(
                f"{name:28} {found['rate']:8.1f} {found['p50']:8.1f} {found['p95']:8.1f} "
                f"{found['p50'] / yardstick['p50']:15.1f}x"
            )
        print(f"load average at the end {os.getloadavg()[0]:.2f}")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
