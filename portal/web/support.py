"""Customer side of support: the contact form and the private ticket status page."""
from __future__ import annotations

import uuid

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from portal.db import db
from portal.extensions import limiter
from portal.kb.service import get_article
from portal.support import actions
from portal.support import service as support
from portal.web import notices as notice_pages
from portal.web import visit
from portal.web.errors import csrf_error_page, is_stale_form
from portal.web.lang import install_language_prefix

bp = Blueprint("support", __name__, url_prefix="/<lang>")
install_language_prefix(bp)


def _public_write_limit() -> str:
    return current_app.config["SETTINGS"].rate_limit_public_writes


def error_messages() -> dict[str, str]:
    """Localized text for the service's error codes."""
    return {
        "message_required": _("Please describe your question or problem."),
        "message_too_short": _("Please write a few more words so we can help."),
        "message_too_long": _("Your message is too long (at most 10,000 characters)."),
        "email_invalid": _("This does not look like an email address, for example name@example.com."),
        "name_too_long": _("Your name is too long."),
        "language_unknown": _("Please choose one of the listed languages."),
    }


def _context_from_form(form, offered: dict) -> dict:
    """The parts of the offered context the customer kept ticked."""
    kept = {}
    if form.get("include_query") and offered.get("query"):
        kept.update({k: offered[k] for k in ("query", "query_lang", "query_confidence") if k in offered})
    if form.get("include_articles") and offered.get("articles"):
        kept["articles"] = offered["articles"]
    if form.get("include_votes") and offered.get("votes"):
        kept["votes"] = offered["votes"]
    return kept


def _came_from() -> str | None:
    """The article the contact link was on (``?article=`` on GET, kept in the form on POST), if it exists."""

    slug = (request.args.get("article") if request.method == "GET" else request.form.get("context_article")) or ""
    slug = slug.strip()[:200]
    return slug if slug and get_article(db.session, slug) is not None else None


def _offered_context(came_from: str | None) -> dict:
    offered = visit.context(came_from)
    query = (request.args.get("q") or "").strip()[:300]
    if query and query != offered.get("query"):
        offered.update(query=query, query_lang=offered.get("query_lang", g.lang), query_confidence=0.0)
    return offered


@bp.route("/contact", methods=["GET", "POST"])
@limiter.limit(_public_write_limit, methods=["POST"])
def contact():
    came_from = _came_from()
    offered = (_offered_context(came_from) if request.method == "GET"
               else dict(visit.context(came_from), **_posted_query()))
    errors: dict[str, str] = {}
    form = request.form if request.method == "POST" else {}
    if request.method == "POST":
        if form.get("website"):  # honeypot: people never see it, bots fill it
            return redirect(url_for("support.contact_received"), code=303)
        data = support.NewTicket(
            message=form.get("message", ""), language=form.get("language") or g.lang,
            email=form.get("email", ""), name=form.get("name", ""),
            context=_context_from_form(form, offered), idempotency_key=form.get("idempotency_key"),
        )
        try:
            ticket, token, created = actions.open_ticket(db.session, data)
        except support.ValidationFailed as exc:
            errors = exc.errors
        else:
            if created:
                notice_pages.filed(g.lang)  # deflection: met a notice's banner and asked all the same
            return redirect(url_for("support.ticket", lang=ticket.language, token=token, new=1), code=303)
    return _contact_page(form, came_from, offered, errors)


def _contact_page(form, came_from: str | None, offered: dict, errors: dict[str, str], resend: bool = False):
    """The contact form, filled with ``form``; 400 when it comes back unsent (errors or ``resend``)."""
    titles = {}
    for slug in offered.get("articles", []):
        article = get_article(db.session, slug)
        if article is not None and article.source is not None:
            version = article.version(g.lang) or article.source
            titles[slug] = (version.title, version.lang)
    messages = error_messages()
    response = make_response(render_template(
        "support/contact.html", offered=offered, titles=titles, form=form, came_from=came_from,
        errors={field: messages.get(code, code) for field, code in errors.items()}, resend=resend,
        idempotency_key=form.get("idempotency_key") or uuid.uuid4().hex,
    ), 400 if errors or resend else 200)
    return response  # never stored: portal.web.http_cache marks every support page no-store


@bp.errorhandler(CSRFError)
def _form_refused(exc: CSRFError):
    """A contact form sent after its token or session expired comes back with everything typed in it.

    WCAG 2.2.1: a customer may take as long as they need to write. The request itself
    does nothing (the view never ran: the CSRF check refused it first); the page only
    shows the posted text again, with a fresh token and a message saying to send it
    again. 400, like a form with errors: nothing was accepted. Any other CSRF failure,
    and any other support form, gets the usual error page.
    """
    if (request.endpoint != "support.contact" or not getattr(g, "lang", None)
            or getattr(g, "lang_not_found", None) or not is_stale_form(exc)):
        return csrf_error_page()
    came_from = _came_from()
    offered = dict(visit.context(came_from), **_posted_query())
    return _contact_page(request.form, came_from, offered, {}, resend=True)


def _posted_query() -> dict:
    query = (request.form.get("context_query") or "").strip()[:300]
    return {"query": query, "query_lang": g.lang, "query_confidence": 0.0} if query else {}


@bp.get("/contact/received")
def contact_received():
    return render_template("support/received.html")


def _ticket_or_404(token: str):
    ticket = actions.ticket_for_token(db.session, token)
    if ticket is None:
        abort(404)
    return ticket


def _no_referrer(response):
    # The token is in the URL: never hand it to another site (no-store comes from http_cache).
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/tickets/<token>")
def ticket(token: str):
    found = _ticket_or_404(token)
    return _no_referrer(make_response(render_template(
        "support/ticket.html", ticket=found, token=token, just_created=request.args.get("new") == "1",
        errors={}, form={}, linked_notices=notice_pages.for_ticket(found.id, g.lang))))


@bp.post("/tickets/<token>/reply")
@limiter.limit(_public_write_limit)
def reply(token: str):
    found = _ticket_or_404(token)
    try:
        actions.add_customer_reply(db.session, found, request.form.get("message", ""))
    except support.ValidationFailed as exc:
        messages = error_messages()
        return _no_referrer(make_response(render_template(
            "support/ticket.html", ticket=found, token=token, just_created=False, form=request.form,
            errors={"message": messages.get(exc.errors["message"])},
            linked_notices=notice_pages.for_ticket(found.id, g.lang)), 400))
    return redirect(url_for("support.ticket", token=token) + "#conversation", code=303)


@bp.post("/tickets/<token>/close")
@limiter.limit(_public_write_limit)
def close(token: str):
    found = _ticket_or_404(token)
    actions.close_by_customer(db.session, found)
    return redirect(url_for("support.ticket", token=token), code=303)
