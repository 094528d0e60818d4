"""Whole public pages kept in memory, per process, for as long as a shared cache may keep them.

A view opts in with :func:`cacheable` when its HTML is the same for everyone
who asks for the same URL in the same language: no form token, no personal
data. What differs per visitor is declared, not guessed:

- ``variant`` picks among a few versions of the page from the session (the
  article page with or without its feedback form);
- ``generation`` names the state of the world the page shows besides the
  knowledge base (the search index's generation): a new one is a new page;
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
row changes. With a ``signal`` (the content generation in Redis, ADR 0014) they
are also dropped within ``SYNC_SECONDS`` of a change made by any other process
or node; while the signal is unknown (Redis down), pages are neither served
from memory nor kept.

Most readers arrive without a session (a first visit, a link from elsewhere, a
crawler): for them the page cannot differ, so :class:`AnonymousPages` answers
them in front of Flask, from the exact bytes Flask sent the last time, before a
request context, a session or a URL match is made. A view takes part when its
side effects need no session: it has no ``on_hit``, or declares
``anonymous_hit(app, meta)`` (count the view, log the search). The side
effects are replayed on every such answer, so counts stay exact. A page with
placeholders gets them filled in by what ``anonymous_hit`` returns, and a view
that declares ``anonymous_session`` (the session it gives a new visitor
depends only on the URL and language, as the search page's remembered search
does) has that session signed again for each visitor, as Flask would.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from flask import Flask, current_app, g, has_app_context, request, session
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.datastructures import Headers
from werkzeug.http import generate_etag, is_resource_modified, parse_cookie, quote_etag, remove_entity_headers
from werkzeug.wrappers import Response

from portal.kb.models import Article, ArticleVersion, Category, Revision

MAX_ENTRIES = 1024
#: How often the cross-process signal is read: the staleness allowed after another node's change.
SYNC_SECONDS = 0.25
#: Headers a stored page never replays: the session cookie, the length (recomputed)
#: and the caching policy, which depends on the session of the request being served.
_NOT_STORED = frozenset({"set-cookie", "content-length", "cache-control"})


@dataclass(frozen=True)
class PagePolicy:
    """How one view's pages may be stored and replayed."""

    ignored_args: frozenset[str] = frozenset()
    variant: Callable[[dict[str, Any]], Hashable] | None = None
    on_hit: Callable[[dict[str, Any], dict[str, Any]], dict[str, str] | None] | None = None
    anonymous_hit: Callable[[Flask, dict[str, Any]], dict[str, str] | None] | None = None
    generation: Callable[[], Hashable] | None = None
    anonymous_session: bool = False

    @property
    def anonymous(self) -> bool:
        """Whether a visitor without a session may be answered in front of Flask."""
        return self.on_hit is None or self.anonymous_hit is not None


_View = TypeVar("_View", bound=Callable[..., Any])


def cacheable(*, ignored_args: tuple[str, ...] = (),
              variant: Callable[[dict[str, Any]], Hashable] | None = None,
              on_hit: Callable[[dict[str, Any], dict[str, Any]], dict[str, str] | None] | None = None,
              anonymous_hit: Callable[[Flask, dict[str, Any]], dict[str, str] | None] | None = None,
              generation: Callable[[], Hashable] | None = None,
              anonymous_session: bool = False,
              ) -> Callable[[_View], _View]:
    """Mark a view whose page may be served from memory (see the module docstring).

    ``variant(view_args)`` and ``on_hit(view_args, meta)`` run in the request;
    ``meta`` is what the view put in :func:`remember` when the page was made.
    ``anonymous_hit(app, meta)`` is ``on_hit`` for a visitor without a session,
    run outside any request: it may not touch ``request``, ``session`` or ``g``;
    like ``on_hit`` it returns the values of the page's placeholders.
    ``generation()`` runs with an app context only. ``anonymous_session``: the
    session the view gives a visitor who had none is the same for everyone
    making the same request (no random token, nothing typed into a form), so it
    may be given again, freshly signed, without Flask.
    """
    policy = PagePolicy(frozenset(ignored_args), variant, on_hit, anonymous_hit, generation, anonymous_session)

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


@dataclass(frozen=True)
class _Offer:
    """What Flask tells :class:`AnonymousPages` about a response it may keep."""

    policy: PagePolicy
    meta: dict[str, Any]
    made_from: Hashable
    template: bytes | None
    session: _GivenSession | None


#: WSGI environ keys between :class:`AnonymousPages` and :meth:`PageCache.store`.
_ANONYMOUS_KEY = "portal.page_cache.anonymous_key"
_ANONYMOUS_OFFER = "portal.page_cache.anonymous_offer"


