"""Use cases that change what customers read: import, publish, unpublish.

The knowledge-base package knows nothing of translation or search; this module
is where a change to articles fans out to them. Each use case here owns its
transaction: the services it calls only flush, and it commits once, with the
change and every follow-up job (staleness, machine translation, indexing)
together. A process that dies after that commit leaves jobs a worker will
run; one that dies before it leaves nothing half-done (ADR 0001).
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from accessibility import lint_markdown
from portal.jobs import JobContext, enqueue, register
from portal.jobs.hooks import run_hooks
from portal.kb.models import Article, ArticleVersion
from portal.kb.transfer import ImportReport, import_directory
from portal.studio.workflow import SCHEDULED, latest, publish, schedule, unpublish
from portal.translation.jobs import after_articles_changed

#: The job that publishes a version at its scheduled time.
PUBLISH_VERSION = "publish_version"


def import_knowledge_base(session: Session, directory: Path) -> tuple[ImportReport, int]:
    """Import a directory with its staleness, pre-translation and indexing jobs, in one commit.

    Returns the import report and the number of translation jobs enqueued.
    """
    report = import_directory(session, directory)
    changed = report.changed_by_slug()
    jobs = 0
    if changed:
        articles = session.scalars(
            select(Article).where(Article.slug.in_(list(changed))).options(selectinload(Article.versions))
        ).all()
        jobs = fan_out(session, {article: changed[article.slug] for article in articles})
    session.commit()
    return report, jobs


def fan_out(session: Session, changed: dict[Article, set[str]]) -> int:
    """What follows a change to these articles' languages, flushed into the caller's
    transaction: staleness and pre-translation, then whatever else listens (the
    search index). Returns the number of translation jobs enqueued."""

    jobs = after_articles_changed(session, changed)
    for article, langs in changed.items():
        for lang in sorted(langs):
            run_hooks("article_version_changed", session, article_id=article.id, lang=lang)
    session.flush()
    return jobs


def lint_errors(version) -> list:
    """Accessibility errors that block publishing this version's draft."""

    draft = latest(version)
    findings = lint_markdown(
        draft.body if draft else version.body, version.lang, draft.title if draft else version.title
    )
    return [f for f in findings if f.severity == "error"]


def publish_now(session: Session, version) -> None:
    """Make ``version``'s approved draft live, with its follow-up jobs, in one commit
    (a writer's click, or its scheduled time). Raises ``WorkflowError`` and changes
    nothing when the draft may not be published."""

    publish(version, lint_errors(version))
    fan_out(session, {version.article: {version.lang}})
    session.commit()


def schedule_publication(session: Session, version, when: datetime) -> None:
    """Publish ``version``'s approved draft at ``when`` (a job does it then), in one commit."""

    delay = schedule(version, when)
    enqueue(session, PUBLISH_VERSION, {"version_id": version.id}, delay=delay)
    session.commit()


def unpublish_now(session: Session, version) -> None:
    """Take ``version`` off the site (search index and translations follow), in one commit."""

    unpublish(version)
    fan_out(session, {version.article: {version.lang}})
    session.commit()


@register(PUBLISH_VERSION)
def publish_version(payload: dict, job: JobContext) -> dict:
    """Scheduled publishing, run by the job queue when the time comes."""

    session = job.session
    version = session.get(ArticleVersion, payload["version_id"])
    if version is None or version.review_state != SCHEDULED:
        return {"skipped": "no longer scheduled"}
    publish_now(session, version)
    return {"published": version.current_revision}
