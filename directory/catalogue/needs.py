"""The needs vocabulary, from the database (its one source at run time): every need with
its label, synonyms, crisis flag, heading on the matching form and ages, and the phrases
people search with. Search, matching, the matching form and the import read it here.

    known = needs.held(session)      # the app's snapshot, read again after any change
    known.need("loneliness").synonyms

The snapshot is plain frozen data, held per app. Before each use one small query asks the
database for the vocabulary's generation (how many needs and phrases, and when each last
changed); only when it differs is the vocabulary read again, so an edit made by any worker
process (or a seed) is seen by the next search or match everywhere. `flask seed` loads the
vocabulary from seed/ (see seeding.py).
"""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, select

from directory import db
from directory.models import NEEDS_TAXONOMY_ID, SearchPhrase, TaxonomyTerm

EXTENSION = "signpost.needs_vocabulary"
# session.info: the snapshot this transaction has read, with what the app held then
IN_SESSION = "signpost.needs_vocabulary"
WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def normalise(text: str) -> str:
    """Lower case, curly quotes straightened, everything but words and spaces dropped: the
    one form in which what people type is compared with the vocabulary's phrases."""
    text = text.lower().replace("\u2019", "'").replace("-", " ")
    return " ".join(WORD.findall(text))


class Meaning(NamedTuple):
    """What a synonym or phrase means: more words to search for, and the needs it points to."""

    words: tuple[str, ...]
    needs: tuple[str, ...]


def meant_by(text: str, meanings: Mapping[str, Meaning]) -> Meaning:
    """What normalised words mean: every synonym and phrase found in them as whole words
    ("no friends at school": loneliness, young_people, ...), each word and need once."""
    words: dict[str, None] = {}
    needs: dict[str, None] = {}
    for phrase in phrases_in(text, meanings):
        words.update(dict.fromkeys(meanings[phrase].words))
        needs.update(dict.fromkeys(meanings[phrase].needs))
    return Meaning(tuple(words), tuple(needs))


def phrases_in(text: str, meanings: Mapping[str, Meaning]) -> list[str]:
    """The synonyms and phrases found in normalised words as whole words, in the
    vocabulary's order."""
    padded = f" {text} "
    return [phrase for phrase in meanings if f" {phrase} " in padded]


@dataclass(frozen=True)
class Need:
    code: str  # "loneliness"
    label: str  # "Loneliness and isolation"
    description: str
    synonyms: tuple[str, ...]  # words people use for it: "lonely", "no friends"
    crisis: bool  # calls for urgent help to be shown first
    group: str  # the heading the matching form shows it under; "" for none
    group_position: int  # its place among the grouped needs
    min_age: int | None  # the ages a need for a group of people names (young_people 11-25)
    max_age: int | None
    open_eligibility_services: tuple[str, ...]  # the Open Eligibility ids it cross-walks to
    open_eligibility_situations: tuple[str, ...]
    term_id: uuid.UUID  # its taxonomy term, for linking a service to it


@dataclass(frozen=True)
class Phrase:
    """A phrase people search with ("skint"), the words it means and the needs it points to."""

    phrase: str
    means: tuple[str, ...]
    needs: tuple[str, ...]


# eq=False: a snapshot is compared (and hashed) by identity, so that what is built from it
# (the search's lexicon, the matcher's vocabulary) can be kept for as long as it is held.
@dataclass(frozen=True, eq=False)
class NeedsVocabulary:
    needs: tuple[Need, ...]  # in the taxonomy's order
    phrases: tuple[Phrase, ...]  # in the order they were loaded

    def need(self, code: str) -> Need | None:
        return next((n for n in self.needs if n.code == code), None)

    @functools.cached_property
    def meanings(self) -> dict[str, Meaning]:
        """Every need's synonyms and every search phrase, normalised, with what each means
        (a synonym its need; a phrase its words and needs; said by both, all of it): what
        search and the matcher both understand people's words by."""
        found: dict[str, Meaning] = {}
        said: list[tuple[str, tuple[str, ...], tuple[str, ...]]]
        said = [(s, (), (n.code,)) for n in self.needs for s in n.synonyms]
        said += [(p.phrase, p.means, p.needs) for p in self.phrases]
        for text, words, needs in said:
            phrase = normalise(text)
            if not phrase:
                continue
            old = found.get(phrase, Meaning((), ()))
            found[phrase] = Meaning(
                tuple(dict.fromkeys(old.words + tuple(words))),
                tuple(dict.fromkeys(old.needs + tuple(needs))),
            )
        return found

    def meant_by(self, words: str) -> Meaning:
        """What someone's words mean, by the synonyms and phrases found in them."""
        return meant_by(normalise(words), self.meanings)

    @property
    def labels(self) -> dict[str, str]:
        """Need code -> label, in the taxonomy's order."""
        return {n.code: n.label for n in self.needs}

    def groups(self) -> list[tuple[str, list[Need]]]:
        """The matching form's headings, each with its needs, in the form's order."""
        grouped: dict[str, list[Need]] = {}
        for need in sorted((n for n in self.needs if n.group), key=lambda n: n.group_position):
            grouped.setdefault(need.group, []).append(need)
        return list(grouped.items())

    def ungrouped(self) -> list[Need]:
        """Needs under no heading, in the taxonomy's order."""
        return [n for n in self.needs if not n.group]


