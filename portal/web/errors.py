"""Error pages in the UI language; JSON errors under /api."""
from __future__ import annotations

from flask import Flask, current_app, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from portal.i18n import canonical_code
from portal.i18n.request import request_language
from portal.web.guard import BadInput, is_cross_site


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def _ensure_lang(app: Flask) -> None:
    if not getattr(g, "lang", None):
        settings = app.config["SETTINGS"]
        # A 404 never reached the language-prefix hook: read the prefix here.
        g.lang = canonical_code(request.path.split("/")[1], settings.languages) or request_language()


_MESSAGES = {
    400: lambda: _("The request could not be understood."),
    403: lambda: _("You do not have permission to do that."),
    404: lambda: _("We could not find that page."),
    405: lambda: _("That action is not allowed here."),
    413: lambda: _("What you sent is too large."),
    429: lambda: _("Too many requests. Please wait a moment and try again."),
    500: lambda: _("Something went wrong on our side. Please try again later."),
}
_CODES = {400: "bad_request", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
          413: "too_large", 429: "rate_limited", 500: "server_error"}

#: Flask-WTF's reasons for refusing a form when only time went wrong: the token is older than
#: WTF_CSRF_TIME_LIMIT, or the session it belongs to is gone (cookie lost) or was replaced (a
#: newer session has another token), or no token came at all. A token that is not ours (bad
#: signature) and a missing or foreign Referer over HTTPS are not among them.
STALE_FORM_REASONS = frozenset({
    "The CSRF token is missing.",
    "The CSRF session token is missing.",
    "The CSRF token has expired.",
    "The CSRF tokens do not match.",
})


def is_stale_form(exc: CSRFError) -> bool:
    """True when a form was refused only because it was open too long or its session ended.

    Such a form may be shown again with what was typed in it, and a fresh token; nothing
    else may be done with the request. Never for a request a browser sent from another
    site: that is the forgery the token is there to stop, and showing its text back
    could trick a visitor into sending it.
    """
    return exc.description in STALE_FORM_REASONS and not is_cross_site()


def render_error(status: int, message: str | None = None, code: str | None = None,
                 api_message: str | None = None):
    """The error page (or the API's JSON error) for ``status``, in the UI language."""
    _ensure_lang(current_app)
    text = message or _MESSAGES.get(status, _MESSAGES[500])()
    if _wants_json():
        return jsonify({"error": {"code": code or _CODES.get(status, "error"),
                                  "message": api_message or text}}), status
    return render_template("errors/error.html", status=status, message=text), status


def csrf_error_page():
    """What a request refused by the CSRF check gets, unless its view shows its form again."""
    return render_error(400, _("Your session expired. Please reload the page and try again."))


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if isinstance(exc, BadInput):
            # Pages say it in the reader's language; the API adds the precise reason.
            return render_error(400, code=exc.error_code, api_message=exc.description)
        return render_error(exc.code or 500, code=getattr(exc, "error_code", None))

    @app.errorhandler(CSRFError)
    def _csrf_error(exc):
        # (The contact form shows itself again instead: portal.web.support.)
        return csrf_error_page()

    @app.errorhandler(Exception)
    def _unexpected(exc):  # pragma: no cover - exercised by the 500 test
        if app.testing:
            raise exc  # tests see the real traceback instead of the error page
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return render_error(500)
