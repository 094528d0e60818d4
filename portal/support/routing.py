"""Routing: the agent queue a new ticket is proposed to, with the reasons; escalation of overdue ones.

A proposal, not an assignment: the ticket stays unassigned and shows in the proposed
agent's queue ("my queue" on the desk) until someone takes it. The decision, with every
candidate considered, is stored on the ticket (``Ticket.routing``) as data, so the desk
explains it in the reader's language.

Rules (in this order; the first difference decides):
1. Language: agents who read the ticket's language (``User.languages``; an agent who lists
   none reads their desk UI language only) before those who do not. When nobody reads it,
   the ticket still goes to someone (machine translation is on the desk) and the decision
   says so (``fallback: no_reader``).
2. Topic: the ticket's topic is a knowledge-base category, the same vocabulary writers
   file articles under. It comes from the customer's words (a triage cue category mapped to
   a category by the ``routing_topic_cues`` setting: money -> billing ...) or else from the
   articles the customer read before writing (the most recent one with a category). Agents
   covering it come first, then agents who list no topic (they take any), then the others.
3. Load: fewest open tickets (not solved; assigned to them, or unassigned and proposed to them).
4. The lowest account id, so the same state always gives the same answer.

Escalation: a ticket nobody took by its due time (set by triage urgency and the SLA
settings) is escalated once to an admin (the same rules pick which), who is e-mailed
through the job queue. Services here only flush; :mod:`portal.support.actions` commits.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from datetime import timedelta
from email.message import EmailMessage
from enum import StrEnum

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.accounts.models import ROLE_ADMIN, User
from portal.accounts.service import has_role, reads
from portal.db import utcnow
from portal.i18n import to_babel_locale
from portal.jobs import JobContext, enqueue, register
from portal.jobs.models import QUEUED, Job
from portal.kb.models import Article, Category
from portal.support.models import SOLVED, Ticket, TicketEvent
from portal.support.notifications import compose_email
from portal.support.triage import triage

ESCALATE = "escalate_overdue_ticket"
SEND_ESCALATION = "send_escalation_email"
#: Candidates kept in a routing record (the best ones): enough to explain, bounded.
KEPT_CANDIDATES = 8


class TopicFit(StrEnum):
    """How an agent's topics fit the ticket's (stored in routing records)."""

    COVERS = "covers"  # lists the ticket's topic
    ANY = "any"  # lists no topic: takes any
    OTHER = "other"  # lists other topics only
    UNKNOWN = "unknown"  # the ticket has no topic


class Fallback(StrEnum):
    """Why a decision is not a full fit (stored in routing records)."""

    NONE = ""
    NO_READER = "no_reader"  # no agent reads the ticket's language
    NO_AGENT = "no_agent"  # no active agent at all


class TopicSource(StrEnum):
    WORDS = "words"  # a triage cue in the customer's message
    ARTICLES = "articles"  # the articles read before writing


_FIT_ORDER = {TopicFit.COVERS: 0, TopicFit.UNKNOWN: 0, TopicFit.ANY: 1, TopicFit.OTHER: 2}


@dataclass(frozen=True)
class Candidate:
    id: int
    name: str
    reads: bool
    fit: str
    load: int

    def key(self) -> tuple:
        return (not self.reads, _FIT_ORDER[TopicFit(self.fit)], self.load, self.id)


def known_topics(session: Session) -> dict[str, dict]:
    """Topic slug -> names per language: the knowledge base's categories, in their order."""
    rows = session.scalars(select(Category).order_by(Category.position, Category.slug))
    return {category.slug: dict(category.names or {}) for category in rows}


def ticket_topic(session: Session, ticket: Ticket, cue_topics: dict[str, str]) -> tuple[str | None, dict]:
    """(topic, where it came from) for a new ticket; (None, {}) when nothing says."""
    topics = known_topics(session)
    first = ticket.messages[0] if ticket.messages else None
    if first is not None:
        for category in triage(first.body, first.lang).categories:
            topic = cue_topics.get(category)
            if topic in topics:
                return topic, {"topic_from": TopicSource.WORDS, "cue": category}
    slugs = [slug for slug in (ticket.context or {}).get("articles", []) if isinstance(slug, str)]
    if slugs:
        rows = session.execute(select(Article.slug, Category.slug).join(Category, Article.category_id == Category.id)
                               .where(Article.slug.in_(slugs))).all()
        category_of = dict(rows)
        for slug in reversed(slugs):  # the most recent article read names the topic
            if category_of.get(slug) in topics:
                return category_of[slug], {"topic_from": TopicSource.ARTICLES, "article": slug}
    return None, {}


def open_loads(session: Session) -> Counter:
    """Open tickets per agent: assigned to them, or unassigned and proposed to them."""
    owner = func.coalesce(Ticket.assigned_to_id, Ticket.proposed_to_id)
    rows = session.execute(select(owner, func.count(Ticket.id)).where(Ticket.status != SOLVED, owner.is_not(None))
                           .group_by(owner)).all()
    return Counter({agent_id: count for agent_id, count in rows})