# What a directory whose database holds no needs yet knows: nothing, and that is no error.
EMPTY = NeedsVocabulary(needs=(), phrases=())


def read(session: Session) -> NeedsVocabulary:
    """The vocabulary as the database holds it now (two queries)."""
    terms = session.exec(
        select(TaxonomyTerm)
        .where(TaxonomyTerm.taxonomy_id == NEEDS_TAXONOMY_ID)
        .order_by(col(TaxonomyTerm.position), col(TaxonomyTerm.code))
    ).all()
    phrases = session.exec(
        select(SearchPhrase).order_by(col(SearchPhrase.position), col(SearchPhrase.phrase))
    ).all()
    return NeedsVocabulary(
        needs=tuple(_need(term) for term in terms),
        phrases=tuple(
            Phrase(phrase=p.phrase, means=tuple(p.means), needs=tuple(p.needs)) for p in phrases
        ),
    )


def _need(term: TaxonomyTerm) -> Need:
    return Need(
        code=term.code,
        label=term.name,
        description=term.description,
        synonyms=tuple(term.synonyms),
        crisis=term.crisis,
        group=term.group_name,
        group_position=term.group_position,
        min_age=term.minimum_age,
        max_age=term.maximum_age,
        open_eligibility_services=tuple(term.open_eligibility_services),
        open_eligibility_situations=tuple(term.open_eligibility_situations),
        term_id=term.id,
    )


def generation(session: Session) -> tuple[Any, ...]:
    """A value that changes whenever the vocabulary does: one query of counts and latest
    change times (a removed row changes a count, an added or edited one a time)."""
    terms = TaxonomyTerm.__table__  # type: ignore[attr-defined]
    phrases = SearchPhrase.__table__  # type: ignore[attr-defined]
    of_needs = terms.c.taxonomy_id == NEEDS_TAXONOMY_ID
    return db.generation(
        session, db.count_and_latest(terms, of_needs) + db.count_and_latest(phrases)
    )


def held(session: Session, app: Flask | None = None) -> NeedsVocabulary:
    """The app's snapshot (the current app's unless given), read again first if the
    vocabulary changed since; with no app at all, read afresh from this session."""
    if app is None and not has_app_context():
        return read(session)
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    holder: db.Held[NeedsVocabulary] = db.Held.of(app, EXTENSION)
    # Asked once per transaction (a search page asks twice: the search, then the page), as
    # long as it writes nothing: a flush, a commit or a rollback asks again.
    transaction = session.get_transaction()
    seen = session.info.get(IN_SESSION)
    # the same transaction, and the same value held (not dropped or read again since)
    if seen is not None and transaction is not None and seen[:2] == (transaction, holder.built):
        vocabulary: NeedsVocabulary = seen[2]
        return vocabulary
    # Read in the caller's thread: a few hundred rows, and a manager who has just changed
    # a need sees the change on the next page.
    vocabulary = holder.get(generation(session), lambda _previous: read(session))
    session.info[IN_SESSION] = (session.get_transaction(), holder.built, vocabulary)
    return vocabulary


@event.listens_for(OrmSession, "after_flush")
def _written(session: OrmSession, *_: Any) -> None:
    session.info.pop(IN_SESSION, None)


def current() -> NeedsVocabulary:
    """The current app's snapshot, through the request's (or command's) session."""
    return held(db.session())


def forget(app: Flask) -> None:
    """Drop the held snapshot: the next use reads the vocabulary again."""
    db.Held.of(app, EXTENSION).forget()
