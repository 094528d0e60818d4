"""The UI language of the current request when its URL names none."""
from __future__ import annotations

from flask import current_app, request

from portal.i18n.negotiation import negotiate

#: The cookie that remembers a visitor's choice of language.
LANG_COOKIE = "lang"


def request_language() -> str:
    """The language chosen before (cookie), else the browser's (Accept-Language), else the default."""
    settings = current_app.config["SETTINGS"]
    return negotiate(settings.languages, settings.default_language, cookie=request.cookies.get(LANG_COOKIE),
                     accept_language=request.headers.get("Accept-Language"))
