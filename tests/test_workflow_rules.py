"""The writer workflow's rules, called directly (portal/studio/workflow.py): every refusal code and the happy paths.

Small factories build articles and versions through the workflow's own functions on a
real migrated SQLite database; nothing goes through HTTP. Each refusal test also checks
that the refused step changed nothing.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.db import db, utcnow
from portal.kb.models import (
    KIND_HUMAN,
    KIND_MACHINE,
    KIND_MACHINE_REVIEWED,
    KIND_SOURCE,
    STATUS_DRAFT,
    STATUS_PUBLISHED,
    Article,
    ArticleVersion,
    Revision,
)
from portal.kb.service import content_hash, save_version
from portal.publishing import lint_errors
from portal.studio import workflow
from portal.studio.segments import save_segments
from portal.translation import memory
from portal.translation.freshness import record_made_from, segment_hashes

WRITER, REVIEWER, ADMIN, TRANSLATOR = ("wanda@example.org", "walt@example.org", "ada@example.org",
                                       "tomas@example.org")
TITLE, SUMMARY = "Reset your password", "Choose a new one."
BODY = "## Before you start\n\nYou need your email address.\n\nOpen the settings page to begin.\n"
#: Every code workflow.py refuses a step with.
WORKFLOW_CODES = frozenset({"title_required", "edit_conflict", "slug_invalid", "slug_taken", "nothing_to_review",
                            "not_in_review", "own_revision", "not_approved", "lint_errors", "unreviewed_segments",
                            "source_changed", "schedule_in_past", "schedule_too_far", "not_published",
                            "no_such_revision"})
# Spanish for every source segment of TITLE / SUMMARY / BODY.
SPANISH = {TITLE: "Restablecer la contraseña", SUMMARY: "Elija una nueva.", "Before you start": "Antes de empezar",
           "You need your email address.": "Necesita su dirección de correo.",
           "Open the settings page to begin.": "Abra la página de ajustes para empezar."}


@pytest.fixture
def ctx(make_app):
    """An app context on a fresh migrated database (no embeddings, no translation engines)."""
    app = make_app(embeddings="none", languages=("en", "es"), translation_engines=())
    with app.app_context():
        yield db.session
        db.session.rollback()


# --- factories ------------------------------------------------------------------------------------------------


def new_article(slug: str = "reset-password", *, author: str = WRITER, body: str = BODY) -> ArticleVersion:
    """A new article's source version with its first draft revision (not yet reviewed)."""
    return workflow.create_article(db.session, slug=slug, lang="en", title=TITLE, summary=SUMMARY, body=body,
                                   author=author)


def approve(version: ArticleVersion, reviewer: str = REVIEWER) -> ArticleVersion:
    workflow.submit(version)
    workflow.review(version, reviewer, is_admin=False, approve=True)
    return version


def published(slug: str = "reset-password") -> ArticleVersion:
    version = approve(new_article(slug))
    workflow.publish(version, [])
    db.session.flush()
    return version


def edit(version: ArticleVersion, *, body: str, author: str = WRITER, title: str | None = None) -> Revision:
    """A new draft revision on top of the latest one."""
    last = workflow.latest(version)
    return workflow.save_draft(version, title=title or last.title, summary=last.summary, body=body, author=author,
                               base_revision=last.number)


def side_by_side_translation(source: ArticleVersion, texts: dict[str, str], reviewed: bool = False) -> ArticleVersion:
    """A Spanish draft saved through the side-by-side editor: ``texts`` maps source segment text -> translation."""
    from portal.translation.segmenter import block_hash

    article = source.article
    existing = article.version("es")
    base = workflow.latest(existing).number if existing is not None and existing.revisions else 0
    submitted = {block_hash(src): (text, reviewed) for src, text in texts.items()}
    save_segments(db.session, article, "es", submitted, author=TRANSLATOR, base_revision=base)
    db.session.flush()
    return article.version("es")


