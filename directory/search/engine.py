"""Run a search against the index: words, filters, distance, bands, order and pages.

Ranking (sort=best, the default when a place is given) blends relevance with
distance: score x 1 / (1 + miles / HALF_SCORE_MILES), so a service 1.5 miles away
keeps half its relevance and one on the doorstep keeps all of it. With no place,
best is relevance. sort=distance orders local services nearest first.

Local services (with a site) and services online or by phone (no site) are kept
in separate bands, so that neither drowns the other. With a place, services whose
areas do not include it (matcher.rules.serves: a local authority, postcode districts,
a radius of their sites) are left out of both bands and counted (other_areas); with
no place nothing is left out, and a card says who an area-limited service is for.

Relevance is Whoosh's BM25F over the boosted fields, summed over arrays of the
index's postings (see arrays.py) rather than a posting at a time; filters are
Whoosh queries, read once per segment as masks.

A listing past its check date (last checked more than STALE_AFTER_DAYS ago, or never)
keeps STALE_SHARE of its relevance (`fresher_first`), after relevance and before distance:
of two that fit as well the fresh one comes first; it is never filtered out.

What makes a listing a match is stricter than what scores it (see `requirement`): it
must meet a need the words name, or say the query's distinctive words (all of one or two,
all but one of more). Filler words ("advice", "support", or any word in more than a fifth
of the listings) and broad expansions ("talking" for "counselling") add to the score of a
match but never make one on their own, so "debt advice" finds the listings about debt,
not every listing that gives advice.
"""

from __future__ import annotations

import itertools
import json
import math
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
from whoosh import query as q
from whoosh.searching import Searcher

from directory import safety
from directory.clock import now as london_now
from directory.search import arrays
from directory.search.index import SCHEMA, SearchIndex
from directory.search.request import SearchRequest
from directory.search.results import Band, Hit, ResolvedPlace, SearchResults
from directory.search.understanding import Lexicon, Understood, english_frequency, understand
from matcher import opening
from matcher.distance import miles_between, rounded
from matcher.facts import Closure, OpeningSession

HALF_SCORE_MILES = 1.5
# What share of its relevance a listing past its check date keeps (see fresher_first).
STALE_SHARE = 0.85
ONLINE_ON_FIRST_PAGE = 5
TEXT_FIELDS = ("name", "need_words", "keywords", "organisation", "description")
NEED_TERM_BOOST = 2.0
# A word in more than this share of the listings tells them too little apart to make a
# match on its own ("people", "help", "support" in the demo catalogue; "talk", which the
# synonyms of several needs use). Only judged in an index of FILLER_FROM_LISTINGS or more:
# in a handful of listings, any word is in a large share of them.
FILLER_SHARE = 0.2
FILLER_FROM_LISTINGS = 50
# Words English uses so often (Zipf 5.9: once in about 1,250 words: "what", "much", "got",
# "going") that they say little about what someone needs, however few listings use them.
FILLER_ZIPF = 5.9
# When the listings saying enough of the words are fewer than this (after the filters),
# fewer of the words are asked for, one at a time, down to one: a long sentence or an
# uncommon pairing ("food parcel") still finds the listings that say most of it.
ENOUGH_MATCHES = 5
# Words that say what kind of help, not what it is about, however rare in a catalogue.
FILLER_WORDS = (
    "advice",
    "advise",
    "support",
    "help",
    "service",
    "group",
    "club",
    "local",
    "people",
    "free",
    "information",
    "session",
    "project",
    "centre",
    "center",
    "someone",
    "somewhere",
)

Term = tuple[str, str]  # (field, token)

_views: dict[str, arrays.Views] = {}
_views_lock = threading.Lock()


def _views_for(index: SearchIndex) -> arrays.Views:
    with _views_lock:
        return _views.setdefault(str(index.folder), arrays.Views())


def serve_while_reading(index: SearchIndex, wait: float | None) -> None:
    """After a rebuild of the index, serve searches from the last build's arrays while the
    new build's are read, waiting at most `wait` seconds for them (None: always wait)."""
    _views_for(index).wait = wait


