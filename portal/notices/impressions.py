"""Banner impressions and tickets filed after one, counted in memory and written off the request.

Like the search log (``portal.analytics.reads``), a GET never commits: counts are
buffered per process and added to ``notice_impression`` (one row per notice,
language, surface and day) by a background thread every ``FLUSH_SECONDS``, and
when the process exits normally. A process killed outright loses at most that
many seconds of counts.
"""
from __future__ import annotations

import atexit
import logging
import threading
import weakref
from collections import Counter

from flask import Flask
from sqlalchemy import select

from portal.db import db, utcnow
from portal.notices.models import Notice, NoticeImpression

FLUSH_SECONDS = 2.0
SEEN, FILED = "seen", "filed"

log = logging.getLogger(__name__)


class ImpressionCounter:
    """Buffered counts for one app in one process."""

    def __init__(self, app: Flask, background: bool = True, flush_seconds: float = FLUSH_SECONDS) -> None:
        self._app = weakref.ref(app)
        self._lock = threading.Lock()
        self._counts: Counter[tuple[int, str, str, str]] = Counter()
        self._background = background
        self._flush_seconds = flush_seconds
        self._thread: threading.Thread | None = None
        atexit.register(self.flush)

    def add(self, notice_id: int, lang: str, surface: str, what: str = SEEN) -> None:
        with self._lock:
            self._counts[(notice_id, lang, surface, what)] += 1
        if self._background and (self._thread is None or not self._thread.is_alive()):
            with self._lock:
                if self._thread is None or not self._thread.is_alive():
                    self._thread = threading.Thread(target=self._run, name="notice-impressions", daemon=True)
                    self._thread.start()

    def _run(self) -> None:
        stop = threading.Event()
        while not stop.wait(self._flush_seconds):
            if self._app() is None:
                return
            try:
                self.flush()
            except Exception:  # keep counting; the next flush retries
                log.exception("could not write notice impressions; keeping them for the next try")

    def flush(self) -> int:
        """Add everything buffered to the day's rows, in one transaction; returns how many counts."""
        app = self._app()
        with self._lock:
            counts, self._counts = self._counts, Counter()
        if not counts or app is None:
            return 0
        day = utcnow().date()
        try:
            with app.app_context():
                known = set(db.session.scalars(select(Notice.id).where(
                    Notice.id.in_({key[0] for key in counts}))))
                for (notice_id, lang, surface, what), count in counts.items():
                    if notice_id not in known:
                        continue  # deleted meanwhile
                    row = db.session.scalar(select(NoticeImpression).where(
                        NoticeImpression.notice_id == notice_id, NoticeImpression.lang == lang,
                        NoticeImpression.surface == surface, NoticeImpression.day == day))
                    if row is None:
                        row = NoticeImpression(notice_id=notice_id, lang=lang, surface=surface, day=day, seen=0,
                                               filed=0)
                        db.session.add(row)
                    setattr(row, what, getattr(row, what) + count)
                    db.session.flush()
                db.session.commit()
                db.session.remove()
        except Exception:
            with self._lock:  # put them back: nothing is lost on a transient failure
                self._counts.update(counts)
            raise
        return sum(counts.values())
