"""The side-by-side translation editor: source segment | translation segment.

Segments are the title, the summary and each translatable block (heading,
paragraph, table cell) as :mod:`portal.translation.freshness` numbers them. A
translation is aligned with the source through the segment hashes it was made
from, so a changed source paragraph is shown as *stale* next to the old
translation and a word diff of what changed in the source. Segments nobody has
translated are prefilled from the translation memory (a person's translation
first, then machine output) and marked as such.

Saving writes a draft revision (the ordinary review and publish workflow follows)
and puts every human or reviewed segment into the translation memory at once, so
it wins over machine output in every article that shares the sentence.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.kb.models import (
    KIND_HUMAN,
    KIND_MACHINE,
    KIND_MACHINE_REVIEWED,
    STATUS_DRAFT,
    STATUS_PUBLISHED,
    Article,
    ArticleVersion,
)
from portal.studio.segment_states import (
    HUMAN_STATE,
    MACHINE,
    MISSING,
    REVIEWED,
    STALE,
    Alignment,
    SegmentState,
)
from portal.studio.workflow import WorkflowError, latest, save_draft
from portal.translation import memory
from portal.translation.freshness import SUMMARY, TITLE, segment_hashes, segment_texts
from portal.translation.models import HUMAN, MemorySegment
from portal.translation.segmenter import block_hash, blocks, rebuild

_WORD = re.compile(r"\s+|[^\s]+")


@dataclass
class Segment:
    """One row of the editor."""

    index: int
    kind: str  # title | summary | heading | paragraph | cell
    source: str
    text: str  # the translation as prefilled
    state: str
    origin: str = ""  # translation | memory | "" (nothing known)
    previous_source: str | None = None  # for stale rows: the source the translation was made from
    source_diff: list[tuple[str, str]] = field(default_factory=list)  # (same|added|removed, words)
    suggestion: str | None = None  # memory's translation of the new source text, when it differs
    prior_state: str = ""  # for stale rows: the state the translation had before the source changed

    @property
    def hash(self) -> str:
        return block_hash(self.source)


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Word-level diff of two source texts: [(same|added|removed, text)]."""
    a, b = _WORD.findall(old), _WORD.findall(new)
    parts: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            parts.append(("same", "".join(a[i1:i2])))
        else:
            if i2 > i1:
                parts.append(("removed", "".join(a[i1:i2])))
            if j2 > j1:
                parts.append(("added", "".join(b[j1:j2])))
    return parts


def memory_suggestions(session: Session, src: str, tgt: str, texts: list[str]) -> dict[str, tuple[str, str]]:
    """Best known translation per text, from any engine: {text: (translation, "human"|engine)}.

    A person's translation wins; among machine outputs the most recent one.
    """
    hashes = {memory.source_hash(t): t for t in texts if t.strip()}
    if not hashes:
        return {}
    rows = session.execute(
        select(MemorySegment.engine, MemorySegment.source_hash, MemorySegment.target_text)
        .where(MemorySegment.src_lang == src, MemorySegment.tgt_lang == tgt,
               MemorySegment.source_hash.in_(list(hashes)))
        .order_by(MemorySegment.updated_at)
    ).all()
    found: dict[str, tuple[str, str]] = {}
    for engine, digest, target in rows:  # later rows (newer) overwrite older ones
        text = hashes[digest]
        if engine == HUMAN or found.get(text, ("", ""))[1] != HUMAN:
            found[text] = (target, engine)
    return found


def _source_texts_at(source: ArticleVersion, revision_number: int | None, hashes: list[str]) -> list[str] | None:
    """The source's segment texts at the revision a translation was made from, if still known."""
    candidates = [r for r in source.revisions if r.number == revision_number] + [source]
    for candidate in candidates:
        texts = segment_texts(candidate)
        if [block_hash(t) for t in texts] == list(hashes):
            return texts
    return None


def _default_state(kind: str) -> str:
    return MACHINE if kind == KIND_MACHINE else (REVIEWED if kind == KIND_MACHINE_REVIEWED else HUMAN_STATE)


def build_segments(session: Session, article: Article, lang: str) -> list[Segment]:
    """The editor rows for translating ``article`` into ``lang``, aligned and prefilled."""
    source = article.source
    if source is None or source.status != STATUS_PUBLISHED:
        raise WorkflowError("source_not_published")
    kinds = ["title", "summary"] + [block.kind for block in blocks(source.body)]
    rows = [Segment(i, kinds[i], text, "", MISSING) for i, text in enumerate(segment_texts(source))]
    target = article.version(lang)
    if target is not None:
        _align_with_translation(target, source, rows)
    wanted = [row.source for row in rows if row.source.strip() and row.state in (MISSING, STALE, MACHINE)]
    known = memory_suggestions(session, article.source_lang, lang, wanted)
    for row in rows:
        if not row.source.strip() or row.source not in known:
            continue
        text, engine = known[row.source]
        if row.state == MACHINE:
            # Machine output that carries a person's segment (the refresh used the memory).
            if engine == HUMAN and memory.normalise(text) == memory.normalise(row.text):
                row.state = HUMAN_STATE
        elif row.state == MISSING:
            row.text, row.origin = text, "memory"
            row.state = HUMAN_STATE if engine == HUMAN else MACHINE
        elif row.state == STALE and text != row.text:
            row.suggestion = text
    return rows


