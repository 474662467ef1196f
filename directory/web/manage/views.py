"""Thin views for editors and managers: check who may, read the form, call a service, render."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlmodel import select
from werkzeug.wrappers import Response

from directory import db, mail, security
from directory.accounts import two_factor, users
from directory.accounts.permissions import Action, authorise, can, require_permission
from directory.catalogue import needs as known_needs
from directory.listings import editing, freshness, tasks
from directory.models import (
    EntityType,
    ListingReport,
    ListingRevision,
    ListingStatus,
    Organisation,
    OrganisationRequest,
    RequestStatus,
    RevisionStatus,
    Service,
    User,
)
from directory.oruk import feeds
from directory.web.forms import EmptyForm, choices, page
from directory.web.manage.forms import (
    InviteForm,
    NewServiceForm,
    OrganisationForm,
    ReturnForm,
    ServiceForm,
)

blueprint = Blueprint("manage", __name__)


def _me() -> User:
    return current_user._get_current_object()


def _require_fresh_form() -> None:
    """Answer 400 to a button's form whose CSRF token is missing or has expired."""
    if not EmptyForm().validate_on_submit():
        abort(400, description="The form was open too long: go back and try again.")


@blueprint.get("/manage/")
@require_permission(Action.SEE_TASKS)
def dashboard() -> str:
    return render_template("manage/dashboard.html", tasks=tasks.for_user(db.session(), _me()))


@blueprint.get("/manage/organisations")
@require_permission(Action.MODERATE)
def organisations() -> str:
    found = db.session().exec(select(Organisation).order_by(Organisation.name)).all()
    return render_template("manage/organisations.html", organisations=found)


@blueprint.get("/manage/organisations/<uuid:organisation_id>")
@require_permission(Action.EDIT_LISTING)
def organisation(organisation_id: uuid.UUID) -> str:
    session = db.session()
    found = authorise(Action.EDIT_LISTING, session.get(Organisation, organisation_id))
    return render_template(
        "manage/organisation.html",
        organisation=found,
        services=editing.services_of(session, found.id),
        revisions=editing.pending_revisions(session, found.id),
        editors=users.editors_of(session, found.id),
    )


def _edit(
    listing: Any, form: Any, template: str, back: str, **shown: Any
) -> Response | tuple[str, int]:
    """The shared edit flow: save on the version it was based on, or show the conflict."""
    session = db.session()
    conflicts: list[editing.FieldConflict] = []
    status = 200
    if form.validate_on_submit():
        outcome = editing.save(session, _me(), listing, form.base_version, form.values())
        if outcome.status != "conflict":
            flash(_saved_message(outcome, listing.status))
            return redirect(back)
        conflicts, status = outcome.conflicts, 409
        listing = editing.load(session, editing.entity_type_of(listing), listing.id)
        # Shown the other changes, the person may now save on top of them, knowingly.
        form.version.data = str(listing.version)
    elif form.errors:
        status = 400
    return render_template(
        template, form=form, listing=listing, conflicts=conflicts, back=back, **shown
    ), status


# What a saved change means for a listing nobody can find yet (or any more).
NOT_SHOWN = {
    ListingStatus.PENDING_REVIEW: "Saved. The listing is still waiting for review: "
    "nobody can find it until a manager publishes it.",
    ListingStatus.DRAFT: "Saved. The listing is a draft: nobody can find it until it is published.",
    ListingStatus.ARCHIVED: "Saved. The listing is archived: nobody can find it.",
}


def _saved_message(outcome: editing.Outcome, status: ListingStatus) -> str:
    if outcome.status == "unchanged":
        return "Nothing was changed."
    if outcome.status == "pending":
        live = set(outcome.changed) & editing.IMMEDIATE_FIELDS
        first = "The capacity change is live now. " if live else ""
        return (
            first
            + "The other changes were sent for review: they go live once a manager approves them."
        )
    return NOT_SHOWN.get(status, "Saved. The changes are live now.")