def let_go(index: SearchIndex) -> None:
    """Close the searcher kept for the arrays (before a fork)."""
    _views_for(index).close()


def _generation(index: SearchIndex, searcher: Searcher) -> tuple[str, object]:
    """What names the index as a searcher sees it: its build, and the build's generation."""
    return index.live_build(), searcher.reader().generation()


def _fresh(index: SearchIndex) -> Callable[[], tuple[Searcher, tuple[str, object]]]:
    def fresh() -> tuple[Searcher, tuple[str, object]]:
        searcher = index.open().searcher()
        return searcher, _generation(index, searcher)

    return fresh


def warm(index: SearchIndex, lexicon: Lexicon, words: list[str]) -> int:
    """Read the index's arrays, and the postings of these words, before the first search
    asks (a second at 20,000 services); how many documents the index holds."""
    for text in words:
        run(index, SearchRequest(text=text), lexicon)
    with index.searcher() as searcher:
        return searcher.doc_count()


@dataclass(frozen=True)
class _Ranked:
    """One band in order: document numbers, relevance (0-1) and miles (NaN: none)."""

    docs: np.ndarray
    relevance: np.ndarray
    miles: np.ndarray


def run(
    index: SearchIndex,
    request: SearchRequest,
    lexicon: Lexicon,
    *,
    place: ResolvedPlace | None = None,
    now: datetime | None = None,
    stale_before: date | None = None,
) -> SearchResults:
    """Search; the caller loads the rows for the returned ids. Listings last checked before
    `stale_before` (or never) rank a little lower (see `fresher_first`)."""
    with (
        index.searcher() as searcher,
        _views_for(index).reading(searcher, _generation(index, searcher), _fresh(index)) as (
            view,
            searcher,
        ),
    ):
        understood = understand(request.text, view.vocabulary, lexicon, as_typed=request.as_typed)
        if request.age is None and understood.age is not None:
            request = request.with_changes(age=understood.age)
        docs, scores = _matches(view, searcher, request, understood)
        if understood.crisis_kind:
            docs, scores = urgent_help_first(view, searcher, docs, scores, understood)
    now = now or london_now()
    open_now = view.open_at(now.date(), now.hour * 60 + now.minute)
    if stale_before is not None:
        scores = fresher_first(scores, view.stale(stale_before)[docs])
    local, online, other_areas = _bands(view, docs, scores, request, place, open_now)
    return SearchResults(
        request=request,
        local=_page(view, local, request, request.band in ("all", "local"), open_now),
        online=_online_band(view, online, request, open_now),
        corrected=understood.corrected,
        suggestion=understood.suggestion,
        crisis=safety.panel(understood.crisis_kind) if understood.crisis_kind else None,
        place=place,
        needs_understood=understood.needs,
        other_areas=other_areas,
    )


def urgent_help_first(
    view: arrays.View,
    searcher: Searcher,
    docs: np.ndarray,
    scores: np.ndarray,
    understood: Understood,
) -> tuple[np.ndarray, np.ndarray]:
    """Under urgent help, the services for that kind (its crisis services, then its support
    services: safety.SERVICES_OF_KIND) first, and only those or ones meeting another need the
    words name: a listing that merely shares a word with "self harm" (a self-management
    course) is dropped. The age filter has already left out services for other ages."""
    kind = understood.crisis_kind or ""
    tiers = safety.SERVICES_OF_KIND.get(kind, ())
    other_needs = [n for n in understood.needs if n not in safety.NEEDS_OF_KIND.get(kind, ())]
    lift = np.zeros(len(docs))
    keep = np.zeros(len(docs), dtype=bool)
    top = float(scores.max()) if len(scores) else 1.0
    for rank, need in enumerate(tiers):
        serves = view.mask(searcher, q.Term("needs", need))[docs]
        # each tier above the next and above everything else, whatever its word score
        lift = np.where(serves & ~keep, (len(tiers) - rank) * 2 * top, lift)
        keep |= serves
    for need in other_needs:
        keep |= view.mask(searcher, q.Term("needs", need))[docs]
    return docs[keep], (scores + lift)[keep]


