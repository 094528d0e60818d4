"""Customer pages: home, categories, articles, language choice, the accessibility statement."""
from __future__ import annotations

import secrets
from functools import cache

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)

from accessibility.conformance import read_published as read_conformance_report
from portal.analytics import LoggedSearch, ReadCounter, record_vote
from portal.db import db
from portal.extensions import csrf, limiter
from portal.i18n import canonical_code
from portal.i18n.request import LANG_COOKIE, request_language
from portal.kb import service as kb
from portal.search import SearchQuery, clean_query
from portal.services import services
from portal.studio.uploads import IMAGE_TYPES, MEDIA_NAME, MEDIA_TYPES
from portal.validation import is_local_path
from portal.web import notices as notice_banners
from portal.web import page_cache, visit
from portal.web.articles import present
from portal.web.guard import parse_count, same_site_only
from portal.web.lang import install_language_prefix

bp = Blueprint("public", __name__, url_prefix="/<lang>")
root = Blueprint("root", __name__)
install_language_prefix(bp)

LANG_COOKIE_MAX_AGE = 365 * 24 * 3600


def _settings():
    return current_app.config["SETTINGS"]


@root.get("/")
def index():
    """Send the visitor to their language: cookie, then Accept-Language, then default."""
    response = redirect(url_for("public.home", lang=request_language()), code=302)
    response.headers["Vary"] = "Accept-Language, Cookie"
    return response


@root.get("/media/<name>")
def media(name: str):
    """Files uploaded in the studio (content-addressed, so cacheable).

    Images are shown inline; attachments are always downloaded, never rendered by
    the browser, and sandboxed in case a browser tries anyway. The content type
    comes from our own table, never from guessing.
    """

    if not MEDIA_NAME.fullmatch(name):
        abort(404)
    extension = name.rsplit(".", 1)[1]
    image = extension in IMAGE_TYPES
    response = send_from_directory(services().media.directory, name, as_attachment=not image,
                                   max_age=365 * 24 * 3600)
    response.headers["Content-Type"] = MEDIA_TYPES[extension]  # as is: werkzeug would add a 2nd charset
    response.headers["X-Content-Type-Options"] = "nosniff"
    if not image:
        response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'; frame-ancestors 'none'"
    return response


@root.get("/language/<code>")
def choose_language(code: str):
    """Remember a language choice and show the same page in that language."""
    settings = _settings()
    lang = canonical_code(code, settings.languages)
    if lang is None:
        abort(404)
    target = _same_page_in(lang, request.args.get("next", ""), settings.languages)
    response = redirect(target, code=303)
    response.set_cookie(
        LANG_COOKIE, lang, max_age=LANG_COOKIE_MAX_AGE, samesite="Lax", httponly=True,
        secure=settings.session_cookie_secure,
    )
    return response


def _same_page_in(lang: str, next_path: str, enabled: tuple[str, ...]) -> str:
    # Only local paths: an attacker-supplied next must not become an open redirect.
    if not is_local_path(next_path):
        return f"/{lang}/"
    parts = next_path.split("/", 2)
    if len(parts) >= 2 and canonical_code(parts[1], enabled):
        rest = parts[2] if len(parts) == 3 else ""
        return f"/{lang}/{rest}"
    return f"/{lang}/"


def read_counter() -> ReadCounter:
    return services().read_counter


def _categories():
    # Shown on the home page and beside every search: kept with the stored pages, dropped with them.
    return current_app.extensions["page_cache"].memo("categories", lambda: kb.list_categories(db.session))


def _article_url(slug: str, fragment: str = "") -> str:
    return url_for("public.article", slug=slug) + fragment


@bp.get("/")
@page_cache.cacheable()
def home():
    categories = _categories()
    popular = kb.popular_articles(db.session, g.lang)
    return render_template("public/home.html", categories=categories, popular=popular,
                           category_name=kb.category_name, notices=notice_banners.for_home(g.lang))


@bp.get("/categories/<slug>")
@page_cache.cacheable()
def category(slug: str):
    found = kb.get_category(db.session, slug)
    if found is None:
        abort(404)
    articles = kb.articles_in_category(db.session, found, g.lang)
    return render_template("public/category.html", category=found,
                           name=kb.category_name(found, g.lang), articles=articles)


def _record_read(article_id: int, slug: str) -> None:
    # Counted in memory and written by the read counter's thread: a GET never commits.
    reads = read_counter()
    reads.view(article_id)
    if visit.is_active():
        visit.remember_article(slug)
    search_ref = request.args.get("s")
    if search_ref:
        reads.opened(search_ref, slug)


def _article_read_again(view_args: dict, meta: dict) -> None:
    _record_read(meta["article_id"], view_args["slug"])


def _article_read_again_without_visit(app, meta: dict) -> None:
    # A reader without a session has no visit to remember it in: only the view counts.
    services(app).read_counter.view(meta["article_id"])


#: Where the search page's links carry this search's reference, in the stored copy
#: (random per process and URL-safe: no query text can contain it by chance or on purpose).
SEARCH_REF_PLACEHOLDER = f"sref{secrets.token_hex(8)}"


def _log_search(logged: LoggedSearch) -> str:
    visit.remember_search(logged.query, logged.query_lang, logged.confidence)
    return read_counter().search(logged)


