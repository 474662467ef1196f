"""The index as arrays: what ranking reads of each Whoosh segment, held while it lives.

Whoosh scores a query one posting at a time in Python; with a quarter of 20,000
services matching a common word that took most of a second (benchmarks/search_bench.py).
Here the same BM25F sums run over numpy arrays of each term's postings, read from the
index once and kept for as long as the segment they came from. An edit adds a small
segment (and marks deletions in the old ones), so after an edit only the small segment
is read again: the large one keeps its arrays.

Whoosh stays the index and the judge: postings, field lengths and statistics are its
own, filters are its queries, and a test checks that the scores equal its searcher's.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from whoosh import query as q
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.reading import IndexReader
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from matcher import distance
from matcher.facts import DAYS, Area
from matcher.rules import serves

logger = logging.getLogger(__name__)
# Whoosh's BM25F defaults, which the index was tuned with.
B = 0.75
K1 = 1.2
SCORED_FIELDS = ("name", "need_words", "keywords", "organisation", "description", "needs")
# Document numbers and weights (term frequency times field boost: exact in float32).
NO_POSTINGS = (np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32))

Postings = tuple[np.ndarray, np.ndarray]  # document numbers, weights
# Date ordinals for no season (a session that runs always) and for a listing never checked.
ALWAYS_FROM = 0
ALWAYS_TO = date.max.toordinal()
NEVER_CHECKED = -1
# Places (local authority and districts) whose judgement of every distinct area is kept
MAX_PLACES_HELD = 1024


@dataclass
class Segment:
    """One segment's stored facts, field lengths and vocabulary, and the postings and
    filter masks read so far (more are read as queries ask for them)."""

    key: str
    size: int
    # the id as two unsigned halves: ordering by them is ordering by the id string
    id_high: np.ndarray
    id_low: np.ndarray
    local: np.ndarray
    site_doc: np.ndarray
    site_lat: np.ndarray
    site_lon: np.ndarray
    # opening sessions, one row each: whose, which days (a bit a day), from and until
    # (minutes after midnight)
    hours_doc: np.ndarray
    hours_days: np.ndarray
    hours_from: np.ndarray
    hours_until: np.ndarray
    # and the first and last day of each session's season (date ordinals; none: always)
    hours_first: np.ndarray
    hours_last: np.ndarray
    # closures, one row each: whose, first and last day shut (date ordinals)
    closure_doc: np.ndarray
    closure_first: np.ndarray
    closure_last: np.ndarray
    # the day each document was last checked (date ordinal; NEVER_CHECKED: never)
    verified: np.ndarray
    # who each document serves, one row per area: whose, and which of `area_table`
    area_doc: np.ndarray
    area_ref: np.ndarray
    area_table: list[Area]
    lengths: dict[str, np.ndarray]
    vocabulary: dict[str, int]
    postings: dict[tuple[str, str], Postings] = field(default_factory=dict)
    masks: dict[str, np.ndarray] = field(default_factory=dict)


def read_segment(reader: IndexReader, key: str) -> Segment:
    """Read a segment's stored fields, field lengths and spelling vocabulary."""
    size = reader.doc_count_all()
    # each service's id as two 64-bit halves (0 where deleted): a hit's id is made from them,
    # and 100,000 id strings held took 9 MB of every worker
    id_high = np.zeros(size, dtype=np.uint64)
    id_low = np.zeros(size, dtype=np.uint64)
    local = np.zeros(size, dtype=bool)
    hours: list[tuple[int, int, int, int, int, int]] = []
    closures: list[tuple[int, int, int]] = []
    verified = np.full(size, NEVER_CHECKED, dtype=np.int64)
    site_doc: list[int] = []
    site_lat: list[float] = []
    site_lon: list[float] = []
    area_doc: list[int] = []
    area_ref: list[int] = []
    areas: dict[Area, int] = {}  # each distinct area once: most services share a few
    for docnum in reader.all_doc_ids():
        stored = reader.stored_fields(docnum)
        number = uuid.UUID(stored["id"]).int
        id_high[docnum], id_low[docnum] = number >> 64, number & LOW_64
        local[docnum] = bool(stored.get("local"))
        for lat, lon in json.loads(stored.get("sites") or "[]"):
            site_doc.append(docnum)
            site_lat.append(lat)
            site_lon.append(lon)
        for days, opens, closes, *season in json.loads(stored.get("sessions") or "[]"):
            bits = sum(1 << DAYS.index(d) for d in set(days) if d in DAYS)
            first, last = (season + [None, None])[:2]
            hours.append(
                (
                    docnum,
                    bits,
                    _minutes(opens),
                    _minutes(closes),
                    _ordinal(first, ALWAYS_FROM),
                    _ordinal(last, ALWAYS_TO),
                )
            )
        for starts, ends in json.loads(stored.get("closures") or "[]"):
            closures.append((docnum, _ordinal(starts, 0), _ordinal(ends, 0)))
        verified[docnum] = _ordinal(stored.get("last_verified"), NEVER_CHECKED)
        for kind, codes, miles in json.loads(stored.get("areas") or "[]"):
            area = Area(kind, tuple(codes), miles)
            area_doc.append(docnum)
            area_ref.append(areas.setdefault(area, len(areas)))
    lengths = {name: read_lengths(reader, name) for name in SCORED_FIELDS}
    vocabulary = {_text(term): info.doc_frequency() for term, info in reader.iter_field("spelling")}
    return Segment(
        key=key,
        size=size,
        id_high=id_high,
        id_low=id_low,
        local=local,
        site_doc=np.array(site_doc, dtype=np.int64),
        site_lat=np.array(site_lat, dtype=np.float64),
        site_lon=np.array(site_lon, dtype=np.float64),
        hours_doc=np.array([h[0] for h in hours], dtype=np.int64),
        hours_days=np.array([h[1] for h in hours], dtype=np.int64),
        hours_from=np.array([h[2] for h in hours], dtype=np.int64),
        hours_until=np.array([h[3] for h in hours], dtype=np.int64),
        hours_first=np.array([h[4] for h in hours], dtype=np.int64),
        hours_last=np.array([h[5] for h in hours], dtype=np.int64),
        closure_doc=np.array([c[0] for c in closures], dtype=np.int64),
        closure_first=np.array([c[1] for c in closures], dtype=np.int64),
        closure_last=np.array([c[2] for c in closures], dtype=np.int64),
        verified=verified,
        area_doc=np.array(area_doc, dtype=np.int64),
        area_ref=np.array(area_ref, dtype=np.int64),
        area_table=list(areas),
        lengths=lengths,
        vocabulary=vocabulary,
    )


