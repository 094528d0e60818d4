"""Readers without a session are answered in front of Flask, with the bytes Flask sent, and still counted."""
from __future__ import annotations

from flask import request_started
from sqlalchemy import select

from portal.db import db
from portal.kb.models import Article
from portal.publishing import import_knowledge_base
from portal.search import search_service
from portal.search.jobs import index_articles
from tests.conftest import counted_views, statements_run, write_article

ARTICLE = "/en/articles/reset-your-password"


class FlaskRequests:
    """Counts requests that reached Flask (a request context was made and dispatched)."""

    def __init__(self, app):
        self.app, self.count = app, 0

    def __enter__(self):
        request_started.connect(self._started, self.app)
        return self

    def __exit__(self, *exc):
        request_started.disconnect(self._started, self.app)

    def _started(self, sender, **extra):
        self.count += 1


def test_a_reader_without_a_session_gets_the_same_bytes_without_flask_and_the_view_still_counts(shipped_app):
    cache = shipped_app.extensions["page_cache"]
    before = counted_views(shipped_app, "reset-your-password")
    first = shipped_app.test_client().get(ARTICLE)
    assert first.status_code == 200 and "Set-Cookie" not in first.headers and cache.anonymous_pages == 1
    with statements_run(shipped_app) as queries, FlaskRequests(shipped_app) as flask_requests:
        again = [shipped_app.test_client().get(ARTICLE) for _ in range(3)]
        not_modified = shipped_app.test_client().get(ARTICLE, headers={"If-None-Match": first.headers["ETag"]})
        changed = shipped_app.test_client().get(ARTICLE, headers={"If-None-Match": '"another"'})
    assert flask_requests.count == 0 and queries == []
    for response in again + [changed]:
        assert response.status_code == 200 and response.get_data() == first.get_data()
        assert response.headers == first.headers  # every header as Flask sent it, security headers included
    assert not_modified.status_code == 304 and not_modified.get_data() == b""
    assert not_modified.headers["ETag"] == first.headers["ETag"] and "Content-Type" not in not_modified.headers
    assert counted_views(shipped_app, "reset-your-password") == before + 6  # every answer counted, the 304 too


def test_a_visitor_with_a_session_and_other_requests_always_reach_flask(shipped_app):
    cache = shipped_app.extensions["page_cache"]
    shipped_app.test_client().get(ARTICLE)  # kept for readers without a session
    searcher = shipped_app.test_client()
    searcher.get("/en/search?q=password")  # the visit now has a session
    with FlaskRequests(shipped_app) as flask_requests:
        remembered = searcher.get(ARTICLE)
        with_reference = shipped_app.test_client().get(ARTICLE + "?s=AAAAAAAAAAAA")
        head = shipped_app.test_client().head(ARTICLE)
        in_german = shipped_app.test_client().get(ARTICLE, headers={"Accept-Language": "de"})
    assert flask_requests.count == 4
    assert remembered.headers["Cache-Control"] == "private, no-cache"  # never the shared page's headers
    with searcher.session_transaction() as visit:
        assert visit["visit_articles"] == ["reset-your-password"]
    assert with_reference.status_code == head.status_code == in_german.status_code == 200
    # A page carrying a search reference is never kept for readers without a session.
    assert cache.anonymous_pages == 3  # the article as first read and in German, and the search page


def test_a_knowledge_base_change_drops_the_pages_kept_for_readers_without_a_session(shipped_app):
    client = shipped_app.test_client()
    assert "Renamed for the test" not in client.get(ARTICLE).get_data(as_text=True)
    with shipped_app.app_context():
        article = db.session.scalar(select(Article).where(Article.slug == "reset-your-password"))
        article.source.title = "Renamed for the test"
        db.session.commit()
    assert "Renamed for the test" in shipped_app.test_client().get(ARTICLE).get_data(as_text=True)


def test_a_page_made_while_the_knowledge_base_changed_is_not_kept(shipped_app):
    cache = shipped_app.extensions["page_cache"]
    hooks = shipped_app.after_request_funcs.setdefault(None, [])

    def knowledge_base_changes_meanwhile(response):
        cache.clear()  # what a commit of an article by another request does in this process
        return response
    hooks.append(knowledge_base_changes_meanwhile)
    try:
        shipped_app.test_client().get(ARTICLE)
    finally:
        hooks.remove(knowledge_base_changes_meanwhile)
    assert cache.anonymous_pages == 0 and len(cache) == 0
    shipped_app.test_client().get(ARTICLE)
    assert cache.anonymous_pages == 1 and len(cache) == 1


