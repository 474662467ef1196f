"""Thin views: read the request, ask the catalogue, render."""

from __future__ import annotations

import uuid

from flask import abort, current_app, render_template, request

from directory import catalogue, db
from directory.public import blueprint


def page_number() -> int:
    """The ?page= number; a clear 400 for anything but a whole number from 1."""
    raw = request.args.get("page", "1")
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 10_000:
        abort(400, description="The page number should be a whole number, 1 or more.")
    return int(raw)


@blueprint.get("/")
def home() -> str:
    return render_template("public/home.html", needs=catalogue.needs(db.session()))


@blueprint.get("/needs")
def needs() -> str:
    return render_template("public/needs.html", needs=catalogue.needs(db.session()))


@blueprint.get("/needs/<code>")
def need(code: str) -> str:
    session = db.session()
    term = catalogue.need(session, code)
    if term is None:
        abort(404)
    number = page_number()
    page = catalogue.services_for_need(session, term, number, current_app.config["PER_PAGE"])
    if number > page.pages:
        abort(404)
    return render_template("public/need.html", need=term, page=page)


@blueprint.get("/services/<uuid:service_id>")
def service(service_id: uuid.UUID) -> str:
    found = catalogue.published_service(db.session(), service_id)
    if found is None:
        abort(404)
    return render_template("public/service.html", service=found)


@blueprint.get("/organisations/<uuid:organisation_id>")
def organisation(organisation_id: uuid.UUID) -> str:
    session = db.session()
    found = catalogue.organisation(session, organisation_id)
    if found is None:
        abort(404)
    services = catalogue.services_of(session, found)
    return render_template("public/organisation.html", organisation=found, services=services)


@blueprint.get("/accessibility")
def accessibility() -> str:
    return render_template("public/accessibility.html")


@blueprint.get("/privacy")
def privacy() -> str:
    return render_template("public/privacy.html")