LOW_64 = 2**64 - 1
# What a worker holds at most of the postings and masks read for searches, beyond which it
# lets go of them all and reads again what is asked (View._hold_read).
READ_BUDGET_BYTES = 32 * 1024 * 1024

# Whoosh keeps a field's length in a document as one byte, on a log scale.
LENGTH_OF_BYTE = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)


def read_lengths(reader: IndexReader, name: str) -> np.ndarray:
    """Each document's length of a field, as Whoosh's BM25F sees it (NaN: empty)."""
    size = reader.doc_count_all()
    column = getattr(getattr(reader, "_perdoc", None), "_cached_reader", None)
    column = column(f"_{name}_len", LENGTHS_COLUMN) if column else None
    if column is not None and all(
        hasattr(column, a) for a in ("_dbfile", "_basepos", "_count", "_fixedlen")
    ):  # Whoosh's own column file: one byte a document, read in one go
        count = min(column._count, size)
        raw = np.zeros(size, dtype=np.uint8)
        raw[:count] = np.frombuffer(column._dbfile.get(column._basepos, count), dtype=np.uint8)
        lengths = LENGTH_OF_BYTE[raw]
    else:
        lengths = np.array(
            [reader.doc_field_length(d, name, 0) or 0 for d in range(size)], dtype=np.float64
        )
    lengths[lengths == 0] = np.nan  # Whoosh has no length for an empty field
    return lengths


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def _ordinal(day: str | None, otherwise: int) -> int:
    """An ISO date as its ordinal (date.toordinal), or `otherwise` for none."""
    return date.fromisoformat(day).toordinal() if day else otherwise


