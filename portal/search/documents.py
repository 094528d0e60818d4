"""Article versions -> index documents."""
from __future__ import annotations

from portal.kb.markdown import plain_text
from portal.kb.models import KIND_MACHINE, STATUS_PUBLISHED, Article, ArticleVersion
from portal.search.schema import field_language

EXCERPT_CHARS = 400


def document_key(slug: str, lang: str) -> str:
    return f"{slug}:{lang}"


def document_for(article: Article, version: ArticleVersion) -> dict | None:
    """The index document of one published version (None for drafts)."""
    if version.status != STATUS_PUBLISHED:
        return None
    suffix = field_language(version.lang)
    body = plain_text(version.body)
    excerpt = version.summary or body[:EXCERPT_CHARS]
    words = " ".join([version.title, version.summary, body])
    return {
        "key": document_key(article.slug, version.lang),
        "slug": article.slug,
        "lang": version.lang,
        "kind": version.kind,
        "machine": version.kind == KIND_MACHINE,
        "category": article.category.slug if article.category else "",
        "tags": ",".join(article.tags or []),
        "title": version.title,
        "summary": version.summary,
        "excerpt": excerpt,
        "popularity": int(article.view_count or 0),
        f"title_{suffix}": version.title,
        f"body_{suffix}": " ".join([version.summary, body]),
        f"spell_{suffix}": words,
    }
