"""Search log rows: the query, languages and outcome; nothing about the person."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import db, utcnow


class SearchLog(db.Model):
    __tablename__ = "search_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Chosen in the web process before the row is written (see portal.analytics.reads);
    #: links an opened result to its search. Random, so nobody can mark another's search.
    ref: Mapped[str | None] = mapped_column(String(16), nullable=True, unique=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    query: Mapped[str] = mapped_column(String(200))
    query_lang: Mapped[str] = mapped_column(String(20))
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    detection_rule: Mapped[str] = mapped_column(String(30), default="")
    ui_lang: Mapped[str] = mapped_column(String(20))
    translated_query: Mapped[str | None] = mapped_column(String(200), nullable=True)
    category: Mapped[str | None] = mapped_column(String(120), nullable=True)
    results: Mapped[int] = mapped_column(Integer, default=0)
    opened_slug: Mapped[str | None] = mapped_column(String(200), nullable=True)
    source: Mapped[str] = mapped_column(String(10), default="page")  # page | api


class ArticleVote(db.Model):
    """One "Was this helpful?" answer: per article, language and visit (no identity)."""

    __tablename__ = "article_vote"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    slug: Mapped[str] = mapped_column(String(200), index=True)
    lang: Mapped[str] = mapped_column(String(20))
    helpful: Mapped[bool] = mapped_column(db.Boolean)
    comment: Mapped[str] = mapped_column(String(1000), default="")
