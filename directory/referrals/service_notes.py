"""Shared learning between professionals: notes on a service that link workers and mental
health practitioners see each other write (what worked, waiting times, how to get a
response), and managers read. Never shown to the public, providers or editors
(accounts.permissions decides who).

A note is about the service, never a person: words that look like an NHS number, a full
postcode or an email address are refused, and the form says to leave people out. The
author is shown by role and first name; only the author changes or deletes a note.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from directory.accounts import users
from directory.models import Role, ServiceNote, User, id_or_none, utcnow
from directory.referrals import cases

MAX_TEXT = 1000


class NoteError(ValueError):
    """A note that cannot be saved: `str(error)` says what to fix; nothing changed."""


@dataclass(frozen=True)
class NoteShown:
    note: ServiceNote
    author: str  # "Mental health practitioner (Sam)"
    mine: bool
    edited: bool

    @property
    def written(self) -> datetime:
        return self.note.created_at


def _checked(text: Any) -> str:
    words = str(text or "").strip()
    if not words:
        raise NoteError("Write the note: what worked, waiting times, how to get a response.")
    if len(words) > MAX_TEXT:
        raise NoteError(f"Keep the note to {MAX_TEXT:,} characters or fewer ({len(words):,} now).")
    found = cases.identifying(words)
    if found:
        raise NoteError(
            f"The note {found}. Notes are about the service: leave out people's names and details."
        )
    return words


def author_words(role: str, user: User | None) -> str:
    """The author as a note shows them: their role, and their first name if they gave one."""
    words = users.ROLE_WORDS.get(role, "Colleague")
    first = (user.display_name.split() or [""])[0] if user is not None else ""
    return f"{words} ({first})" if first else words


def notes_on(session: Session, service_id: uuid.UUID, reader: User) -> list[NoteShown]:
    """A service's notes, newest first, each with its author in words."""
    return notes_on_each(session, [service_id], reader).get(service_id, [])


def notes_on_each(
    session: Session, service_ids: Sequence[uuid.UUID], reader: User
) -> dict[uuid.UUID, list[NoteShown]]:
    """The notes of each of these services (those with none left out), newest first, in
    one query: a page of match results asks for all of its services' at once."""
    if not service_ids:
        return {}
    statement = (
        select(ServiceNote, User)
        .join(User, col(User.id) == ServiceNote.author_id, isouter=True)
        .where(col(ServiceNote.service_id).in_(list(service_ids)))
        .order_by(col(ServiceNote.created_at).desc(), col(ServiceNote.id))
    )
    found: dict[uuid.UUID, list[NoteShown]] = {}
    for note, author in session.exec(statement).all():
        found.setdefault(note.service_id, []).append(
            NoteShown(
                note=note,
                author=author_words(note.author_role, author),
                mine=note.author_id is not None and note.author_id == reader.id,
                edited=note.version > 1,
            )
        )
    return found


def add(session: Session, author: User, service_id: uuid.UUID, text: Any) -> ServiceNote:
    """Write a note on a service; NoteError for bad words."""
    note = ServiceNote(
        service_id=service_id,
        author_id=author.id,
        author_role=Role(author.role).value,
        text=_checked(text),
    )
    session.add(note)
    session.commit()
    return note


def own_note(session: Session, author: User, note_id: Any) -> ServiceNote | None:
    """The note if this user wrote it; None for another's or an unknown id."""
    key = id_or_none(note_id)
    found = None if key is None else session.get(ServiceNote, key)
    return found if found is not None and found.author_id == author.id else None


def change(session: Session, note: ServiceNote, text: Any, version: Any) -> ServiceNote:
    """New words for one's own note, over the copy read (`version`); NoteError if the words
    are bad or the note changed meanwhile."""
    words = _checked(text)
    try:
        seen = int(str(version))
    except ValueError:
        raise NoteError("Open the note again, then make your change.") from None
    result = session.exec(
        sa.update(ServiceNote)
        .where(col(ServiceNote.id) == note.id, col(ServiceNote.version) == seen)
        .values(text=words, version=seen + 1, updated_at=utcnow())
    )
    if result.rowcount != 1:
        session.rollback()
        raise NoteError("The note changed since you opened it: nothing was saved. Try again.")
    session.commit()
    session.refresh(note)
    return note


def delete(session: Session, note: ServiceNote) -> None:
    session.delete(note)
    session.commit()
