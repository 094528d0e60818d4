"""Desk pages for routing: admins set the languages and topics of agents; the ticket page's
routing explanation is prepared here."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from portal.accounts import AccountError, User, has_role, role_required
from portal.accounts.service import reads
from portal.db import db
from portal.support import actions
from portal.support.models import Ticket
from portal.support.routing import known_topics, open_loads
from portal.web.lang import install_staff_language

bp = Blueprint("desk_agents", __name__, url_prefix="/desk/agents")
install_staff_language(bp)


def routing_facts(ticket: Ticket) -> dict | None:
    """What the ticket page shows about the routing decision (None: a ticket from before routing)."""
    record = ticket.routing
    if not record:
        return None
    ids = {c.get("id") for c in record.get("candidates", [])} | {record.get("escalated_to")}
    names = {user.id: user.name for user in db.session.scalars(select(User).where(User.id.in_(ids - {None})))}
    topic = record.get("topic")
    return {"record": record, "names": names, "topic_names": known_topics(db.session()).get(topic, {}) if topic else {}}


def _agents() -> list[User]:
    users = db.session.scalars(select(User).order_by(User.name, User.id)).all()
    return [user for user in users if has_role(user, "agent")]


@bp.get("/")
@role_required("admin")
def agents():
    """Every agent with what they read, cover and have open (admins)."""
    return render_template("desk/agents.html", agents=_agents(), topics=known_topics(db.session()),
                           loads=open_loads(db.session()), reads=reads)


def _agent(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or not has_role(user, "agent"):
        abort(404)
    return user


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@role_required("admin")
def edit(user_id: int):
    """The form: languages read and written, topics covered."""
    agent = _agent(user_id)
    error = None
    chosen_languages, chosen_topics = list(agent.languages or ()), list(agent.topics or ())
    if request.method == "POST":
        chosen_languages = request.form.getlist("languages")[:100]
        chosen_topics = request.form.getlist("topics")[:100]
        try:
            actions.set_agent_skills(db.session(), agent, chosen_languages, chosen_topics)
        except AccountError:
            db.session.rollback()
            # Only a forged or stale form names something not offered: say which part to check.
            error = _("Choose only languages and topics from the lists (the lists may have changed: "
                      "check your choices and save again).")
        else:
            return redirect(url_for("desk_agents.agents", saved=agent.id), code=303)
    return render_template("desk/agent.html", agent=agent, topics=known_topics(db.session()),
                           chosen_languages=chosen_languages, chosen_topics=chosen_topics,
                           error=error), 400 if error else 200
