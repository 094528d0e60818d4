"""Real worker processes on the queue: one killed mid-job, several racing (SQLite and PostgreSQL).

The jobs (tests/support/worker_jobs.py) report to a socket of the test's when they
start and wait for its answer, so the test knows a job is mid-run and when it may
end: no sleeps, no timing.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections import Counter
from contextlib import contextmanager

from sqlalchemy import select

from portal.config import PROJECT_ROOT
from portal.db import db
from portal.jobs import claim_next, enqueue
from portal.jobs.models import DONE, RUNNING, Job
from tests.support.worker_jobs import EFFECT

WAIT_SECONDS = 120  # only bounds a broken run; nothing waits for time to pass


@contextmanager
def gate():
    """A socket the gated jobs report to."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        server.settimeout(WAIT_SECONDS)
        yield server


def next_held_job(server) -> tuple[socket.socket, int]:
    """Wait for a gated job to start; returns the connection to answer on and the worker's pid."""
    connection, _ = server.accept()
    connection.settimeout(WAIT_SECONDS)
    return connection, int(connection.makefile().readline())


@contextmanager
def workers():
    """Start ``portal worker`` processes that know the test job kinds; kill any left at the end."""
    started: list[subprocess.Popen] = []

    def start(app, *args: str, lease_seconds: int = 600) -> subprocess.Popen:
        settings = app.config["SETTINGS"]
        env = {**os.environ, "PORTAL_DATA_DIR": str(settings.data_dir),
               "PORTAL_SEARCH_INDEX_DIR": str(settings.search_index_dir),
               "DATABASE_URL": settings.resolved_database_url, "PORTAL_EMBEDDINGS": "none",
               "PORTAL_TRANSLATION_ENGINES": "", "PORTAL_JOB_LEASE_SECONDS": str(lease_seconds)}
        process = subprocess.Popen([sys.executable, "-m", "tests.support.worker_jobs", "worker", *args],
                                   cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        started.append(process)
        return process

    try:
        yield start
    finally:
        for process in started:
            if process.poll() is None:
                process.kill()
                process.wait()


def effects(session) -> Counter:
    """How many times each job's effect was committed, by the job's ``n``."""
    return Counter(payload["n"] for payload in session.scalars(select(Job.payload).where(Job.kind == EFFECT)))


def test_a_worker_killed_mid_job_loses_nothing_and_duplicates_nothing(make_any_app):
    app = make_any_app()
    with gate() as server, workers() as start:
        host, port = server.getsockname()
        with app.app_context():
            job_id = enqueue(db.session, "test_gated", {"n": 1, "host": host, "port": port, "effect_first": True}).id
            db.session.commit()
        doomed = start(app, "--poll", "0.1")
        connection, pid = next_held_job(server)  # mid-job, its effect written but not committed
        assert pid == doomed.pid
        os.kill(doomed.pid, signal.SIGKILL)
        doomed.wait()
        connection.close()
        with app.app_context():
            job = db.session.get(Job, job_id)
            assert (job.status, job.attempts, job.locked_by.rsplit(":", 1)[1]) == (RUNNING, 1, str(doomed.pid))
            assert effects(db.session) == Counter()  # the open transaction died with the worker
            assert claim_next(db.session, worker="too-early") is None  # its 10-minute lease has not run out
            db.session.remove()
        # A worker for which every running job's lease has run out takes it over and finishes it.
        rescuer = start(app, "--once", lease_seconds=0)
        connection, pid = next_held_job(server)
        assert pid == rescuer.pid
        connection.sendall(b"go\n")
        connection.close()
        out, err = rescuer.communicate(timeout=WAIT_SECONDS)
        assert rescuer.returncode == 0 and out.strip() == "1 jobs run", err
        with app.app_context():
            job = db.session.get(Job, job_id)
            assert (job.status, job.attempts, job.result) == (DONE, 2, {"pid": rescuer.pid})
            assert effects(db.session) == Counter({1: 1})


def test_workers_racing_over_many_jobs_run_each_exactly_once(make_any_app):
    app, racers, jobs = make_any_app(), 3, 150
    with gate() as server, workers() as start:
        host, port = server.getsockname()
        with app.app_context():
            # One gated job per worker first: each worker holds one, so all are claiming when released.
            for n in range(racers):
                enqueue(db.session, "test_gated", {"n": n, "host": host, "port": port})
            for n in range(racers, racers + jobs):
                enqueue(db.session, "test_gated", {"n": n})
            db.session.commit()
        processes = [start(app, "--once") for _ in range(racers)]
        held = [next_held_job(server) for _ in range(racers)]
        assert sorted(pid for _, pid in held) == sorted(p.pid for p in processes)  # all three mid-job at once
        for connection, _ in held:
            connection.sendall(b"go\n")
            connection.close()
        ran = []
        for process in processes:
            out, err = process.communicate(timeout=WAIT_SECONDS)
            assert process.returncode == 0, err
            ran.append(int(out.split()[0]))
        assert sum(ran) == racers + jobs
        with app.app_context():
            done = db.session.execute(select(Job.status, Job.attempts).where(Job.kind == "test_gated")).all()
            assert Counter(done) == Counter({(DONE, 1): racers + jobs})
            assert effects(db.session) == Counter(range(racers + jobs))
