"""What page reads record, written without a commit on the GET.

Searches (the search log), article views and the result a search led to are
buffered per process and written in one transaction by a background thread
every ``FLUSH_SECONDS``, or as soon as ``FLUSH_BATCH`` events are waiting, and
when the process exits normally (``atexit``; gunicorn's ``worker_exit``). Only
if the writer falls ``MAX_PENDING`` events behind does a request write them
itself. A worker killed outright loses at most what arrived since the last
flush: ``FLUSH_SECONDS`` worth, never more than ``MAX_PENDING`` events (under
a steady load, about ``FLUSH_BATCH``). Readers therefore never queue behind
SQLite's write lock, and no reader waits for a large write: one flush of
``FLUSH_BATCH`` searches takes ~15 ms, one of ``MAX_PENDING`` ~200 ms.
"""
from __future__ import annotations

import atexit
import logging
import re
import secrets
import threading
import weakref
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime

from flask import Flask
from sqlalchemy import CursorResult, insert, update

from portal.analytics.models import SearchLog
from portal.db import db, utcnow
from portal.kb.models import Article

FLUSH_SECONDS = 2.0
FLUSH_BATCH = 500
MAX_PENDING = 5000

#: An opened result whose search another process has not written yet is retried this many flushes.
OPENED_RETRIES = 3
#: What a search reference looks like in a URL (``?s=``); anything else is ignored.
SEARCH_REF = re.compile(r"[A-Za-z0-9_-]{12}")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoggedSearch:
    """One search as the log keeps it: the query, languages and outcome; nothing about the person."""

    query: str
    query_lang: str
    confidence: float
    rule: str
    ui_lang: str
    results: int
    translated_query: str | None = None
    category: str | None = None
    source: str = "page"
    created_at: datetime = field(default_factory=utcnow)

    def again(self) -> LoggedSearch:
        """The same search made again now (an answer served from memory)."""
        return replace(self, created_at=utcnow())

    def row(self, ref: str) -> dict:
        return {
            "ref": ref, "created_at": self.created_at, "query": self.query[:200], "query_lang": self.query_lang[:20],
            "confidence": round(self.confidence, 4), "detection_rule": self.rule[:30], "ui_lang": self.ui_lang[:20],
            "results": self.results,
            "translated_query": (self.translated_query or None) and self.translated_query[:200],
            "category": self.category and self.category[:120], "source": self.source[:10],
        }


class ReadCounter:
    """Buffered searches, article views and search-result opens for one app in one process."""

    def __init__(self, app: Flask, flush_seconds: float = FLUSH_SECONDS, background: bool = True) -> None:
        self._app = weakref.ref(app)
        self._lock = threading.Lock()
        self._views: Counter[int] = Counter()
        self._searches: dict[str, LoggedSearch] = {}
        self._opened: dict[str, tuple[str, int]] = {}  # search ref -> (slug, tries left)
        self._pending = 0  # searches + views + opened results buffered
        self._flush_seconds = flush_seconds
        self._background = background
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()  # set when a batch is waiting, and to stop
        atexit.register(self.flush)

    @property
    def pending(self) -> int:
        with self._lock:
            return self._pending

    def view(self, article_id: int) -> None:
        """Count one view of ``article_id`` (written at the next flush)."""
        def change() -> int:
            self._views[article_id] += 1
            return 1
        self._add(change)

    def search(self, logged: LoggedSearch) -> str:
        """Log one search (written at the next flush); returns its reference for ``?s=``."""
        ref = secrets.token_urlsafe(9)

        def change() -> int:
            self._searches[ref] = logged
            return 1
        self._add(change)
        return ref

    def opened(self, search_ref: str, slug: str) -> None:
        """Remember that search ``search_ref`` led to ``slug`` (the first one opened wins).

        References that cannot be ours are ignored: the value comes from a URL.
        """
        if not SEARCH_REF.fullmatch(search_ref or ""):
            return

        def change() -> int:
            if search_ref in self._opened:
                return 0
            self._opened[search_ref] = (slug[:200], OPENED_RETRIES)
            return 1
        self._add(change)

    def _add(self, change) -> None:
        with self._lock:
            self._pending += change()
            pending = self._pending
        if pending >= MAX_PENDING:
            self.flush()
        elif self._background:
            self._ensure_thread()
            if pending >= FLUSH_BATCH:
                self._wake.set()

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            with self._lock:
                if self._thread is None or not self._thread.is_alive():
                    self._thread = threading.Thread(target=self._run, name="read-counter", daemon=True)
                    self._thread.start()

    def _run(self) -> None:
        while True:
            self._wake.wait(self._flush_seconds)
            self._wake.clear()
            if self._stop.is_set() or self._app() is None:
                return  # stopped, or the app is gone (tests make many)
            try:
                self.flush()
            except Exception:  # keep counting; the next flush retries
                log.exception("could not write read counts; keeping them for the next try")

    def flush(self) -> int:
        """Write everything buffered in one transaction; returns how many events were written.

        Searches go first, so a result opened from a search this process logged
        always finds its row. An opened result whose search another process
        logged (and has not written yet) is kept for ``OPENED_RETRIES`` flushes.
        """
        app = self._app()
        with self._lock:
            searches, views, opened = self._searches, self._views, self._opened
            self._searches, self._views, self._opened, self._pending = {}, Counter(), {}, 0
        if not searches and not views and not opened:
            return 0
        if app is None:
            return 0

        waiting: dict[str, tuple[str, int]] = {}
        try:
            with app.app_context():
                if searches:
                    db.session.execute(insert(SearchLog), [logged.row(ref) for ref, logged in searches.items()])
                for article_id, count in views.items():
                    db.session.execute(update(Article).where(Article.id == article_id)
                                       .values(view_count=Article.view_count + count))
                for ref, (slug, tries) in opened.items():
                    marked: CursorResult = db.session.execute(update(SearchLog).where(SearchLog.ref == ref,
                                                                        SearchLog.opened_slug.is_(None))
                                                .values(opened_slug=slug))  # type: ignore[assignment]
                    if marked.rowcount == 0 and tries > 1 and ref not in searches:
                        waiting[ref] = (slug, tries - 1)
                db.session.commit()
                db.session.remove()
        except Exception:
            with self._lock:  # put them back: nothing is lost on a transient failure
                self._searches.update(searches)
                self._views.update(views)
                self._requeue_opened(opened)
            raise
        if waiting:
            with self._lock:
                self._requeue_opened(waiting)
        return len(searches) + sum(views.values()) + len(opened) - len(waiting)

    def _requeue_opened(self, opened: dict[str, tuple[str, int]]) -> None:
        # Under the lock: put opened results back (an earlier one for the same search wins) and recount.
        for ref, value in opened.items():
            self._opened.setdefault(ref, value)
        self._pending = len(self._searches) + sum(self._views.values()) + len(self._opened)

    def close(self) -> None:
        """Stop the background thread and write what is left."""
        self._stop.set()
        self._wake.set()
        self.flush()
