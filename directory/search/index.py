"""The Whoosh index on disk: its schema, full rebuilds, incremental updates and drift checks.

Layout under the index folder:
    current -> build-<id>   a symlink to the live index, swapped atomically on rebuild
    build-<id>/             Whoosh files
    signpost.lock           one writer at a time across processes (rebuild or update)
    applied-change          "<build> <seq>": the catalogue change log's entry the build has
                            caught up to (see following.py), written under the lock

Readers open the index through `current`; a reader that opened an old build
keeps reading it until it asks for a fresh searcher, so nobody sees a half-built
index. Whoosh's own write lock also guards each build folder.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import threading
import uuid
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.analysis import StandardAnalyzer, StemmingAnalyzer
from whoosh.fields import BOOLEAN, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.searching import Searcher

from directory.search import building
from directory.search.documents import ServiceFacts, document

CURRENT = "current"
LOCK = "signpost.lock"
APPLIED = "applied-change"
WRITE_TIMEOUT_S = 30.0

# Field boosts: a word in the name counts most, then the needs a service meets and
# its keywords, then the organisation, then the description.
BOOSTS = {
    "name": 4.0,
    "need_words": 2.5,
    "keywords": 2.0,
    "organisation": 1.5,
    "description": 1.0,
}
NEED_BOOST = 3.0


def _words(boost: float) -> TEXT:
    """A field of stemmed words, each with how often it is said (not where)."""
    return TEXT(analyzer=StemmingAnalyzer(), field_boost=boost, phrase=False)


# Words without their positions (phrase=False): search never asks for a phrase, and
# positions made a rebuild a sixth slower and the index larger.
SCHEMA = Schema(
    id=ID(stored=True, unique=True),
    name=_words(BOOSTS["name"]),
    need_words=_words(BOOSTS["need_words"]),
    keywords=_words(BOOSTS["keywords"]),
    organisation=_words(BOOSTS["organisation"]),
    description=_words(BOOSTS["description"]),
    # Unstemmed words of the listing: the vocabulary that typos are corrected against.
    spelling=TEXT(analyzer=StandardAnalyzer(stoplist=None, minsize=2), phrase=False),
    needs=KEYWORD(commas=True, lowercase=True, scorable=True, field_boost=NEED_BOOST),
    modes=KEYWORD(commas=True),
    languages=KEYWORD(commas=True),
    access=KEYWORD(commas=True),
    days=KEYWORD(commas=True),
    local=BOOLEAN(stored=True),
    free=BOOLEAN,
    self_referral=BOOLEAN,
    evening=BOOLEAN,
    weekend=BOOLEAN,
    min_age=NUMERIC(int),
    max_age=NUMERIC(int),
    sites=STORED,
    # [[days, opens, closes, valid_from, valid_to], ...] and [[starts, ends], ...] of its
    # closures (ISO dates): open now, read into arrays (see arrays.py)
    sessions=STORED,
    closures=STORED,
    # ISO date it was last checked, or None: stale listings rank a little lower
    last_verified=STORED,
    # who it serves: [[kind, codes, miles], ...], read into arrays (see arrays.py)
    areas=STORED,
    stamp=STORED,
)


class IndexMissing(FileNotFoundError):
    """No index has been built in this folder yet."""


@dataclass(frozen=True)
class Drift:
    """How the index differs from the database."""

    missing: set[str]  # in the database, not in the index
    extra: set[str]  # in the index, not (or no longer) searchable in the database
    stale: set[str]  # in both, but the index holds an older version
    database_count: int
    index_count: int

    @property
    def clean(self) -> bool:
        return not (self.missing or self.extra or self.stale)


class SearchIndex:
    """One index folder; safe to share between threads and between processes."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self._opened: tuple[str, whoosh_index.Index] | None = None
        # The searcher kept between searches (none or one), with the build it reads. Its
        # segment files stay open until it is replaced, or the index object goes.
        self._held: list[tuple[str, Searcher]] = []
        self._lock = threading.Lock()
        # The write lock is re-entrant within a process: a catch-up that finds it must
        # rebuild does so without letting go (see _exclusive).
        self._writing = threading.RLock()
        self._write_depth = 0
        weakref.finalize(self, _close_all, self._held)

    # --- reading -------------------------------------------------------------

    def exists(self) -> bool:
        return (self.folder / CURRENT).exists()

    def open(self) -> whoosh_index.Index:
        """The live index, reopened when a rebuild has swapped in a new one."""
        target = os.readlink(self.folder / CURRENT) if self.exists() else None
        if target is None:
            raise IndexMissing(
                f"There is no search index at {self.folder}: run `flask --app wsgi reindex`."
            )
        with self._lock:
            if self._opened is None or self._opened[0] != target:
                self._opened = (target, whoosh_index.open_dir(str(self.folder / target)))
                _close_all(self._held)
            return self._opened[1]

    @contextlib.contextmanager
    def searcher(self) -> Iterator[Searcher]:
        """An up-to-date searcher; sees every committed change and every rebuild."""
        ix = self.open()
        target = self._opened[0] if self._opened else ""
        with self._lock:
            cached = self._held.pop() if self._held else None
        if cached is not None and cached[0] == target and cached[1].up_to_date():
            searcher = cached[1]
        else:
            # Not Searcher.refresh(): it reuses segment readers whose deletions have
            # since changed, so a replaced or removed listing would still be found.
            if cached is not None:
                cached[1].close()
            searcher = ix.searcher()
        try:
            yield searcher
        finally:
            with self._lock:
                if self._held:
                    searcher.close()
                else:
                    self._held.append((target, searcher))

    def close(self) -> None:
        """Close the cached searcher (tests, and processes that are shutting down)."""
        with self._lock:
            _close_all(self._held)
            self._opened = None

    def outdated(self) -> bool:
        """Whether the live index has other fields than SCHEMA, or fields that keep other
        things (built by an older release): an edit cannot be written to it, and its
        searches miss what the new fields say."""
        return _shape(self.open().schema) != _shape(SCHEMA)

    def live_build(self) -> str:
        """The folder name of the build being read."""
        return self._opened[0] if self._opened else ""

    def count(self) -> int:
        """How many services the index holds (none before it is built)."""
        if not self.exists():
            return 0
        with self.searcher() as searcher:
            return int(searcher.doc_count())

    def ids(self) -> dict[str, str]:
        """Every service id in the index, with the stamp of the version it holds."""
        with self.searcher() as searcher:
            return {f["id"]: f.get("stamp", "") for f in searcher.all_stored_fields()}

    # --- writing -------------------------------------------------------------

    def exclusive(self) -> contextlib.AbstractContextManager[None]:
        """Hold the index's write lock (against every other process and thread) for a block:
        what is read, written and recorded inside it is one step for every writer."""
        return self._exclusive()

    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[None]:
        with self._writing:
            if self._write_depth:  # this thread holds it already
                self._write_depth += 1
                try:
                    yield
                finally:
                    self._write_depth -= 1
                return
            self.folder.mkdir(parents=True, exist_ok=True)
            with open(self.folder / LOCK, "a+b") as lock_file:
                fcntl.flock(lock_file, fcntl.LOCK_EX)
                self._write_depth = 1
                try:
                    yield
                finally:
                    self._write_depth = 0
                    fcntl.flock(lock_file, fcntl.LOCK_UN)

    def applied_change(self) -> int | None:
        """The change log entry the live build has caught up to; None if nobody recorded
        one for this build (built by an older release, or from facts outside the database)."""
        try:
            build, seq = (self.folder / APPLIED).read_text().split()
            live = os.readlink(self.folder / CURRENT)
        except (OSError, ValueError):
            return None
        return int(seq) if build == live else None

    def record_applied_change(self, seq: int) -> None:
        """Say the live build holds every change up to entry seq (call under `exclusive`)."""
        live = os.readlink(self.folder / CURRENT)
        temporary = self.folder / f"{APPLIED}.{uuid.uuid4().hex[:8]}"
        temporary.write_text(f"{live} {seq}\n")
        os.replace(temporary, self.folder / APPLIED)

    def rebuild(self, services: Iterable[ServiceFacts], processes: int = 1) -> int:
        """Build a new index from scratch beside the live one, then swap it in. With
        processes > 1, that many processes each write segments of their share of the
        documents (while this one reads the next from the database), once there are more
        than one batch of them."""
        with self._exclusive():
            build = self.folder / f"build-{uuid.uuid4().hex[:12]}"
            build.mkdir()
            try:
                ix = whoosh_index.create_in(str(build), SCHEMA)
                documents = (document(facts) for facts in services)
                count, segments = building.write(str(build), documents, processes)
                # One commit lists every segment written: readers see all of them or none.
                writer = ix.writer()
                writer.commit(mergetype=lambda _writer, _none: segments)
            except BaseException:
                shutil.rmtree(build, ignore_errors=True)
                raise
            self._swap_to(build.name)
        return count

    def _swap_to(self, build: str) -> None:
        link = self.folder / CURRENT
        temporary = self.folder / f"{CURRENT}.{uuid.uuid4().hex[:8]}"
        os.symlink(build, temporary)
        os.replace(temporary, link)  # atomic on POSIX
        for old in self.folder.glob("build-*"):
            if old.name != build:
                shutil.rmtree(old, ignore_errors=True)

    def update(self, changed: Iterable[ServiceFacts] = (), removed: Iterable[str] = ()) -> None:
        """Add or replace the changed services and drop the removed ids, in one commit."""
        changed, removed = list(changed), list(removed)
        if not changed and not removed:
            return
        with self._exclusive():
            ix = self.open()
            writer = ix.writer(timeout=WRITE_TIMEOUT_S, compound=False)
            try:
                for service_id in removed:
                    writer.delete_by_term("id", str(service_id))
                for facts in changed:
                    writer.update_document(**document(facts))
                writer.commit()
            except BaseException:
                writer.cancel()
                raise


def _shape(schema: Schema) -> dict[str, str]:
    """Each field, and the kind of postings it keeps (with positions or without)."""
    return {name: type(schema[name].format).__name__ for name in schema.names()}


def _close_all(held: list[tuple[str, Searcher]]) -> None:
    while held:
        held.pop()[1].close()


def compare(index: SearchIndex, database: dict[str, str]) -> Drift:
    """Compare the index with what the database says is searchable (id -> stamp)."""
    indexed = index.ids()
    both = indexed.keys() & database.keys()
    return Drift(
        missing=set(database) - set(indexed),
        extra=set(indexed) - set(database),
        stale={i for i in both if indexed[i] != database[i]},
        database_count=len(database),
        index_count=len(indexed),
    )
