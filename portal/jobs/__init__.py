"""Embedded, database-backed job queue and the worker loop.

Public interface: :func:`enqueue`, :func:`register` (a handler per job kind, called
with the payload and a :class:`JobContext`),
:func:`run_pending` (drain the queue once, used by tests and the CLI) and
:func:`work_forever` (the worker process). Jobs live in the ``job`` table, so
none is lost when a process dies: a job locked by a dead worker is reclaimed after
its lease (the ``job_lease_seconds`` setting). Failures are retried with exponential backoff; after ``max_attempts``
the job is ``failed`` and its error is shown to admins.
"""
from portal.jobs.queue import (
    LEASE,
    JobContext,
    claim_next,
    enqueue,
    failed_jobs,
    register,
    retry_failed,
    run_job,
    run_pending,
    work_forever,
)

__all__ = ["LEASE", "JobContext", "claim_next", "enqueue", "failed_jobs", "register", "retry_failed", "run_job",
           "run_pending", "work_forever"]
