"""Whole public pages kept in memory, per process, for as long as a shared cache may keep them.

A view opts in with :func:`cacheable` when its HTML is the same for everyone
who asks for the same URL in the same language: no form token, no personal
data. What differs per visitor is declared, not guessed:

- ``variant`` picks among a few versions of the page from the session (the
  article page with or without its feedback form);
- ``on_hit`` replays the view's side effects when the page is served from
  memory (an article view is still counted and remembered in the visit) and
  may fill in per-request values: a view that stored its page with
  placeholders (:func:`remember` with ``body=``) gets them replaced by what
  ``on_hit`` returns (the search page's fresh search reference);
- ``ignored_args`` are query arguments the HTML never shows (the search
  reference an opened result carries).

A hit skips the view, its queries and its template. A response that rendered a
CSRF token is never stored, whatever the view declared. Entries expire after
``max_age`` seconds (the staleness a proxy is allowed anyway, and the bound for
other processes) and are dropped at once in this process when a knowledge-base
row changes.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask, current_app, g, has_app_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

MAX_ENTRIES = 1024
#: Headers a stored page never replays: the session cookie, the length (recomputed)
#: and the caching policy, which depends on the session of the request being served.
_NOT_STORED = frozenset({"set-cookie", "content-length", "cache-control"})


@dataclass(frozen=True)
class PagePolicy:
    """How one view's pages may be stored and replayed."""

    ignored_args: frozenset[str] = frozenset()
    variant: Callable[[dict[str, Any]], Hashable] | None = None
    on_hit: Callable[[dict[str, Any], dict[str, Any]], dict[str, str] | None] | None = None


_View = TypeVar("_View", bound=Callable[..., Any])


def cacheable(*, ignored_args: tuple[str, ...] = (),
              variant: Callable[[dict[str, Any]], Hashable] | None = None,
              on_hit: Callable[[dict[str, Any], dict[str, Any]], dict[str, str] | None] | None = None,
              ) -> Callable[[_View], _View]:
    """Mark a view whose page may be served from memory (see the module docstring).

    ``variant(view_args)`` and ``on_hit(view_args, meta)`` run in the request;
    ``meta`` is what the view put in :func:`remember` when the page was made.
    """
    policy = PagePolicy(frozenset(ignored_args), variant, on_hit)

    def mark(view: _View) -> _View:
        view.page_cache_policy = policy  # type: ignore[attr-defined]
        return view
    return mark


def remember(body: str | None = None, **meta: Any) -> None:
    """Keep ``meta`` with the page being made, for the view's ``on_hit``.

    ``body``: store this text instead of the response (the page with placeholders
    where the response has values that are this request's alone).
    """
    g.page_cache_meta = meta
    g.page_cache_body = body


def do_not_store() -> None:
    """This response is not to be kept (results that are about to get better)."""
    g.page_cache_skip = True


def _policy() -> PagePolicy | None:
    if request.method not in ("GET", "HEAD") or request.endpoint is None:
        return None
    view = current_app.view_functions.get(request.endpoint)
    return getattr(view, "page_cache_policy", None)


class PageCache:
    """Public page responses by URL, the request headers that could change them, and a variant."""

    def __init__(self, max_age: float, max_entries: int = MAX_ENTRIES) -> None:
        self.max_age = max_age
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple, tuple[float, int, list[tuple[str, str]], bytes, dict]] = OrderedDict()
        self._lock = threading.Lock()
        self._memos: dict[Hashable, tuple[float, Any]] = {}
        self.hits = 0

    def __len__(self) -> int:
        return len(self._entries)

    @staticmethod
    def _key(policy: PagePolicy) -> tuple:
        args = tuple(sorted((k, v) for k, v in request.args.items(multi=True) if k not in policy.ignored_args))
        view_args = request.view_args or {}
        variant = policy.variant(view_args) if policy.variant else None
        return (request.path, args, request.cookies.get("lang", ""),
                request.headers.get("Accept-Language", ""), variant)

    def lookup(self) -> Response | None:
        """The stored response for this request (its side effects replayed), or None."""
        policy = _policy()
        if policy is None:
            return None
        key = self._key(policy)
        g.page_cache_key = key
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] < time.monotonic():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            self.hits += 1
        _, status, headers, body, meta = entry
        g.page_cache_hit = True
        fill_in = policy.on_hit(request.view_args or {}, meta) if policy.on_hit else None
        for placeholder, value in (fill_in or {}).items():
            body = body.replace(placeholder.encode(), value.encode())
        return Response(body, status=status, headers=headers)

    def store(self, response: Response) -> None:
        """Keep ``response`` (a 200 of a cacheable view) for ``max_age`` seconds."""
        key = g.get("page_cache_key")
        if (key is None or g.get("page_cache_hit") or g.get("page_cache_skip") or request.method != "GET"
                or response.status_code != 200):
            return
        if g.get("csrf_token"):  # the page holds this visitor's form token: never anyone else's page
            return
        templated = g.get("page_cache_body")
        # A page with placeholders differs per request: its ETag is computed for each one.
        dropped = _NOT_STORED | {"etag"} if templated is not None else _NOT_STORED
        headers = [(k, v) for k, v in response.headers.items() if k.lower() not in dropped]
        body = templated.encode() if templated is not None else response.get_data()
        entry = (time.monotonic() + self.max_age, response.status_code, headers, body,
                 dict(g.get("page_cache_meta") or {}))
        with self._lock:
            self._entries[key] = entry
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def memo(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """``compute()``, kept like a page: for parts many pages share (the category list).

        The value must not hold ORM objects (they outlive their session here).
        """
        now = time.monotonic()
        found = self._memos.get(key)
        if found is not None and found[0] >= now:
            return found[1]
        value = compute()
        with self._lock:
            self._memos[key] = (now + self.max_age, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._memos.clear()


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
        return cache.lookup()

    # First of all hooks: a stored page needs no rate limit, guard or sign-in check
    # (only declared views are ever stored, so a miss costs a dict lookup).
    app.before_request_funcs.setdefault(None, []).insert(0, _serve_from_cache)
    return cache
