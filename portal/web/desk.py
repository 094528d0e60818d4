"""The agent desk: inbox, ticket view, replies with translation review, notes, audit."""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select

from portal.accounts import User, has_role, role_required
from portal.accounts.service import reads
from portal.db import db
from portal.jobs import failed_jobs, retry_failed
from portal.jobs.models import QUEUED, Job
from portal.search import SearchQuery
from portal.services import services
from portal.support import actions
from portal.support import service as support
from portal.support.models import STATUSES, AuthorKind, Ticket
from portal.translation.engines.base import EngineUnavailable
from portal.translation.jobs import translate_now
from portal.translation.service import NoEngine
from portal.web.desk_agents import routing_facts
from portal.web.guard import bounded_int, parse_count
from portal.web.lang import install_staff_language

bp = Blueprint("desk", __name__, url_prefix="/desk")
URGENCIES = ("urgent", "high", "normal", "low")
MY_LANGUAGES = "mine"  # the inbox's language filter: the languages the signed-in agent reads
MY_QUEUE = "queue"  # the inbox's assignment filter: assigned to me, or proposed to me and not taken


install_staff_language(bp)


def _ticket(ticket_id: int) -> Ticket:
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        abort(404)
    return ticket


@bp.get("/")
@role_required("agent")
def inbox():
    args = request.args
    mine = args.get("language") == MY_LANGUAGES
    filters = {
        "status": args.get("status", "active"),
        "language": None if mine else args.get("language") or None,
        "urgency": args.get("urgency") if args.get("urgency") in URGENCIES else None,
        "assigned_to": current_user.id if args.get("assigned") == "me" else None,
        "unassigned": args.get("assigned") == "none",
        "languages": reads(current_user) if mine else None,
        "queue_of": current_user.id if args.get("assigned") == MY_QUEUE else None,
    }
    tickets = support.inbox(db.session, **filters)
    filters["language"] = MY_LANGUAGES if mine else filters["language"]
    agents = {u.id: u for u in db.session.query(User).all()}
    return render_template("desk/inbox.html", tickets=tickets, agents=agents, filters=filters,
                           assigned=args.get("assigned", ""), statuses=STATUSES, urgencies=URGENCIES)


def _suggested_articles(ticket: Ticket):
    # The customer's own words, in whatever language: multilingual retrieval finds the
    # articles without a translation (which may be missing, or lose detail).
    text = ticket.messages[0].body
    try:
        return services().search.search(SearchQuery(text[:300], current_user.language, per_page=5,
                                                   accept_language=ticket.language)).results
    except Exception:
        current_app.logger.exception("article suggestions failed for a ticket")
        return []


def _assignable_agents() -> list[User]:
    """Active users who may take tickets (agents, and admins who hold every role)."""
    users = db.session.query(User).filter(User.active.is_(True)).order_by(User.name).all()
    return [user for user in users if has_role(user, "agent")]


@bp.get("/tickets/<int:ticket_id>")
@role_required("agent")
def ticket(ticket_id: int):
    found = _ticket(ticket_id)
    agents = _assignable_agents()
    return render_template("desk/ticket.html", ticket=found, agents=agents, statuses=STATUSES,
                           suggestions=_suggested_articles(found), preview=None, errors={},
                           routing=routing_facts(found))


@bp.get("/tickets/<int:ticket_id>/messages.json")
@role_required("agent")
def messages_json(ticket_id: int):
    """New public messages after ``after`` (the desk announces them politely)."""
    found = _ticket(ticket_id)
    after = request.args.get("after", 0, type=parse_count)
    fresh = [m for m in found.messages if m.id > after and not m.internal and m.author_kind == AuthorKind.CUSTOMER]
    return jsonify({"messages": [{"id": m.id} for m in fresh], "status": found.status})


