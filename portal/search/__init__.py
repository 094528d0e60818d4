"""Search in the customer's own language over a multilingual keyword index (Whoosh or PostgreSQL).

Public interface: :func:`build_search_service` (the factory ``create_app`` registers
as the ``search`` service; ``services().search`` is the app's :class:`SearchService`),
:func:`search_service` (shorthand for it), :func:`rebuild_index`, and the
``index_article`` job. Web processes only read the
index; every write goes through the job queue (one writer, the worker).
"""
from __future__ import annotations

from flask import Flask

from portal.db import db
from portal.search.backend import SearchBackend, WhooshBackend
from portal.search.hybrid import HUB_WEIGHT, background_queries, hubness
from portal.search.postgres import PostgresBackend
from portal.search.service import (
    QUERY_TRANSLATION_PENDING,
    SearchQuery,
    SearchResults,
    SearchService,
    clean_query,
)
from portal.search.vectors import DatabaseVectorIndex
from portal.services import services

#: How stale the passage vectors of a web process may be (seconds) before it looks again.
VECTOR_CHECK_SECONDS = 1.0
#: How long a web process trusts the PostgreSQL index generation it read (seconds).
GENERATION_CHECK_SECONDS = 0.5

__all__ = ["SearchBackend", "SearchQuery", "SearchResults", "SearchService", "build_search_service",
           "clean_query", "search_service"]


def search_service(app=None) -> SearchService:
    """The app's search service: ``services(app).search``."""
    return services(app).search


def build_search_service(app: Flask) -> SearchService:
    """A search service over the app's index, detector, embedder and translation service."""

    settings = app.config["SETTINGS"]
    registry = services(app)
    detector = registry.detector

    def detect(text, accept_language, ui_lang):
        return detector.detect(text, accept_language, ui_lang)

    def translate_query(text, src, tgt):
        service = registry.translation  # asked each time: a test may provide another
        engine = service.engine_for(src, tgt)
        if engine is None:
            return None
        if service.runs_in_worker(engine):
            # Serve from memory, fill it for next time.
            found = service.cached_query(db.session, text, src, tgt, enqueue_if_missing=True)
            return QUERY_TRANSLATION_PENDING if found is None else found
        return service.translate_query(db.session, text, src, tgt)

    with app.app_context():
        engine = db.engine
    embedder = registry.embedder
    vectors = None
    if embedder is not None:

        def hub_penalty(matrix):
            return HUB_WEIGHT * hubness(matrix, background_queries(embedder))

        # Tests index and search in one process, one line after the other: they look every time.
        vectors = DatabaseVectorIndex(engine.connect, embedder.model_id, embedder.dim, penalty=hub_penalty,
                                      check_every=0.0 if settings.testing else VECTOR_CHECK_SECONDS)
    backend: SearchBackend
    if settings.search_backend == "postgres":
        # Reads in autocommit: a search is one or two statements, with no BEGIN/ROLLBACK around them.
        backend = PostgresBackend(lambda: db.session, engine.execution_options(isolation_level="AUTOCOMMIT").connect,
                                  check_every=0.0 if settings.testing else GENERATION_CHECK_SECONDS)
    else:
        backend = WhooshBackend(settings.search_index_dir)
    return SearchService(backend, detect, translate_query,
                         settings.kb_source_language, embedder=embedder, vectors=vectors, shared=registry.shared)