def snapshot(version: ArticleVersion) -> tuple:
    """Everything a refused step must leave as it was."""
    return (version.status, version.review_state, version.review_note, version.current_revision, version.kind,
            version.title, version.summary, version.body, version.produced_by, version.content_hash,
            [(r.number, r.title, r.body, r.author) for r in version.revisions], version.segment_states)


def refused(code: str, step, version: ArticleVersion | None = None) -> workflow.WorkflowError:
    """Run ``step``; it must raise WorkflowError ``code`` and leave ``version`` unchanged."""
    before = snapshot(version) if version is not None else None
    with pytest.raises(workflow.WorkflowError) as caught:
        step()
    assert caught.value.code == code
    if version is not None:
        assert snapshot(version) == before
    return caught.value


# --- happy paths ----------------------------------------------------------------------------------------------


def test_create_submit_approve_publish(ctx):
    version = new_article()
    assert (version.status, version.kind, version.review_state, version.current_revision) == (
        STATUS_DRAFT, KIND_SOURCE, workflow.DRAFT, 0)
    assert [(r.number, r.author, r.note) for r in version.revisions] == [(1, WRITER, "created")]
    assert workflow.has_draft(version)
    assert workflow.working_copy(version) == {"title": TITLE, "summary": SUMMARY, "body": BODY, "revision": 1}

    workflow.submit(version)
    assert version.review_state == workflow.IN_REVIEW
    workflow.review(version, REVIEWER, is_admin=False, approve=True, note="Clear.")
    assert (version.review_state, version.review_note) == (workflow.APPROVED, "Clear.")

    live = workflow.publish(version, [])
    assert live is version.revisions[-1]
    assert (version.status, version.current_revision, version.kind) == (STATUS_PUBLISHED, 1, KIND_SOURCE)
    assert (version.title, version.summary, version.body) == (TITLE, SUMMARY, BODY)
    assert (version.review_state, version.review_note) == ("", "")
    assert version.content_hash == content_hash(title=TITLE, summary=SUMMARY, body=BODY, status=STATUS_PUBLISHED,
                                                extra={}, kind=KIND_SOURCE)
    assert not workflow.has_draft(version)
    db.session.flush()
    stored = db.session.scalar(select(Article).where(Article.slug == "reset-password"))
    assert stored.source is version and stored.tags == []


def test_a_draft_of_a_published_version_stays_off_the_site_until_it_is_published(ctx):
    version = published()
    edit(version, body="Open the settings page.\n", title="Change your password")
    # The live fields are untouched; the working copy is the draft.
    assert (version.title, version.body, version.current_revision) == (TITLE, BODY, 1)
    assert workflow.has_draft(version) and version.review_state == workflow.DRAFT
    assert workflow.working_copy(version) == {"title": "Change your password", "summary": SUMMARY,
                                              "body": "Open the settings page.\n", "revision": 2}
    approve(version)
    workflow.publish(version, [])
    assert (version.title, version.body, version.current_revision) == ("Change your password",
                                                                       "Open the settings page.\n", 2)


def test_a_draft_of_an_unpublished_version_is_its_content_at_once(ctx):
    version = new_article()
    edit(version, body="Second draft.\n", title="Another title")
    assert (version.title, version.body, version.status) == ("Another title", "Second draft.\n", STATUS_DRAFT)


def test_changes_requested_with_a_note_then_a_new_draft_clears_it(ctx):
    version = new_article()
    workflow.submit(version)
    workflow.review(version, REVIEWER, is_admin=False, approve=False, note="Say where the settings page is.")
    assert (version.review_state, version.review_note) == (workflow.CHANGES, "Say where the settings page is.")
    assert version.status == STATUS_DRAFT
    refused("not_approved", lambda: workflow.publish(version, []), version)

    edit(version, body="Open Settings from the menu.\n")
    assert (version.review_state, version.review_note) == (workflow.DRAFT, "")
    approve(version)
    assert workflow.publish(version, []).number == 2


