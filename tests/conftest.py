"""Shared fixtures: a real app on a temporary data dir with a migrated SQLite database.

The schema is built once per session by running the Alembic migrations (so the
migrations themselves are under test) and copied for each test.
"""
from __future__ import annotations

import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

from portal import create_app
from portal.config import PROJECT_ROOT

SHARED = PROJECT_ROOT.parent / "shared"
GNOME_CORPUS = SHARED / "corpora" / "gnome-help" / "kb_articles"
SHIPPED_KB = PROJECT_ROOT / "kb_articles"


#: One embedding cache for every temporary portal of every run: the same passage
#: text is encoded once, ever (the cache is keyed by model id and text hash).
EMBEDDINGS_CACHE = PROJECT_ROOT / ".cache" / "embeddings-tests.sqlite3"


def app_on(data_dir: Path, **overrides):
    """A portal on ``data_dir`` (already migrated, or to be), settings as for every test plus ``overrides``."""
    settings = {"data_dir": data_dir, "search_index_dir": data_dir / "index", "testing": True,
                "embeddings_cache": EMBEDDINGS_CACHE}
    settings.update(overrides)
    return create_app(settings)


def migrated_app_on(database: str, make_app, request, tmp_path: Path, **overrides):
    """A portal on SQLite (the migrated template) or on an empty PostgreSQL database that
    Alembic migrates now, so that the migrations themselves are what is checked."""
    if database == "sqlite":
        return make_app(**overrides)
    from flask_migrate import upgrade

    app = app_on(tmp_path, database_url=request.getfixturevalue("postgres_database"), **overrides)
    with app.app_context():
        upgrade()
    return app


def schema_drift(app, table_word: str) -> list:
    """What Alembic would change to make the database match the models, for tables naming ``table_word``."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from portal.db import db

    with app.app_context(), db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
    return [d for d in diff if table_word in repr(d)]


@pytest.fixture(scope="session")
def migrated_db_template(tmp_path_factory) -> Path:
    from flask_migrate import upgrade

    data_dir = tmp_path_factory.mktemp("template")
    app = app_on(data_dir)
    with app.app_context():
        from sqlalchemy import text

        from portal.db import db

        upgrade()
        # Fold the WAL into the main file so a plain file copy is complete.
        with db.engine.connect() as connection:
            connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        db.engine.dispose()
    return data_dir / "portal.sqlite3"


@pytest.fixture
def make_app(tmp_path, migrated_db_template):
    """Factory: ``make_app(**settings)`` -> app with a fresh migrated database."""
    counter = {"n": 0}

    def factory(**overrides):
        counter["n"] += 1
        data_dir = tmp_path / f"data{counter['n']}"
        data_dir.mkdir()
        shutil.copy(migrated_db_template, data_dir / "portal.sqlite3")
        return app_on(data_dir, **overrides)

    return factory


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def session(app):
    from portal.db import db

    with app.app_context():
        yield db.session


@contextmanager
def statements_run(app):
    """Collect the SQL statements ``app``'s engine runs inside the block (a list, filled as they run)."""
    from sqlalchemy import event

    from portal.db import db

    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def listener(conn, cursor, statement, *rest):
        statements.append(statement)
    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", listener)


class Commits:
    """Counts the commits of every ORM session inside the block (``with Commits() as commits``)."""

    def __enter__(self):
        from sqlalchemy import event
        from sqlalchemy.orm import Session

        self.count = 0
        event.listen(Session, "after_commit", self._committed)
        return self

    def __exit__(self, *exc):
        from sqlalchemy import event
        from sqlalchemy.orm import Session

        event.remove(Session, "after_commit", self._committed)

    def _committed(self, session):
        self.count += 1


def counted_views(app, slug: str) -> int:
    """``slug``'s view count once the app's buffered reads are written."""
    from sqlalchemy import select

    from portal.db import db
    from portal.kb.models import Article

    app.extensions["read_counter"].flush()
    with app.app_context():
        return db.session.scalar(select(Article.view_count).where(Article.slug == slug))


def write_article(root: Path, slug: str, lang: str, title: str, body: str = "Text.\n", **meta) -> Path:
    """Write ``root/slug/lang.md`` in the import format; ``meta`` adds front-matter keys."""
    import yaml

    front = {"title": title, "lang": lang, **meta}
    path = root / slug / f"{lang}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\n{yaml.safe_dump(front, allow_unicode=True)}---\n\n{body}", encoding="utf-8")
    return path


@pytest.fixture
def shipped_app(make_app):
    """An app with the project's own knowledge base imported."""
    from portal.db import db
    from portal.kb.transfer import import_directory

    app = make_app()
    with app.app_context():
        report = import_directory(db.session, SHIPPED_KB)  # the articles alone: no jobs
        assert not report.errors, report.errors
        db.session.commit()
    return app


@pytest.fixture(scope="session", autouse=True)
def repository_stays_clean():
    """No test may write into the repository's own data locations."""
    watched = PROJECT_ROOT / "search_index"
    before = sorted(p.name for p in watched.iterdir())
    yield
    after = sorted(p.name for p in watched.iterdir())
    assert after == before, f"a test wrote into {watched}: {sorted(set(after) - set(before))}"


SUPPORT_SETTINGS = {"languages": ("en", "es", "pt-BR", "ar"), "translation_engines": (),
                    "rate_limit_public_writes": "1000 per minute"}


