"""The query pipeline.

detect language -> keyword: match the words (any of them, all of them ranked
higher) in that language's documents, and, when it is not the knowledge base's
source language, the translated query (cached) in the source documents ->
dense: embed the query and find the closest passages in every language, kept
only when they clear the floor (``hybrid.py``) -> fuse both rankings by
reciprocal rank at the article level -> show each in the reader's language (human
translation > machine translation > original) with its best passage as the
highlighted snippet, linked to its section -> paginate. Did-you-mean and
completion come from the index vocabulary of the query's language.
"""
from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import unicodedata
from dataclasses import asdict, dataclass, field

from markupsafe import Markup, escape

from portal.langid import Detection, script_of_language
from portal.search.analyzers import analyzer_for, terms
from portal.search.backend import RawHit, SearchBackend
from portal.search.hybrid import (
    DENSE_LIMIT,
    DENSE_WEIGHT,
    DENSE_WINDOW,
    DenseFloor,
    background_queries,
    reciprocal_rank_fusion,
    relative_score_fusion,
)
from portal.search.vectors import PassageHit
from portal.shared import CONTENT, MemoryState, SharedState, generation

log = logging.getLogger(__name__)

MAX_QUERY_CHARS = 500
#: Weight in the fusion of keyword hits for the query's raw words in another language.
OTHER_LANGUAGE_WORDS_WEIGHT = 0.5
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
    retrieval: str = "hybrid"  # one of RETRIEVALS


#: Values of ``SearchQuery.retrieval``: both kinds fused, or one alone (evaluation, API).
HYBRID = "hybrid"
RETRIEVALS = ("hybrid", "keyword", "semantic")


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
    anchor: str = ""  # the section of the best-matching passage ("" for the top of the article)


#: Retrieval modes, as the API reports them.
KEYWORD = "keyword"
SEMANTIC = "semantic"
#: States of semantic retrieval for one search.
SEMANTIC_OFF = "off"  # no embedder configured
#: What ``translate_query`` answers while a worker is still making the translation
#: (never a real translation: NUL is refused in every query).
QUERY_TRANSLATION_PENDING = "\x00pending"
SEMANTIC_PENDING = "pending"  # no vectors yet (first start, big import): keyword only
SEMANTIC_READY = "ready"


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
    modes: list[str] = field(default_factory=list)  # the retrieval modes that contributed results
    semantic: str = SEMANTIC_OFF
    #: The query's translation was not ready: better results are coming, so do not keep these.
    translation_pending: bool = False
    #: A second language the query mixes in (English product words in a Russian question).
    secondary_lang: str | None = None


#: How long a search answer is kept (each new generation of the content replaces it sooner).
RESULTS_TTL_SECONDS = 600


def _plain(value):
    # Scores and confidences may be numpy scalars (float32 is no float for json).
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _encode_results(results: SearchResults) -> bytes:
    return json.dumps(asdict(results), ensure_ascii=False, separators=(",", ":"), default=_plain).encode("utf-8")


def _decode_results(raw: bytes) -> SearchResults | None:
    # Written by this very code (possibly by another node): the snippet is the Markup it made.
    try:
        data = json.loads(raw)
        data["results"] = [Result(**dict(item, snippet=Markup(item["snippet"]))) for item in data["results"]]
        return SearchResults(**data)
    except (ValueError, TypeError, KeyError):  # another version's entry: a miss, made again
        return None


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


def _best_per_article(hits: list[RawHit]) -> list[RawHit]:
    merged: dict[str, RawHit] = {}
    for hit in hits:
        best = merged.get(hit.slug)
        if best is None or hit.score > best.score:
            merged[hit.slug] = hit
    return sorted(merged.values(), key=lambda h: (-h.score, h.slug))


def _base(lang: str) -> str:
    return lang.split("-")[0].casefold()


