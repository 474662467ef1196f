"""Changing the needs vocabulary on the managers' page: a need's label, description and
synonyms; the search phrases (added, changed, removed). Search and matching see a change
at once (needs.held reads the vocabulary again when its generation moves).

Each change is checked whole (every problem said at once, nothing changed: VocabularyError),
saved only on the row as the form read it (an UPDATE ... WHERE updated_at = the time the
form was filled, so of two people editing at once the second is refused: EditConflict),
and written to the vocabulary's history (VocabularyChange), which `flask seed` reads to
leave alone what a manager changed. A need's crisis flag, codes and cross-walks are not
changed here: they ship with the code and the seed files.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from directory.catalogue.needs import normalise
from directory.models import (
    NEEDS_TAXONOMY_ID,
    SearchPhrase,
    ServiceTaxonomyTerm,
    TaxonomyTerm,
    User,
    VocabularyChange,
    utcnow,
)

MAX_PHRASE = 60  # a phrase or a synonym: the words people type, not a sentence
MAX_LABEL = 100
MAX_DESCRIPTION = 500
MAX_MEANS = 200
MAX_SYNONYMS = 40
NEED = "need"
PHRASE = "phrase"
_SEPARATORS = re.compile(r"[\s,;]+")


class VocabularyError(ValueError):
    """A change that cannot be saved: a sentence for each field that is wrong."""

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems.values()))


class EditConflict(Exception):
    """Someone else changed (or removed) it since the form was filled."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class NeedWords:
    """What a manager may change about a need."""

    label: str
    description: str
    synonyms: tuple[str, ...]


@dataclass(frozen=True)
class PhraseWords:
    """A search phrase as a manager writes it: the phrase, the words it means, its needs."""

    phrase: str
    means: tuple[str, ...]
    needs: tuple[str, ...]


def stamp(row: TaxonomyTerm | SearchPhrase) -> str:
    """The row's time of last change, as a form carries it to say what it was based on."""
    return row.updated_at.isoformat()


def _based_on(text: str) -> datetime:
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise EditConflict("The form was damaged: open the page again.") from None
    if when.utcoffset() is None:
        raise EditConflict("The form was damaged: open the page again.")
    return when


# --- reading -----------------------------------------------------------------------------


def needs_of(session: Session) -> list[TaxonomyTerm]:
    """The needs, in the taxonomy's order."""
    return list(
        session.exec(
            select(TaxonomyTerm)
            .where(TaxonomyTerm.taxonomy_id == NEEDS_TAXONOMY_ID)
            .order_by(col(TaxonomyTerm.position), col(TaxonomyTerm.code))
        )
    )


def need_by_code(session: Session, code: str) -> TaxonomyTerm | None:
    return session.exec(
        select(TaxonomyTerm).where(
            TaxonomyTerm.taxonomy_id == NEEDS_TAXONOMY_ID, TaxonomyTerm.code == code
        )
    ).first()


def phrases_of(session: Session) -> list[SearchPhrase]:
    """The search phrases, in the order they were loaded (new ones last)."""
    return list(
        session.exec(
            select(SearchPhrase).order_by(col(SearchPhrase.position), col(SearchPhrase.phrase))
        )
    )


def recent_changes(session: Session, limit: int = 20) -> list[VocabularyChange]:
    """The latest changes managers made, newest first."""
    return list(
        session.exec(
            select(VocabularyChange).order_by(col(VocabularyChange.changed_at).desc()).limit(limit)
        )
    )


def changed_by_managers(session: Session) -> tuple[set[str], set[str]]:
    """The need codes and the phrases (normalised, before and after each change) that a
    manager changed, added or removed: `flask seed` leaves them as the managers left them."""
    codes: set[str] = set()
    phrases: set[str] = set()
    for change in session.exec(select(VocabularyChange)):
        if change.kind == NEED:
            codes.add(change.key)
            continue
        if change.kind != PHRASE:  # a taxonomy term's mapping (directory.oruk)
            continue
        for said in (change.key, change.before.get("phrase"), change.after.get("phrase")):
            if isinstance(said, str) and said:
                phrases.add(normalise(said))
    return codes, phrases


# --- checking ----------------------------------------------------------------------------


def words_from(text: str) -> tuple[str, ...]:
    """Synonyms from a text box: one a line (or separated by semicolons), spaces tidied."""
    parts = re.split(r"[\n;]+", text or "")
    return tuple(" ".join(p.split()) for p in parts if p.strip())


