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
from collections.abc import Iterable, Iterator
from typing import Any

from whoosh import index as whoosh_index
from whoosh.codec.base import Segment
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
            found = self.terms[(fieldname, text)] = (array("i"), array("d"), [])
            self.fieldnames.add(fieldname)
        found[0].append(docnum)
        found[1].append(weight)
        found[2].append(value if value is None else self.values.setdefault(value, value))

    def iter_postings(self) -> Iterator[tuple[str, bytes, int, float, bytes | None]]:
        """In Whoosh's order: by field, term, then document (each term's postings were
        added in document order)."""
        for fieldname, text in sorted(self.terms):
            docnums, weights, values = self.terms[(fieldname, text)]
            for posting in zip(docnums, weights, values, strict=True):
                yield (fieldname, text, *posting)

    def cleanup(self) -> None:
        self.terms.clear()


class _Lengths:
    """Each document's field lengths as the segment stores them (one byte, as the codec's
    reader gives them back), kept while they are written instead of read back."""

    def __init__(self) -> None:
        self.lengths: dict[tuple[int, str], int] = {}

    def add(self, docnum: int, fieldname: str, length: int) -> None:
        self.lengths[(docnum, fieldname)] = byte_to_length(length_to_byte(length))

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        return self.lengths.get((docnum, fieldname), default)


class SegmentBuilder(SegmentWriter):
    """Writes one new segment of an index, to be listed by a commit of the caller's."""

    def __init__(self, ix: whoosh_index.Index) -> None:
        # Separate files, not one compound file: Whoosh copies each part of a compound
        # file into memory when a searcher opens it (0.3 s at 100,000 services, after
        # every edit); separate files open in a millisecond.
        super().__init__(ix, _lk=False, compound=False)
        self.pool = _Postings()
        self._lengths = _Lengths()
        keep_field = self.perdocwriter.add_field

        def add_field(fieldname: str, fieldobj: Any, value: Any, length: int) -> None:
            if length:
                self._lengths.add(self.docnum, fieldname, length)
            keep_field(fieldname, fieldobj, value, length)

        self.perdocwriter.add_field = add_field

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        self.fieldwriter.add_postings(self.schema, self._lengths, self.pool.iter_postings())
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
