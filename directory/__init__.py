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

from directory import accounts, config, db, forms, limits, privacy, search, security
from directory.extensions import csrf, login_manager
from directory.search.index import IndexMissing

SEARCH_UNAVAILABLE = "Search is not available at the moment. Try again later."

TEMPLATES = Path(__file__).parent / "templates"


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: settings, extensions, blueprints, error pages, commands."""
    app = Flask(__name__, instance_relative_config=True)
    configure(app, test_config)
    trust_proxies(app)
    configure_templates(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
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


def configure_templates(app: Flask) -> None:
    # nhsuk-frontend-jinja keeps its macros in .jinja files, which Flask would not
    # autoescape by extension: autoescape everything, as the package asks.
    app.jinja_options = {
        "undefined": ChainableUndefined,
        "autoescape": True,
        "loader": ChoiceLoader(
            [FileSystemLoader(str(TEMPLATES)), PackageLoader("nhsuk_frontend_jinja")]
        ),
    }
    from directory import presenters
    from directory.manage import words

    presenters.register(app)
    forms.register(app)
    words.register(app)


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    search.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.session_protection = "strong"
    login_manager.user_loader(accounts.load_user)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to see that page."
    security.register(app)
    privacy.register()


def register_blueprints(app: Flask) -> None:
    from directory.api import blueprint as api
    from directory.auth import blueprint as auth
    from directory.manage import blueprint as manage
    from directory.oruk import blueprint as oruk
    from directory.public import blueprint as public

    app.register_blueprint(public)
    app.register_blueprint(api)
    app.register_blueprint(auth)
    app.register_blueprint(manage)
    app.register_blueprint(oruk)
    from directory import dev_login
    from directory.linkworker import blueprint as linkworker

    app.register_blueprint(linkworker)
    dev_login.register(app)
    # Rate limits wrap views by endpoint, so they come once the blueprints are in.
    limits.init_app(app)


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


def register_commands(app: Flask) -> None:
    from directory import cli

    cli.register(app)
