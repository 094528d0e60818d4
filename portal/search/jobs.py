"""Index maintenance through the job queue (the worker is the only index writer)."""
from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from portal.jobs import JobContext, enqueue, register
from portal.jobs.hooks import add_hook
from portal.jobs.models import QUEUED, Job
from portal.kb.models import Article
from portal.search.documents import document_for, document_key
from portal.search.embedding import sync_articles
from portal.services import services

INDEX_ARTICLE = "index_article"
EMBED_ARTICLE = "embed_article"


def _enqueue_index(session: Session, article_id: int, lang: str | None = None) -> None:
    enqueue(session, INDEX_ARTICLE, {"article_id": article_id}, dedupe_key=f"{INDEX_ARTICLE}:{article_id}")
    enqueue_embedding(session, article_id)


def enqueue_embedding(session: Session, article_id: int) -> None:
    """Queue the re-embedding of an article's changed passages (no-op when embeddings are off)."""
    if current_app and services().embedder is None:
        return
    enqueue(session, EMBED_ARTICLE, {"article_id": article_id}, dedupe_key=f"{EMBED_ARTICLE}:{article_id}")


add_hook("article_version_changed", _enqueue_index)


def _documents(session: Session, article_ids: list[int] | None) -> tuple[list[dict], list[str]]:
    query = select(Article).options(selectinload(Article.versions), selectinload(Article.category))
    if article_ids is not None:
        query = query.where(Article.id.in_(article_ids))
    docs, unpublished = [], []
    for article in session.scalars(query).all():
        for version in article.versions:
            doc = document_for(article, version)
            if doc is None:
                unpublished.append(document_key(article.slug, version.lang))
            else:
                docs.append(doc)
    return docs, unpublished


def index_articles(session: Session, backend, article_ids: list[int]) -> int:
    """(Re)index the given articles; removes their versions that are no longer published."""
    docs, unpublished = _documents(session, article_ids)
    backend.index(docs, delete_keys=unpublished, session=session)
    return len(docs)


def rebuild_index(session: Session, backend) -> int:
    """Rebuild the whole index from the database, in one atomic commit (the caller's, on PostgreSQL)."""
    docs, _ = _documents(session, None)
    backend.replace_all(docs, session=session)
    return len(docs)


@register(INDEX_ARTICLE)
def index_article_job(payload: dict, job: JobContext) -> dict:
    backend = job.services.search.backend
    article = job.session.get(Article, payload["article_id"])
    if article is None:
        return {"skipped": "article gone"}
    return {"documents": index_articles(job.session, backend, [article.id])}


@register(EMBED_ARTICLE)
def embed_article_job(payload: dict, job: JobContext) -> dict:
    embedder = job.services.embedder
    if embedder is None:
        return {"skipped": "embeddings are off"}
    article = job.session.get(Article, payload["article_id"])
    if article is None:
        return {"skipped": "article gone"}
    report = sync_articles(job.session, embedder, [article.id])
    waiting = job.session.scalar(select(func.count(Job.id)).where(Job.kind == EMBED_ARTICLE, Job.status == QUEUED))
    logging.getLogger(__name__).info("embedded %s: %s passages, %s encoded; %s articles still waiting",
                                     article.slug, report.passages, report.encoded, waiting)
    return {"passages": report.passages, "encoded": report.encoded}
