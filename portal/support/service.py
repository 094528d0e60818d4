"""Tickets: creation with context, the conversation, agent actions, the audit trail.

Validation errors carry a machine-readable ``code`` per field; the web edge maps
codes to localized messages, the API returns them as JSON.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.db import utcnow
from portal.support import tokens
from portal.support.models import AGENT, CUSTOMER, NEW, OPEN, SOLVED, STATUSES, WAITING, Message, Ticket, TicketEvent
from portal.support.triage import PRIORITY_ORDER, due_in, triage
from portal.validation import is_valid_email

MAX_MESSAGE = 10_000
MIN_MESSAGE = 5
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$")


class ValidationFailed(ValueError):
    """Bad input: ``errors`` maps field names to error codes."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(", ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass
class NewTicket:
    message: str
    language: str
    email: str = ""
    name: str = ""
    context: dict = field(default_factory=dict)
    idempotency_key: str | None = None
    source: str = "web"


def clean_text(value, limit: int) -> str:
    text = "" if value is None else str(value)
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", text).replace("\r\n", "\n").strip()
    return text[: limit + 1]


def clean_context(raw) -> dict:
    """Keep only the context fields we know, bounded; never trust client-sent shapes."""
    if not isinstance(raw, dict):
        return {}
    context = {}
    if isinstance(raw.get("query"), str) and raw["query"].strip():
        context["query"] = raw["query"].strip()[:300]
    if isinstance(raw.get("query_lang"), str) and _LANGUAGE_TAG.match(raw["query_lang"]):
        context["query_lang"] = raw["query_lang"]
    confidence = raw.get("query_confidence")
    if isinstance(confidence, (int, float)) and not isinstance(confidence, bool) and 0 <= confidence <= 1:
        context["query_confidence"] = round(float(confidence), 3)
    if isinstance(raw.get("articles"), list):
        context["articles"] = [str(s)[:200] for s in raw["articles"] if isinstance(s, str)][:20]
    if isinstance(raw.get("votes"), dict):
        context["votes"] = {str(k)[:200]: v for k, v in list(raw["votes"].items())[:20] if v in ("yes", "no")}
    return context


def validate(data: NewTicket, languages: tuple[str, ...]) -> NewTicket:
    """Normalised input, or :class:`ValidationFailed` with a code per field."""
    errors = {}
    message = clean_text(data.message, MAX_MESSAGE)
    if len(message) < MIN_MESSAGE:
        errors["message"] = "message_required" if not message else "message_too_short"
    elif len(message) > MAX_MESSAGE:
        errors["message"] = "message_too_long"
    email = clean_text(data.email, 320)
    if email and not is_valid_email(email):
        errors["email"] = "email_invalid"
    name = clean_text(data.name, 200)
    if len(name) > 200:
        errors["name"] = "name_too_long"
    if data.language not in languages:
        errors["language"] = "language_unknown"
    key = (data.idempotency_key or "").strip()[:80] or None
    if errors:
        raise ValidationFailed(errors)
    return NewTicket(message, data.language, email, name[:200], clean_context(data.context), key, data.source)


def _event(ticket: Ticket, actor: str, action: str, **detail) -> None:
    ticket.events.append(TicketEvent(actor=actor, action=action, detail=detail))


def apply_triage(ticket: Ticket, text: str, lang: str, english: str | None, sla_hours: dict | None = None) -> None:
    result = triage(text, lang, english)
    ticket.urgency, ticket.sentiment = result.urgency, result.sentiment
    ticket.sentiment_score = result.score
    ticket.triage_reasons = list(result.reasons)
    ticket.priority = PRIORITY_ORDER[result.urgency]
    ticket.due_at = (ticket.created_at or utcnow()) + due_in(result.urgency, sla_hours)


def create_ticket(session: Session, secret_key: tokens.SecretKeys, data: NewTicket, languages: tuple[str, ...],
                  sla_hours: dict | None = None) -> tuple[Ticket, str, bool]:
    """Create a ticket; returns (ticket, status token, created?).

    The same idempotency key returns the first ticket (double submit, refresh,
    API retry) instead of a duplicate, even when the requests race.
    """
    data = validate(data, languages)
    if data.idempotency_key:
        existing = session.scalar(select(Ticket).where(Ticket.idempotency_key == data.idempotency_key))
        if existing is not None:
            return existing, tokens.token_for(secret_key, existing.token_salt, existing.token_hash), False
    salt = tokens.new_salt()
    token = tokens.token_for(secret_key, salt)
    first_line = data.message.split("\n", 1)[0]
    ticket = Ticket(
        reference=tokens.new_reference(), token_salt=salt, token_hash=tokens.token_hash(token),
        idempotency_key=data.idempotency_key, status=NEW, language=data.language,
        customer_name=data.name, customer_email=data.email, subject=first_line[:200],
        context=data.context, source=data.source, created_at=utcnow(),
    )
    ticket.messages.append(Message(author_kind=CUSTOMER, body=data.message, lang=data.language))
    apply_triage(ticket, data.message, data.language, None, sla_hours)
    _event(ticket, "customer", "created", source=data.source)
    session.add(ticket)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        if data.idempotency_key:
            existing = session.scalar(select(Ticket).where(Ticket.idempotency_key == data.idempotency_key))
            if existing is not None:
                return existing, tokens.token_for(secret_key, existing.token_salt, existing.token_hash), False
        raise
    return ticket, token, True