class _GivenSession:
    """The session a page gives every new visitor, signed by Flask's own session interface."""

    def __init__(self, contents: dict[str, Any], permanent: bool) -> None:
        self.contents = contents
        self.permanent = permanent
        self._signed: tuple[int, str] | None = None

    def cookie(self, app: Flask) -> str:
        """The ``Set-Cookie`` value Flask would send now.

        The signature's timestamp counts whole seconds, so within one second Flask
        would send these very bytes: they are made once per second, not per answer.
        """
        now = int(time.time())
        signed = self._signed
        if signed is not None and signed[0] == now:
            return signed[1]
        given = app.session_interface.session_class(self.contents)  # type: ignore[attr-defined]
        given.permanent = self.permanent
        given.modified = True
        carrier = app.response_class()
        app.session_interface.save_session(app, given, carrier)
        self._signed = (now, carrier.headers["Set-Cookie"])
        return self._signed[1]


@dataclass(frozen=True)
class _AnonymousPage:
    """A response exactly as Flask sent it, and what answering it again must do."""

    expires: float
    status: str
    headers: list[tuple[str, str]]
    not_modified_headers: list[tuple[str, str]]
    body: bytes
    etag: str | None
    replay: Callable[[], dict[str, str] | None] | None
    generation: Callable[[], Hashable] | None
    made_from: Hashable
    #: The page has placeholders: filled in, measured and tagged for each answer.
    templated: bool = False
    #: The session every visitor answered gets.
    session: _GivenSession | None = None


def _policy() -> PagePolicy | None:
    if request.method not in ("GET", "HEAD") or request.endpoint is None:
        return None
    view = current_app.view_functions.get(request.endpoint)
    return getattr(view, "page_cache_policy", None)


