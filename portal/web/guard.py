"""Hostile input stops at the edge, with a clear 4xx and nothing written.

Installed once by :func:`install` from ``register_web``:

- a request-size limit (``MAX_CONTENT_LENGTH``) checked before a body is read,
  with smaller limits for the public JSON API and forms without uploads;
- no NUL bytes, lone surrogates or other C0 control characters (tab and line
  breaks aside) in the path, query string, form fields or file names: PostgreSQL
  refuses NUL in text and UTF-8 cannot encode a surrogate, so they would only
  ever surface later as a 500;
- strict JSON: bounded depth and number sizes, no ``NaN``/``Infinity``, no
  surrogates or NUL in strings, answered as 400 with a machine-readable code;
- ``<int:...>`` URL parts bounded to what every database column can hold, so a
  huge id is a 404 instead of an overflow;
- :func:`same_site_only` for token-free public forms: a POST a browser sends
  from another site is refused (Fetch Metadata, then ``Origin``).
"""
from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Flask, current_app, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import BadRequest, Forbidden
from werkzeug.routing import IntegerConverter

#: Largest id or count accepted from a URL or a form (PostgreSQL ``integer``).
MAX_INT = 2**31 - 1
#: Deepest JSON nesting the API accepts (ticket context is two levels deep).
MAX_JSON_DEPTH = 16
#: Most digits in a JSON number (beyond this, floats overflow and integers do not fit).
MAX_JSON_DIGITS = 18
#: Bodies of public requests: the JSON API, contact and feedback forms (bytes).
PUBLIC_BODY_LIMIT = 64 * 1024
#: Bodies of staff forms without a file: article editors, segment editors (bytes).
STAFF_BODY_LIMIT = 2 * 1024 * 1024
#: Blueprints whose forms may carry a long article or translation.
STAFF_BODY_BLUEPRINTS = frozenset({"studio", "studio_translate", "studio_reports", "desk"})
#: Most parts in one multipart or url-encoded form.
MAX_FORM_PARTS = 200

# C0 controls except tab, line feed and carriage return, and lone surrogates.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
# In URLs (path and query keys) line breaks are never legitimate either.
_FORBIDDEN_IN_URL = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")


class BadInput(BadRequest):
    """A 400 that carries a machine-readable ``error_code`` for the JSON API."""

    def __init__(self, error_code: str, description: str) -> None:
        super().__init__(description)
        self.error_code = error_code


class CrossSiteRequest(Forbidden):
    """A state-changing request a browser sent from another site's page."""

    error_code = "cross_site"


def is_cross_site() -> bool:
    """True when a browser says this request comes from another site.

    Browsers send ``Sec-Fetch-Site`` on every request (Chromium, Firefox and
    Safari since 2023) and ``Origin`` on every cross-origin POST, so a forged
    form post always carries one of them. A request with neither is not from a
    browser page, so it cannot ride on a visitor's cookies (the same rule as Go's
    ``http.CrossOriginProtection``).
    """
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site not in ("same-origin", "none")
    origin = request.headers.get("Origin")
    if origin is None:
        return False
    if origin == "null":
        return True
    allowed = {request.host.lower(), urlsplit(current_app.config["SETTINGS"].public_url).netloc.lower()}
    return urlsplit(origin).netloc.lower() not in allowed


_View = TypeVar("_View", bound=Callable[..., Any])


def same_site_only(view: _View) -> _View:
    """Refuse cross-site requests to ``view``: CSRF protection without a session token.

    For public forms on cacheable pages (the feedback form), whose HTML must be
    the same for every visitor. Exempt the view from the token check separately.
    """
    @wraps(view)
    def checked(*args, **kwargs):
        if request.method not in ("GET", "HEAD", "OPTIONS") and is_cross_site():
            raise CrossSiteRequest()
        return view(*args, **kwargs)
    return checked  # type: ignore[return-value]


def has_forbidden_characters(text: str) -> bool:
    """True when ``text`` holds NUL, other C0 controls (not tab/CR/LF) or a lone surrogate."""
    return bool(_FORBIDDEN.search(text))


def bounded_int(raw: object, default: int | None = None, minimum: int = 0, maximum: int = MAX_INT) -> int | None:
    """``raw`` as an int within [minimum, maximum], else ``default`` (never an overflow)."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        value = raw
    elif isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= 10:
        value = int(raw)
    else:
        return default
    return value if minimum <= value <= maximum else default


def parse_count(raw: str) -> int:
    """``type=`` for ``request.args.get``: a non-negative int that fits a database column.

    Raises ``ValueError`` otherwise, so werkzeug falls back to the default.
    """
    value = bounded_int(raw)
    if value is None:
        raise ValueError(f"not a number from 0 to {MAX_INT}")
    return value


class BoundedIntegerConverter(IntegerConverter):
    """``<int:id>`` that matches only values a database integer column can hold."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", MAX_INT)
        super().__init__(map, *args, **kwargs)


