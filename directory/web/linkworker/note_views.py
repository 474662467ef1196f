"""Professionals' shared notes on a service: link workers and mental health practitioners
write them and see each other's; managers read them. The public, providers and editors never
see them (accounts.permissions decides). Only a note's author changes or deletes it: anyone
else's note is "not found".
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from directory import db
from directory.accounts.permissions import (
    may_see_service_notes,
    may_write_service_notes,
    service_note_writers_required,
    service_notes_required,
)
from directory.models import Service, ServiceNote, id_or_none
from directory.referrals import service_notes
from directory.web.linkworker.views import blueprint

Rendered = tuple[str, int]


def _service_or_404(service_id: uuid.UUID) -> Service:
    found = db.session().get(Service, service_id)
    if found is None:
        abort(404)
    return found


def _own_or_404(note_id: uuid.UUID) -> ServiceNote:
    found = service_notes.own_note(db.session(), current_user, note_id)
    if found is None:
        abort(404)
    return found


def _render(service: Service, form: Mapping[str, Any], problem: str = "") -> str:
    return render_template(
        "linkworker/service_notes.html",
        service=service,
        notes=service_notes.notes_on(db.session(), service.id, current_user),
        may_write=may_write_service_notes(current_user),
        form=form,
        problem=problem,
        max_text=service_notes.MAX_TEXT,
    )


@blueprint.get("/services/<uuid:service_id>/notes")
@service_notes_required
def service_notes_page(service_id: uuid.UUID) -> Rendered:
    """A service's notes from colleagues, newest first, and the form to add one."""
    return _render(_service_or_404(service_id), {}), 200


@blueprint.post("/services/<uuid:service_id>/notes")
@service_note_writers_required
def add_service_note(service_id: uuid.UUID) -> Response | Rendered:
    service = _service_or_404(service_id)
    try:
        service_notes.add(db.session(), current_user, service.id, request.form.get("text"))
    except service_notes.NoteError as error:
        return _render(service, request.form, str(error)), 400
    flash("Your note is saved. Colleagues who match people can see it.", "success")
    return redirect(url_for("linkworker.service_notes_page", service_id=service.id))


@blueprint.get("/notes/<uuid:note_id>/edit")
@service_note_writers_required
def edit_service_note(note_id: uuid.UUID) -> Rendered:
    note = _own_or_404(note_id)
    return render_note_form(note, {"text": note.text, "version": str(note.version)}), 200


def render_note_form(note: ServiceNote, form: Mapping[str, Any], problem: str = "") -> str:
    return render_template(
        "linkworker/service_note_edit.html",
        note=note,
        service=db.session().get(Service, note.service_id),
        form=form,
        problem=problem,
        max_text=service_notes.MAX_TEXT,
    )


@blueprint.post("/notes/<uuid:note_id>/edit")
@service_note_writers_required
def change_service_note(note_id: uuid.UUID) -> Response | Rendered:
    note = _own_or_404(note_id)
    form = request.form
    try:
        service_notes.change(db.session(), note, form.get("text"), form.get("version", ""))
    except service_notes.NoteError as error:
        return render_note_form(note, form, str(error)), 400
    flash("Your note is changed.", "success")
    return redirect(url_for("linkworker.service_notes_page", service_id=note.service_id))


@blueprint.post("/notes/<uuid:note_id>/delete")
@service_note_writers_required
def delete_service_note(note_id: uuid.UUID) -> Response:
    note = _own_or_404(note_id)
    service_id = note.service_id
    service_notes.delete(db.session(), note)
    flash("Your note is deleted.", "success")
    return redirect(url_for("linkworker.service_notes_page", service_id=service_id))


# --- beside a service, for those who may see notes --------------------------------------


@blueprint.app_template_global()
def service_notes_beside(service_id: Any) -> dict[str, Any] | None:
    """A service's notes for the service page and the match results: None for anyone who
    may not see them; else `{"notes": [...], "count": n, "may_write": bool}`."""
    return service_notes_beside_each([service_id]).get(str(service_id))


@blueprint.app_template_global()
def service_notes_beside_each(service_ids: Iterable[Any]) -> dict[str, dict[str, Any]]:
    """service_notes_beside for each of these services (by id as text), read in one query:
    empty for anyone who may not see notes."""
    if not may_see_service_notes(current_user):
        return {}
    keys: dict[str, uuid.UUID] = {}
    for service_id in service_ids:
        key = id_or_none(service_id)
        if key is not None:
            keys[str(service_id)] = key
    notes = service_notes.notes_on_each(db.session(), list(keys.values()), current_user)
    may_write = may_write_service_notes(current_user)
    return {
        text: {
            "service_id": key,
            "notes": notes.get(key, []),
            "count": len(notes.get(key, [])),
            "may_write": may_write,
        }
        for text, key in keys.items()
    }
