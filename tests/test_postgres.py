"""The same code on PostgreSQL: migrations, import and pages, selected by configuration only."""
import pytest

from portal import create_app
from portal.db import db
from portal.kb.transfer import import_directory
from tests.conftest import SHIPPED_KB
from tests.support.services import postgres_server


@pytest.fixture(scope="module")
def postgres_url():
    with postgres_server() as url:
        yield url


def test_migrations_import_and_pages_on_postgresql(postgres_url, tmp_path):
    from flask_migrate import upgrade

    app = create_app({"data_dir": tmp_path, "search_index_dir": tmp_path / "index", "database_url": postgres_url,
                      "testing": True})
    with app.app_context():
        upgrade()
        report = import_directory(db.session, SHIPPED_KB)
        assert report.errors == [] and len(report.created) >= 60
        assert import_directory(db.session, SHIPPED_KB).unchanged == len(report.created)
        db.session.commit()
        assert db.engine.dialect.name == "postgresql"
    client = app.test_client()
    assert client.get("/healthz").get_json()["database"] == "ok"
    html = client.get("/ar/articles/reset-your-password").get_data(as_text=True)
    assert 'class="article-body" lang="ar" dir="rtl"' in html
    assert client.get("/es/search?q=contraseña").status_code == 200


def test_passage_vectors_and_hybrid_search_on_postgresql(postgres_url, tmp_path):
    """Embedding jobs store vectors in PostgreSQL (bytea) and cross-lingual search reads them."""
    from sqlalchemy import func, select, text

    from portal.jobs import run_pending
    from portal.publishing import import_knowledge_base
    from portal.search.models import SearchPassage
    from tests.conftest import EMBEDDINGS_CACHE

    app = create_app({"data_dir": tmp_path, "search_index_dir": tmp_path / "index", "database_url": postgres_url,
                      "testing": True, "translation_engines": (), "embeddings_cache": EMBEDDINGS_CACHE})
    with app.app_context():
        db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        db.session.commit()
        from flask_migrate import upgrade

        upgrade()
        import_knowledge_base(db.session, SHIPPED_KB)
        run_pending(db.session)
        first_ids = set(db.session.scalars(select(SearchPassage.id)))
        assert len(first_ids) > 100
        # Re-embedding one version gets new ids, never reused ones: the generation moves.
        db.session.execute(SearchPassage.__table__.delete().where(SearchPassage.slug == "reset-your-password"))
        from portal.search.embedding import sync_articles

        sync_articles(db.session, app.extensions["embedder"])
        db.session.commit()
        assert min(set(db.session.scalars(select(SearchPassage.id))) - first_ids) > max(first_ids)
        assert db.session.scalar(select(func.count(SearchPassage.id))) == len(first_ids)
    data = app.test_client().get("/api/v1/search", query_string={"q": "Passwort vergessen", "lang": "de"}).get_json()
    assert data["retrieval"]["semantic"] == "ready" and data["results"][0]["slug"] == "reset-your-password"
