"""Trends and their members: what the detection job found, kept so a trend has a stable id."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import db, utcnow

if TYPE_CHECKING:  # db.Model is Base with Flask-SQLAlchemy's extras, which mypy cannot see through
    from portal.db import Base as Model
else:
    Model = db.Model


class TrendStatus(StrEnum):
    """What staff made of a trend (stored as its value)."""

    NEW = "new"
    ACKNOWLEDGED = "acknowledged"  # someone is on it
    RESOLVED = "resolved"
    DISMISSED = "dismissed"  # not an issue (noise, a campaign...)


class Trend(Model):
    __tablename__ = "trend"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(20), default=TrendStatus.NEW, index=True)
    #: The first and last signal of the trend (not when the job ran).
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    representative: Mapped[str] = mapped_column(String(300), default="")
    representative_lang: Mapped[str] = mapped_column(String(20), default="")
    #: The representative machine-translated into desk languages: {lang: {"text", "engine"}}.
    phrasings: Mapped[dict] = mapped_column(JSON, default=dict)
    #: [[text, lang, count], ...] most frequent first.
    originals: Mapped[list] = mapped_column(JSON, default=list)
    #: As of the latest run that saw the trend grow: count in the window, its baseline, growth.
    count: Mapped[int] = mapped_column(Integer, default=0)
    baseline: Mapped[float] = mapped_column(Float, default=0.0)
    growth: Mapped[float] = mapped_column(Float, default=0.0)
    peak_growth: Mapped[float] = mapped_column(Float, default=0.0)
    languages: Mapped[dict] = mapped_column(JSON, default=dict)  # {lang: count}
    channels: Mapped[dict] = mapped_column(JSON, default=dict)  # {channel: count}
    articles: Mapped[dict] = mapped_column(JSON, default=dict)  # {slug: count}
    tickets: Mapped[list] = mapped_column(JSON, default=list)  # ticket ids
    #: When staff were told (once per trend).
    notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    members: Mapped[list[TrendMember]] = relationship(
        back_populates="trend", cascade="all, delete-orphan", order_by="TrendMember.id")


class TrendMember(Model):
    """One signal (a search, a comment, a ticket message) counted in a trend."""

    __tablename__ = "trend_member"
    __table_args__ = (UniqueConstraint("trend_id", "channel", "source_id", name="uq_trend_member_source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trend_id: Mapped[int] = mapped_column(ForeignKey("trend.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    source_id: Mapped[int] = mapped_column(Integer)
    lang: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(String(300))
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    trend: Mapped[Trend] = relationship(back_populates="members")
