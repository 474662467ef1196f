"""The home page's body (the search box, a card for each need, urgent help), held.

Rendered from the NHS.UK macros on every request, it cost three quarters of the page's CPU
time for HTML that changes only with the needs vocabulary (the cards) and the app's settings.
So it is rendered once for each vocabulary snapshot and held beside it; the app checks the
vocabulary's generation on every request (directory/catalogue/needs.py `held`), so a need
added, renamed or removed shows on the next home page. The layout around the body (the
header for who is signed in, the script nonce) is still rendered for each request."""

from __future__ import annotations

from flask import Flask, current_app, render_template, request
from markupsafe import Markup
from sqlmodel import Session

from directory.catalogue import needs as known_needs
from directory.catalogue.needs import NeedsVocabulary
from directory.web.public.held_html import HeldHtml

BODY_TEMPLATE = "public/_home.html"
HELD_BODY = "signpost.home_body"


def body_html(vocabulary: NeedsVocabulary) -> Markup:
    """The home page's body for this vocabulary, rendered on first use and then held."""
    config = current_app.config
    # what the body shows besides the vocabulary: its links (this site's root) and names
    key = (request.script_root, config["PLACE_NAME"], config["SERVICE_NAME"])
    held = HeldHtml.of(current_app, HELD_BODY, most=4)
    html = held.get(vocabulary, key)
    if html is None:
        html = render_template(BODY_TEMPLATE, needs=vocabulary.needs)
        held.put(vocabulary, key, html)
    return Markup(html)


def warm(app: Flask, session: Session) -> None:
    """Render and hold the body before the first home page asks for it."""
    vocabulary = known_needs.held(session, app)
    with app.test_request_context("/"):
        body_html(vocabulary)