class PageCache:
    """Public page responses by URL, the request headers that could change them, and a variant."""

    def __init__(self, max_age: float, max_entries: int = MAX_ENTRIES,
                 signal: Callable[[], Hashable | None] | None = None) -> None:
        self.max_age = max_age
        self.max_entries = max_entries
        self.signal = signal
        self.sync_seconds = SYNC_SECONDS
        self._signalled: Hashable | None = None
        self._next_sync = 0.0
        self._in_sync = True
        self._entries: OrderedDict[tuple, tuple[float, int, list[tuple[str, str]], bytes, dict]] = OrderedDict()
        self._lock = threading.Lock()
        self._anonymous: OrderedDict[tuple, _AnonymousPage] = OrderedDict()
        self._memos: dict[Hashable, tuple[float, Any]] = {}
        self.hits = 0
        #: Bumped by every clear: a page made before a clear is not kept after it.
        self.epoch = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def anonymous_pages(self) -> int:
        """How many pages are kept for visitors without a session."""
        return len(self._anonymous)

    @staticmethod
    def _key(policy: PagePolicy) -> tuple:
        args = tuple(sorted((k, v) for k, v in request.args.items(multi=True) if k not in policy.ignored_args))
        view_args = request.view_args or {}
        variant = policy.variant(view_args) if policy.variant else None
        generation = policy.generation() if policy.generation else None
        return (request.path, args, request.cookies.get("lang", ""),
                request.headers.get("Accept-Language", ""), variant, generation)

    def in_sync(self) -> bool:
        """Whether kept pages may be used: the signal was read (at most ``SYNC_SECONDS`` ago) and
        everything kept before its last change is gone. Always True without a signal."""
        if self.signal is None:
            return True
        now = time.monotonic()
        if now < self._next_sync:
            return self._in_sync
        self._next_sync = now + self.sync_seconds
        value = self.signal()
        if value is None or value != self._signalled:
            # Changed elsewhere, or unknown: nothing kept may still be current.
            if self._signalled is not None or value is None:
                self.clear()
            self._signalled = value
        self._in_sync = value is not None
        return self._in_sync

    def lookup(self) -> Response | None:
        """The stored response for this request (its side effects replayed), or None."""
        policy = _policy()
        if policy is None or not self.in_sync():
            return None
        key = self._key(policy)
        g.page_cache_key = key
        g.page_cache_epoch = self.epoch
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
        g.page_cache_meta = meta
        fill_in = policy.on_hit(request.view_args or {}, meta) if policy.on_hit else None
        if fill_in:
            g.page_cache_template = body  # the page as kept, placeholders and all
        for placeholder, value in (fill_in or {}).items():
            body = body.replace(placeholder.encode(), value.encode())
            g.page_cache_body = body  # filled in for this request: not a page for anyone else
        return Response(body, status=status, headers=headers)

    def store(self, response: Response) -> None:
        """Keep ``response`` (a 200 of a cacheable view) for ``max_age`` seconds."""
        key = g.get("page_cache_key")
        if key is None or g.get("page_cache_skip") or request.method != "GET" or response.status_code != 200:
            return
        if g.get("csrf_token"):  # the page holds this visitor's form token: never anyone else's page
            return
        self._offer_to_anonymous()
        if g.get("page_cache_hit"):
            return
        templated = g.get("page_cache_body")
        # A page with placeholders differs per request: its ETag is computed for each one.
        dropped = _NOT_STORED | {"etag"} if templated is not None else _NOT_STORED
        headers = [(k, v) for k, v in response.headers.items() if k.lower() not in dropped]
        body = templated.encode() if templated is not None else response.get_data()
        entry = (time.monotonic() + self.max_age, response.status_code, headers, body,
                 dict(g.get("page_cache_meta") or {}))
        with self._lock:
            if g.get("page_cache_epoch") != self.epoch:
                return  # the knowledge base changed while this page was being made
            self._entries[key] = entry
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    @staticmethod
    def _offer_to_anonymous() -> None:
        # Tell AnonymousPages it may keep this response: the visitor had no session and
        # got none (or one the view declared the same for everyone), nothing in the page is
        # theirs, and the view's side effects (and placeholders) can be replayed.
        policy = _policy()
        if (_ANONYMOUS_KEY not in request.environ or policy is None or not policy.anonymous
                or any(arg in request.args for arg in policy.ignored_args)):
            return
        template = g.get("page_cache_template")
        if template is None and g.get("page_cache_body") is not None:
            template = g.page_cache_body.encode()
        if template is not None and policy.anonymous_hit is None:
            return  # nothing could fill in the placeholders
        given = None
        if session.modified or len(session):
            if not policy.anonymous_session:
                return
            given = _GivenSession(dict(session), session.permanent)
        generation = g.page_cache_key[-1]  # what the page was made from, as the key says
        request.environ[_ANONYMOUS_OFFER] = _Offer(policy, dict(g.get("page_cache_meta") or {}), generation,
                                                   template, given)

    def anonymous_page(self, key: tuple) -> _AnonymousPage | None:
        """The page kept for a visitor without a session making request ``key``, if still fresh."""
        with self._lock:
            page = self._anonymous.get(key)
            if page is None:
                return None
            if page.expires < time.monotonic():
                del self._anonymous[key]
                return None
            self._anonymous.move_to_end(key)
        return page

    def count_hit(self) -> None:
        with self._lock:
            self.hits += 1

    def keep_anonymous(self, key: tuple, page: _AnonymousPage, epoch: int) -> None:
        """Keep ``page`` unless the cache was cleared since ``epoch`` (it may show old content)."""
        with self._lock:
            if epoch != self.epoch:
                return
            self._anonymous[key] = page
            while len(self._anonymous) > self.max_entries:
                self._anonymous.popitem(last=False)

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
            self.epoch += 1
            self._entries.clear()
            self._anonymous.clear()
            self._memos.clear()


def _content_changed(session: Session, flush_context, instances) -> None:
    if not has_app_context():
        return
    cache = current_app.extensions.get("page_cache")
    if cache is None:
        return
    kinds = (Article, ArticleVersion, Category, Revision)
    if any(isinstance(obj, kinds) for obj in (*session.new, *session.dirty, *session.deleted)):
        cache.clear()


