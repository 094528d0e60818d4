"""Multilingual, accessible self-service help portal.

``create_app`` wires configuration, database, i18n, services and blueprints.
Web workers stay light: nothing here imports torch or argostranslate.
"""
from __future__ import annotations

import logging
import os

# numpy's OpenBLAS threads spin for a while after each matrix product and starve
# the embedding engine, which already uses every core: with them, query-embedding
# p95 was 105 ms instead of 8 (bench/search.py). One BLAS thread is enough for the
# memory-bound vector products here. Set before anything imports numpy.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from flask import Flask

from portal.config import Settings, ensure_secret_key, load_settings


def _private_data_dir(settings: Settings) -> None:
    """Create the data directory (0700) and the SQLite file (0600): both hold personal data."""
    if not settings.data_dir.exists():
        settings.data_dir.mkdir(parents=True, mode=0o700)
    if not settings.database_url:
        database = settings.data_dir / "portal.sqlite3"
        if not database.exists():
            os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _wire_services(app: Flask, settings: Settings) -> None:
    """Define every service role once (see :mod:`portal.services`)."""
    # Here, not at the top: every ``import portal.<anything>`` runs this package's
    # __init__ first, so importing the whole app at its top would load it all (and
    # make each package import its parent back) for a single module.
    from portal.analytics.reads import ReadCounter
    from portal.embeddings import build_embedder
    from portal.kb.markdown import RenderCache
    from portal.kb.models import Article, ArticleVersion, Category, Revision
    from portal.langid import get_detector
    from portal.notices.models import Notice, NoticeText, NoticeTicket, NoticeUpdate
    from portal.search import build_search_service
    from portal.services import Services
    from portal.shared import build_shared_state
    from portal.shared.invalidation import watch_content
    from portal.studio.uploads import LocalMediaStore
    from portal.support.notifications import build_mailer
    from portal.translation import build_translation_service

    registry = Services()
    app.extensions["services"] = registry
    # Settings are read when a service is built (first use), as the app has them then.
    registry.define("translation", lambda: build_translation_service(app.config["SETTINGS"]))  # engines: lazily
    registry.define("search", lambda: build_search_service(app))
    registry.define("detector", lambda: get_detector(settings.languages))
    # Built now, once per process (the embedding model itself loads on first use).
    registry.define("embedder", lambda: build_embedder(settings))
    # Article views, searches and result clicks: buffered, written off the request (tests flush explicitly).
    registry.define("read_counter", lambda: ReadCounter(app, background=not settings.testing))
    registry.define("render_cache", RenderCache)
    registry.define("media", lambda: LocalMediaStore(app.config["SETTINGS"].data_dir / "media"))
    registry.define("mail", lambda: build_mailer(app.config["SETTINGS"]))  # None without an SMTP host
    # Caches and counters every node must agree on: Redis with REDIS_URL, else memory (ADR 0014).
    registry.define("shared", lambda: build_shared_state(settings.redis_url, settings.redis_prefix))
    # Notices are content too: their banners are in the kept pages of every node.
    watch_content((Article, ArticleVersion, Category, Revision, Notice, NoticeUpdate, NoticeText, NoticeTicket),
                  ("portal.search.",))
    for role in ("embedder", "read_counter", "render_cache"):
        registry.get(role)
    # Read-only aliases for code that predates the registry (tests, benchmarks).
    app.extensions.update(embedder=registry.embedder, read_counter=registry.read_counter,
                          render_cache=registry.render_cache)


def create_app(overrides: dict | None = None, settings: Settings | None = None) -> Flask:
    """Application factory.

    ``overrides`` are Settings field names (lower case) that win over the environment;
    tests pass ``data_dir`` and ``database_url`` this way.
    """
    settings = settings or load_settings(overrides)
    if settings.redis_url and not settings.secret_key:
        # Several nodes (ADR 0014) must sign sessions and ticket links with one key.
        logging.getLogger(__name__).warning(
            "REDIS_URL is set but SECRET_KEY is not: this node signs sessions and ticket links with a key "
            "of its own data directory; give every node the same SECRET_KEY")
    settings = ensure_secret_key(settings)
    _private_data_dir(settings)

    app = Flask(__name__, template_folder="web/templates", static_folder="web/static")
    app.config.update(
        SETTINGS=settings,
        SECRET_KEY=settings.secret_key,
        # Older keys still accepted for sessions and ticket links after a rotation.
        SECRET_KEY_FALLBACKS=list(settings.secret_key_fallbacks),
        SQLALCHEMY_DATABASE_URI=settings.resolved_database_url,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.session_cookie_secure,
        TESTING=settings.testing,
        JSON_SORT_KEYS=False,
    )

    # The app's parts are imported in the factory, not at the top (see _wire_services).
    from portal import models  # noqa: F401  (registers every table with the metadata)
    from portal.db import db

    db.init_app(app)

    from portal.extensions import init_extensions  # (in the factory: see _wire_services)

    init_extensions(app, settings)

    _wire_services(app, settings)

    from portal.web import register_web  # (in the factory: see _wire_services)

    register_web(app)

    from portal.worker_tasks import load_all  # (in the factory: see _wire_services)

    load_all()  # job handlers and hooks, so enqueuing and running work in every process
    return app
