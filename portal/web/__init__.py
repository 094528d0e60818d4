"""Web edge: blueprints, templates, error pages, security headers.

Views stay thin: they parse the request, call a service, render. Everything a
template needs about the UI language comes from :func:`_template_context`.
"""
from __future__ import annotations

from flask import Flask, g, request
from flask_babel import format_date, format_datetime, format_number

from portal.i18n import language_name, text_direction


def register_web(app: Flask) -> None:
    from portal.web import api, errors, public

    app.register_blueprint(public.root)
    app.register_blueprint(public.bp)
    app.register_blueprint(api.bp)
    errors.register(app)

    @app.context_processor
    def _template_context():
        settings = app.config["SETTINGS"]
        lang = getattr(g, "lang", None) or settings.default_language
        return {
            "ui_lang": lang,
            "ui_dir": text_direction(lang),
            "language_name": language_name,
            "text_direction": text_direction,
            "enabled_languages": settings.languages,
            "format_date": format_date,
            "format_datetime": format_datetime,
            "format_number": format_number,
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
        return response
