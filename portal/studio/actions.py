"""Writer use cases: create an article, save a draft (with its topic and tags), submit, review,
restore; save a side-by-side translation, ask for suggestions, machine-translate in bulk.

Each one owns its transaction, like :mod:`portal.publishing` (publish, unpublish,
schedule): the workflow rules below only change objects; the use case commits
once, with the index jobs a change of topic or tags causes. A refusal raises
``WorkflowError`` before anything is written; the caller rolls back.
"""
from __future__ import annotations

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.jobs import enqueue
from portal.jobs.batches import JobBatch, create_batch
from portal.jobs.hooks import run_hooks
from portal.kb.models import STATUS_PUBLISHED, Article, ArticleVersion, Category, Revision
from portal.services import services
from portal.studio import segments, workflow
from portal.translation import memory
from portal.translation.jobs import schedule_pretranslation

#: Tags an article keeps (each at most ``MAX_TAG_CHARS`` characters).
MAX_TAGS, MAX_TAG_CHARS = 20, 50


def parse_tags(text: str | None) -> list[str]:
    """Comma-separated tags, trimmed, without duplicates (first spelling kept), at most ``MAX_TAGS``."""
    tags: dict[str, str] = {}
    for tag in (text or "").split(","):
        tag = " ".join(tag.split())[:MAX_TAG_CHARS]
        if tag and tag.casefold() not in tags:
            tags[tag.casefold()] = tag
    return list(tags.values())[:MAX_TAGS]


def category_by_slug(session: Session, slug: str | None) -> Category | None:
    """The topic named ``slug``; None for no topic. Raises ``WorkflowError('unknown_category')``."""
    if not slug:
        return None
    category = session.scalar(select(Category).where(Category.slug == slug))
    if category is None:
        raise workflow.WorkflowError("unknown_category")
    return category


def create_article(session: Session, *, slug: str, lang: str, title: str, summary: str, body: str, author: str,
                   category_slug: str | None = None, tags: str | None = None) -> ArticleVersion:
    """A new article with its first draft, in ``lang`` (its original language)."""
    version = workflow.create_article(session, slug=slug, lang=lang, title=title, summary=summary, body=body,
                                      author=author, category=category_by_slug(session, category_slug),
                                      tags=parse_tags(tags))
    session.commit()
    return version


def save_draft(session: Session, version: ArticleVersion, *, title: str, summary: str, body: str, author: str,
               base_revision: int, note: str = "", category_slug: str | None = None,
               tags: str | None = None) -> Revision:
    """A new draft revision; on the original language, also the article's topic and tags
    (``None``: unchanged), which re-index its published versions at once."""
    revision = workflow.save_draft(version, title=title, summary=summary, body=body, author=author,
                                   base_revision=base_revision, note=note)
    article = version.article
    if version.lang == article.source_lang and _set_metadata(session, article, category_slug, tags):
        for published in article.versions:
            if published.status == STATUS_PUBLISHED:
                run_hooks("article_version_changed", session, article_id=article.id, lang=published.lang)
    session.commit()
    return revision


def _set_metadata(session: Session, article: Article, category_slug: str | None, tags: str | None) -> bool:
    # Topic and tags belong to the article (every language); True if they changed.
    changed = False
    if category_slug is not None:
        category = category_by_slug(session, category_slug)
        if article.category_id != (category.id if category else None):
            article.category, changed = category, True
    if tags is not None:
        parsed = parse_tags(tags)
        if list(article.tags or []) != parsed:
            article.tags, changed = parsed, True
    session.flush()
    return changed


def submit(session: Session, version: ArticleVersion) -> None:
    """Ask for review of the latest draft."""
    workflow.submit(version)
    session.commit()


def review(session: Session, version: ArticleVersion, reviewer: str, is_admin: bool, approve: bool,
           note: str = "") -> None:
    """Approve the draft or ask for changes (never one's own draft, unless an admin)."""
    workflow.review(version, reviewer, is_admin, approve, note)
    session.commit()


def restore(session: Session, version: ArticleVersion, number: int, author: str) -> Revision:
    """A new draft with the content of revision ``number``."""
    revision = workflow.restore(version, number, author)
    session.commit()
    return revision


def save_translation(session: Session, article: Article, lang: str, submitted: dict[str, tuple[str, bool]],
                     author: str, base_revision: int) -> segments.SaveResult:
    """The side-by-side editor's rows saved as a draft of the ``lang`` translation (and in the memory)."""
    result = segments.save_segments(session, article, lang, submitted, author, base_revision)
    session.commit()
    return result


def request_suggestions(session: Session, article: Article, lang: str, rows: list[segments.Segment]) -> bool:
    """Ask the worker for machine suggestions of the segments that have none; True if asked."""
    texts = segments.needs_suggestions(rows)
    if not texts or services().translation.engine_for(article.source_lang, lang) is None:
        return False
    digest = memory.source_hash("\n".join(texts))
    enqueue(session, "translate_segments", {"texts": [memory.normalise(t) for t in texts],
                                            "src": article.source_lang, "tgt": lang},
            dedupe_key=f"translate_segments:{article.source_lang}:{lang}:{digest}")
    session.commit()
    return True


def machine_translate(session: Session, articles: list[Article], label: str, requested_by: str,
                      *, empty_batch: bool = False) -> JobBatch | None:
    """Queue machine translation of ``articles`` into every enabled language missing it, as one
    batch whose progress the studio shows; None when nothing needed translating (unless
    ``empty_batch``: then a batch that says so)."""
    languages = current_app.config["SETTINGS"].languages
    service = services().translation
    jobs = [job for article in articles for job in schedule_pretranslation(session, article, service, languages)]
    batch = create_batch(session, label, jobs, requested_by) if jobs or empty_batch else None
    session.commit()
    return batch
