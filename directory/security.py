"""Response headers that keep pages private and hard to abuse, where a browser may be sent
after signing in, and the site's own address for links that leave it.

A strict Content Security Policy allows only our own scripts and styles (inline
scripts need the per-request nonce), so no third-party tracker can load; no
referrer leaves the site, so the words someone searched for stay here. A page shown
to someone signed in is never stored by a browser or a cache (it may hold people's
details). Links in emails are built on SIGNPOST_PUBLIC_URL, never on the Host a request
names, and `next` is only ever a path on this site.
"""

from __future__ import annotations

import re
import secrets
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

from flask import Flask, Response, abort, current_app, g, request
from flask_login import current_user
from werkzeug.exceptions import SecurityError
from werkzeug.wrappers import Response as BaseResponse


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
    if current_app.config.get("STRICT_TRANSPORT_SECURITY"):
        response.headers.setdefault(
            "Strict-Transport-Security", current_app.config["STRICT_TRANSPORT_SECURITY"]
        )
    if request.endpoint != "static" and _signed_in():
        # Link workers' pages, shortlists, accounts, managers' pages: nothing a person sees
        # signed in is kept by the browser (back button on a shared computer) or a proxy.
        response.headers["Cache-Control"] = "no-store"
    return response


R = TypeVar("R", bound=BaseResponse)

# A page reached by a secret link (the person's plan, the provider's answer to a referral):
# personal data with no sign-in, so never stored, never indexed, no referrer sent on.
PRIVATE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow",
    "Referrer-Policy": "no-referrer",
}


def kept_private(response: R) -> R:
    response.headers.update(PRIVATE_HEADERS)
    return response


def _signed_in() -> bool:
    # A request refused before routing (a bad Host) has no user to load.
    return request.url_rule is not None and bool(current_user.is_authenticated)


def refuse_nul_characters() -> None:
    """A NUL character in a parameter or form field is never meant: refuse it with a 400
    before it reaches a database (PostgreSQL cannot store it) or a search."""
    fields = [request.args]
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in FORM_TYPES:
        fields.append(request.form)
    if any("\x00" in value for found in fields for _, values in found.lists() for value in values):
        abort(400, description="A value in this request holds a character that is not allowed.")


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


# A path on this site: one slash, then no slash or backslash; no scheme, no host, no control
# or space characters anywhere (browsers drop tabs and newlines: "/\t/evil" is "//evil").
SAFE_PATH = re.compile(r"^/(?![/\\])[^\\\x00-\x20\x7f]*$")


def safe_next(target: str | None, default: str) -> str:
    """Where to go after signing in: `target` if it is a path on this site, else `default`.

    The one check for every `next` parameter. A path's percent-escapes are checked too, so
    that "/%5cevil.example" is refused wherever something decodes it on the way."""
    if target and SAFE_PATH.match(target) and SAFE_PATH.match(unquote(target)):
        return target
    return default


def public_url(endpoint: str, **values: Any) -> str:
    """The absolute address of a page, on SIGNPOST_PUBLIC_URL whatever the request says:
    for links in emails, and absolute links in API answers."""
    base = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme
    )
    return adapter.build(endpoint, values, force_external=True)


def refuse_unknown_hosts(error: SecurityError) -> tuple[str, int, dict[str, str]]:
    """A request naming a host not in TRUSTED_HOSTS: a plain 400, without the page layout
    (whose links would have no host to be built on)."""
    return "This site does not answer for that address.\n", 400, {"Content-Type": "text/plain"}


def register(app: Flask) -> None:
    app.register_error_handler(SecurityError, refuse_unknown_hosts)
    app.before_request(refuse_nul_characters)
    app.after_request(add_headers)
    app.context_processor(lambda: {"cspNonce": csp_nonce()})
