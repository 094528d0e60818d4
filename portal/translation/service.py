"""The translation service: engines chosen per pair, memory first, Markdown-aware.

Public calls: :meth:`TranslationService.engine_for`, :meth:`translate_texts`,
:meth:`translate_inline`, :meth:`translate_markdown`, :meth:`translate_query`.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from portal.i18n import base_language
from portal.jobs import enqueue
from portal.translation import memory
from portal.translation.engines.base import EngineUnavailable, TranslationEngine
from portal.translation.inline import PLACEHOLDER, Span, make_template, parse, restore, split_sentences
from portal.translation.segmenter import blocks, rebuild

log = logging.getLogger(__name__)
BATCH = 32
_NO_SPACE_LANGS = {"zh", "ja", "th", "lo", "km", "my"}


class NoEngine(EngineUnavailable):
    """No configured engine serves this language pair."""

    def __init__(self, src: str, tgt: str):
        super().__init__(f"no machine translation available for {src} -> {tgt}")
        self.src, self.tgt = src, tgt


@dataclass
class TranslatedDocument:
    text: str
    engine: str
    engine_version: str
    untranslated_blocks: list[int] = field(default_factory=list)


class TranslationService:
    """Engines chosen per language pair, translation memory first, Markdown-aware.

    ``heavy_in_process``: run heavy engines in this process too (otherwise a web
    process hands their work to the job worker, see :meth:`runs_in_worker`).
    """

    def __init__(self, engines: list[TranslationEngine], glossary: tuple[str, ...] = (),
                 heavy_in_process: bool = False):
        self.engines = list(engines)
        self.glossary = tuple(glossary)
        self.heavy_in_process = heavy_in_process

    def runs_in_worker(self, engine: TranslationEngine) -> bool:
        """Whether ``engine``'s work is the job worker's, not this process's (the one place this rule lives)."""
        return bool(getattr(engine, "heavy", False)) and not self.heavy_in_process

    # --- engines -------------------------------------------------------------
    def engine_for(self, src: str, tgt: str) -> TranslationEngine | None:
        """The first configured engine that can translate ``src`` -> ``tgt`` now."""
        for engine in self.engines:
            try:
                if (src, tgt) in engine.pairs():
                    return engine
            except Exception:  # noqa: BLE001 - a broken engine must not hide the others
                log.exception("engine %s failed to list its pairs", engine.name)
        return None

    def available_pairs(self) -> set[tuple[str, str]]:
        pairs: set[tuple[str, str]] = set()
        for engine in self.engines:
            pairs |= engine.pairs()
        return pairs

    # --- plain segments ------------------------------------------------------
    def translate_texts(self, session: Session, texts: list[str], src: str, tgt: str) -> list[str]:
        """Translate plain segments (memory first); raises :class:`NoEngine`."""
        engine = self.engine_for(src, tgt)
        if engine is None:
            raise NoEngine(src, tgt)
        version = engine.version
        wanted = [t for t in dict.fromkeys(texts) if t.strip()]
        known = memory.lookup_many(session, engine.name, version, src, tgt, wanted)
        missing = [t for t in wanted if t not in known]
        for start in range(0, len(missing), BATCH):
            chunk = missing[start:start + BATCH]
            outputs = engine.translate([memory.normalise(t) for t in chunk], src, tgt)
            if len(outputs) != len(chunk):
                raise EngineUnavailable(f"{engine.name} returned {len(outputs)} outputs for {len(chunk)} inputs")
            produced = dict(zip(chunk, outputs, strict=True))
            memory.store(session, engine.name, version, src, tgt, produced)
            known.update(produced)
        return [known.get(t, t) for t in texts]

    def _joiner(self, tgt: str) -> str:
        return "" if base_language(tgt) in _NO_SPACE_LANGS else " "

    # --- inline Markdown -----------------------------------------------------
    def translate_inline(self, session: Session, text: str, src: str, tgt: str) -> str | None:
        """Translate one inline Markdown segment; None if markup could not be kept."""
        if "[[" in text:
            return None  # would collide with our placeholders
        parts = parse(text, self.glossary)
        template = make_template(parts)
        if template.is_trivial:
            return text
        sentences = split_sentences(template.text)
        outputs = self.translate_texts(session, [s.strip() for s in sentences], src, tgt)
        restored = restore(self._joiner(tgt).join(outputs), template)
        if restored is not None:
            return restored
        return self._translate_flattened(session, parts, src, tgt)

    def _translate_flattened(self, session: Session, parts: list, src: str, tgt: str) -> str | None:
        # Fallback: each span's text is translated on its own and re-attached, the
        # sentence around it sees only an atomic placeholder (engines keep those).
        template = make_template(parts, flatten_spans=True)
        for number, atom in list(template.atoms.items()):
            if isinstance(atom, Span):
                inner = "".join(_source_of(child) for child in atom.children)
                translated = self.translate_inline(session, inner, src, tgt)
                if translated is None:
                    return None
                template.atoms[number] = atom.open + translated + atom.close
        if template.is_trivial:
            return PLACEHOLDER.sub(lambda m: template.atoms[int(m.group(2))], template.text)
        sentences = split_sentences(template.text)
        outputs = self.translate_texts(session, [s.strip() for s in sentences], src, tgt)
        return restore(self._joiner(tgt).join(outputs), template)

    # --- documents -----------------------------------------------------------
    def translate_markdown(self, session: Session, markdown: str, src: str, tgt: str) -> TranslatedDocument:
        """Translate an article body block by block; structure is preserved.

        Blocks whose markup could not be kept stay in the source language and are
        listed in ``untranslated_blocks`` (the page marks them with ``lang``).
        """
        engine = self.engine_for(src, tgt)
        if engine is None:
            raise NoEngine(src, tgt)
        doc_blocks = blocks(markdown)
        human = memory.lookup_many(session, memory.HUMAN, "1", src, tgt, [b.text for b in doc_blocks])
        translated: dict[int, str] = {}
        untranslated: list[int] = []
        for block in doc_blocks:
            if block.text in human:
                translated[block.index] = human[block.text]
                continue
            result = self.translate_inline(session, block.text, src, tgt)
            if result is None:
                untranslated.append(block.index)
            else:
                translated[block.index] = result
        return TranslatedDocument(rebuild(markdown, translated), engine.name, engine.version, untranslated)

    # --- queries -------------------------------------------------------------
    def _query_engine_and_key(self, query: str, src: str, tgt: str):
        engine = self.engine_for(src, tgt)
        if engine is None:
            return None, None
        return engine, (engine.name, src, tgt, memory.normalise(query).casefold())

    def translate_query(self, session: Session, query: str, src: str, tgt: str) -> str | None:
        """A search query in ``tgt``; cached in process and in the memory. None: no engine."""
        engine, key = self._query_engine_and_key(query, src, tgt)
        if engine is None:
            return None
        cached = memory.HOT.get(key)
        if cached is not None:
            return cached
        result = self.translate_texts(session, [memory.normalise(query)], src, tgt)[0]
        session.commit()
        memory.HOT.put(key, result)
        return result

    def cached_query(self, session: Session, query: str, src: str, tgt: str,
                     enqueue_if_missing: bool = False) -> str | None:
        """A query translation from the memory only; optionally ask the worker to make it."""
        engine, key = self._query_engine_and_key(query, src, tgt)
        if engine is None:
            return None
        cached = memory.HOT.get(key)
        if cached is not None:
            return cached
        text = memory.normalise(query)
        found = memory.lookup_many(session, engine.name, engine.version, src, tgt, [text]).get(text)
        if found is not None:
            memory.HOT.put(key, found)
            return found
        if enqueue_if_missing:
            enqueue(session, "translate_query", {"text": text, "src": src, "tgt": tgt},
                    dedupe_key=f"translate_query:{src}:{tgt}:{memory.source_hash(text)}")
            session.commit()
        return None


def _source_of(part) -> str:
    if isinstance(part, str):
        return part
    if isinstance(part, Span):
        return part.open + "".join(_source_of(c) for c in part.children) + part.close
    return part.markup
