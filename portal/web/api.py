"""JSON API (``/api/v1``) and the health check."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request, url_for
from sqlalchemy import text

from portal.db import db

bp = Blueprint("api", __name__)


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
    from portal.i18n import canonical_code

    settings = current_app.config["SETTINGS"]
    raw = request.args.get(name)
    if not raw:
        return settings.default_language
    return canonical_code(raw, settings.languages)


@bp.get("/api/v1/search")
def search():
    """``GET /api/v1/search?q=&lang=&category=&page=``: results shown in ``lang``."""
    from portal.analytics import log_search
    from portal.search import SearchQuery, clean_query, search_service

    query = clean_query(request.args.get("q"))
    if not query:
        return api_error(400, "missing_query", "Give the text to search for in the 'q' parameter.")
    lang = _language_arg()
    if lang is None:
        return api_error(400, "unknown_language", f"'lang' must be one of: {', '.join(current_app.config['SETTINGS'].languages)}.")
    page = request.args.get("page", "1")
    if not page.isdigit() or not 1 <= int(page) <= 1000:
        return api_error(400, "bad_page", "'page' must be a number from 1 to 1000.")
    category = request.args.get("category") or None
    results = search_service().search(SearchQuery(query, lang, category, int(page),
                                                  accept_language=request.headers.get("Accept-Language")))
    log_search(db.session, query=query, query_lang=results.lang, confidence=results.confidence, rule=results.rule,
               ui_lang=lang, results=results.total, translated_query=results.translated_query,
               category=category, source="api")
    return jsonify({
        "query": results.query,
        "detected_language": {"lang": results.lang, "confidence": round(results.confidence, 4), "rule": results.rule},
        "translated_query": results.translated_query,
        "total": results.total,
        "page": results.page,
        "pages": results.pages,
        "suggestion": results.suggestion,
        "results": [{
            "slug": r.slug,
            "title": r.title,
            "language": r.lang,
            "machine_translated": r.machine_translated,
            "url": url_for("public.article", lang=lang, slug=r.slug, _external=False),
            "snippet": str(r.snippet),
            "score": r.score,
            "category": r.category,
        } for r in results.results],
    })


@bp.get("/api/v1/suggest")
def suggest():
    """``GET /api/v1/suggest?q=&lang=``: query completions from the index vocabulary."""
    from portal.search import search_service

    lang = _language_arg()
    if lang is None:
        return api_error(400, "unknown_language", "Unknown 'lang'.")
    prefix = request.args.get("q", "")
    return jsonify({"query": prefix[:500], "suggestions": search_service().suggest(prefix, lang)})
