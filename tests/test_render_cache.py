"""Article HTML is rendered once per content and language, and an edit is never served stale."""
from __future__ import annotations

from portal.db import db
from portal.kb.markdown import RenderCache, render
from portal.kb.service import get_article, save_version


def test_the_same_article_is_parsed_once_and_an_edit_renders_afresh(shipped_app):
    cache = shipped_app.extensions["render_cache"]
    pages = shipped_app.extensions["page_cache"]  # whole pages would hide the renderer: dropped before each view
    client = shipped_app.test_client()
    first = client.get("/en/articles/reset-your-password").get_data(as_text=True)
    misses = cache.misses
    pages.clear()
    assert client.get("/en/articles/reset-your-password").get_data(as_text=True) == first
    assert cache.misses == misses and cache.hits >= 1
    pages.clear()
    client.get("/de/articles/reset-your-password")  # links inside point to /de/: its own entry
    assert cache.misses == misses + 1
    with shipped_app.app_context():
        article = get_article(db.session, "reset-your-password")
        source = article.source
        save_version(db.session, article, "en", title=source.title, summary=source.summary,
                     body=source.body + "\n\nA sentence added by an edit.\n", kind=source.kind, produced_by="test")
        db.session.commit()
    assert "A sentence added by an edit." in client.get("/en/articles/reset-your-password").get_data(as_text=True)


def test_the_cache_keeps_its_bound_and_matches_the_renderer():
    cache = RenderCache(max_entries=2)
    for text in ("# One", "# Two", "# Three"):
        assert cache.render(text, "en") == render(text)
    assert len(cache) == 2 and cache.misses == 3
    cache.render("# One", "en")
    assert cache.misses == 4  # "# One" was the least recently used and fell out