@bp.post("/tickets/<int:ticket_id>/preview")
@role_required("agent")
def preview(ticket_id: int):
    """Show the reply translated into the customer's language before sending it."""

    found = _ticket(ticket_id)
    body = support.clean_text(request.form.get("body"), support.MAX_MESSAGE)
    reply_lang = request.form.get("reply_lang") or current_user.language
    if reply_lang not in current_app.config["SETTINGS"].languages:
        reply_lang = current_user.language
    errors = {}
    result = {"body": body, "lang": reply_lang, "translation": None, "engine": None, "problem": None}
    if not body:
        errors["body"] = "empty"
    elif reply_lang != found.language:
        try:
            paragraphs = body.split("\n")
            result["translation"] = "\n".join(translate_now(db.session, paragraphs, reply_lang, found.language))

            engine = services().translation.engine_for(reply_lang, found.language)
            result["engine"] = f"{engine.name}/{engine.version}"
        except NoEngine:
            result["problem"] = "no_engine"
        except EngineUnavailable:
            result["problem"] = "engine_failed"
    agents = _assignable_agents()
    return render_template("desk/ticket.html", ticket=found, agents=agents, statuses=STATUSES,
                           suggestions=_suggested_articles(found), preview=None if errors else result,
                           errors=errors, draft=body, routing=routing_facts(found)), 400 if errors else 200


@bp.post("/tickets/<int:ticket_id>/reply")
@role_required("agent")
def reply(ticket_id: int):
    found = _ticket(ticket_id)
    lang = request.form.get("reply_lang") or current_user.language
    if lang not in current_app.config["SETTINGS"].languages:
        abort(400)
    translation = request.form.get("translation") or None
    if lang != found.language and not translation:
        abort(400)  # a reply the customer cannot read is never sent silently
    try:
        actions.send_agent_reply(db.session, found, current_user, request.form.get("body", ""), lang, translation,
                                 request.form.get("engine") or None)
    except support.ValidationFailed:
        abort(400)
    return redirect(url_for("desk.ticket", ticket_id=found.id, sent=1) + "#conversation", code=303)


@bp.post("/tickets/<int:ticket_id>/note")
@role_required("agent")
def note(ticket_id: int):
    found = _ticket(ticket_id)
    try:
        actions.add_internal_note(db.session, found, current_user, request.form.get("note", ""))
    except support.ValidationFailed:
        abort(400)
    return redirect(url_for("desk.ticket", ticket_id=found.id) + "#notes", code=303)


@bp.post("/tickets/<int:ticket_id>/status")
@role_required("agent")
def status(ticket_id: int):
    found = _ticket(ticket_id)
    try:
        actions.change_status(db.session, found, current_user, request.form.get("status", ""))
    except support.ValidationFailed:
        abort(400)
    return redirect(url_for("desk.ticket", ticket_id=found.id), code=303)


@bp.post("/tickets/<int:ticket_id>/assign")
@role_required("agent")
def assign(ticket_id: int):
    found = _ticket(ticket_id)
    raw = request.form.get("assignee", "")
    assignee_id = bounded_int(raw)
    assignee = db.session.get(User, assignee_id) if assignee_id is not None else None
    if raw and (assignee is None or not assignee.active or not has_role(assignee, "agent")):
        abort(400)  # the form offers active agents only: anything else is forged
    actions.assign_ticket(db.session, found, current_user, assignee)
    return redirect(url_for("desk.ticket", ticket_id=found.id), code=303)


@bp.get("/jobs")
@role_required("admin")
def jobs():
    """Background jobs that gave up or are being retried, with their errors (admins)."""

    retrying = db.session.scalars(
        select(Job).where(Job.status == QUEUED, Job.attempts > 0).order_by(Job.run_at).limit(100)).all()
    return render_template("desk/jobs.html", failed=failed_jobs(db.session), retrying=retrying)


@bp.post("/jobs/<int:job_id>/retry")
@role_required("admin")
def retry_job(job_id: int):
    if not retry_failed(db.session, job_id):
        abort(404)
    return redirect(url_for("desk.jobs"), code=303)