def test_a_review_note_is_cut_to_1000_characters(ctx):
    version = new_article()
    workflow.submit(version)
    workflow.review(version, REVIEWER, is_admin=False, approve=False, note="x" * 1500)
    assert version.review_note == "x" * 1000


def test_the_author_may_request_changes_on_their_own_revision_and_an_admin_may_approve_it(ctx):
    version = new_article(author=ADMIN)
    workflow.submit(version)
    workflow.review(version, ADMIN, is_admin=False, approve=False)
    assert version.review_state == workflow.CHANGES
    edit(version, body="Better.\n", author=ADMIN)
    workflow.submit(version)
    workflow.review(version, ADMIN, is_admin=True, approve=True)
    assert version.review_state == workflow.APPROVED


def test_unpublish_takes_it_off_and_it_can_go_through_review_again(ctx):
    version = published()
    workflow.unpublish(version)
    assert (version.status, version.current_revision) == (STATUS_DRAFT, 1)
    # Unpublished, its last revision is a draft again: it goes live only through review.
    assert workflow.has_draft(version)
    refused("not_approved", lambda: workflow.publish(version, []), version)
    approve(version)
    workflow.publish(version, [])
    assert (version.status, version.current_revision) == (STATUS_PUBLISHED, 1)


def test_restore_makes_a_new_draft_with_the_old_content_and_keeps_history(ctx):
    version = published()
    edit(version, body="Second.\n")
    approve(version)
    workflow.publish(version, [])
    restored = workflow.restore(version, 1, REVIEWER)
    assert (restored.number, restored.body, restored.title, restored.author, restored.note) == (
        3, BODY, TITLE, REVIEWER, "restored revision 1")
    assert [r.number for r in version.revisions] == [1, 2, 3]
    assert [r.body for r in version.revisions[:2]] == [BODY, "Second.\n"]
    # The restored content is a draft: the live version is still revision 2 until it is reviewed.
    assert (version.current_revision, version.body, version.review_state) == (2, "Second.\n", workflow.DRAFT)
    # Whoever restores is the restored revision's author: Walt may not approve it, Wanda may.
    workflow.submit(version)
    refused("own_revision", lambda: workflow.review(version, REVIEWER, False, True), version)
    workflow.review(version, WRITER, False, True)
    workflow.publish(version, [])
    assert (version.current_revision, version.body) == (3, BODY)


def test_restore_ignores_a_pending_draft_and_stacks_on_top_of_it(ctx):
    version = new_article()
    edit(version, body="Draft two.\n")
    restored = workflow.restore(version, 1, WRITER)
    assert restored.number == 3 and version.body == BODY


def test_schedule_then_publish_from_scheduled(ctx):
    version = approve(new_article())
    delay = workflow.schedule(version, utcnow() + timedelta(hours=2))
    assert timedelta(hours=1, minutes=59) < delay <= timedelta(hours=2)
    assert version.review_state == workflow.SCHEDULED and version.status == STATUS_DRAFT
    workflow.publish(version, [])
    assert version.status == STATUS_PUBLISHED and version.review_state == ""


def test_saving_a_draft_takes_a_scheduled_version_off_the_schedule(ctx):
    version = approve(new_article())
    workflow.schedule(version, utcnow() + timedelta(days=1))
    edit(version, body="Late fix.\n")
    assert version.review_state == workflow.DRAFT
    refused("not_approved", lambda: workflow.publish(version, []), version)


def test_the_schedule_may_reach_366_days_ahead(ctx):
    version = approve(new_article())
    delay = workflow.schedule(version, utcnow() + workflow.MAX_SCHEDULE_AHEAD - timedelta(minutes=1))
    assert delay < workflow.MAX_SCHEDULE_AHEAD and version.review_state == workflow.SCHEDULED


