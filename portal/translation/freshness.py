"""Which translations follow which source revision, per paragraph.

A translation records the hashes of the source segments it was made from
(``[title, summary, block 0, block 1, ...]``). When the source changes, the
segments whose hash is new are its stale segments: machine translations are then
refreshed, human ones are flagged for review and keep being served with a notice.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from portal.kb.models import HUMAN_KINDS, KIND_MACHINE, KIND_SOURCE, Article, ArticleVersion
from portal.translation import memory
from portal.translation.segmenter import block_hash, blocks

TITLE, SUMMARY = 0, 1  # stale segment indices; blocks start at 2
FIRST_BLOCK = 2


def segment_texts(version) -> list[str]:
    """Title, summary and block texts of a version or a revision (anything with those fields)."""
    return [version.title, version.summary] + [b.text for b in blocks(version.body)]


def segment_hashes(version: ArticleVersion) -> list[str]:
    return [block_hash(text) for text in segment_texts(version)]


def stale_indices(source: ArticleVersion, made_from: list[str]) -> list[int]:
    """Indices of source segments that are new or changed since ``made_from``."""
    known = set(made_from or [])
    return [i for i, digest in enumerate(segment_hashes(source)) if digest not in known]


def record_made_from(translation: ArticleVersion, source: ArticleVersion) -> None:
    translation.source_segment_hashes = segment_hashes(source)
    translation.source_revision = source.current_revision
    translation.stale_segments = []


def store_human_segments(session: Session, source: ArticleVersion, translation: ArticleVersion) -> int:
    """Put a human translation into the memory, segment by aligned segment.

    Only when the structures line up (same number and kind of blocks); otherwise
    nothing is stored rather than pairs that do not belong together.
    """
    src_blocks, tgt_blocks = blocks(source.body), blocks(translation.body)
    pairs = {source.title: translation.title}
    if source.summary and translation.summary:
        pairs[source.summary] = translation.summary
    if len(src_blocks) == len(tgt_blocks) and all(
        a.kind == b.kind for a, b in zip(src_blocks, tgt_blocks, strict=True)
    ):
        pairs.update({a.text: b.text for a, b in zip(src_blocks, tgt_blocks, strict=True)})
    memory.store_human(session, source.lang, translation.lang, pairs)
    return len(pairs)


def refresh_article(session: Session, article: Article, changed_langs: set[str]) -> list[ArticleVersion]:
    """Update staleness after an import/publish; returns machine versions needing a refresh.

    Human translations changed in this operation are taken as made from the current
    source; the others get their stale segments recomputed.
    """
    source = article.source
    if source is None:
        return []
    needs_refresh = []
    for version in article.versions:
        if version.kind == KIND_SOURCE:
            continue
        if version.kind in HUMAN_KINDS and version.lang in changed_langs:
            record_made_from(version, source)
            store_human_segments(session, source, version)
            continue
        version.stale_segments = stale_indices(source, version.source_segment_hashes)
        if version.kind == KIND_MACHINE and (
            version.stale_segments or version.source_revision != source.current_revision
        ):
            needs_refresh.append(version)
    return needs_refresh
