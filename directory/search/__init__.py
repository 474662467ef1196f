"""Search: the index on disk, query understanding, and the one function views call.

The database is the source of truth; the index is derived from it and can always
be rebuilt (`flask --app wsgi reindex`). Every host's index follows the catalogue's change
log (following.py): each web process catches up within a second or two of any commit, on
any host. Whatever changes a listing also calls `refresh(session, index, ids)` after
committing, so the change is searchable in that process at once.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from flask import Flask, current_app, has_app_context, has_request_context
from rapidfuzz import process, utils
from sqlmodel import Session, select

from directory import clock, db
from directory.catalogue import needs
from directory.geo import postcodes
from directory.models import Location, SearchLog, Service, utcnow
from directory.search import documents, engine, following, log_writer, places
from directory.search.index import Drift, SearchIndex, compare
from directory.search.request import SearchInputError, SearchRequest, parse_request
from directory.search.results import Alternative, SearchResults
from directory.search.understanding import Lexicon, english_words, load_lexicon

__all__ = [
    "Drift",
    "SearchIndex",
    "SearchInputError",
    "SearchRequest",
    "SearchResults",
    "check",
    "index",
    "follow",
    "init_app",
    "let_go",
    "not_ready",
    "parse_request",
    "rebuild",
    "refresh",
    "refresh_organisation",
    "repair",
    "search",
    "search_log",
    "warm",
]

EXTENSION = "signpost.search"
LOG_EXTENSION = "signpost.search_log"


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = search_index = SearchIndex(app.config["SEARCH_INDEX_DIR"])
    # after a reindex, searches wait no longer than a match does for its catalogue
    engine.serve_while_reading(search_index, app.config["HELD_WAIT_SECONDS"])
    app.extensions[LOG_EXTENSION] = log_writer.LogWriter(
        app.extensions[db.ENGINE_KEY],
        seconds=app.config["SEARCH_LOG_SECONDS"],
        batch=app.config["SEARCH_LOG_BATCH"],
    )
    if app.config.get("FOLLOW_CHANGES"):
        # in the process that serves, not where the app was made: gunicorn may build it
        # once and fork its workers, and a thread does not survive a fork
        def follow_changes() -> None:
            follow(app)

        app.before_request(follow_changes)


def search_log(app: Flask | None = None) -> log_writer.LogWriter:
    """The app's (the current app's unless given) writer of the search log."""
    return (app or current_app).extensions[LOG_EXTENSION]


def follow(app: Flask) -> following.Follower:
    """This process's follower of the change log for the app, started on first use."""
    return following.start(app, app.extensions[db.ENGINE_KEY], app.extensions[EXTENSION])


def let_go(app: Flask) -> None:
    """Close the app's open index files (before a fork: each process opens its own)."""
    search_index: SearchIndex = app.extensions[EXTENSION]
    engine.let_go(search_index)
    search_index.close()


def warm(app: Flask, session: Session) -> int:
    """Build what every search uses before the first one asks: the lexicon, English word
    frequencies, the postcode directory, the index's arrays and each need's postings; how
    many services the index holds (0 with no index yet: readiness says so)."""
    lexicon = load_lexicon(needs.held(session, app))
    english_words()
    _warm_postcodes(session)
    search_index: SearchIndex = app.extensions[EXTENSION]
    if not search_index.exists():
        return 0
    return engine.warm(search_index, lexicon, list(lexicon.need_labels.values()))


def touch(app: Flask, session: Session) -> None:
    """In a process forked from one that ran `warm`: open this process's own index files and
    database connection with one search of a need (the arrays and postings are shared)."""
    lexicon = load_lexicon(needs.held(session, app))
    search_index: SearchIndex = app.extensions[EXTENSION]
    if search_index.exists():
        engine.warm(search_index, lexicon, list(lexicon.need_labels.values())[:1])


def _warm_postcodes(session: Session) -> None:
    """Read the postcodes of the catalogue's own area (the first letters of its venues'
    postcodes: most searchers live near them) and make the grid converter with one lookup:
    the first search near a place took half a second for these. The rest of the UK is read
    a letter at a time when asked (all of it would hold 130 MB more in every worker)."""
    codes = session.exec(select(Location.postal_code).distinct()).all()
    letters = {code.strip()[0].upper() for code in codes if code and code.strip()}
    postcodes.default_directory().preload(sorted(letters))
    for code in codes:
        try:
            postcodes.lookup_place(code)
            return
        except postcodes.PostcodeError:  # a venue whose postcode is mistyped or retired
            continue


def not_ready(app: Flask) -> str | None:
    """Why the app's index cannot answer searches, or None when it can: none yet, or (where
    this process follows the change log) not yet caught up with the database, so that a host
    back after a while takes no traffic until it shows what the others do."""
    search_index: SearchIndex = app.extensions[EXTENSION]
    if not search_index.exists():
        return "no index"
    if app.config.get("FOLLOW_CHANGES") and not follow(app).caught_up.is_set():
        return "catching up with the database"
    with search_index.searcher() as searcher:
        searcher.doc_count()
    return None


def index() -> SearchIndex:
    """The current app's index."""
    return current_app.extensions[EXTENSION]


def rebuild(session: Session, search_index: SearchIndex, processes: int | None = None) -> int:
    """Rebuild the whole index from the database, writing with up to `processes` processes
    (by default one per core, at most two); returns how many services it holds."""
    return following.rebuild(session, search_index, processes)


def refresh(session: Session, search_index: SearchIndex, ids: Iterable[uuid.UUID]) -> None:
    """Bring these services up to date in the index (added, changed, or gone from search)
    with everything else the change log says changed since the index last caught up. In a
    web request where a follower runs, a change big enough to need a rebuild is left to the
    follower: a rebuild can take longer than the web server lets a request run."""
    in_request = has_request_context() and current_app.config.get("FOLLOW_CHANGES")
    if following.catch_up(session, search_index, ids, may_rebuild=not in_request) == "deferred":
        follow(current_app._get_current_object())  # type: ignore[attr-defined]


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
    """Count the search for the manager's report of unmet need, with nothing personal:
    written soon, off the request path, by the app's writer (log_writer.py); with no app,
    at once through the session."""
    filters: dict[str, object] = {
        k: v for k, v in request.to_params().items() if k not in ("q", "postcode", "page")
    }
    row = SearchLog(
        searched_at=utcnow().replace(minute=0, second=0, microsecond=0),
        query=request.text[:200],
        filters=filters,
        place=_area_of(request.place, results),
        results=results.total,
        crisis=results.crisis is not None,
        channel=channel,
        needs=list(dict.fromkeys([*results.needs_understood, *_chosen_needs(filters)]))[:10],
        urgent_kind=results.crisis.kind if results.crisis is not None else "",
    )
    if has_app_context():
        search_log().add(row)
        return
    session.add(row)
    session.commit()


def _chosen_needs(filters: dict[str, object]) -> list[str]:
    chosen = filters.get("need") or []
    return [str(code) for code in (chosen if isinstance(chosen, list) else [chosen])]


def _area_of(text: str, results: SearchResults) -> str:
    """A full postcode can point at a household: keep only its district."""
    if results.place is None:
        return ""
    if results.place.kind == "postcode":
        return postcodes.normalise_postcode(text).split()[0]
    return results.place.label[:10]
