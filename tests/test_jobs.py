"""The database-backed job queue: persistence, retries with backoff, leases, no double runs."""
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.cli import main
from portal.db import db, utcnow
from portal.jobs import claim_next, enqueue, failed_jobs, register, run_pending
from portal.jobs.models import DONE, FAILED, QUEUED, RUNNING, Job

calls: list[dict] = []


@pytest.fixture
def app(make_any_app):
    """Every queue test runs on SQLite and on PostgreSQL (their claims differ)."""
    return make_any_app()


@register("test_echo")
def _echo(payload, job):
    calls.append(payload)
    return {"echo": payload["n"]}


@register("test_flaky")
def _flaky(payload, job):
    raise RuntimeError("remote end said no")


def test_jobs_run_once_and_record_results(session):
    calls.clear()
    enqueue(session, "test_echo", {"n": 1})
    enqueue(session, "test_echo", {"n": 2})
    session.commit()
    assert run_pending(session) == 2
    assert [c["n"] for c in calls] == [1, 2]
    jobs = session.scalars(select(Job).order_by(Job.id)).all()
    assert [(j.status, j.result) for j in jobs] == [(DONE, {"echo": 1}), (DONE, {"echo": 2})]
    assert run_pending(session) == 0


def test_dedupe_key_reuses_a_waiting_job(session):
    first = enqueue(session, "test_echo", {"n": 1}, dedupe_key="k")
    second = enqueue(session, "test_echo", {"n": 9}, dedupe_key="k")
    assert first.id == second.id and second.payload == {"n": 9}


def test_failures_are_retried_with_backoff_then_marked_failed(session):
    job = enqueue(session, "test_flaky", {}, max_attempts=3)
    session.commit()
    assert run_pending(session) == 1  # the retry is not due yet
    session.refresh(job)
    assert job.status == QUEUED and job.attempts == 1 and "remote end said no" in job.last_error
    first_delay = job.run_at.replace(tzinfo=None) - utcnow().replace(tzinfo=None)
    assert timedelta(seconds=3) < first_delay <= timedelta(seconds=5)
    for expected_attempt in (2, 3):
        job.run_at = utcnow() - timedelta(seconds=1)
        session.commit()
        run_pending(session)
        session.refresh(job)
        assert job.attempts == expected_attempt
    assert job.status == FAILED
    assert [j.id for j in failed_jobs(session)] == [job.id]


def test_unknown_kind_is_an_error_not_a_crash(session):
    job = enqueue(session, "no_such_kind", {}, max_attempts=1)
    session.commit()
    run_pending(session)
    session.refresh(job)
    assert job.status == FAILED and "no handler" in job.last_error


def test_a_job_of_a_dead_worker_is_reclaimed_after_its_lease(session):
    calls.clear()
    job = enqueue(session, "test_echo", {"n": 7})
    session.commit()
    claimed = claim_next(session, worker="dead-worker")
    assert claimed.id == job.id and claimed.status == RUNNING
    assert claim_next(session) is None  # locked, lease not expired
    claimed.locked_at = utcnow() - timedelta(hours=1)
    session.commit()
    assert run_pending(session) == 1 and calls == [{"n": 7}]


def test_concurrent_workers_never_run_a_job_twice(app):
    calls.clear()
    with app.app_context():
        for n in range(40):
            enqueue(db.session, "test_echo", {"n": n})
        db.session.commit()

    errors = []

    def worker():
        try:
            with app.app_context():
                run_pending(db.session)
                db.session.remove()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(c["n"] for c in calls) == list(range(40))