def rank(users: list[User], language: str, topic: str | None, loads: Counter) -> list[Candidate]:
    """``users`` as candidates for a ticket in ``language`` about ``topic``, best first."""
    candidates = []
    for user in users:
        if topic is None:
            fit = TopicFit.UNKNOWN
        elif topic in (user.topics or ()):
            fit = TopicFit.COVERS
        else:
            fit = TopicFit.OTHER if user.topics else TopicFit.ANY
        candidates.append(Candidate(user.id, user.name, language in reads(user), fit, loads[user.id]))
    return sorted(candidates, key=Candidate.key)


def _staff(session: Session, role: str) -> list[User]:
    users = session.scalars(select(User).where(User.active.is_(True)).order_by(User.id))
    return [user for user in users if has_role(user, role)]


def route(session: Session, ticket: Ticket, cue_topics: dict[str, str]) -> Candidate | None:
    """Propose ``ticket`` (just created, flushed) to the best-fitting agent; records why. Flushes."""
    topic, origin = ticket_topic(session, ticket, cue_topics)
    candidates = rank(_staff(session, "agent"), ticket.language, topic, open_loads(session))
    chosen = candidates[0] if candidates else None
    fallback = Fallback.NO_AGENT if chosen is None else (Fallback.NONE if chosen.reads else Fallback.NO_READER)
    ticket.topic = topic
    ticket.proposed_to_id = chosen.id if chosen else None
    ticket.routing = {
        "language": ticket.language, "topic": topic, **origin, "fallback": fallback,
        "proposed_to": chosen.id if chosen else None,
        "considered": len(candidates),
        "candidates": [asdict(candidate) for candidate in candidates[:KEPT_CANDIDATES]],
    }
    ticket.events.append(TicketEvent(actor="system", action="proposed", detail={
        "to": chosen.name if chosen else None, "topic": topic, "fallback": fallback}))
    session.flush()
    return chosen


def schedule_escalation(session: Session, ticket: Ticket) -> None:
    """Make sure one job looks at ``ticket`` when it falls due (moved when triage moves the due time)."""
    if ticket.due_at is None or ticket.escalated_at is not None:
        return
    delay = max(_aware(ticket.due_at) - utcnow(), timedelta(0))
    key = f"{ESCALATE}:{ticket.id}"
    waiting = session.scalar(select(Job).where(Job.dedupe_key == key, Job.status == QUEUED).limit(1))
    if waiting is not None:
        waiting.run_at = utcnow() + delay
        return
    enqueue(session, ESCALATE, {"ticket_id": ticket.id}, dedupe_key=key, delay=delay)


@register(ESCALATE)
def escalate_overdue_ticket(payload: dict, job: JobContext) -> dict:
    """At a ticket's due time: escalate it to an admin if nobody has taken it, once."""
    session = job.session
    ticket = session.get(Ticket, payload["ticket_id"])
    if ticket is None or ticket.status == SOLVED or ticket.assigned_to_id is not None:
        return {"skipped": "solved or taken"}
    if ticket.escalated_at is not None:
        return {"skipped": "already escalated"}
    if ticket.due_at is not None and _aware(ticket.due_at) > utcnow():
        schedule_escalation(session, ticket)  # triage moved the due time later: look again then
        return {"skipped": "not due yet"}
    admins = rank(_staff(session, ROLE_ADMIN), ticket.language, ticket.topic, open_loads(session))
    admin = admins[0] if admins else None
    ticket.escalated_at = utcnow()
    ticket.routing = {**(ticket.routing or {}), "escalated_to": admin.id if admin else None}
    ticket.events.append(TicketEvent(actor="system", action="escalated",
                                     detail={"to": admin.name if admin else None}))
    if admin is not None:
        enqueue(session, SEND_ESCALATION, {"ticket_id": ticket.id, "admin_id": admin.id}, max_attempts=8)
    session.flush()
    return {"escalated_to": admin.id if admin else None}


def _aware(moment):
    # SQLite hands back naive datetimes; every stored time is UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=utcnow().tzinfo)


def escalation_email(ticket: Ticket, admin: User) -> EmailMessage:
    """The e-mail telling ``admin`` that ``ticket`` is overdue, in the admin's desk language."""
    settings = current_app.config["SETTINGS"]
    with force_locale(to_babel_locale(admin.language)):
        subject = _("Overdue and not taken: request %(reference)s", reference=ticket.reference)
        body = render_template("email/escalation.txt", ticket=ticket, admin=admin,
                               url=f"{settings.public_url.rstrip('/')}/desk/tickets/{ticket.id}")
    return compose_email(settings, admin.email, admin.language, subject, body)


@register(SEND_ESCALATION)
def send_escalation_email(payload: dict, job: JobContext) -> dict:
    ticket = job.session.get(Ticket, payload["ticket_id"])
    admin = job.session.get(User, payload["admin_id"])
    if ticket is None or admin is None or not admin.active:
        return {"skipped": "no ticket or no active admin"}
    mailer = job.services.mail
    if mailer is None:
        return {"skipped": "SMTP_HOST is not configured"}
    mailer.send(escalation_email(ticket, admin))
    ticket.events.append(TicketEvent(actor="system", action="notified",
                                     detail={"channel": "email", "event": "ticket.escalated"}))
    return {"sent": True}
