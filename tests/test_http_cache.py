"""Public pages carry validators and answer 304; only session-free pages may sit in a shared cache."""
from __future__ import annotations


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


def test_pages_touching_the_session_are_private_and_support_pages_never_stored(shipped_app):
    client = shipped_app.test_client()
    article = client.get("/en/articles/reset-your-password")  # feedback form (CSRF) and visit context
    assert article.headers["Cache-Control"] == "private, no-cache" and "Cookie" in article.headers["Vary"]
    assert client.get("/en/articles/reset-your-password",
                      headers={"If-None-Match": article.headers["ETag"]}).status_code == 304
    assert client.get("/en/contact").headers["Cache-Control"] == "no-store"
    assert client.get("/api/v1/tickets/not-a-token").headers.get("Cache-Control") != "public, max-age=60"


def test_the_root_redirect_varies_by_cookie_and_language_and_errors_carry_no_validator(shipped_app):
    client = shipped_app.test_client()
    root = client.get("/", headers={"Accept-Language": "de"})
    assert root.status_code in (302, 303) and {"Cookie", "Accept-Language"} <= set(root.vary)
    missing = client.get("/en/articles/no-such-article")
    assert missing.status_code == 404 and "ETag" not in missing.headers


def test_public_pages_are_served_from_memory_until_the_knowledge_base_changes(shipped_app):
    from sqlalchemy import event

    from portal.db import db
    from portal.kb.models import Category

    cache = shipped_app.extensions["page_cache"]
    client = shipped_app.test_client()
    first = client.get("/en/")
    assert first.headers["Cache-Control"].startswith("public")
    with shipped_app.app_context():
        engine = db.engine
    queries = []
    listener = lambda *args: queries.append(1)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        hit = client.get("/en/")
    finally:
        event.remove(engine, "before_cursor_execute", listener)
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


def test_a_visitor_with_a_session_never_gets_a_stored_page(shipped_app):
    cache = shipped_app.extensions["page_cache"]
    client = shipped_app.test_client()
    client.get("/en/")
    client.get("/en/articles/reset-your-password")  # the visit is now remembered in the session
    hits = cache.hits
    page = client.get("/en/")
    assert cache.hits == hits and page.headers["Cache-Control"] == "private, no-cache"
