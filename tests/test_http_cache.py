"""Public pages carry validators and answer 304; only session-free pages may sit in a shared cache."""
from __future__ import annotations

from tests.conftest import counted_views, statements_run


def test_a_category_page_is_shared_cacheable_and_revalidates_to_304(shipped_app):
    client = shipped_app.test_client()
    home = client.get("/en/").get_data(as_text=True)
    import re

    category = re.search(r'href="(/en/categories/[^"]+)"', home).group(1)
    first = client.get(category)
    assert first.status_code == 200 and first.headers["Cache-Control"] == "public, max-age=60"
    etag = first.headers["ETag"]
    again = client.get(category, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    other = client.get(category, headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.get_data() == first.get_data()


def test_an_article_is_shared_cacheable_until_the_visit_holds_something_and_support_pages_never_stored(shipped_app):
    client = shipped_app.test_client()
    article = client.get("/en/articles/reset-your-password")  # only read: nothing of the visitor's in it
    assert article.headers["Cache-Control"] == "public, max-age=60" and "Set-Cookie" not in article.headers
    client.get("/en/search?q=password")  # the visit now remembers a search...
    remembered = client.get("/en/articles/reset-your-password")  # ...and the articles read after it
    assert remembered.headers["Cache-Control"] == "private, no-cache" and "Cookie" in remembered.headers["Vary"]
    assert client.get("/en/articles/reset-your-password",
                      headers={"If-None-Match": remembered.headers["ETag"]}).status_code == 304
    assert client.get("/en/contact").headers["Cache-Control"] == "no-store"
    assert client.get("/api/v1/tickets/not-a-token").headers.get("Cache-Control") != "public, max-age=60"


def test_the_root_redirect_varies_by_cookie_and_language_and_errors_carry_no_validator(shipped_app):
    client = shipped_app.test_client()
    root = client.get("/", headers={"Accept-Language": "de"})
    assert root.status_code in (302, 303) and {"Cookie", "Accept-Language"} <= set(root.vary)
    missing = client.get("/en/articles/no-such-article")
    assert missing.status_code == 404 and "ETag" not in missing.headers


def test_public_pages_are_served_from_memory_until_the_knowledge_base_changes(shipped_app):

    from portal.db import db
    from portal.kb.models import Category

    cache = shipped_app.extensions["page_cache"]
    client = shipped_app.test_client()
    first = client.get("/en/")
    assert first.headers["Cache-Control"].startswith("public")
    with statements_run(shipped_app) as queries:
        hit = client.get("/en/")
    assert hit.get_data() == first.get_data() and hit.headers["ETag"] == first.headers["ETag"]
    assert queries == [] and cache.hits == 1  # no view, no query, no template
    assert client.get("/en/", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    # Another language preference is another entry, never a page made for someone else.
    client.get("/en/", headers={"Accept-Language": "de"})
    assert cache.hits == 2  # a miss
    with shipped_app.app_context():
        category = db.session.scalars(db.select(Category)).first()
        category.names = {**(category.names or {}), "en": "Renamed for the test"}
        db.session.commit()
    assert "Renamed for the test" in client.get("/en/").get_data(as_text=True)  # the change cleared the cache


def test_a_visitor_with_a_session_gets_the_same_stored_page_but_never_a_shared_cache_header(shipped_app):
    cache = shipped_app.extensions["page_cache"]
    client = shipped_app.test_client()
    first = client.get("/en/")
    client.get("/en/search?q=password")  # the visit is now remembered in the session
    hits = cache.hits
    page = client.get("/en/")
    assert cache.hits == hits + 1 and page.get_data() == first.get_data()
    assert page.headers["Cache-Control"] == "private, no-cache"  # it answers with a cookie: no proxy keeps it


def test_an_article_from_memory_still_counts_the_view_and_remembers_the_visit(shipped_app):
    cache = shipped_app.extensions["page_cache"]
    before = counted_views(shipped_app, "reset-your-password")
    first = shipped_app.test_client().get("/en/articles/reset-your-password")
    assert "csrf_token" not in first.get_data(as_text=True)  # the same page for everyone
    reader = shipped_app.test_client()
    reader.get("/en/search?q=password")  # a visit that searched remembers what it reads next
    hits = cache.hits
    again = reader.get("/en/articles/reset-your-password?s=AAAAAAAAAAAA")  # a search reference is not a new page
    assert cache.hits == hits + 1 and again.get_data() == first.get_data()
    assert again.headers["Cache-Control"] == "private, no-cache" and "Set-Cookie" in again.headers
    with reader.session_transaction() as visit:
        assert visit["visit_articles"] == ["reset-your-password"]
    assert counted_views(shipped_app, "reset-your-password") == before + 2


def test_a_visitor_who_voted_gets_the_thank_you_and_others_still_get_the_form(shipped_app):
    voter, other = shipped_app.test_client(), shipped_app.test_client()
    assert 'name="helpful"' in voter.get("/en/articles/reset-your-password").get_data(as_text=True)
    voted = voter.post("/en/articles/reset-your-password/feedback", data={"helpful": "yes"},
                       headers={"Sec-Fetch-Site": "same-origin"})
    assert voted.status_code == 303
    assert 'name="helpful"' not in voter.get("/en/articles/reset-your-password").get_data(as_text=True)
    assert 'name="helpful"' in other.get("/en/articles/reset-your-password").get_data(as_text=True)


def test_a_page_that_rendered_a_form_token_is_never_stored(shipped_app):
    from flask import g

    from portal.web.page_cache import PageCache, PagePolicy

    cache = PageCache(60)
    with shipped_app.test_request_context("/en/"):
        g.page_cache_key = PageCache._key(PagePolicy())
        g.csrf_token = "someone's token"
        from flask import Response

        cache.store(Response("<input name=csrf_token value=someone's>"))
    assert len(cache) == 0
