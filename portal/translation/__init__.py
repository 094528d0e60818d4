"""Offline machine translation of articles and queries.

Public interface: :class:`portal.translation.service.TranslationService` (engines
chosen per pair, translation memory first, Markdown-aware), the job handlers in
:mod:`portal.translation.jobs`, and staleness in :mod:`portal.translation.freshness`.
The web process never imports argostranslate: heavy engines load lazily in the
worker (or in-process only when the operator enables it).
"""
from __future__ import annotations

from portal.translation.engines import build_engines
from portal.translation.service import TranslationService


def build_translation_service(settings) -> TranslationService:
    """The translation service of the configured engines (the ``translation`` service's factory)."""

    return TranslationService(build_engines(settings), settings.glossary_do_not_translate,
                              heavy_in_process=settings.translate_queries_in_process)
