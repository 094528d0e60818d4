"""Markdown -> sanitised HTML, the only renderer used for articles.

markdown-it-py parses (raw HTML disabled, so it is shown as text), then nh3 (an
allow-list sanitiser) cleans the result as a second line of defence. Article links
written as ``../<slug>/`` (the import format) point at the article route in the
reader's language. Headings get stable ids so in-page links keep working, and are
shifted so the body never competes with the page's single h1.
"""
from __future__ import annotations

import hashlib
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.anchors import anchors_plugin

from portal.i18n import text_direction

ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "img", "br", "code", "dd", "del", "div", "dl", "dt", "em",
    "h2", "h3", "h4", "h5", "h6", "hr", "kbd", "li", "ol", "p", "pre", "s", "span",
    "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "hreflang"},
    "img": {"src", "alt", "title"},
    "h2": {"id", "lang", "dir"}, "h3": {"id", "lang", "dir"}, "h4": {"id", "lang", "dir"},
    "h5": {"id", "lang", "dir"}, "h6": {"id", "lang", "dir"},
    "th": {"scope", "style", "lang", "dir"}, "td": {"style", "lang", "dir"},
    "ol": {"start"}, "p": {"lang", "dir"}, "pre": {"lang"},
    "span": {"lang", "dir"}, "div": {"lang", "dir"}, "code": {"lang", "dir"},
}
_ARTICLE_LINK = re.compile(r"^(?:\.\./|/?)([a-z0-9][a-z0-9._-]*)/?(#[\w-]*)?$")
_HEADING = re.compile(r"^(#{1,6})(\s)", re.MULTILINE)

ArticleUrl = Callable[[str, str], str]  # (slug, fragment) -> url


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    md.enable("strikethrough")
    md.use(anchors_plugin, min_level=2, max_level=6, permalink=False)
    return md


_MD = _parser()


def _demote_h1(markdown: str) -> str:
    """Shift every ATX heading one level down when the body uses ``#`` (h1)."""
    lines = markdown.split("\n")
    in_fence = False
    has_h1 = False
    for line in lines:
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        elif not in_fence and re.match(r"^#\s", line):
            has_h1 = True
            break
    if not has_h1:
        return markdown
    out, in_fence = [], False
    for line in lines:
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        if not in_fence:
            line = _HEADING.sub(lambda m: ("#" * min(len(m.group(1)) + 1, 6)) + m.group(2), line)
        out.append(line)
    return "\n".join(out)


def _rewrite_article_links(tokens, article_url: ArticleUrl | None) -> None:
    if article_url is None:
        return
    for token in tokens:
        for child in token.children or ():
            if child.type != "link_open":
                continue
            href = child.attrGet("href") or ""
            if "://" in href or href.startswith(("#", "mailto:")):
                continue
            match = _ARTICLE_LINK.match(href)
            if match and href.startswith("../"):
                child.attrSet("href", article_url(match.group(1), match.group(2) or ""))


def _mark_languages(tokens, block_langs: dict[int, str], code_lang: str | None,
                    keep_terms: tuple[str, ...], term_lang: str | None) -> None:
    """Put ``lang`` on blocks left untranslated, on code, and on do-not-translate terms.

    Block numbering is the translation segmenter's: headings, paragraphs and table
    cells with text, in reading order.
    """

    index = 0
    for i, token in enumerate(tokens):
        if token.type == "fence" and code_lang:
            token.attrSet("lang", code_lang)
        if token.type != "inline" or i == 0:
            continue
        opener = tokens[i - 1]
        if opener.type in ("heading_open", "paragraph_open", "th_open", "td_open") and token.content.strip():
            if index in block_langs:
                opener.attrSet("lang", block_langs[index])
                opener.attrSet("dir", text_direction(block_langs[index]))
            index += 1
        for child in token.children or ():
            if child.type == "code_inline" and code_lang:
                child.attrSet("lang", code_lang)
        if keep_terms and term_lang:
            _wrap_terms(token, keep_terms, term_lang)


def _wrap_terms(token, terms: tuple[str, ...], lang: str) -> None:
    pattern = re.compile(r"(?<!\w)(" + "|".join(re.escape(t) for t in terms) + r")(?!\w)")
    children = []
    for child in token.children or ():
        if child.type != "text" or not pattern.search(child.content):
            children.append(child)
            continue
        last = 0
        for m in pattern.finditer(child.content):
            if m.start() > last:
                children.append(Token("text", "", 0, content=child.content[last:m.start()]))
            children.append(Token("html_inline", "", 0, content=f'<span lang="{lang}">'))
            children.append(Token("text", "", 0, content=m.group(0)))
            children.append(Token("html_inline", "", 0, content="</span>"))
            last = m.end()
        if last < len(child.content):
            children.append(Token("text", "", 0, content=child.content[last:]))
    token.children = children


