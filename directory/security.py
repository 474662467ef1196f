"""Response headers that keep pages private and hard to abuse.

A strict Content Security Policy allows only our own scripts and styles (inline
scripts need the per-request nonce), so no third-party tracker can load; no
referrer leaves the site, so the words someone searched for stay here.
"""

from __future__ import annotations

import secrets

from flask import Flask, Response, abort, g, request


def csp_nonce() -> str:
    """This request's nonce for inline scripts, made on first use."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def add_headers(response: Response) -> Response:
    policy = [
        "default-src 'self'",
        f"script-src 'self' 'nonce-{csp_nonce()}'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
    response.headers.setdefault("Content-Security-Policy", "; ".join(policy))
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    # same-origin, not no-referrer: no referrer leaves the site, and our own forms keep
    # theirs, which Flask-WTF's CSRF check requires over HTTPS (WTF_CSRF_SSL_STRICT).
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault(
        "Permissions-Policy", "geolocation=(), camera=(), microphone=(), interest-cohort=()"
    )
    return response


def refuse_nul_characters() -> None:
    """A NUL character in a parameter or form field is never meant: refuse it with a 400
    before it reaches a database (PostgreSQL cannot store it) or a search."""
    fields = [request.args]
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in FORM_TYPES:
        fields.append(request.form)
    if any("\x00" in value for found in fields for _, values in found.lists() for value in values):
        abort(400, description="A value in this request holds a character that is not allowed.")


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def register(app: Flask) -> None:
    app.before_request(refuse_nul_characters)
    app.after_request(add_headers)
    app.context_processor(lambda: {"cspNonce": csp_nonce()})
