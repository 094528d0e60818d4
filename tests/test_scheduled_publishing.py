"""Scheduled publishing: the job publishes an approved version when its time comes, and only then."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from portal.db import db, utcnow
from portal.jobs import enqueue, run_pending
from portal.jobs.models import Job
from portal.kb.models import STATUS_PUBLISHED
from portal.publishing import PUBLISH_VERSION
from portal.studio import workflow


def _approved_draft(slug: str):
    version = workflow.create_article(db.session, slug=slug, lang="en", title="Pay by invoice",
                                      summary="Invoices instead of cards.", body="Ask for an invoice.\n",
                                      author="writer@example.org")
    workflow.submit(version)
    workflow.review(version, "reviewer@example.org", is_admin=False, approve=True)
    db.session.flush()  # the version has its id, as when a writer schedules an existing draft
    return version


def _scheduled(slug: str):
    version = _approved_draft(slug)
    delay = workflow.schedule(version, utcnow() + timedelta(hours=1))
    enqueue(db.session, PUBLISH_VERSION, {"version_id": version.id}, delay=delay)
    db.session.commit()
    return version


def _time_comes() -> None:
    db.session.execute(update(Job).where(Job.kind == PUBLISH_VERSION).values(run_at=utcnow()))
    db.session.commit()


def test_a_scheduled_version_is_published_by_the_job_when_its_time_comes(app):
    with app.app_context():
        version = _scheduled("pay-by-invoice")
        assert run_pending(db.session, {PUBLISH_VERSION}) == 0  # not due yet
        assert version.status != STATUS_PUBLISHED and version.review_state == workflow.SCHEDULED
        _time_comes()
        assert run_pending(db.session, {PUBLISH_VERSION}) == 1
        db.session.refresh(version)
        assert version.status == STATUS_PUBLISHED and version.current_revision == 1
        job = db.session.scalar(select(Job).where(Job.kind == PUBLISH_VERSION))
        assert job.result == {"published": 1}
        # Publishing fans out in the same way as publishing by hand: the article gets indexed.
        assert db.session.scalar(select(Job).where(Job.kind != PUBLISH_VERSION)) is not None


def test_a_version_taken_off_the_schedule_is_not_published(app):
    with app.app_context():
        version = _scheduled("pay-by-invoice")
        version.review_state = workflow.CHANGES  # a reviewer asked for changes meanwhile
        db.session.commit()
        _time_comes()
        assert run_pending(db.session, {PUBLISH_VERSION}) == 1
        db.session.refresh(version)
        assert version.status != STATUS_PUBLISHED
        job = db.session.scalar(select(Job).where(Job.kind == PUBLISH_VERSION))
        assert job.result == {"skipped": "no longer scheduled"}


def test_scheduling_refuses_the_past_the_far_future_and_an_unapproved_version(app):
    with app.app_context():
        version = _approved_draft("pay-by-invoice")
        for when, code in ((utcnow() - timedelta(minutes=1), "schedule_in_past"),
                           (utcnow() + timedelta(days=400), "schedule_too_far")):
            with pytest.raises(workflow.WorkflowError) as refused:
                workflow.schedule(version, when)
            assert refused.value.code == code
        version.review_state = workflow.CHANGES
        with pytest.raises(workflow.WorkflowError) as refused:
            workflow.schedule(version, utcnow() + timedelta(hours=1))
        assert refused.value.code == "not_approved" and version.review_state == workflow.CHANGES
