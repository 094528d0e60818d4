"""Search in the customer's own language over a multilingual Whoosh index.

Public interface: :func:`search_service` (the app's :class:`SearchService`),
:func:`rebuild_index`, and the ``index_article`` job. Web processes only read the
index; every write goes through the job queue (one writer, the worker).
"""
from __future__ import annotations

from flask import current_app

from portal.search.service import (
    QUERY_TRANSLATION_PENDING,
    SearchQuery,
    SearchResults,
    SearchService,
    clean_query,
)

#: How stale the passage vectors of a web process may be (seconds) before it looks again.
VECTOR_CHECK_SECONDS = 1.0

__all__ = ["SearchQuery", "SearchResults", "SearchService", "clean_query", "search_service"]


def search_service(app=None) -> SearchService:
    """The app's search service (built once per process)."""
    app = app or current_app._get_current_object()
    service = app.extensions.get("search")
    if service is None:
        from portal.db import db
        from portal.langid import get_detector
        from portal.search.backend import WhooshBackend
        from portal.translation.jobs import translation_service

        settings = app.config["SETTINGS"]
        detector = get_detector(settings.languages)

        def detect(text, accept_language, ui_lang):
            return detector.detect(text, accept_language, ui_lang)

        def translate_query(text, src, tgt):
            service = translation_service(app)
            engine = service.engine_for(src, tgt)
            if engine is None:
                return None
            if getattr(engine, "heavy", False) and not settings.translate_queries_in_process:
                # Heavy engines run in the worker: serve from memory, fill it for next time.
                found = service.cached_query(db.session, text, src, tgt, enqueue_if_missing=True)
                return QUERY_TRANSLATION_PENDING if found is None else found
            return service.translate_query(db.session, text, src, tgt)

        embedder = app.extensions.get("embedder")
        vectors = None
        if embedder is not None:
            from portal.search.hybrid import HUB_WEIGHT, background_queries, hubness
            from portal.search.vectors import DatabaseVectorIndex

            def hub_penalty(matrix):
                return HUB_WEIGHT * hubness(matrix, background_queries(embedder))

            with app.app_context():
                engine = db.engine
            # Tests index and search in one process, one line after the other: they look every time.
            vectors = DatabaseVectorIndex(engine.connect, embedder.model_id, embedder.dim, penalty=hub_penalty,
                                          check_every=0.0 if settings.testing else VECTOR_CHECK_SECONDS)
        service = SearchService(WhooshBackend(settings.search_index_dir), detect, translate_query,
                                settings.kb_source_language, embedder=embedder, vectors=vectors)
        app.extensions["search"] = service
    return service
