"""JSON API (``/api/v1``) and the health check."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request, url_for
from sqlalchemy import text

from portal.analytics import LoggedSearch
from portal.db import db
from portal.extensions import csrf, limiter
from portal.i18n import canonical_code
from portal.kb import service as kb
from portal.kb.models import KIND_SOURCE
from portal.search import SearchQuery, clean_query
from portal.search.service import HYBRID, RETRIEVALS
from portal.services import services
from portal.support import actions
from portal.support import service as support
from portal.web import notices as notice_banners
from portal.web import page_cache
from portal.web.articles import present
from portal.web.guard import bounded_int
from portal.web.notices import rfc3339
from portal.web.public import search_generations
from portal.web.support import error_messages

bp = Blueprint("api", __name__)
#: Longest draft matched for contact-form suggestions (characters).
DEFLECT_MAX_CHARS = 300
csrf.exempt(bp)  # JSON API: no cookie authentication, so no CSRF exposure


@bp.get("/healthz")
def healthz():
    """Liveness and database reachability, as JSON."""
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception:  # noqa: BLE001 - report, do not crash the health check
        database = "unavailable"
    status = 200 if database == "ok" else 503
    return jsonify({"status": "ok" if status == 200 else "degraded", "database": database}), status


def api_error(status: int, code: str, message: str):
    """A JSON error: machine-readable ``code`` and a human ``message``."""
    return jsonify({"error": {"code": code, "message": message}}), status


def _language_arg(name: str = "lang") -> str | None:
    settings = current_app.config["SETTINGS"]
    raw = request.args.get(name)
    if not raw:
        return settings.default_language
    return canonical_code(raw, settings.languages)


def _log_again(app, meta: dict) -> None:
    # The same request again, answered from memory: still one search in the log.
    services(app).read_counter.search(meta["logged"].again())


def _search_again(view_args: dict, meta: dict) -> None:
    _log_again(current_app, meta)


@bp.get("/api/v1/search")
@page_cache.cacheable(generation=search_generations, on_hit=_search_again, anonymous_hit=_log_again)
def search():
    """``GET /api/v1/search?q=&lang=&category=&page=``: results shown in ``lang``."""

    query = clean_query(request.args.get("q"))
    if not query:
        return api_error(400, "missing_query", "Give the text to search for in the 'q' parameter.")
    lang = _language_arg()
    if lang is None:
        return api_error(
            400, "unknown_language", f"'lang' must be one of: {', '.join(current_app.config['SETTINGS'].languages)}."
        )
    page = bounded_int(request.args.get("page", "1"), minimum=1, maximum=1000)
    if page is None:
        return api_error(400, "bad_page", "'page' must be a number from 1 to 1000.")
    category = (request.args.get("category") or "")[:120] or None
    retrieval = request.args.get("mode", HYBRID)
    if retrieval not in RETRIEVALS:
        return api_error(400, "bad_mode", f"'mode' must be one of: {', '.join(RETRIEVALS)}.")
    results = services().search.search(SearchQuery(query, lang, category, page,
                                                  accept_language=request.headers.get("Accept-Language"),
                                                  retrieval=retrieval))
    logged = LoggedSearch(
        query=query, query_lang=results.lang, confidence=results.confidence, rule=results.rule,
        ui_lang=lang, results=results.total, translated_query=results.translated_query,
        category=category, source="api")
    services().read_counter.search(logged)
    page_cache.remember(logged=logged)
    if results.translation_pending:
        page_cache.do_not_store()  # the query's translation is on its way: the next answer is better
    return jsonify(_results_json(results, lang))


def _results_json(results, lang: str) -> dict:
    return {
        "query": results.query,
        "detected_language": {"lang": results.lang, "confidence": round(results.confidence, 4), "rule": results.rule,
                              "secondary": results.secondary_lang},
        "translated_query": results.translated_query,
        "total": results.total,
        "page": results.page,
        "pages": results.pages,
        "suggestion": results.suggestion,
        # Which retrieval answered: semantic is "pending" while vectors are being made.
        "retrieval": {"modes": results.modes, "semantic": results.semantic},
        "results": [{
            "slug": r.slug,
            "title": r.title,
            "language": r.lang,
            "machine_translated": r.machine_translated,
            "url": url_for("public.article", lang=lang, slug=r.slug, _external=False, _anchor=r.anchor or None),
            "section": r.anchor or None,
            "snippet": str(r.snippet),
            "score": r.score,
            "category": r.category,
        } for r in results.results],
    }


@bp.get("/api/v1/deflect")
@limiter.limit("120 per minute")
def deflect():
    """``GET /api/v1/deflect?q=&lang=``: articles that may answer a message being written.

    For the contact form's suggestions while the customer types: the draft is
    matched like a search but never logged, so it never reaches writers' reports.
    """

    query = clean_query(request.args.get("q"))[:DEFLECT_MAX_CHARS]
    if not query:
        return api_error(400, "missing_query", "Give the text of the message in the 'q' parameter.")
    lang = _language_arg()
    if lang is None:
        return api_error(
            400, "unknown_language", f"'lang' must be one of: {', '.join(current_app.config['SETTINGS'].languages)}."
        )
    results = services().search.search(SearchQuery(query, lang, per_page=5,
                                                  accept_language=request.headers.get("Accept-Language")))
    data = _results_json(results, lang)
    # Known problems the message matches: "we already know about this: follow the status".
    data["notices"] = [notice_json(shown, lang) for shown in notice_banners.matching(lang, query)]
    notice_banners.seen(lang, "contact", [notice["id"] for notice in data["notices"]])
    response = jsonify(data)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/api/v1/notices")
@page_cache.cacheable()
def notices():
    """``GET /api/v1/notices?lang=``: active notices in ``lang`` (translated where a translation
    exists, and saying so), with their status and timestamped updates, newest first."""

    lang = _language_arg()
    if lang is None:
        return api_error(
            400, "unknown_language", f"'lang' must be one of: {', '.join(current_app.config['SETTINGS'].languages)}."
        )
    return jsonify({"language": lang, "notices": [notice_json(shown, lang) for shown in notice_banners.for_home(lang)]})


def notice_json(shown, lang: str) -> dict:
    """One notice as the API and the contact form's suggestions give it."""
    return {
        "id": shown.id,
        "title": shown.title,
        "language": shown.lang,
        "source_language": shown.source_lang,
        "machine_translated": shown.machine,
        "severity": shown.severity,
        "status": shown.status,
        "html": shown.body_html,
        "url": url_for("notices.notice", lang=lang, notice_id=shown.id),
        "created_at": rfc3339(shown.created_at),
        "updated_at": rfc3339(shown.updated_at),
        "updates": [{"status": u.status, "text": u.text, "language": u.lang, "machine_translated": u.machine,
                     "created_at": rfc3339(u.created_at)} for u in shown.updates],
    }


