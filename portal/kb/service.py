"""Knowledge-base reads and writes used by the web layer, the CLI and the importer.

Every change to a language version goes through :func:`save_version`, which keeps
the revision history and content hash consistent.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from portal.i18n import base_language
from portal.kb.models import (
    KIND_HUMAN,
    KIND_MACHINE,
    KIND_MACHINE_REVIEWED,
    KIND_SOURCE,
    STATUS_PUBLISHED,
    Article,
    ArticleVersion,
    Category,
    Revision,
)


def content_hash(**fields) -> str:
    """Stable hash of a version's content (decides whether a re-import changes it)."""
    payload = json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def save_version(
    session: Session,
    article: Article,
    lang: str,
    *,
    title: str,
    body: str,
    summary: str = "",
    kind: str = KIND_SOURCE,
    status: str = STATUS_PUBLISHED,
    extra: dict | None = None,
    produced_by: str = "",
    author: str = "",
    note: str = "",
) -> tuple[ArticleVersion, bool]:
    """Create or update one language version; returns (version, changed).

    An update whose content is identical is a no-op (no new revision). A changed
    source bumps its revision; translations record the source revision they follow.
    """
    extra = extra or {}
    digest = content_hash(title=title, summary=summary, body=body, status=status, extra=extra, kind=kind)
    version = article.version(lang)
    if version is not None and version.content_hash == digest:
        return version, False
    if version is None:
        version = ArticleVersion(lang=lang, current_revision=0)
        article.versions.append(version)
    version.kind = kind
    version.status = status
    version.title = title
    version.summary = summary
    version.body = body
    version.extra = extra
    version.produced_by = produced_by
    version.content_hash = digest
    version.segment_states = None  # the side-by-side alignment no longer describes it
    version.review_state, version.review_note = "", ""  # a pending draft is superseded
    # After any draft revision too: numbers are unique per version, and the files win.
    version.current_revision = max([version.current_revision or 0] + [r.number for r in version.revisions]) + 1
    if kind != KIND_SOURCE:
        source = article.source
        version.source_revision = source.current_revision if source is not None else None
    version.revisions.append(
        Revision(
            number=version.current_revision,
            title=title,
            summary=summary,
            body=body,
            author=author or produced_by,
            note=note,
        )
    )
    return version, True


def get_or_create_category(session: Session, slug: str) -> Category:
    category = session.scalar(select(Category).where(Category.slug == slug))
    if category is None:
        category = Category(slug=slug, names={}, position=1000)
        session.add(category)
    return category


# --- reads for pages ------------------------------------------------------------

@dataclass(frozen=True)
class ChosenVersion:
    """Which version a reader gets for a requested language, and why."""

    version: ArticleVersion
    requested_lang: str
    #: Held here so pages never lazy-load it per row (the session only keeps it weakly).
    article: Article

    @property
    def is_requested_language(self) -> bool:
        return self.version.lang == self.requested_lang

    @property
    def is_machine(self) -> bool:
        return self.version.kind == KIND_MACHINE


def _published(article: Article) -> list[ArticleVersion]:
    return [v for v in article.versions if v.status == STATUS_PUBLISHED]


def choose_version(article: Article, lang: str) -> ChosenVersion | None:
    """Best published version for ``lang``: human > machine translation > original.

    Falls back to the same language in another region (``pt`` for ``pt-BR``) before
    the original. None when nothing of the article is published.
    """
    published = _published(article)
    if not published:
        return None
    rank = {KIND_SOURCE: 0, KIND_HUMAN: 0, KIND_MACHINE_REVIEWED: 0, KIND_MACHINE: 1}

    def best(candidates):
        return min(candidates, key=lambda v: rank.get(v.kind, 2)) if candidates else None

    exact = best([v for v in published if v.lang == lang])
    if exact is None:
        exact = best([v for v in published if v.kind != KIND_MACHINE and base_language(v.lang) == base_language(lang)])
    if exact is not None:
        return ChosenVersion(exact, lang, article)
    source = next((v for v in published if v.lang == article.source_lang), None)
    return ChosenVersion(source or published[0], lang, article)


def get_article(session: Session, slug: str) -> Article | None:
    return session.scalar(
        select(Article).where(Article.slug == slug).options(selectinload(Article.versions))
    )


def category_name(category: Category | CategorySummary | None, lang: str) -> str:
    """Display name in ``lang``, else English, else derived from the slug."""
    if category is None:
        return ""
    names = category.names or {}
    return names.get(lang) or names.get("en") or category.slug.replace("-", " ").capitalize()


@dataclass(frozen=True)
class CategorySummary:
    """A category as lists show it (plain values: safe to keep beyond the session)."""

    slug: str
    names: dict
    position: int


def list_categories(session: Session) -> list[tuple[CategorySummary, int]]:
    """Categories that have published articles, with their article counts."""
    published = (
        select(ArticleVersion.article_id)
        .where(ArticleVersion.status == STATUS_PUBLISHED)
        .distinct()
        .subquery()
    )
    rows = session.execute(
        select(Category, func.count(Article.id))
        .join(Article, Article.category_id == Category.id)
        .where(Article.id.in_(select(published.c.article_id)))
        .group_by(Category.id)
        .order_by(Category.position, Category.slug)
    ).all()
    return [(CategorySummary(category.slug, dict(category.names or {}), category.position), count)
            for category, count in rows]


def get_category(session: Session, slug: str) -> Category | None:
    return session.scalar(select(Category).where(Category.slug == slug))


def articles_in_category(session: Session, category: Category, lang: str) -> list[ChosenVersion]:
    articles = session.scalars(
        select(Article)
        .where(Article.category_id == category.id)
        .options(selectinload(Article.versions))
        .order_by(Article.slug)
    ).all()
    chosen = [choose_version(article, lang) for article in articles]
    return sorted((c for c in chosen if c), key=lambda c: c.version.title.casefold())


def popular_articles(session: Session, lang: str, limit: int = 6) -> list[ChosenVersion]:
    """Most viewed published articles, shown in ``lang`` where possible."""
    articles = session.scalars(
        select(Article)
        .options(selectinload(Article.versions))
        .order_by(Article.view_count.desc(), Article.slug)
        .limit(limit * 3)
    ).all()
    chosen = [c for c in (choose_version(a, lang) for a in articles) if c]
    return chosen[:limit]
