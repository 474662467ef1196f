"""How fast the matcher is over synthetic catalogues of 2,000, 20,000 and 100,000 services.

Each catalogue is built as `matcher.ServiceFacts` directly (no database), deterministically
from a seed, with the needs and synonyms of seed/needs.csv, sites around Leeds
neighbourhoods, and the mix of areas, ages, restrictions, referral routes, capacity, status
and opening times a real directory has. Each query is a person with three needs, a
location, a travel limit half the time, and a sentence of "what matters to me". The
Catalogue (the matcher's indexes) is built once per size, as the app would at start-up;
the timings are of `match()` alone.

    python benchmarks/match_bench.py [--sizes 2000 20000 100000] [--queries 200] [--json out.json]

Targets (issue 4): p95 under 50 ms at 20,000 services and under 200 ms at 100,000.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import platform
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import matcher  # noqa: E402  (the path above makes the repository importable as a script)

NEEDS_FILE = ROOT / "seed" / "needs.csv"
TODAY = date(2026, 11, 23)
LEEDS = "E08000035"
TARGETS_MS = {20_000: 50.0, 100_000: 200.0}
# Neighbourhood centres (latitude, longitude, postcode district) in and around Leeds.
AREAS = [
    (53.8000, -1.5497, "LS1"),
    (53.8203, -1.5785, "LS6"),
    (53.8130, -1.5654, "LS6"),
    (53.8126, -1.5508, "LS2"),
    (53.8095, -1.5444, "LS7"),
    (53.8314, -1.5678, "LS6"),
    (53.8164, -1.5999, "LS5"),
    (53.8106, -1.5813, "LS4"),
    (53.7966, -1.5920, "LS12"),
    (53.8134, -1.6319, "LS13"),
    (53.8177, -1.5317, "LS7"),
    (53.8300, -1.5374, "LS7"),
    (53.8126, -1.5171, "LS8"),
    (53.8023, -1.5186, "LS9"),
    (53.7910, -1.5253, "LS9"),
    (53.8107, -1.4911, "LS9"),
    (53.8219, -1.4611, "LS14"),
    (53.8400, -1.5037, "LS8"),
    (53.8476, -1.5494, "LS17"),
    (53.7724, -1.5692, "LS11"),
    (53.7848, -1.5553, "LS11"),
    (53.7796, -1.5276, "LS10"),
    (53.8406, -1.6385, "LS18"),
    (53.7960, -1.6610, "LS28"),
    (53.7460, -1.5990, "LS27"),
    (53.7480, -1.5480, "LS10"),
    (53.8060, -1.4510, "LS15"),
    (53.8640, -1.5370, "LS17"),
]
KINDS = ["Group", "Club", "Drop-in", "Cafe", "Hub", "Line", "Circle", "Support", "Advice", "Course"]
_FILLER = (
    "a friendly weekly group where you can meet people have a cup of tea and get support "
    "from trained volunteers in a relaxed and welcoming space with no pressure to talk"
)
FILLER = _FILLER.split()
RESTRICTIONS = ["women_only", "men_only", "carers_only", "lgbtq_only", "veterans_only"]
LANGUAGES = ["ur", "pa", "pl", "ar", "bn", "ro", "so", "fa"]
ACCESS = ["step_free", "accessible_toilet", "hearing_loop", "parking", "quiet_space", "lift"]
DAYS = list(matcher.facts.DAYS)


def read_needs() -> dict[str, tuple[str, ...]]:
    """Need id -> its synonyms, from seed/needs.csv (read directly: no directory imports)."""
    with NEEDS_FILE.open(newline="", encoding="utf-8") as f:
        return {row["id"]: tuple(row["synonyms"].split(";")) for row in csv.DictReader(f)}


def invented_word(r: random.Random) -> str:
    """A proper noun (street, venue, organisation): the vocabulary grows with the catalogue."""
    return "".join(r.choice("bcdfghklmnprstvw") + r.choice("aeiou") for _ in range(3))


def service(i: int, r: random.Random, needs: dict[str, tuple[str, ...]]) -> matcher.ServiceFacts:
    codes = r.sample(list(needs), r.choice([1, 2, 2, 3, 3]))
    words = [w for code in codes for w in r.sample(needs[code], min(3, len(needs[code])))]
    remote = r.random() < 0.2
    modes = (
        r.choice([("online",), ("phone",), ("online", "phone")])
        if remote
        else (("in_person", "online") if r.random() < 0.15 else ("in_person",))
    )
    sites = () if remote else tuple(_site(r) for _ in range(r.choice([1, 1, 1, 2])))
    low = r.choice([None] * 7 + [11, 16, 18, 50, 60, 65])
    high = None if low is None or low >= 18 else low + r.choice([7, 9, 14])
    return matcher.ServiceFacts(
        id=f"s{i}",
        name=f"{invented_word(r).title()} {words[0].title()} {r.choice(KINDS)}",
        organisation=f"{invented_word(r).title()} Trust {i % 997}",
        needs=tuple(codes),
        need_words=" ".join(words),
        keywords=tuple(words[1:4]),
        description=" ".join(
            r.sample(FILLER, 12) + words + [invented_word(r)] + r.sample(FILLER, 8)
        ),
        min_age=low,
        max_age=high,
        restrictions=(r.choice(RESTRICTIONS),) if r.random() < 0.08 else (),
        referral_routes=tuple(
            route
            for route, p in (("self", 0.75), ("professional", 0.6), ("gp", 0.3))
            if r.random() < p
        )
        or ("self",),
        capacity=r.choices(["open", "waiting_list", "not_taking_referrals"], [80, 15, 5])[0],
        waiting_weeks=r.randint(1, 12),
        status=r.choices(["published", "pending_review", "archived"], [90, 6, 4])[0],
        last_verified=TODAY - timedelta(days=r.randint(0, 600)),
        modes=modes,
        areas=(_area(r, sites, remote),),
        sites=sites,
        sessions=tuple(
            matcher.OpeningSession(
                days=tuple(sorted(r.sample(DAYS, r.randint(1, 3)), key=DAYS.index)),
                opens=f"{h:02d}:00",
                closes=f"{h + r.randint(1, 3):02d}:00",
            )
            for h in r.sample(range(8, 20), r.randint(0, 2))
        ),
        free=r.random() < 0.7,
        languages=("en", r.choice(LANGUAGES)) if r.random() < 0.1 else ("en",),
    )


def _site(r: random.Random) -> matcher.Site:
    lat, lon, district = r.choice(AREAS)
    return matcher.Site(
        latitude=lat + r.uniform(-0.01, 0.01),
        longitude=lon + r.uniform(-0.015, 0.015),
        postcode_district=district,
        local_authority=LEEDS,
        access=tuple(a for a in ACCESS if r.random() < 0.5),
    )


def _area(r: random.Random, sites: tuple[matcher.Site, ...], remote: bool) -> matcher.Area:
    if remote and r.random() < 0.5:
        return matcher.Area("national")
    kind = r.choices(["local_authority", "districts", "radius"], [65, 20, 15])[0]
    if kind == "districts":
        return matcher.Area("districts", tuple({a[2] for a in r.sample(AREAS, 3)}))
    if kind == "radius" and sites:
        return matcher.Area("radius", miles=float(r.choice([2, 3, 5])))
    return matcher.Area("local_authority", (LEEDS,), name="Leeds")


def catalogue(
    size: int, seed: int, needs: dict[str, tuple[str, ...]]
) -> list[matcher.ServiceFacts]:
    r = random.Random(seed)
    return [service(i, r, needs) for i in range(size)]


def person(r: random.Random, needs: dict[str, tuple[str, ...]]) -> matcher.Profile:
    """Three needs, a location, a sentence of what matters, some preferences."""
    codes = r.sample(list(needs), 3)
    lat, lon, district = r.choice(AREAS)
    said = [r.choice(needs[c]) for c in codes] + r.sample(FILLER, 4) + [invented_word(r)]
    return matcher.Profile(
        age=r.randint(16, 85),
        needs=tuple(codes),
        latitude=lat + r.uniform(-0.01, 0.01),
        longitude=lon + r.uniform(-0.01, 0.01),
        postcode_district=district,
        local_authority=LEEDS,
        what_matters=" ".join(said),
        preferences=matcher.Preferences(
            free_only=r.random() < 0.3,
            modes=("in_person", "phone") if r.random() < 0.3 else (),
            days=tuple(r.sample(DAYS, 3)) if r.random() < 0.3 else (),
            times=("evening",) if r.random() < 0.2 else (),
            max_miles=3.0 if r.random() < 0.5 else None,
            language=r.choice(LANGUAGES) if r.random() < 0.1 else None,
            access=("step_free",) if r.random() < 0.2 else (),
        ),
        gender=r.choice(["woman", "man"]),
        is_carer=r.random() < 0.1,
        registered_with_gp=True,
        referrer="professional",
    )


def bench(size: int, queries: int, seed: int, needs: dict[str, tuple[str, ...]]) -> dict:
    facts = catalogue(size, seed, needs)
    start = time.perf_counter()
    prepared = matcher.Catalogue(facts)
    built = time.perf_counter() - start
    vocabulary = matcher.Vocabulary(need_synonyms=needs)
    r = random.Random(seed + size)
    people = [person(r, needs) for _ in range(queries + 10)]
    timings, cpu, considered, weighed, suggested = [], [], [], [], []
    for i, someone in enumerate(people):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = matcher.match(someone, prepared, today=TODAY, vocabulary=vocabulary)
        elapsed = (time.perf_counter() - start) * 1000
        elapsed_cpu = (time.process_time() - start_cpu) * 1000
        if i >= 10:  # the first few warm the caches
            timings.append(elapsed)
            cpu.append(elapsed_cpu)
            considered.append(result.considered)
            weighed.append(result.weighed)
            suggested.append(len(result.suggestions))
    timings.sort()
    cpu.sort()
    p95 = percentile(timings, 0.95)
    return {
        "services": size,
        "queries": queries,
        "build_s": round(built, 2),
        "p50_ms": round(statistics.median(timings), 1),
        "p95_ms": round(p95, 1),
        "max_ms": round(timings[-1], 1),
        # CPU time of the process: steadier than the wall clock on a shared machine.
        "cpu_p50_ms": round(statistics.median(cpu), 1),
        "cpu_p95_ms": round(percentile(cpu, 0.95), 1),
        "mean_considered": round(statistics.mean(considered)),
        "mean_weighed": round(statistics.mean(weighed)),
        "mean_suggested": round(statistics.mean(suggested), 1),
        "target_p95_ms": TARGETS_MS.get(size),
        "meets_target": p95 < TARGETS_MS[size] if size in TARGETS_MS else None,
    }


def percentile(ordered: list[float], share: float) -> float:
    """The nearest-rank percentile of an ascending list."""
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2_000, 20_000, 100_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="also write the report to this file")
    args = parser.parse_args()
    needs = read_needs()
    rows = [bench(size, args.queries, args.seed, needs) for size in args.sizes]
    report = {
        "benchmark": "match: 3 needs, a location, what matters",
        "python": platform.python_version(),
        "machine": platform.machine(),
        "results": rows,
    }
    print(json.dumps(report, indent=2))
    heading = ["services", "build s", "p50 ms", "p95 ms", "max ms", "cpu p50", "cpu p95", "target"]
    print("\n" + " ".join(f"{h:>9}" for h in heading))
    for row in rows:
        target = f"<{row['target_p95_ms']:g}" if row["target_p95_ms"] else ""
        cells = [f"{row['services']:,}", row["build_s"], row["p50_ms"], row["p95_ms"]]
        cells += [row["max_ms"], row["cpu_p50_ms"], row["cpu_p95_ms"], target]
        print(" ".join(f"{c:>9}" for c in cells))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