def test_an_api_answer_from_memory_is_logged_each_time_and_never_older_than_the_index(indexed_app, tmp_path):
    counter = indexed_app.extensions["read_counter"]
    counter.flush()
    url = "/api/v1/search?q=quokka&lang=en"
    with FlaskRequests(indexed_app) as flask_requests:
        answers = [indexed_app.test_client().get(url).get_json() for _ in range(3)]
    assert flask_requests.count == 1 and answers[0] == answers[1] == answers[2] and answers[0]["total"] == 0
    assert counter.flush() == 3  # three searches in the log
    # Another process indexes a new article: no row changes here, so only the index generation tells.
    write_article(tmp_path / "kb", "quokka-mode", "en", "Quokka mode", "Quokka mode shows a quokka.\n",
                  category="sign-in")
    with indexed_app.app_context():
        import_knowledge_base(db.session, tmp_path / "kb")  # (clears this process's pages)
    indexed_app.test_client().get(url)  # the answer before the index has the article, kept again
    with indexed_app.app_context():
        article_id = db.session.scalar(select(Article.id).where(Article.slug == "quokka-mode"))
        index_articles(db.session, search_service().backend, [article_id])
    found = indexed_app.test_client().get(url).get_json()
    assert [result["slug"] for result in found["results"]][:1] == ["quokka-mode"]


def test_a_new_visitor_gets_the_search_page_without_flask_with_its_own_reference_and_visit(indexed_app):
    """The search page for a visitor without a session: Flask makes it once, then the page is filled in
    with a fresh search reference and given the same remembered-search session, freshly signed."""
    from portal.analytics.models import SearchLog
    from portal.web.public import SEARCH_REF_PLACEHOLDER

    counter = indexed_app.extensions["read_counter"]
    counter.flush()
    url = "/en/search?q=reset+password"
    first = indexed_app.test_client().get(url)
    assert first.status_code == 200 and _session_cookie(first)
    with FlaskRequests(indexed_app) as flask_requests:
        visitors = [indexed_app.test_client() for _ in range(3)]
        answers = [visitor.get(url) for visitor in visitors]
    assert flask_requests.count == 0
    refs = {_search_ref(answer) for answer in [first, *answers]}
    assert len(refs) == 4 and all(SEARCH_REF_PLACEHOLDER not in answer.get_data(as_text=True) for answer in answers)
    for answer in answers:
        same_page = first.get_data(as_text=True).replace(_search_ref(first), "REF")
        assert answer.get_data(as_text=True).replace(_search_ref(answer), "REF") == same_page
        assert int(answer.headers["Content-Length"]) == len(answer.get_data())
        assert answer.headers["ETag"] != first.headers["ETag"]  # the body differs: so does its tag
        for name in ("Content-Type", "Cache-Control", "Vary", "Content-Security-Policy"):
            assert answer.headers.get(name) == first.headers.get(name), name
        given = _session_cookie(answer)
        assert given.split(";")[1:] == _session_cookie(first).split(";")[1:]  # the same flags: HttpOnly, SameSite
        assert "HttpOnly" in given and "SameSite=Lax" in given
    # Each visitor's cookie is a real session: the contact form knows the search.
    for visitor in visitors:
        with visitor.session_transaction() as visit:
            assert visit["visit_query"]["query"] == "reset password"
        assert "reset password" in visitor.get("/en/contact").get_data(as_text=True)
    # Four searches logged, each with its own reference; a result opened from an answer is credited to it.
    opened_ref = _search_ref(answers[1])
    assert visitors[1].get(f"/en/articles/reset-your-password?s={opened_ref}").status_code == 200
    assert counter.flush() >= 4
    with indexed_app.app_context():
        rows = db.session.execute(select(SearchLog.ref, SearchLog.opened_slug)
                                  .where(SearchLog.query == "reset password")).all()
    assert {ref for ref, _ in rows} == refs
    assert dict(rows)[opened_ref] == "reset-your-password"


def _session_cookie(response) -> str | None:
    return next((value for value in response.headers.getlist("Set-Cookie") if value.startswith("session=")), None)


def _search_ref(response) -> str:
    import re

    return re.search(r"\?s=([A-Za-z0-9_-]{12})", response.get_data(as_text=True)).group(1)
