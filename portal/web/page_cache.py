"""Whole anonymous pages kept in memory, per process, for as long as a shared cache may keep them.

Only responses that :mod:`portal.web.http_cache` marked ``public`` are stored:
pages served with an empty session that did not write to it (home, category
pages), never a page with a form token, visit context or personal data. A hit
skips the view, its queries and its template. Entries expire after
``SHARED_MAX_AGE`` seconds (the staleness a proxy is allowed anyway, and the
bound for other processes) and are dropped at once in this process when a
knowledge-base row changes.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict

from flask import Flask, current_app, has_app_context, request, session
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

MAX_ENTRIES = 1024


class PageCache:
    """Public page responses by URL and the request headers that could change them."""

    def __init__(self, max_age: float, max_entries: int = MAX_ENTRIES) -> None:
        self.max_age = max_age
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple, tuple[float, int, list[tuple[str, str]], bytes]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0

    def __len__(self) -> int:
        return len(self._entries)

    @staticmethod
    def _key() -> tuple | None:
        if request.method not in ("GET", "HEAD") or len(session):
            return None
        return (request.full_path, request.cookies.get("lang", ""), request.headers.get("Accept-Language", ""))

    def lookup(self) -> Response | None:
        """The stored response for this request, made conditional, or None."""
        key = self._key()
        if key is None:
            return None
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] < time.monotonic():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            self.hits += 1
        _, status, headers, body = entry
        response = Response(body, status=status, headers=headers)
        return response.make_conditional(request.environ)

    def store(self, response: Response) -> None:
        """Keep ``response`` (a public 200 with its ETag) for ``max_age`` seconds."""
        key = self._key()
        if key is None or request.method != "GET":
            return
        headers = [(k, v) for k, v in response.headers.items() if k.lower() not in ("set-cookie", "content-length")]
        entry = (time.monotonic() + self.max_age, response.status_code, headers, response.get_data())
        with self._lock:
            self._entries[key] = entry
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def _content_changed(session: Session, flush_context, instances) -> None:
    from portal.kb.models import Article, ArticleVersion, Category, Revision

    if not has_app_context():
        return
    cache = current_app.extensions.get("page_cache")
    if cache is None:
        return
    kinds = (Article, ArticleVersion, Category, Revision)
    if any(isinstance(obj, kinds) for obj in (*session.new, *session.dirty, *session.deleted)):
        cache.clear()


def install(app: Flask, max_age: float) -> PageCache:
    """Create the app's page cache and serve hits before any other hook or view runs.

    Call after every other ``before_request`` is registered.
    """
    cache = PageCache(max_age)
    app.extensions["page_cache"] = cache
    if not event.contains(Session, "before_flush", _content_changed):
        event.listen(Session, "before_flush", _content_changed)

    def _serve_from_cache():
        if request.blueprint in ("public", "root"):
            return cache.lookup()
        return None

    # First of all hooks: a stored page needs no rate limit, guard or sign-in check
    # (only public 200s from empty sessions are ever stored, so a miss costs a dict lookup).
    app.before_request_funcs.setdefault(None, []).insert(0, _serve_from_cache)
    return cache
