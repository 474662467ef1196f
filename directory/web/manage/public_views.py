"""Pages anyone can use, no account needed: report a problem, register or claim an
organisation, and answer an emailed "is this listing still right?"."""

from __future__ import annotations

import uuid
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from directory import db, mail, security
from directory.accounts import users
from directory.catalogue import published
from directory.extensions import limiter, setting
from directory.listings import freshness
from directory.models import (
    ListingReport,
    ListingStatus,
    Organisation,
    OrganisationRequest,
    ReportKind,
    RequestKind,
)
from directory.web.forms import page
from directory.web.manage.forms import CheckForm, ClaimForm, RegisterForm, ReportForm
from directory.web.manage.views import blueprint


@blueprint.route("/services/<uuid:service_id>/report", methods=["GET", "POST"])
@limiter.limit(setting("PUBLIC_FORM_LIMIT"), methods=["POST"])
def report_problem(service_id: uuid.UUID) -> Response | tuple[str, int]:
    session = db.session()
    service = published.published_service(session, service_id)
    if service is None:
        abort(404)
    form = ReportForm()
    if form.validate_on_submit():
        report = freshness.report_problem(
            session, service, ReportKind(form.kind.data), form.details.data or ""
        )
        _tell_editors(session, service, report)
        return render_template("manage/report_sent.html", service=service), 200
    return page("manage/report.html", form, service=service)


def _tell_editors(session: Any, service: Any, report: ListingReport) -> None:
    """Let the listing's editors know at once; managers see every report on their page."""
    to = [editor.email for editor in users.editors_of(session, service.organization_id)]
    mail.send(
        to,
        f"A problem was reported with {service.name}",
        f"Hello,\n\nSomeone reported a problem with the listing for {service.name}: "
        f"{REPORT_WORDS[report.kind]}.\n\n{report.details}\n\n"
        f"Sign in to check the listing: {security.public_url('manage.dashboard')}\n",
    )


REPORT_WORDS = {
    ReportKind.CLOSED: "the service has closed",
    ReportKind.WRONG_DETAILS: "some details are wrong",
    ReportKind.WRONG_AREA: "the area or place is wrong",
    ReportKind.OTHER: "something else",
}


@blueprint.route("/organisations/register", methods=["GET", "POST"])
@limiter.limit(setting("PUBLIC_FORM_LIMIT"), methods=["POST"])
def register_organisation() -> Response | tuple[str, int]:
    """A new organisation, held for review, and a request a manager approves."""
    session = db.session()
    form = RegisterForm()
    if form.validate_on_submit():
        organisation = Organisation(
            name=form.name.data,
            description=form.description.data,
            website=form.website.data or None,
            charity_number=(form.charity_number.data or "").upper() or None,
            email=form.your_email.data,
            status=ListingStatus.PENDING_REVIEW,
        )
        session.add(organisation)
        session.flush()
        session.add(_request(RequestKind.REGISTER, organisation, form))
        session.commit()
        return render_template("manage/request_sent.html", organisation=organisation), 200
    return page("manage/register.html", form)


@blueprint.route("/organisations/<uuid:organisation_id>/claim", methods=["GET", "POST"])
@limiter.limit(setting("PUBLIC_FORM_LIMIT"), methods=["POST"])
def claim_organisation(organisation_id: uuid.UUID) -> Response | tuple[str, int]:
    """Ask to keep the listings of a published organisation that has no editor yet."""
    session = db.session()
    organisation = published.organisation(session, organisation_id)
    if organisation is None:
        abort(404)
    if users.editors_of(session, organisation.id):
        return render_template("manage/claim_taken.html", organisation=organisation), 200
    form = ClaimForm()
    if form.validate_on_submit():
        session.add(_request(RequestKind.CLAIM, organisation, form))
        session.commit()
        return render_template("manage/request_sent.html", organisation=organisation), 200
    return page("manage/claim.html", form, organisation=organisation)


def _request(
    kind: RequestKind, organisation: Organisation, form: ClaimForm | RegisterForm
) -> OrganisationRequest:
    return OrganisationRequest(
        kind=kind,
        organization_id=organisation.id,
        name=form.your_name.data,
        email=form.your_email.data,
        role_in_organisation=form.your_role.data,
        message=getattr(form, "message", None) and form.message.data or "",
    )


@blueprint.route("/listings/check/<token>", methods=["GET", "POST"])
def check_listing(token: str) -> Response | tuple[str, int]:
    """The emailed link: opening it changes nothing (mail scanners open links); answering does."""
    session = db.session()
    service = freshness.service_for_check(session, token)
    if service is None:
        return render_template("auth/link_expired.html", what="listing check"), 404
    form = CheckForm()
    if form.validate_on_submit():
        answer = form.answer.data
        freshness.answer_check(session, service, answer)
        flash(freshness.ANSWERS[answer] + ": thank you, we have recorded your answer.")
        return redirect(url_for("manage.check_done"))
    return page("manage/check.html", form, service=service)


@blueprint.get("/listings/check/done")
def check_done() -> str:
    return render_template("manage/check_done.html")