@blueprint.route("/manage/organisations/<uuid:organisation_id>/edit", methods=["GET", "POST"])
@require_permission(Action.EDIT_LISTING)
def edit_organisation(organisation_id: uuid.UUID) -> Response | tuple[str, int]:
    session = db.session()
    found = authorise(Action.EDIT_LISTING, editing.load_organisation(session, organisation_id))
    form = OrganisationForm.filled_from(editing.snapshot(found), found.version)
    back = url_for("manage.organisation", organisation_id=found.id)
    return _edit(found, form, "manage/edit_organisation.html", back)


@blueprint.route("/manage/services/<uuid:service_id>/edit", methods=["GET", "POST"])
@require_permission(Action.EDIT_LISTING)
def edit_service(service_id: uuid.UUID) -> Response | tuple[str, int]:
    session = db.session()
    found = authorise(Action.EDIT_LISTING, editing.load_service(session, service_id))
    form = ServiceForm.filled_from(editing.snapshot(found), found.version)
    form.needs.choices = choices((n.code, n.label) for n in known_needs.held(session).needs)
    back = url_for("manage.organisation", organisation_id=found.organization_id)
    origin = feeds.origin(session, EntityType.SERVICE, found.id)
    return _edit(found, form, "manage/edit_service.html", back, origin=origin)


@blueprint.route(
    "/manage/organisations/<uuid:organisation_id>/services/new", methods=["GET", "POST"]
)
@require_permission(Action.EDIT_LISTING)
def new_service(organisation_id: uuid.UUID) -> Response | tuple[str, int]:
    """Start a service as a draft; the full form follows."""
    session = db.session()
    found = authorise(Action.EDIT_LISTING, session.get(Organisation, organisation_id))
    form = NewServiceForm()
    if form.validate_on_submit():
        service = editing.create_service(session, _me(), found, form.name.data, form.summary.data)
        flash("Draft saved. Fill in the rest, then send it for review.")
        return redirect(url_for("manage.edit_service", service_id=service.id))
    return page("manage/new_service.html", form, organisation=found)


@blueprint.post("/manage/services/<uuid:service_id>/submit")
@require_permission(Action.EDIT_LISTING)
def submit_service(service_id: uuid.UUID) -> Response:
    """An editor sends a draft for a manager to publish."""
    session = db.session()
    found = authorise(Action.EDIT_LISTING, session.get(Service, service_id))
    _require_fresh_form()
    editing.submit_for_review(session, _me(), found)
    flash(f"“{found.name}” was sent for review.")
    return redirect(url_for("manage.organisation", organisation_id=found.organization_id))


@blueprint.post("/manage/services/<uuid:service_id>/publish")
@require_permission(Action.MODERATE)
def publish_service(service_id: uuid.UUID) -> Response:
    """A manager publishes a new service (or archives one, with archive=1)."""
    session = db.session()
    found = session.get(Service, service_id)
    if found is None:
        abort(404)
    _require_fresh_form()
    status = ListingStatus.ARCHIVED if request.form.get("archive") else ListingStatus.PUBLISHED
    try:
        editing.set_status(session, found, status, user=_me(), actor=_me().email)
    except editing.VersionConflict:
        abort(409, description="The listing changed meanwhile: look again.")
    flash(f"“{found.name}” is now {status.value}.")
    return redirect(url_for("manage.organisation", organisation_id=found.organization_id))


@blueprint.post("/manage/services/<uuid:service_id>/confirm")
@require_permission(Action.CONFIRM_LISTING)
def confirm_service(service_id: uuid.UUID) -> Response:
    session = db.session()
    found = authorise(Action.CONFIRM_LISTING, session.get(Service, service_id))
    _require_fresh_form()
    freshness.confirm(session, found, user=_me(), actor=_me().email)
    flash(f"Thank you: “{found.name}” is marked as checked today.")
    return redirect(url_for("manage.organisation", organisation_id=found.organization_id))


