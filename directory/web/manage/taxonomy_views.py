"""A manager's page for the terms of other directories' taxonomies seen in imports: what each
means in our needs (directory.oruk.taxonomy_mapping does the work)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from directory import db, search
from directory.accounts.permissions import Action, require_permission
from directory.catalogue import needs as known_needs
from directory.oruk import needs_map, taxonomy_mapping
from directory.web.manage.forms import TermMappingForm
from directory.web.manage.views import blueprint


def _page(focus: str, error: str = "", status: int = 200) -> tuple[str, int]:
    session = db.session()
    terms = taxonomy_mapping.seen_terms(session)
    if focus:
        terms = [t for t in terms if t.term.name.lower() == focus.lower()]
        status = 404 if not terms and status == 200 else status
    return render_template(
        "manage/taxonomy.html",
        terms=terms,
        waiting=[t for t in terms if not t.mapped],
        decided=[t for t in terms if t.mapped],
        focus=focus,
        needs=known_needs.held(session).needs,
        kinds=needs_map,
        form=TermMappingForm(formdata=None),
        error=error,
    ), status


@blueprint.get("/manage/taxonomy")
@require_permission(Action.MANAGE_CATALOGUE)
def taxonomy() -> tuple[str, int]:
    asked = request.args.get("term", "").strip()
    if len(asked) > taxonomy_mapping.ECHOED:
        return _page(
            taxonomy_mapping.echoed(asked),
            f"No term is that long: terms have at most {taxonomy_mapping.ECHOED} characters, "
            f"and this one has {len(asked):,}.",
            404,
        )
    return _page(asked)


@blueprint.post("/manage/taxonomy")
@require_permission(Action.MANAGE_CATALOGUE)
def map_term() -> Response | tuple[str, int]:
    form = TermMappingForm()
    if not form.validate_on_submit():
        abort(400, description="The form was open too long: go back and try again.")
    term = form.term()
    try:
        chosen = form.choice()
        session = db.session()
        changed = taxonomy_mapping.choose(session, current_user._get_current_object(), term, chosen)
    except ValueError as error:  # nothing chosen, or taxonomy_mapping.MappingError
        return _page(taxonomy_mapping.echoed(term.name), str(error), 400)
    search.refresh(session, search.index(), changed)
    need = known_needs.held(session).need(chosen) if chosen else None
    meaning = f"means {need.label}" if need else "is not a need"
    listings = f"{len(changed)} listing{'s' if len(changed) != 1 else ''}"
    flash(f"Saved: “{term.shown}” {meaning}. {listings} changed.")
    return redirect(url_for("manage.taxonomy", term=term.name))
