"""The whole path under load: gunicorn with 2 sync workers serving a 20,000-service
catalogue over loopback, driven by `wrk` with the mix of issue 13.

    python benchmarks/load.py                 # 20,000 services, 6 minutes or more
    python benchmarks/load.py --quick         # shorter runs, 3 minutes or more
    python benchmarks/load.py --checkout /path/to/other/checkout   # its code, its .venv
    python benchmarks/load.py --postgres postgresql://postgres@127.0.0.1:5432/postgres
    python benchmarks/load.py --data /work/data/scale   # a database and index made already
    python benchmarks/load.py -- --preload    # anything after -- goes to gunicorn
    python benchmarks/load.py --json after.json   # every figure also as JSON

What it does, in order:
1. The catalogue: `benchmarks/scale_catalogue.py`'s file of SIZE services (seed SEED) is
   made once and imported with the served checkout's own `import-oruk --publish` into a
   fresh database (SQLite, or a new database on the PostgreSQL server of --postgres), with
   its search index and a link worker's API token. Both are kept under benchmarks/.cache/
   (gitignored), keyed by size, seed and generator version, and the database also by the
   checkout's migration head: a new migration makes a new one. Each run serves a copy, so
   what a run writes (search logs) never reaches the next.
2. gunicorn: 2 sync workers on 127.0.0.1, with the checkout's gunicorn.conf.py when it has
   one, and the arguments after `--`. Production settings, with the one rate limit that
   would refuse the load (the Open Referral UK API's, SIGNPOST_ORUK_RATE_LIMIT) raised by
   configuration; nothing in the code changes.
3. The first 100 requests after a fresh start, of the mix, four at a time, sent as soon as
   gunicorn accepts a connection: their p50, p99 and errors (a request that waits for a
   worker to build its catalogue shows here).
4. The mix, for a fixed time at 4, 16 and 32 connections, after a short warm-up:
   60% the /search page with words and a Leeds postcode, 20% service pages, 15% the home
   page and /api/v1/services?per_page=50 (half each), 5% POST /api/v1/match with the API
   token. Each level is followed by the same time on a trivial page (/privacy) on the same
   server: the ceiling. Requests a second, p50/p95/p99 latency, errors (answers other than
   2xx, and socket errors and timeouts) and each worker's resident memory.
5. CPU per request of each kind alone: the workers' user+system CPU time (/proc/PID/stat)
   over a run of that kind only, divided by the requests served. CPU time does not depend
   much on how busy the machine is; the requests a second and latencies do.

Bounded: every wrk run has a fixed duration, the first requests a deadline, and gunicorn is
stopped at the end (or on Ctrl-C). Loopback only.

wrk is a Debian package: `make bench-tools` (or `apt-get install wrk`).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import scale_catalogue  # noqa: E402

CACHE = ROOT / "benchmarks" / ".cache"
HOST = "127.0.0.1"
TRIVIAL = "/privacy"
WORKERS = 2
LEVELS = (4, 16, 32)
FIRST_REQUESTS = 100
FIRST_AT_ONCE = 4
FIRST_DEADLINE = 180.0  # seconds for all the first requests
WRK_TIMEOUT = "35s"  # longer than gunicorn's 30 s worker timeout: a slow answer is timed
# What people type (from the issues' reports), and the needs' own words.
WORDS = [
    "my boyfriend hits me",
    "no one to talk to",
    "skint cant pay rent",
    "feeling low all the time",
    "lonely since my wife died",
    "debt advice",
    "counselling",
    "being bullied at school",
    "need food for my kids",
    "carer for my mum",
    "walking group",
    "food bank",
    "help with benefits forms",
    "yoga",
    "english classes",
    "gardening",
    "mental health support",
    "anxiety",
    "youth club",
    "dementia cafe",
    "housing advice",
    "warm space",
    "job help cv",
    "bereavement",
]
MATCH_NEEDS = [
    ["loneliness"],
    ["low_mood", "stress_anxiety"],
    ["money_debt", "benefits"],
    ["getting_active"],
    ["food", "energy_bills"],
    ["carers"],
    ["older_people", "loneliness"],
    ["housing"],
]
# The mix, in parts of 200 requests.
MIX = {"search": 120, "service": 40, "home": 15, "services_api": 15, "match": 10}
KINDS = {
    "search": "/search page, words and a postcode",
    "home": "home page /",
    "services_api": "/api/v1/services?per_page=50",
    "match": "POST /api/v1/match",
    "service": "service page /services/ID",
}


@dataclass(frozen=True)
class Request:
    kind: str
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""


@dataclass
class Served:
    """A database and index ready to serve, and how to reach them."""

    env: dict[str, str]
    token: str
    cleanup: list[object] = field(default_factory=list)


# --- the catalogue, cached ----------------------------------------------------------------


def migration_head(checkout: Path) -> str:
    """The newest migration of a checkout: the revision no other names as its parent."""
    revisions, parents = set(), set()
    for file in (checkout / "directory" / "migrations" / "versions").glob("*.py"):
        text = file.read_text()
        found = re.search(r'^revision\s*(?::\s*str)?\s*=\s*["\']([^"\']+)', text, re.M)
        if found:
            revisions.add(found.group(1))
        down = re.search(r"^down_revision[^=]*=\s*(.+)$", text, re.M)
        if down:
            parents |= set(re.findall(r'["\']([^"\']+)["\']', down.group(1)))
    heads = sorted(revisions - parents)
    if not heads:
        raise SystemExit(f"No migrations found in {checkout}.")
    return "+".join(heads)


def catalogue_folder(size: int, seed: int) -> Path:
    return CACHE / f"catalogue-{size}-seed{seed}-v{scale_catalogue.VERSION}"


def catalogue_file(size: int, seed: int) -> Path:
    """The HSDS file of SIZE services, made once."""
    path = catalogue_folder(size, seed) / "services.json"
    if not path.exists():
        print(f"Writing the {size}-service catalogue to {path} ...", flush=True)
        scale_catalogue.write(size, path, seed)
    return path


def _database_name(key: str) -> str:
    return "signpost_load_" + re.sub(r"[^a-z0-9]+", "_", key.lower())[:40]


def _admin(url: str):  # type: ignore[no-untyped-def]
    import psycopg

    plain = re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql://", url)
    return psycopg.connect(plain, autocommit=True)


def _database_exists(url: str, name: str) -> bool:
    with _admin(url) as admin:
        query = "SELECT 1 FROM pg_database WHERE datname = %s"
        return admin.execute(query, (name,)).fetchone() is not None


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def prepare(checkout: Path, size: int, seed: int, postgres: str | None) -> Served:
    """A copy of the cached database (built first if need be) and of its index, for one run."""
    head = migration_head(checkout)
    backend = "postgresql" if postgres else "sqlite"
    kept = catalogue_folder(size, seed) / f"{backend}-{head}"
    source = catalogue_file(size, seed)
    template = _database_name(f"{size}_{seed}_{scale_catalogue.VERSION}_{head}")
    url = _with_database(postgres, template) if postgres else None
    if postgres and (kept / "ready").exists() and not _database_exists(postgres, template):
        (kept / "ready").unlink()  # dropped since: made again
    if not (kept / "ready").exists():
        print(f"Importing it at migration {head} ({backend}); the first time only ...", flush=True)
        shutil.rmtree(kept, ignore_errors=True)
        kept.mkdir(parents=True)
        if postgres:
            with _admin(postgres) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{template}"')
                admin.execute(f'CREATE DATABASE "{template}"')
        env = scale_catalogue.database_env(kept, url)
        took = scale_catalogue.build_database(source, kept, env, checkout)
        (kept / "build-seconds.json").write_text(json.dumps(took, indent=2) + "\n")
        (kept / "ready").write_text(head + "\n")
        print("  " + ", ".join(f"{k} {v:.0f} s" for k, v in took.items()), flush=True)
    return copy_for_run(kept, url, postgres, template)


def copy_for_run(kept: Path, url: str | None, postgres: str | None, template: str) -> Served:
    run = Path(tempfile.mkdtemp(prefix="signpost-load-"))
    # the index names its live build by a relative symbolic link: copied as a link
    shutil.copytree(kept / "index", run / "index", symlinks=True)
    cleanup: list[object] = [run]
    if postgres:
        name = f"{template}_run"[:63]
        with _admin(postgres) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        url = _with_database(postgres, name)
        cleanup.append((postgres, name))
    else:
        shutil.copy2(kept / "signpost.db", run / "signpost.db")
    env = scale_catalogue.database_env(run, url)
    return Served(env, (kept / "token.txt").read_text().strip(), cleanup)


def given_data(folder: Path) -> Served:
    """A copy of a database and index made already (such as /work/data/scale)."""
    for needed in ("signpost.db", "index", "token.txt"):
        if not (folder / needed).exists():
            raise SystemExit(f"{folder} has no {needed}: see /work/data/scale/README.txt.")
    return copy_for_run(folder, None, None, "")


def clean(served: Served) -> None:
    for item in served.cleanup:
        if isinstance(item, Path):
            shutil.rmtree(item, ignore_errors=True)
        else:
            server, name = item  # type: ignore[misc]
            with contextlib.suppress(Exception), _admin(server) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- the requests ---------------------------------------------------------------------------


def published_ids(database_url: str, wanted: int = 200) -> list[str]:
    """Some published services' ids, read from the database (a held-back listing's page
    would be a 404)."""
    query = (
        "SELECT id FROM service WHERE lower(CAST(status AS TEXT)) = 'published' "
        f"ORDER BY id LIMIT {int(wanted)}"
    )
    if database_url.startswith("sqlite:///"):
        with contextlib.closing(sqlite3.connect(database_url.removeprefix("sqlite:///"))) as db:
            rows = db.execute(query).fetchall()
    else:
        with _admin(database_url) as db:
            rows = db.execute(query).fetchall()  # type: ignore[arg-type]
    found = [str(uuid.UUID(str(row[0]))) for row in rows]
    if len(found) < min(wanted, 10):
        raise SystemExit(f"Only {len(found)} published services in {database_url}.")
    return found


def postcodes_of(source: Path, wanted: int = 12) -> list[str]:
    """Real Leeds postcodes of the catalogue's own places (the start of the file)."""
    found: list[str] = []
    with source.open(encoding="utf-8") as lines:
        for line in lines:
            for postcode in re.findall(r'"postal_code": "([A-Z0-9 ]+)"', line):
                if postcode not in found:
                    found.append(postcode)
            if len(found) >= wanted * 10:
                break
    return found[:: max(1, len(found) // wanted)][:wanted]


def requests_of(kind: str, ids: list[str], postcodes: list[str], token: str) -> list[Request]:
    """Every request of one kind that the mix draws on."""
    if kind == "search":
        return [
            Request(
                kind,
                "GET",
                "/search?" + urlencode({"q": words, "postcode": postcodes[i % len(postcodes)]}),
            )
            for i, words in enumerate(WORDS * 5)
        ]
    if kind == "service":
        return [Request(kind, "GET", f"/services/{i}") for i in ids]
    if kind == "home":
        return [Request(kind, "GET", "/")]
    if kind == "services_api":
        return [Request(kind, "GET", "/api/v1/services?per_page=50")]
    if kind == "match":
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        return [
            Request(
                kind,
                "POST",
                "/api/v1/match",
                headers,
                json.dumps(
                    {"age": 25 + 7 * i, "postcode": postcodes[i % len(postcodes)], "needs": needs}
                ),
            )
            for i, needs in enumerate(MATCH_NEEDS)
        ]
    raise ValueError(kind)


def the_mix(pools: dict[str, list[Request]]) -> list[Request]:
    """200 requests in the mix's proportions, in a fixed shuffled order."""
    found = []
    for kind, count in MIX.items():
        pool = pools[kind]
        found += [pool[i % len(pool)] for i in range(count)]
    random.Random(13).shuffle(found)
    return found


# --- wrk -------------------------------------------------------------------------------------

LUA = """
local requests = {%(requests)s}
-- globals, not locals: done() reads each thread's errors with thread:get
prepared = {}
counter = 0
errors = 0
sent = 0
answered = 0
threads = {}

function setup(thread)
  thread:set("number", #threads)
  table.insert(threads, thread)
end

function init(args)
  for i, r in ipairs(requests) do
    prepared[i] = wrk.format(r[1], r[2], r[3], r[4])
  end
  counter = number * 53
end

function request()
  counter = counter + 1
  sent = sent + 1
  return prepared[(counter %% #prepared) + 1]
end

function response(status, headers, body)
  answered = answered + 1
  if status < 200 or status > 299 then
    errors = errors + 1
  end
end

function done(summary, latency, requests)
  local bad = 0
  local unanswered = 0
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("errors")
    unanswered = unanswered + thread:get("sent") - thread:get("answered")
  end
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %%d, "seconds": %%f, "non2xx": %%d, "unanswered": %%d, ' ..
    '"connect": %%d, "read": %%d, ' ..
    '"write": %%d, "timeout": %%d, "p50": %%f, "p95": %%f, "p99": %%f, "max": %%f}\\n',
    summary.requests, summary.duration / 1e6, bad, unanswered,
    e.connect, e.read, e.write, e.timeout,
    latency:percentile(50) / 1e3, latency:percentile(95) / 1e3, latency:percentile(99) / 1e3,
    latency.max / 1e3))
end
"""


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def lua_script(requests: list[Request], folder: Path) -> Path:
    rows = []
    for r in requests:
        headers = ", ".join(f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in r.headers.items())
        body = _lua_string(r.body) if r.body else "nil"
        rows.append(f"{{{_lua_string(r.method)}, {_lua_string(r.path)}, {{{headers}}}, {body}}}")
    path = folder / f"requests-{secrets.token_hex(4)}.lua"
    path.write_text(LUA % {"requests": ",\n  ".join(rows)})
    return path


def wrk(port: int, script: Path, connections: int, seconds: float) -> dict[str, float]:
    """One wrk run (one thread: the server, not wrk, should have the cores)."""
    command = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        f"--timeout={WRK_TIMEOUT}",
        "-s",
        str(script),
        f"http://{HOST}:{port}",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120)
    found = re.search(r"^RESULT (\{.*\})$", done.stdout, re.M)
    if done.returncode or not found:
        raise SystemExit(f"wrk failed:\n{done.stdout}\n{done.stderr}")
    result: dict[str, float] = json.loads(found.group(1))
    result["rate"] = result["requests"] / result["seconds"]
    result["errors"] = sum(result[k] for k in ("non2xx", "connect", "read", "write", "timeout"))
    return result


# --- gunicorn ---------------------------------------------------------------------------------


class Gunicorn:
    """gunicorn serving a checkout on a free loopback port."""

    def __init__(self, checkout: Path, env: dict[str, str], extra: list[str], log: Path) -> None:
        self.port = free_port()
        binary = checkout / ".venv" / "bin" / "gunicorn"
        if checkout.resolve() == ROOT:
            binary = Path(sys.executable).with_name("gunicorn")
        command = [str(binary)]
        if (checkout / "gunicorn.conf.py").exists():
            command += ["-c", str(checkout / "gunicorn.conf.py")]
        command += ["-w", str(WORKERS), "-k", "sync", "-b", f"{HOST}:{self.port}", *extra]
        command.append("wsgi:app")
        self.command = command
        self.log = log.open("ab")
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            command, cwd=checkout, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )

    def wait_until_accepting(self, limit: float = 600) -> float:
        """Seconds from start until the port takes a connection."""
        deadline = time.perf_counter() + limit
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn stopped before it served: see {self.log.name}")
            with contextlib.suppress(OSError):
                socket.create_connection((HOST, self.port), timeout=0.2).close()
                return time.perf_counter() - self.started
            time.sleep(0.02)
        raise SystemExit(f"gunicorn took no connection within {limit:.0f} s")

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        with contextlib.suppress(OSError):
            return sorted(int(p) for p in children.read_text().split())
        return []

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


