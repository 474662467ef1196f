"""The relevance set's one harness: read the judged queries, ask the public search for each
as people get it, and score the rankings.

tests/test_relevance.py and benchmarks/relevance.py both use it, so the figures the test
holds to its floors are the figures the benchmark prints.

- The search is `GET /api/v1/search` through Flask's test client, with the query's words as
  `q` and its params as they are. The ranking is the API's `results` in order: the first
  page of services near the place (up to 10), then the first five online and by phone,
  the order the search page shows them in (templates/public/_search_results.html).
- Every query runs at one fixed moment (`MOMENT`), so `open_now` and day filters give the
  same answer whenever the set is run.
- nDCG@10: gain 2^grade - 1, discount log2(rank + 1), divided by the ideal DCG of all the
  services judged for that query. Precision@5: the share of the first five results graded
  2 or 3 (a short list counts its missing places as misses). Both are averaged over the
  queries with at least one service graded 1 or more; "nothing-fits" queries instead report
  how many results and matches the search still gave.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import time_machine
import yaml
from flask import Flask
from flask.testing import FlaskClient
from pydantic import ValidationError
from sqlmodel import Session

from directory import create_app, db, migrate, search
from directory.catalogue import seed_files, seeding
from directory.inputs import from_query
from directory.models import stable_id
from directory.search.request import SearchParameters

HERE = Path(__file__).parent
BASELINE = HERE / "baseline.yaml"
FLOORS = HERE / "floors.yaml"
MOMENT = "2026-12-08 14:00 +0000"  # a Tuesday afternoon, in term time
WHO = ("young person", "adult", "older person", "link worker", "parent", "carer")
KINDS = (
    "slang",
    "typo",
    "sentence",
    "professional",
    "plain",
    "crisis",
    "abuse",
    "postcode",
    "filter",
    "nothing-fits",
)
GRADES = (0, 1, 2, 3)
FIELDS = {"id", "query", "params", "who", "kind", "judgements", "note"}
NDCG_DEPTH = 10
PRECISION_DEPTH = 5
RELEVANT = 2  # the grade from which a result counts for precision


@dataclass(frozen=True)
class Query:
    """One judged query as its file gives it."""

    id: str
    query: str
    who: str
    kind: str
    judgements: Mapping[str, int]
    params: Mapping[str, Any] = field(default_factory=dict)
    note: str = ""
    file: str = ""

    @property
    def judged(self) -> bool:
        """Whether any service helps at all (the metrics are averaged over these)."""
        return any(grade > 0 for grade in self.judgements.values())


@dataclass(frozen=True)
class Outcome:
    """What the search gave for one query: the ranking as seed ids, and the total it reported."""

    query: Query
    ranking: tuple[str, ...]
    total: int
    did_you_mean: str | None = None
    crisis: str | None = None

    @property
    def ndcg(self) -> float:
        return ndcg_at(self.ranking, self.query.judgements)

    @property
    def precision(self) -> float:
        return precision_at(self.ranking, self.query.judgements)


# --- the metrics --------------------------------------------------------------------------


def dcg(grades: Iterable[int]) -> float:
    """Discounted cumulative gain of grades in ranked order (gain 2^g - 1)."""
    return sum((2**grade - 1) / math.log2(rank + 2) for rank, grade in enumerate(grades))


def ndcg_at(
    ranking: Sequence[str], judgements: Mapping[str, int], depth: int = NDCG_DEPTH
) -> float:
    """nDCG of the first `depth` results against the best order of every judged service."""
    ideal = dcg(sorted(judgements.values(), reverse=True)[:depth])
    if ideal == 0:
        return 0.0
    return dcg(judgements.get(service, 0) for service in ranking[:depth]) / ideal


def precision_at(
    ranking: Sequence[str], judgements: Mapping[str, int], depth: int = PRECISION_DEPTH
) -> float:
    """The share of the first `depth` places holding a service graded RELEVANT or more."""
    hits = sum(judgements.get(service, 0) >= RELEVANT for service in ranking[:depth])
    return hits / depth


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def summary(outcomes: Sequence[Outcome]) -> dict[str, float | int | None]:
    """The figures of a group of outcomes: the metrics over judged queries, and the reported
    counts (mean total per judged query; results and total for the nothing-fits ones)."""
    judged = [o for o in outcomes if o.query.judged]
    empty = [o for o in outcomes if not o.query.judged]
    return {
        "queries": len(outcomes),
        "judged": len(judged),
        "ndcg_at_10": _rounded(mean([o.ndcg for o in judged])),
        "precision_at_5": _rounded(mean([o.precision for o in judged])),
        "mean_total": _rounded(mean([o.total for o in judged]), 1),
        "nothing_fits": len(empty),
        "nothing_fits_results": _rounded(mean([len(o.ranking) for o in empty]), 1),
        "nothing_fits_total": _rounded(mean([o.total for o in empty]), 1),
    }


def _rounded(value: float | None, places: int = 4) -> float | None:
    return None if value is None else round(value, places)


def report(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """Figures overall, per file and per kind, in the shape baseline.yaml keeps."""
    return {
        "overall": summary(outcomes),
        "by_file": {name: summary(group) for name, group in _grouped(outcomes, "file")},
        "by_kind": {name: summary(group) for name, group in _grouped(outcomes, "kind")},
    }


def _grouped(outcomes: Sequence[Outcome], attribute: str) -> list[tuple[str, list[Outcome]]]:
    groups: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        groups.setdefault(getattr(outcome.query, attribute), []).append(outcome)
    order = KINDS if attribute == "kind" else sorted(groups)
    return [(name, groups[name]) for name in order if name in groups]


# --- the files ----------------------------------------------------------------------------


def query_files(folder: Path = HERE) -> list[Path]:
    return sorted(folder.glob("queries_*.yaml"))


def read_queries(paths: Iterable[Path]) -> list[Query]:
    """Every query of these files, in file order (the files are checked by `problems`)."""
    queries = []
    for path in paths:
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            queries.append(
                Query(
                    id=str(entry.get("id", "")),
                    query=str(entry.get("query", "")),
                    who=str(entry.get("who", "")),
                    kind=str(entry.get("kind", "")),
                    judgements=dict(entry.get("judgements") or {}),
                    params=dict(entry.get("params") or {}),
                    note=str(entry.get("note") or ""),
                    file=path.name,
                )
            )
    return queries


def raw_entries(path: Path) -> list[Any]:
    """A file's entries as YAML gives them, for checks on fields the Query type drops."""
    return list(yaml.safe_load(path.read_text(encoding="utf-8")) or [])


