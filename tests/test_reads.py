"""Reading an article writes nothing synchronously; views and clicks arrive with the next flush."""
from __future__ import annotations

import re
import subprocess
import sys
import textwrap
import threading

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from portal.analytics import LoggedSearch, ReadCounter
from portal.analytics.models import SearchLog
from portal.analytics.reads import FLUSH_BATCH, MAX_PENDING, OPENED_RETRIES
from portal.config import PROJECT_ROOT
from portal.db import db
from portal.jobs import run_pending
from portal.kb.models import Article
from portal.publishing import import_knowledge_base
from tests.conftest import write_article


def _views(app, slug: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Article.view_count).where(Article.slug == slug))


def _search_row(app, ref: str):
    with app.app_context():
        return db.session.scalar(select(SearchLog).where(SearchLog.ref == ref))


def test_a_search_and_the_articles_it_opens_commit_nothing_until_the_flush(indexed_app):
    shipped_app = indexed_app
    client = shipped_app.test_client()
    before = _views(shipped_app, "reset-your-password")
    commits = []
    with shipped_app.app_context():
        engine = db.engine

    def listener(connection):
        commits.append(1)
    event.listen(engine, "commit", listener)
    try:
        page = client.get("/en/search?q=password")
        assert page.status_code == 200
        ref = re.search(r"/en/articles/reset-your-password\?s=([A-Za-z0-9_-]{12})", page.get_data(as_text=True)).group(
            1
        )
        for _ in range(3):  # the first renders the page, the others are served from memory: all count
            assert client.get(f"/en/articles/reset-your-password?s={ref}").status_code == 200
        assert client.get("/api/v1/search?q=password&lang=en").status_code == 200
    finally:
        event.remove(engine, "commit", listener)
    assert commits == []  # readers never wait for SQLite's write lock
    assert _views(shipped_app, "reset-your-password") == before and _search_row(shipped_app, ref) is None
    counter = shipped_app.extensions["read_counter"]
    assert counter.pending == 6  # two searches, three views, one opened result
    assert counter.flush() == 6 and counter.pending == 0
    assert _views(shipped_app, "reset-your-password") == before + 3
    row = _search_row(shipped_app, ref)
    assert (row.query, row.source, row.opened_slug, row.ui_lang) == ("password", "page", "reset-your-password", "en")
    with shipped_app.app_context():
        assert db.session.scalar(select(SearchLog.source).where(SearchLog.query == "password",
                                                                 SearchLog.id != row.id)) == "api"
    assert counter.flush() == 0


def test_an_opened_result_waits_for_a_search_another_process_has_not_written_yet(shipped_app):
    counter = shipped_app.extensions["read_counter"]
    other = ReadCounter(shipped_app, background=False)  # another web worker
    ref = other.search(LoggedSearch(query="wifi", query_lang="en", confidence=0.9, rule="model",
                                    ui_lang="en", results=2))
    counter.opened(ref, "connect-to-wifi")
    assert counter.flush() == 0 and counter.pending == 1  # its search is not written yet: kept
    assert other.flush() == 1
    assert counter.flush() == 1 and _search_row(shipped_app, ref).opened_slug == "connect-to-wifi"
    counter.opened("nobodysearch", "x")  # a reference no process logged is dropped after a few tries
    for _ in range(OPENED_RETRIES - 1):
        counter.flush()
    assert counter.pending == 1
    counter.flush()
    assert counter.pending == 0
    for forged in ("1", "../../etc", "a" * 40, "\x00" * 12):  # not ours: never buffered
        counter.opened(forged, "x")
    assert counter.pending == 0


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
        app = create_app({{"data_dir": {str(settings.data_dir)!r},
                           "search_index_dir": {str(settings.search_index_dir)!r},
                           "embeddings": "none", "testing": True}})
        for _ in range(7):
            app.extensions["read_counter"].view({article_id})
    """)
    subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, check=True, timeout=120)
    assert _views(shipped_app, "reset-your-password") == before + MAX_PENDING + 7


def test_a_waiting_batch_is_written_by_the_background_writer_without_waiting_for_the_timer(shipped_app):
    # Under load the writer goes when a batch is waiting: many small writes, never one that
    # holds a request thread (or the interpreter) for the time of MAX_PENDING rows.
    counter = ReadCounter(shipped_app, flush_seconds=3600, background=True)
    with shipped_app.app_context():
        article_id = db.session.scalar(select(Article.id).where(Article.slug == "reset-your-password"))
    before = _views(shipped_app, "reset-your-password")
    written = threading.Event()

    def on_commit(session):  # after the commit landed (the engine's "commit" event comes before it)
        written.set()
    event.listen(Session, "after_commit", on_commit)
    try:
        for _ in range(FLUSH_BATCH):
            counter.view(article_id)
        assert written.wait(timeout=60), "the writer thread did not write the waiting batch"
    finally:
        event.remove(Session, "after_commit", on_commit)
        counter.close()
    assert _views(shipped_app, "reset-your-password") == before + FLUSH_BATCH and counter.pending == 0


def _refs(html: str) -> set[str]:
    return set(re.findall(r"\?s=([A-Za-z0-9_-]+)", html))


def test_a_search_page_from_memory_is_logged_again_with_a_reference_of_its_own(indexed_app, tmp_path):
    from portal.web.public import SEARCH_REF_PLACEHOLDER

    cache = indexed_app.extensions["page_cache"]
    first, second = indexed_app.test_client(), indexed_app.test_client()
    one = first.get("/en/search?q=password").get_data(as_text=True)
    hits = cache.hits
    two = second.get("/en/search?q=password").get_data(as_text=True)
    assert cache.hits == hits + 1  # the second visitor's page came from memory
    assert SEARCH_REF_PLACEHOLDER not in one + two
    (ref_one,), (ref_two,) = _refs(one), _refs(two)
    assert ref_one != ref_two and one.replace(ref_one, "") == two.replace(ref_two, "")
    with second.session_transaction() as visit:
        assert visit["visit_query"]["query"] == "password"  # the contact form still knows what they searched
    assert indexed_app.extensions["read_counter"].flush() == 2
    assert _search_row(indexed_app, ref_one).query == _search_row(indexed_app, ref_two).query == "password"
    api = [first.get("/api/v1/search?q=password&lang=en") for _ in range(2)]
    assert cache.hits == hits + 2 and api[0].get_json() == api[1].get_json()  # the API answer too
    assert indexed_app.extensions["read_counter"].flush() == 2  # and both are logged
    # A new index generation is a new page: results never lag behind the index.
    write_article(tmp_path / "kb", "password-manager", "en", "Use a password manager",
                  "A password manager remembers every password.\n", category="sign-in")
    with indexed_app.app_context():
        import_knowledge_base(db.session, tmp_path / "kb")
        run_pending(db.session)
    cache.hits = 0
    three = first.get("/en/search?q=password").get_data(as_text=True)
    assert cache.hits == 0 and "/en/articles/password-manager" in three
