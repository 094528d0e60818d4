"""Markdown documents -> translatable blocks, and rebuilding them translated.

markdown-it's token stream says where headings, paragraphs (in lists, quotes and
notes too) and table cells are; fenced and indented code, HTML blocks and rules
are never touched. Each block's inline source is replaced in place, so the
translated document has the same structure as the source by construction.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from markdown_it import MarkdownIt

_MD = MarkdownIt("commonmark").enable("table").enable("strikethrough")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_BLOCK_START = re.compile(r"^(?:#{1,6}(?:\s|$)|>|[-+*](?:\s|$)|\d{1,9}[.)](?:\s|$)|={2,}\s*$|-{2,}\s*$)")


@dataclass
class Block:
    """One translatable unit: a heading, a paragraph or a table cell."""

    index: int
    kind: str  # "heading" | "paragraph" | "cell"
    text: str  # inline Markdown source
    line: int  # first source line (0-based)
    cell: int = -1  # position in the row, for cells

    @property
    def hash(self) -> str:
        return block_hash(self.text)


def block_hash(text: str) -> str:
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()[:16]


def blocks(markdown: str) -> list[Block]:
    """The translatable blocks of ``markdown``, in reading order."""
    tokens = _MD.parse(markdown)
    found: list[Block] = []
    row_line, cell_no = -1, 0
    for i, token in enumerate(tokens):
        if token.type == "tr_open":
            row_line, cell_no = token.map[0], 0
        elif token.type == "inline" and i > 0:
            opener = tokens[i - 1]
            if opener.type in ("th_open", "td_open"):
                if token.content.strip():
                    found.append(Block(len(found), "cell", token.content, row_line, cell_no))
                cell_no += 1
            elif opener.type in ("heading_open", "paragraph_open") and opener.map and token.content.strip():
                kind = "heading" if opener.type == "heading_open" else "paragraph"
                found.append(Block(len(found), kind, token.content, opener.map[0]))
    return found


def _escape_block_start(text: str) -> str:
    # A translated paragraph must not turn into a heading, list or quote.
    return "\\" + text if _BLOCK_START.match(text) else text


def rebuild(markdown: str, translated: dict[int, str]) -> str:
    """``markdown`` with block ``i``'s inline source replaced by ``translated[i]``."""
    lines = markdown.split("\n")
    doc_blocks = blocks(markdown)
    drop: set[int] = set()
    rows: dict[int, dict[int, str]] = {}
    for block in doc_blocks:
        if block.index not in translated:
            continue
        new = translated[block.index]
        if block.kind == "cell":
            rows.setdefault(block.line, {})[block.cell] = new.replace("|", "\\|")
            continue
        content_lines = block.text.split("\n")
        first = lines[block.line]
        at = first.find(content_lines[0])
        if at < 0:
            continue  # cannot locate safely: keep the source text
        flattened = " ".join(new.split("\n")) if block.kind == "heading" else new.replace("\n", " ")
        lines[block.line] = first[:at] + _escape_block_start(flattened) + first[at + len(content_lines[0]):]
        for offset, content in enumerate(content_lines[1:], start=1):
            number = block.line + offset
            if number < len(lines) and content.strip() and content.strip() in lines[number]:
                drop.add(number)
    for line_no, cells in rows.items():
        parts = _CELL_SPLIT.split(lines[line_no])
        has_lead = lines[line_no].lstrip().startswith("|")
        offset = 1 if has_lead else 0
        for cell, text in cells.items():
            idx = cell + offset
            if idx < len(parts):
                original = parts[idx]
                lead = original[: len(original) - len(original.lstrip())]
                trail = original[len(original.rstrip()):]
                parts[idx] = f"{lead or ' '}{text}{trail or ' '}"
        lines[line_no] = "|".join(parts)
    return "\n".join(line for number, line in enumerate(lines) if number not in drop)


def structure(markdown: str) -> dict[str, int]:
    """Counts that translation must preserve: headings, list items, links, code, tables, cells."""
    tokens = _MD.parse(markdown)
    counts = {"headings": 0, "list_items": 0, "links": 0, "code_blocks": 0, "code_spans": 0,
              "tables": 0, "cells": 0, "blockquotes": 0, "paragraphs": 0}
    for token in tokens:
        if token.type == "heading_open":
            counts["headings"] += 1
        elif token.type == "list_item_open":
            counts["list_items"] += 1
        elif token.type in ("fence", "code_block"):
            counts["code_blocks"] += 1
        elif token.type == "table_open":
            counts["tables"] += 1
        elif token.type in ("th_open", "td_open"):
            counts["cells"] += 1
        elif token.type == "blockquote_open":
            counts["blockquotes"] += 1
        elif token.type == "paragraph_open":
            counts["paragraphs"] += 1
        elif token.type == "inline":
            for child in token.children or ():
                if child.type == "link_open":
                    counts["links"] += 1
                elif child.type == "code_inline":
                    counts["code_spans"] += 1
    return counts
