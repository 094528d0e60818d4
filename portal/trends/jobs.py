"""The periodic detection job: it runs, then queues its next run ``trend_interval_minutes`` later.

One ``dedupe_key`` for every run, so at most one waits in the queue whoever
schedules it (each worker at start, and each run for the next one).
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.jobs import JobContext, enqueue, register
from portal.jobs.models import QUEUED, Job
from portal.support.jobs import desk_languages
from portal.trends.service import detect_and_record

DETECT_TRENDS = "detect_trends"


def interval(settings) -> timedelta:
    return timedelta(minutes=max(1, settings.trend_interval_minutes))


def queue_detection(session: Session, settings) -> bool:
    """Queue the next detection run one interval from now (in the caller's transaction), unless one
    is already waiting; returns whether it queued one. Checked by a read first: a worker starting
    writes nothing when a run is already queued."""
    waiting = session.scalar(select(Job.id).where(Job.kind == DETECT_TRENDS, Job.status == QUEUED).limit(1))
    if waiting is not None:
        return False
    enqueue(session, DETECT_TRENDS, {}, dedupe_key=DETECT_TRENDS, delay=interval(settings), max_attempts=3)
    return True


@register(DETECT_TRENDS)
def detect_trends(payload: dict, job: JobContext) -> dict:
    result = detect_and_record(job.session, job.settings, job.services, desk_languages=desk_languages())
    queue_detection(job.session, job.settings)
    return result
