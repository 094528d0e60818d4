"""Counts from page reads, written without a commit on the GET.

Article views and the result a search led to are buffered per process and
written in one transaction by a background thread every ``FLUSH_SECONDS``, when
the buffer holds ``MAX_PENDING`` events, and when the process exits normally
(``atexit``; gunicorn's ``worker_exit``). A worker killed outright loses at most
what arrived since the last flush: ``FLUSH_SECONDS`` worth, never more than
``MAX_PENDING`` events. Readers therefore never queue behind SQLite's write lock.
"""
from __future__ import annotations

import atexit
import logging
import threading
import weakref
from collections import Counter

from flask import Flask
from sqlalchemy import update

FLUSH_SECONDS = 2.0
MAX_PENDING = 5000

log = logging.getLogger(__name__)


class ReadCounter:
    """Buffered article views and search-result opens for one app in one process."""

    def __init__(self, app: Flask, flush_seconds: float = FLUSH_SECONDS, background: bool = True) -> None:
        self._app = weakref.ref(app)
        self._lock = threading.Lock()
        self._views: Counter[int] = Counter()
        self._opened: dict[int, str] = {}
        self._pending = 0  # views + opened results buffered
        self._flush_seconds = flush_seconds
        self._background = background
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
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

    def opened(self, search_id: int, slug: str) -> None:
        """Remember that search ``search_id`` led to ``slug`` (the first one opened wins)."""
        def change() -> int:
            if search_id in self._opened:
                return 0
            self._opened[search_id] = slug[:200]
            return 1
        self._add(change)

    def _add(self, change) -> None:
        with self._lock:
            self._pending += change()
            full = self._pending >= MAX_PENDING
        if full:
            self.flush()
        elif self._background:
            self._ensure_thread()

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            with self._lock:
                if self._thread is None or not self._thread.is_alive():
                    self._thread = threading.Thread(target=self._run, name="read-counter", daemon=True)
                    self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._flush_seconds):
            if self._app() is None:
                return  # the app is gone (tests make many)
            try:
                self.flush()
            except Exception:
                log.exception("could not write read counts; keeping them for the next try")

    def flush(self) -> int:
        """Write everything buffered in one transaction; returns how many events were written."""
        app = self._app()
        with self._lock:
            views, opened = self._views, self._opened
            self._views, self._opened, self._pending = Counter(), {}, 0
        if not views and not opened:
            return 0
        if app is None:
            return 0
        from portal.analytics.models import SearchLog
        from portal.db import db
        from portal.kb.models import Article

        try:
            with app.app_context():
                for article_id, count in views.items():
                    db.session.execute(update(Article).where(Article.id == article_id)
                                       .values(view_count=Article.view_count + count))
                for search_id, slug in opened.items():
                    db.session.execute(update(SearchLog).where(SearchLog.id == search_id,
                                                               SearchLog.opened_slug.is_(None))
                                       .values(opened_slug=slug))
                db.session.commit()
                db.session.remove()
        except Exception:
            with self._lock:  # put them back: nothing is lost on a transient failure
                self._views.update(views)
                for search_id, slug in opened.items():
                    self._opened.setdefault(search_id, slug)
                self._pending = sum(self._views.values()) + len(self._opened)
            raise
        return sum(views.values()) + len(opened)

    def close(self) -> None:
        """Stop the background thread and write what is left."""
        self._stop.set()
        self.flush()