def _kb_template(data_dir: Path, migrated_db_template: Path, settings: dict, kinds: set[str] | None) -> Path:
    """``data_dir`` with the shipped articles imported and their jobs run, ready to be copied as it is."""
    from sqlalchemy import text

    from portal.db import db
    from portal.jobs import run_pending
    from portal.publishing import import_knowledge_base

    shutil.copy(migrated_db_template, data_dir / "portal.sqlite3")
    app = app_on(data_dir, **settings)
    with app.app_context():
        report, _ = import_knowledge_base(db.session, SHIPPED_KB)
        assert not report.errors, report.errors
        assert run_pending(db.session, kinds=kinds) > 0
        db.session.remove()
        with db.engine.connect() as connection:  # the whole database in the main file, for a plain copy
            connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        db.engine.dispose()
    return data_dir


@pytest.fixture(scope="session")
def support_template(tmp_path_factory, migrated_db_template) -> Path:
    """Shipped articles imported and indexed in the support settings, made once and copied per test."""
    return _kb_template(tmp_path_factory.mktemp("support-template"), migrated_db_template, SUPPORT_SETTINGS,
                        {"index_article"})


@pytest.fixture
def support_app(tmp_path, support_template):
    """An app in four languages with the shipped articles indexed, for the support pages."""
    data_dir = tmp_path / "support"
    shutil.copytree(support_template, data_dir)
    return app_on(data_dir, **SUPPORT_SETTINGS)


@pytest.fixture(scope="session")
def indexed_template(tmp_path_factory, migrated_db_template) -> Path:
    """Shipped articles imported with every job they cause run (index, vectors, translations), made once."""
    return _kb_template(tmp_path_factory.mktemp("indexed-template"), migrated_db_template, {}, None)


@pytest.fixture
def indexed_app(tmp_path, indexed_template):
    """An app with the default settings, the shipped articles and all their jobs done."""
    data_dir = tmp_path / "indexed"
    shutil.copytree(indexed_template, data_dir)
    return app_on(data_dir)


@pytest.fixture(scope="session")
def postgres_server_url():
    """One PostgreSQL server for the session (started on first use); take a database with ``postgres_database``."""
    from tests.support.services import postgres_server

    with postgres_server() as url:
        yield url


@pytest.fixture
def postgres_database(postgres_server_url, request):
    """The URL of a new, empty PostgreSQL database for this test, on the session's server."""
    import re

    from tests.support.services import create_database

    name = "t_" + re.sub(r"[^a-z0-9]+", "_", request.node.name.lower())[:40] + "_" + format(id(request), "x")[-6:]
    return create_database(postgres_server_url, name)


@pytest.fixture(scope="session")
def redis_server_url():
    """One Redis server for the session (started on first use); tests use distinct key prefixes or FLUSHDB."""
    from tests.support.services import redis_server

    with redis_server() as url:
        yield url


def ticket_count(app) -> int:
    """How many tickets the app's database holds."""
    from sqlalchemy import func, select

    from portal.db import db
    from portal.support.models import Ticket

    with app.app_context():
        return db.session.scalar(select(func.count(Ticket.id)))


@pytest.fixture(params=["sqlite", "postgresql"])
def make_any_app(request, make_app):
    """Like ``make_app``, once on SQLite and once on a PostgreSQL database of its own, copied migrated."""
    if request.param == "sqlite":
        return make_app
    url = postgres_copy(request.getfixturevalue("postgres_server_url"),
                        request.getfixturevalue("postgres_migrated_template"), request.node.name)

    def factory(**overrides):
        return make_app(database_url=url, **overrides)

    return factory


@pytest.fixture(scope="session")
def postgres_migrated_template(postgres_server_url, tmp_path_factory) -> str:
    """The name of a PostgreSQL database migrated once per session, to copy (``CREATE DATABASE ... TEMPLATE``)."""
    from flask_migrate import upgrade

    from portal.db import db
    from tests.support.services import create_database

    name = "portal_migrated_template"
    url = create_database(postgres_server_url, name)
    app = app_on(tmp_path_factory.mktemp("pg-template"), database_url=url)
    with app.app_context():
        upgrade()
        db.session.remove()
        db.engine.dispose()  # a template database must have no connections when it is copied
    return name


def postgres_copy(server_url: str, template: str, label: str) -> str:
    """A new database copied from ``template`` (a plain name made of ``label``), as a URL."""
    import re
    import uuid

    from tests.support.services import create_database

    name = "t_" + re.sub(r"[^a-z0-9]+", "_", label.lower())[:40] + "_" + uuid.uuid4().hex[:6]
    return create_database(server_url, name, template=template)


#: Settings per search backend (issue 14: the search tests run on both).
SEARCH_BACKENDS = ("whoosh", "postgres")


def search_backend_settings(backend: str, request) -> dict:
    """Settings selecting ``backend``; for PostgreSQL, a migrated database of this test's own."""
    if backend == "whoosh":
        return {}
    url = postgres_copy(request.getfixturevalue("postgres_server_url"),
                        request.getfixturevalue("postgres_migrated_template"), request.node.name)
    return {"search_backend": "postgres", "database_url": url}


@pytest.fixture(params=SEARCH_BACKENDS)
def search_backend(request) -> dict:
    """Settings for a search backend, once Whoosh on SQLite and once PostgreSQL (pass them to ``make_app``)."""
    return search_backend_settings(request.param, request)
