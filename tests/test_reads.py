"""Reading an article writes nothing synchronously; views and clicks arrive with the next flush."""
from __future__ import annotations

import subprocess
import sys
import textwrap

from sqlalchemy import event, select

from portal.analytics.models import SearchLog
from portal.analytics.reads import MAX_PENDING
from portal.config import PROJECT_ROOT
from portal.db import db
from portal.kb.models import Article


def _views(app, slug: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Article.view_count).where(Article.slug == slug))


def test_an_article_get_commits_nothing_and_the_view_counts_after_the_flush(shipped_app):
    from portal.analytics import log_search

    client = shipped_app.test_client()
    with shipped_app.app_context():
        search_id = log_search(db.session, query="password", query_lang="en", confidence=0.9, rule="model",
                               ui_lang="en", results=3)
    before = _views(shipped_app, "reset-your-password")
    commits = []
    with shipped_app.app_context():
        engine = db.engine
    listener = lambda connection: commits.append(1)  # noqa: E731
    event.listen(engine, "commit", listener)
    try:
        for _ in range(3):
            assert client.get(f"/en/articles/reset-your-password?s={search_id}").status_code == 200
    finally:
        event.remove(engine, "commit", listener)
    assert commits == []  # readers never wait for SQLite's write lock
    assert _views(shipped_app, "reset-your-password") == before
    counter = shipped_app.extensions["read_counter"]
    assert counter.pending == 4  # three views, one opened result
    assert counter.flush() == 4 and counter.pending == 0
    assert _views(shipped_app, "reset-your-password") == before + 3
    with shipped_app.app_context():
        assert db.session.get(SearchLog, search_id).opened_slug == "reset-your-password"
    assert counter.flush() == 0


def test_the_buffer_is_bounded_and_a_normal_exit_writes_it(shipped_app, tmp_path):
    counter = shipped_app.extensions["read_counter"]
    with shipped_app.app_context():
        article_id = db.session.scalar(select(Article.id).where(Article.slug == "reset-your-password"))
    before = _views(shipped_app, "reset-your-password")
    for _ in range(MAX_PENDING):
        counter.view(article_id)
    assert counter.pending == 0  # reaching the bound wrote everything at once
    assert _views(shipped_app, "reset-your-password") == before + MAX_PENDING
    # A process that stops normally (no explicit flush) leaves nothing unwritten.
    settings = shipped_app.config["SETTINGS"]
    script = textwrap.dedent(f"""
        from portal import create_app
        app = create_app({{"data_dir": {str(settings.data_dir)!r}, "search_index_dir": {str(settings.search_index_dir)!r},
                           "embeddings": "none", "testing": True}})
        for _ in range(7):
            app.extensions["read_counter"].view({article_id})
    """)
    subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, check=True, timeout=120)
    assert _views(shipped_app, "reset-your-password") == before + MAX_PENDING + 7
