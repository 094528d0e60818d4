"""Writer use cases: create an article, save a draft (with its topic and tags), submit, review, restore.

Each one owns its transaction, like :mod:`portal.publishing` (publish, unpublish,
schedule): the workflow rules below only change objects; the use case commits
once, with the index jobs a change of topic or tags causes. A refusal raises
``WorkflowError`` before anything is written; the caller rolls back.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.jobs.hooks import run_hooks
from portal.kb.models import STATUS_PUBLISHED, Article, ArticleVersion, Category, Revision
from portal.studio import workflow

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
