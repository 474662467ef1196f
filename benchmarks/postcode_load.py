"""How long the postcode directory takes to load, how much memory it holds, how fast lookups are.

Each measurement runs in a fresh Python process (the directory loads once per process), five
times by default, and the medians are printed as JSON and as one line for people:

    python benchmarks/postcode_load.py [--runs 5] [--lookups 10000]

directory/geo/postcodes.py is imported from its file, so the figures leave out the web app's
own imports.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

GEO_PY = Path(__file__).resolve().parents[1] / "directory" / "geo" / "postcodes.py"
FIRST_POSTCODE = "LS6 1AA"


def import_geo() -> ModuleType:
    """Import directory/geo/postcodes.py on its own, without the directory package's __init__."""
    spec = importlib.util.spec_from_file_location("signpost_geo", GEO_PY)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def peak_rss_mb() -> float:
    """The process's peak resident memory so far (ru_maxrss: KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def current_rss_mb() -> float | None:
    """The process's resident memory now, where /proc tells us (Linux)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except OSError:
        return None
    return pages * resource.getpagesize() / 2**20


def child_cold() -> dict:
    """Time importing geo and looking up one postcode: what the first request pays."""
    start = time.perf_counter()
    geo = import_geo()
    imported = time.perf_counter()
    geo.lookup_postcode(FIRST_POSTCODE)
    done = time.perf_counter()
    return {"import_s": imported - start, "cold_first_lookup_s": done - start}


def child_all(lookups: int, seed: int) -> dict:
    """Time preloading every letter, measure memory, then time random lookups."""
    geo = import_geo()
    gc.collect()
    peak_before, now_before = peak_rss_mb(), current_rss_mb()
    start = time.perf_counter()
    count = geo.preload()
    preload_s = time.perf_counter() - start
    gc.collect()
    peak_after, now_after = peak_rss_mb(), current_rss_mb()

    # Pick postcodes uniformly from everything loaded (reading the tables directly, as only
    # a benchmark should), in the 7-character ONS form such as "L1  0AA".
    tables = list(geo.default_directory()._tables.values())
    rng = random.Random(seed)
    picks = []
    for index in rng.choices(range(count), k=lookups):
        for table in tables:
            if index < len(table.keys):
                picks.append(table.keys[index].to_bytes(8, "big")[1:].decode("ascii"))
                break
            index -= len(table.keys)

    geo.lookup_postcode("LS6 1AA"), geo.lookup_postcode("BT1 1AA")  # build both transformers
    timings_ns, unlocated, rejected = [], 0, 0
    clock = time.perf_counter_ns
    for text in picks:
        begin = clock()
        try:
            geo.lookup_postcode(text)
        except geo.UnknownPostcode:  # in the directory without a grid reference
            unlocated += 1
        except geo.InvalidPostcode:  # old-style postcodes such as "NPT 1AA" (Newport, ended)
            rejected += 1
        timings_ns.append(clock() - begin)
    return {
        "postcodes": count,
        "preload_s": preload_s,
        "peak_rss_mb": peak_after,
        "peak_rss_growth_mb": peak_after - peak_before,
        "rss_mb": now_after,
        "rss_growth_mb": None if now_after is None else now_after - now_before,
        "lookup_us_median": statistics.median(timings_ns) / 1000,
        "lookup_us_mean": statistics.fmean(timings_ns) / 1000,
        "lookups_without_location": unlocated,
        "lookups_rejected_as_malformed": rejected,
    }


def run_child(*args: str) -> dict:
    """Run this script as a fresh process in one of its child modes and read its JSON."""
    done = subprocess.run(
        [sys.executable, __file__, "--child", *args], capture_output=True, text=True
    )
    if done.returncode:
        sys.exit(f"benchmark child {args} failed:\n{done.stderr}")
    return json.loads(done.stdout)


def median_of(results: list[dict], key: str) -> float | None:
    """The median of one figure across runs, or None where it could not be measured."""
    values = [result[key] for result in results if result[key] is not None]
    return statistics.median(values) if values else None


def main() -> None:
    """Run the child processes, then print the medians as JSON and one line of text."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--lookups", type=int, default=10_000)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        mode, *rest = args.child
        result = child_cold() if mode == "cold" else child_all(int(rest[0]), int(rest[1]))
        print(json.dumps(result))
        return

    cold = [run_child("cold") for _ in range(args.runs)]
    full = [run_child("all", str(args.lookups), str(run)) for run in range(args.runs)]
    rss_growth = median_of(full, "rss_growth_mb")
    summary = {
        "runs": args.runs,
        "python": sys.version.split()[0],
        "postcodes": full[0]["postcodes"],
        "import_ms": 1000 * median_of(cold, "import_s"),
        "cold_import_and_first_lookup_ms": 1000 * median_of(cold, "cold_first_lookup_s"),
        "preload_all_s": median_of(full, "preload_s"),
        "peak_rss_after_preload_mb": median_of(full, "peak_rss_mb"),
        "peak_rss_growth_mb": median_of(full, "peak_rss_growth_mb"),
        "rss_after_preload_mb": median_of(full, "rss_mb"),
        "rss_growth_mb": rss_growth,
        "lookups_per_run": args.lookups,
        "lookup_us_median": median_of(full, "lookup_us_median"),
        "lookup_us_mean": median_of(full, "lookup_us_mean"),
        "lookups_without_location_per_run": median_of(full, "lookups_without_location"),
        "lookups_rejected_per_run": median_of(full, "lookups_rejected_as_malformed"),
    }
    print(json.dumps({key: _rounded(value) for key, value in summary.items()}, indent=2))
    steady = "" if rss_growth is None else f", {rss_growth:.0f} MB of it kept after loading"
    print(
        f"{summary['postcodes']:,} postcodes: import + first lookup "
        f"{summary['cold_import_and_first_lookup_ms']:.0f} ms, preload all "
        f"{summary['preload_all_s']:.2f} s, peak RSS {summary['peak_rss_after_preload_mb']:.0f} MB "
        f"(+{summary['peak_rss_growth_mb']:.0f} MB for the data{steady}), lookup "
        f"{summary['lookup_us_median']:.1f} µs median (medians of {args.runs} fresh processes)"
    )


def _rounded(value: object) -> object:
    """Round floats for printing."""
    return round(value, 3) if isinstance(value, float) else value


if __name__ == "__main__":
    main()
