"""Thin views: read the request, ask the catalogue, render."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from flask import Blueprint, abort, current_app, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from directory import db, search
from directory.catalogue import needs as known_needs
from directory.catalogue import published
from directory.search import SearchInputError, SearchRequest, places, public
from directory.search.results import ResolvedPlace
from directory.web.public import home_page, search_form

blueprint = Blueprint("public", __name__)


def page_number() -> int:
    """The ?page= number; a clear 400 for anything but a whole number from 1."""
    raw = request.args.get("page", "1")
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 10_000:
        abort(400, description="The page number should be a whole number, 1 or more.")
    return int(raw)


@blueprint.get("/")
def home() -> str:
    # The vocabulary the app holds, not the counts of services: the page shows no counts.
    vocabulary = known_needs.held(db.session())
    return render_template("public/home.html", home_html=home_page.body_html(vocabulary))


@blueprint.get("/search", endpoint="search")
def search_page() -> tuple[str, int]:
    """Search by words, place and filters; a bad parameter re-shows the form with the problem."""
    session = db.session()
    try:
        wanted = public.read_request(session, request.args)
    except SearchInputError as error:
        crisis = public.signals_crisis(request.args)
        return render_search(request.args, problems=error.problems, crisis=crisis), 400
    found = None
    if not wanted.is_empty:  # an empty form is not a search: nothing to run or count
        found = public.run(session, search.index(), wanted, channel="web")
    return render_search(MultiDict(wanted.to_params()), wanted=wanted, found=found), 200


def render_search(
    form: Mapping[str, object],
    *,
    problems: Mapping[str, str] | None = None,
    wanted: SearchRequest | None = None,
    found: public.Found | None = None,
    crisis: str | None = None,
) -> str:
    """The search page; `crisis` is the kind of urgent help to show first, if any."""
    vocabulary = known_needs.held(db.session())
    in_order = search_form.in_page_order(problems or {})
    return render_template(
        "public/search.html",
        form=form,
        problems=in_order,
        wanted=wanted,
        found=found,
        crisis=crisis or (found.results.crisis.kind if found and found.results.crisis else None),
        needs=vocabulary.needs,
        search_form=search_form.form_html(
            form, in_order, results=found is not None, vocabulary=vocabulary
        ),
    )


@blueprint.app_template_global()
def search_url(wanted: SearchRequest, **changes: object) -> str:
    """A link to this search with some of it changed: the page, the band, the place."""
    params: dict[str, Any] = wanted.with_changes(**changes).to_params()
    return url_for("public.search", **params)


@blueprint.get("/needs")
def needs() -> str:
    return render_template("public/needs.html", needs=published.needs(db.session()))


@blueprint.get("/needs/<code>")
def need(code: str) -> str:
    session = db.session()
    term = published.need(session, code)
    if term is None:
        abort(404)
    number = page_number()
    page = published.services_for_need(session, term, number, current_app.config["PER_PAGE"])
    if number > page.pages:
        abort(404)
    return render_template("public/need.html", need=term, page=page)


@blueprint.get("/services/<uuid:service_id>")
def service(service_id: uuid.UUID) -> str:
    """A listing; from a search, with how far each venue is and the way back to the results."""
    session = db.session()
    found = published.service_page(session, service_id)
    if found is None:
        abort(404)
    return render_template(
        "public/service.html",
        service=found,
        place=searched_from(request.args.get("from", "")),
        back=results_link(request.args.get("back", "")),
    )


def searched_from(text: str) -> ResolvedPlace | None:
    """The place a search measured from (?from=LS6+1AA), checked as the search checks a
    place; None for none, or for one that is not a place, since it only adds distances."""
    try:
        place = search.parse_request({"postcode": text}).place
        return places.resolve(db.session(), place) if place else None
    except (SearchInputError, places.PlaceNotFound):
        return None


def results_link(link: str) -> str | None:
    """The search someone came from (?back=/search?q=...), made again from its parameters,
    so that the link can only lead to a search on this site (never an open redirect); None
    for anything else."""
    parts = urlsplit(link)
    if parts.scheme or parts.netloc or parts.path != url_for("public.search"):
        return None
    try:
        wanted = public.read_request(db.session(), MultiDict(parse_qsl(parts.query)))
    except SearchInputError:
        return None
    return None if wanted.is_empty else search_url(wanted)


@blueprint.get("/organisations/<uuid:organisation_id>")
def organisation(organisation_id: uuid.UUID) -> str:
    session = db.session()
    found = published.organisation(session, organisation_id)
    if found is None:
        abort(404)
    services = published.services_of(session, found)
    return render_template("public/organisation.html", organisation=found, services=services)


@blueprint.get("/accessibility")
def accessibility() -> str:
    return render_template("public/accessibility.html")


@blueprint.get("/privacy")
def privacy() -> str:
    return render_template("public/privacy.html")
