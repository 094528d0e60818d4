"""Drafts, concurrent-edit detection, review, publishing (now or scheduled), history."""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.orm import Session

from portal.db import utcnow
from portal.kb.files import SLUG_PATTERN
from portal.kb.models import (
    KIND_HUMAN,
    KIND_MACHINE_REVIEWED,
    KIND_SOURCE,
    STATUS_DRAFT,
    STATUS_PUBLISHED,
    Article,
    ArticleVersion,
    Revision,
)
from portal.kb.service import content_hash, get_article
from portal.studio.segment_states import REVIEWED, Alignment


class ReviewState(StrEnum):
    """Where a version's latest draft is in review (stored as its value)."""

    DRAFT = "draft"
    IN_REVIEW = "in_review"
    CHANGES = "changes_requested"
    APPROVED = "approved"
    SCHEDULED = "scheduled"  # approved, and a job publishes it at its time


DRAFT, IN_REVIEW, CHANGES, APPROVED, SCHEDULED = ReviewState


class WorkflowError(ValueError):
    """A step that is not allowed now; ``code`` says which."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(detail or code)
        self.code = code


class EditConflict(WorkflowError):
    """The edit was based on an old revision: someone saved in between."""

    def __init__(self, latest: Revision, base: Revision | None):
        super().__init__("edit_conflict", f"revision {latest.number} was saved after yours was opened")
        self.latest, self.base = latest, base


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "added" | "removed" | "same"
    text: str


def latest(version: ArticleVersion) -> Revision | None:
    return version.revisions[-1] if version.revisions else None


def has_draft(version: ArticleVersion) -> bool:
    last = latest(version)
    return last is not None and last.number > (version.current_revision if version.status == STATUS_PUBLISHED else 0)


def working_copy(version: ArticleVersion) -> dict:
    last = latest(version)
    source = last or version
    return {"title": source.title, "summary": source.summary, "body": source.body,
            "revision": last.number if last else 0}


def save_draft(version: ArticleVersion, *, title: str, summary: str, body: str, author: str,
               base_revision: int, note: str = "") -> Revision:
    """Save a new revision of the draft; refuse an edit based on an old revision."""
    title = (title or "").strip()
    if not title:
        raise WorkflowError("title_required")
    last = latest(version)
    if last is not None and base_revision != last.number:
        base = next((r for r in version.revisions if r.number == base_revision), None)
        raise EditConflict(last, base)
    revision = Revision(number=(last.number if last else 0) + 1, title=title[:300], summary=(summary or "").strip(),
                        body=body or "", author=author, note=note[:300])
    version.revisions.append(revision)
    if version.status != STATUS_PUBLISHED:
        version.title, version.summary, version.body = revision.title, revision.summary, revision.body
    version.review_state, version.review_note = DRAFT, ""
    version.segment_states = None  # set again by the side-by-side editor when it saved this
    return revision


def create_article(session: Session, *, slug: str, lang: str, title: str, summary: str, body: str,
                   author: str, category=None, tags: list[str] | None = None) -> ArticleVersion:
    if not SLUG_PATTERN.match(slug or ""):
        raise WorkflowError("slug_invalid")
    if get_article(session, slug) is not None:
        raise WorkflowError("slug_taken")
    article = Article(slug=slug, source_lang=lang, category=category, tags=tags or [])
    version = ArticleVersion(lang=lang, kind=KIND_SOURCE, status=STATUS_DRAFT, title=title or slug, summary="",
                             body="", current_revision=0, produced_by=author)
    article.versions.append(version)
    # Checked before the article joins the session: a refused creation leaves nothing to flush.
    save_draft(version, title=title, summary=summary, body=body, author=author, base_revision=0, note="created")
    session.add(article)
    return version


def submit(version: ArticleVersion) -> None:
    if not has_draft(version):
        raise WorkflowError("nothing_to_review")
    version.review_state = IN_REVIEW


def review(version: ArticleVersion, reviewer_email: str, is_admin: bool, approve: bool, note: str = "") -> None:
    """Approve or request changes; a writer may not approve their own revision."""
    if version.review_state != IN_REVIEW:
        raise WorkflowError("not_in_review")
    if approve and latest(version).author == reviewer_email and not is_admin:
        raise WorkflowError("own_revision")
    version.review_state = APPROVED if approve else CHANGES
    version.review_note = (note or "")[:1000]


def publish(version: ArticleVersion, lint_errors: list) -> Revision:
    """Make the approved draft live. Accessibility errors block publishing."""
    if version.review_state not in (APPROVED, SCHEDULED):
        raise WorkflowError("not_approved")
    if lint_errors:
        raise WorkflowError("lint_errors")
    aligned = Alignment.of(version) if version.lang != version.article.source_lang else None
    if aligned is not None:
        if aligned.unresolved:
            raise WorkflowError("unreviewed_segments")
        if not aligned.is_current(version.article.source):
            raise WorkflowError("source_changed")
    last = latest(version)
    version.title, version.summary, version.body = last.title, last.summary, last.body
    version.status = STATUS_PUBLISHED
    version.current_revision = last.number
    if version.lang == version.article.source_lang:
        version.kind = KIND_SOURCE
    elif aligned is not None and REVIEWED in aligned.states:
        engine = version.produced_by if "/" in (version.produced_by or "") else ""
        version.kind = KIND_MACHINE_REVIEWED
        version.produced_by = " · ".join(part for part in (engine, last.author) if part)[:200]
    else:
        version.kind = KIND_HUMAN
        version.produced_by = (last.author or version.produced_by)[:200]
    version.content_hash = content_hash(title=last.title, summary=last.summary, body=last.body,
                                        status=STATUS_PUBLISHED, extra=version.extra or {}, kind=version.kind)
    version.review_state, version.review_note = "", ""
    version.updated_at = utcnow()
    return last


#: Furthest ahead a publication can be scheduled.
MAX_SCHEDULE_AHEAD = timedelta(days=366)


def schedule(version: ArticleVersion, when: datetime) -> timedelta:
    if version.review_state != APPROVED:
        raise WorkflowError("not_approved")
    delay = when - utcnow()
    if delay < timedelta(0):
        raise WorkflowError("schedule_in_past")
    if delay > MAX_SCHEDULE_AHEAD:
        raise WorkflowError("schedule_too_far")
    version.review_state = SCHEDULED
    return delay


def unpublish(version: ArticleVersion) -> None:
    if version.status != STATUS_PUBLISHED:
        raise WorkflowError("not_published")
    version.status = STATUS_DRAFT


def restore(version: ArticleVersion, number: int, author: str) -> Revision:
    """A new draft revision with the content of revision ``number`` (history is kept)."""
    old = next((r for r in version.revisions if r.number == number), None)
    if old is None:
        raise WorkflowError("no_such_revision")
    return save_draft(version, title=old.title, summary=old.summary, body=old.body, author=author,
                      base_revision=latest(version).number, note=f"restored revision {number}")


def diff(old: str, new: str) -> list[DiffLine]:
    """Line diff, readable without colour: each line says added, removed or unchanged."""
    lines = []
    for line in difflib.ndiff((old or "").splitlines(), (new or "").splitlines()):
        code, text = line[:2], line[2:]
        if code == "+ ":
            lines.append(DiffLine("added", text))
        elif code == "- ":
            lines.append(DiffLine("removed", text))
        elif code == "  ":
            lines.append(DiffLine("same", text))
    return lines