def _text(term: bytes | str) -> str:
    return term.decode() if isinstance(term, bytes) else term


def read_postings(reader: IndexReader, name: str, token: str) -> Postings:
    """Document numbers and weights of a term in one segment, deleted documents included
    (the view masks those out, as deletions only ever grow)."""
    if (name, token) not in reader:
        return NO_POSTINGS
    matcher = reader.postings(name, token)
    while not hasattr(matcher, "_read_ids") and hasattr(matcher, "child"):
        matcher = matcher.child  # under the filter that hides deleted documents
    ids: list[Any] = []
    weights: list[Any] = []
    if hasattr(matcher, "_read_ids"):  # Whoosh's own block reader: a block at a time
        while matcher.is_active():
            matcher._read_ids()
            matcher._read_weights()
            ids.append(np.asarray(matcher._ids, dtype=np.int32))
            weights.append(np.asarray(matcher._weights, dtype=np.float32))
            matcher._next_block()
        return _joined(ids, np.int32), _joined(weights, np.float32)
    while matcher.is_active():  # any other matcher: a posting at a time
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return np.array(ids, dtype=np.int32), np.array(weights, dtype=np.float32)


# A view's arrays whose values are the same as its segments' laid end to end.
LENT = (
    "id_high",
    "id_low",
    "local",
    "hours_days",
    "hours_from",
    "hours_until",
    "hours_first",
    "hours_last",
    "closure_first",
    "closure_last",
    "verified",
    "site_lat",
    "site_lon",
)


