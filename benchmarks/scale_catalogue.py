"""A Leeds catalogue of N services as Open Referral UK JSON, for the scale benchmarks.

The services are the deterministic stream of `benchmarks/synthetic.py` (the same seed gives
the same file, and a smaller file is the start of a larger one), written as the JSON array
of full HSDS 3.0 service objects that `flask --app wsgi import-oruk --publish FILE` reads
and `export-oruk` writes:

- each organisation of the stream once, with its several services (`organization`);
- needs as attributes carrying Signpost's needs taxonomy terms (mapped by id on import);
- what HSDS has no field for (delivery modes, referral routes, keywords, whether it is free,
  the card summary) as Signpost's own taxonomies' attributes, as another Signpost exports;
- sites as physical locations at the stream's coordinates, each with a real Leeds postcode
  a few hundred metres from it at most (the nearest in the first ring of 500 m cells that
  has one, from the ONS directory the app looks postcodes up in);
- openings as weekly schedules, ages, languages, accessibility, who it serves
  (`service_areas`), and a phone for services by phone.

No dates are written: an import records the day it ran as each listing's last check, so
a catalogue imported today is never stale for the matcher, whenever the file was made.

    python benchmarks/scale_catalogue.py 20000 services-20000.json [--seed 7]
    python benchmarks/scale_catalogue.py 20000 DIR --database   # also import it into
        DIR/signpost.db and DIR/index (a fresh SQLite database), timing the import
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import synthetic  # noqa: E402
from directory.catalogue.seed_files import read_needs  # noqa: E402
from directory.catalogue.vocabulary import (  # noqa: E402
    ACCESSIBILITY,
    DELIVERY,
    LANGUAGES,
    REFERRAL_ROUTES,
)
from directory.geo import postcodes  # noqa: E402
from directory.models import NEEDS_TAXONOMY_ID, stable_id  # noqa: E402
from directory.oruk import signpost_terms as terms  # noqa: E402
from directory.search.documents import ServiceFacts  # noqa: E402

Json = dict[str, Any]
# Part of the cache key of what this writes: change it when the output changes.
VERSION = "1"
NEEDS_TAXONOMY_NAME = "Signpost social prescribing needs"
LEEDS = synthetic.LEEDS
STREET = re.compile(r"We meet at the [^.]*? on ([^,.]{1,150}), ")
GRID_CELL = 500  # metres: the buckets the nearest postcode is looked for in


def _id(seed: int, *parts: object) -> str:
    """A stable id for a record the stream does not number (organisations, places, ...)."""
    return str(
        uuid.uuid5(uuid.NAMESPACE_URL, f"signpost-scale/{seed}/" + "/".join(map(str, parts)))
    )


# --- real Leeds postcodes --------------------------------------------------------------


class NearestPostcode:
    """A real Leeds postcode close to a point (the nearest in the first ring of grid cells
    around it that holds any), from the app's own ONS directory."""

    def __init__(self) -> None:
        from pyproj import Transformer

        directory = postcodes.default_directory()
        table = directory._table("L")  # the benchmark reads the directory's own arrays
        leeds = directory._authority_index.get(LEEDS)
        rows = table.rows_between(postcodes._key("LS0", "   "), postcodes._key("LS99", "~~~"))
        self.cells: dict[tuple[int, int], list[tuple[float, float, int]]] = {}
        for row in rows:
            east, north = table.eastings[row], table.northings[row]
            if table.authorities[row] != leeds or not postcodes._has_location(east, north):
                continue
            cell = (int(east // GRID_CELL), int(north // GRID_CELL))
            self.cells.setdefault(cell, []).append((east, north, table.keys[row]))
        if not self.cells:
            raise SystemExit("No Leeds postcodes in the ONS directory: is it installed?")
        self.to_grid = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)

    def __call__(self, latitude: float, longitude: float) -> str:
        east, north = self.to_grid.transform(longitude, latitude)
        cx, cy = int(east // GRID_CELL), int(north // GRID_CELL)
        for reach in range(0, 40):
            found = [
                item
                for dx in range(-reach, reach + 1)
                for dy in range(-reach, reach + 1)
                if max(abs(dx), abs(dy)) == reach
                for item in self.cells.get((cx + dx, cy + dy), ())
            ]
            if found:
                best = min(found, key=lambda i: math.hypot(i[0] - east, i[1] - north))
                text = best[2].to_bytes(8, "big").decode("ascii").strip("\0")
                return f"{text[:4].strip()} {text[4:]}"
        raise ValueError(f"no Leeds postcode within 20 km of {latitude}, {longitude}")


# --- the records ------------------------------------------------------------------------


@cache
def _needs() -> dict[str, Json]:
    """Signpost's needs as HSDS taxonomy terms (as an export nests them)."""
    return {
        need.id: {
            "id": str(stable_id("need", need.id)),
            "code": need.id,
            "name": need.label,
            "description": need.description,
            "taxonomy": NEEDS_TAXONOMY_NAME,
            "taxonomy_id": str(NEEDS_TAXONOMY_ID),
        }
        for need in read_needs()
    }


def _attribute(service_id: str, term: Json, value: str | None = None) -> Json:
    # without the nested taxonomy (the import reads the term's taxonomy_id), a fifth
    # smaller: 100,000 services are a big file already
    term = {k: v for k, v in term.items() if k != "taxonomy_detail"}
    found: Json = {
        "id": str(stable_id("attribute", f"{service_id}/{term['id']}")),
        "link_id": service_id,
        "link_type": "service",
        "link_entity": "service",
        "taxonomy_term_id": term["id"],
        "taxonomy_term": term,
    }
    if value is not None:
        found["value"] = value
    return found


def _phone_number(seed: int, *parts: object) -> str:
    digits = uuid.UUID(_id(seed, "phone-number", *parts)).int % 10_000_000
    return f"0113 {digits // 10_000:03d} {digits % 10_000:04d}"


def _slug(name: str) -> str:
    return "-".join("".join(c for c in w.lower() if c.isalnum()) for w in name.split()).strip("-")


def organisation_record(seed: int, number: int, name: str) -> Json:
    org_id = _id(seed, "organisation", number)
    return {
        "id": org_id,
        "name": name,
        "description": f"{name} is a voluntary organisation in Leeds.",
        "website": f"https://{_slug(name) or 'organisation'}-{number}.example.org/",
        "phones": [
            {
                "id": _id(seed, "organisation-phone", number),
                "organization_id": org_id,
                "number": _phone_number(seed, "organisation", number),
            }
        ],
    }


def service_record(
    seed: int, facts: ServiceFacts, organisation: Json, postcode_of: NearestPostcode
) -> Json:
    """One full HSDS service object for one service of the stream."""
    sid = str(facts.id)
    record: Json = {
        "id": sid,
        "organization_id": organisation["id"],
        "name": facts.name,
        "description": f"{facts.summary} {facts.description}",
        "status": "active",
        "organization": organisation,
    }
    if facts.minimum_age is not None:
        record["minimum_age"] = facts.minimum_age
    if facts.maximum_age is not None:
        record["maximum_age"] = facts.maximum_age
    if not facts.free:
        record["fees_description"] = "There is a small charge; ask the service."
    record["phones"] = (
        [{"id": _id(seed, "phone", sid), "service_id": sid, "number": _phone_number(seed, sid)}]
        if "phone" in facts.modes
        else []
    )
    record["schedules"] = [
        {
            "id": _id(seed, "schedule", sid, i),
            "service_id": sid,
            "freq": "WEEKLY",
            "interval": 1,
            "byday": ",".join(session.days),
            "opens_at": f"{session.opens}:00",
            "closes_at": f"{session.closes}:00",
        }
        for i, session in enumerate(facts.sessions)
    ]
    record["service_areas"] = [
        {
            "id": _id(seed, "area", sid, i),
            "service_id": sid,
            "name": area.name or f"Within {area.miles:g} miles",
            "extent": " ".join(
                [area.kind, *area.codes, *([f"{area.miles:g}"] if area.kind == "radius" else [])]
            ),
            "extent_type": "text",
        }
        for i, area in enumerate(facts.areas)
    ]
    record["service_at_locations"] = [
        _site(seed, sid, i, latitude, longitude, facts, organisation, postcode_of)
        for i, (latitude, longitude) in enumerate(facts.sites)
    ]
    record["languages"] = [
        {
            "id": _id(seed, "language", sid, code),
            "service_id": sid,
            "name": LANGUAGES.get(code, code),
            "code": code,
        }
        for code in facts.languages
    ]
    record["attributes"] = _attributes(sid, facts)
    return record


def _site(
    seed: int,
    sid: str,
    number: int,
    latitude: float,
    longitude: float,
    facts: ServiceFacts,
    organisation: Json,
    postcode_of: NearestPostcode,
) -> Json:
    place_id = _id(seed, "location", sid, number)
    # the street the description names ("We meet at the Library on Kitson Road, Armley.")
    found = STREET.search(facts.description)
    street = found.group(1) if found else "High Street"
    # every place is step-free or not as the service says: the stream gives a service's
    # features, not each site's
    return {
        "id": _id(seed, "service-at-location", sid, number),
        "service_id": sid,
        "location_id": place_id,
        "location": {
            "id": place_id,
            "location_type": "physical",
            "organization_id": organisation["id"],
            "name": f"{facts.name} venue {number + 1}" if number else f"{facts.name} venue",
            "latitude": latitude,
            "longitude": longitude,
            "addresses": [
                {
                    "id": _id(seed, "address", sid, number),
                    "location_id": place_id,
                    "address_1": f"{1 + uuid.UUID(place_id).int % 200} {street}",
                    "city": "Leeds",
                    "state_province": "",
                    "postal_code": postcode_of(latitude, longitude),
                    "country": "GB",
                    "address_type": "physical",
                }
            ],
            "accessibility": [
                {
                    "id": _id(seed, "accessibility", sid, number, feature),
                    "location_id": place_id,
                    "description": ACCESSIBILITY[feature],
                }
                for feature in facts.access
                if feature in ACCESSIBILITY
            ],
        },
    }


def _attributes(sid: str, facts: ServiceFacts) -> list[Json]:
    """Needs (Signpost's needs terms), then Signpost's own fields."""
    needs = _needs()
    found = [_attribute(sid, needs[code]) for code in facts.needs]
    routes = ["self", "professional"] if facts.self_referral else ["professional", "gp"]
    found += [_attribute(sid, terms.ROUTES.term(code, REFERRAL_ROUTES[code])) for code in routes]
    found += [
        _attribute(sid, terms.DELIVERY_MODES.term(mode, DELIVERY[mode])) for mode in facts.modes
    ]
    found += [_attribute(sid, terms.KEYWORDS.term(word, word)) for word in facts.keywords]
    found.append(_attribute(sid, terms._detail(terms.FREE), terms.YES if facts.free else terms.NO))
    found.append(_attribute(sid, terms._detail("summary"), facts.summary[:300]))
    return found


def records(size: int, seed: int = 7) -> Iterator[Json]:
    """The first `size` services of the stream as HSDS service objects."""
    postcode_of = NearestPostcode()
    made = 0
    for number, (name, services) in enumerate(synthetic.organisations(seed)):
        organisation = organisation_record(seed, number, name)
        for facts in services:
            if made == size:
                return
            yield service_record(seed, facts, organisation, postcode_of)
            made += 1


def write(size: int, path: Path, seed: int = 7) -> Path:
    """Write the first `size` services as one JSON array (streamed, one record a line)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with partial.open("w", encoding="utf-8") as out:
        out.write("[\n")
        for i, record in enumerate(records(size, seed)):
            out.write(("" if i == 0 else ",\n") + json.dumps(record, ensure_ascii=False))
        out.write("\n]\n")
    partial.replace(path)
    return path


# --- a ready database ---------------------------------------------------------------------


BENCH_USER = "load-benchmark@example.org"
BENCH_PASSWORD = "load-benchmark-not-secret"  # a link worker on a throwaway database


def flask(args: list[str], env: dict[str, str], checkout: Path = ROOT) -> str:
    """Run `flask --app wsgi ARGS` in a checkout (with its own .venv) with these settings;
    its output (it fails loudly)."""
    program = (
        Path(sys.executable).with_name("flask")
        if checkout.resolve() == ROOT
        else checkout / ".venv" / "bin" / "flask"
    )
    command = [str(program), "--app", "wsgi", *args]
    done = subprocess.run(command, cwd=checkout, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done.stdout


def database_env(folder: Path, database_url: str | None = None) -> dict[str, str]:
    """The settings that serve the database (SQLite in `folder` unless a URL is given) and
    the search index in `folder`; imports as big as the files here."""
    folder = folder.resolve()
    return {
        **os.environ,
        "DATABASE_URL": database_url or f"sqlite:///{folder / 'signpost.db'}",
        "SEARCH_INDEX_DIR": str(folder / "index"),
        "SIGNPOST_INSTANCE_PATH": str(folder),
        "SIGNPOST_IMPORT_MAX_MB": "4000",
    }


def build_database(
    source: Path, folder: Path, env: dict[str, str], checkout: Path = ROOT
) -> dict[str, float]:
    """The schema, the needs vocabulary, `source` imported and published (which builds
    the index), and a link worker's API token in folder/token.txt, in a database that holds
    nothing yet; the seconds each step took. The import's report goes to
    folder/import-report.txt."""
    folder.mkdir(parents=True, exist_ok=True)
    took = {}
    for name, args in (
        ("upgrade", ["db", "upgrade"]),
        ("vocabulary", ["seed", "--vocabulary-only"]),
        ("import", ["import-oruk", "--publish", "--source", "Scale benchmark", str(source)]),
    ):
        start = time.perf_counter()
        output = flask(args, env, checkout)
        took[name] = time.perf_counter() - start
        if name == "import":
            (folder / "import-report.txt").write_text(output)
    api_token(folder, env, checkout)
    return took


def api_token(folder: Path, env: dict[str, str], checkout: Path = ROOT) -> str:
    """A link worker's API token for the match API, kept in folder/token.txt."""
    kept = folder / "token.txt"
    if kept.exists():
        return kept.read_text().strip()
    user = ["create-user", BENCH_USER, "--role", "linkworker", "--password", BENCH_PASSWORD]
    flask(user, env, checkout)
    token = flask(["create-token", BENCH_USER, "--label", "load benchmark"], env, checkout)
    kept.write_text(token.strip().splitlines()[0] + "\n")
    return kept.read_text().strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("size", type=int)
    parser.add_argument("destination", type=Path, help="a .json file, or a folder with --database")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--database", action="store_true", help="write DEST/services-N.json and import it"
    )
    args = parser.parse_args()
    if args.size < 1:
        parser.error("size must be at least 1")
    start = time.perf_counter()
    target = args.destination / f"services-{args.size}.json" if args.database else args.destination
    write(args.size, target, args.seed)
    print(f"Wrote {args.size} services to {target} in {time.perf_counter() - start:.1f} s.")
    if args.database:
        folder = args.destination
        for old in ("signpost.db", "signpost.db-wal", "signpost.db-shm", "token.txt"):
            (folder / old).unlink(missing_ok=True)
        took = build_database(target, folder, database_env(folder))
        print(", ".join(f"{k} {v:.1f} s" for k, v in took.items()))


if __name__ == "__main__":
    main()