@blueprint.route("/manage/organisations/<uuid:organisation_id>/invite", methods=["GET", "POST"])
@require_permission(Action.INVITE_EDITOR)
def invite(organisation_id: uuid.UUID) -> Response | tuple[str, int]:
    session = db.session()
    found = authorise(Action.INVITE_EDITOR, session.get(Organisation, organisation_id))
    form = InviteForm()
    if form.validate_on_submit():
        email = form.email.data
        users.invite_by_email(
            session,
            email,
            lambda: security.public_url("auth.join", token=users.invite_token(email, found)),
            f"Join {found.name} on {_service_name()}",
            lambda link: (
                f"Hello,\n\n{_me().email} invites you to keep the listings of {found.name} up "
                f"to date. Open this link to choose a password:\n\n{link}\n\n"
                "The link works for a week.\n"
            ),
            _me(),
            f"to edit organisation {found.id}",
            mail.send,
        )
        # The same answer either way: an invitation says nothing about who has users.
        flash(f"If {email} has no account yet, we have sent them an invitation.")
        return redirect(url_for("manage.organisation", organisation_id=found.id))
    return page("manage/invite.html", form, organisation=found)


def _service_name() -> str:
    return str(current_app.config["SERVICE_NAME"])


@blueprint.get("/manage/services/<uuid:service_id>/history")
@require_permission(Action.SEE_HISTORY)
def service_history(service_id: uuid.UUID) -> str:
    session = db.session()
    found = authorise(Action.SEE_HISTORY, session.get(Service, service_id))
    changes = editing.history(session, EntityType.SERVICE, found.id)
    return render_template("manage/history.html", listing=found, changes=changes, kind="service")


@blueprint.get("/manage/organisations/<uuid:organisation_id>/history")
@require_permission(Action.SEE_HISTORY)
def organisation_history(organisation_id: uuid.UUID) -> str:
    session = db.session()
    found = authorise(Action.SEE_HISTORY, session.get(Organisation, organisation_id))
    changes = editing.history(session, EntityType.ORGANISATION, found.id)
    return render_template(
        "manage/history.html", listing=found, changes=changes, kind="organisation"
    )


# --- moderation ------------------------------------------------------------------------


@blueprint.route("/manage/revisions/<uuid:revision_id>", methods=["GET", "POST"])
@require_permission(Action.SEE_TASKS)
def revision(revision_id: uuid.UUID) -> Response | tuple[str, int]:
    """A proposed change, field by field; a manager approves it or returns it with a comment."""
    session = db.session()
    found = authorise(Action.SEE_TASKS, session.get(ListingRevision, revision_id))
    listing = editing.load(session, found.entity_type, found.entity_id)
    if listing is None:
        abort(404)
    approve_form, return_form = EmptyForm(prefix="approve"), ReturnForm(prefix="return")
    conflicts: list[editing.FieldConflict] = []
    status = 200
    moderator = can(current_user, Action.MODERATE)
    if moderator and found.status == RevisionStatus.PENDING:
        if "approve-submit" in request.form and approve_form.validate_on_submit():
            outcome = editing.approve(session, _me(), found)
            if outcome.status != "conflict":
                flash(
                    f"Approved: the changes to “{listing.name}” are live, and it is marked "
                    "as checked today."
                )
                return redirect(url_for("manage.dashboard"))
            conflicts, status = outcome.conflicts, 409
        elif "approve-submit" not in request.form and return_form.validate_on_submit():
            editing.return_revision(session, _me(), found, return_form.comment.data)
            _tell_author(session, found, listing)
            flash(f"Returned to the editor of “{listing.name}” with your comment.")
            return redirect(url_for("manage.dashboard"))
        elif return_form.errors:
            status = 400
    elif request.method == "POST":
        abort(403)
    labels = editing.labels_for(found.entity_type)
    current = editing.snapshot(listing)
    proposed = editing.upgrade(current, found.proposed)
    return render_template(
        "manage/revision.html",
        revision=found,
        listing=listing,
        current=current,
        changes=editing.field_changes(labels, current, proposed),
        approve_form=approve_form,
        return_form=return_form,
        conflicts=conflicts,
        moderator=moderator,
        mine=found.author_id == _me().id,
        stale=listing.version != found.base_version,
    ), status


