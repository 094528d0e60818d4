"""Knowledge-base tables: categories, articles, language versions, revisions."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import db, utcnow


class VersionKind(StrEnum):
    """Who produced a language version (stored as its value)."""

    SOURCE = "source"  # the article's original language
    HUMAN = "human"  # human translation of the source
    MACHINE = "machine"  # machine translation of the source
    MACHINE_REVIEWED = "machine_reviewed"  # machine output a writer reviewed, segment by segment


class VersionStatus(StrEnum):
    """Whether customers see a language version."""

    PUBLISHED = "published"
    DRAFT = "draft"


KIND_SOURCE, KIND_HUMAN, KIND_MACHINE, KIND_MACHINE_REVIEWED = VersionKind
#: Versions people answer for: never overwritten by machine output, flagged when stale.
HUMAN_KINDS = frozenset({VersionKind.HUMAN, VersionKind.MACHINE_REVIEWED})
STATUS_PUBLISHED, STATUS_DRAFT = VersionStatus


class Category(db.Model):
    __tablename__ = "kb_category"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    # {"en": "Account", "es": "Cuenta"}: names per language, any may be missing.
    names: Mapped[dict] = mapped_column(JSON, default=dict)
    position: Mapped[int] = mapped_column(Integer, default=1000)


class Article(db.Model):
    __tablename__ = "kb_article"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    source_lang: Mapped[str] = mapped_column(String(20))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("kb_category.id"), nullable=True)
    tags: Mapped[list] = mapped_column(JSON, default=list)
    view_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    category: Mapped[Category | None] = relationship()
    versions: Mapped[list[ArticleVersion]] = relationship(
        back_populates="article", cascade="all, delete-orphan"
    )

    def version(self, lang: str) -> ArticleVersion | None:
        for version in self.versions:
            if version.lang == lang:
                return version
        return None

    @property
    def source(self) -> ArticleVersion | None:
        return self.version(self.source_lang)


class ArticleVersion(db.Model):
    """One language version of an article: the source, or a translation of it."""

    __tablename__ = "kb_article_version"
    __table_args__ = (UniqueConstraint("article_id", "lang", name="uq_kb_article_version_lang"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_article.id", ondelete="CASCADE"))
    lang: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20), default=KIND_SOURCE)
    status: Mapped[str] = mapped_column(String(20), default=STATUS_PUBLISHED)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    # Front-matter fields we keep but do not model (source_url, license, ...).
    extra: Mapped[dict] = mapped_column(JSON, default=dict)
    # Human name or "engine/version" that produced this version.
    produced_by: Mapped[str] = mapped_column(String(200), default="")
    # For translations: the source revision number and per-segment source hashes
    # they were made from; drives per-paragraph staleness.
    source_revision: Mapped[int | None] = mapped_column(Integer, nullable=True)
    source_segment_hashes: Mapped[list] = mapped_column(JSON, default=list)
    stale_segments: Mapped[list] = mapped_column(JSON, default=list)
    current_revision: Mapped[int] = mapped_column(Integer, default=0)
    # Writer workflow for the working draft (revisions after current_revision):
    # "" (nothing pending) | draft | in_review | changes_requested | approved | scheduled
    review_state: Mapped[str] = mapped_column(String(20), default="", server_default="")
    review_note: Mapped[str] = mapped_column(String(1000), default="", server_default="")
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    # Set by the side-by-side editor for its latest revision: the source revision and
    # segment hashes it was aligned with, and each segment's state (human, machine,
    # machine_reviewed, stale, missing). None when the latest revision came another way.
    segment_states: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    article: Mapped[Article] = relationship(back_populates="versions")
    revisions: Mapped[list[Revision]] = relationship(
        back_populates="version", cascade="all, delete-orphan", order_by="Revision.number"
    )

    @property
    def is_machine(self) -> bool:
        return self.kind == KIND_MACHINE

    @property
    def is_stale(self) -> bool:
        return bool(self.stale_segments)


class Revision(db.Model):
    """Immutable snapshot of a version; every save creates one."""

    __tablename__ = "kb_revision"
    __table_args__ = (UniqueConstraint("version_id", "number", name="uq_kb_revision_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("kb_article_version.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    version: Mapped[ArticleVersion] = relationship(back_populates="revisions")
