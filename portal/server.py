"""The production web server: gunicorn with the portal preloaded, and a job worker beside it.

``portal serve`` (and so ``make run``) uses this; ``portal serve --dev`` keeps
werkzeug's development server for debugging.
"""
from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from portal.langid import get_detector
from portal.search import SearchQuery
from portal.services import services

#: Access-log line without personal data: no client address, no query string
#: (searches and ticket tokens live there), no user agent or referrer.
ACCESS_LOG_FORMAT = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'


#: Request threads per web worker (``portal serve --threads``; bench/pages.py uses it for
#: both servers it compares). 8 measured no different from 4 on 2 cores, within this
#: machine's run-to-run noise.
SERVE_THREADS = 4


def default_workers() -> int:
    """One web worker per core (each already serves several requests on threads)."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


class PortalServer(BaseApplication):
    """gunicorn serving an already created app (preloaded: workers share its memory copy-on-write)."""

    def __init__(self, app: Flask, options: dict[str, Any]) -> None:
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.application


def warm_shared(app: Flask) -> None:
    """Load, before fork, the read-only data that is safe to share copy-on-write.

    The language detector's model and word lists are plain memory. The embedding
    model is not loaded here: its OpenMP thread pool does not survive fork()
    (a child's first query hangs), so each worker loads it in :func:`warm_worker`.
    """

    get_detector(app.config["SETTINGS"].languages)


def warm_worker(app: Flask) -> None:
    """Make the first request as fast as the next: one search loads the model, index and vectors."""

    try:
        settings = app.config["SETTINGS"]
        embedder = services(app).embedder
        if embedder is not None:
            embedder.embed_query("warm up")  # loads the model even before any passage is embedded
        with app.app_context():
            services(app).search.search(SearchQuery("help", settings.default_language, None, 1))
    except Exception:  # a worker that cannot warm up still serves (and logs why)
        app.logger.exception("could not warm up the search service; the first search will")


def _post_fork(server, worker) -> None:  # gunicorn's hook signature
    # Database connections must not be shared with the parent across fork().
    from portal.db import db

    app = worker.app.application
    with app.app_context():
        db.engine.dispose(close=False)


def _post_worker_init(worker) -> None:
    # After the worker installed its signal handlers, not in post_fork: threads the
    # model starts before that leave the worker deaf to SIGTERM now and then (seen:
    # graceful stops waited the whole graceful_timeout in about one run in three).
    warm_worker(worker.app.application)
    # What the warm-up loaded lives as long as the worker: out of the collector's sight,
    # full collections stop walking the models and indexes on every request thread's behalf.
    gc.freeze()


def _worker_exit(server, worker) -> None:  # gunicorn's hook signature
    # A normal stop writes the buffered article views and result clicks.
    services(worker.app.application).read_counter.close()


def gunicorn_options(host: str, port: int, workers: int, threads: int) -> dict[str, Any]:
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "preload_app": True,
        "graceful_timeout": 30,
        "timeout": 120,  # a cold query embedding or translation can take a while on 2 cores
        "keepalive": 5,
        "accesslog": "-",
        "access_log_format": ACCESS_LOG_FORMAT,
        "errorlog": "-",
        "post_fork": _post_fork,
        "post_worker_init": _post_worker_init,
        "worker_exit": _worker_exit,
        "proc_name": "help-portal",
    }


def serve(app: Flask, host: str, port: int, workers: int, threads: int, with_job_worker: bool) -> None:
    """Run gunicorn until stopped (SIGTERM/SIGINT: graceful; SIGHUP: reload workers)."""
    job_worker = None
    if with_job_worker:
        job_worker = subprocess.Popen([sys.executable, "-m", "portal.cli", "worker"])
        print(f"Started the job worker (pid {job_worker.pid})", flush=True)
    warm_shared(app)
    print(f"Serving the help portal on http://{host}:{port}/ with {workers} web worker(s)", flush=True)
    try:
        PortalServer(app, gunicorn_options(host, port, workers, threads)).run()
    finally:
        if job_worker is not None:
            job_worker.send_signal(signal.SIGTERM)
            try:
                job_worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                job_worker.kill()