@bp.get("/api/v1/suggest")
def suggest():
    """``GET /api/v1/suggest?q=&lang=``: query completions from the index vocabulary."""

    lang = _language_arg()
    if lang is None:
        return api_error(400, "unknown_language", "Unknown 'lang'.")
    prefix = request.args.get("q", "")
    return jsonify({"query": prefix[:500], "suggestions": services().search.suggest(prefix, lang)})


# --- tickets -----------------------------------------------------------------

def _public_write_limit() -> str:
    return current_app.config["SETTINGS"].rate_limit_public_writes


def _ticket_json(ticket, token: str | None = None) -> dict:
    data = {"id": ticket.id, "reference": ticket.reference, "status": ticket.status, "language": ticket.language,
            "created_at": ticket.created_at.isoformat(), "updated_at": ticket.updated_at.isoformat()}
    if token:
        data["token"] = token
        # From the configured public address, never the request's Host header.
        from portal.support.notifications import status_url

        data["status_url"] = status_url(ticket)
    return data


def _validation_error(exc):
    messages = error_messages()
    fields = {name: {"code": code, "message": messages.get(code, code)} for name, code in exc.errors.items()}
    first = next(iter(fields.values()))
    return jsonify({"error": {"code": "invalid", "message": first["message"], "fields": fields}}), 422


