"""Warm workers: how long gunicorn's workers take to warm up, how fast the first requests
after start are, and how much memory each worker holds, warming in each worker or once in
the master (preload).

Works on a copy of a database and index (SQLite file and index folder: the bench catalogue
of /work/data/scale, or any instance folder), so it can add the link worker whose API token
the match requests carry. For each mode it starts `gunicorn -c gunicorn.conf.py`, waits for
/health/ready, then for every worker's warm-up, sends the first requests one at a time (the
search page with a postcode, the search API, a match) and reads each worker's memory.

    python benchmarks/warm_bench.py --database /work/data/scale/signpost.db \\
        --index /work/data/scale/index [--workers 2] [--requests 100]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

GUNICORN = Path(sys.executable).parent / "gunicorn"
LISTENING = re.compile(r"Listening at: (http://127\.0\.0\.1:\d+)")
WARM = re.compile(r"Warm-up: matcher catalogue took ([\d.]+) s")
STEP = re.compile(r"\[(\d+)\] \[INFO\] Warm-up: (.+) took ([\d.]+) s")
SEARCHES = ["lonely", "debt advice", "feeling low", "carer for my mum", "food bank", "counselling"]
POSTCODES = ["LS6 1BD", "LS9 7TF", "LS11 5AA", "LS2 9JT"]
PEOPLE = [
    {"age": 78, "postcode": "LS5 3BT", "needs": ["bereavement", "loneliness"]},
    {"age": 15, "postcode": "LS6 1BD", "needs": ["stress_anxiety", "loneliness"]},
    {"age": 34, "postcode": "LS9 7TF", "needs": ["carers", "money_debt", "housing"]},
]


def copy_catalogue(database: Path, index: Path, into: Path) -> None:
    into.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        source = Path(str(database) + suffix)
        if source.exists():
            shutil.copy2(source, into / ("signpost.db" + suffix))
    shutil.copytree(index, into / "index", symlinks=True)


def add_token(folder: Path) -> str:
    """A link worker and an API token in the copied database, for the match requests."""
    from sqlmodel import Session

    from directory import create_app, db
    from directory.accounts import api_tokens
    from directory.models import Role, User

    os.environ["SIGNPOST_INSTANCE_PATH"] = str(folder)
    app = create_app()
    with app.app_context(), Session(db.engine()) as session:
        user = User(email="bench@example.org", password_hash="x", role=Role.LINK_WORKER)
        session.add(user)
        session.commit()
        session.refresh(user)
        token = api_tokens.create_token(session, user, "warm bench")
    app.extensions[db.ENGINE_KEY].dispose()
    return token


def requests(count: int, token: str) -> list[tuple[str, str, bytes | None, dict[str, str]]]:
    found = []
    for n in range(count):
        kind = n % 3
        words, postcode = SEARCHES[n % len(SEARCHES)], POSTCODES[n % len(POSTCODES)]
        if kind == 0:
            page = "/search?" + urlencode({"q": words, "postcode": postcode})
            found.append(("GET", page, None, {}))
        elif kind == 1:
            found.append(("GET", "/api/v1/search?" + urlencode({"q": words}), None, {}))
        else:
            body = json.dumps(PEOPLE[n % len(PEOPLE)]).encode()
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            found.append(("POST", "/api/v1/match", body, headers))
    return found


def memory(pid: int) -> tuple[float, float]:
    """Resident and proportional (shared pages split between their users) set sizes, MB."""
    rss = pss = 0.0
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Rss:"):
            rss = int(line.split()[1]) / 1024
        elif line.startswith("Pss:"):
            pss = int(line.split()[1]) / 1024
    return rss, pss


def workers_of(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(c) for c in children]


def cpu_ms(pids: list[int]) -> float:
    """CPU time (user and system) the workers have used so far, in milliseconds."""
    ticks = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks * 1000 / os.sysconf("SC_CLK_TCK")


def send(
    url: str, wanted: list[tuple[str, str, bytes | None, dict[str, str]]], pids: list[int]
) -> tuple[list[float], list[str], list[float]]:
    """Each request in turn: its time, its path, and the workers' CPU time it took (one
    request at a time, so only the worker serving it is busy)."""
    times, paths, cpu = [], [], []
    for method, path, body, headers in wanted:
        paths.append(path)
        request = urllib.request.Request(url + path, data=body, method=method, headers=headers)
        before, begun = cpu_ms(pids), time.perf_counter()
        with urllib.request.urlopen(request, timeout=60) as answer:
            answer.read()
            assert answer.status == 200, (path, answer.status)
        times.append((time.perf_counter() - begun) * 1000)
        cpu.append(cpu_ms(pids) - before)
    return times, paths, cpu


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 1)


def run(folder: Path, token: str, workers: int, count: int, preload: bool) -> dict[str, object]:
    env = {
        **os.environ,
        "SIGNPOST_ENV": "development",
        "SIGNPOST_INSTANCE_PATH": str(folder),
        "SIGNPOST_BIND": "127.0.0.1:0",
        "SIGNPOST_WORKERS": str(workers),
        "SIGNPOST_PRELOAD": "1" if preload else "0",
    }
    env.pop("DATABASE_URL", None)
    env.pop("SEARCH_INDEX_DIR", None)
    log_path = folder / f"gunicorn-{'preload' if preload else 'each'}.log"
    started = time.perf_counter()
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [str(GUNICORN), "-c", "gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stderr=log,
        )
    try:
        url = None
        while url is None:
            found = LISTENING.search(log_path.read_text(errors="replace"))
            url = found.group(1) if found else None
            assert process.poll() is None, log_path.read_text()
            time.sleep(0.05)
        ready_after = None
        while ready_after is None:
            try:
                with urllib.request.urlopen(url + "/health/ready", timeout=120) as answer:
                    if answer.status == 200:
                        ready_after = time.perf_counter() - started
            except (OSError, urllib.error.HTTPError):
                time.sleep(0.1)
            assert process.poll() is None, log_path.read_text()
        expected = 1 if preload else workers
        while len(WARM.findall(log_path.read_text(errors="replace"))) < expected:
            assert process.poll() is None, log_path.read_text()
            time.sleep(0.1)
        all_warm_after = time.perf_counter() - started
        took = [float(t) for t in WARM.findall(log_path.read_text(errors="replace"))]
        steps: dict[str, list[float]] = {}
        for _pid, name, seconds in STEP.findall(log_path.read_text(errors="replace")):
            steps.setdefault(name, []).append(float(seconds))
        pids = workers_of(process.pid)
        times, paths, cpu = send(url, requests(count, token), pids)
        # the same requests again: the yardstick of a worker that has served before
        again, _, again_cpu = send(url, requests(count, token), pids)
        sizes = [memory(pid) for pid in pids]
        ordered = sorted(times)
        return {
            "mode": "preload in the master" if preload else "warm in each worker",
            "ready_s": round(ready_after, 1),
            "all_warm_s": round(all_warm_after, 1),
            "catalogue_build_s": took,
            "steps_s": steps,
            "first_requests": len(times),
            "p50_ms": round(statistics.median(times), 1),
            "p99_ms": round(ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 1),
            "max_ms": round(ordered[-1], 1),
            "cpu_p99_ms": percentile(cpu, 0.99),
            "cpu_max_ms": max(cpu),
            "next_p50_ms": round(statistics.median(again), 1),
            "next_p99_ms": percentile(again, 0.99),
            "next_cpu_p99_ms": percentile(again_cpu, 0.99),
            "slowest": sorted(
                ((round(t), n, p[:40]) for n, (t, p) in enumerate(zip(times, paths, strict=True))),
                reverse=True,
            )[:4],
            "worker_rss_mb": [round(r) for r, _ in sizes],
            "worker_pss_mb": [round(p) for _, p in sizes],
            "master_rss_mb": round(memory(process.pid)[0]),
            "master_pss_mb": round(memory(process.pid)[1]),
            "rebuilds_in_requests": log_path.read_text(errors="replace").count(
                "Matcher catalogue read whole"
            )
            - expected,
        }
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", type=Path, required=True)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--modes", default="each,preload")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="warm-bench-") as temporary:
        folder = Path(temporary)
        copy_catalogue(args.database, args.index, folder)
        token = add_token(folder)
        for mode in args.modes.split(","):
            result = run(folder, token, args.workers, args.requests, preload=mode == "preload")
            print(json.dumps(result), flush=True)
        print(f"load average: {os.getloadavg()}")


if __name__ == "__main__":
    main()
