"""Detail Desk: hire off-duty police officers online, with exact quotes and self-service bookings."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, render_template, request
from flask.globals import request_ctx
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from portal import config as settings
from portal.extensions import csrf, db, limiter, login_manager, migrate, ping_idle_connections
from portal.templating import Environment


def create_app(config: Mapping[str, Any] | object | None = None) -> Flask:
    """Build the portal. ``config`` (a mapping or an object with upper-case attributes) wins over
    the environment; a mapping with ``TESTING`` starts from the test defaults instead."""
    app = Flask(__name__, instance_relative_config=True)
    app.jinja_environment = Environment  # before the first use of app.jinja_env
    overrides = _as_mapping(config)
    instance = Path(app.instance_path)
    if overrides.get("TESTING"):
        app.config.update(settings.from_environment(instance, {"DETAIL_DESK_ENV": "testing"}))
        app.config.update(settings.testing_defaults(instance))
    else:
        app.config.update(settings.from_environment(instance))
    app.config.update(overrides)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        instance.mkdir(parents=True, exist_ok=True)

    from portal.security import init_security

    # first: its request guards run before CSRF's check; before the blueprints: their <int:...> routes use
    # its bounded converter
    init_security(app)
    db.init_app(app)
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():  # a local file needs no liveness check; a server may have gone away
            ping_idle_connections(db.engine)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    _init_login(app)
    from portal import htmx, pagecache

    htmx.init_app(app)
    pagecache.init_app(app, db.session)
    _register_blueprints(app)
    _register_errors(app)
    _register_template_helpers(app)

    from portal.cli import register_cli

    register_cli(app)
    return app


def _as_mapping(config: Mapping[str, Any] | object | None) -> dict[str, Any]:
    if config is None:
        return {}
    if isinstance(config, Mapping):
        return dict(config)
    return {k: getattr(config, k) for k in dir(config) if k.isupper()}


def _init_login(app: Flask) -> None:
    from portal import accounts
    from portal.models import User

    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        return accounts.user_for_session(session_id)


def _register_blueprints(app: Flask) -> None:
    from portal.admin.views import bp as admin_bp
    from portal.agency.views import bp as agency_bp
    from portal.api.views import bp as api_bp
    from portal.auth.views import bp as auth_bp
    from portal.employer.views import bp as employer_bp
    from portal.main.views import bp as main_bp
    from portal.payments.webhooks import bp as webhook_bp

    for bp in (main_bp, auth_bp, employer_bp, agency_bp, admin_bp, api_bp, webhook_bp):
        app.register_blueprint(bp)


def _register_errors(app: Flask) -> None:
    messages = {
        400: ("Bad request", "The request could not be understood. Please go back and try again."),
        403: ("Not allowed", "Your account does not have access to this page."),
        404: ("Page not found", "We could not find that page. It may have moved, or the link is wrong."),
        405: ("Not allowed", "That action is not available here."),
        413: ("File too large", "The upload is larger than we accept. Please choose a smaller file."),
        429: ("Too many attempts", "Too many attempts in a short time. Please wait a minute and try again."),
        500: ("Something went wrong", "We could not complete that. Nothing was lost; please try again."),
    }

    def render_error(code: int, error: Exception | None = None, detail: str | None = None):
        # Whatever failed may have left the session's transaction unusable (PostgreSQL refusing a value,
        # say): the error page itself loads the signed-in user, so it starts from a clean session.
        db.session.rollback()
        title, message = messages[code]
        # The exception's own headers (405's Allow), less its content type: the body is ours.
        headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"] \
            if isinstance(error, HTTPException) else []
        if request.path.startswith("/api/") or request_ctx.url_adapter is None:
            # (No URL adapter: the Host header was refused by TRUSTED_HOSTS, and a page could build no link.)
            return {"errors": [{"field": None, "message": detail or message}]}, code, headers
        return render_template("error.html", code=code, title=title, message=detail or message), code, headers

    for code in messages:
        app.register_error_handler(code, lambda e, code=code: render_error(code, e))

    from portal.bookings.queries import NotFound

    app.register_error_handler(NotFound, lambda e: render_error(404))

    @app.errorhandler(CSRFError)
    def csrf_error(e: CSRFError):
        return render_error(400, e, "Your form expired or was sent from another site. Reload the page and try again.")


def _register_template_helpers(app: Flask) -> None:
    from portal import formatting

    app.jinja_env.filters["money"] = formatting.money
    app.jinja_env.filters["local_dt"] = formatting.local_datetime
    app.jinja_env.filters["duration"] = formatting.duration
    app.jinja_env.filters["iso_local"] = formatting.iso_local
    app.jinja_env.filters["positions_text"] = formatting.positions_text
    app.jinja_env.filters["cited"] = formatting.cited
    app.jinja_env.filters["cancellation_rows"] = formatting.cancellation_rows
    app.jinja_env.globals["htmx_url"] = lambda: app.config["HTMX_URL"]
    app.jinja_env.globals["htmx_sri"] = lambda: app.config["HTMX_SRI"]
    app.jinja_env.globals["payments_test_mode"] = lambda: _payments_test_mode(app.config)


def _payments_test_mode(config) -> bool:
    """Payments go to Stripe's test mode or to a stand-in (localstripe): the pages show the test cards."""
    key = config.get("STRIPE_SECRET_KEY") or ""
    return bool(key) and (key.startswith("sk_test_") or "api.stripe.com" not in config["STRIPE_API_BASE"])
