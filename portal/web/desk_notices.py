"""Desk pages for incident notices: list, publish (from scratch or from a trend), edit, post
updates and resolve, link tickets, and people's translations per language."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from accessibility import localize
from portal.accounts import role_required
from portal.db import db
from portal.kb import service as kb
from portal.notices import actions, service
from portal.notices.models import LinkKind, Notice, NoticeStatus, NoticeTicket, Severity
from portal.support.models import SOLVED, Ticket
from portal.web.guard import bounded_int
from portal.web.lang import install_staff_language


def _session() -> Session:
    """The request's session (the scoped proxy's current one, as the use cases are typed)."""
    return db.session()


bp = Blueprint("desk_notices", __name__, url_prefix="/desk/notices")
install_staff_language(bp)

#: Tickets looked at for suggestions: the newest open ones.
SUGGESTION_WINDOW = 200


def error_messages() -> dict[str, str]:
    """Localized text for the notice service's error codes."""
    return {
        "title_required": _("Give the notice a title."),
        "title_too_long": _("The title is too long (at most 200 characters)."),
        "body_too_long": _("The text is too long (at most 20,000 characters)."),
        "severity_unknown": _("Choose one of the listed severities."),
        "status_unknown": _("Choose one of the listed statuses."),
        "language_unknown": _("Please choose one of the listed languages."),
        "nothing_to_match": _("Give at least one phrase, topic or article, so the notice is shown where it matters."),
        "inaccessible": _("The text has accessibility problems to fix first (listed below)."),
        "update_required": _("Say what changed, or choose another status."),
        "update_too_long": _("The update is too long (at most 5,000 characters)."),
        "ticket_unknown": _("No request has this reference."),
    }


def _notice(notice_id: int) -> Notice:
    found = db.session.get(Notice, notice_id)
    if found is None:
        abort(404)
    return found


def _draft_from_form(form, lang: str) -> service.NoticeDraft:
    return service.NoticeDraft(
        title=form.get("title", ""), body=form.get("body", ""), lang=lang, severity=form.get("severity", ""),
        topics=service.split_list(form.get("topics", ""), service.MAX_SLUGS, 120),
        articles=service.split_list(form.get("articles", ""), service.MAX_SLUGS, 200),
        phrases=service.split_list(form.get("phrases", ""), service.MAX_PHRASES, service.MAX_PHRASE),
        trend_id=bounded_int(form.get("trend_id") or None))


def _form_of(notice: Notice) -> dict:
    return {"title": notice.title, "body": notice.body, "severity": notice.severity,
            "topics": "\n".join(notice.topics or ()), "articles": "\n".join(notice.articles or ()),
            "phrases": "\n".join(notice.phrases or ())}


def prefill_from_trend(trend_id: int | None) -> tuple[dict, list[int]]:
    """The form filled in from an emerging-issue trend, and the trend's tickets (to link).

    Read through the table, not the trends package's models, so the desk works
    with or without it: a missing trend (or table) gives an empty form.
    """
    table = db.metadata.tables.get("trend")
    if trend_id is None or table is None:
        return {}, []
    row = db.session.execute(select(table).where(table.c.id == trend_id)).mappings().first()
    if row is None:
        return {}, []
    languages = current_app.config["SETTINGS"].languages
    text = (row.get("representative") or "")[:service.MAX_TITLE]
    form = {"title": text, "phrases": text, "articles": "\n".join(sorted(row.get("articles") or {})),
            "trend_id": str(trend_id)}
    if row.get("representative_lang") in languages:
        form["lang"] = row["representative_lang"]
    tickets = [t for t in (row.get("tickets") or []) if isinstance(t, int)]
    return form, tickets


def _editor(template: str, status: int = 200, **context):
    categories = [category for category, _count in kb.list_categories(_session())]
    messages = error_messages()
    errors = {field: messages.get(code, code) for field, code in context.pop("error_codes", {}).items()}
    findings = [localize(f, _, current_user.language) for f in context.pop("findings", [])]
    return render_template(template, severities=list(Severity), statuses=list(NoticeStatus), categories=categories,
                           errors=errors, findings=findings, **context), status


@bp.get("/")
@role_required("agent", "writer")
def index():
    notices = db.session.scalars(select(Notice).order_by(Notice.status == NoticeStatus.RESOLVED,
                                                         Notice.updated_at.desc()).limit(200)).all()
    return render_template("desk/notices.html", notices=notices)


@bp.route("/new", methods=["GET", "POST"])
@role_required("agent", "writer")
def new():
    """Publish a notice; ``?trend=<id>`` starts from an emerging-issue trend."""
    languages = current_app.config["SETTINGS"].languages
    if request.method == "GET":
        form, _tickets = prefill_from_trend(bounded_int(request.args.get("trend") or None))
        form.setdefault("lang", current_user.language if current_user.language in languages else languages[0])
        return _editor("desk/notice_new.html", form=form)
    form = request.form
    lang = form.get("lang", "")
    draft = _draft_from_form(form, lang)
    _form, trend_tickets = prefill_from_trend(draft.trend_id)
    try:
        notice = actions.publish_notice(_session(), draft, current_user.id, form.get("update", ""),
                                        link_tickets=trend_tickets)
    except service.NoticeInvalid as exc:
        db.session.rollback()
        return _editor("desk/notice_new.html", 400, form=form, error_codes=exc.errors, findings=exc.findings)
    return redirect(url_for("desk_notices.notice", notice_id=notice.id, published=1), code=303)


