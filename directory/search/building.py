"""Writing a new index's segments fast, on several cores (SearchIndex.rebuild).

Whoosh's own writer spends most of a rebuild on bookkeeping rather than on analysis:
it pickles every posting into sorted runs on disk and merges them back, and reads each
posting's field length back from the column it has just written (at 20,000 services,
two thirds of the time). A segment here keeps its postings in memory, grouped by term (a
few bytes each: they arrive in document order, so no sort beyond the terms'), and its
field lengths in a dict; the files written are Whoosh's own, through its codec.

Several processes each write segments of their share of the documents while the caller
reads the next ones from the database; one commit then lists them all. The processes are
forked from a clean server process (multiprocessing's "forkserver"), never from the
caller: it may hold database connections and threads that a forked child must not share.
A search reads several segments as one (arrays.py), with the same statistics and scores.
"""

from __future__ import annotations

import itertools
import multiprocessing
import queue
import secrets
import sys
import traceback
from array import array
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from whoosh import formats
from whoosh import index as whoosh_index
from whoosh.analysis import (
    CompositeAnalyzer,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.codec.base import Segment
from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

Document = dict[str, object]

BATCH = 1000  # documents sent to a process at a time
# A process finishes its segment at this many documents and starts another: bounds the
# memory of its postings (about 30 bytes each, some 200 a service) at a few hundred MB.
SEGMENT_DOCUMENTS = 50_000
WAIT_S = 1.0  # how often a wait on a process checks that it is still alive


def _segment_id(cls: type[Segment], size: int = 16) -> str:
    """A new segment's name, from the system's random source. Whoosh draws it from the
    `random` module, which any caller may seed (hypothesis seeds it for every example): two
    writers after the same seed picked the same name, and the second, opening its files,
    emptied the first's while the index still listed them ("Unknown file header b''")."""
    return "".join(secrets.choice(SEGMENT_ID_CHARACTERS) for _ in range(size))


SEGMENT_ID_CHARACTERS = "0123456789abcdefghijklmnopqrstuvwxyz"  # what Whoosh's names match
Segment._random_id = classmethod(_segment_id)


class _Postings:
    """Stands in for Whoosh's posting pool: the postings of each term in memory."""

    def __init__(self) -> None:
        self.terms: dict[tuple[str, bytes], tuple[array[int], array[float], list[Any]]] = {}
        self.values: dict[bytes, bytes] = {}  # one copy of each value (term frequencies)
        self.fieldnames: set[str] = set()

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        fieldname, text, docnum, weight, value = item
        found = self.terms.get((fieldname, text))
        if found is None:
            found = self.terms[(fieldname, text)] = (array("I"), array("d"), [])
            self.fieldnames.add(fieldname)
        found[0].append(docnum)
        found[1].append(weight)
        found[2].append(value if value is None else self.values.setdefault(value, value))

    def by_term(self) -> Iterator[tuple[str, bytes, array[int], array[float], list[Any]]]:
        """Each term's postings, in Whoosh's order: by field, then term (each term's
        postings were added in document order)."""
        for fieldname, text in sorted(self.terms):
            yield (fieldname, text, *self.terms[(fieldname, text)])

    def cleanup(self) -> None:
        self.terms.clear()


class _Lengths:
    """Each document's field lengths as the segment stores them (one byte, as the codec's
    reader gives them back), kept while they are written instead of read back: for each
    field, a list by document number."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[int]] = {}

    def add(self, docnum: int, fieldname: str, length: int) -> None:
        lengths = self.by_field.setdefault(fieldname, [])
        lengths.extend([0] * (docnum + 1 - len(lengths)))
        lengths[docnum] = byte_to_length(length_to_byte(length))

    def of(self, fieldname: str, docnums: array[int]) -> list[int]:
        """The lengths of these documents' field (0 where it has none)."""
        lengths = self.by_field.get(fieldname, [])
        return [lengths[d] if d < len(lengths) else 0 for d in docnums]


Terms = Iterable[tuple[bytes, int, float, bytes | None]]


class _Terms:
    """The terms of a field's value (as field.index gives them: bytes, frequency, weight,
    value), analysed quickly where the field allows (_quick_analysis), and remembered for
    the values that documents repeat (a need's words, an organisation's name). A field
    whose values hardly repeat (descriptions) is no longer remembered after a trial of
    TRIAL values."""

    TRIAL = 1000

    def __init__(self, field: Any) -> None:
        self.analyse: Callable[[Any], Terms] = _quick_analysis(field) or field.index
        self.known: dict[Any, tuple[tuple[bytes, int, float, bytes | None], ...]] = {}
        self.asked = self.found = 0
        self.remembering = True

    def of(self, value: Any) -> Terms:
        if not self.remembering:
            return self.analyse(value)
        self.asked += 1
        terms = self.known.get(value)
        if terms is not None:
            self.found += 1
            return terms
        terms = self.known[value] = tuple(self.analyse(value))
        if self.asked == self.TRIAL and self.found * 2 < self.asked:
            self.remembering = False
            self.known.clear()
        return terms


def _quick_analysis(field: Any) -> Callable[[Any], Terms] | None:
    """For a field of words counted by frequency and analysed by a regular expression, then
    lower case, then stop words and short words, then stems (Whoosh's StandardAnalyzer and
    StemmingAnalyzer): what field.index gives, term for term, without a Token object passed
    through a chain of generators for each word (half of a rebuild's time). None for any
    other field (field.index then)."""
    analyzer = field.analyzer if type(field.format) is formats.Frequency else None
    if not isinstance(analyzer, CompositeAnalyzer) or type(analyzer) is not CompositeAnalyzer:
        return None
    steps = list(analyzer.items)
    tokenizer = steps.pop(0)
    if type(tokenizer) is not RegexTokenizer or tokenizer.gaps:
        return None
    if not steps or type(steps.pop(0)) is not LowercaseFilter:
        return None
    stop = steps.pop(0) if steps and type(steps[0]) is StopFilter else None
    stemmer = steps.pop(0) if steps and type(steps[0]) is StemFilter else None
    if steps:
        return None
    expression, boost = tokenizer.expression, field.format.field_boost
    stops, shortest = (stop.stops, stop.min) if stop else (frozenset(), 0)
    longest = stop.max if stop else None
    stem, unstemmed = (stemmer._stem, stemmer.ignore) if stemmer else (None, frozenset())
    stems: dict[str, str] = {}

    def analyse(value: Any) -> Terms:
        if not isinstance(value, str):
            return field.index(value)
        counts: dict[str, int] = {}
        for match in expression.finditer(value):
            word = match.group(0).lower()
            if len(word) < shortest or word in stops or (longest and len(word) > longest):
                continue
            if stem is not None and word not in unstemmed:
                stemmed = stems.get(word)
                if stemmed is None:
                    stemmed = stems[word] = stem(word)
                word = stemmed
            counts[word] = counts.get(word, 0) + 1
        return [
            (word.encode("utf-8"), count, float(count) * boost, pack_uint(count))
            for word, count in counts.items()
        ]

    return analyse


def _add_postings(
    postings: Any, docnums: array[int], weights: array[float], values: list[Any], lengths: list[int]
) -> None:
    """What Whoosh's W3PostingsWriter.add_posting does for each posting of a term, a block
    at a time: the same blocks, statistics and bytes, without a call per posting."""
    limit, start, count = postings._blocklimit, 0, len(docnums)
    while start < count:
        if len(postings._ids) >= limit:
            postings._write_block()
        end = min(count, start + limit - len(postings._ids))
        postings._ids.extend(docnums[start:end])
        block_weights = weights[start:end]
        postings._weights.fromlist(block_weights.tolist())
        heaviest = max(block_weights)
        if heaviest > postings._maxweight:
            postings._maxweight = heaviest
        postings._values.extend(v for v in values[start:end] if v)
        given = [n for n in lengths[start:end] if n]
        if given:
            shortest, longest = min(given), max(given)
            if postings._minlength is None or shortest < postings._minlength:
                postings._minlength = shortest
            if longest > postings._maxlength:
                postings._maxlength = longest
        start = end


class SegmentBuilder(SegmentWriter):
    """Writes one new segment of an index, to be listed by a commit of the caller's."""

    def __init__(self, ix: whoosh_index.Index) -> None:
        # Separate files, not one compound file: Whoosh copies each part of a compound
        # file into memory when a searcher opens it (0.3 s at 100,000 services, after
        # every edit); separate files open in a millisecond.
        super().__init__(ix, _lk=False, compound=False)
        self.pool = _Postings()
        self._lengths = _Lengths()
        self._plans: dict[tuple[str, ...], list[tuple[str, Any, _Terms]]] = {}
        self._terms: dict[str, _Terms] = {}
        keep_field = self.perdocwriter.add_field

        def add_field(fieldname: str, fieldobj: Any, value: Any, length: int) -> None:
            if length:
                self._lengths.add(self.docnum, fieldname, length)
            keep_field(fieldname, fieldobj, value, length)

        self.perdocwriter.add_field = add_field

    def add_document(self, **fields: Any) -> None:
        """As Whoosh's SegmentWriter.add_document, for the documents a rebuild writes (no
        boosts, term vectors or separate spelling fields: those go Whoosh's own way), in
        a third less time: the field names sorted and checked once for each set of names,
        the terms of a value that documents repeat analysed once (_Terms), and each
        posting put straight in the pool."""
        names = tuple(fields)
        plan = self._plans.get(names)
        if plan is None:
            plan = self._plans[names] = self._plan(names)
        if not plan:
            super().add_document(**fields)
            return
        self._check_state()
        docnum, perdocwriter, pool = self.docnum, self.perdocwriter, self.pool
        terms_of, values_held, fieldnames = pool.terms, pool.values, pool.fieldnames
        perdocwriter.start_doc(docnum)
        try:
            for name, field, remembered in plan:
                value = fields[name]
                if value is None:
                    continue
                length = 0
                if field.indexed:
                    scorable = field.scorable
                    for text, frequency, weight, posting_value in remembered.of(value):
                        if scorable:
                            length += frequency
                        found = terms_of.get((name, text))
                        if found is None:
                            found = terms_of[(name, text)] = (array("I"), array("d"), [])
                            fieldnames.add(name)
                        found[0].append(docnum)
                        found[1].append(weight * 1.0)  # Whoosh's: times the boost, 1.0
                        found[2].append(
                            posting_value
                            if posting_value is None
                            else values_held.setdefault(posting_value, posting_value)
                        )
                perdocwriter.add_field(name, field, value if field.stored else None, length)
                column = field.column_type
                if column:
                    perdocwriter.add_column_value(name, column, field.to_column_value(value))
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _plan(self, names: tuple[str, ...]) -> list[tuple[str, Any, _Terms]]:
        """Each field of documents with these names, in Whoosh's order, and what remembers
        its values' terms; empty where Whoosh's own add_document must write them."""
        ordered = sorted(names)
        self._check_fields(self.schema, [n for n in ordered if not n.startswith("_")])
        fields = [self.schema[n] for n in ordered if not n.startswith("_")]
        if len(fields) < len(ordered) or any(f.vector or f.separate_spelling() for f in fields):
            return []
        return [
            (name, field, self._terms.get(name) or self._terms.setdefault(name, _Terms(field)))
            for name, field in zip(ordered, fields, strict=True)
        ]

    def _flush_segment(self) -> None:
        """Write the postings, term by term, as Whoosh's FieldWriter.add_postings would
        posting by posting (the same files, byte for byte)."""
        self.perdocwriter.close()
        writer = self.fieldwriter
        current = None
        for fieldname, text, docnums, weights, values in self.pool.by_term():
            if fieldname != current:
                if current is not None:
                    writer.finish_field()
                writer.start_field(fieldname, self.schema[fieldname])
                current = fieldname
            writer.start_term(text)
            lengths = self._lengths.of(fieldname, docnums)
            _add_postings(writer._postwriter, docnums, weights, values, lengths)
            writer.finish_term()
        if current is not None:
            writer.finish_field()
        self.fieldwriter.close()

    def finish(self) -> Segment:
        """Write the segment's files; the segment, for the commit that lists it."""
        segment = self._finalize_segment()
        # Not _finish(): it removes the temporary folder that every writer of the index
        # shares (other processes' among them); the caller's commit removes it at the end.
        self.is_closed = True
        return segment


def write_segments(folder: str, documents: Iterable[Document]) -> tuple[int, list[Segment]]:
    """Write documents into new segments of the index in folder, in this process; how
    many documents, and the segments."""
    ix = whoosh_index.open_dir(folder)
    count, segments = 0, []
    builder: SegmentBuilder | None = None
    for document in documents:
        count += 1
        if builder is None:
            builder = SegmentBuilder(ix)
        builder.add_document(**document)
        if builder.doc_count() >= SEGMENT_DOCUMENTS:
            segments.append(builder.finish())
            builder = None
    if builder is not None:
        segments.append(builder.finish())
    return count, segments


def write(
    folder: str, documents: Iterable[Document], processes: int = 1
) -> tuple[int, list[Segment]]:
    """Write documents into new segments of the index in folder (not yet committed), with
    up to `processes` processes; how many documents, and the segments."""
    batches = _batches(documents)
    first = next(batches, [])
    if processes <= 1 or len(first) < BATCH:  # one batch or fewer: not worth a process
        return write_segments(folder, itertools.chain(first, (d for b in batches for d in b)))
    return _in_processes(folder, itertools.chain([first], batches), processes)


def _batches(documents: Iterable[Document]) -> Iterator[list[Document]]:
    iterator = iter(documents)
    while batch := list(itertools.islice(iterator, BATCH)):
        yield batch


def _in_processes(
    folder: str, batches: Iterable[list[Document]], processes: int
) -> tuple[int, list[Segment]]:
    context = multiprocessing.get_context("forkserver")
    # the server imports this module once; each process forks from it ready to write
    context.set_forkserver_preload([__name__])
    inboxes = [context.Queue(maxsize=2) for _ in range(processes)]
    results = context.Queue()
    workers = [
        context.Process(target=_work, args=(folder, inbox, results), daemon=True)
        for inbox in inboxes
    ]
    for worker in workers:
        worker.start()
    try:
        count = 0
        for n, batch in enumerate(batches):
            count += len(batch)
            _send(inboxes[n % processes], batch, workers, results)
        for inbox in inboxes:
            _send(inbox, None, workers, results)
        segments = [s for _ in workers for s in _receive(results, workers)]
        return count, segments
    finally:
        for inbox in inboxes:
            # what a process that failed never read must not hold this one at its exit
            inbox.cancel_join_thread()
            inbox.close()
        for worker in workers:
            worker.join(timeout=WAIT_S)
            if worker.is_alive():
                worker.terminate()
                worker.join()


def _send(inbox: Any, batch: list[Document] | None, workers: list[Any], results: Any) -> None:
    while True:
        try:
            inbox.put(batch, timeout=WAIT_S)
            return
        except queue.Full:
            _check_alive(workers, results)


def _receive(results: Any, workers: list[Any]) -> list[Segment]:
    while True:
        try:
            outcome, found = results.get(timeout=WAIT_S)
        except queue.Empty:
            _check_alive(workers, results)
            continue
        if outcome != "done":
            raise RuntimeError(f"Writing the search index failed in a process:\n{found}")
        return list(found)


def _check_alive(workers: list[Any], results: Any) -> None:
    failed = [w for w in workers if w.exitcode]  # None while it runs, 0 when it ended well
    if failed:
        try:
            _outcome, why = results.get(timeout=WAIT_S)  # what it said as it failed
        except queue.Empty:
            why = f"it stopped with exit code {failed[0].exitcode}"
        raise RuntimeError(f"Writing the search index failed in a process:\n{why}")


def _work(folder: str, inbox: Any, results: Any) -> None:
    """A writing process: segments of the batches it is sent, until it is sent None."""
    try:
        documents = (d for batch in iter(inbox.get, None) for d in batch)
        results.put(("done", write_segments(folder, documents)[1]))
    except BaseException:
        results.put(("failed", traceback.format_exc()))
        results.close()
        results.join_thread()
        sys.exit(1)  # the caller sees it stopped, also while it waits to send it more
