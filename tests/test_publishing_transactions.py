"""Publishing is one transaction: the change and every job it causes commit together, or nothing does."""
from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import select

from portal.config import PROJECT_ROOT
from portal.db import db
from portal.jobs import run_pending
from portal.jobs.hooks import add_hook, remove_hook
from portal.jobs.models import Job
from portal.kb.models import STATUS_PUBLISHED, Article
from portal.publishing import import_knowledge_base, publish_now, unpublish_now
from portal.search import SearchQuery, search_service
from portal.search.jobs import INDEX_ARTICLE
from portal.studio import workflow
from tests.conftest import Commits, write_article

BODY = "Ask the billing team for a quarterly invoice instead of paying by card.\n"


@pytest.fixture
def app(make_app):
    return make_app(embeddings="none")


def _approved_draft(slug: str = "quarterly-invoices"):
    version = workflow.create_article(db.session, slug=slug, lang="en", title="Quarterly invoices",
                                      summary="Pay by invoice.", body=BODY, author="writer@example.org")
    workflow.submit(version)
    workflow.review(version, "reviewer@example.org", is_admin=False, approve=True)
    db.session.commit()
    return version


def _jobs(kind: str) -> list[Job]:
    return list(db.session.scalars(select(Job).where(Job.kind == kind)))


def _found(app, text: str) -> list[str]:
    with app.app_context():
        return [r.slug for r in search_service().search(SearchQuery(text, "en", None, 1)).results]


def test_a_publish_is_one_commit_with_its_follow_up_jobs(app):
    with app.app_context():
        version = _approved_draft()
        with Commits() as commits:
            publish_now(db.session(), version)
        assert commits.count == 1
        db.session.close()  # read back what was committed, not what this session remembers
        article = db.session.scalar(select(Article).where(Article.slug == "quarterly-invoices"))
        assert article.source.status == STATUS_PUBLISHED
        assert [job.payload["article_id"] for job in _jobs(INDEX_ARTICLE)] == [article.id]
        with Commits() as commits:
            unpublish_now(db.session(), article.source)
        assert commits.count == 1 and article.source.status != STATUS_PUBLISHED


def test_an_import_is_one_commit_with_its_follow_up_jobs(app, tmp_path):
    write_article(tmp_path / "kb", "quarterly-invoices", "en", "Quarterly invoices", BODY, category="billing")
    with app.app_context(), Commits() as commits:
        report, _ = import_knowledge_base(db.session, tmp_path / "kb")
        assert report.created == ["quarterly-invoices/en"] and len(_jobs(INDEX_ARTICLE)) == 1
    assert commits.count == 1


def test_a_failure_while_fanning_out_publishes_nothing(app):
    def broken_listener(session, **change):
        raise RuntimeError("the index job could not be queued")

    with app.app_context():
        version = _approved_draft()
        add_hook("article_version_changed", broken_listener)
        try:
            with pytest.raises(RuntimeError):
                publish_now(db.session(), version)
        finally:
            remove_hook("article_version_changed", broken_listener)
        db.session.rollback()
        article = db.session.scalar(select(Article).where(Article.slug == "quarterly-invoices"))
        assert article.source.status != STATUS_PUBLISHED and _jobs(INDEX_ARTICLE) == []
    assert _found(app, "quarterly invoice") == []


def test_a_process_killed_right_after_publishing_leaves_work_that_a_worker_finishes(app):
    """Publish in another process that is killed (SIGKILL) the moment its commit returns:
    the article is published, and the jobs it needs are there for the next worker."""
    with app.app_context():
        version_id = _approved_draft().id
    settings = app.config["SETTINGS"]
    script = textwrap.dedent(f"""
        import os, signal
        from portal import create_app
        from portal.db import db
        from portal.kb.models import ArticleVersion
        from portal.publishing import publish_now
        app = create_app({{"data_dir": {str(settings.data_dir)!r},
                           "search_index_dir": {str(settings.search_index_dir)!r},
                           "embeddings": "none", "testing": True}})
        with app.app_context():
            publish_now(db.session(), db.session.get(ArticleVersion, {version_id}))
            os.kill(os.getpid(), signal.SIGKILL)  # before anything else could run
    """)
    killed = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, timeout=120)
    assert killed.returncode == -signal.SIGKILL
    assert _found(app, "quarterly invoice") == []  # nothing indexed yet: no worker ran
    with app.app_context():
        assert run_pending(db.session) >= 1  # the next worker finds the jobs
    assert _found(app, "quarterly invoice") == ["quarterly-invoices"]


def test_the_writer_use_cases_commit_once_and_a_topic_change_reindexes_with_it(app, tmp_path):
    from datetime import timedelta

    from portal.db import utcnow
    from portal.kb.models import Category
    from portal.publishing import PUBLISH_VERSION, schedule_publication
    from portal.studio import actions

    write_article(tmp_path / "kb", "quarterly-invoices", "en", "Quarterly invoices", BODY, category="billing")
    write_article(tmp_path / "kb", "other", "en", "Other", "Text.\n", category="account")
    with app.app_context():
        import_knowledge_base(db.session, tmp_path / "kb")
        run_pending(db.session)
        source = db.session.scalar(select(Article).where(Article.slug == "quarterly-invoices")).source
        with Commits() as commits:
            actions.save_draft(db.session, source, title="Quarterly invoices", summary="", body=BODY + "\nMore.\n",
                               author="writer@example.org", base_revision=source.current_revision,
                               category_slug="account", tags="Billing, invoices, billing")
        assert commits.count == 1
        article = source.article
        assert article.category.slug == "account" and article.tags == ["Billing", "invoices"]
        assert [job.payload["article_id"] for job in _jobs(INDEX_ARTICLE) if job.status == "queued"] == [article.id]
        # A topic that does not exist: refused, and the draft saved with it is not kept either.
        draft = workflow.working_copy(source)["revision"]
        with pytest.raises(workflow.WorkflowError) as refused:
            actions.save_draft(db.session, source, title="Quarterly invoices", summary="", body="Changed.\n",
                               author="writer@example.org", base_revision=draft, category_slug="nope")
        assert refused.value.code == "unknown_category"
        db.session.rollback()
        assert workflow.working_copy(source)["revision"] == draft and article.category.slug == "account"
        assert db.session.scalar(select(Category).where(Category.slug == "nope")) is None
        # Submit, review and schedule: one commit each, the schedule with its job.
        with Commits() as commits:
            actions.submit(db.session, source)
            actions.review(db.session, source, "reviewer@example.org", is_admin=False, approve=True)
            schedule_publication(db.session(), source, utcnow() + timedelta(hours=2))
        assert commits.count == 3
        assert [job.payload for job in _jobs(PUBLISH_VERSION)] == [{"version_id": source.id}]