def codes_from(text: str) -> tuple[str, ...]:
    """Need codes from a text field, separated by spaces, commas or semicolons."""
    return tuple(dict.fromkeys(c for c in _SEPARATORS.split((text or "").strip().lower()) if c))


def check_need(session: Session, term: TaxonomyTerm, words: NeedWords) -> dict[str, str]:
    """Every problem with a need's new words, by field."""
    problems: dict[str, str] = {}
    label = " ".join(words.label.split())
    if not label:
        problems["label"] = "Enter the need's name, such as “Money worries and debt”."
    elif len(label) > MAX_LABEL:
        problems["label"] = f"Keep the name to {MAX_LABEL} characters or fewer."
    elif any(
        normalise(other.name) == normalise(label)
        for other in needs_of(session)
        if other.id != term.id
    ):
        problems["label"] = f"Another need is already called “{label}”."
    if len(words.description) > MAX_DESCRIPTION:
        problems["description"] = f"Keep the description to {MAX_DESCRIPTION} characters or fewer."
    synonym = _check_words(words.synonyms, "synonym")
    if synonym:
        problems["synonyms"] = synonym
    elif len(words.synonyms) > MAX_SYNONYMS:
        problems["synonyms"] = f"Give at most {MAX_SYNONYMS} synonyms."
    return problems


def _check_words(said: tuple[str, ...], what: str) -> str | None:
    """The first problem with a list of words people type: too long, no words, twice."""
    seen: set[str] = set()
    for words in said:
        if len(words) > MAX_PHRASE:
            return (
                f"Keep each {what} to {MAX_PHRASE} characters or fewer: "
                f"“{words[:30]}…” is {len(words)}."
            )
        if not normalise(words):
            return f"“{words[:30]}” has no words in it: use letters or numbers."
        if normalise(words) in seen:
            return f"“{words}” is listed twice: give each {what} once."
        seen.add(normalise(words))
    return None


def check_phrase(
    session: Session, words: PhraseWords, phrase_id: uuid.UUID | None = None
) -> dict[str, str]:
    """Every problem with a search phrase, by field (phrase_id: the phrase being changed)."""
    problems: dict[str, str] = {}
    phrase = " ".join(words.phrase.split())
    if not phrase or not normalise(phrase):
        problems["phrase"] = "Enter the words people type, such as “skint”."
    elif len(phrase) > MAX_PHRASE:
        problems["phrase"] = (
            f"Keep the phrase to {MAX_PHRASE} characters or fewer: this one is {len(phrase)}."
        )
    else:
        same = next(
            (
                p
                for p in phrases_of(session)
                if normalise(p.phrase) == normalise(phrase) and p.id != phrase_id
            ),
            None,
        )
        if same is not None:
            problems["phrase"] = f"“{same.phrase}” is already a search phrase: change that one."
    if len(" ".join(words.means)) > MAX_MEANS:
        problems["means"] = f"Keep the words it means to {MAX_MEANS} characters or fewer."
    known = {t.code for t in needs_of(session)}
    unknown = [code for code in words.needs if code not in known]
    if unknown:
        problems["needs"] = (
            f"“{unknown[0][:40]}” is not a need: use the codes in the list of needs, "
            "such as money_debt."
        )
    elif not words.needs:
        problems["needs"] = "Give at least one need the phrase points to, such as money_debt."
    return problems


# --- changing ----------------------------------------------------------------------------


def change_need(
    session: Session, user: User, term: TaxonomyTerm, words: NeedWords, based_on: str
) -> list[str]:
    """Save a need's new words, if it is still as the form read it; returns the fields
    changed (none: nothing saved). Raises VocabularyError or EditConflict."""
    problems = check_need(session, term, words)
    if problems:
        raise VocabularyError(problems)
    new = {
        "label": " ".join(words.label.split()),
        "description": words.description.strip(),
        "synonyms": list(words.synonyms),
    }
    old = {"label": term.name, "description": term.description, "synonyms": list(term.synonyms)}
    changed = [name for name in new if new[name] != old[name]]
    if not changed:
        return []
    _update(
        session,
        TaxonomyTerm,
        term.id,
        based_on,
        {"name": new["label"], "description": new["description"], "synonyms": new["synonyms"]},
    )
    _record(session, user, NEED, term.code, "changed", old, new, changed)
    session.commit()
    return changed


def services_meeting(session: Session, term: TaxonomyTerm) -> list[uuid.UUID]:
    """The services linked to a need: their search words include its label and synonyms."""
    return list(
        session.exec(
            select(ServiceTaxonomyTerm.service_id).where(
                ServiceTaxonomyTerm.taxonomy_term_id == term.id
            )
        )
    )


