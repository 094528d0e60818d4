"""Queue operations on the ``job`` table (SQLite and PostgreSQL; claims differ, see :func:`claim_next`)."""
from __future__ import annotations

import logging
import os
import socket
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, has_app_context
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from portal.config import Settings
from portal.db import utcnow
from portal.jobs.models import DONE, FAILED, QUEUED, RUNNING, Job
from portal.services import Services, services

log = logging.getLogger(__name__)

#: A running job whose worker has not finished it within this time is reclaimed
#: (outside an app; in one, the ``job_lease_seconds`` setting).
LEASE = timedelta(minutes=10)
BACKOFF_BASE_SECONDS = 5
BACKOFF_MAX_SECONDS = 3600



@dataclass(frozen=True)
class JobContext:
    """What a job handler works with: the job's session (the queue commits it, with the
    job marked done, when the handler returns), the settings and the app's services."""

    session: Session
    settings: Settings
    services: Services


Handler = Callable[[dict, JobContext], dict | None]
_HANDLERS: dict[str, Handler] = {}


def register(kind: str) -> Callable[[Handler], Handler]:
    """Decorator: ``@register("translate_article")`` makes ``func(payload, job)`` handle that kind.

    ``job`` is a :class:`JobContext`. A handler only flushes: its changes, the jobs it
    enqueues and the job's own "done" commit together, or roll back together.
    """

    def decorator(func: Handler) -> Handler:
        _HANDLERS[kind] = func
        return func

    return decorator


def enqueue(session: Session, kind: str, payload: dict, *, dedupe_key: str | None = None,
            delay: timedelta | None = None, max_attempts: int = 5) -> Job:
    """Add a job (in the caller's transaction, so it commits with the change that caused it).

    With ``dedupe_key``, an identical job still waiting is reused instead of duplicated.
    """
    if dedupe_key:
        existing = session.scalar(
            select(Job).where(Job.dedupe_key == dedupe_key, Job.status == QUEUED).limit(1)
        )
        if existing is not None:
            existing.payload = payload
            return existing
    job = Job(kind=kind, payload=payload, dedupe_key=dedupe_key, max_attempts=max_attempts,
              run_at=utcnow() + (delay or timedelta(0)), status=QUEUED, attempts=0)
    session.add(job)
    session.flush()
    return job


def _worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def lease() -> timedelta:
    """How long a running job may go unfinished before it is reclaimed (the app's setting)."""
    if has_app_context():
        return timedelta(seconds=current_app.config["SETTINGS"].job_lease_seconds)
    return LEASE


def _due(now, lease_for: timedelta):
    return or_(
        and_(Job.status == QUEUED, Job.run_at <= now),
        and_(Job.status == RUNNING, Job.locked_at < now - lease_for),
    )


