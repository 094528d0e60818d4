"""Workflows that span packages: import or publish, then translate and index.

The knowledge-base package knows nothing of translation or search; this module
is where a change to articles fans out to them.
"""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portal.jobs import register
from portal.kb.models import Article
from portal.kb.transfer import ImportReport, import_directory

#: The job that publishes a version at its scheduled time.
PUBLISH_VERSION = "publish_version"


def import_knowledge_base(session: Session, directory: Path) -> tuple[ImportReport, int]:
    """Import a directory, then update staleness and enqueue pre-translation.

    Returns the import report and the number of translation jobs enqueued.
    """
    from portal.jobs.hooks import run_hooks
    from portal.translation.jobs import after_articles_changed

    report = import_directory(session, directory)
    changed = report.changed_by_slug()
    if not changed:
        return report, 0
    articles = session.scalars(
        select(Article).where(Article.slug.in_(list(changed))).options(selectinload(Article.versions))
    ).all()
    jobs = after_articles_changed(session, {article: changed[article.slug] for article in articles})
    for article in articles:
        for lang in changed[article.slug]:
            run_hooks("article_version_changed", session, article_id=article.id, lang=lang)
    session.commit()
    return report, jobs


def after_publish(session: Session, article: Article, langs: set[str]) -> int:
    """A writer published or unpublished versions: staleness, translation, index."""
    from portal.jobs.hooks import run_hooks
    from portal.translation.jobs import after_articles_changed

    jobs = after_articles_changed(session, {article: langs})
    for lang in langs:
        run_hooks("article_version_changed", session, article_id=article.id, lang=lang)
    session.commit()
    return jobs


def lint_errors(version) -> list:
    """Accessibility errors that block publishing this version's draft."""
    from accessibility import lint_markdown
    from portal.studio.workflow import latest

    draft = latest(version)
    findings = lint_markdown(
        draft.body if draft else version.body, version.lang, draft.title if draft else version.title
    )
    return [f for f in findings if f.severity == "error"]


def publish_now(session: Session, version) -> None:
    """Make ``version``'s approved draft live and fan out (a writer's click, or its scheduled time)."""
    from portal.studio.workflow import publish

    publish(version, lint_errors(version))
    session.commit()
    after_publish(session, version.article, {version.lang})


@register(PUBLISH_VERSION)
def publish_version(payload: dict) -> dict:
    """Scheduled publishing, run by the job queue when the time comes."""
    from portal.db import db
    from portal.kb.models import ArticleVersion
    from portal.studio.workflow import SCHEDULED

    session = db.session()  # the job's Session itself, not the scoped proxy
    version = session.get(ArticleVersion, payload["version_id"])
    if version is None or version.review_state != SCHEDULED:
        return {"skipped": "no longer scheduled"}
    publish_now(session, version)
    return {"published": version.current_revision}