def fresher_first(scores: np.ndarray, stale: np.ndarray) -> np.ndarray:
    """Scores with those of stale listings (past their check date, or never checked) cut to
    STALE_SHARE: after relevance, before distance, so that of two listings that fit as well
    the fresh one comes first, while a stale one that fits much better still leads. Not a
    filter: a stale listing is still found, and its card says when it was last checked."""
    return np.where(stale, scores * STALE_SHARE, scores)


def text_terms(understood: Understood) -> list[tuple[str, str, float]]:
    """(field, token, boost) of every word the search looks for: any may match, and
    listings matching more words, in stronger fields, rank higher."""
    terms: list[tuple[str, str, float]] = []
    for word in understood.words + understood.expansions:
        for name in TEXT_FIELDS:
            for token in SCHEMA[name].process_text(word, mode="query"):
                terms.append((name, token, 1.0))
    terms.extend(("needs", code, NEED_TERM_BOOST) for code in understood.needs)
    return terms


def text_query(understood: Understood) -> q.Query | None:
    """The same words as one Whoosh query (the yardstick the array scores are checked by)."""
    terms = text_terms(understood)
    if not terms:
        return None
    return q.Or([q.Term(name, token, boost=boost) for name, token, boost in terms])


def filter_queries(request: SearchRequest) -> list[q.Query]:
    """Every filter as a Whoosh query; a listing must match them all."""
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
    return terms


@dataclass(frozen=True)
class Requirement:
    """What makes a listing a match for the words; everything else only ranks matches."""

    needs: tuple[str, ...]  # meeting any of these needs is a match
    words: tuple[tuple[Term, ...], ...]  # each word: the terms that count as saying it
    at_least: int  # ... or saying this many of the words

    def query(self) -> q.Query:
        """The same rule as a Whoosh query (the yardstick the arrays are checked by)."""
        either: list[q.Query] = [q.Term("needs", code) for code in self.needs]
        if self.words and self.at_least:
            said = [q.Or([q.Term(name, token) for name, token in w]) for w in self.words]
            either += [q.And(list(c)) for c in itertools.combinations(said, self.at_least)]
        return q.Or(either) if either else q.NullQuery


def requirement(
    view: arrays.View,
    searcher: Searcher,
    understood: Understood,
    allowed: np.ndarray | None = None,
) -> tuple[Requirement, np.ndarray]:
    """The rule a listing must meet to match the words, and which listings meet it.

    A listing matches when it meets a need the words name (understood.named_needs), or
    says the distinctive words: all of them when there are one or two, all but one when
    there are more, so that a long sentence still finds things; and fewer, down to one,
    while fewer than ENOUGH_MATCHES of the `allowed` listings say them (needs aside). A
    word counts as said when
    the listing has it, or a distinctive word of its slang or synonym phrase. Words no
    listing has are left out (they can find nothing); filler words decide, by the same
    count, only when the query has nothing else ("support group").
    """
    alive = int(view.alive.sum())
    judged = alive >= FILLER_FROM_LISTINGS
    said_cache: dict[str, tuple[tuple[Term, ...], np.ndarray]] = {}

    def said(word: str) -> tuple[tuple[Term, ...], np.ndarray]:
        if word not in said_cache:
            terms = tuple(_word_terms(word))
            found = np.zeros(view.size, dtype=bool)
            for name, token in terms:
                found[view.postings(searcher, name, token)[0]] = True
            said_cache[word] = (terms, found & view.alive)
        return said_cache[word]

    def is_filler(word: str, found: np.ndarray) -> bool:
        if word in FILLER_WORDS or set(_tokens(word)) & _FILLER_TOKENS:
            return True
        if english_frequency(word) >= FILLER_ZIPF:
            return True
        return judged and int(found.sum()) > FILLER_SHARE * alive

    distinctive: list[tuple[tuple[Term, ...], np.ndarray]] = []
    filler: list[tuple[tuple[Term, ...], np.ndarray]] = []
    for word in understood.words:
        terms, found = said(word)
        if is_filler(word, found):
            if found.any():
                filler.append((terms, found))
            continue
        found = found.copy()
        for other in understood.stand_ins.get(word, []):
            other_terms, other_found = said(other)
            if other_found.any() and not is_filler(other, other_found):
                terms += other_terms
                found |= other_found
        if found.any():
            distinctive.append((terms, found))
    needs = tuple(understood.named_needs)
    chosen = distinctive or ([] if needs else filler)
    meets_need = np.zeros(view.size, dtype=bool)
    for code in needs:
        meets_need[view.postings(searcher, "needs", code)[0]] = True
    count = np.zeros(view.size, dtype=np.int16)
    for _terms, found in chosen:
        count += found
    shown = view.alive if allowed is None else allowed
    at_least = _how_many(len(chosen))
    while at_least > 1 and int((count >= at_least)[shown].sum()) < ENOUGH_MATCHES:
        at_least -= 1
    matched = meets_need | (count >= at_least) if chosen else meets_need
    return Requirement(needs, tuple(t for t, _ in chosen), at_least), matched


