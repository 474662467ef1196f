"""The person's plan through its private link: no sign-in, nothing but the plan.

The page is kept out of search engines (noindex), out of caches (no-store), and sends no
referrer to the map or a service's website when a link on it is followed: the address of
the page is the key to it.
"""

from __future__ import annotations

from flask import render_template, request
from werkzeug.wrappers import Response

from directory import db, security
from directory.referrals import cases, plans
from directory.web.public.views import blueprint


@blueprint.get("/plan/<secret>")
def plan(secret: str) -> Response:
    session = db.session()
    found = plans.case_for_secret(session, secret)
    large = request.args.get("size") == "large"
    if found is None:
        return private(render_template("plan/expired.html", large=large), 404)
    _link, case = found
    cases.record_access(session, case, None, "viewed")  # by the person
    plan = plans.plan_for(session, case)
    return private(render_template("plan/plan.html", plan=plan, large=large, private=True), 200)


def private(page: str, status: int) -> Response:
    return security.kept_private(Response(page, status, mimetype="text/html"))