class View:
    """The arrays of one index generation: its segments laid end to end, as Whoosh
    numbers documents across them, with the deleted documents masked out."""

    def __init__(self, segments: Sequence[Segment], alive: np.ndarray) -> None:
        self.segments = list(segments)
        self.offsets = np.cumsum([0] + [s.size for s in self.segments])[:-1].tolist()
        self.size = int(sum(s.size for s in self.segments))
        self.alive = alive
        self.id_high = _joined([s.id_high for s in self.segments], np.uint64)
        self.id_low = _joined([s.id_low for s in self.segments], np.uint64)
        self.local = _joined([s.local for s in self.segments], bool)
        self.hours_doc = self._documents("hours_doc")
        self.hours_days = _joined([s.hours_days for s in self.segments], np.int64)
        self.hours_from = _joined([s.hours_from for s in self.segments], np.int64)
        self.hours_until = _joined([s.hours_until for s in self.segments], np.int64)
        self.hours_first = _joined([s.hours_first for s in self.segments], np.int64)
        self.hours_last = _joined([s.hours_last for s in self.segments], np.int64)
        self.closure_doc = self._documents("closure_doc")
        self.closure_first = _joined([s.closure_first for s in self.segments], np.int64)
        self.closure_last = _joined([s.closure_last for s in self.segments], np.int64)
        self.verified = _joined([s.verified for s in self.segments], np.int64)
        self.has_hours = np.zeros(self.size, dtype=bool)
        self.has_hours[self.hours_doc] = True
        self.site_doc = self._documents("site_doc")
        self.site_lat = _joined([s.site_lat for s in self.segments], np.float64)
        self.site_lon = _joined([s.site_lon for s in self.segments], np.float64)
        self.site_cos = np.cos(np.radians(self.site_lat))  # kept for matcher.distance
        self._join_areas()
        self.lengths = {
            name: _joined([s.lengths[name] for s in self.segments], np.float64)
            for name in SCORED_FIELDS
        }
        self._lend_to_segments()
        # the largest segment's words copied whole, the small ones after an edit added
        by_size = sorted(self.segments, key=lambda s: s.size, reverse=True)
        self.vocabulary: dict[str, int] = dict(by_size[0].vocabulary) if by_size else {}
        for segment in by_size[1:]:
            for word, count in segment.vocabulary.items():
                self.vocabulary[word] = self.vocabulary.get(word, 0) + count
        self._postings: dict[tuple[str, str], Postings] = {}
        self._masks: dict[str, np.ndarray] = {}
        self.held_bytes = 0  # of the postings and masks read so far (see _hold_read)
        self._fits_by_place: dict[tuple[str | None, tuple[str, ...]], np.ndarray] = {}
        self._lock = threading.Lock()

    def _lend_to_segments(self) -> None:
        """Point each segment's arrays at its stretch of the joined ones wherever the values
        are the same (all but the document numbers of the segments after the first): with
        two segments (a rebuild writes one per core) every fact was held twice, per segment
        and joined. The segments keep them for the next generation's view."""
        for name in LENT:
            lent = _lend(getattr(self, name), [getattr(s, name) for s in self.segments])
            for segment, piece in zip(self.segments, lent, strict=True):
                if piece is not None:
                    setattr(segment, name, piece)
        for name, joined in self.lengths.items():
            lent = _lend(joined, [s.lengths[name] for s in self.segments])
            for segment, piece in zip(self.segments, lent, strict=True):
                if piece is not None:
                    segment.lengths[name] = piece
        if self.segments:  # the first segment's document numbers are the view's (offset 0)
            first = self.segments[0]
            for name in ("hours_doc", "closure_doc", "site_doc", "area_doc"):
                piece = _lend(getattr(self, name), [getattr(first, name)])[0]
                if piece is not None:
                    setattr(first, name, piece)

    def _join_areas(self) -> None:
        """The segments' areas as one table of distinct areas and rows that point into it."""
        table: dict[Area, int] = {}
        refs = []
        for segment in self.segments:
            renumber = np.array(
                [table.setdefault(area, len(table)) for area in segment.area_table], dtype=np.int64
            )
            refs.append(renumber[segment.area_ref] if len(segment.area_ref) else segment.area_ref)
        self.area_table = list(table)
        self.area_doc = self._documents("area_doc")
        self.area_ref = _joined(refs, np.int64)
        radius = np.array([a.kind == "radius" for a in self.area_table], dtype=bool)
        radii = np.array([a.miles if a.miles is not None else np.nan for a in self.area_table])
        self.area_is_radius = radius[self.area_ref] if len(self.area_ref) else radius[:0]
        self.area_radius = radii[self.area_ref] if len(self.area_ref) else radii[:0]
        self.has_areas = np.zeros(self.size, dtype=bool)
        self.has_areas[self.area_doc] = True

    def _documents(self, name: str) -> np.ndarray:
        """A per-segment array of document numbers, renumbered across the segments."""
        parts = [getattr(s, name) + o for s, o in zip(self.segments, self.offsets, strict=True)]
        return _joined(parts, np.int64)

    def tie_break(self, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Sort keys (for np.lexsort, least significant first) that order documents by
        service id, as the id string sorts: the last say in every ranking."""
        return self.id_low[docs], self.id_high[docs]

    # -- reading on demand, through the searcher of this generation ------------------------

    def postings(self, searcher: Searcher, name: str, token: str) -> Postings:
        """A term's postings across the segments, read once per segment."""
        key = (name, token)
        found = self._postings.get(key)
        if found is None:
            # Each segment's postings are kept here as read: another thread may let go of
            # the segments' (View._hold_read) between these lines.
            parts, read = [], []
            for segment, offset, leaf in self._leaves(searcher):
                own = segment.postings.get(key)
                if own is None:
                    own = segment.postings[key] = read_postings(leaf.reader(), name, token)
                parts.append((own[0] + offset if offset else own[0], own[1]))
                read.append((segment, offset, own))
            found = (
                _joined([p[0] for p in parts], np.int32),
                _joined([p[1] for p in parts], np.float32),
            )
            # held once: each segment's postings point into the joined ones where they can
            lent_ids = _lend(found[0], [p[0] for p in parts])
            lent_weights = _lend(found[1], [p[1] for p in parts])
            for (segment, offset, (ids, weights)), ids_part, weights_part in zip(
                read, lent_ids, lent_weights, strict=True
            ):
                segment.postings[key] = (
                    ids_part if ids_part is not None and not offset else ids,
                    weights_part if weights_part is not None else weights,
                )
            with self._lock:
                self._hold_read(found[0].nbytes + found[1].nbytes)
                self._postings[key] = found
        return found

    def service_id(self, doc: int) -> uuid.UUID:
        """The id of the service a document is."""
        return uuid.UUID(int=(int(self.id_high[doc]) << 64) | int(self.id_low[doc]))

    def mask(self, searcher: Searcher, query: q.Query) -> np.ndarray:
        """Which documents a Whoosh query matches (deleted ones included), read once per
        segment and query."""
        key = repr(query)
        found = self._masks.get(key)
        if found is None:
            # as read: another thread may let go of the segments' masks meanwhile
            segments, parts = [], []
            for segment, _offset, leaf in self._leaves(searcher):
                matched = segment.masks.get(key)
                if matched is None:
                    matched = np.zeros(segment.size, dtype=bool)
                    docs = list(query.docs(leaf))
                    matched[np.array(docs, dtype=np.int64)] = True
                    segment.masks[key] = matched
                segments.append(segment)
                parts.append(matched)
            found = _joined(parts, bool)
            for segment, piece in zip(segments, _lend(found, parts), strict=True):
                if piece is not None:
                    segment.masks[key] = piece
            with self._lock:
                self._hold_read(found.nbytes)
                self._masks[key] = found
        return found

    def _hold_read(self, size: int) -> None:
        """Count what is about to be held; past READ_BUDGET_BYTES, let go of every term's
        postings and every mask read so far, here and in the segments (call holding the
        lock). Each is read again when next asked for (a millisecond or so): without a
        limit, a crawler asking for every word of the catalogue would have each worker hold
        every posting of the index (about 150 MB at 100,000 services)."""
        self.held_bytes += size
        if self.held_bytes > READ_BUDGET_BYTES:
            self._postings.clear()
            self._masks.clear()
            for segment in self.segments:
                segment.postings.clear()
                segment.masks.clear()
            self.held_bytes = size

    def _leaves(self, searcher: Searcher) -> Iterable[tuple[Segment, int, Searcher]]:
        """Each segment with its offset and its searcher in this generation."""
        if not self.segments:  # an index with no segment yet: nothing to search
            return []
        leaves = [searcher] if searcher.is_atomic() else [s for s, _ in searcher.subsearchers]
        return zip(self.segments, self.offsets, leaves, strict=True)

    # -- what BM25F needs of the whole index -----------------------------------------------

    def scores(self, searcher: Searcher, terms: Iterable[tuple[str, str, float]]) -> np.ndarray:
        """Whoosh's BM25F score of every document for an Or of boosted terms (0 where
        none match), with Whoosh's statistics: deleted documents still count in them."""
        total = np.zeros(self.size, dtype=np.float64)
        reader = searcher.reader()
        documents = reader.doc_count_all()
        for name, token, boost in terms:
            ids, weights = self.postings(searcher, name, token)
            if not len(ids):
                continue
            idf = math.log(documents / (reader.doc_frequency(name, token) + 1)) + 1
            average = (reader.field_length(name) / (documents or 1)) or 1
            weights = weights.astype(np.float64)
            lengths = self.lengths[name][ids]
            total[ids] += (
                boost
                * idf
                * (weights * (K1 + 1))
                / (weights + K1 * ((1 - B) + B * lengths / average))
            )
        return total

    def open_at(self, day: date, minute: int) -> np.ndarray:
        """Which documents have a session open on a day at a minute after midnight (opening
        time included, closing time not), in its season, on a day they are not closed:
        matcher.opening.is_open over arrays (a test holds them equal)."""
        ordinal = day.toordinal()
        sessions = (
            (self.hours_days & (1 << day.weekday())).astype(bool)
            & (self.hours_from <= minute)
            & (minute < self.hours_until)
            & (self.hours_first <= ordinal)
            & (ordinal <= self.hours_last)
        )
        found = np.zeros(self.size, dtype=bool)
        found[self.hours_doc[sessions]] = True
        shut = (self.closure_first <= ordinal) & (ordinal <= self.closure_last)
        found[self.closure_doc[shut]] = False
        return found

    def stale(self, checked_before: date) -> np.ndarray:
        """Which documents were last checked before this day, or never."""
        return self.verified < checked_before.toordinal()

    def serving(
        self,
        local_authority: str | None,
        districts: Sequence[str],
        docs: np.ndarray,
        miles: np.ndarray,
    ) -> np.ndarray:
        """Which of `docs` may serve someone living in this local authority and in one of
        these postcode districts (one, or the few a neighbourhood spans), `miles` (as shown;
        NaN: no site) from each document's nearest site: those inside any one of their
        areas, those stating none, and those the place is not known to be outside of (its
        local authority or districts not known; a radius around no venue).
        matcher.rules.serves judges each distinct area once, and a radius by the miles as
        shown, as it does (a test holds them equal)."""
        fits = self._fitting(local_authority, tuple(districts))
        asked = np.zeros(self.size, dtype=bool)
        asked[docs] = True
        chosen = asked[self.area_doc]
        owners, refs = self.area_doc[chosen], self.area_ref[chosen]
        distance_of = np.full(self.size, np.nan)
        distance_of[docs] = miles
        # a radius is measured from the venues: around none, it is not known to exclude
        miles_of = distance_of[owners]
        near = self.area_is_radius[chosen] & (
            (miles_of <= self.area_radius[chosen]) | np.isnan(miles_of)
        )
        inside = ~self.has_areas
        inside[owners[fits[refs] | near]] = True
        return inside[docs]

    def _fitting(self, local_authority: str | None, districts: tuple[str, ...]) -> np.ndarray:
        """Which distinct areas include the place (radius ones aside), judged once per
        local authority and districts: people search from a few hundred districts."""
        key = (local_authority, districts)
        found = self._fits_by_place.get(key)
        if found is None:
            found = np.array(
                [self._fits(a, local_authority, districts) for a in self.area_table], dtype=bool
            )
            with self._lock:
                if len(self._fits_by_place) >= MAX_PLACES_HELD:
                    self._fits_by_place.clear()
                self._fits_by_place[key] = found
        return found

    @staticmethod
    def _fits(area: Area, local_authority: str | None, districts: Sequence[str]) -> bool:
        """Whether someone in the local authority and any of the districts lives inside a
        local authority, districts or national area (a radius is judged by the miles)."""
        if area.kind == "radius":
            return False
        if (area.kind == "local_authority" and local_authority is None) or (
            area.kind == "districts" and not districts
        ):
            return True  # the place does not say: not known to be outside
        return any(serves(area, local_authority, d, None) for d in districts or (None,))

    def nearest_sites(
        self, latitude: float, longitude: float, docs: np.ndarray | None = None
    ) -> np.ndarray:
        """Miles from a point to the nearest site of each document (of `docs`, or of all),
        as shown, to a tenth (NaN without sites): matcher.distance's haversine, measured
        only to the sites of the documents asked about."""
        wanted = np.arange(self.size) if docs is None else docs
        nearest = np.full(self.size, np.nan)
        if len(self.site_doc):
            asked = np.zeros(self.size, dtype=bool)
            asked[wanted] = True
            chosen = asked[self.site_doc]
            owners = self.site_doc[chosen]  # still grouped by document, in order
            if len(owners):
                miles = distance.miles_from(
                    latitude,
                    longitude,
                    self.site_lat[chosen],
                    self.site_lon[chosen],
                    self.site_cos[chosen],
                )
                starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
                nearest[owners[starts]] = np.minimum.reduceat(miles, starts)
        return distance.rounded_all(nearest[wanted])


def _lend(joined: np.ndarray, parts: Sequence[np.ndarray]) -> list[np.ndarray | None]:
    """For each part of `joined` (the parts end to end), its stretch of `joined`, a view
    and not a copy, to hold in place of the part; None where it would not be the same
    array (another type: the part is kept)."""
    lent: list[np.ndarray | None] = []
    start = 0
    for part in parts:
        piece = joined[start : start + len(part)]
        lent.append(piece if piece.dtype == part.dtype and piece.shape == part.shape else None)
        start += len(part)
    return lent


def _joined(parts: Sequence[np.ndarray], dtype: Any) -> np.ndarray:
    """The parts end to end (the part itself when there is one: no copy)."""
    if not parts:
        return np.zeros(0, dtype=dtype)
    if len(parts) == 1:
        return parts[0].astype(dtype, copy=False)
    return np.concatenate(parts).astype(dtype, copy=False)


def leaf_readers(reader: IndexReader) -> list[tuple[IndexReader, int]]:
    """The segment readers under a reader, with the document number each starts at; none
    for an index with no segment yet (a directory with no published service)."""
    if reader.is_atomic():
        return [(reader, 0)] if reader.segment() is not None else []
    return list(reader.leaf_readers())


def segment_key(reader: IndexReader) -> str:
    """What names a segment for as long as its documents stay as they are."""
    segment = reader.segment()
    return f"{segment.segment_id()}"


class Views:
    """The view of the newest generation seen in one index folder, and the segments it is
    made of; segments no longer in the index are let go.

    After an edit only the new small segment is read, in the request. After a rebuild
    (`flask reindex`: a new build, every segment new) reading it all takes about a second at
    20,000 services, so `reading` serves searches from the last build's view, through a
    searcher of that build kept open for it (its files stay readable after the rebuild
    deletes them), while a thread reads the new one; a search waits at most `wait` seconds
    for it (None: until it is read, as on a worker's first search)."""

    def __init__(self, wait: float | None = None) -> None:
        self._key: object = None
        self._view: View | None = None
        self._segments: dict[str, Segment] = {}
        self._lock = threading.Lock()
        self.wait = wait
        # a searcher kept for serving the view held, and the generation it sees (the view's,
        # when the two can be served as a pair)
        self._kept: Searcher | None = None
        self._kept_key: object = None
        self._kept_lock = threading.Lock()  # one search at a time through the kept searcher
        self._reading: threading.Event | None = None  # set when a new build has been read

    def view(self, searcher: Searcher, generation: object) -> View:
        with self._lock:
            return self._read(searcher, generation)

    def _read(self, searcher: Searcher, generation: object) -> View:
        """This generation's view, read now unless it is the one held (call holding the
        lock)."""
        if self._view is None or generation != self._key:
            self._hold(self._view_of(searcher), generation)
        assert self._view is not None
        return self._view

    def _view_of(self, searcher: Searcher) -> View:
        """The view of what `searcher` sees, reading only the segments not held already;
        holds nothing, so a thread may call it without the lock."""
        held = self._segments
        segments, alive = [], []
        for reader, _offset in leaf_readers(searcher.reader()):
            key = segment_key(reader)
            segment = held.get(key) or read_segment(reader, key)
            segments.append(segment)
            living = np.ones(segment.size, dtype=bool)
            if reader.has_deletions():
                living[np.fromiter(reader.segment().deleted_docs(), dtype=np.int64)] = False
            alive.append(living)
        return View(segments, _joined(alive, bool))

    def _hold(self, view: View, generation: object) -> None:
        """Serve `view` from now on (call holding the lock)."""
        self._segments = {s.key: s for s in view.segments}
        self._view = view
        self._key = generation

    @contextlib.contextmanager
    def reading(
        self,
        searcher: Searcher,
        generation: tuple[str, object],
        fresh: Callable[[], tuple[Searcher, tuple[str, object]]],
    ) -> Iterator[tuple[View, Searcher]]:
        """The view to search with, and the searcher to read it through: this generation's
        and `searcher`, unless the generation is of a new build (generation[0]) not read yet
        and a view of an older one is held: then (after up to `wait` seconds) the older
        one's, through its kept searcher, while `fresh()` (a searcher of the newest build,
        and its generation) is read on a thread."""
        with self._lock:
            held_key = self._key if isinstance(self._key, tuple) else (None,)
            # a new build while a view of another is held, with the searcher that view is
            # read through (an edit since moves the view on: it is then kept anew)
            stale = self._view is not None and held_key[0] != generation[0]
            paired = self._kept is not None and self._kept_key == self._key
            if not stale or self.wait is None or not paired:
                done = None
                view = self._read_keeping(searcher, generation, fresh)
            else:
                done = self._start_reading(fresh)
        if done is None:
            yield view, searcher
            return
        if done.wait(self.wait):
            with self._lock:
                fresh_view = self._view if generation == self._key else None
            if fresh_view is not None:
                yield fresh_view, searcher
                return
        # the view held and its kept searcher, as a pair: a thread that swaps them in takes
        # this lock first, and waits for the kept one to be done with
        with self._lock:
            held, kept = self._view, self._kept
            self._kept_lock.acquire()
        try:
            assert held is not None and kept is not None
            yield held, kept
        finally:
            self._kept_lock.release()

    def _read_keeping(
        self,
        searcher: Searcher,
        generation: tuple[str, object],
        fresh: Callable[[], tuple[Searcher, tuple[str, object]]],
    ) -> View:
        """Read the generation in this thread (holding the lock), keeping a searcher of
        the same generation for serving it while a later build is read (unless searches
        always wait): after an edit too, as the view then has other segments than the
        searcher kept before it."""
        view = self._read(searcher, generation)
        if self.wait is not None and (self._kept is None or self._kept_key != generation):
            kept, kept_generation = fresh()
            if kept_generation == generation:
                self._keep(kept, generation)
            else:  # changed again meanwhile: the next search keeps one
                kept.close()
        return view

    def _keep(self, kept: Searcher, generation: object) -> None:
        with self._kept_lock:  # a search through the old one finishes first
            old, self._kept, self._kept_key = self._kept, kept, generation
        if old is not None:
            old.close()

    def _start_reading(
        self, fresh: Callable[[], tuple[Searcher, tuple[str, object]]]
    ) -> threading.Event:
        if self._reading is not None:
            return self._reading
        done = self._reading = threading.Event()
        started_from = self._key  # (called holding the lock)

        def run() -> None:
            searcher = None
            try:
                searcher, generation = fresh()
                # read without the lock, so searches go on through the held view meanwhile
                view = self._view_of(searcher)
                with self._lock:  # the view and its searcher swapped in together
                    if self._key == started_from:  # else a search moved the view on since
                        self._hold(view, generation)
                        self._keep(searcher, generation)
                        searcher = None  # kept: closed when replaced
                if searcher is not None:
                    searcher.close()
            except Exception:  # searches go on with the view held; the next one tries again
                logger.exception("Reading a new build of the index failed")
                if searcher is not None:
                    searcher.close()
            finally:
                with self._lock:
                    self._reading = None
                done.set()

        threading.Thread(target=run, name="signpost-index-read", daemon=True).start()
        return done

    def close(self) -> None:
        """Close the kept searcher (before a fork, or at shutdown)."""
        with self._kept_lock:
            kept, self._kept, self._kept_key = self._kept, None, None
        if kept is not None:
            kept.close()