# --- the measurements ----------------------------------------------------------------------------


def first_requests(port: int, mix: list[Request]) -> dict[str, float]:
    """The first FIRST_REQUESTS of the mix, FIRST_AT_ONCE at a time, from the moment the
    server accepts: latency in ms, errors, and those not answered by the deadline."""
    queue = list(mix[:FIRST_REQUESTS])
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + FIRST_DEADLINE

    def client() -> None:
        while time.perf_counter() < deadline:
            with lock:
                if not queue:
                    return
                item = queue.pop(0)
            began = time.perf_counter()
            try:
                left = max(1.0, deadline - began)
                connection = http.client.HTTPConnection(HOST, port, timeout=left)
                connection.request(item.method, item.path, item.body or None, item.headers)
                response = connection.getresponse()
                response.read()
                connection.close()
                ok = 200 <= response.status < 300
            except OSError:
                ok = False
            with lock:
                latencies.append((time.perf_counter() - began) * 1000)
                errors[0] += not ok

    threads = [threading.Thread(target=client) for _ in range(FIRST_AT_ONCE)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()
    unanswered = FIRST_REQUESTS - len(latencies)
    return {
        "answered": len(latencies),
        "errors": errors[0] + unanswered,
        "p50": statistics.median(latencies) if latencies else float("nan"),
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        if latencies
        else float("nan"),
        "max": latencies[-1] if latencies else float("nan"),
    }


def memory(server: Gunicorn) -> list[float]:
    found = []
    for pid in server.workers():
        with contextlib.suppress(OSError):
            found.append(rss_mb(pid))
    return found


def workers_cpu(server: Gunicorn) -> dict[int, float]:
    found = {}
    for pid in server.workers():
        with contextlib.suppress(OSError):
            found[pid] = cpu_seconds(pid)
    return found


def settle(server: Gunicorn, limit: float = 120) -> bool:
    """Wait until the workers are idle: a sync worker goes on answering the requests queued
    for it after wrk has closed their connections, and the next run must not pay for them."""
    deadline = time.perf_counter() + limit
    last = workers_cpu(server)
    while time.perf_counter() < deadline:
        time.sleep(0.3)
        now = workers_cpu(server)
        # a worker killed and booted again is not idle, whatever the sum says
        if set(now) == set(last) and sum(now[p] - last[p] for p in now) < 0.02:
            return True
        last = now
    return False


def cpu_per_request(server: Gunicorn, script: Path, seconds: float) -> dict[str, float]:
    """The workers' CPU ms per request over a run of one kind of request, one at a time
    (so that at most one request is in flight when the run ends)."""
    before = workers_cpu(server)
    found = wrk(server.port, script, 1, seconds)
    after = workers_cpu(server)
    used = sum(after[pid] - before[pid] for pid in after if pid in before)
    found["cpu_ms"] = 1000 * used / found["requests"] if found["requests"] else float("nan")
    found["restarted"] = float(sorted(before) != sorted(after))
    settle(server)
    return found


def warm_kind(port: int, requests: list[Request], limit: float = 90) -> bool:
    """Send requests of one kind, one at a time, until four answers in a row are 2xx (both
    workers have most likely served one) or `limit` seconds pass: a kind's first request
    in a worker may build what it needs, and its CPU run should not time that."""
    deadline = time.perf_counter() + limit
    good, n = 0, 0
    while good < 4 and time.perf_counter() < deadline:
        item = requests[n % len(requests)]
        n += 1
        try:
            left = max(1.0, deadline - time.perf_counter())
            connection = http.client.HTTPConnection(HOST, port, timeout=left)
            connection.request(item.method, item.path, item.body or None, item.headers)
            response = connection.getresponse()
            response.read()
            connection.close()
            good = good + 1 if 200 <= response.status < 300 else 0
        except OSError:
            good = 0
    return good >= 4


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def describe_checkout(checkout: Path) -> str:
    with contextlib.suppress(Exception):
        commit = subprocess.run(
            ["git", "-C", str(checkout), "log", "-1", "--format=%h %s"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(checkout), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
        ).stdout.strip()
        return f"{commit[:70]}{' (with uncommitted changes)' if dirty else ''}"
    return "not a git checkout"


def run(args: argparse.Namespace, extra: list[str]) -> None:
    checkout = args.checkout.resolve()
    if not (checkout / "wsgi.py").exists():
        raise SystemExit(f"{checkout} is not a Signpost checkout (no wsgi.py).")
    if checkout != ROOT and not (checkout / ".venv" / "bin" / "gunicorn").exists():
        raise SystemExit(f"{checkout}/.venv has no gunicorn: run `make install` there first.")
    seconds = args.seconds or (8.0 if args.quick else 30.0)
    kind_seconds = args.kind_seconds or (5.0 if args.quick else 15.0)
    warm = 3.0 if args.quick else 10.0
    if args.data:
        served = given_data(args.data)
        source = args.data / f"services-{args.size}.json"
        source = source if source.exists() else catalogue_file(args.size, args.seed)
    else:
        served = prepare(checkout, args.size, args.seed, args.postgres)
        source = catalogue_file(args.size, args.seed)
    served.env.update(
        {
            "SIGNPOST_ENV": "production",
            "SECRET_KEY": secrets.token_hex(32),
            "SIGNPOST_PUBLIC_URL": "https://signpost.example",
            # the only rate limit on what the mix asks for: lifted by configuration
            "SIGNPOST_ORUK_RATE_LIMIT": "1000000 per minute",
        }
    )
    folder = Path(tempfile.mkdtemp(prefix="signpost-wrk-"))
    log = folder / "gunicorn.log"
    print(f"Code: {checkout} ({describe_checkout(checkout)})")
    database = "PostgreSQL" if args.postgres else "SQLite"
    print(f"Catalogue: {args.size} services, seed {args.seed}, {database}; gunicorn log {log}")
    ids = published_ids(served.env["DATABASE_URL"])
    postcodes = postcodes_of(source)
    pools = {kind: requests_of(kind, ids, postcodes, served.token) for kind in MIX}
    mix = the_mix(pools)
    report: dict[str, object] = {
        "code": describe_checkout(checkout),
        "size": args.size,
        "database": database,
        "load_average_start": os.getloadavg(),
    }
    server = Gunicorn(checkout, served.env, extra, log)
    try:
        print(f"gunicorn: {' '.join(server.command[1:])}")
        accepted = server.wait_until_accepting()
        cold = first_requests(server.port, mix)
        report["first_requests"] = {**cold, "accepted_after_s": accepted}
        print(
            f"\nFirst {FIRST_REQUESTS} requests after a fresh start (the mix, "
            f"{FIRST_AT_ONCE} at a time, from {accepted:.1f} s when gunicorn accepted): "
            f"p50 {cold['p50']:.0f} ms, p99 {cold['p99']:.0f} ms, max {cold['max']:.0f} ms, "
            f"errors {cold['errors']:.0f}"
        )
        scripts = {kind: lua_script(pool, folder) for kind, pool in pools.items()}
        scripts["mix"] = lua_script(mix, folder)
        scripts["trivial"] = lua_script([Request("trivial", "GET", TRIVIAL)], folder)
        wrk(server.port, scripts["mix"], LEVELS[0], warm)  # every worker warm
        settle(server)
        busy: list[str] = []  # the runs after which the workers were still busy
        print(f"\nLoad average before the levels: {load_average()}")
        header = (
            f"{'what':<22}{'conns':>6}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
            f"{'errors':>8}{'unfin.':>8}  {'RSS MB per worker'}"
        )
        print(f"\nFixed {seconds:g} s at each level:")
        print(header)
        levels: list[dict[str, object]] = []
        report["levels"] = levels
        for connections in LEVELS:
            for name in ("mix", "trivial"):
                found = wrk(server.port, scripts[name], connections, seconds)
                shown = "mix (issue 13)" if name == "mix" else f"trivial {TRIVIAL}"
                if not settle(server):
                    busy.append(f"{shown} at {connections}")
                worker_mb = memory(server)
                levels.append(
                    {"what": name, "connections": connections, **found, "rss_mb": worker_mb}
                )
                rss = " / ".join(f"{m:.0f}" for m in worker_mb)
                print(
                    f"{shown:<22}{connections:>6}{found['rate']:>9.1f}{found['p50']:>9.1f}"
                    f"{found['p95']:>9.1f}{found['p99']:>9.1f}{found['errors']:>8.0f}"
                    f"{found['unanswered']:>8.0f}  {rss}",
                    flush=True,
                )
        print(
            "errors: answers other than 2xx, and socket errors and timeouts; unfin.: sent "
            "but not answered when the run ended (a healthy server leaves about one per "
            "connection)"
        )
        if busy:
            print("Workers still busy 2 minutes after: " + "; ".join(busy))
        print(f"\nCPU per request, each kind alone ({kind_seconds:g} s, one at a time):")
        print(f"{'kind':<40}{'CPU ms':>8}{'req/s':>9}{'p50 ms':>9}{'errors':>8}")
        kinds: dict[str, object] = {}
        report["cpu_per_request"] = kinds
        for kind, words in KINDS.items():
            warmed = warm_kind(server.port, pools[kind])
            settle(server)
            found = cpu_per_request(server, scripts[kind], kind_seconds)
            kinds[kind] = {**found, "warmed": warmed}
            note = "  (a worker restarted: CPU undercounted)" if found["restarted"] else ""
            if not warmed:
                note += "  (not answering before the run: timed out warming)"
            print(
                f"{words:<40}{found['cpu_ms']:>8.1f}{found['rate']:>9.1f}{found['p50']:>9.1f}"
                f"{found['errors']:>8.0f}{note}",
                flush=True,
            )
        rss = " / ".join(f"{m:.0f}" for m in memory(server))
        print(f"\nResident memory per worker at the end: {rss} MB")
        print(f"Load average at the end: {load_average()} (2 cores)")
        report["rss_mb_end"] = memory(server)
        report["load_average_end"] = os.getloadavg()
        if args.json:
            args.json.write_text(json.dumps(report, indent=2) + "\n")
    finally:
        server.stop()
        clean(served)
        for script in folder.glob("*.lua"):
            script.unlink()


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    extra: list[str] = []
    if "--" in argv:
        at = argv.index("--")
        argv, extra = argv[:at], argv[at + 1 :]
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="Arguments after -- go to gunicorn (such as --preload).",
    )
    parser.add_argument("--size", type=int, default=20_000, help="services (default 20000)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="short runs (8 s a level)")
    parser.add_argument("--seconds", type=float, help="seconds at each level (default 30)")
    parser.add_argument("--kind-seconds", type=float, help="seconds for each kind's CPU run")
    parser.add_argument(
        "--checkout", type=Path, default=ROOT, help="serve this checkout's code (its .venv)"
    )
    parser.add_argument("--postgres", metavar="URL", help="serve from PostgreSQL at URL")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    parser.add_argument(
        "--data", type=Path, help="a folder with signpost.db, index/ and token.txt (SQLite)"
    )
    args = parser.parse_args(argv)
    if args.size < 10:
        parser.error("--size must be at least 10")
    if args.data and args.postgres:
        parser.error("--data is a SQLite folder: leave out --postgres")
    if shutil.which("wrk") is None:
        raise SystemExit(
            "wrk is not installed: `make bench-tools` installs it (Debian: apt-get install wrk)."
        )
    run(args, extra)


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