def _align_with_translation(target: ArticleVersion, source: ArticleVersion, rows: list[Segment]) -> None:
    aligned = Alignment.of(target)
    base_hashes = list(aligned.source_hashes if aligned and aligned.source_hashes else
                       target.source_segment_hashes or [])
    base_revision = aligned.source_revision if aligned and aligned.source_revision is not None \
        else target.source_revision
    states = aligned.states if aligned else ()
    last = latest(target) or target
    target_texts = segment_texts(last)
    if not base_hashes or len(target_texts) != len(base_hashes):
        # Structure differs from what it was made from (edited as Markdown): only the
        # title and summary can be paired with confidence.
        base_hashes = base_hashes[:2]
        target_texts = target_texts[:2]
    old_texts = _source_texts_at(source, base_revision, base_hashes) if base_hashes else None
    default = _default_state(target.kind)
    new_hashes = [row.hash for row in rows]
    matcher = difflib.SequenceMatcher(None, base_hashes, new_hashes, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            for old, new in zip(range(i1, i2), range(j1, j2), strict=True):
                rows[new].text, rows[new].origin = target_texts[old], "translation"
                rows[new].state = states[old] if old < len(states) and states[old] else default
        elif op == "replace":
            # A replaced run may be longer on either side: pair what lines up; the rest are new or dropped segments.
            for old, new in zip(range(i1, i2), range(j1, j2), strict=False):
                row = rows[new]
                row.text, row.origin, row.state = target_texts[old], "translation", STALE
                row.prior_state = states[old] if old < len(states) and states[old] else default
                if old_texts is not None:
                    row.previous_source = old_texts[old]
                    row.source_diff = word_diff(old_texts[old], row.source)
    for row in rows:
        if row.state != MISSING and not row.text.strip() and row.source.strip():
            row.state = MISSING
        if not row.source.strip():
            row.state, row.text = "", ""


@dataclass
class SaveResult:
    revision_number: int
    states: list[str]
    stored_in_memory: int


def save_segments(session: Session, article: Article, lang: str, submitted: dict[str, tuple[str, bool]],
                  author: str, base_revision: int) -> SaveResult:
    """Save the editor's rows as a draft revision of the ``lang`` translation.

    ``submitted`` maps a source segment hash to (translation, marked reviewed).
    Rows are matched by hash, not position, so a source that changed meanwhile
    cannot shift text into the wrong paragraph. An edited segment is a person's
    translation; an unedited machine segment marked reviewed is machine_reviewed.
    """
    if lang == article.source_lang:
        raise WorkflowError("not_a_translation")
    rows = build_segments(session, article, lang)
    source = article.source
    states: list[str] = []
    texts: list[str] = []
    pairs: dict[str, str] = {}
    for row in rows:
        if not row.source.strip():
            states.append("")
            texts.append("")
            continue
        text, reviewed = submitted.get(row.hash, (row.text, False))
        text = text.replace("\r\n", "\n").strip()
        edited = memory.normalise(text) != memory.normalise(row.text)
        if not text:
            state = MISSING
        elif edited:
            state = HUMAN_STATE
        elif reviewed:
            prior = row.prior_state or row.state
            state = REVIEWED if prior in (MACHINE, REVIEWED) else HUMAN_STATE
        else:
            state = row.state
        if state in (HUMAN_STATE, REVIEWED):
            pairs[row.source] = text
        states.append(state)
        texts.append(text)
    version = article.version(lang)
    if version is None:
        version = ArticleVersion(lang=lang, kind=KIND_HUMAN, status=STATUS_DRAFT, title=source.title,
                                 summary=source.summary, body=source.body, current_revision=0)
        article.versions.append(version)
    translated_blocks = {i - 2: text for i, text in enumerate(texts) if i >= 2 and text}
    revision = save_draft(version, title=texts[TITLE] or source.title, summary=texts[SUMMARY],
                          body=rebuild(source.body, translated_blocks), author=author,
                          base_revision=base_revision, note="side-by-side translation")
    Alignment(source.current_revision, tuple(segment_hashes(source)),
              tuple(SegmentState(state) if state else None for state in states)).store(version)
    memory.store_human(session, article.source_lang, lang, pairs)
    return SaveResult(revision.number, states, len(pairs))


def needs_suggestions(rows: list[Segment]) -> list[str]:
    """Source texts still without any suggestion (for a background machine translation)."""
    return [row.source for row in rows if row.state == MISSING and row.source.strip()]