@blueprint.post("/manage/revisions/<uuid:revision_id>/withdraw")
@require_permission(Action.SEE_TASKS)
def withdraw_revision(revision_id: uuid.UUID) -> Response:
    """The editor who sent a change takes it back while it still waits for review."""
    session = db.session()
    found = authorise(Action.SEE_TASKS, session.get(ListingRevision, revision_id))
    if found.author_id != _me().id:
        abort(403)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if editing.withdraw(session, _me(), found):
        flash("Withdrawn: the change will not be reviewed, and nothing of it went live.")
    else:
        flash("That change was already decided, so it could not be withdrawn.")
    return redirect(url_for("manage.dashboard"))


def _tell_author(session: Any, revision: ListingRevision, listing: Any) -> None:
    if revision.author_id is None:
        return  # a followed feed's change: nobody to tell
    author = session.get(User, revision.author_id)
    if author is None:
        return
    mail.send(
        author.email,
        f"Your changes to {listing.name} need another look",
        f"Hello,\n\nA manager returned your changes to {listing.name} with this comment:\n\n"
        f"{revision.comment}\n\nSign in to make the changes again.\n",
    )


@blueprint.route("/manage/requests/<uuid:request_id>", methods=["GET", "POST"])
@require_permission(Action.MODERATE)
def organisation_request(request_id: uuid.UUID) -> Response | tuple[str, int]:
    session = db.session()
    found = session.get(OrganisationRequest, request_id)
    if found is None:
        abort(404)
    form = EmptyForm()
    decision = request.form.get("decision")
    if found.status == RequestStatus.PENDING and decision in ("approve", "refuse"):
        _require_fresh_form()
        approve = decision == "approve"
        tasks.decide_request(
            session,
            found,
            _me(),
            approve,
            lambda token: security.public_url("auth.join", token=token),
        )
        flash("Approved: we have emailed them a link to join." if approve else "Refused.")
        return redirect(url_for("manage.dashboard"))
    organisation = session.get(Organisation, found.organization_id)
    return render_template(
        "manage/request.html", request_=found, organisation=organisation, form=form
    ), 200


@blueprint.post("/manage/reports/<uuid:report_id>/done")
@require_permission(Action.SEE_TASKS)
def resolve_report(report_id: uuid.UUID) -> Response:
    session = db.session()
    found = authorise(Action.SEE_TASKS, session.get(ListingReport, report_id))
    _require_fresh_form()
    tasks.resolve_report(session, found, _me())
    flash("Marked as done.")
    return redirect(url_for("manage.dashboard"))


# --- accounts (admins) -------------------------------------------------------------------


@blueprint.get("/manage/users", endpoint="users")
@require_permission(Action.MANAGE_USERS)
def user_list() -> str:
    session = db.session()
    names = {o.id: o.name for o in session.exec(select(Organisation)).all()}
    everyone = users.everyone(session)
    with_code = two_factor.accounts_set_up(session)
    return render_template(
        "manage/users.html",
        users=everyone,
        organisations=names,
        with_code=with_code,
        role_words=users.ROLE_WORDS,
    )


@blueprint.post("/manage/users/<uuid:user_id>/active")
@require_permission(Action.MANAGE_USERS)
def set_user_active(user_id: uuid.UUID) -> Response:
    """Stop an account signing in (ending its sessions), or let it again."""
    session = db.session()
    found = session.get(User, user_id)
    if found is None:
        abort(404)
    _require_fresh_form()
    if found.id == _me().id:
        abort(400, description="You cannot stop your own account.")
    users.set_active(session, found, not found.active, actor=_me())
    flash(f"{found.email} can {'now' if found.active else 'no longer'} sign in.")
    return redirect(url_for("manage.users"))
