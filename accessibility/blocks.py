"""Article Markdown as the lint sees it: inline blocks with their text, links and images.

Parsed the way the renderer parses it (CommonMark, tables, strikethrough, no raw
HTML), with 1-based line numbers, code replaced by a placeholder, and very long
paragraphs parsed in pieces so a hostile body cannot make the parser slow.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt

#: The placeholder the lint puts where inline code was (not a word character).
CODE_PLACEHOLDER = "\ue000"

MAX_BODY_CHARS = 1_000_000  # the file format's own limit (portal.kb.files.MAX_FILE_BYTES)

MAX_INLINE_CHARS = 4000  # longer paragraphs are parsed in pieces (see _inline_in_pieces)


def _pieces(content: str) -> list[tuple[str, bool]]:
    """``content`` cut into pieces of about MAX_INLINE_CHARS, at line ends if possible.

    Each piece says whether a line break follows it (so line numbers stay right).
    """
    pieces: list[tuple[str, bool]] = []
    current: list[str] = []
    size = 0
    lines = content.split("\n")
    for index, line in enumerate(lines):
        last = index == len(lines) - 1
        while len(line) > MAX_INLINE_CHARS:  # one huge line: cut at a space if there is one
            if current:
                pieces.append(("\n".join(current), True))
                current, size = [], 0
            cut = line.rfind(" ", 0, MAX_INLINE_CHARS)
            cut = cut if cut > MAX_INLINE_CHARS // 2 else MAX_INLINE_CHARS
            pieces.append((line[:cut], False))
            line = line[cut:]
        if current and size + len(line) > MAX_INLINE_CHARS:
            pieces.append(("\n".join(current), True))
            current, size = [], 0
        current.append(line)
        size += len(line) + 1
        if last:
            pieces.append(("\n".join(current), False))
    return pieces


def _inline_in_pieces(state) -> None:
    """markdown-it's core "inline" rule, in pieces for very long paragraphs.

    Inline parsing is quadratic on some inputs (thousands of ``[`` take minutes);
    no real paragraph comes near MAX_INLINE_CHARS, so cutting such blocks at line
    ends only costs links or emphasis that would straddle a cut.
    """
    from markdown_it.token import Token

    md = state.md
    for token in state.tokens:
        if token.type != "inline":
            continue
        if token.children is None:
            token.children = []
        if len(token.content) <= MAX_INLINE_CHARS:
            md.inline.parse(token.content, md, state.env, token.children)
            continue
        for piece, newline in _pieces(token.content):
            md.inline.parse(piece, md, state.env, token.children)
            if newline:
                token.children.append(Token("softbreak", "br", 0))


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    md.enable("strikethrough")
    md.core.ruler.at("inline", _inline_in_pieces)
    return md


_MD = _parser()
_NEWLINES = re.compile(r"\r\n?")


@dataclass
class _Link:
    text: str
    href: str
    autolink: bool
    line: int
    end: int = 0  # offset in the block's text just after the link (what follows it says more)


@dataclass
class _Image:
    alt: str
    src: str
    title: str
    line: int


@dataclass
class Inline:
    """One block's inline content: a paragraph, heading or table cell."""

    kind: str  # "paragraph" | "heading" | "cell"
    line: int  # 1-based line of the block's first line
    text: str = ""  # prose; inline code replaced by CODE_PLACEHOLDER, images left out
    line_starts: list[int] = field(default_factory=list)  # offsets in text where a new line begins
    code_chars: int = 0
    in_quote: bool = False
    in_list: bool = False  # a paragraph of a list item
    header_cell: bool = False  # a cell of a table's header row
    links: list[_Link] = field(default_factory=list)
    images: list[_Image] = field(default_factory=list)
    loose_text: list[tuple[str, int]] = field(default_factory=list)  # text outside links, with its line
    codes: list[str] = field(default_factory=list)  # inline code, in the order of the placeholders

    def line_at(self, offset: int) -> int:
        return self.line + bisect.bisect_right(self.line_starts, offset)

    def display(self, start: int = 0, end: int | None = None) -> str:
        """``text[start:end]`` with the inline code put back (for excerpts)."""
        part = self.text[start:end]
        if CODE_PLACEHOLDER not in part:
            return part
        codes = iter(self.codes[self.text.count(CODE_PLACEHOLDER, 0, start):])
        return re.sub(CODE_PLACEHOLDER, lambda _: f"`{next(codes, '')}`", part)


def _plain(children) -> str:
    """Plain text of inline children (alt text of images, text, code)."""
    parts = []
    for child in children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(_plain(child.children))
    return "".join(parts)


def is_decorative(image: _Image) -> bool:
    return image.alt.strip().lower() == "decorative" or image.title.strip().lower() == "decorative"


def _build_inline(token, kind: str, line: int, in_quote: bool, in_list: bool = False,
                  header_cell: bool = False) -> Inline:
    block = Inline(kind=kind, line=line, in_quote=in_quote, in_list=in_list, header_cell=header_cell)
    parts: list[str] = []
    length = 0
    current = line
    link: _Link | None = None
    link_parts: list[str] = []
    for child in token.children or ():
        kind_ = child.type
        if kind_ in ("softbreak", "hardbreak"):
            parts.append(" ")
            length += 1
            block.line_starts.append(length)
            current += 1
            if link is not None:
                link_parts.append(" ")
        elif kind_ == "text":
            parts.append(child.content)
            length += len(child.content)
            if link is not None:
                link_parts.append(child.content)
            else:
                block.loose_text.append((child.content, current))
        elif kind_ == "code_inline":
            parts.append(CODE_PLACEHOLDER)
            length += 1
            block.code_chars += len(child.content)
            block.codes.append(child.content)
            if link is not None:
                link_parts.append(child.content)
        elif kind_ == "image":
            image = _Image(alt=_plain(child.children), src=child.attrGet("src") or "",
                           title=child.attrGet("title") or "", line=current)
            block.images.append(image)
            if link is not None and not is_decorative(image):
                link_parts.append(image.alt)
        elif kind_ == "link_open":
            link = _Link(text="", href=str(child.attrGet("href") or ""),
                         autolink=child.markup == "autolink", line=current)
            link_parts = []
        elif kind_ == "link_close" and link is not None:
            link.text = "".join(link_parts)
            link.end = length
            block.links.append(link)
            link = None
    block.text = "".join(parts)
    return block


def parse(body: str):
    """(tokens, inline blocks) of a normalised body."""
    tokens = _MD.parse(body)
    blocks: list[Inline] = []
    quote_depth = 0
    list_depth = 0
    last_line = 1
    for i, token in enumerate(tokens):
        if token.map:
            last_line = token.map[0] + 1
        if token.type == "blockquote_open":
            quote_depth += 1
        elif token.type == "blockquote_close":
            quote_depth = max(0, quote_depth - 1)
        elif token.type == "list_item_open":
            list_depth += 1
        elif token.type == "list_item_close":
            list_depth = max(0, list_depth - 1)
        elif token.type == "inline" and i > 0:
            opener = tokens[i - 1].type
            kind = {"paragraph_open": "paragraph", "heading_open": "heading",
                    "th_open": "cell", "td_open": "cell"}.get(opener)
            if kind:
                line = token.map[0] + 1 if token.map else last_line
                blocks.append(_build_inline(token, kind, line, quote_depth > 0, list_depth > 0 and kind == "paragraph",
                                            opener == "th_open"))
    return tokens, blocks


def normalize_body(body) -> str:
    if not isinstance(body, str):
        body = "" if body is None else str(body)
    body = body[:MAX_BODY_CHARS]
    # Lone surrogates cannot be encoded anywhere downstream (fastText, terminals).
    body = body.encode("utf-8", "replace").decode("utf-8")
    return _NEWLINES.sub("\n", body).replace("\x00", "\ufffd")


def prose_blocks(body: str) -> list[str]:
    """Prose of paragraphs, list items and table cells (no headings, no code)."""
    _, blocks = parse(normalize_body(body))
    return [b.text for b in blocks if b.kind in ("paragraph", "cell")]
