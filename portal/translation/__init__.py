"""Offline machine translation of articles and queries.

Public interface: :class:`portal.translation.service.TranslationService` (engines
chosen per pair, translation memory first, Markdown-aware), the job handlers in
:mod:`portal.translation.jobs`, and staleness in :mod:`portal.translation.freshness`.
The web process never imports argostranslate: heavy engines load lazily in the
worker (or in-process only when the operator enables it).
"""