@bp.post("/api/v1/tickets")
@limiter.limit(_public_write_limit)
def create_ticket():
    """Create a ticket: ``{"message", "email"?, "name"?, "language"?, "context"?}``.

    Send an ``Idempotency-Key`` header to make retries safe: the same key returns
    the same ticket (200) instead of creating another (201).
    """
    settings = current_app.config["SETTINGS"]
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return api_error(400, "bad_json", "Send a JSON object with at least a 'message'.")
    for name, kind in (("message", str), ("email", str), ("name", str), ("language", str), ("context", dict)):
        if body.get(name) is not None and not isinstance(body[name], kind):
            return api_error(400, "bad_field", f"'{name}' must be {'an object' if kind is dict else 'text'}.")
    language = body.get("language") or settings.default_language

    language = canonical_code(str(language), settings.languages) or str(language)
    data = support.NewTicket(message=body.get("message") or "", language=language, email=body.get("email") or "",
                             name=body.get("name") or "", context=body.get("context") or {},
                             idempotency_key=request.headers.get("Idempotency-Key"), source="api")
    try:
        ticket, token, created = actions.open_ticket(db.session, data)
    except support.ValidationFailed as exc:
        return _validation_error(exc)
    return jsonify(_ticket_json(ticket, token)), 201 if created else 200


def _api_ticket(token: str):
    return actions.ticket_for_token(db.session, token)


@bp.get("/api/v1/tickets/<token>")
def get_ticket(token: str):
    """The ticket and its public conversation, agent replies in the customer's language."""
    ticket = _api_ticket(token)
    if ticket is None:
        return api_error(404, "not_found", "No request has this token.")
    data = _ticket_json(ticket)
    data["messages"] = []
    for message in ticket.messages:
        if message.internal:
            continue
        text, lang, machine = message.text_in(ticket.language)
        data["messages"].append({"author": message.author_kind, "text": text, "language": lang,
                                 "machine_translated": machine, "original": message.body if machine else None,
                                 "original_language": message.lang, "created_at": message.created_at.isoformat()})
    response = jsonify(data)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/api/v1/tickets/<token>/messages")
@limiter.limit(_public_write_limit)
def add_message(token: str):
    """Add a customer message: ``{"message"}``; reopens a solved or waiting request."""
    ticket = _api_ticket(token)
    if ticket is None:
        return api_error(404, "not_found", "No request has this token.")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return api_error(400, "bad_json", "Send a JSON object with a 'message'.")
    if body.get("message") is not None and not isinstance(body["message"], str):
        return api_error(400, "bad_field", "'message' must be text.")
    try:
        message = actions.add_customer_reply(db.session, ticket, body.get("message") or "")
    except support.ValidationFailed as exc:
        return _validation_error(exc)
    return jsonify({"id": message.id, "status": ticket.status}), 201


@bp.get("/api/v1/articles/<slug>")
def article(slug: str):
    """An article in ``lang``: the best version, and whether machine translation can help.

    When the language has no version and no engine serves the pair, the response
    says so plainly (``translation.status == "unavailable"``) instead of failing.
    """

    lang = _language_arg()
    if lang is None:
        return api_error(400, "unknown_language", "Unknown 'lang'.")
    found = kb.get_article(db.session, slug)
    chosen = kb.choose_version(found, lang) if found is not None else None
    if chosen is None:
        return api_error(404, "not_found", "No published article has this slug.")
    version = chosen.version
    if chosen.is_requested_language:
        status = version.kind if version.kind != KIND_SOURCE else "original"
        message = None
    elif services().translation.engine_for(found.source_lang, lang) is not None:
        status, message = "pending", f"A machine translation into {lang} is being prepared."
    else:
        status, message = "unavailable", f"No machine translation is available for {found.source_lang} -> {lang}."
    shown = present(found, version, lang, lambda s, f: url_for("public.article", lang=lang, slug=s) + f)
    return jsonify({
        "slug": found.slug, "requested_language": lang, "language": version.lang,
        "source_language": found.source_lang, "title": version.title, "summary": version.summary,
        "html": shown.body_html,
        "machine_translated": shown.is_machine,
        "machine_reviewed": shown.is_reviewed_machine,
        "stale": shown.is_stale,
        "translation": {"status": status, "message": message},
    })
