"""Search tables: passage vectors for semantic retrieval, and the PostgreSQL keyword index.

Passage rows are only inserted and deleted, never updated, and ids are never
reused, so ``(count, max id)`` identifies a generation of the vector index cheaply.
"""
from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text
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


class SearchDocument(db.Model):
    """One indexed article version for the PostgreSQL search backend (``postgres.py``).

    The table exists on every database; on PostgreSQL the migration adds the
    ``tsv`` column (the version's title, weight A, and body, weight D, through its
    language's text-search configuration) and its GIN index, which the backend
    reads and writes with SQL of its own.
    """

    __tablename__ = "search_document"
    __table_args__ = (Index("ix_search_document_slug", "slug"),
                      Index("ix_search_document_lang", "lang"),
                      Index("ix_search_document_category", "category"))

    key: Mapped[str] = mapped_column(String(250), primary_key=True)  # "<slug>:<lang>"
    slug: Mapped[str] = mapped_column(String(200))
    lang: Mapped[str] = mapped_column(String(20))
    #: The vocabulary the version's words count in (``schema.field_language``).
    field: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(20))
    machine: Mapped[bool] = mapped_column(Boolean, default=False)
    category: Mapped[str] = mapped_column(String(200), default="")
    tags: Mapped[str] = mapped_column(Text, default="")
    title: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    excerpt: Mapped[str] = mapped_column(Text, default="")
    popularity: Mapped[int] = mapped_column(Integer, default=0)
    #: The version's distinct unstemmed words, space-separated: what it adds to ``search_word``.
    words: Mapped[str] = mapped_column(Text, default="")


class SearchWord(db.Model):
    """Vocabulary per language field with document counts: did-you-mean and completion (pg_trgm)."""

    __tablename__ = "search_word"

    field: Mapped[str] = mapped_column(String(10), primary_key=True)
    word: Mapped[str] = mapped_column(String(100), primary_key=True)
    docs: Mapped[int] = mapped_column(Integer, default=0)


class SearchGeneration(db.Model):
    """One row, bumped by every index write in the writer's transaction (keys caches on every node)."""

    __tablename__ = "search_generation"

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class SearchLexeme(db.Model):
    """How many documents of a language hold each indexed lexeme (``lexeme = ''``: how many documents
    the language has). The PostgreSQL backend weights query words by rarity and picks which
    documents to rank from these counts, without counting matches on every search."""

    __tablename__ = "search_lexeme"

    lang: Mapped[str] = mapped_column(String(20), primary_key=True)
    lexeme: Mapped[str] = mapped_column(Text, primary_key=True)
    docs: Mapped[int] = mapped_column(Integer, default=0)
