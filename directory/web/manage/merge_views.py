"""Managers' pages for likely duplicates and merging one service into another."""

from __future__ import annotations

import uuid

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlmodel import col, select
from werkzeug.wrappers import Response

from directory import db
from directory.accounts.permissions import Action, require_permission
from directory.listings import duplicates, merging
from directory.models import Service
from directory.web.forms import EmptyForm
from directory.web.manage.views import blueprint


@blueprint.get("/manage/duplicates", endpoint="duplicates")
@require_permission(Action.MODERATE)
def duplicates_page() -> str:
    """Pairs of services in use that look like one, each with a way to merge them."""
    session = db.session()
    pairs = duplicates.likely_duplicates(session)
    ids = {p.first_id for p in pairs} | {p.second_id for p in pairs}
    services = {s.id: s for s in session.exec(select(Service).where(col(Service.id).in_(ids)))}
    return render_template("manage/duplicates.html", pairs=pairs, services=services)


@blueprint.route(
    "/manage/services/<uuid:keep_id>/merge/<uuid:duplicate_id>", methods=["GET", "POST"]
)
@require_permission(Action.MODERATE)
def merge_services(keep_id: uuid.UUID, duplicate_id: uuid.UUID) -> Response | tuple[str, int]:
    """Both listings side by side and what will move; posting the form merges them."""
    session = db.session()
    keep, duplicate = session.get(Service, keep_id), session.get(Service, duplicate_id)
    if keep is None or duplicate is None:
        abort(404)
    form = EmptyForm()
    refused = merging.refusal(session, keep, duplicate)
    status = 200
    if form.is_submitted():
        if not form.validate():
            abort(400, description="The form was open too long: go back and try again.")
        if refused is None:
            names = (duplicate.name, keep.name)
            try:
                merged = merging.merge_services(
                    session,
                    current_user._get_current_object(),
                    keep,
                    duplicate,
                    _wanted(),
                    versions=_versions(),
                )
            except merging.MergeRefused as error:
                refused = str(error)
            else:
                flash(f"Merged “{names[0]}” into “{names[1]}”: moved {merged.in_words()}.")
                return redirect(url_for("manage.service_history", service_id=keep_id))
        status = 400
        keep, duplicate = session.get(Service, keep_id), session.get(Service, duplicate_id)
    # After a refused merge the two are read again, and what would move is not shown.
    moves = (
        merging.what_moves(session, keep, duplicate)
        if not refused and keep is not None and duplicate is not None
        else None
    )
    return render_template(
        "manage/merge.html",
        keep=keep,
        duplicate=duplicate,
        choices=merging.choices(keep, duplicate) if moves and keep and duplicate else [],
        moves=moves,
        refused=refused,
        form=form,
    ), status


def _wanted() -> dict[str, str]:
    """The manager's choice for each detail the two listings give differently."""
    return {
        name.removeprefix("choose-"): value
        for name, value in request.form.items()
        if name.startswith("choose-")
    }


def _versions() -> tuple[int, int]:
    """The versions of the two listings the page showed (MergeRefused if missing)."""
    try:
        return int(request.form["keep_version"]), int(request.form["duplicate_version"])
    except (KeyError, ValueError):
        raise merging.MergeRefused(
            "The form did not say which versions of the listings you looked at: "
            "nothing was merged. Look again."
        ) from None
