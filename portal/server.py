"""The production web server: gunicorn with the portal preloaded, and a job worker beside it.

``portal serve`` (and so ``make run``) uses this; ``portal serve --dev`` keeps
werkzeug's development server for debugging.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

#: Access-log line without personal data: no client address, no query string
#: (searches and ticket tokens live there), no user agent or referrer.
ACCESS_LOG_FORMAT = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'


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


def _post_fork(server, worker) -> None:  # noqa: ARG001 - gunicorn's hook signature
    # Database connections must not be shared with the parent across fork().
    from portal.db import db

    app = worker.app.application
    with app.app_context():
        db.engine.dispose(close=False)


def _worker_exit(server, worker) -> None:  # noqa: ARG001 - gunicorn's hook signature
    # A normal stop writes the buffered article views and result clicks.
    worker.app.application.extensions["read_counter"].close()


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
        "worker_exit": _worker_exit,
        "proc_name": "help-portal",
    }


def serve(app: Flask, host: str, port: int, workers: int, threads: int, with_job_worker: bool) -> None:
    """Run gunicorn until stopped (SIGTERM/SIGINT: graceful; SIGHUP: reload workers)."""
    job_worker = None
    if with_job_worker:
        job_worker = subprocess.Popen([sys.executable, "-m", "portal.cli", "worker"])
        print(f"Started the job worker (pid {job_worker.pid})", flush=True)
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
