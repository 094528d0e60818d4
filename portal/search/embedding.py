"""Keep passage vectors in step with published article versions.

Runs in the worker (through the ``embed_article`` job) and in ``portal index
rebuild``; only flushes, the caller commits. A version whose passages did not
change is left alone; a changed one gets its rows replaced, and only passages
whose text is new reach the encoder (the rest come from the rows already stored
or from the embedding cache).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, selectinload

from portal.kb.markdown import plain_text
from portal.kb.models import STATUS_PUBLISHED, Article, ArticleVersion
from portal.search.models import SearchPassage
from portal.search.passages import passages_for

log = logging.getLogger(__name__)


@dataclass
class EmbedReport:
    versions: int = 0
    changed: int = 0
    passages: int = 0
    encoded: int = 0

    def add(self, other: EmbedReport) -> None:
        self.versions += other.versions
        self.changed += other.changed
        self.passages += other.passages
        self.encoded += other.encoded


def _wanted(version: ArticleVersion, embedder):
    title = version.title or ""
    summary = version.summary or plain_text(version.body)[:300]
    texts = passages_for(title, summary, version.body or "", embedder.token_count)
    return title, texts


def sync_version(session: Session, embedder, article: Article, version: ArticleVersion) -> EmbedReport:
    """Make the stored passages of one version match its published text."""
    report = EmbedReport(versions=1)
    existing = list(session.scalars(select(SearchPassage).where(SearchPassage.version_id == version.id)
                                    .order_by(SearchPassage.position)))
    if version.status != STATUS_PUBLISHED:
        if existing:
            session.execute(delete(SearchPassage).where(SearchPassage.version_id == version.id))
            report.changed = 1
        return report
    title, texts = _wanted(version, embedder)
    hashes = [p.content_hash(title) for p in texts]
    signature = [
        (h, p.anchor, p.position, p.text, article.slug, version.lang) for h, p in zip(hashes, texts, strict=True)
    ]
    current = [(row.content_hash, row.anchor, row.position, row.text, row.slug, row.lang) for row in existing
               if row.model_id == embedder.model_id]
    report.passages = len(texts)
    if current == signature and len(existing) == len(current):
        return report
    stored = {row.content_hash: np.frombuffer(row.vector, dtype=np.float32) for row in existing
              if row.model_id == embedder.model_id and len(row.vector) == embedder.dim * 4}
    new_texts = {h: p.embedding_text(title) for h, p in zip(hashes, texts, strict=True) if h not in stored}
    before = embedder.encoded
    if new_texts:
        fresh = embedder.embed_passages(list(new_texts.values()))
        stored.update(zip(new_texts.keys(), fresh, strict=True))
    report.encoded = embedder.encoded - before
    report.changed = 1
    session.execute(delete(SearchPassage).where(SearchPassage.version_id == version.id))
    session.add_all([
        SearchPassage(article_id=article.id, version_id=version.id, slug=article.slug, lang=version.lang,
                      position=p.position, anchor=p.anchor[:200], heading=p.heading[:300], text=p.text,
                      content_hash=h, model_id=embedder.model_id,
                      vector=np.asarray(stored[h], dtype=np.float32).tobytes())
        for h, p in zip(hashes, texts, strict=True)
    ])
    session.flush()
    return report


def sync_articles(session: Session, embedder, article_ids: list[int] | None = None) -> EmbedReport:
    """Sync every version of the given articles (all articles when None)."""
    query = select(Article).options(selectinload(Article.versions))
    if article_ids is not None:
        query = query.where(Article.id.in_(article_ids))
    report = EmbedReport()
    for article in session.scalars(query).all():
        for version in article.versions:
            report.add(sync_version(session, embedder, article, version))
    return report


@dataclass
class EmbeddingStatus:
    model_id: str
    passages: int  # embedded by the current model
    other_model: int  # stored by another model: re-embedded on the next rebuild
    published_versions: int
    pending_versions: int  # published, with no passage of the current model yet


def embedding_status(session: Session, model_id: str) -> EmbeddingStatus:
    current = session.scalar(select(func.count(SearchPassage.id)).where(SearchPassage.model_id == model_id)) or 0
    other = session.scalar(select(func.count(SearchPassage.id)).where(SearchPassage.model_id != model_id)) or 0
    published = session.scalar(select(func.count(ArticleVersion.id))
                               .where(ArticleVersion.status == STATUS_PUBLISHED)) or 0
    embedded = select(SearchPassage.version_id).where(SearchPassage.model_id == model_id)
    pending = session.scalar(select(func.count(ArticleVersion.id)).where(
        ArticleVersion.status == STATUS_PUBLISHED, ArticleVersion.id.not_in(embedded))) or 0
    return EmbeddingStatus(model_id, int(current), int(other), int(published), int(pending))


def articles_needing_vectors(session: Session, model_id: str) -> list[int]:
    """Articles with a published version lacking current-model passages, or holding another model's."""
    embedded = select(SearchPassage.version_id).where(SearchPassage.model_id == model_id)
    missing = select(ArticleVersion.article_id).where(ArticleVersion.status == STATUS_PUBLISHED,
                                                      ArticleVersion.id.not_in(embedded))
    stale = select(SearchPassage.article_id).where(SearchPassage.model_id != model_id)
    ids = set(session.scalars(missing)) | set(session.scalars(stale))
    return sorted(ids)
