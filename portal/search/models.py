"""Passage rows for semantic retrieval: text, content hash, and the vector of one model.

Rows are only inserted and deleted, never updated, and ids are never reused,
so ``(count, max id)`` identifies a generation of the vector index cheaply.
"""
from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import db


class SearchPassage(db.Model):
    __tablename__ = "search_passage"
    __table_args__ = (Index("ix_search_passage_version", "version_id"),
                      Index("ix_search_passage_article", "article_id"),
                      # Ids are never reused (PostgreSQL sequences never are), so a
                      # re-embedded last row still moves max(id) and the generation.
                      {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_article.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(ForeignKey("kb_article_version.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(200))
    lang: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer)
    anchor: Mapped[str] = mapped_column(String(200), default="")
    heading: Mapped[str] = mapped_column(String(300), default="")
    text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    model_id: Mapped[str] = mapped_column(String(100))
    vector: Mapped[bytes] = mapped_column(LargeBinary)
