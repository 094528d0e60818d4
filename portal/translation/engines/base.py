"""The one interface every machine-translation engine implements."""
from __future__ import annotations

from typing import Protocol, runtime_checkable


class EngineUnavailable(Exception):
    """The engine cannot translate this pair (not installed, not supported)."""


@runtime_checkable
class TranslationEngine(Protocol):
    """A machine-translation engine.

    ``translate`` receives plain-text segments (one sentence or short block each,
    possibly containing placeholder tokens that must be kept) and returns exactly
    one output per input, in order. Language codes are BCP-47 as the portal writes
    them (``en``, ``pt-BR``, ``zh-Hans``).
    """

    name: str
    version: str
    #: Loads torch or similar: runs in the job worker, not in web processes, unless the
    #: operator allows it (``PORTAL_TRANSLATE_QUERIES_IN_PROCESS``).
    heavy: bool

    def pairs(self) -> set[tuple[str, str]]:
        """Language pairs this engine can translate right now."""

    def translate(self, segments: list[str], src: str, tgt: str) -> list[str]:
        """Translate a batch; raise EngineUnavailable for a pair it cannot do."""
