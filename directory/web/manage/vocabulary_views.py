"""A manager's page for the needs vocabulary: each need's name, description and synonyms,
and the search phrases (slang, misspellings: the needs they point to). Search and matching
read the change at once; the work is in directory.catalogue.needs_editing."""

from __future__ import annotations

import uuid

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from directory import db, search
from directory.accounts.permissions import Action, require_permission
from directory.catalogue import needs_editing
from directory.models import SearchPhrase, User
from directory.web.manage.forms import NeedWordsForm, PhraseForm
from directory.web.manage.views import blueprint

Page = Response | tuple[str, int]


def _me() -> User:
    return current_user._get_current_object()


def _back() -> Response:
    return redirect(url_for("manage.vocabulary"))


@blueprint.get("/manage/vocabulary")
@require_permission(Action.MANAGE_CATALOGUE)
def vocabulary() -> str:
    session = db.session()
    return render_template(
        "manage/vocabulary.html",
        needs=needs_editing.needs_of(session),
        phrases=needs_editing.phrases_of(session),
        changes=needs_editing.recent_changes(session),
    )


@blueprint.route("/manage/vocabulary/needs/<code>", methods=["GET", "POST"])
@require_permission(Action.MANAGE_CATALOGUE)
def vocabulary_need(code: str) -> Page:
    session = db.session()
    term = needs_editing.need_by_code(session, code) or abort(404)
    form = NeedWordsForm(
        data={
            "based_on": needs_editing.stamp(term),
            "label": term.name,
            "description": term.description,
            "synonyms": "\n".join(term.synonyms),
        }
    )
    conflict = ""
    if form.validate_on_submit():
        try:
            changed = needs_editing.change_need(
                session, _me(), term, form.words(), form.based_on.data
            )
        except needs_editing.VocabularyError as error:
            form.problems(error.problems)
        except needs_editing.EditConflict as error:
            conflict = error.message
            term = needs_editing.need_by_code(session, code) or abort(404)
            form.based_on.data = needs_editing.stamp(term)  # saving again keeps theirs out
        else:
            # Listings are found by their needs' names and synonyms: bring them up to date.
            search.refresh(session, search.index(), needs_editing.services_meeting(session, term))
            flash(f"Saved: {term.name}." if changed else "Nothing was changed.")
            return _back()
    status = 409 if conflict else 400 if form.errors else 200
    return render_template(
        "manage/vocabulary_need.html", form=form, need=term, conflict=conflict
    ), status


@blueprint.route("/manage/vocabulary/phrases/new", methods=["GET", "POST"])
@require_permission(Action.MANAGE_CATALOGUE)
def new_phrase() -> Page:
    session = db.session()
    form = PhraseForm()
    if form.validate_on_submit():
        try:
            row = needs_editing.add_phrase(session, _me(), form.words())
        except needs_editing.VocabularyError as error:
            form.problems(error.problems)
        else:
            flash(f"Added the search phrase “{row.phrase}”.")
            return _back()
    return _phrase_page(form, None, "", 400 if form.errors else 200)


@blueprint.route("/manage/vocabulary/phrases/<uuid:phrase_id>", methods=["GET", "POST"])
@require_permission(Action.MANAGE_CATALOGUE)
def vocabulary_phrase(phrase_id: uuid.UUID) -> Page:
    session = db.session()
    row = session.get(SearchPhrase, phrase_id)
    if row is None:
        flash("That search phrase is no longer there: someone may have removed it.")
        return _back()
    form = PhraseForm(
        data={
            "based_on": needs_editing.stamp(row),
            "phrase": row.phrase,
            "means": " ".join(row.means),
            "needs": " ".join(row.needs),
        }
    )
    conflict = ""
    if form.validate_on_submit():
        try:
            changed = needs_editing.change_phrase(
                session, _me(), row, form.words(), form.based_on.data or ""
            )
        except needs_editing.VocabularyError as error:
            form.problems(error.problems)
        except needs_editing.EditConflict as error:
            conflict = error.message
            now = session.get(SearchPhrase, phrase_id)
            if now is None:
                flash("That search phrase was removed by someone else while you were editing.")
                return _back()
            row = now
            form.based_on.data = needs_editing.stamp(row)
        else:
            flash(
                f"Saved the search phrase “{form.phrase.data}”."
                if changed
                else "Nothing was changed."
            )
            return _back()
    status = 409 if conflict else 400 if form.errors else 200
    return _phrase_page(form, row, conflict, status)


@blueprint.post("/manage/vocabulary/phrases/<uuid:phrase_id>/remove")
@require_permission(Action.MANAGE_CATALOGUE)
def remove_phrase(phrase_id: uuid.UUID) -> Page:
    session = db.session()
    row = session.get(SearchPhrase, phrase_id)
    form = PhraseForm()
    if row is None:
        flash("That search phrase is no longer there: someone may have removed it.")
        return _back()
    if not form.validate_on_submit():
        abort(400, description="The form was open too long: go back and try again.")
    try:
        needs_editing.remove_phrase(session, _me(), row, form.based_on.data or "")
    except needs_editing.EditConflict as error:
        row = session.get(SearchPhrase, phrase_id)
        if row is None:
            flash("That search phrase was removed by someone else.")
            return _back()
        edit = PhraseForm(
            formdata=None,
            data={
                "based_on": needs_editing.stamp(row),
                "phrase": row.phrase,
                "means": " ".join(row.means),
                "needs": " ".join(row.needs),
            },
        )
        return _phrase_page(edit, row, error.message, 409)
    flash(f"Removed the search phrase “{row.phrase}”.")
    return _back()


def _phrase_page(form: PhraseForm, row: SearchPhrase | None, conflict: str, status: int) -> Page:
    known = needs_editing.needs_of(db.session())
    return render_template(
        "manage/vocabulary_phrase.html", form=form, phrase=row, conflict=conflict, needs=known
    ), status
