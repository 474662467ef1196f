"""CPU time per request of the public pages that every visitor meets: the search page with
words and a postcode, the home page and the search API, in this process through Flask's test
client (no server, no network: what the worker itself spends), beside a page that asks
nothing of the catalogue (/privacy) as the yardstick.

Uses the app's own database and index (DATABASE_URL / SEARCH_INDEX_DIR, as `flask --app
wsgi` reads them), such as the 20,000-service catalogue of benchmarks/scale_catalogue.py.
Each request is made once first (to warm what a worker keeps), then RUNS times in turn;
CPU time (time.process_time) is measured, so a busy machine changes the figures little.

    python benchmarks/page_cpu.py [--runs 30] [--profile search|home|api] [--top 30]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from directory import create_app  # noqa: E402

SEARCHES = [
    ("no one to talk to", "LS6 1BD"),
    ("debt advice", "LS9 7TF"),
    ("feeling low all the time", "LS11 5DX"),
    ("counselling", "LS6 1BD"),
    ("carer for my mum", "LS8 2QR"),
    ("walking group", "LS12 3HA"),
]
PAGES = {
    "search": [f"/search?{urlencode({'q': q, 'postcode': p})}" for q, p in SEARCHES],
    "home": ["/"],
    "api": [f"/api/v1/search?{urlencode({'q': q, 'postcode': p})}" for q, p in SEARCHES],
    "privacy": ["/privacy"],
}


def cpu_ms(client, paths: list[str], runs: int) -> float:
    """Median-free mean CPU milliseconds per request over `runs` passes of `paths`."""
    for path in paths:  # warm: each query's postings, each place, the held values
        assert client.get(path).status_code == 200, path
    start = time.process_time()
    for _ in range(runs):
        for path in paths:
            client.get(path)
    return (time.process_time() - start) * 1000 / (runs * len(paths))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--profile", choices=sorted(PAGES))
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    app = create_app()
    app.config.update(RATELIMIT_ENABLED=False)
    client = app.test_client()
    if args.profile:
        paths = PAGES[args.profile]
        cpu_ms(client, paths, 1)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.runs):
            for path in paths:
                client.get(path)
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(args.top)
        print(out.getvalue())
        return
    for name, paths in PAGES.items():
        print(f"{name:<8} {cpu_ms(client, paths, args.runs):8.1f} ms CPU per request")


if __name__ == "__main__":
    main()
