"""Instrumentation for real engines: count what reaches them (not a mock)."""
from __future__ import annotations


class CountingEngine:
    """Wraps a real engine and records every segment it is asked to translate."""

    def __init__(self, engine):
        self.engine = engine
        self.name = engine.name
        self.heavy = engine.heavy
        self.seen: list[str] = []

    @property
    def version(self) -> str:
        return self.engine.version

    def pairs(self):
        return self.engine.pairs()

    def translate(self, segments, src, tgt):
        self.seen.extend(segments)
        return self.engine.translate(segments, src, tgt)
