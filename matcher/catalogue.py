"""A catalogue of services prepared for matching: indexes built once, used by every match.

Matching one person touches only the services that meet one of their needs, name one of
its synonyms, or share one of their words, so a match over 100,000 services stays fast.
Build a Catalogue once (at start-up, or when the listings change) and pass it to `match`.
It is safe to share between threads: it only ever adds to its small caches (the strengths
of a need, the services saying a synonym, corrected typos), and two threads filling the
same entry at once work out the same value.
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left, insort
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from rapidfuzz import process, utils
from rapidfuzz.distance import OSA

from matcher.distance import miles_between
from matcher.facts import ServiceFacts
from matcher.words import content_words, normalise, stem


@dataclass(frozen=True, slots=True)
class Words:
    """The person's telling words as the catalogue knows them."""

    stems: tuple[str, ...]  # stems of the words, typos corrected to catalogue words
    typed: dict[str, str]  # stem -> the word as the person typed it, for the reasons
    weights: dict[str, float]  # stem -> how telling it is (inverse document frequency)

    @property
    def total(self) -> float:
        return sum(self.weights.values())


NO_WORDS = Words(stems=(), typed={}, weights={})
NO_POSTINGS: array[int] = array("i")


class Catalogue:
    """The services, and indexes from need code, label word and text word to services."""

    def __init__(self, services: Iterable[ServiceFacts]) -> None:
        self.services: tuple[ServiceFacts, ...] = tuple(services)
        # Each service tagged with a need, and the need's rank in its list, as one number
        # (_ranked): an array of them where a list of pairs took 64 bytes an entry.
        self._by_need: dict[str, array[int]] = defaultdict(_ranked_postings)
        # Words of each service's name and keywords: where a synonym of a need is looked for.
        self._label_index: dict[str, array[int]] = defaultdict(_postings)
        # Stems of the meaningful words of its own text: how the person's words find it.
        self._text_index: dict[str, array[int]] = defaultdict(_postings)
        # The map cells of its venues, for quick distances (a rough order only: every
        # distance shown or ruled on is exact, from its sites); and how it reaches people.
        self.cells: list[tuple[int, ...]] = []  # ids of the map cells of its venues
        self.cell_centres: list[tuple[float, float]] = []
        self._cell_ids: dict[tuple[int, int], int] = {}
        self.reach: list[int] = []  # REMOTE, IN_PERSON or BOTH (see distance_score)
        self._cache: dict[tuple[object, ...], object] = {}
        # How many services write each word: a word leaves the typo list with its last one.
        self._written: Counter[str] = Counter()
        same: dict[tuple[int, ...], tuple[int, ...]] = {}  # one copy of each set of cells
        for i, service in enumerate(self.services):
            self._add(i, service, same)
        self._corrected: dict[str, str | None] = {}
        self._surface = self._by_first_letter()
        # The NHS mental health pathway listings, by index: a few among thousands, kept
        # out of the suggestions and offered apart (pathways.py).
        self.pathways = frozenset(i for i, s in enumerate(self.services) if s.pathway)

    def _by_first_letter(self) -> dict[str, list[str]]:
        """The words as written, by first letter, for correcting typos ("gardning")."""
        surface: dict[str, list[str]] = defaultdict(list)
        for word in sorted(self._written):
            surface[word[0]].append(word)
        return surface

    def _add(self, i: int, service: ServiceFacts, same: dict[Any, Any]) -> None:
        for rank, code in enumerate(service.needs):
            self._by_need[code].append(_ranked(i, rank))
        label_words, stems, words = _words(service)
        for word in label_words:
            self._label_index[word].append(i)
        for word in stems:
            self._text_index[word].append(i)
        self._written.update(words)
        cells = tuple({self._cell_id(s.latitude, s.longitude) for s in service.sites})
        self.cells.append(same.setdefault(cells, cells))
        self.reach.append(_reach(service))

    def _cell_id(self, latitude: float, longitude: float) -> int:
        cell = round(latitude / CELL_DEGREES), round(longitude / CELL_DEGREES)
        found = self._cell_ids.get(cell)
        if found is None:
            found = self._cell_ids[cell] = len(self.cell_centres)
            self.cell_centres.append((cell[0] * CELL_DEGREES, cell[1] * CELL_DEGREES))
        return found

    def __len__(self) -> int:
        return len(self.services)

    def replace(self, services: Iterable[ServiceFacts], removed: Iterable[str] = ()) -> Catalogue:
        """A new catalogue with these services in place of those with their ids (added if
        new), and without the `removed` ids; this one is left as it is, for the matches
        still reading it. Equal to a catalogue built whole from the same services."""
        changed = {s.id: s for s in services}
        leaving = set(removed) - changed.keys()
        at = {s.id: i for i, s in enumerate(self.services)}
        if all(i in at for i in changed) and not leaving & at.keys():
            return self._patched({at[i]: s for i, s in changed.items()})
        # services come or go, and every later one moves: index them all again
        gone = leaving | changed.keys()
        kept = [s for s in self.services if s.id not in gone]
        return Catalogue(_in_order([*kept, *changed.values()]))

    def _patched(self, changed: dict[int, ServiceFacts]) -> Catalogue:
        """A copy with the services at these places replaced, each keeping its place: only
        the index entries of their words are copied and changed (milliseconds, where
        indexing 20,000 services again takes a second)."""
        new = object.__new__(Catalogue)
        services = list(self.services)
        for i, service in changed.items():
            services[i] = service
        new.services = tuple(services)
        new._by_need = defaultdict(_ranked_postings, self._by_need)
        new._label_index = defaultdict(_postings, self._label_index)
        new._text_index = defaultdict(_postings, self._text_index)
        new.cells = list(self.cells)
        new.cell_centres = list(self.cell_centres)
        new._cell_ids = dict(self._cell_ids)
        new.reach = list(self.reach)
        new.pathways = self.pathways.difference(changed).union(
            i for i, service in changed.items() if service.pathway
        )
        new._cache = {}
        new._corrected = {}
        new._written = Counter(self._written)
        copied: set[tuple[int, str]] = set()  # lists already copied from this catalogue's

        def own(table: dict[str, Any], which: int, key: str) -> Any:
            if (which, key) not in copied:
                copied.add((which, key))
                table[key] = table[key][:]  # a list or an array, as it was (or a new one)
            return table[key]

        for i, service in changed.items():
            old = self.services[i]
            old_label_words, old_stems, old_words = _words(old)
            label_words, stems, words = _words(service)
            for rank, code in enumerate(old.needs):
                own(new._by_need, 0, code).remove(_ranked(i, rank))
            for rank, code in enumerate(service.needs):
                insort(own(new._by_need, 0, code), _ranked(i, rank))
            for table, which, before, after in (
                (new._label_index, 1, old_label_words, label_words),
                (new._text_index, 2, old_stems, stems),
            ):
                for word in before - after:
                    own(table, which, word).remove(i)
                for word in after - before:
                    insort(own(table, which, word), i)
            new._written.subtract(old_words)
            new._written.update(words)
            new.cells[i] = tuple({new._cell_id(s.latitude, s.longitude) for s in service.sites})
            new.reach[i] = _reach(service)
        # as a catalogue built whole has them: no entry for a word nobody writes any more
        tables: tuple[dict[str, Any], ...] = (
            new._by_need,
            new._label_index,
            new._text_index,
        )
        for which, emptied in enumerate(tables):
            for gone in [k for w, k in copied if w == which and not emptied[k]]:
                del emptied[gone]
        new._written = +new._written  # drops the words counted down to nothing
        new._surface = new._by_first_letter()
        return new

    def remove(self, ids: Iterable[str]) -> Catalogue:
        """A new catalogue without the services of these ids; this one is left as it is."""
        return self.replace((), removed=ids)

    def __iter__(self) -> Iterator[ServiceFacts]:
        return iter(self.services)

    def with_need(self, code: str) -> list[tuple[int, int]]:
        """(service index, rank of the need in its list) for each service tagged with it."""
        return [(ranked >> RANK_BITS, ranked & RANK_MASK) for ranked in self._by_need.get(code, ())]

    def need_strengths(self, code: str, by_rank: tuple[float, float, float]) -> dict[int, float]:
        """Service index -> how well it meets the need, by the need's rank in its list (main,
        second, later); remembered, as every match for the need asks the same. Read only."""
        key = ("need", code, by_rank)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = {
                i: by_rank[min(rank, 2)] for i, rank in self.with_need(code)
            }
        return found  # type: ignore[return-value]

    def synonym_hits(self, code: str, phrases: tuple[str, ...]) -> dict[int, str]:
        """Service index -> the first of the phrases its name or keywords say, for services
        not tagged with the need; remembered. Read only."""
        key = ("synonyms", code, phrases)
        found = self._cache.get(key)
        if found is None:
            tagged = {i for i, _ in self.with_need(code)}
            hits: dict[int, str] = {}
            for phrase in phrases:
                for i in self.saying(phrase):
                    if i not in tagged:
                        hits.setdefault(i, phrase)
            found = self._cache[key] = hits
        return found  # type: ignore[return-value]

    def saying(self, phrase: str) -> list[int]:
        """Services whose name or keywords contain the phrase, as whole words."""
        words = normalise(phrase).split()
        if not words:
            return []
        postings = [self._label_index.get(w, NO_POSTINGS) for w in words]
        rarest = min(postings, key=len)
        wanted = f" {' '.join(words)} "
        if len(words) == 1:  # a word of the label: the label says it
            return list(rarest)
        # a phrase: its words in order, in the label of each service saying the rarest one
        return [i for i in rarest if wanted in _label(self.services[i])]

    def words_of(self, text: str, common_share: float) -> Words:
        """The person's telling words. A word the catalogue lacks becomes its nearest
        catalogue word, one edit away (two from eight letters), else it is dropped; a word
        in more than common_share of the listings is dropped too: it tells them apart too
        little."""
        total = len(self.services)
        common = max(1, int(common_share * total))
        typed: dict[str, str] = {}
        weights: dict[str, float] = {}
        for word in content_words(text):
            known: str | None = stem(word)
            if known not in self._text_index:
                known = self._nearest(word)
            postings = self._text_index.get(known or "")
            if known is None or not postings or len(postings) > common or known in typed:
                continue
            typed[known] = word
            weights[known] = math.log(1 + total / len(postings))
        return Words(stems=tuple(typed), typed=typed, weights=weights)

    def _nearest(self, word: str) -> str | None:
        """The stem of the catalogue word nearest a misspelt one (typos seldom change the
        first letter, so only words sharing it are compared); remembered per catalogue."""
        if len(word) < 4:
            return None
        if word not in self._corrected:
            if len(self._corrected) > 10_000:  # people's typos are many; keep memory bounded
                self._corrected.clear()
            best = process.extractOne(
                word,
                self._surface.get(word[0], []),
                scorer=OSA.distance,
                processor=utils.default_process,
                score_cutoff=1 if len(word) < 8 else 2,
            )
            self._corrected[word] = None if best is None else stem(best[0])
        return self._corrected[word]

    def nearest_site_miles(self, i: int, latitude: float, longitude: float) -> float | None:
        """How far the service's nearest venue is from a point (haversine), or None."""
        sites = self.services[i].sites
        if not sites:
            return None
        return min(miles_between(latitude, longitude, s.latitude, s.longitude) for s in sites)

    def coverage(self, words: Words) -> dict[int, float]:
        """For each service sharing any of the words: how much of what the person said its
        text covers, 0-100, each word counting by how telling it is."""
        total = words.total
        found: dict[int, float] = defaultdict(float)
        for word, weight in words.weights.items():
            for i in self._text_index[word]:
                found[i] += weight
        return {i: 100 * weight / total for i, weight in found.items()}

    def found_in(self, words: Words, i: int) -> list[str]:
        """Which of the person's words (as they typed them) the service's text contains."""
        return [words.typed[w] for w in words.stems if _holds(self._text_index[w], i)]