def _how_many(words: int) -> int:
    """How many of the distinctive words a match must say: all of one or two, all but one
    of more."""
    return words if words <= 2 else words - 1


def _tokens(word: str) -> list[str]:
    return list(SCHEMA["name"].process_text(word, mode="query"))


def _word_terms(word: str) -> list[Term]:
    """(field, token) of a word in every text field."""
    return [
        (name, token)
        for name in TEXT_FIELDS
        for token in SCHEMA[name].process_text(word, mode="query")
    ]


_FILLER_TOKENS = frozenset(t for word in FILLER_WORDS for t in _tokens(word))


def filtered(view: arrays.View, searcher: Searcher, request: SearchRequest) -> np.ndarray:
    """Which documents are alive and meet every filter."""
    allowed = view.alive.copy()
    for query in filter_queries(request):
        allowed &= view.mask(searcher, query)
    return allowed


def _matches(
    view: arrays.View, searcher: Searcher, request: SearchRequest, understood: Understood
) -> tuple[np.ndarray, np.ndarray]:
    """Document numbers matching the words and filters, and their scores."""
    allowed = filtered(view, searcher, request)
    terms = text_terms(understood)
    if not terms:  # no words, or only words like "help": browse with the filters
        docs = np.flatnonzero(allowed)
        return docs, np.ones(len(docs))
    _rule, matched = requirement(view, searcher, understood, allowed)
    docs = np.flatnonzero(allowed & matched)
    scores = view.scores(searcher, terms)
    return docs, scores[docs]


def _bands(
    view: arrays.View,
    docs: np.ndarray,
    scores: np.ndarray,
    request: SearchRequest,
    place: ResolvedPlace | None,
    open_now: np.ndarray,
) -> tuple[_Ranked, _Ranked, int]:
    """The local and online bands in order, and how many matches were left out because
    they serve only other areas than the place's (none without a place)."""
    top = float(scores.max()) if len(scores) else 1.0
    relevance = scores / (top or 1.0)
    if request.open_now:
        # Whether it is open now matters for every match only when filtering by it;
        # otherwise it is only shown, on the hits of the page.
        keep = open_now[docs]
        docs, relevance = docs[keep], relevance[keep]
    is_local = view.local[docs]
    near, near_relevance = docs[is_local], relevance[is_local]
    far, far_relevance = docs[~is_local], relevance[~is_local]
    if place is not None:
        miles = view.nearest_sites(place.latitude, place.longitude, near)
    else:
        miles = np.full(len(near), np.nan)
    if request.miles is not None:
        within = ~np.isnan(miles) & (miles <= request.miles)
        near, near_relevance, miles = near[within], near_relevance[within], miles[within]
    other_areas = 0
    if place is not None:  # what would be shown, but only serves people elsewhere
        served = view.serving(
            place.local_authority,
            place.districts,
            np.concatenate([near, far]),
            np.concatenate([miles, np.full(len(far), np.nan)]),
        )
        other_areas = int(len(served) - served.sum())
        served_near, served_far = served[: len(near)], served[len(near) :]
        near, near_relevance, miles = (
            near[served_near],
            near_relevance[served_near],
            miles[served_near],
        )
        far, far_relevance = far[served_far], far_relevance[served_far]
    ids = view.tie_break(near)
    if place is not None and request.sort == "distance":
        order = np.lexsort((*ids, -near_relevance, miles))
    elif place is not None and request.sort == "best":
        order = np.lexsort((*ids, -blended(near_relevance, miles)))
    else:
        order = np.lexsort((*ids, -near_relevance))
    local = _Ranked(near[order], near_relevance[order], miles[order])
    order = np.lexsort((*view.tie_break(far), -far_relevance))
    online = _Ranked(far[order], far_relevance[order], np.full(len(far), np.nan))
    return local, online, other_areas