def test_a_human_translation_published_from_markdown_is_human_and_credits_its_author(ctx):
    source = published()
    article = source.article
    translation = ArticleVersion(lang="es", kind=KIND_HUMAN, status=STATUS_DRAFT, title="x", current_revision=0)
    article.versions.append(translation)
    workflow.save_draft(translation, title=SPANISH[TITLE], summary="", body="Abra los ajustes.\n",
                        author=TRANSLATOR, base_revision=0)
    approve(translation)
    workflow.publish(translation, [])
    assert (translation.status, translation.kind, translation.produced_by) == (STATUS_PUBLISHED, KIND_HUMAN,
                                                                               TRANSLATOR)


def test_a_reviewed_machine_translation_is_published_as_machine_reviewed_crediting_engine_and_reviewer(ctx):
    source = published()
    article = source.article
    machine, _ = save_version(db.session, article, "es", title="Restablecer contraseña", summary="Elija otra.",
                              body="## Antes\n\nNecesita su correo.\n\nAbra los ajustes.\n", kind=KIND_MACHINE,
                              produced_by="bergamot/0.4")
    record_made_from(machine, source)
    db.session.flush()
    # The translator accepts every machine segment as it is, marking each reviewed.
    from portal.studio.segments import build_segments

    rows = build_segments(db.session, article, "es")
    assert {row.state for row in rows} == {"machine"}
    translation = side_by_side_translation(source, {row.source: row.text for row in rows}, reviewed=True)
    assert set(translation.segment_states["states"]) == {"machine_reviewed"}
    approve(translation)
    workflow.publish(translation, [])
    assert translation.kind == KIND_MACHINE_REVIEWED
    assert translation.produced_by == f"bergamot/0.4 · {TRANSLATOR}"
    assert translation.body == "## Antes\n\nNecesita su correo.\n\nAbra los ajustes.\n"


def test_a_fully_translated_side_by_side_draft_publishes_as_human(ctx):
    source = published()
    translation = side_by_side_translation(source, SPANISH)
    assert set(translation.segment_states["states"]) == {"human"}
    approve(translation)
    workflow.publish(translation, [])
    assert (translation.kind, translation.produced_by, translation.title) == (KIND_HUMAN, TRANSLATOR, SPANISH[TITLE])
    assert "Necesita su dirección de correo." in translation.body


def test_save_draft_forgets_the_side_by_side_alignment(ctx):
    source = published()
    translation = side_by_side_translation(source, SPANISH)
    assert translation.segment_states is not None
    edit(translation, body="Editado a mano.\n", author=TRANSLATOR)
    assert translation.segment_states is None


def test_diff_says_for_each_line_whether_it_was_added_removed_or_kept():
    lines = workflow.diff("one\ntwo\nthree", "one\nthree\nfour")
    assert [(line.kind, line.text) for line in lines] == [
        ("same", "one"), ("removed", "two"), ("same", "three"), ("added", "four")]
    assert [(line.kind, line.text) for line in workflow.diff(None, "new")] == [("added", "new")]
    assert workflow.diff("same\n", "same\n") == [workflow.DiffLine("same", "same")]
    assert workflow.diff("", "") == []


def test_diff_of_a_changed_line_has_no_hint_lines():
    # ndiff adds "? " guide lines for similar lines; they are not part of the output.
    lines = workflow.diff("Open the settings page.", "Open the settings page now.")
    assert [(line.kind, line.text) for line in lines] == [("removed", "Open the settings page."),
                                                          ("added", "Open the settings page now.")]


# --- every refusal ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("title", ["", "   ", None])
def test_save_draft_refuses_a_blank_title(ctx, title):
    version = new_article()
    refused("title_required", lambda: workflow.save_draft(version, title=title, summary="", body="x", author=WRITER,
                                                          base_revision=1), version)