def ticket_by_token(session: Session, secret_key: tokens.SecretKeys, token: str | None) -> Ticket | None:
    """The ticket behind a status token, or None; the same work for any token."""
    candidate = (token or "")[:100]
    ticket = session.scalar(select(Ticket).where(Ticket.token_hash == tokens.token_hash(candidate)))
    salt = ticket.token_salt if ticket is not None else "0" * 64
    matches = tokens.token_matches(secret_key, salt, candidate)
    return ticket if ticket is not None and matches else None


def add_customer_message(ticket: Ticket, body: str) -> Message:
    text = clean_text(body, MAX_MESSAGE)
    if len(text) < 1:
        raise ValidationFailed({"message": "message_required"})
    if len(text) > MAX_MESSAGE:
        raise ValidationFailed({"message": "message_too_long"})
    message = Message(author_kind=CUSTOMER, body=text, lang=ticket.language)
    ticket.messages.append(message)
    if ticket.status in (WAITING, SOLVED):
        _event(ticket, "customer", "status_changed", old=ticket.status, new=OPEN)
        ticket.status = OPEN
        ticket.solved_at = None
    _event(ticket, "customer", "replied")
    return message


def close_by_customer(ticket: Ticket) -> None:
    if ticket.status != SOLVED:
        _event(ticket, "customer", "status_changed", old=ticket.status, new=SOLVED)
        ticket.status = SOLVED
        ticket.solved_at = utcnow()


def add_agent_reply(ticket: Ticket, agent, body: str, lang: str, translation: str | None,
                    engine: str | None) -> Message:
    """Store an agent's reply (original + the reviewed translation) and wait for the customer."""
    text = clean_text(body, MAX_MESSAGE)
    if not text:
        raise ValidationFailed({"body": "message_required"})
    translations = {}
    if translation and lang != ticket.language:
        translations[ticket.language] = {"text": clean_text(translation, MAX_MESSAGE * 2), "engine": engine or ""}
    message = Message(author_kind=AGENT, author_id=agent.id, body=text, lang=lang, translations=translations)
    ticket.messages.append(message)
    _event(ticket, agent.name, "replied", language=lang, translated=bool(translations))
    if ticket.status != WAITING:
        _event(ticket, agent.name, "status_changed", old=ticket.status, new=WAITING)
        ticket.status = WAITING
    return message


def add_note(ticket: Ticket, agent, body: str) -> Message:
    text = clean_text(body, MAX_MESSAGE)
    if not text:
        raise ValidationFailed({"note": "message_required"})
    note = Message(author_kind=AGENT, author_id=agent.id, body=text, lang=agent.language, internal=True)
    ticket.messages.append(note)
    _event(ticket, agent.name, "note_added")
    return note


def set_status(ticket: Ticket, agent, status: str) -> None:
    if status not in STATUSES:
        raise ValidationFailed({"status": "status_unknown"})
    if status != ticket.status:
        _event(ticket, agent.name, "status_changed", old=ticket.status, new=status)
        ticket.status = status
        ticket.solved_at = utcnow() if status == SOLVED else None


def assign(ticket: Ticket, agent, assignee) -> None:
    new_id = assignee.id if assignee is not None else None
    if new_id != ticket.assigned_to_id:
        _event(ticket, agent.name, "assigned", to=assignee.name if assignee else None)
        ticket.assigned_to_id = new_id
        if ticket.status == NEW:
            ticket.status = OPEN


def inbox(session: Session, *, status: str | None = None, language: str | None = None, urgency: str | None = None,
          assigned_to: int | None = None, unassigned: bool = False, languages: list[str] | None = None,
          queue_of: int | None = None, limit: int = 200) -> list[Ticket]:
    """Tickets for the desk, most pressing first (priority, then due time).

    ``languages``: only tickets in one of them (an agent's "my languages"); ``queue_of``:
    an agent's queue, the tickets assigned to them and the unassigned ones proposed to them.
    """
    query = select(Ticket)
    if languages is not None:
        query = query.where(Ticket.language.in_(languages))
    if queue_of is not None:
        query = query.where(or_(Ticket.assigned_to_id == queue_of,
                                and_(Ticket.assigned_to_id.is_(None), Ticket.proposed_to_id == queue_of)))
    if status == "active":
        query = query.where(Ticket.status != SOLVED)
    elif status in STATUSES:
        query = query.where(Ticket.status == status)
    if language:
        query = query.where(Ticket.language == language)
    if urgency:
        query = query.where(Ticket.urgency == urgency)
    if assigned_to is not None:
        query = query.where(Ticket.assigned_to_id == assigned_to)
    if unassigned:
        query = query.where(Ticket.assigned_to_id.is_(None))
    return list(session.scalars(query.order_by(Ticket.priority, Ticket.due_at, Ticket.id).limit(limit)))
