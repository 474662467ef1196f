"""Search: the index on disk, query understanding, and the one function views call.

The database is the source of truth; the index is derived from it and can always
be rebuilt (`flask --app wsgi reindex`). Whatever changes a listing calls
`refresh(session, index, ids)` after committing, so the change is searchable at once.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from flask import Flask, current_app
from rapidfuzz import process, utils
from sqlmodel import Session, select

from directory import clock
from directory.catalogue import needs
from directory.geo import postcodes
from directory.models import SearchLog, Service, utcnow
from directory.search import documents, engine, places
from directory.search.index import Drift, SearchIndex, compare
from directory.search.request import SearchInputError, SearchRequest, parse_request
from directory.search.results import Alternative, SearchResults
from directory.search.understanding import Lexicon, load_lexicon

__all__ = [
    "Drift",
    "SearchIndex",
    "SearchInputError",
    "SearchRequest",
    "SearchResults",
    "check",
    "index",
    "init_app",
    "parse_request",
    "rebuild",
    "refresh",
    "refresh_organisation",
    "repair",
    "search",
]

EXTENSION = "signpost.search"


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = SearchIndex(app.config["SEARCH_INDEX_DIR"])


def index() -> SearchIndex:
    """The current app's index."""
    return current_app.extensions[EXTENSION]


def rebuild(session: Session, search_index: SearchIndex, processes: int = 1) -> int:
    """Rebuild the whole index from the database, writing with up to `processes`
    processes; returns how many services it holds."""
    return search_index.rebuild(documents.searchable_services(session), processes)


def refresh(session: Session, search_index: SearchIndex, ids: Iterable[uuid.UUID]) -> None:
    """Bring these services up to date in the index: added, changed, or gone from search."""
    wanted = list(ids)
    if not search_index.exists() or search_index.outdated():  # a new field: build it anew
        rebuild(session, search_index)
        return
    found = list(documents.searchable_services(session, wanted))
    present = {f.id for f in found}
    search_index.update(found, [str(i) for i in wanted if i not in present])


def refresh_organisation(session: Session, search_index: SearchIndex, org_id: uuid.UUID) -> None:
    """An organisation changed (name, status): bring all its services up to date."""
    ids = session.exec(select(Service.id).where(Service.organization_id == org_id)).all()
    refresh(session, search_index, ids)


def check(session: Session, search_index: SearchIndex) -> Drift:
    """Compare the index with the database: missing, extra and out-of-date services."""
    database = {str(f.id): f.stamp for f in documents.searchable_services(session)}
    return compare(search_index, database)


def repair(session: Session, search_index: SearchIndex, drift: Drift) -> None:
    """Fix the drift that check found, without a full rebuild."""
    stale = [uuid.UUID(i) for i in drift.missing | drift.stale]
    search_index.update(documents.searchable_services(session, stale), sorted(drift.extra))


def search(
    session: Session,
    search_index: SearchIndex,
    request: SearchRequest,
    *,
    channel: str = "web",
    now: datetime | None = None,
) -> SearchResults:
    """Run a public search: resolve the place, search, offer alternatives, log it."""
    lexicon = load_lexicon(needs.held(session))
    place = None
    place_problem = None
    suggestions: list[str] = []
    if request.place:
        try:
            place = places.resolve(session, request.place)
        except places.PlaceNotFound as error:
            place_problem, suggestions = error.message, error.suggestions
    results = engine.run(
        search_index,
        request,
        lexicon,
        place=place,
        now=now,
        stale_before=clock.stale_before(now.date() if now else clock.today()),
    )
    results.place_problem = place_problem
    results.place_suggestions = suggestions
    nothing_near = request.place and results.local.total == 0
    if (results.total == 0 or nothing_near) and not request.is_empty:
        results.alternatives = alternatives(search_index, request, results, lexicon, now)
    if request.page == 1 and request.band == "all":  # turning pages is not a new search
        log(session, request, results, channel)
    return results


def alternatives(
    search_index: SearchIndex,
    request: SearchRequest,
    results: SearchResults,
    lexicon: Lexicon,
    now: datetime | None,
) -> list[Alternative]:
    """Searches worth offering instead of a dead end: further away, fewer filters, needs."""
    offers: list[Alternative] = []
    if request.miles is not None:
        wider = request.with_changes(miles=None, page=1)
        count = engine.run(search_index, wider, lexicon, place=results.place, now=now).local.total
        if count:
            offers.append(Alternative(f"{_services(count)} further away", wider))
    if request.has_filters:
        plain = SearchRequest(text=request.text, place=request.place, sort=request.sort)
        count = engine.run(search_index, plain, lexicon, place=results.place, now=now).total
        if count:
            offers.append(Alternative(f"{_services(count)} without the filters", plain))
    needs = results.needs_understood or _needs_like(request.text, lexicon)
    labels = lexicon.need_labels
    for code in needs[:3]:
        if code in labels and code != request.need:
            offers.append(Alternative(labels[code], SearchRequest(need=code, place=request.place)))
    return offers


def _services(count: int) -> str:
    return f"{count} service" if count == 1 else f"{count} services"


def _needs_like(text: str, lexicon: Lexicon) -> list[str]:
    labels = lexicon.need_labels
    if not text:
        return []
    found = process.extract(text, labels, processor=utils.default_process, limit=2, score_cutoff=60)
    return [key for _label, _score, key in found]


def log(session: Session, request: SearchRequest, results: SearchResults, channel: str) -> None:
    """Count the search for the manager's report of unmet need, with nothing personal."""
    filters: dict[str, object] = {
        k: v for k, v in request.to_params().items() if k not in ("q", "postcode", "page")
    }
    session.add(
        SearchLog(
            searched_at=utcnow().replace(minute=0, second=0, microsecond=0),
            query=request.text[:200],
            filters=filters,
            place=_area_of(request.place, results),
            results=results.total,
            crisis=results.crisis is not None,
            channel=channel,
        )
    )
    session.commit()


def _area_of(text: str, results: SearchResults) -> str:
    """A full postcode can point at a household: keep only its district."""
    if results.place is None:
        return ""
    if results.place.kind == "postcode":
        return postcodes.normalise_postcode(text).split()[0]
    return results.place.label[:10]
