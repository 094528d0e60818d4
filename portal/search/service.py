"""The query pipeline.

detect language -> search that language's documents -> if it is not the knowledge
base's source language, translate the query (cached) and search the source
documents too -> merge by article (one hit per article, best score) -> show each
in the reader's language (human translation > machine translation > original)
-> highlight -> paginate. Did-you-mean and completion come from the index
vocabulary of the query's language.
"""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from portal.cache import LRUCache
from portal.search.analyzers import analyzer_for, terms
from portal.search.backend import RawHit, WhooshBackend

MAX_QUERY_CHARS = 500
UNSURE_RULES = frozenset({"accept-language", "ui-language", "empty"})
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_query(text: str | None) -> str:
    """User input -> a safe query string: no control characters, bounded length."""
    text = unicodedata.normalize("NFC", text or "")
    text = _CONTROL.sub(" ", text)
    return " ".join(text.split())[:MAX_QUERY_CHARS]


@dataclass(frozen=True)
class SearchQuery:
    text: str
    ui_lang: str
    category: str | None = None
    page: int = 1
    per_page: int = 10
    accept_language: str | None = None


@dataclass
class Result:
    slug: str
    title: str
    lang: str
    machine_translated: bool
    snippet: Markup
    score: float
    category: str
    matched_lang: str


@dataclass
class SearchResults:
    query: str
    lang: str
    confidence: float
    rule: str
    translated_query: str | None
    total: int
    page: int
    pages: int
    results: list[Result] = field(default_factory=list)
    suggestion: str | None = None


def highlight(text: str, lang: str, wanted: set[str], limit: int = 240) -> Markup:
    """``text`` escaped, shortened around the first match, matches in ``<mark>``."""
    if not text:
        return Markup("")
    # Whoosh reuses one Token object: read its fields while iterating.
    spans = [(t.startchar, t.endchar) for t in analyzer_for(lang)(text, chars=True, mode="index", removestops=False)
             if t.text in wanted]
    start = 0
    if spans and spans[0][0] > limit // 2:
        start = text.rfind(" ", 0, spans[0][0] - limit // 4) + 1
    end = min(len(text), start + limit)
    if end < len(text):
        end = text.rfind(" ", start, end) if text.rfind(" ", start, end) > start else end
    out, cursor = [], start
    if start > 0:
        out.append(Markup("…"))
    for begin, stop in spans:
        if begin < cursor or stop > end:
            continue
        out.append(escape(text[cursor:begin]))
        out.append(Markup("<mark>") + escape(text[begin:stop]) + Markup("</mark>"))
        cursor = stop
    out.append(escape(text[cursor:end]))
    if end < len(text):
        out.append(Markup("…"))
    return Markup("").join(out)


class SearchService:
    """Search over a :class:`WhooshBackend`, with detection and query translation injected."""

    def __init__(self, backend: WhooshBackend, detect, translate_query, source_lang: str, cache_size: int = 2048):
        self.backend = backend
        self.detect = detect  # (text, accept_language, ui_lang) -> Detection
        self.translate_query = translate_query  # (text, src, tgt) -> str | None
        self.source_lang = source_lang
        self._cache = LRUCache(cache_size)

    def search(self, query: SearchQuery) -> SearchResults:
        text = clean_query(query.text)
        page = max(1, min(int(query.page or 1), 1000))
        key = (text.casefold(), query.ui_lang, query.category, page, query.per_page,
               query.accept_language, self.backend.generation)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        results = self._search(text, query, page)
        self._cache.put(key, results)
        return results

    def _search(self, text: str, query: SearchQuery, page: int) -> SearchResults:
        detection = self.detect(text, query.accept_language, query.ui_lang)
        lang = detection.lang
        empty = SearchResults(text, lang, detection.confidence, detection.rule, None, 0, page, 0)
        if not text:
            return empty
        translated = None
        if lang != self.source_lang:
            translated = self.translate_query(text, lang, self.source_lang)
        # An unsure detection (short or ambiguous text, decided by a fallback rule)
        # must not hide the obvious: also try the raw words in the source language.
        raw_langs = [lang]
        if detection.rule in UNSURE_RULES:
            raw_langs += [code for code in (self.source_lang, query.ui_lang) if code not in raw_langs]
        merged: dict[str, RawHit] = {}
        for require_all in (True, False):
            hits = []
            for raw_lang in raw_langs:
                hits += self.backend.search_language(raw_lang, text, category=query.category,
                                                     require_all=require_all)[0]
            if translated and translated.strip():
                more, _ = self.backend.search_language(self.source_lang, translated, category=query.category,
                                                       require_all=require_all)
                hits = hits + more
            for hit in hits:
                best = merged.get(hit.slug)
                if best is None or hit.score > best.score:
                    merged[hit.slug] = hit
            if merged:
                break
        ordered = sorted(merged.values(), key=lambda h: (-h.score, h.slug))
        total = len(ordered)
        pages = max(1, math.ceil(total / query.per_page)) if total else 0
        window = ordered[(page - 1) * query.per_page: page * query.per_page]
        wanted = set().union(*(terms(code, text) for code in raw_langs))
        if translated:
            wanted |= set(terms(self.source_lang, translated))
        results = [self._present(hit, query.ui_lang, text, translated, wanted) for hit in window]
        suggestion = self.did_you_mean(text, lang) if total == 0 else None
        return SearchResults(text, lang, detection.confidence, detection.rule, translated, total, page, pages,
                             results, suggestion)

    def _present(self, hit: RawHit, ui_lang: str, text: str, translated: str | None, wanted: set[str]) -> Result:
        versions = {fields["lang"]: fields for fields in self.backend.searcher().documents(slug=hit.slug)}
        shown = versions.get(ui_lang)
        if shown is None:
            shown = next((f for f in versions.values() if f["kind"] == "source"), hit.fields)
        display_lang = shown["lang"]
        marks = set(wanted)
        for phrase in (text, translated):
            if phrase:
                marks |= set(terms(display_lang, phrase))
        return Result(
            slug=hit.slug, title=shown["title"], lang=display_lang,
            machine_translated=bool(shown.get("machine")),
            snippet=highlight(shown.get("excerpt") or "", display_lang, marks),
            score=round(hit.score, 4), category=shown.get("category", ""), matched_lang=hit.lang,
        )

    def did_you_mean(self, text: str, lang: str) -> str | None:
        """The query with unknown words corrected from the index vocabulary, or None."""
        words = re.findall(r"\w+", text.casefold())
        if not words or len(words) > 8:
            return None
        corrected, changed = [], False
        for word in words:
            folded = "".join(terms(lang, word, stem=False)) or word
            fix = None if self.backend.has_term(lang, folded) else self.backend.correct(lang, folded)
            corrected.append(fix or word)
            changed = changed or bool(fix)
        return " ".join(corrected) if changed else None

    def suggest(self, prefix: str, lang: str, limit: int = 8) -> list[str]:
        """Completions for the last word of ``prefix`` (from 2 characters)."""
        text = clean_query(prefix)
        match = re.search(r"(\w+)$", text)
        if not match or len(match.group(1)) < 2:
            return []
        head = text[: match.start()]
        words: list[str] = []
        # The reader's language first, then the knowledge base's own (people type
        # product words in English whatever their language).
        for code in dict.fromkeys((lang, self.source_lang)):
            prefix_term = "".join(terms(code, match.group(1), stem=False)) or match.group(1).casefold()
            words += [w for w in self.backend.complete(code, prefix_term, limit) if w not in words]
        return [head + word for word in words[:limit]]
