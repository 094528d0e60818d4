"""Batches: jobs started together by one bulk action, with their progress.

A batch only lists job ids; the jobs themselves stay ordinary queue entries, so a
job shared with another batch (dedupe) counts in both and nothing runs twice.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.jobs.models import DONE, FAILED, Job, JobBatch


@dataclass(frozen=True)
class BatchProgress:
    batch: JobBatch
    total: int
    done: int
    failed: int

    @property
    def finished(self) -> int:
        return self.done + self.failed

    @property
    def pending(self) -> int:
        return self.total - self.finished

    @property
    def complete(self) -> bool:
        return self.finished >= self.total

    @property
    def percent(self) -> int:
        return 100 if not self.total else round(100 * self.finished / self.total)

    def as_dict(self) -> dict:
        return {"id": self.batch.id, "total": self.total, "done": self.done, "failed": self.failed,
                "pending": self.pending, "complete": self.complete, "percent": self.percent}


def create_batch(session: Session, label: str, jobs: list[Job], created_by: str = "") -> JobBatch:
    """Record the jobs one bulk action enqueued (in the caller's transaction)."""
    batch = JobBatch(label=label[:300], created_by=created_by[:200], job_ids=sorted({job.id for job in jobs}))
    session.add(batch)
    session.flush()
    return batch


def batch_progress(session: Session, batch_id: int) -> BatchProgress | None:
    """How many of the batch's jobs are done, failed or still waiting; None if unknown."""
    batch = session.get(JobBatch, batch_id)
    if batch is None:
        return None
    counts = dict(session.execute(
        select(Job.status, func.count()).where(Job.id.in_(batch.job_ids or [-1])).group_by(Job.status)
    ).all())
    return BatchProgress(batch, len(batch.job_ids or []), counts.get(DONE, 0), counts.get(FAILED, 0))
