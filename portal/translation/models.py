"""Translation memory: every translated segment, keyed by engine and source hash."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import db, utcnow

#: The "engine" of segments written or post-edited by people; always wins.
HUMAN = "human"


class MemorySegment(db.Model):
    __tablename__ = "translation_memory"
    __table_args__ = (
        UniqueConstraint("engine", "engine_version", "src_lang", "tgt_lang", "source_hash",
                         name="uq_translation_memory_key"),
        Index("ix_translation_memory_lookup", "src_lang", "tgt_lang", "source_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    engine: Mapped[str] = mapped_column(String(40))
    engine_version: Mapped[str] = mapped_column(String(80))
    src_lang: Mapped[str] = mapped_column(String(20))
    tgt_lang: Mapped[str] = mapped_column(String(20))
    source_hash: Mapped[str] = mapped_column(String(64))
    source_text: Mapped[str] = mapped_column(Text)
    target_text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
