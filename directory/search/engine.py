"""Run a search against the index: words, filters, distance, bands, order and pages.

Ranking (sort=best, the default when a place is given) blends relevance with
distance: score x 1 / (1 + miles / HALF_SCORE_MILES), so a service 1.5 miles away
keeps half its relevance and one on the doorstep keeps all of it. With no place,
best is relevance. sort=distance orders local services nearest first.

Local services (with a site) and services online or by phone (no site) are kept
in separate bands, so that neither drowns the other.
"""

from __future__ import annotations

import json
import math
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from whoosh import query as q
from whoosh.searching import Searcher

from directory.clock import now as london_now
from directory.search.index import SCHEMA, SearchIndex
from directory.search.request import SearchRequest
from directory.search.results import Band, Hit, ResolvedPlace, SearchResults
from directory.search.understanding import Lexicon, Understood, understand

HALF_SCORE_MILES = 1.5
ONLINE_ON_FIRST_PAGE = 5
TEXT_FIELDS = ("name", "need_words", "keywords", "organisation", "description")
MILES_PER_DEGREE_LAT = 69.09
DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True)
class _Doc:
    """What ranking needs of a document, kept in memory per index generation."""

    id: str
    local: bool
    sites: tuple[tuple[float, float], ...]
    sessions: tuple[tuple[tuple[str, ...], str, str], ...]


@dataclass(frozen=True)
class _Snapshot:
    """Stored fields by document number, and the vocabulary, of one index generation."""

    docs: dict[int, _Doc]
    vocabulary: dict[str, int]
    sessions_by_id: dict[uuid.UUID, tuple[tuple[tuple[str, ...], str, str], ...]] = field(
        default_factory=dict
    )


class _Cache:
    """Keeps the snapshot of the newest generation seen; rebuilt when the index changes."""

    def __init__(self) -> None:
        self._key: object = None
        self._snapshot = _Snapshot({}, {})
        self._lock = threading.Lock()

    def snapshot(self, searcher: Searcher, key: object) -> _Snapshot:
        with self._lock:
            if key != self._key:
                self._snapshot, self._key = _read_snapshot(searcher), key
            return self._snapshot


def _read_snapshot(searcher: Searcher) -> _Snapshot:
    reader = searcher.reader()
    docs = {}
    for docnum in reader.all_doc_ids():  # skips deleted documents
        fields = reader.stored_fields(docnum)
        docs[docnum] = _Doc(
            id=fields["id"],
            local=bool(fields.get("local")),
            sites=tuple(tuple(s) for s in json.loads(fields.get("sites") or "[]")),
            sessions=tuple(
                (tuple(d), o, c) for d, o, c in json.loads(fields.get("sessions") or "[]")
            ),
        )
    vocabulary = {
        (term.decode() if isinstance(term, bytes) else term): reader.doc_frequency("spelling", term)
        for term in reader.lexicon("spelling")
    }
    sessions_by_id = {uuid.UUID(d.id): d.sessions for d in docs.values()}
    return _Snapshot(docs, vocabulary, sessions_by_id)


_caches: dict[str, _Cache] = {}
_caches_lock = threading.Lock()


def _cache_for(index: SearchIndex) -> _Cache:
    with _caches_lock:
        return _caches.setdefault(str(index.folder), _Cache())


def run(
    index: SearchIndex,
    request: SearchRequest,
    lexicon: Lexicon,
    *,
    place: ResolvedPlace | None = None,
    now: datetime | None = None,
) -> SearchResults:
    """Search; the caller loads the rows for the returned ids."""
    with index.searcher() as searcher:
        key = (index.live_build(), searcher.reader().generation())
        snapshot = _cache_for(index).snapshot(searcher, key)
        understood = understand(request.text, snapshot.vocabulary, lexicon)
        if request.age is None and understood.age is not None:
            request = request.with_changes(age=understood.age)
        scored = _matches(searcher, request, understood)
    now = now or london_now()
    local, online = _split(scored, snapshot.docs, request, place, now)
    results = SearchResults(
        request=request,
        local=_with_open_now(
            _page(local, request, request.band in ("all", "local")), snapshot, now
        ),
        online=_with_open_now(_online_band(online, request), snapshot, now),
        did_you_mean=understood.corrected,
        crisis=lexicon.panel if understood.crisis else None,
        place=place,
        needs_understood=understood.needs,
    )
    return results


def _with_open_now(band: Band, snapshot: _Snapshot, now: datetime) -> Band:
    """The band with "open now" worked out for the hits shown."""
    by_id = snapshot.sessions_by_id
    hits = [
        replace(h, open_now=is_open(by_id[h.service_id], now) if by_id[h.service_id] else None)
        for h in band.hits
    ]
    return replace(band, hits=hits)


def _text_query(understood: Understood) -> q.Query | None:
    parts: list[q.Query] = []
    for word in understood.words + understood.expansions:
        for name in TEXT_FIELDS:
            for token in SCHEMA[name].process_text(word, mode="query"):
                parts.append(q.Term(name, token))
    for code in understood.needs:
        parts.append(q.Term("needs", code, boost=2.0))
    if not parts:
        return None
    # Any word may match; listings matching more words, in stronger fields, rank higher.
    return q.Or(parts)