def _search_again(view_args: dict, meta: dict) -> dict[str, str] | None:
    logged = meta.get("logged")
    if logged is None:
        return None
    notice_banners.seen(meta["lang"], "search", meta.get("notices") or [])
    # The same search again, from memory: logged like any other, with a reference of its own.
    return {SEARCH_REF_PLACEHOLDER: _log_search(logged.again())}


def _search_again_without_visit(app: Flask, meta: dict) -> dict[str, str] | None:
    # A new visitor answered from memory: logged, with a reference of its own; the search
    # is remembered in the session the page gives them (declared with anonymous_session).
    logged = meta.get("logged")
    if logged is None:
        return None
    notice_banners.seen_without_visit(app, meta["lang"], "search", meta.get("notices") or [])
    return {SEARCH_REF_PLACEHOLDER: services(app).read_counter.search(logged.again())}


def search_generations() -> tuple:
    """Page-cache generation of search answers: a new index or new vectors make a new answer."""

    return services().search.generations()


@cache
def conformance_report() -> dict:
    """accessibility/conformance.json, made by `python -m accessibility.conformance`: read once per process."""
    return read_conformance_report()


@bp.get("/accessibility")
@page_cache.cacheable()
def accessibility():
    """The accessibility statement: the standard, how to report a problem, known limitations and
    the conformance of every WCAG 2.2 A/AA criterion (whose names and remarks are in English)."""

    return render_template("public/accessibility.html", report=conformance_report())


@bp.get("/articles/<slug>")
@page_cache.cacheable(ignored_args=("s",), variant=lambda view_args: visit.has_voted(view_args["slug"]),
                      on_hit=_article_read_again, anonymous_hit=_article_read_again_without_visit)
def article(slug: str):
    found = kb.get_article(db.session, slug)
    if found is None:
        abort(404)
    chosen = kb.choose_version(found, g.lang)
    if chosen is None:
        abort(404)
    show_original = request.args.get("original") == "1" and found.source is not None
    version = found.source if show_original else chosen.version
    _record_read(found.id, found.slug)
    page_cache.remember(article_id=found.id)
    shown = present(found, version, g.lang, _article_url)
    machine_translation_possible = None
    if not chosen.is_requested_language:
        machine_translation_possible = services().translation.engine_for(found.source_lang, g.lang) is not None
    return render_template(
        "public/article.html",
        article=found,
        chosen=chosen,
        version=version,
        showing_original=show_original,
        is_machine=shown.is_machine,
        is_stale=shown.is_stale,
        is_reviewed_machine=shown.is_reviewed_machine,
        voted=visit.has_voted(found.slug), vote=request.args.get("voted"),
        machine_translation_possible=machine_translation_possible,
        body_html=shown.body_html,
        category_name=kb.category_name(found.category, g.lang),
        notices=notice_banners.for_article(g.lang, found.slug, found.category.slug if found.category else None),
    )


@bp.get("/search")
@page_cache.cacheable(generation=search_generations, on_hit=_search_again,
                      anonymous_hit=_search_again_without_visit, anonymous_session=True)
def search():
    """Search page; works without JavaScript. Every search is logged (no personal data)."""

    query = clean_query(request.args.get("q"))
    category = request.args.get("category") or None
    if category and kb.get_category(db.session, category) is None:
        category = None
    page = request.args.get("page", 1, type=parse_count) or 1
    results = services().search.search(SearchQuery(
        query, g.lang, category, page, accept_language=request.headers.get("Accept-Language")))
    search_ref = logged = None
    if query:
        logged = LoggedSearch(
            query=query, query_lang=results.lang, confidence=results.confidence, rule=results.rule,
            ui_lang=g.lang, results=results.total, translated_query=results.translated_query, category=category)
        search_ref = _log_search(logged)
    popular = kb.popular_articles(db.session, g.lang) if query and not results.total else []
    banners = notice_banners.for_search(g.lang, query, [r.slug for r in results.results])
    html = render_template(
        "public/search.html",
        query=query,
        results=results,
        search_ref=SEARCH_REF_PLACEHOLDER if query else None,
        popular=popular,
        category=category,
        categories=_categories(),
        category_name=kb.category_name,
        notices=banners,
    )
    notice_ids = [notice.id for notice in banners]
    notice_banners.seen(g.lang, "search", notice_ids)  # deflection: searches that met a banner
    page_cache.remember(body=html, logged=logged, notices=notice_ids, lang=g.lang)
    if results.translation_pending:
        page_cache.do_not_store()  # the query's translation is on its way: the next answer is better
    return html.replace(SEARCH_REF_PLACEHOLDER, search_ref or "")


@bp.post("/articles/<slug>/feedback")
@csrf.exempt  # the article page is the same for every visitor, so its form has no session token
@same_site_only  # ...and a vote posted from another site's page is refused instead
@limiter.limit(lambda: current_app.config["SETTINGS"].rate_limit_public_writes)
def feedback(slug: str):
    """'Was this helpful?': one vote per visit; works without JavaScript."""

    found = kb.get_article(db.session, slug)
    if found is None:
        abort(404)
    helpful = request.form.get("helpful")
    if helpful not in ("yes", "no"):
        abort(400)
    if not visit.has_voted(slug):
        record_vote(db.session, slug, g.lang, helpful == "yes", request.form.get("comment", ""))
        visit.remember_vote(slug, helpful == "yes")
    return redirect(url_for("public.article", slug=slug, voted=helpful) + "#feedback", code=303)
