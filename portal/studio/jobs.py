"""Scheduled publishing through the job queue."""
from __future__ import annotations

from portal.jobs import register

PUBLISH_VERSION = "publish_version"


@register(PUBLISH_VERSION)
def publish_version(payload: dict) -> dict:
    from portal.db import db
    from portal.kb.models import ArticleVersion
    from portal.publishing import after_publish, lint_errors
    from portal.studio.workflow import SCHEDULED, publish

    version = db.session.get(ArticleVersion, payload["version_id"])
    if version is None or version.review_state != SCHEDULED:
        return {"skipped": "no longer scheduled"}
    publish(version, lint_errors(version))
    db.session.commit()
    after_publish(db.session, version.article, {version.lang})
    return {"published": version.current_revision}