@pytest.mark.parametrize("base_revision, base_number", [(1, 1), (0, None), (9, None)])
def test_save_draft_refuses_an_edit_based_on_an_old_revision(ctx, base_revision, base_number):
    version = new_article()
    edit(version, body="Walt saved meanwhile.\n", author=REVIEWER)
    conflict = refused("edit_conflict", lambda: workflow.save_draft(
        version, title=TITLE, summary="", body="Wanda's edit.\n", author=WRITER, base_revision=base_revision), version)
    assert isinstance(conflict, workflow.EditConflict)
    assert conflict.latest.number == 2 and conflict.latest.body == "Walt saved meanwhile.\n"
    assert (conflict.base.number if conflict.base else None) == base_number


def _articles() -> int:
    return db.session.scalar(select(func.count()).select_from(Article))


@pytest.mark.parametrize("slug", ["", "Reset-Password", "-reset", "reset password", "réinitialiser", "a/b",
                                  "a" * 201])
def test_create_article_refuses_an_invalid_slug(ctx, slug):
    refused("slug_invalid", lambda: new_article(slug))
    assert _articles() == 0


def test_create_article_refuses_a_slug_in_use(ctx):
    first = published()
    refused("slug_taken", lambda: new_article("reset-password", author=REVIEWER), first)
    assert _articles() == 1


def test_create_article_with_a_blank_title_leaves_nothing_behind(ctx):
    with pytest.raises(workflow.WorkflowError) as caught:
        workflow.create_article(db.session, slug="blank", lang="en", title="  ", summary="", body="x",
                                author=WRITER)
    assert caught.value.code == "title_required"
    assert _articles() == 0


def test_submit_refuses_when_there_is_no_draft(ctx):
    version = published()
    refused("nothing_to_review", lambda: workflow.submit(version), version)


def test_submit_refuses_a_version_without_any_revision(ctx):
    source = published()
    bare = ArticleVersion(lang="es", kind=KIND_HUMAN, status=STATUS_DRAFT, title="Vacía", current_revision=0)
    source.article.versions.append(bare)
    refused("nothing_to_review", lambda: workflow.submit(bare), bare)


@pytest.mark.parametrize("state", [workflow.DRAFT, workflow.CHANGES, workflow.APPROVED, workflow.SCHEDULED, ""])
def test_review_refuses_a_version_not_in_review(ctx, state):
    version = new_article()
    version.review_state = state
    for approve_it in (True, False):
        refused("not_in_review", lambda a=approve_it: workflow.review(version, REVIEWER, False, a, "note"), version)


def test_review_refuses_approving_ones_own_revision(ctx):
    version = new_article()
    workflow.submit(version)
    refused("own_revision", lambda: workflow.review(version, WRITER, is_admin=False, approve=True, note="fine"),
            version)
    assert version.review_state == workflow.IN_REVIEW


def test_own_revision_is_about_the_latest_revision_s_author(ctx):
    version = new_article(author=REVIEWER)
    edit(version, body="Wanda's rewrite.\n", author=WRITER)
    workflow.submit(version)
    # Walt wrote revision 1 but not the revision under review: he may approve it; Wanda may not.
    refused("own_revision", lambda: workflow.review(version, WRITER, False, True), version)
    workflow.review(version, REVIEWER, False, True)
    assert version.review_state == workflow.APPROVED


@pytest.mark.parametrize("state", [workflow.DRAFT, workflow.IN_REVIEW, workflow.CHANGES, ""])
def test_publish_refuses_a_draft_that_is_not_approved(ctx, state):
    version = new_article()
    version.review_state = state
    refused("not_approved", lambda: workflow.publish(version, []), version)


def test_publish_refuses_accessibility_errors(ctx):
    version = approve(new_article(body=BODY + "\n![](screenshot.png)\n"))
    errors = lint_errors(version)
    assert errors and {finding.rule for finding in errors} == {"image-alt"}
    refused("lint_errors", lambda: workflow.publish(version, errors), version)
    assert version.status == STATUS_DRAFT and version.review_state == workflow.APPROVED