def _reject_constant(name: str) -> Any:
    raise BadInput("bad_number", f"JSON numbers must be finite; {name} is not accepted.")


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_JSON_DIGITS:
        raise BadInput("bad_number", f"JSON numbers may have at most {MAX_JSON_DIGITS} digits.")
    return int(text)


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value) or len(text) > 64:
        raise BadInput("bad_number", "JSON numbers must be finite and reasonably short.")
    return value


def _check_structure(value: Any, depth: int = 0) -> None:
    if depth > MAX_JSON_DEPTH:
        raise BadInput("too_deep", f"JSON may be nested at most {MAX_JSON_DEPTH} levels deep.")
    if isinstance(value, str):
        if has_forbidden_characters(value):
            raise BadInput("bad_characters", "Text may not contain NUL, control characters or lone surrogates.")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_structure(key, depth + 1)
            _check_structure(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_structure(item, depth + 1)


def strict_loads(data: str | bytes | bytearray) -> Any:
    """Parse JSON, refusing what no client of ours sends (see the module docstring).

    Syntax errors stay ``ValueError`` (so ``get_json(silent=True)`` still returns
    None); structurally hostile input raises :class:`BadInput`.
    """
    if isinstance(data, (bytes, bytearray)):
        try:
            data = bytes(data).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadInput("bad_json", "JSON must be encoded as UTF-8.") from exc
    # Cheap pre-check: the C parser recurses once per bracket.
    if data.count("[") + data.count("{") > MAX_JSON_DEPTH and _bracket_depth(data) > MAX_JSON_DEPTH:
        raise BadInput("too_deep", f"JSON may be nested at most {MAX_JSON_DEPTH} levels deep.")
    try:
        value = json.loads(data, parse_constant=_reject_constant, parse_int=_parse_int, parse_float=_parse_float)
    except RecursionError as exc:  # pragma: no cover - the pre-check catches it first
        raise BadInput("too_deep", "JSON is nested too deeply.") from exc
    _check_structure(value)
    return value


def _bracket_depth(text: str) -> int:
    """Deepest bracket nesting outside JSON strings."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_JSON_DEPTH:
                    return deepest
        elif char in "]}":
            depth -= 1
    return deepest


class StrictJSONProvider(DefaultJSONProvider):
    """The app's JSON: strict when reading, Flask's defaults when writing."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return strict_loads(s)


#: Endpoints that take a file upload and so keep the app-wide size limit.
_UPLOAD_ENDPOINTS = frozenset({"studio.upload_image", "studio.upload_attachment"})


def _body_limit() -> int | None:
    app_limit = request.max_content_length
    if request.endpoint in _UPLOAD_ENDPOINTS:
        return app_limit
    limit = STAFF_BODY_LIMIT if request.blueprint in STAFF_BODY_BLUEPRINTS else PUBLIC_BODY_LIMIT
    return min(app_limit, limit) if app_limit else limit


def _check_request() -> None:
    """Refuse oversized bodies and forbidden characters before any view runs."""
    request.max_content_length = _body_limit()
    if _FORBIDDEN_IN_URL.search(request.path):
        raise BadInput("bad_characters", "The address contains characters that are not allowed.")
    for key, value in request.args.items(multi=True):
        if _FORBIDDEN_IN_URL.search(key) or has_forbidden_characters(value):
            raise BadInput("bad_characters", "The address contains characters that are not allowed.")
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and request.mimetype in (
            "application/x-www-form-urlencoded", "multipart/form-data"):
        for key, value in request.form.items(multi=True):
            if has_forbidden_characters(key) or has_forbidden_characters(value):
                raise BadInput("bad_characters", "The form contains characters that are not allowed.")
        for key, upload in request.files.items(multi=True):
            if has_forbidden_characters(key) or has_forbidden_characters(upload.filename or ""):
                raise BadInput("bad_characters", "A file name contains characters that are not allowed.")


def install(app: Flask, max_content_length: int) -> None:
    """Wire the guards into ``app``; call before any blueprint is registered."""
    app.config["MAX_CONTENT_LENGTH"] = max_content_length
    app.config["MAX_FORM_PARTS"] = MAX_FORM_PARTS
    app.json = StrictJSONProvider(app)
    app.url_map.converters["int"] = BoundedIntegerConverter
    # First in line: before CSRF checks and views read the form.
    app.before_request_funcs.setdefault(None, []).insert(0, _check_request)
