"""Incident notice tables: the notice, its timestamped updates, its texts per language,
linked tickets, followers, mails sent once, and banner impressions per day."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import db, utcnow

if TYPE_CHECKING:  # db.Model is Base with Flask-SQLAlchemy's extras, which mypy cannot see through
    from portal.db import Base as Model
else:
    Model = db.Model


class NoticeStatus(StrEnum):
    """Where the incident is; every change is a timestamped update."""

    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"


class Severity(StrEnum):
    """How much the incident affects customers (always shown as text, never by colour alone)."""

    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"


class TextOrigin(StrEnum):
    """Who wrote a notice's text in another language."""

    MACHINE = "machine"
    HUMAN = "human"


class LinkKind(StrEnum):
    """How a ticket came to be linked to a notice."""

    AGENT = "agent"          # an agent linked it by hand
    SUGGESTED = "suggested"  # an agent accepted a suggestion made by matching


class Surface(StrEnum):
    """Where a customer met a notice's banner (deflection counts)."""

    SEARCH = "search"
    CONTACT = "contact"


class Notice(Model):
    __tablename__ = "notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    lang: Mapped[str] = mapped_column(String(20))  # the language it was written in
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")  # Markdown
    severity: Mapped[str] = mapped_column(String(20), default=Severity.MINOR)
    status: Mapped[str] = mapped_column(String(20), default=NoticeStatus.INVESTIGATING)
    topics: Mapped[list] = mapped_column(JSON, default=list)    # category slugs
    articles: Mapped[list] = mapped_column(JSON, default=list)  # article slugs
    phrases: Mapped[list] = mapped_column(JSON, default=list)   # matching text, in ``lang``
    trend_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the trend it came from, if any
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("account_user.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    updates: Mapped[list[NoticeUpdate]] = relationship(
        back_populates="notice", cascade="all, delete-orphan", order_by="NoticeUpdate.id")
    texts: Mapped[list[NoticeText]] = relationship(
        back_populates="notice", cascade="all, delete-orphan", order_by="NoticeText.lang")

    @property
    def active(self) -> bool:
        return self.status != NoticeStatus.RESOLVED

    def text(self, lang: str) -> NoticeText | None:
        return next((text for text in self.texts if text.lang == lang), None)


class NoticeUpdate(Model):
    """A step in the notice's history: the status it moved to and what was said."""

    __tablename__ = "notice_update"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text, default="")  # plain text, in the notice's language
    author_id: Mapped[int | None] = mapped_column(ForeignKey("account_user.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    notice: Mapped[Notice] = relationship(back_populates="updates")


class NoticeText(Model):
    """A notice in another language: machine translated, or a person's override.

    ``updates`` maps an update's id (as text) to ``{"text", "origin"}``; ``phrases``
    are the matching phrases in this language.
    """

    __tablename__ = "notice_text"
    __table_args__ = (UniqueConstraint("notice_id", "lang"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id", ondelete="CASCADE"), index=True)
    lang: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    phrases: Mapped[list] = mapped_column(JSON, default=list)
    updates: Mapped[dict] = mapped_column(JSON, default=dict)
    origin: Mapped[str] = mapped_column(String(20), default=TextOrigin.MACHINE)
    engine: Mapped[str] = mapped_column(String(80), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    notice: Mapped[Notice] = relationship(back_populates="texts")


class NoticeTicket(Model):
    """A ticket about the notice's incident: its status page shows the notice's updates."""

    __tablename__ = "notice_ticket"
    __table_args__ = (UniqueConstraint("notice_id", "ticket_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id", ondelete="CASCADE"), index=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("support_ticket.id", ondelete="CASCADE"), index=True)
    linked_by: Mapped[str] = mapped_column(String(20), default=LinkKind.AGENT)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class NoticeFollower(Model):
    """Someone who asked to be told by e-mail (double opt-in: confirmed before any update is sent)."""

    __tablename__ = "notice_follower"
    __table_args__ = (UniqueConstraint("notice_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(320))
    lang: Mapped[str] = mapped_column(String(20))
    salt: Mapped[str] = mapped_column(String(64))  # the links' tokens are HMAC(secret key, salt)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class NoticeDelivery(Model):
    """A mail sent about a notice to one recipient (``follower:<id>``, ``ticket:<id>``): never twice."""

    __tablename__ = "notice_delivery"
    __table_args__ = (UniqueConstraint("notice_id", "event", "recipient"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(20))
    recipient: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class NoticeImpression(Model):
    """Per notice, language, surface and day: banners shown, and tickets filed after seeing one."""

    __tablename__ = "notice_impression"
    __table_args__ = (UniqueConstraint("notice_id", "lang", "surface", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id", ondelete="CASCADE"), index=True)
    lang: Mapped[str] = mapped_column(String(20))
    surface: Mapped[str] = mapped_column(String(20))
    day: Mapped[date] = mapped_column(Date)
    seen: Mapped[int] = mapped_column(Integer, default=0)
    filed: Mapped[int] = mapped_column(Integer, default=0)