def add_phrase(session: Session, user: User, words: PhraseWords) -> SearchPhrase:
    """Add a search phrase (last in the list). Raises VocabularyError."""
    problems = check_phrase(session, words)
    if problems:
        raise VocabularyError(problems)
    last = session.exec(select(sa.func.max(SearchPhrase.position))).one()
    row = SearchPhrase(
        phrase=" ".join(words.phrase.split()),
        means=list(words.means),
        needs=list(words.needs),
        position=(last or 0) + 1,
    )
    session.add(row)
    new = {"phrase": row.phrase, "means": row.means, "needs": row.needs}
    _record(session, user, PHRASE, row.phrase.lower(), "added", {}, new, list(new))
    session.commit()
    return row


def change_phrase(
    session: Session, user: User, row: SearchPhrase, words: PhraseWords, based_on: str
) -> list[str]:
    """Save a phrase's new words, if it is still as the form read it; returns the fields
    changed. Raises VocabularyError or EditConflict."""
    problems = check_phrase(session, words, row.id)
    if problems:
        raise VocabularyError(problems)
    new: dict[str, Any] = {
        "phrase": " ".join(words.phrase.split()),
        "means": list(words.means),
        "needs": list(words.needs),
    }
    old: dict[str, Any] = {"phrase": row.phrase, "means": list(row.means), "needs": list(row.needs)}
    changed = [name for name in new if new[name] != old[name]]
    if not changed:
        return []
    key = row.phrase.lower()
    _update(session, SearchPhrase, row.id, based_on, new)
    _record(session, user, PHRASE, key, "changed", old, new, changed)
    session.commit()
    return changed


def remove_phrase(session: Session, user: User, row: SearchPhrase, based_on: str) -> None:
    """Remove a phrase, if it is still as the page showed it. Raises EditConflict."""
    key = row.phrase.lower()
    old: dict[str, Any] = {"phrase": row.phrase, "means": list(row.means), "needs": list(row.needs)}
    result = session.execute(
        sa.delete(SearchPhrase).where(
            col(SearchPhrase.id) == row.id, col(SearchPhrase.updated_at) == _based_on(based_on)
        )
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise EditConflict(_conflict_message(session, PHRASE, key))
    _record(session, user, PHRASE, key, "removed", old, {}, list(old))
    session.commit()


def _update(
    session: Session,
    model: type[TaxonomyTerm] | type[SearchPhrase],
    row_id: uuid.UUID,
    based_on: str,
    values: dict[str, Any],
) -> None:
    """Write values only if the row is unchanged since based_on, even when two saves race."""
    table: Any = model
    result = session.execute(
        sa.update(table)
        .where(table.id == row_id, table.updated_at == _based_on(based_on))
        .values(**values, updated_at=utcnow())
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        kind, key = _kind_and_key(session, model, row_id)
        raise EditConflict(_conflict_message(session, kind, key))
    session.expire_all()


def _kind_and_key(
    session: Session, model: type[TaxonomyTerm] | type[SearchPhrase], row_id: uuid.UUID
) -> tuple[str, str]:
    if model is TaxonomyTerm:
        term = session.get(TaxonomyTerm, row_id)
        return NEED, term.code if term else ""
    phrase = session.get(SearchPhrase, row_id)
    return PHRASE, phrase.phrase.lower() if phrase else ""


def _conflict_message(session: Session, kind: str, key: str) -> str:
    """Who changed it since, and when, in a sentence that says nothing was saved."""
    last = session.exec(
        select(VocabularyChange)
        .where(VocabularyChange.kind == kind, VocabularyChange.key == key)
        .order_by(col(VocabularyChange.changed_at).desc())
    ).first()
    who = f" ({last.actor}, {last.changed_at:%d %b %Y %H:%M})" if last else ""
    what = "need" if kind == NEED else "phrase"
    return (
        f"Someone else changed this {what} while you were editing{who}, so nothing was saved. "
        "Its words now are shown below and yours are still in the form: save again to keep yours."
    )


def _record(
    session: Session,
    user: User,
    kind: str,
    key: str,
    action: str,
    before: dict[str, Any],
    after: dict[str, Any],
    changed: list[str],
) -> None:
    """One entry in the vocabulary's history (the caller commits)."""
    session.add(
        VocabularyChange(
            user_id=user.id,
            actor=user.email,
            kind=kind,
            key=key,
            action=action,
            before={n: before[n] for n in changed if n in before},
            after={n: after[n] for n in changed if n in after},
        )
    )