class AnonymousPages:
    """WSGI middleware: a GET without a session cookie for a page kept for such visitors
    is answered from memory, before Flask makes a request context (see the module docstring).

    The key is the raw path and query string, the language cookie and
    Accept-Language: everything a public page may depend on when there is no session.
    """

    def __init__(self, app: Flask, wsgi_app: Callable, cache: PageCache) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.cache = cache
        self.session_cookie = app.config["SESSION_COOKIE_NAME"]

    def __call__(self, environ: dict, start_response: Callable) -> Any:
        if (environ.get("REQUEST_METHOD") != "GET" or "HTTP_RANGE" in environ or "HTTP_IF_MATCH" in environ
                or "HTTP_IF_MODIFIED_SINCE" in environ):
            return self.wsgi_app(environ, start_response)
        raw_cookies = environ.get("HTTP_COOKIE")
        cookies = parse_cookie(raw_cookies) if raw_cookies else {}
        if self.session_cookie in cookies or not self.cache.in_sync():
            return self.wsgi_app(environ, start_response)
        key = (environ.get("SCRIPT_NAME", ""), environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""),
               cookies.get("lang", ""), environ.get("HTTP_ACCEPT_LANGUAGE", ""))
        page = self.cache.anonymous_page(key)
        if page is not None and self._current(page):
            return self._answer(page, environ, start_response)
        environ[_ANONYMOUS_KEY] = key
        epoch = self.cache.epoch
        sent: list = []

        def remembering_start_response(status: str, headers: list, exc_info: Any = None) -> Any:
            sent[:] = [status, headers]
            return start_response(status, headers, exc_info)

        body_parts = self.wsgi_app(environ, remembering_start_response)
        offer: _Offer | None = environ.get(_ANONYMOUS_OFFER)
        if offer is None or not sent:
            return body_parts
        try:
            body = b"".join(body_parts)
        finally:
            if hasattr(body_parts, "close"):
                body_parts.close()
        self._keep(key, offer, sent[0], sent[1], body, epoch)
        return [body]

    def _keep(self, key: tuple, offer: _Offer, status: str, headers: list, body: bytes, epoch: int) -> None:
        if not status.startswith("200 "):
            return
        cookies = [value for name, value in headers if name.lower() == "set-cookie"]
        if offer.session is None and cookies:
            return  # belt and braces: the offer was made before the session was saved
        session_cookie = self.session_cookie + "="
        if any(not value.startswith(session_cookie) and "Max-Age=0" not in value for value in cookies):
            return  # a cookie with a value (a language choice): only the session is given again
        policy = offer.policy
        replay = partial(policy.anonymous_hit, self.app, offer.meta) if policy.anonymous_hit is not None else None
        templated = offer.template is not None
        given = any(value.startswith(session_cookie) for value in cookies)
        # Made again for each answer: the length and tag of the filled-in body, and the session cookie
        # (cookies Flask deleted, such as a remember-me cookie a visit never had, are sent as they were).
        headers = [(name, value) for name, value in headers
                   if not (templated and name.lower() in ("content-length", "etag"))
                   and not (name.lower() == "set-cookie" and value.startswith(session_cookie))]
        not_modified = Headers(headers)
        remove_entity_headers(not_modified)
        etag = next((value for name, value in headers if name.lower() == "etag"), None)
        self.cache.keep_anonymous(key, _AnonymousPage(
            time.monotonic() + self.cache.max_age, status, list(headers), list(not_modified.items()),
            offer.template if offer.template is not None else body, etag, replay, policy.generation,
            offer.made_from, templated, offer.session if given else None), epoch)

    def _current(self, page: _AnonymousPage) -> bool:
        # A page made from an older search index is not answered: Flask makes the new one.
        if page.generation is None:
            return True
        with self.app.app_context():
            return page.generation() == page.made_from

    def _answer(self, page: _AnonymousPage, environ: dict, start_response: Callable) -> list[bytes]:
        self.cache.count_hit()
        fill_in = page.replay() if page.replay is not None else None
        if not page.templated and page.session is None:
            if page.etag is not None and not is_resource_modified(environ, etag=page.etag):
                start_response("304 NOT MODIFIED", page.not_modified_headers)
                return []
            start_response(page.status, page.headers)
            return [page.body]
        body, headers = page.body, list(page.headers)
        if page.templated:
            for placeholder, value in (fill_in or {}).items():
                body = body.replace(placeholder.encode(), value.encode())
            # As Flask would: a fresh length and tag (the page differs per request, so no 304).
            headers += [("Content-Length", str(len(body))), ("ETag", quote_etag(generate_etag(body)))]
        if page.session is not None:
            headers.append(("Set-Cookie", page.session.cookie(self.app)))
        start_response(page.status, headers)
        return [body]



def install(app: Flask, max_age: float, signal: Callable[[], Hashable | None] | None = None) -> PageCache:
    """Create the app's page cache and serve hits before any other hook or view runs.

    ``signal``: what changes when another process changed the content (see the module
    docstring). Call after every other ``before_request`` is registered.
    """
    cache = PageCache(max_age, signal=signal)
    app.wsgi_app = AnonymousPages(app, app.wsgi_app, cache)  # type: ignore[method-assign]
    app.extensions["page_cache"] = cache
    if not event.contains(Session, "before_flush", _content_changed):
        event.listen(Session, "before_flush", _content_changed)

    def _serve_from_cache():
        return cache.lookup()

    # First of all hooks: a stored page needs no rate limit, guard or sign-in check
    # (only declared views are ever stored, so a miss costs a dict lookup).
    app.before_request_funcs.setdefault(None, []).insert(0, _serve_from_cache)
    return cache