# How a service reaches people: only without travel (online, phone, or no venue), only at
# its venues, or both.
REMOTE, IN_PERSON, BOTH = 0, 1, 2
# Map cells of about 0.35 by 0.3 miles (in the UK), for quick, rough distances.
CELL_DEGREES = 0.005


def _label(service: ServiceFacts) -> str:
    """A service's label: its name and keywords, normalised, padded for phrase search. Made
    when a phrase is looked for rather than held (11 MB at 100,000 services)."""
    return f" {normalise(' '.join((service.name, *service.keywords)))} "


def _words(service: ServiceFacts) -> tuple[set[str], set[str], set[str]]:
    """The words of a service's label, the stems of its text's meaningful words, and those
    words."""
    # The need words are left out: the needs are matched on their own, and counting
    # them here again would give every service tagged with a need a second helping.
    text = " ".join((service.name, *service.keywords, service.description))
    words = set(content_words(text))
    return set(_label(service).split()), {stem(w) for w in words}, words


def _reach(service: ServiceFacts) -> int:
    in_person = "in_person" in service.modes or not service.modes
    if not service.sites or not in_person:
        return REMOTE
    return BOTH if service.remote else IN_PERSON


def _in_order(services: list[ServiceFacts]) -> list[ServiceFacts]:
    """Services by id, as the directory lists them when it builds a catalogue whole: the
    same order gives the same indexes, so an updated catalogue matches as a rebuilt one."""
    return sorted(services, key=lambda s: s.id)


def _postings() -> array[int]:
    """Service indexes in catalogue order: an array of C ints, not a list of Python ints,
    a quarter of the memory (at 100,000 services, millions of entries), and pages that
    workers forked from one master share, as reading them writes no reference counts."""
    return array("i")


# A service index and a rank as one number, in the same order as the pairs.
RANK_BITS = 16
RANK_MASK = (1 << RANK_BITS) - 1


def _ranked(i: int, rank: int) -> int:
    return i << RANK_BITS | min(rank, RANK_MASK)


def _ranked_postings() -> array[int]:
    return array("q")


def _holds(postings: array[int], i: int) -> bool:
    # Postings are in catalogue order, so sorted.
    at = bisect_left(postings, i)
    return at < len(postings) and postings[at] == i