def test_publish_refuses_a_side_by_side_draft_with_unreviewed_segments(ctx):
    source = published()
    # Machine output in the memory prefills every segment but the last; nobody answers for them.
    texts = list(SPANISH)
    memory.store(db.session, "bergamot", "0.4", "en", "es", {src: f"[mt] {SPANISH[src]}" for src in texts[:-1]})
    translation = side_by_side_translation(source, {})
    assert translation.segment_states["states"] == ["machine"] * 4 + ["missing"]
    approve(translation)
    refused("unreviewed_segments", lambda: workflow.publish(translation, []), translation)


def test_publish_refuses_a_side_by_side_draft_with_only_a_missing_segment(ctx):
    source = published()
    translation = side_by_side_translation(source, {k: v for k, v in SPANISH.items() if k != SUMMARY})
    assert translation.segment_states["states"] == ["human", "missing", "human", "human", "human"]
    approve(translation)
    refused("unreviewed_segments", lambda: workflow.publish(translation, []), translation)


def test_publish_refuses_a_side_by_side_draft_made_against_an_older_source(ctx):
    source = published()
    translation = side_by_side_translation(source, SPANISH)
    approve(translation)
    # A draft of the source alone does not change what the translation was aligned with...
    edit(source, body=BODY.replace("settings page", "Settings app"))
    assert workflow.has_draft(source)
    # ...publishing it does.
    approve(source)
    workflow.publish(source, [])
    assert segment_hashes(source) != translation.segment_states["source_hashes"]
    refused("source_changed", lambda: workflow.publish(translation, []), translation)


def test_a_side_by_side_draft_against_the_current_source_is_not_refused_for_a_source_draft(ctx):
    source = published()
    translation = side_by_side_translation(source, SPANISH)
    approve(translation)
    edit(source, body="Unpublished rewrite.\n")
    workflow.publish(translation, [])
    assert translation.status == STATUS_PUBLISHED


@pytest.mark.parametrize("state", [workflow.DRAFT, workflow.IN_REVIEW, workflow.CHANGES, workflow.SCHEDULED, ""])
def test_schedule_refuses_a_version_that_is_not_approved(ctx, state):
    version = new_article()
    version.review_state = state
    refused("not_approved", lambda: workflow.schedule(version, utcnow() + timedelta(hours=1)), version)


@pytest.mark.parametrize("offset, code", [(-timedelta(seconds=5), "schedule_in_past"),
                                          (-timedelta(days=30), "schedule_in_past"),
                                          (workflow.MAX_SCHEDULE_AHEAD + timedelta(minutes=1), "schedule_too_far"),
                                          (timedelta(days=400), "schedule_too_far")])
def test_schedule_refuses_the_past_and_the_far_future(ctx, offset, code):
    version = approve(new_article())
    refused(code, lambda: workflow.schedule(version, utcnow() + offset), version)
    assert version.review_state == workflow.APPROVED


def test_unpublish_refuses_a_version_that_is_not_published(ctx):
    version = new_article()
    refused("not_published", lambda: workflow.unpublish(version), version)
    live = published("other-article")
    workflow.unpublish(live)
    refused("not_published", lambda: workflow.unpublish(live), live)


@pytest.mark.parametrize("number", [0, -1, 3, 99])
def test_restore_refuses_a_revision_that_does_not_exist(ctx, number):
    version = published()
    edit(version, body="Second.\n")
    refused("no_such_revision", lambda: workflow.restore(version, number, WRITER), version)


def test_every_refusal_code_in_the_module_is_covered_here():
    """A new ``WorkflowError("...")`` in workflow.py must get a refusal test in this file."""
    import inspect
    import re
    from pathlib import Path

    module = inspect.getsource(workflow)
    raised = set(re.findall(r'WorkflowError\("([a-z_]+)"', module)) | set(re.findall(
        r'super\(\).__init__\("([a-z_]+)"', module))
    assert raised == WORKFLOW_CODES
    here = Path(__file__).read_text(encoding="utf-8")
    untested = {code for code in raised if not re.search(rf'refused\("{code}"|, "{code}"\)', here)}
    assert not untested
