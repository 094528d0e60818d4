"""Templates do no queries in loops: a page costs the same queries with 2 articles or 12."""
from __future__ import annotations

import pytest

from portal.db import db
from portal.publishing import import_knowledge_base
from tests.conftest import statements_run, write_article


def _queries(app, path: str) -> int:
    app.extensions["page_cache"].clear()
    # Active incident notices are read once per process (again after a notice changes), not per page.
    with app.app_context():
        app.extensions["notices.snapshot"].get()
    with statements_run(app) as seen:
        assert app.test_client().get(path).status_code == 200
    return len(seen)


def _import(app, root, count: int) -> None:
    for i in range(count):
        write_article(root, f"printer-{i:02d}", "en", f"Printer problem {i}", "Restart it.\n",
                      category="printing", status="published")
        write_article(
            root,
            f"printer-{i:02d}",
            "es",
            f"Problema de impresora {i}",
            "Reinícielo.\n",
            translation_of="en",
            category="printing",
            status="published",
        )
    with app.app_context():
        report, _ = import_knowledge_base(db.session, root)
        assert not report.errors


@pytest.mark.parametrize("path", ["/en/", "/es/", "/en/categories/printing", "/es/categories/printing",
                                  "/de/categories/printing", "/de/articles/printer-00"])
def test_a_page_runs_as_many_queries_for_many_articles_as_for_few(make_app, tmp_path, path):
    app = make_app(languages=("en", "es", "de"), embeddings="none", translation_engines=())
    _import(app, tmp_path / "kb", 2)
    few = _queries(app, path)
    _import(app, tmp_path / "kb", 12)
    assert _queries(app, path) == few <= 4


@pytest.mark.parametrize("path", ["/en/", "/en/categories/sign-in", "/es/articles/reset-your-password"])
def test_the_shipped_knowledge_base_pages_need_at_most_three_queries(shipped_app, path):
    assert _queries(shipped_app, path) <= 3
