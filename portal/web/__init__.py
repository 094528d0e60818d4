"""Web edge: blueprints, templates, error pages, security headers.

Views stay thin: they parse the request, call a service, render. Everything a
template needs about the UI language comes from :func:`_template_context`.
"""
from __future__ import annotations

import logging
import re

from flask import Flask, g, request
from flask_babel import format_date, format_datetime, format_number

from portal.i18n import language_name, text_direction
from portal.kb.files import is_web_url
from portal.services import services
from portal.shared import CONTENT, generation
from portal.web import (
    api,
    desk,
    desk_agents,
    desk_notices,
    desk_trends,
    errors,
    guard,
    http_cache,
    notices,
    page_cache,
    public,
    studio,
    studio_translate,
    support,
)
from portal.web.labels import kind_label

#: Blueprints of the staff side (desk, studio, sign-in): personal data, never cached.
STAFF_BLUEPRINTS = frozenset({"desk", "desk_agents", "desk_notices", "desk_trends", "studio", "studio_translate",
                              "studio_reports", "accounts"})

_TOKEN_IN_PATH = re.compile(r"(/tickets/|/notices/follows/)[A-Za-z0-9_-]{16,}")


def _redact(value):
    return _TOKEN_IN_PATH.sub(r"\1[redacted]", value) if isinstance(value, str) else value


class RedactTicketTokens(logging.Filter):
    """Ticket tokens are secrets: never let one reach a log line (access logs included)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and ("/tickets/" in record.msg or "/follows/" in record.msg):
            record.msg = _redact(record.msg)
        if isinstance(record.args, dict):  # gunicorn's access log formats with a mapping
            record.args = {k: _redact(v) for k, v in record.args.items()}
        elif record.args:
            record.args = tuple(_redact(a) for a in
                                (record.args if isinstance(record.args, tuple) else (record.args,)))
        return True


def install_log_redaction() -> None:
    for name in ("werkzeug", "gunicorn.access", "gunicorn.error", "portal", ""):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTicketTokens) for f in logger.filters):
            logger.addFilter(RedactTicketTokens())


def register_web(app: Flask) -> None:
    install_log_redaction()

    guard.install(app, app.config["SETTINGS"].max_request_bytes)

    app.register_blueprint(public.root)
    app.register_blueprint(public.bp)
    app.register_blueprint(support.bp)
    app.register_blueprint(notices.bp)
    app.register_blueprint(desk.bp)
    app.register_blueprint(desk_agents.bp)
    app.register_blueprint(desk_notices.bp)
    app.register_blueprint(desk_trends.bp)
    app.register_blueprint(studio.bp)

    app.register_blueprint(studio_translate.bp)
    app.register_blueprint(api.bp)
    # --- accounts: staff sign-in under /desk ---
    from portal.accounts import views as accounts_views

    app.register_blueprint(accounts_views.bp)
    # --- end accounts ---
    # --- studio reports ---
    from portal.web import studio_reports

    app.register_blueprint(studio_reports.bp)
    # --- end studio reports ---
    errors.register(app)

    shared = services(app).shared
    # Pages kept in each node are dropped when any node or the worker changes the content (ADR 0014).
    page_cache.install(app, http_cache.SHARED_MAX_AGE,
                       signal=(lambda: generation(shared, CONTENT)) if shared.shared else None)
    notices.install(app, http_cache.SHARED_MAX_AGE)  # active notices, dropped with the stored pages

    @app.context_processor
    def _template_context():
        settings = app.config["SETTINGS"]
        lang = getattr(g, "lang", None) or settings.default_language
        return {
            "ui_lang": lang,
            "ui_dir": text_direction(lang),
            "language_name": language_name,
            "kind_label": kind_label,
            "text_direction": text_direction,
            "enabled_languages": settings.languages,
            "format_date": format_date,
            "format_datetime": format_datetime,
            "format_number": format_number,
            "is_web_url": is_web_url,
            **notices.template_helpers(),
        }

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "public, max-age=3600")
        elif request.blueprint in STAFF_BLUEPRINTS:
            # Tickets, drafts and reports: never kept by a browser or a proxy.
            response.headers["Cache-Control"] = "no-store"
        else:
            response = http_cache.apply(response)
            # Only views marked page_cache.cacheable are ever kept (public pages, the search API).
            app.extensions["page_cache"].store(response)
        if app.config["SETTINGS"].session_cookie_secure:
            # Served over HTTPS (secure cookies): browsers must never fall back to HTTP.
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response