@functools.cache
def catalogue_services() -> dict[str, str]:
    """Every service of the demo catalogue (seed/leeds) by seed id, with its status (read once:
    the files do not change while the set runs)."""
    catalogue = seed_files.read_catalogue()
    return {s.id: s.status for org in catalogue.organisations for s in org.services}


def problems(queries: Sequence[Query], services: Mapping[str, str]) -> list[str]:
    """Everything wrong with a set of queries, one sentence each (empty when all is well)."""
    found: list[str] = []
    seen: set[str] = set()
    for q in queries:
        where = f"{q.file} {q.id or '(no id)'}"
        if not q.id or q.id in seen:
            found.append(f"{where}: the id is missing or used twice")
        seen.add(q.id)
        if not q.query.strip():
            found.append(f"{where}: no query words")
        if q.who not in WHO:
            found.append(f"{where}: who {q.who!r} is not one of {', '.join(WHO)}")
        if q.kind not in KINDS:
            found.append(f"{where}: kind {q.kind!r} is not one of {', '.join(KINDS)}")
        if (q.kind == "nothing-fits") == q.judged:
            found.append(f"{where}: only a nothing-fits query has no service graded 1 or more")
        found += [f"{where}: {p}" for p in judgement_problems(q.judgements, services)]
        found += [f"{where}: {p}" for p in params_problems(q.params)]
    return found


def judgement_problems(judgements: Mapping[str, Any], services: Mapping[str, str]) -> list[str]:
    found = []
    for service, grade in judgements.items():
        if services.get(service) != "published":
            found.append(f"{service} is not a published service of the demo catalogue")
        if type(grade) is not int or grade not in GRADES:
            found.append(f"{service} has grade {grade!r}; grades are 0, 1, 2 or 3")
    return found


def params_problems(params: Mapping[str, Any]) -> list[str]:
    """The params the public search would refuse (or that are its own words, `q`)."""
    unknown = set(params) - set(SearchParameters.model_fields) | ({"q"} & set(params))
    if unknown:
        return [f"params {', '.join(sorted(unknown))} are not search parameters besides q"]
    fields = SearchParameters.model_fields
    given = from_query(_as_query_string(params), fields, many=("mode", "access"))
    try:
        SearchParameters.model_validate(given)
    except ValidationError as error:
        return [f"params refused: {error.errors()[0]['msg']}"]
    return []


def _as_query_string(params: Mapping[str, Any]) -> dict[str, Any]:
    """Params as a query string carries them: text, or lists of text for repeated ones."""
    return {
        name: [str(v) for v in value] if isinstance(value, list) else _text(value)
        for name, value in params.items()
    }


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


# --- asking the search ----------------------------------------------------------------------


def seed_ids() -> dict[str, str]:
    """Database id (as the API gives it) to seed id, for every service of the demo catalogue."""
    return {str(stable_id("service", slug)): slug for slug in catalogue_services()}


def ask(client: FlaskClient, query: Query, ids: Mapping[str, str]) -> Outcome:
    """The public search's answer to one query, as the ranking people are shown."""
    params = {"q": query.query, **_as_query_string(query.params)}
    response = client.get("/api/v1/search", query_string=params)
    answer = response.get_json()
    if response.status_code != 200:
        raise AssertionError(f"{query.id}: the search answered {response.status_code}: {answer}")
    ranking = tuple(ids.get(r["service_id"], r["service_id"]) for r in answer["results"])
    crisis = answer["crisis"]["heading"] if answer.get("crisis") else None
    return Outcome(query, ranking, answer["total"], answer.get("did_you_mean"), crisis)


def run(app: Flask, queries: Sequence[Query]) -> list[Outcome]:
    """Every query through the app's public search API, at the fixed MOMENT."""
    ids = seed_ids()
    client = app.test_client()
    with time_machine.travel(MOMENT, tick=False):
        return [ask(client, query, ids) for query in queries]


@contextmanager
def demo_app(folder: Path) -> Iterator[Flask]:
    """An app on SQLite in `folder` holding the demo catalogue, with its search index built."""
    app = create_app(
        {"DATABASE_URL": f"sqlite:///{folder / 'relevance.db'}", "INSTANCE_PATH": str(folder)}
    )
    engine = app.extensions[db.ENGINE_KEY]
    try:
        migrate.upgrade(engine)
        with Session(engine) as session:
            seeding.seed(session)
        with app.app_context(), Session(db.engine()) as session:
            search.rebuild(session, search.index())
        yield app
    finally:
        app.extensions[search.EXTENSION].close()
        engine.dispose()


# --- baseline and floors --------------------------------------------------------------------


def read_yaml(path: Path) -> dict[str, Any]:
    return dict(yaml.safe_load(path.read_text(encoding="utf-8")) or {}) if path.exists() else {}