def _filters(request: SearchRequest) -> q.Query | None:
    terms: list[q.Query] = []
    if request.need:
        terms.append(q.Term("needs", request.need))
    if request.age is not None:
        terms.append(q.NumericRange("min_age", None, request.age))
        terms.append(q.NumericRange("max_age", request.age, None))
    if request.free_only:
        terms.append(q.Term("free", True))
    if request.self_referral:
        terms.append(q.Term("self_referral", True))
    if request.modes:
        terms.append(q.Or([q.Term("modes", m) for m in request.modes]))
    if request.language:
        terms.append(q.Term("languages", request.language))
    terms.extend(q.Term("access", feature) for feature in request.access)
    if request.day:
        terms.append(q.Term("days", request.day))
    if request.evening:
        terms.append(q.Term("evening", True))
    if request.weekend:
        terms.append(q.Term("weekend", True))
    return q.And(terms) if terms else None


def _matches(
    searcher: Searcher, request: SearchRequest, understood: Understood
) -> list[tuple[float, int]]:
    """(score, docnum) of every document matching the words and filters."""
    text = _text_query(understood)
    filters = _filters(request)
    if text is None:  # no words, or only words like "help": browse with the filters
        query = filters or q.Every()
        return [(1.0, docnum) for docnum in query.docs(searcher)]
    results = searcher.search(text, filter=filters, limit=None)
    return list(results.top_n)


def _split(
    scored: list[tuple[float, int]],
    docs: Mapping[int, _Doc],
    request: SearchRequest,
    place: ResolvedPlace | None,
    now: datetime,
) -> tuple[list[Hit], list[Hit]]:
    local: list[Hit] = []
    online: list[Hit] = []
    top = max((s for s, _ in scored), default=1.0) or 1.0
    for score, docnum in scored:
        doc = docs[docnum]
        # Whether it is open now matters for every match only when filtering by it;
        # otherwise it is worked out for the page shown (see _with_open_now).
        open_now = None
        if request.open_now:
            open_now = is_open(doc.sessions, now) if doc.sessions else None
            if not open_now:
                continue
        relevance = score / top
        if doc.local:
            miles = nearest_miles(place, doc.sites) if place else None
            if request.miles is not None and (miles is None or miles > request.miles):
                continue
            local.append(Hit(uuid.UUID(doc.id), relevance, miles, open_now))
        else:
            online.append(Hit(uuid.UUID(doc.id), relevance, None, open_now))
    _order(local, request, place)
    online.sort(key=lambda h: (-h.score, str(h.service_id)))
    return local, online


def _order(hits: list[Hit], request: SearchRequest, place: ResolvedPlace | None) -> None:
    if place is not None and request.sort == "distance":
        hits.sort(key=lambda h: (h.distance_miles, -h.score, str(h.service_id)))
    elif place is not None and request.sort == "best":
        hits.sort(key=lambda h: (-blend(h), str(h.service_id)))
    else:
        hits.sort(key=lambda h: (-h.score, str(h.service_id)))


def blend(hit: Hit) -> float:
    """Relevance, halved at HALF_SCORE_MILES away, a third at twice that, and so on."""
    if hit.distance_miles is None:
        return hit.score
    return hit.score / (1 + hit.distance_miles / HALF_SCORE_MILES)


def _page(hits: list[Hit], request: SearchRequest, shown: bool) -> Band:
    if not shown:
        return Band([], len(hits), 1, request.per_page)
    start = (request.page - 1) * request.per_page
    return Band(hits[start : start + request.per_page], len(hits), request.page, request.per_page)


def _online_band(hits: list[Hit], request: SearchRequest) -> Band:
    if request.band == "online":
        return _page(hits, request, True)
    if request.band == "local" or request.page > 1:
        return Band([], len(hits), 1, ONLINE_ON_FIRST_PAGE)
    return Band(hits[:ONLINE_ON_FIRST_PAGE], len(hits), 1, ONLINE_ON_FIRST_PAGE)


def nearest_miles(place: ResolvedPlace, sites: tuple[tuple[float, float], ...]) -> float | None:
    """Miles to the nearest site (an equirectangular estimate: exact enough within a county)."""
    if not sites:
        return None
    cos_lat = math.cos(math.radians(place.latitude))
    best = min(
        ((lat - place.latitude) ** 2 + ((lon - place.longitude) * cos_lat) ** 2)
        for lat, lon in sites
    )
    return round(math.sqrt(best) * MILES_PER_DEGREE_LAT, 1)


def is_open(sessions: tuple[tuple[tuple[str, ...], str, str], ...], now: datetime) -> bool:
    day = DAY_CODES[now.weekday()]
    clock = now.strftime("%H:%M")
    return any(day in days and opens <= clock < closes for days, opens, closes in sessions)