def render(markdown: str, article_url: ArticleUrl | None = None, *, block_langs: dict[int, str] | None = None,
           code_lang: str | None = None, keep_terms: tuple[str, ...] = (), term_lang: str | None = None) -> str:
    """Render article Markdown to safe HTML.

    ``article_url(slug, fragment)`` builds the URL for a relative article link
    (``../slug/``); without it such links are left as written. For translations,
    ``block_langs`` marks blocks left in another language, ``code_lang`` marks code
    and ``keep_terms`` (glossary terms) get ``lang=term_lang``, so screen readers
    switch voice on every untranslated fragment.
    """
    tokens = _MD.parse(_demote_h1(markdown or ""))
    _rewrite_article_links(tokens, article_url)
    if block_langs or code_lang or keep_terms:
        _mark_languages(tokens, block_langs or {}, code_lang, keep_terms, term_lang)
    html = _MD.renderer.render(tokens, _MD.options, {})
    return sanitize(html)


_FOREIGN_IMG = re.compile(r'<img\b[^>]*\bsrc="(?!/media/[0-9a-f]{32}\.(?:png|jpg|gif|webp)")[^"]*"[^>]*>')
_DECORATIVE = re.compile(r'(<img\b[^>]*\balt=")decorative(")', re.IGNORECASE)


def sanitize(html: str) -> str:
    """Allow-list clean of HTML: no script, no event handlers, no javascript: URLs.

    Images are kept only when they are our own uploads (``/media/<hash>``); an
    image whose alt text is ``decorative`` gets an empty alt, as WCAG asks.
    """
    html = _DECORATIVE.sub(r"\1\2", _FOREIGN_IMG.sub("", html))
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def plain_text(markdown: str) -> str:
    """Text content of Markdown without markup (for snippets and search)."""
    tokens = _MD.parse(markdown or "")
    parts: list[str] = []
    for token in tokens:
        if token.type == "inline":
            parts.append("".join(c.content for c in token.children or () if c.type in ("text", "code_inline")))
        elif token.type in ("fence", "code_block"):
            parts.append(token.content)
    return "\n".join(part for part in parts if part)


@dataclass(frozen=True)
class Section:
    """A heading's text and the plain-text blocks under it (the lead has no heading)."""

    anchor: str  # the heading's id in the rendered page ("" for the lead)
    heading: str
    blocks: tuple[str, ...]


def sections(markdown: str) -> list[Section]:
    """The body cut at its headings, with the ids :func:`render` gives them.

    Blocks are paragraphs, list items, table rows and code, as plain text, so a
    caller can split a long section on block boundaries.
    """
    tokens = _MD.parse(_demote_h1(markdown or ""))
    found: list[Section] = []
    anchor, heading, blocks = "", "", []
    in_heading = in_cell = False
    row: list[str] = []
    for token in tokens:
        kind = token.type
        if kind == "heading_open":
            if heading or blocks:
                found.append(Section(anchor, heading, tuple(blocks)))
            anchor, heading, blocks, in_heading = str(token.attrGet("id") or ""), "", [], True
        elif kind == "heading_close":
            in_heading = False
        elif kind in ("th_open", "td_open"):
            in_cell = True
        elif kind in ("th_close", "td_close"):
            in_cell = False
        elif kind == "tr_close" and row:
            blocks.append(" | ".join(row))
            row = []
        elif kind == "inline":
            text = "".join(c.content for c in token.children or () if c.type in ("text", "code_inline")).strip()
            if not in_heading and _only_links(token):
                continue  # "Related articles" lists name other articles: not this one's content
            if in_heading:
                heading = text
            elif in_cell:
                row.append(text) if text else None
            elif text:
                blocks.append(text)
        elif kind in ("fence", "code_block") and token.content.strip():
            blocks.append(token.content.strip())
    if heading or blocks:
        found.append(Section(anchor, heading, tuple(blocks)))
    return found


def _only_links(token) -> bool:
    """True when every word of an inline block is link text (a navigation item)."""
    depth, linked = 0, False
    for child in token.children or ():
        if child.type == "link_open":
            depth += 1
            linked = True
        elif child.type == "link_close":
            depth -= 1
        elif child.type in ("text", "code_inline") and child.content.strip(" -–—,.;:·|") and depth == 0:
            return False
    return linked


class RenderCache:
    """Rendered, sanitised HTML by content: the same Markdown is parsed once per process.

    Keys hold the SHA-256 of the Markdown and the rendering options, so a
    published edit or a new machine translation is a new key and never serves
    stale HTML; least recently used entries fall out beyond ``max_entries``.
    """

    def __init__(self, max_entries: int = 2048) -> None:
        self._entries: OrderedDict[tuple, str] = OrderedDict()
        self._lock = threading.Lock()
        self.max_entries = max_entries
        self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def render(self, markdown: str, link_scope: str, article_url: ArticleUrl | None = None, **options) -> str:
        """:func:`render`, cached; ``link_scope`` names what ``article_url`` depends on (the UI language)."""
        key = (hashlib.sha256((markdown or "").encode("utf-8")).hexdigest(), link_scope,
               json.dumps(options, sort_keys=True, default=list))
        with self._lock:
            html = self._entries.get(key)
            if html is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return html
            self.misses += 1
        html = render(markdown, article_url, **options)
        with self._lock:
            self._entries[key] = html
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return html