@dataclass
class _Dense:
    articles: list[str]  # slugs, best first
    best: dict[str, PassageHit]  # slug -> its best passage
    by_version: dict[tuple[str, str], PassageHit]  # (slug, lang) -> best passage of that version
    accepted: bool
    margin: float = 0.0


class SearchService:
    """Hybrid search: keyword (a :class:`SearchBackend`) and dense (a vector store), fused by rank.

    Detection, query translation and the embedder are injected; with no
    embedder (``PORTAL_EMBEDDINGS=none``) or no vectors yet, search is keyword only.
    """

    def __init__(self, backend: SearchBackend, detect, translate_query, source_lang: str,
                 embedder=None, vectors=None, shared: SharedState | None = None):
        self.backend = backend
        self.detect = detect  # (text, accept_language, ui_lang) -> Detection
        self.translate_query = translate_query  # (text, src, tgt) -> str | None
        self.source_lang = source_lang
        self.embedder = embedder
        self.vectors = vectors
        self._floor: DenseFloor | None = None
        # Answers by query and generations: in Redis, every node serves what one of them found (ADR 0014).
        self._cache: SharedState = shared if shared is not None else MemoryState(2048)

    def search(self, query: SearchQuery) -> SearchResults:
        text = clean_query(query.text)
        page = max(1, min(int(query.page or 1), 1000))
        generations = self.generations()
        if generations[-1] is None:  # the shared cache is unreachable: answer without it
            return self._search(text, query, page)
        key = "search:" + hashlib.sha256(repr((
            text.casefold(), query.ui_lang, query.category, page, query.per_page, query.accept_language,
            query.retrieval, generations)).encode("utf-8")).hexdigest()
        raw = self._cache.get(key)
        cached = _decode_results(raw) if raw is not None else None
        if cached is not None:
            return cached
        results = self._search(text, query, page)
        if not results.translation_pending:  # later searches get the translation (ADR 0002)
            self._cache.set(key, _encode_results(results), RESULTS_TTL_SECONDS)
        return results

    def generations(self) -> tuple:
        """What the results depend on besides the query: the index, the passage vectors and the
        content generation any process bumps when it changes articles or the index (None: unknown)."""
        return (self.backend.generation, self._refresh_vectors(), generation(self._cache, CONTENT))

    def _refresh_vectors(self):
        if self.embedder is None or self.vectors is None:
            return None
        try:
            self.vectors.refresh()
        except Exception:
            log.exception("could not load passage vectors; answering with keyword search")
        return self.vectors.generation

    @property
    def semantic_state(self) -> str:
        if self.embedder is None or self.vectors is None:
            return SEMANTIC_OFF
        return SEMANTIC_READY if self.vectors.size() else SEMANTIC_PENDING

    # --- keyword ---------------------------------------------------------------
    def _keyword_languages(self, text: str, detection: Detection, ui_lang: str) -> list[tuple[str, str]]:
        """(language, text) pairs to match raw words in."""
        lang = detection.lang
        pairs = [(lang, text)]
        if detection.rule in UNSURE_RULES:
            pairs += [(code, text) for code in (self.source_lang, ui_lang) if code not in {p[0] for p in pairs}]
        elif detection.secondary and detection.secondary_words:
            # Words of a second language inside the query ("как сбросить password в app")
            # are matched in that language, and in the knowledge base's own language when
            # written in its script: product words are mostly the source's words.
            words = " ".join(detection.secondary_words)
            for code in dict.fromkeys((detection.secondary, self.source_lang)):
                if code != lang and script_of_language(code) == script_of_language(detection.secondary):
                    pairs.append((code, words))
        return pairs

    def _keyword(self, pairs, lang: str, translated: str | None, category: str | None,
                 require_all: bool = False) -> tuple[list[RawHit], list[RawHit]]:
        """Keyword hits, best first: (in the query's language or for its translation, for
        its raw words in other languages)."""
        own: list[RawHit] = []
        other: list[RawHit] = []
        for code, words in pairs:
            found = self.backend.search_language(code, words, category=category, require_all=require_all)[0]
            (own if code == lang else other).extend(found)
        if translated and translated.strip():
            own += self.backend.search_language(self.source_lang, translated, category=category,
                                                require_all=require_all)[0]
        return _best_per_article(own), _best_per_article(other)

    # --- dense -------------------------------------------------------------------
    def _dense_floor(self) -> DenseFloor:
        if self._floor is None:
            self._floor = DenseFloor(background_queries(self.embedder))
        return self._floor

    def _dense(self, text: str, lang: str, category: str | None, language_confidence: float = 1.0) -> _Dense | None:
        if self.semantic_state != SEMANTIC_READY:
            return None
        vector = self.embedder.embed_query(text)
        hits = self.vectors.nearest(vector, 400)
        if not hits:
            return None
        allowed = self.backend.slugs_in_category(category) if category else None
        best: dict[str, PassageHit] = {}
        by_version: dict[tuple[str, str], PassageHit] = {}
        for hit in hits:
            if allowed is not None and hit.slug not in allowed:
                continue
            best.setdefault(hit.slug, hit)
            by_version.setdefault((hit.slug, hit.lang), hit)
        if not best:
            return _Dense([], {}, {}, False, float("-inf"))
        ordered = sorted(best.values(), key=lambda h: (-h.score, h.slug))
        closest = max(hits, key=lambda h: h.similarity)
        verdict = self._dense_floor().judge(vector, closest.similarity, _base(closest.lang) == _base(lang),
                                            language_confidence)
        top = ordered[0].score
        kept = [h.slug for h in ordered if h.score >= top - DENSE_WINDOW][:DENSE_LIMIT]
        return _Dense(kept if verdict.accepted else [], best, by_version, verdict.accepted, verdict.margin)

    # --- the pipeline ------------------------------------------------------------
    def _search(self, text: str, query: SearchQuery, page: int) -> SearchResults:
        detection = self.detect(text, query.accept_language, query.ui_lang)
        lang = detection.lang
        semantic = self.semantic_state
        empty = SearchResults(text, lang, detection.confidence, detection.rule, None, 0, page, 0, semantic=semantic)
        if not text:
            return empty
        translated = None
        pending = False
        if lang != self.source_lang:
            translated = self.translate_query(text, lang, self.source_lang)
            if translated == QUERY_TRANSLATION_PENDING:
                translated, pending = None, True
        pairs = self._keyword_languages(text, detection, query.ui_lang)
        own, other = self._keyword(pairs, lang, translated, query.category) if query.retrieval != SEMANTIC \
            else ([], [])
        dense = self._dense(text, lang, query.category, detection.confidence) \
            if query.retrieval != KEYWORD else None
        if (own or other) and dense is not None and not dense.accepted:
            # Some words matched but the meaning is far from every article ("how many
            # legs does a spider have" -> "legs"): only documents matching every word stay.
            own, other = self._keyword(pairs, lang, translated, query.category, require_all=True)
        keyword = _best_per_article(own + other)
        if dense is not None and dense.articles:
            # A query's raw words matched in another language are mostly look-alikes
            # ("touches" -> "touchscreen"): beside meaning they count for less.
            kept = set(dense.articles)
            ranked = sorted((h for h in dense.best.values() if h.slug in kept), key=lambda h: (-h.score, h.slug))
            fused = relative_score_fusion([(own, 1.0), (other, OTHER_LANGUAGE_WORDS_WEIGHT)], ranked,
                                          DENSE_WINDOW, DENSE_WEIGHT)
        else:
            fused = reciprocal_rank_fusion([[hit.slug for hit in keyword]])
        keyword_by_slug = {hit.slug: hit for hit in keyword}
        ordered = sorted(fused, key=lambda slug: (-fused[slug], slug))
        modes = ([KEYWORD] if keyword else []) + ([SEMANTIC] if dense is not None and dense.articles else [])
        total = len(ordered)
        pages = max(1, math.ceil(total / query.per_page)) if total else 0
        window = ordered[(page - 1) * query.per_page: page * query.per_page]
        wanted = set().union(*(terms(code, words) for code, words in pairs))
        if translated:
            wanted |= set(terms(self.source_lang, translated))
        stored = self.backend.versions(window)
        shown = {slug: version for slug in window
                 if (version := self._shown_version(stored.get(slug, []), query.ui_lang))}
        passages = self._snippet_passages(shown, dense)
        results = [self._present(slug, fused[slug], shown[slug], passages.get(slug), keyword_by_slug.get(slug), dense,
                                 text, translated, wanted) for slug in window if slug in shown]
        # Spelling help whenever the words themselves matched nothing, even if meaning did.
        suggestion = self.did_you_mean(text, lang) if not keyword else None
        return SearchResults(text, lang, detection.confidence, detection.rule, translated, total, page, pages,
                             results, suggestion, modes, semantic, translation_pending=pending,
                             secondary_lang=detection.secondary)

    @staticmethod
    def _shown_version(stored: list[dict], ui_lang: str) -> dict | None:
        """The indexed version to show: the reader's language, else the original."""
        versions = {fields["lang"]: fields for fields in stored}
        if not versions:
            return None  # vectors ahead of the keyword index (a job in flight)
        return versions.get(ui_lang) or next((f for f in versions.values() if f["kind"] == "source"),
                                             next(iter(versions.values())))

    def _snippet_passages(self, shown: dict[str, dict], dense: _Dense | None) -> dict[str, dict]:
        """Each shown article's best-matching passage in the language shown, in one query.

        When the best hit is in another language version, the passage at the same
        place of the shown version stands in for it.
        """
        if dense is None or self.vectors is None:
            return {}
        wanted: dict[int, str] = {}
        for slug, version in shown.items():
            own = dense.by_version.get((slug, version["lang"]))
            hit = dense.best.get(slug)
            passage_id = own.passage_id if own is not None else (
                self.vectors.passage_id_at((slug, version["lang"], hit.position)) if hit is not None else None)
            if passage_id is not None:
                wanted[passage_id] = slug
        return {wanted[pid]: row for pid, row in self.vectors.passages(list(wanted)).items()}

    def _present(self, slug: str, score: float, shown: dict, passage: dict | None, keyword_hit: RawHit | None,
                 dense: _Dense | None, text: str, translated: str | None, wanted: set[str]) -> Result:
        display_lang = shown["lang"]
        marks = set(wanted)
        for phrase in (text, translated):
            if phrase:
                marks |= set(terms(display_lang, phrase))
        snippet_text, anchor = shown.get("excerpt") or "", ""
        if passage is not None:
            snippet_text = passage["text"] if passage["position"] else (shown.get("excerpt") or passage["text"])
            anchor = passage["anchor"] if passage["position"] else ""
        matched = keyword_hit.lang if keyword_hit else (dense.best[slug].lang if dense and slug in dense.best
                                                         else display_lang)
        return Result(
            slug=slug, title=shown["title"], lang=display_lang,
            machine_translated=bool(shown.get("machine")),
            snippet=highlight(snippet_text, display_lang, marks),
            score=round(score, 4), category=shown.get("category", ""), matched_lang=matched, anchor=anchor,
        )

    def did_you_mean(self, text: str, lang: str) -> str | None:
        """The query with unknown words corrected from the index vocabulary, or None."""
        words = re.findall(r"\w+", text.casefold())
        if not words or len(words) > 8:
            return None
        corrected, changed = [], False
        for word in words:
            folded = "".join(terms(lang, word, stem=False)) or word
            fix = self.backend.correct(lang, folded)  # None for a word the index knows
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