def claim_next(session: Session, kinds: set[str] | None = None, worker: str | None = None,
               lease_for: timedelta | None = None) -> Job | None:
    """Atomically take the next due job (or one whose lease expired); None if idle.

    The claim commits before the job runs, so the row is not held locked while the
    handler works; a worker that dies mid-job leaves it RUNNING until its lease
    (``lease_for``, default :func:`lease`) expires, then another worker takes it.
    """
    now = utcnow()
    due = _due(now, lease_for if lease_for is not None else lease())
    if session.get_bind().dialect.name == "postgresql":
        return _claim_skip_locked(session, due, kinds, worker, now)
    # SQLite has no row locks (one writer at a time): the conditional UPDATE is the
    # lock, and of two workers racing for a row only one sees rowcount 1.
    query = select(Job.id, Job.status, Job.locked_at).where(due).order_by(Job.run_at, Job.id).limit(10)
    if kinds:
        query = query.where(Job.kind.in_(kinds))
    for job_id, status, locked_at in session.execute(query).all():
        claimed = session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == status,
                   (Job.locked_at == locked_at) if locked_at is not None else Job.locked_at.is_(None))
            .values(status=RUNNING, locked_by=worker or _worker_id(), locked_at=now, attempts=Job.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        session.commit()
        if claimed.rowcount == 1:
            return session.get(Job, job_id, populate_existing=True)
    return None


def _claim_skip_locked(session: Session, due, kinds: set[str] | None, worker: str | None, now) -> Job | None:
    """PostgreSQL: lock the first due row nobody else is claiming, mark it running, commit.

    Rows another worker has locked are skipped instead of waited for, so workers
    never queue behind each other or fail a race; one that passed a row's snapshot
    re-checks it after the other's commit (READ COMMITTED) and sees it running.
    """
    query = select(Job).where(due).order_by(Job.run_at, Job.id).limit(1).with_for_update(skip_locked=True)
    if kinds:
        query = query.where(Job.kind.in_(kinds))
    job = session.scalars(query.execution_options(populate_existing=True)).first()
    if job is None:
        session.commit()  # end the transaction: an idle worker holds no snapshot
        return None
    job.status, job.locked_by, job.locked_at = RUNNING, worker or _worker_id(), now
    job.attempts = (job.attempts or 0) + 1
    job_id = job.id
    session.commit()
    return session.get(Job, job_id, populate_existing=True)  # loaded as claimed: run_job reads the owner


def run_job(session: Session, job: Job) -> bool:
    """Run one claimed job; record success, or failure with backoff. True if done."""
    handler = _HANDLERS.get(job.kind)
    owner = job.locked_by
    try:
        if handler is None:
            raise LookupError(f"no handler registered for job kind {job.kind!r}")
        result = handler(dict(job.payload or {}),
                         JobContext(session, current_app.config["SETTINGS"], services()))
    except Exception as exc:  # noqa: BLE001 - any failure is recorded and retried
        session.rollback()
        job = session.get(Job, job.id, populate_existing=True)
        job.last_error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}"[-4000:]
        job.locked_by = job.locked_at = None
        if job.attempts >= job.max_attempts:
            job.status = FAILED
            job.finished_at = utcnow()
            log.error("job %s (%s) failed for good: %s", job.id, job.kind, exc)
        else:
            delay = min(BACKOFF_BASE_SECONDS * 2 ** (job.attempts - 1), BACKOFF_MAX_SECONDS)
            job.status = QUEUED
            job.run_at = utcnow() + timedelta(seconds=delay)
            log.warning("job %s (%s) attempt %s failed, retrying in %ss", job.id, job.kind, job.attempts, delay)
        session.commit()
        return False
    if not _still_owned(session, job.id, owner):
        # Our lease ran out and another worker took the job: its run counts, ours is undone.
        session.rollback()
        log.warning("job %s (%s) was reclaimed while running here; its work here is rolled back", job.id, job.kind)
        return False
    job.status = DONE
    job.result = result or None
    job.finished_at = utcnow()
    job.locked_by = job.locked_at = None
    job.last_error = None
    session.commit()
    return True


def _still_owned(session: Session, job_id: int, owner: str | None) -> bool:
    """Whether the job is still locked by ``owner``, holding its row until our commit (PostgreSQL)."""
    locked_by = session.scalar(select(Job.locked_by).where(Job.id == job_id).with_for_update())
    return locked_by == owner


def run_pending(session: Session, kinds: set[str] | None = None, limit: int = 10_000) -> int:
    """Run every job due now (not those waiting for a retry); returns how many ran."""
    count = 0
    while count < limit:
        job = claim_next(session, kinds)
        if job is None:
            return count
        run_job(session, job)
        count += 1
    return count


def work_forever(session_factory: Callable[[], Session], poll_seconds: float = 1.0,
                 should_stop: Callable[[], bool] = lambda: False) -> None:
    """The worker loop: claim and run jobs; sleep ``poll_seconds`` when idle."""
    worker = _worker_id()
    log.info("worker %s started", worker)
    while not should_stop():
        session = session_factory()
        try:
            job = claim_next(session, worker=worker)
            if job is None:
                session.close()
                time.sleep(poll_seconds)
                continue
            run_job(session, job)
        except Exception:  # noqa: BLE001 - a broken database must not kill the loop
            log.exception("worker loop error")
            session.rollback()
            time.sleep(poll_seconds)
        finally:
            session.close()


def retry_failed(session: Session, job_id: int) -> bool:
    """An admin runs a failed job again, from its first attempt; False if it is not a failed job."""
    job = session.get(Job, job_id)
    if job is None or job.status != FAILED:
        return False
    job.status, job.attempts, job.run_at = QUEUED, 0, utcnow()
    session.commit()
    return True


def failed_jobs(session: Session, limit: int = 100) -> list[Job]:
    """Jobs that gave up, newest first (for the admin view)."""
    return list(session.scalars(select(Job).where(Job.status == FAILED).order_by(Job.finished_at.desc()).limit(limit)))