def test_failed_jobs_are_visible_to_admins_and_can_be_retried(app):
    import re

    from portal.accounts import create_user

    with app.app_context():
        job = enqueue(db.session, "test_flaky", {}, max_attempts=1)
        db.session.commit()
        run_pending(db.session)
        create_user(db.session, "root@example.org", "Root", "a long admin password", ["admin"], "en")
        create_user(db.session, "agent@example.org", "Agent", "a long agent password", ["agent"], "en")
        db.session.commit()
        job_id = job.id
    result = app.test_cli_runner().invoke(main, args=["jobs", "failed"])
    assert f"#{job_id} test_flaky after 1 attempts: RuntimeError: remote end said no" in result.output

    def sign_in(email, password):
        client = app.test_client()
        page = client.get("/desk/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        client.post("/desk/login", data={"csrf_token": token, "email": email, "password": password})
        return client, token

    agent, _ = sign_in("agent@example.org", "a long agent password")
    assert agent.get("/desk/jobs").status_code == 403
    admin, _ = sign_in("root@example.org", "a long admin password")
    page = admin.get("/desk/jobs").get_data(as_text=True)
    assert "remote end said no" in page and "test_flaky" in page
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    assert admin.post(f"/desk/jobs/{job_id}/retry", data={"csrf_token": token}).status_code == 303
    with app.app_context():
        assert db.session.get(Job, job_id).status == QUEUED


@register("test_writes_then_decides")
def _writes_then_decides(payload, job):
    from portal.kb.models import Category

    assert job.settings.languages and job.services.render_cache is not None  # the context, not globals
    job.session.add(Category(slug=payload["slug"], names={"en": payload["slug"]}))
    enqueue(job.session, "test_echo", {"n": payload["slug"]})  # a follow-up job, in the same transaction
    if payload.get("fail"):
        raise RuntimeError("decided against it")
    return {"made": payload["slug"]}


def test_a_handlers_changes_and_follow_up_jobs_commit_with_the_job_or_not_at_all(session):
    from portal.kb.models import Category

    enqueue(session, "test_writes_then_decides", {"slug": "kept"})
    enqueue(session, "test_writes_then_decides", {"slug": "dropped", "fail": True}, max_attempts=1)
    session.commit()
    run_pending(session, kinds={"test_writes_then_decides"})
    session.expire_all()
    assert {c.slug for c in session.scalars(select(Category))} == {"kept"}
    follow_ups = [job.payload for job in session.scalars(select(Job).where(Job.kind == "test_echo"))]
    assert follow_ups == [{"n": "kept"}]  # the failed handler's follow-up job was rolled back with it
    statuses = {job.payload["slug"]: job.status for job in
                session.scalars(select(Job).where(Job.kind == "test_writes_then_decides"))}
    assert statuses == {"kept": DONE, "dropped": FAILED}


def test_a_claim_skips_a_job_another_worker_is_claiming_instead_of_waiting(app):
    from sqlalchemy import text

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite has no row locks: one writer at a time, the conditional UPDATE decides")
        first, second = enqueue(db.session, "test_echo", {"n": 1}), enqueue(db.session, "test_echo", {"n": 2})
        db.session.commit()
        first_id, second_id = first.id, second.id
        with db.engine.connect() as other:  # another worker in the middle of claiming the first job
            other.execute(text("SELECT id FROM job WHERE id = :id FOR UPDATE"), {"id": first_id})
            # A claim that waited for that lock would fail here instead of hanging the test.
            db.session.execute(text("SET lock_timeout = '3s'"))
            claimed = claim_next(db.session, worker="second-worker")
            assert claimed is not None and claimed.id == second_id and claimed.locked_by == "second-worker"
            other.rollback()
        assert claim_next(db.session, worker="third-worker").id == first_id
        assert claim_next(db.session, worker="fourth-worker") is None


def test_a_worker_whose_lease_ran_out_does_not_finish_a_job_another_worker_took_over(app):
    from sqlalchemy.orm import Session

    from portal.jobs import run_job
    from portal.kb.models import Category

    with app.app_context():
        job_id = enqueue(db.session, "test_writes_then_decides", {"slug": "once"}).id
        db.session.commit()
        slow = claim_next(db.session, worker="slow-worker")
        with Session(db.engine) as other:  # the slow worker's lease runs out: another takes the job
            assert claim_next(other, worker="other-worker", lease_for=timedelta(0)).id == job_id
        assert run_job(db.session, slow) is False
        db.session.expire_all()
        assert db.session.scalars(select(Category).where(Category.slug == "once")).all() == []
        job = db.session.get(Job, job_id)
        assert (job.status, job.locked_by, job.attempts) == (RUNNING, "other-worker", 2)
