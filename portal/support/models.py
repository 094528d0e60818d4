"""Support desk tables: tickets, their messages and their audit trail."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import db, utcnow


class TicketStatus(StrEnum):
    """Where a ticket is (stored as its value)."""

    NEW = "new"
    OPEN = "open"
    WAITING = "waiting"  # for the customer
    SOLVED = "solved"


class AuthorKind(StrEnum):
    """Who wrote a ticket message."""

    CUSTOMER = "customer"
    AGENT = "agent"
    SYSTEM = "system"


NEW, OPEN, WAITING, SOLVED = TicketStatus
STATUSES = tuple(TicketStatus)
CUSTOMER, AGENT, SYSTEM = AuthorKind


class Ticket(db.Model):
    __tablename__ = "support_ticket"
    __table_args__ = (Index("ix_support_ticket_queue", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    # The customer's secret link: only its hash and the salt it is derived from are
    # stored; the token itself is HMAC(secret key, salt), so a database leak alone
    # does not reveal it, and the server can show it again (idempotent submits).
    token_salt: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(80), unique=True, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default=NEW)
    language: Mapped[str] = mapped_column(String(20))
    customer_name: Mapped[str] = mapped_column(String(200), default="")
    customer_email: Mapped[str] = mapped_column(String(320), default="")
    subject: Mapped[str] = mapped_column(String(200), default="")
    context: Mapped[dict] = mapped_column(JSON, default=dict)
    urgency: Mapped[str] = mapped_column(String(20), default="normal")
    sentiment: Mapped[str] = mapped_column(String(20), default="neutral")
    sentiment_score: Mapped[float] = mapped_column(Float, default=0.0)
    triage_reasons: Mapped[list] = mapped_column(JSON, default=list)
    priority: Mapped[int] = mapped_column(Integer, default=2)  # 0 urgent .. 3 low
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("account_user.id"), nullable=True)
    # Routing (portal.support.routing): the knowledge-base category the request is about, the
    # agent whose queue it was proposed to (a suggestion; assigning is still a person's act),
    # the decision with its reasons, and when it was escalated to an admin for being overdue.
    topic: Mapped[str | None] = mapped_column(String(120), nullable=True)
    proposed_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("account_user.id", ondelete="SET NULL"), nullable=True, index=True)
    routing: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    source: Mapped[str] = mapped_column(String(10), default="web")  # web | api
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    solved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    messages: Mapped[list[Message]] = relationship(
        back_populates="ticket", cascade="all, delete-orphan", order_by="Message.id")
    events: Mapped[list[TicketEvent]] = relationship(
        back_populates="ticket", cascade="all, delete-orphan", order_by="TicketEvent.id")


class Message(db.Model):
    """A message in a ticket: the original text plus its machine translations."""

    __tablename__ = "support_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("support_ticket.id", ondelete="CASCADE"), index=True)
    author_kind: Mapped[str] = mapped_column(String(20))  # customer | agent | system
    author_id: Mapped[int | None] = mapped_column(ForeignKey("account_user.id"), nullable=True)
    body: Mapped[str] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(String(20))
    # {lang: {"text": ..., "engine": "bergamot/..."}}
    translations: Mapped[dict] = mapped_column(JSON, default=dict)
    internal: Mapped[bool] = mapped_column(Boolean, default=False)  # agents' notes
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="messages")

    def text_in(self, lang: str) -> tuple[str, str, bool]:
        """(text, its language, machine translated?) for a reader of ``lang``."""
        if self.lang == lang or lang not in (self.translations or {}):
            return self.body, self.lang, False
        return self.translations[lang]["text"], lang, True


class TicketEvent(db.Model):
    """Audit trail: who did what to a ticket, and when."""

    __tablename__ = "support_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("support_ticket.id", ondelete="CASCADE"), index=True)
    actor: Mapped[str] = mapped_column(String(200))  # "customer", "system", or the agent's name
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="events")