def blended(relevance: Any, miles: Any) -> Any:
    """Relevance, halved at HALF_SCORE_MILES away, a third at twice that, and so on
    (numbers or numpy arrays alike)."""
    return relevance / (1 + miles / HALF_SCORE_MILES)


def blend(hit: Hit) -> float:
    """A hit's blended score (its relevance alone when it has no distance)."""
    if hit.distance_miles is None:
        return hit.score
    return float(blended(hit.score, hit.distance_miles))


def _hits(
    view: arrays.View, ranked: _Ranked, start: int, stop: int, open_now: np.ndarray
) -> list[Hit]:
    """Hits for the places start:stop of a band, with whether each is open now."""
    hits = []
    for doc, relevance, miles in zip(
        ranked.docs[start:stop].tolist(),
        ranked.relevance[start:stop].tolist(),
        ranked.miles[start:stop].tolist(),
        strict=True,
    ):
        hits.append(
            Hit(
                view.service_id(doc),
                relevance,
                None if math.isnan(miles) else miles,
                bool(open_now[doc]) if view.has_hours[doc] else None,
            )
        )
    return hits


def _page(
    view: arrays.View, ranked: _Ranked, request: SearchRequest, shown: bool, open_now: np.ndarray
) -> Band:
    total = len(ranked.docs)
    if not shown:
        return Band([], total, 1, request.per_page)
    start = (request.page - 1) * request.per_page
    hits = _hits(view, ranked, start, start + request.per_page, open_now)
    return Band(hits, total, request.page, request.per_page)


def _online_band(
    view: arrays.View, ranked: _Ranked, request: SearchRequest, open_now: np.ndarray
) -> Band:
    total = len(ranked.docs)
    if request.band == "online":
        return _page(view, ranked, request, True, open_now)
    if request.band == "local" or request.page > 1:
        return Band([], total, 1, ONLINE_ON_FIRST_PAGE)
    first = _hits(view, ranked, 0, ONLINE_ON_FIRST_PAGE, open_now)
    return Band(first, total, 1, ONLINE_ON_FIRST_PAGE)


def nearest_miles(place: ResolvedPlace, sites: tuple[tuple[float, float], ...]) -> float | None:
    """Miles to the nearest site, as shown: View.nearest_sites for one document."""
    if not sites:
        return None
    nearest = min(miles_between(place.latitude, place.longitude, lat, lon) for lat, lon in sites)
    return rounded(nearest)


def is_open(stored: Mapping[str, Any], now: datetime) -> bool:
    """Open now, by the one rule (matcher/opening.py), for a document's stored sessions and
    closures (documents.document)."""
    sessions = [
        OpeningSession(tuple(days), o, c, *(_date(d) for d in (season + [None, None])[:2]))
        for days, o, c, *season in json.loads(stored.get("sessions") or "[]")
    ]
    closures = [
        Closure(date.fromisoformat(a), date.fromisoformat(b), "")
        for a, b in json.loads(stored.get("closures") or "[]")
    ]
    return opening.is_open(sessions, now, closures)


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None
