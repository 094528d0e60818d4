"""Article versions -> passages for semantic retrieval.

One passage for the title and summary, then one per section (its heading with
its text); a section longer than the encoder's window is split on block
boundaries (a block longer than the window on sentence boundaries, then by
length), so every passage is embedded whole. Each passage keeps the anchor of
its section, so a result can link straight to it.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from portal.kb.markdown import sections

#: Tokens left for a passage of the encoder's 512 (the "passage: " prefix and the
#: title line are added to each).
PASSAGE_TOKENS = 400
#: Longest passage in characters, whatever the token count says (bounds encoder cost).
PASSAGE_CHARS = 1600
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+|(?<=[。！？])")


@dataclass(frozen=True)
class PassageText:
    position: int
    anchor: str
    heading: str
    text: str  # what the reader sees as a snippet

    def embedding_text(self, title: str) -> str:
        """What the encoder reads: the article title gives each section its context."""
        if self.position == 0:
            return self.text
        head = f"{title}: {self.heading}" if self.heading else title
        return f"{head}\n{self.text}"

    def content_hash(self, title: str) -> str:
        return hashlib.sha256(self.embedding_text(title).encode("utf-8")).hexdigest()


def _approx_tokens(text: str) -> int:
    # ~4 characters a token for alphabetic scripts, ~1 for CJK; an over-estimate is safe.
    cjk = len(re.findall(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]", text))
    return cjk + (len(text) - cjk) // 3 + 1


def _split_long(block: str, fits: Callable[[str], bool]) -> list[str]:
    if fits(block):
        return [block]
    pieces, current = [], ""
    for sentence in (s for s in _SENTENCE_END.split(block) if s):
        candidate = f"{current} {sentence}".strip() if current else sentence
        if fits(candidate):
            current = candidate
            continue
        if current:
            pieces.append(current)
        while not fits(sentence):  # one enormous sentence: cut by length
            cut = max(1, min(len(sentence), PASSAGE_CHARS) * 3 // 4)
            pieces.append(sentence[:cut])
            sentence = sentence[cut:]
        current = sentence
    if current:
        pieces.append(current)
    return pieces


def passages_for(title: str, summary: str, body: str,
                 token_count: Callable[[str], int] | None = None,
                 max_tokens: int = PASSAGE_TOKENS) -> list[PassageText]:
    """The passages of one article version, in reading order."""
    count = token_count or _approx_tokens

    def fits(text: str) -> bool:
        return len(text) <= PASSAGE_CHARS and count(text) <= max_tokens

    out = [PassageText(0, "", "", " ".join(part for part in (title.strip(), summary.strip()) if part))]
    for section in sections(body):
        chunk: list[str] = []
        blocks = [piece for block in section.blocks for piece in _split_long(block, fits)]
        for block in blocks:
            candidate = "\n".join(chunk + [block])
            if chunk and not fits(candidate):
                out.append(PassageText(len(out), section.anchor, section.heading, "\n".join(chunk)))
                chunk = []
            chunk.append(block)
        if chunk:  # a heading with nothing under it (a list of links removed) says too little
            out.append(PassageText(len(out), section.anchor, section.heading, "\n".join(chunk)))
    return out