def _suggested_tickets(notice: Notice) -> list[Ticket]:
    """Open requests whose first message matches the notice's phrases, not linked yet."""
    linked = set(db.session.scalars(select(NoticeTicket.ticket_id).where(NoticeTicket.notice_id == notice.id)))
    recent = db.session.scalars(select(Ticket).where(Ticket.status != SOLVED).order_by(Ticket.id.desc())
                                .limit(SUGGESTION_WINDOW)).all()
    phrases = service.phrases_of(notice)
    return [t for t in recent if t.id not in linked and t.messages
            and service.text_matches(phrases, t.messages[0].body)][:20]


def _linked_tickets(notice: Notice) -> list[tuple[Ticket, str]]:
    rows = db.session.execute(select(Ticket, NoticeTicket.linked_by).join(
        NoticeTicket, NoticeTicket.ticket_id == Ticket.id).where(NoticeTicket.notice_id == notice.id)
        .order_by(NoticeTicket.id)).all()
    return [(ticket, kind) for ticket, kind in rows]


def _page(notice: Notice, status: int = 200, **context):
    context.setdefault("form", _form_of(notice))
    return _editor("desk/notice.html", status, notice=notice, linked=_linked_tickets(notice),
                   suggested=_suggested_tickets(notice), languages=current_app.config["SETTINGS"].languages,
                   **context)


@bp.get("/<int:notice_id>")
@role_required("agent", "writer")
def notice(notice_id: int):
    return _page(_notice(notice_id))


@bp.post("/<int:notice_id>/edit")
@role_required("agent", "writer")
def edit(notice_id: int):
    found = _notice(notice_id)
    try:
        actions.edit_notice(_session(), found, _draft_from_form(request.form, found.lang))
    except service.NoticeInvalid as exc:
        db.session.rollback()
        return _page(found, 400, form=request.form, error_codes=exc.errors, findings=exc.findings)
    return redirect(url_for("desk_notices.notice", notice_id=found.id, saved=1), code=303)


@bp.post("/<int:notice_id>/updates")
@role_required("agent", "writer")
def update(notice_id: int):
    found = _notice(notice_id)
    try:
        actions.post_update(_session(), found, request.form.get("status", ""), request.form.get("update", ""),
                            current_user.id)
    except service.NoticeInvalid as exc:
        db.session.rollback()
        return _page(found, 400, error_codes=exc.errors, update_form=request.form)
    return redirect(url_for("desk_notices.notice", notice_id=found.id, updated=1) + "#history", code=303)


@bp.post("/<int:notice_id>/tickets")
@role_required("agent")
def link(notice_id: int):
    """Link a request: by its reference (typed), or a suggestion's id (one button each)."""
    found = _notice(notice_id)
    ticket_id = bounded_int(request.form.get("ticket_id") or None)
    reference = (request.form.get("reference") or "").strip().upper()[:20]
    if ticket_id is not None:
        ticket, kind = db.session.get(Ticket, ticket_id), LinkKind.SUGGESTED
    else:
        ticket, kind = db.session.scalar(select(Ticket).where(Ticket.reference == reference)), LinkKind.AGENT
    if ticket is None:
        return _page(found, 400, error_codes={"reference": "ticket_unknown"}, reference=reference)
    actions.link_ticket(_session(), found, ticket, kind)
    return redirect(url_for("desk_notices.notice", notice_id=found.id) + "#tickets", code=303)


@bp.post("/<int:notice_id>/tickets/<int:ticket_id>/unlink")
@role_required("agent")
def unlink(notice_id: int, ticket_id: int):
    actions.unlink_ticket(_session(), _notice(notice_id), ticket_id)
    return redirect(url_for("desk_notices.notice", notice_id=notice_id) + "#tickets", code=303)


@bp.route("/<int:notice_id>/translations/<lang>", methods=["GET", "POST"])
@role_required("agent", "writer")
def translation(notice_id: int, lang: str):
    """A person's text for one language, replacing the machine's there (or dropping it again)."""
    found = _notice(notice_id)
    if lang not in current_app.config["SETTINGS"].languages or lang == found.lang:
        abort(404)
    text = found.text(lang)
    if request.method == "POST":
        if request.form.get("drop"):
            actions.drop_override(_session(), found, lang)
            return redirect(url_for("desk_notices.notice", notice_id=found.id) + "#translations", code=303)
        phrases = service.split_list(request.form.get("phrases", ""), service.MAX_PHRASES, service.MAX_PHRASE)
        try:
            actions.override_text(_session(), found, lang, request.form.get("title", ""),
                                  request.form.get("body", ""), phrases)
        except service.NoticeInvalid as exc:
            db.session.rollback()
            return _editor("desk/notice_translation.html", 400, notice=found, lang=lang, text=text,
                           form=request.form, error_codes=exc.errors, findings=exc.findings)
        return redirect(url_for("desk_notices.notice", notice_id=found.id, saved=1) + "#translations", code=303)
    form = {"title": text.title, "body": text.body, "phrases": "\n".join(text.phrases or ())} if text else {
        "title": found.title, "body": found.body, "phrases": "\n".join(found.phrases or ())}
    return _editor("desk/notice_translation.html", notice=found, lang=lang, text=text, form=form)
