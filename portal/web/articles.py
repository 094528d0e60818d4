"""One presentation of an article version, for the article page and the JSON API alike.

What a version says about itself to a reader (machine-translated, reviewed,
stale) and its HTML, with the language marks a machine translation needs:
blocks the engine left in the original language, code, and do-not-translate
terms carry ``lang`` (and ``dir``) so screen readers pronounce them right.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app

from portal.kb.models import HUMAN_KINDS, KIND_MACHINE, KIND_MACHINE_REVIEWED, Article, ArticleVersion
from portal.services import services


@dataclass(frozen=True)
class ArticlePresentation:
    """How ``version`` of ``article`` is shown in language ``lang``."""

    version: ArticleVersion
    is_machine: bool
    is_reviewed_machine: bool
    is_stale: bool
    body_html: str


def present(article: Article, version: ArticleVersion, lang: str,
            article_url: Callable[[str, str], str]) -> ArticlePresentation:
    """Render ``version`` for a reader of ``lang``; ``article_url(slug, fragment)`` makes links."""
    machine = version.kind == KIND_MACHINE
    options: dict = {}
    if machine:
        untranslated = (version.extra or {}).get("untranslated_blocks", [])
        options = {
            "block_langs": {index: article.source_lang for index in untranslated},
            "code_lang": article.source_lang,
            "keep_terms": current_app.config["SETTINGS"].glossary_do_not_translate,
            "term_lang": article.source_lang,
        }
    return ArticlePresentation(
        version=version,
        is_machine=machine,
        is_reviewed_machine=version.kind == KIND_MACHINE_REVIEWED,
        is_stale=bool(version.stale_segments) and version.kind in HUMAN_KINDS,
        body_html=services().render_cache.render(version.body, lang, article_url, **options),
    )
