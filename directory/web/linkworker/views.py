"""Thin views for link workers: read the form, call the matcher or a service function, render.

The matching form is posted, not sent in the address: a person's age, postcode and what
matters to them stay out of browser history and server logs.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

import matcher
from directory import db
from directory.accounts.permissions import (
    feedback_required,
    link_worker_required,
    may_see_feedback,
)
from directory.catalogue import needs
from directory.matching import facts, match_request, suggestions
from directory.models.cases import Case
from directory.referrals import cases, feedback, shortlists
from directory.web.linkworker import matching_form

blueprint = Blueprint("linkworker", __name__, url_prefix="/link-worker")

Rendered = tuple[str, int]


@blueprint.get("/")
@link_worker_required
def home() -> Response:
    return redirect(url_for("linkworker.cases"))


@blueprint.get("/match")
@link_worker_required
def match() -> Rendered:
    """The matching form, empty or filled in from a persona preset."""
    persona = matching_form.persona(request.args.get("persona", ""))
    form = persona.as_form() if persona else MultiDict()
    return render_match(form, persona=persona), 200


@blueprint.post("/match")
@link_worker_required
def match_results() -> Rendered:
    """The suggestions and the services excluded, or the form again with what to fix."""
    session = db.session()
    case = case_of_form(request.form)
    try:
        # the team the person is already known to comes first in more support
        known = case.known_team_service_id if case is not None else None
        wanted = match_request.read_form(request.form, known_team=known)
    except match_request.MatchRequestError as error:
        return render_match(request.form, problems=error.problems, case=case), 400
    result = match_request.run(session, wanted)
    shown = [uuid.UUID(s.service_id) for s in result.suggestions]
    flagged = {
        str(key): found.flagged
        for key, found in feedback.counts_by_service(session, shown).items()
        if found.flagged
    }
    imported = suggestions.imported_unchecked(session, shown)
    return render_match(
        request.form, result=result, flagged=flagged, imported=imported, case=case
    ), 200


def case_of_form(form: Mapping[str, str]) -> Case | None:
    """The case a match was started from (the form's case_id), if any: the owner's only."""
    given = form.get("case_id") or ""
    if not given:
        return None
    found = cases.owned(db.session(), current_user, given)
    if found is None:
        abort(404)
    return found


def render_match(
    form: MultiDict[str, str],
    *,
    problems: Mapping[str, str] | None = None,
    result: Any = None,
    persona: matching_form.Persona | None = None,
    flagged: Mapping[str, list[str]] | None = None,
    imported: Mapping[str, Any] | None = None,
    case: Case | None = None,
) -> str:
    known = needs.current()
    age = (form.get("age") or "").strip()
    return render_template(
        "linkworker/match.html",
        form=form,
        # shown from what was typed, even when the form has a problem to fix
        crisis=match_request.urgent_help(form.get("text") or "", form.getlist("needs")),
        crisis_age=int(age) if age.isascii() and age.isdigit() and len(age) <= 3 else None,
        problems=in_form_order(problems or {}),
        result=result,
        flagged=flagged or {},
        imported=imported or {},
        persona=persona,
        personas=matching_form.personas(),
        need_groups=matching_form.need_groups(known, form.getlist("needs")),
        choices=matching_form.choices(),
        vocabulary=facts.match_vocabulary(known),
        shortlists=shortlists.shortlists_of(db.session(), current_user),
        max_text=matcher.facts.MAX_TEXT,
        case=case,
    )


def in_form_order(problems: Mapping[str, str]) -> dict[str, str]:
    place = {name: n for n, name in enumerate(match_request.FIELDS)}
    return dict(sorted(problems.items(), key=lambda item: place.get(item[0], len(place))))


# --- shortlists ---------------------------------------------------------------------------


def owned_or_404(shortlist_id: uuid.UUID) -> Any:
    # Someone else's shortlist is "not found", not "forbidden": its existence is private too.
    found = shortlists.owned(db.session(), current_user, shortlist_id)
    if found is None:
        abort(404)
    return found


@blueprint.get("/shortlists")
@link_worker_required
def shortlists_page() -> Rendered:
    mine = shortlists.shortlists_of(db.session(), current_user)
    return render_template("linkworker/shortlists.html", shortlists=mine, problems={}), 200


@blueprint.post("/shortlists")
@link_worker_required
def new_shortlist() -> Response | Rendered:
    session = db.session()
    try:
        made = shortlists.create(session, current_user, request.form.get("label"))
    except shortlists.ShortlistError as error:
        mine = shortlists.shortlists_of(session, current_user)
        problems = {"label": str(error)}
        return render_template(
            "linkworker/shortlists.html", shortlists=mine, problems=problems
        ), 400
    return redirect(url_for("linkworker.shortlist", shortlist_id=made.id))


@blueprint.post("/shortlists/add")
@link_worker_required
def add_to_shortlist() -> Response:
    """Add the services ticked on the results page to a shortlist, new or chosen."""
    session = db.session()
    case = case_of_form(request.form)
    chosen = request.form.get("shortlist", "new")
    target = None
    if chosen != "new":
        target = shortlists.owned(session, current_user, chosen)
        if target is None:
            abort(404)
    try:
        wanted = shortlists.chosen_services(session, request.form.getlist("service"))
        if target is None:
            label = request.form.get("label") or (case.reference if case else "")
            target = shortlists.create(session, current_user, label, case=case)
        added = shortlists.add_services(session, target, wanted)
    except shortlists.ShortlistError as error:
        flash(f"Nothing was added: {error}", "error")
        return redirect(url_for("linkworker.shortlists_page"))
    flash(f"Added {added} service{'s' if added != 1 else ''} to “{target.label}”.", "success")
    return redirect(url_for("linkworker.shortlist", shortlist_id=target.id))


@blueprint.get("/shortlists/<uuid:shortlist_id>")
@link_worker_required
def shortlist(shortlist_id: uuid.UUID) -> Rendered:
    """A shortlist as a list of services with how to contact or refer to each: printable."""
    session = db.session()
    found = owned_or_404(shortlist_id)
    services = shortlists.services_on(session, found)
    return render_template(
        "linkworker/shortlist.html",
        shortlist=found,
        services=services,
        outcomes=feedback.OUTCOMES,
        reasons=feedback.UNSUITABLE_REASONS,
        max_note=feedback.MAX_NOTE,
    ), 200


@blueprint.post("/shortlists/<uuid:shortlist_id>/remove")
@link_worker_required
def remove_from_shortlist(shortlist_id: uuid.UUID) -> Response:
    found = owned_or_404(shortlist_id)
    try:
        service_id = uuid.UUID(request.form.get("service", ""))
    except ValueError:
        abort(400, description="Choose a service on the shortlist.")
    if not shortlists.remove_service(db.session(), found, service_id):
        abort(404)
    flash("Removed from the shortlist.", "success")
    return redirect(url_for("linkworker.shortlist", shortlist_id=found.id))


@blueprint.post("/shortlists/<uuid:shortlist_id>/delete")
@link_worker_required
def delete_shortlist(shortlist_id: uuid.UUID) -> Response:
    found = owned_or_404(shortlist_id)
    label = found.label
    shortlists.delete(db.session(), found)
    flash(f"Deleted the shortlist “{label}”.", "success")
    return redirect(url_for("linkworker.shortlists_page"))


# --- feedback -----------------------------------------------------------------------------


@blueprint.post("/shortlists/<uuid:shortlist_id>/feedback")
@link_worker_required
def give_feedback(shortlist_id: uuid.UUID) -> Response:
    """Record what happened with a service on the shortlist."""
    found = owned_or_404(shortlist_id)
    service_id = request.form.get("service", "")
    if service_id not in {str(item.service_id) for item in found.items}:
        abort(404)
    try:
        feedback.record(
            db.session(),
            current_user,
            service_id,
            request.form.get("outcome", ""),
            request.form.get("reason", ""),
            request.form.get("note", ""),
        )
    except feedback.FeedbackError as error:
        flash(f"Nothing was recorded: {error}", "error")
    else:
        flash("Thank you: your feedback was recorded.", "success")
    return redirect(url_for("linkworker.shortlist", shortlist_id=found.id))


@blueprint.get("/flags")
@feedback_required
def flags() -> Rendered:
    """Listings whose feedback suggests they need checking."""
    found = feedback.listings_flagged_for_review(db.session())
    return render_template(
        "linkworker/flags.html",
        flags=found,
        reasons=feedback.UNSUITABLE_REASONS,
        window=feedback.REVIEW_WINDOW_DAYS,
        unsuitable=feedback.REVIEW_UNSUITABLE,
        share=feedback.REVIEW_NO_REPLY_SHARE,
        minimum=feedback.REVIEW_NO_REPLY_MIN,
    ), 200


@blueprint.app_template_global()
def staff_feedback(service_id: uuid.UUID) -> feedback.Counts | None:
    """Feedback counts for a service page, for link workers and managers only."""
    if not may_see_feedback(current_user):
        return None
    return feedback.counts(db.session(), service_id)


@blueprint.app_template_global()
def feedback_reason(code: str) -> str:
    return feedback.UNSUITABLE_REASONS.get(code, code.replace("_", " "))


@blueprint.app_template_global()
def feedback_window() -> int:
    return feedback.REVIEW_WINDOW_DAYS
