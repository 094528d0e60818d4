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
        assert db.engine.dialect.name == "postgresql"
    client = app.test_client()
    assert client.get("/healthz").get_json()["database"] == "ok"
    html = client.get("/ar/articles/reset-your-password").get_data(as_text=True)
    assert 'class="article-body" lang="ar" dir="rtl"' in html
    assert client.get("/es/search?q=contraseña").status_code == 200
