"""The ``/<lang>/`` URL prefix: validation, canonical casing, url_for defaults."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, g, redirect, request
from flask_login import current_user

from portal.accounts.views import desk_language
from portal.i18n import canonical_code


def install_staff_language(bp: Blueprint) -> None:
    """Make ``bp``'s pages (desk, studio) speak the signed-in staff member's own language
    when it is enabled, else the visitor's negotiated one."""

    @bp.before_request
    def _staff_language():
        if current_user.is_authenticated:
            g.lang = desk_language()


def install_language_prefix(bp: Blueprint) -> None:
    """Make every route of ``bp`` take its language from the ``<lang>`` prefix.

    ``/PT-br/...`` redirects (301) to ``/pt-BR/...``; an unknown language is a 404
    rendered in the negotiated language.
    """

    @bp.url_value_preprocessor
    def _pull_lang(endpoint, values):
        if values is None or "lang" not in values:
            return
        requested = values.pop("lang")
        settings = current_app.config["SETTINGS"]
        canonical = canonical_code(requested, settings.languages)
        if canonical is None:
            g.lang_not_found = requested
            return
        g.lang = canonical
        if canonical != requested:
            g.redirect_to_canonical = canonical

    @bp.before_request
    def _check_lang():
        if getattr(g, "lang_not_found", None):
            abort(404)
        canonical = getattr(g, "redirect_to_canonical", None)
        if canonical:
            rest = request.full_path.split("/", 2)[2] if request.path.count("/") >= 2 else ""
            target = f"/{canonical}/{rest}".rstrip("?")
            return redirect(target, code=301)
        return None

    @bp.url_defaults
    def _add_lang(endpoint, values):
        if "lang" not in values and getattr(g, "lang", None):
            values["lang"] = g.lang
