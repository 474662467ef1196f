"""Signpost: a community resource directory and social prescribing matcher."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from jinja2 import ChainableUndefined, ChoiceLoader, FileSystemLoader, PackageLoader
from werkzeug.exceptions import HTTPException, ServiceUnavailable
from werkzeug.middleware.proxy_fix import ProxyFix

from directory import config, db, migrate, operations, privacy, search, security
from directory.accounts import users
from directory.extensions import csrf, limiter, login_manager
from directory.operations import warm
from directory.search.index import IndexMissing

SEARCH_UNAVAILABLE = "Search is not available at the moment. Try again later."

TEMPLATES = Path(__file__).parent / "templates"


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: settings, extensions, blueprints, error pages, commands."""
    app = Flask(__name__, instance_relative_config=True)
    configure(app, test_config)
    trust_proxies(app)
    configure_templates(app)
    serve_static_files(app)
    register_extensions(app)
    operations.init_app(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    register_warm_up(app)
    return app


def configure(app: Flask, test_config: Mapping[str, Any] | None) -> None:
    if test_config is not None:
        # Paths derived from the instance folder (database, index) follow the test's one.
        instance = test_config.get("INSTANCE_PATH", app.instance_path)
        settings: config.Config = config.TestingConfig(instance)
    else:
        settings = config.from_environment(app.instance_path)
    app.config.from_mapping(settings.as_dict())
    if test_config is not None:
        app.config.from_mapping(test_config)
    app.instance_path = app.config["INSTANCE_PATH"]
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)


def trust_proxies(app: Flask) -> None:
    """Behind PROXIES reverse proxies, take the client's address and scheme from them."""
    count = int(app.config.get("PROXIES") or 0)
    if count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)  # type: ignore[method-assign]


def serve_static_files(app: Flask) -> None:
    """Hashed, compressed static files with a year's cache; one helper for their URLs."""
    from directory.web import static_files

    static_files.init_app(app)


def configure_templates(app: Flask) -> None:
    # nhsuk-frontend-jinja keeps its macros in .jinja files, which Flask would not
    # autoescape by extension: autoescape everything, as the package asks.
    # The macros were written for Nunjucks, which prints null as nothing; Jinja prints
    # None as "None", so a field given form.get("text") showed the word "None". Printing
    # None as nothing, everywhere, means no field or page ever shows it.
    app.jinja_options = {
        "undefined": ChainableUndefined,
        "autoescape": True,
        "finalize": _none_as_nothing,
        "loader": ChoiceLoader(
            [FileSystemLoader(str(TEMPLATES)), PackageLoader("nhsuk_frontend_jinja")]
        ),
    }
    from directory.web import forms, presenters
    from directory.web.manage import words

    presenters.register(app)
    forms.register(app)
    words.register(app)


def _none_as_nothing(value: object) -> object:
    return "" if value is None else value


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    search.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.session_protection = "strong"
    login_manager.user_loader(users.load_user)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to see that page."
    security.register(app)
    privacy.register()


def register_blueprints(app: Flask) -> None:
    from directory.web.api import blueprint as api
    from directory.web.api import oruk_blueprint as oruk
    from directory.web.auth import blueprint as auth
    from directory.web.auth import dev_login
    from directory.web.health import blueprint as health
    from directory.web.linkworker import blueprint as linkworker
    from directory.web.manage import blueprint as manage
    from directory.web.public import blueprint as public

    for blueprint in (public, api, oruk, auth, manage, linkworker, health):
        app.register_blueprint(blueprint)
    dev_login.register(app)
    limiter.init_app(app)  # the limits written on the views just registered


def register_errorhandlers(app: Flask) -> None:
    def render_error(error: HTTPException) -> tuple[str, int]:
        code = error.code or 500
        return render_template("errors/error.html", error=error, code=code), code

    def search_unavailable(error: IndexMissing) -> tuple[str, int]:
        app.logger.error("%s", error)
        return render_error(ServiceUnavailable(SEARCH_UNAVAILABLE))

    for code in (400, 401, 403, 404, 405, 409, 413, 429, 500, 503):
        app.register_error_handler(code, render_error)
    app.register_error_handler(CSRFError, render_error)
    app.register_error_handler(IndexMissing, search_unavailable)


def register_warm_up(app: Flask) -> None:
    """What a worker builds before it takes requests (directory/operations/warm.py, run by
    gunicorn.conf.py), and what must answer for it to be ready."""
    from directory.catalogue import needs, published
    from directory.matching import held_catalogue, pathways
    from directory.oruk import queries as oruk_queries
    from directory.web.public import home_page, search_form

    warm.add_step(app, "page templates", lambda app, _session: compile_templates(app))
    warm.add_step(app, "needs vocabulary", lambda app, session: needs.held(session, app))
    warm.add_step(app, "search form", search_form.warm)
    warm.add_step(app, "home page", home_page.warm)
    warm.add_step(app, "search", search.warm, after_fork=search.touch)
    warm.add_step(app, "need counts", lambda _app, session: published.needs(session))
    warm.add_step(app, "listings", lambda _app, session: published.warm(session))
    warm.add_step(app, "open referral lists", lambda _app, session: oruk_queries.warm(session))
    warm.add_step(app, "matcher catalogue", held_catalogue.warm)
    warm.add_step(app, "more support", lambda _app, session: pathways.offer(session))
    warm.add_check(app, "index", search.not_ready)


def compile_templates(app: Flask) -> int:
    """Compile every page template and NHS.UK macro now: compiled on first use, they made
    a worker's first search page take three seconds. How many there are."""
    names = app.jinja_env.list_templates(extensions=("html", "jinja"))
    for name in names:
        app.jinja_env.get_template(name)
    return len(names)


def register_commands(app: Flask) -> None:
    """Each feature adds its own `flask` commands."""
    from directory.accounts import commands as accounts
    from directory.catalogue import commands as catalogue
    from directory.listings import commands as listings
    from directory.matching import commands as matching
    from directory.operations import commands as operations_commands
    from directory.oruk import commands as oruk
    from directory.referrals import commands as referrals
    from directory.reports import commands as reports
    from directory.search import commands as search_commands

    migrate.init_app(app)
    privacy.init_app(app)
    features = (catalogue, search_commands, accounts, listings, matching, oruk, referrals, reports)
    for feature in (*features, operations_commands):
        feature.init_app(app)
