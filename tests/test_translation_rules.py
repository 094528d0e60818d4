"""Translation rules, called directly: segment states, the side-by-side editor's alignment,
per-paragraph freshness after the source changes, and the translation memory.

Modules under test: portal/studio/segment_states.py, portal/studio/segments.py,
portal/translation/freshness.py and portal/translation/memory.py. Small factories build
a published source and its translations on a real migrated SQLite database; no HTTP, no
translation engine (machine output is written as an engine would write it).
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.db import db
from portal.kb.models import (
    KIND_HUMAN,
    KIND_MACHINE,
    KIND_MACHINE_REVIEWED,
    STATUS_PUBLISHED,
    Article,
    ArticleVersion,
)
from portal.kb.service import save_version
from portal.studio import workflow
from portal.studio.segment_states import (
    HUMAN_STATE,
    MACHINE,
    MISSING,
    REVIEWED,
    STALE,
    UNRESOLVED,
    alignment_is_current,
    unresolved_segments,
)
from portal.studio.segments import build_segments, memory_suggestions, needs_suggestions, save_segments, word_diff
from portal.translation import memory
from portal.translation.freshness import (
    record_made_from,
    refresh_article,
    segment_hashes,
    segment_texts,
    stale_indices,
    store_human_segments,
)
from portal.translation.models import HUMAN, MemorySegment
from portal.translation.segmenter import block_hash

WRITER, REVIEWER, TRANSLATOR = "wanda@example.org", "walt@example.org", "tomas@example.org"
TITLE, SUMMARY = "Reset your password", "Choose a new one."
HEADING, FIRST, SECOND = "Before you start", "You need your email address.", "Open the settings page to begin."
BODY = f"## {HEADING}\n\n{FIRST}\n\n{SECOND}\n"
SOURCE_SEGMENTS = [TITLE, SUMMARY, HEADING, FIRST, SECOND]
SPANISH = {TITLE: "Restablecer la contraseña", SUMMARY: "Elija una nueva.", HEADING: "Antes de empezar",
           FIRST: "Necesita su dirección de correo.", SECOND: "Abra la página de ajustes para empezar."}
ES_BODY = f"## {SPANISH[HEADING]}\n\n{SPANISH[FIRST]}\n\n{SPANISH[SECOND]}\n"
ENGINE, ENGINE_VERSION = "bergamot", "0.4"


@pytest.fixture
def ctx(make_app):
    app = make_app(embeddings="none", languages=("en", "es", "de"), translation_engines=())
    with app.app_context():
        yield db.session
        db.session.rollback()


# --- factories ------------------------------------------------------------------------------------------------


def published_source(slug: str = "reset-password", body: str = BODY, summary: str = SUMMARY) -> ArticleVersion:
    """An English article written, reviewed and published through the workflow."""
    version = workflow.create_article(db.session, slug=slug, lang="en", title=TITLE, summary=summary, body=body,
                                      author=WRITER)
    workflow.submit(version)
    workflow.review(version, REVIEWER, is_admin=False, approve=True)
    workflow.publish(version, [])
    db.session.flush()
    return version


def republish(source: ArticleVersion, *, body: str | None = None, title: str | None = None) -> ArticleVersion:
    """A new source revision, reviewed and published."""
    last = workflow.latest(source)
    workflow.save_draft(source, title=title or last.title, summary=last.summary,
                        body=last.body if body is None else body, author=WRITER, base_revision=last.number)
    workflow.submit(source)
    workflow.review(source, REVIEWER, is_admin=False, approve=True)
    workflow.publish(source, [])
    db.session.flush()
    return source


def translation(source: ArticleVersion, lang: str, kind: str, *, title: str = SPANISH[TITLE],
                summary: str = SPANISH[SUMMARY], body: str = ES_BODY) -> ArticleVersion:
    """A published translation made from the source as it is now (as an import or the machine job saves it)."""
    version, _ = save_version(db.session, source.article, lang, title=title, summary=summary, body=body, kind=kind,
                              produced_by=f"{ENGINE}/{ENGINE_VERSION}" if kind == KIND_MACHINE else TRANSLATOR)
    record_made_from(version, source)
    db.session.flush()
    return version


def editor_save(article: Article, texts: dict[str, str], reviewed: set[str] = frozenset(), lang: str = "es"):
    """Save the side-by-side editor for ``lang``: ``texts`` maps source text -> translation as typed."""
    version = article.version(lang)
    base = workflow.latest(version).number if version is not None and version.revisions else 0
    rows = {row.source: row for row in build_segments(db.session, article, lang)}
    submitted = {block_hash(src): (texts.get(src, rows[src].text), src in reviewed) for src in rows if src.strip()}
    result = save_segments(db.session, article, lang, submitted, author=TRANSLATOR, base_revision=base)
    db.session.flush()
    return result


def remember_machine(pairs: dict[str, str], tgt: str = "es") -> None:
    memory.store(db.session, ENGINE, ENGINE_VERSION, "en", tgt, pairs)
    db.session.flush()


def rows_by_source(article: Article, lang: str = "es") -> dict:
    return {row.source: row for row in build_segments(db.session, article, lang)}


# --- segment states -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("segment_states, expected", [
    (None, 0),
    ({}, 0),
    ({"states": []}, 0),
    ({"states": [HUMAN_STATE, REVIEWED, ""]}, 0),
    ({"states": [MACHINE, HUMAN_STATE]}, 1),
    ({"states": [STALE, REVIEWED]}, 1),
    ({"states": [MISSING, "", HUMAN_STATE]}, 1),
    ({"states": [MACHINE, STALE, MISSING, MACHINE, HUMAN_STATE, REVIEWED]}, 4),
])
def test_unresolved_segments_counts_machine_stale_and_missing(segment_states, expected):
    assert unresolved_segments(ArticleVersion(lang="es", title="t", segment_states=segment_states)) == expected


def test_only_machine_stale_and_missing_block_publishing():
    assert UNRESOLVED == {MACHINE, STALE, MISSING}
    assert HUMAN_STATE not in UNRESOLVED and REVIEWED not in UNRESOLVED


def test_alignment_is_current_until_the_source_text_changes(ctx):
    source = published_source()
    article = source.article
    editor_save(article, SPANISH)
    target = article.version("es")
    assert target.segment_states["source_hashes"] == segment_hashes(source)
    assert alignment_is_current(target)
    # A new revision with the same text (whitespace aside) keeps the alignment.
    republish(source, body=BODY.replace(FIRST, FIRST.replace(" ", "  ")))
    assert source.current_revision == 2 and alignment_is_current(target)
    # Changed text does not.
    republish(source, body=BODY.replace(SECOND, "Open Settings to begin."))
    assert not alignment_is_current(target)


def test_alignment_is_not_current_without_an_alignment_or_without_a_source(ctx):
    source = published_source()
    target = translation(source, "es", KIND_HUMAN)
    assert target.segment_states is None and not alignment_is_current(target)
    orphan = Article(slug="orphan", source_lang="fr")
    version = ArticleVersion(lang="es", title="t", segment_states={"source_hashes": []})
    orphan.versions.append(version)
    assert orphan.source is None and not alignment_is_current(version)


# --- the side-by-side editor (segments.py) --------------------------------------------------------------------


def test_the_editor_refuses_a_source_that_is_not_published(ctx):
    draft = workflow.create_article(db.session, slug="draft-only", lang="en", title=TITLE, summary="", body=BODY,
                                    author=WRITER)
    with pytest.raises(workflow.WorkflowError) as caught:
        build_segments(db.session, draft.article, "es")
    assert caught.value.code == "source_not_published"
    with pytest.raises(workflow.WorkflowError) as caught:
        save_segments(db.session, draft.article, "es", {}, author=TRANSLATOR, base_revision=0)
    assert caught.value.code == "source_not_published"
    assert draft.article.version("es") is None
    live = published_source()
    workflow.unpublish(live)
    with pytest.raises(workflow.WorkflowError) as caught:
        build_segments(db.session, live.article, "es")
    assert caught.value.code == "source_not_published"


def test_the_editor_refuses_to_save_the_source_language_as_a_translation(ctx):
    source = published_source()
    before = [(r.number, r.body) for r in source.revisions]
    with pytest.raises(workflow.WorkflowError) as caught:
        save_segments(db.session, source.article, "en", {block_hash(TITLE): ("Hijacked", True)}, author=TRANSLATOR,
                      base_revision=1)
    assert caught.value.code == "not_a_translation"
    assert [(r.number, r.body) for r in source.revisions] == before and source.title == TITLE
    assert db.session.scalar(select(func.count()).select_from(MemorySegment)) == 0


def test_rows_are_title_summary_and_blocks_all_missing_when_nothing_is_known(ctx):
    source = published_source(body=BODY + "\n| Step | What |\n|---|---|\n| 1 | Open |\n\n```\ncode stays\n```\n")
    rows = build_segments(db.session, source.article, "es")
    assert [(row.index, row.kind, row.source) for row in rows] == [
        (0, "title", TITLE), (1, "summary", SUMMARY), (2, "heading", HEADING), (3, "paragraph", FIRST),
        (4, "paragraph", SECOND), (5, "cell", "Step"), (6, "cell", "What"), (7, "cell", "1"), (8, "cell", "Open")]
    assert {(row.state, row.text, row.origin) for row in rows} == {(MISSING, "", "")}
    assert needs_suggestions(rows) == [row.source for row in rows]


def test_an_empty_summary_is_no_segment_to_translate(ctx):
    source = published_source(summary="")
    rows = build_segments(db.session, source.article, "es")
    assert rows[1].source == "" and "" not in needs_suggestions(rows)
    result = editor_save(source.article, {k: v for k, v in SPANISH.items() if k != SUMMARY})
    assert result.states == [HUMAN_STATE, "", HUMAN_STATE, HUMAN_STATE, HUMAN_STATE]
    assert unresolved_segments(source.article.version("es")) == 0
    assert build_segments(db.session, source.article, "es")[1].state == ""


def test_rows_are_prefilled_from_memory_a_persons_translation_before_machine_output(ctx):
    source = published_source()
    memory.store_human(db.session, "en", "es", {FIRST: SPANISH[FIRST]})
    remember_machine({FIRST: "[mt] first", SECOND: "[mt] second"})  # newer, but a person's wins
    remember_machine({HEADING: "[mt] heading"}, tgt="de")  # another language pair: not used
    rows = rows_by_source(source.article)
    assert (rows[FIRST].text, rows[FIRST].state, rows[FIRST].origin) == (SPANISH[FIRST], HUMAN_STATE, "memory")
    assert (rows[SECOND].text, rows[SECOND].state, rows[SECOND].origin) == ("[mt] second", MACHINE, "memory")
    assert (rows[HEADING].text, rows[HEADING].state) == ("", MISSING)
    assert needs_suggestions(list(rows.values())) == [TITLE, SUMMARY, HEADING]


def test_memory_suggestions_take_the_newest_machine_output_but_a_person_always_wins(ctx):
    remember_machine({FIRST: "old engine output"})
    memory.store(db.session, "opus-mt", "1", "en", "es", {FIRST: "newer engine output", SECOND: "other engine"})
    db.session.flush()
    found = memory_suggestions(db.session, "en", "es", [FIRST, SECOND, "   "])
    assert found == {FIRST: ("newer engine output", "opus-mt"), SECOND: ("other engine", "opus-mt")}
    memory.store_human(db.session, "en", "es", {SECOND: "de una persona"})
    remember_machine({SECOND: "newest machine output"})
    assert memory_suggestions(db.session, "en", "es", [SECOND]) == {SECOND: ("de una persona", HUMAN)}


def test_saving_gives_each_segment_its_state_and_remembers_what_people_answered_for(ctx):
    source = published_source()
    remember_machine({HEADING: "[mt] heading", FIRST: "[mt] first", SECOND: "[mt] second"})
    result = editor_save(source.article, {TITLE: SPANISH[TITLE], SUMMARY: "", FIRST: SPANISH[FIRST]},
                         reviewed={HEADING})
    # title edited, summary left empty, heading accepted as reviewed, first edited, second machine untouched.
    assert result.states == [HUMAN_STATE, MISSING, REVIEWED, HUMAN_STATE, MACHINE]
    assert result.revision_number == 1 and result.stored_in_memory == 3
    target = source.article.version("es")
    assert target.segment_states == {"source_revision": 1, "source_hashes": segment_hashes(source),
                                     "states": result.states}
    assert target.body == f"## [mt] heading\n\n{SPANISH[FIRST]}\n\n[mt] second\n"
    assert target.title == SPANISH[TITLE] and target.summary == ""
    assert unresolved_segments(target) == 2
    # An engine with no output of its own gets the human segments only.
    human = memory.lookup_many(db.session, "none", "0", "en", "es", SOURCE_SEGMENTS)
    assert human == {TITLE: SPANISH[TITLE], HEADING: "[mt] heading", FIRST: SPANISH[FIRST]}


def test_a_reviewed_mark_on_a_persons_segment_keeps_it_human(ctx):
    source = published_source()
    editor_save(source.article, SPANISH)
    result = editor_save(source.article, {}, reviewed=set(SOURCE_SEGMENTS))
    assert result.states == [HUMAN_STATE] * 5 and result.revision_number == 2


def test_a_changed_source_paragraph_is_stale_next_to_its_old_translation(ctx):
    source = published_source()
    article = source.article
    remember_machine({SECOND: "[mt] second"})
    editor_save(article, {k: v for k, v in SPANISH.items() if k != SECOND})  # SECOND stays machine output
    changed_first, changed_second = "You need your new email address.", "Open Settings to begin."
    republish(source, body=BODY.replace(FIRST, changed_first).replace(SECOND, changed_second))
    memory.store_human(db.session, "en", "es", {changed_first: "Necesita su nueva dirección."})
    rows = rows_by_source(article)
    assert [row.state for row in rows.values()] == [HUMAN_STATE, HUMAN_STATE, HUMAN_STATE, STALE, STALE]
    first, second = rows[changed_first], rows[changed_second]
    assert (first.text, first.origin, first.prior_state, first.previous_source) == (
        SPANISH[FIRST], "translation", HUMAN_STATE, FIRST)
    assert first.source_diff == [("same", "You need your "), ("added", "new "), ("same", "email address.")]
    assert first.suggestion == "Necesita su nueva dirección."  # memory knows the new sentence
    assert (second.text, second.prior_state, second.previous_source, second.suggestion) == (
        "[mt] second", MACHINE, SECOND, None)
    # Untouched rows keep their translation and state.
    assert (rows[HEADING].text, rows[HEADING].origin) == (SPANISH[HEADING], "translation")
    # Marked reviewed without an edit: a person's stale segment is human again, machine output machine_reviewed.
    result = editor_save(article, {}, reviewed={changed_first, changed_second})
    assert result.states == [HUMAN_STATE, HUMAN_STATE, HUMAN_STATE, HUMAN_STATE, REVIEWED]
    # Left alone, a stale segment stays stale and blocks publishing.
    republish(source, body=BODY.replace(FIRST, "Have your email address ready.").replace(SECOND, changed_second))
    result = editor_save(article, {})
    assert result.states[3] == STALE and unresolved_segments(article.version("es")) == 1


def test_submitted_rows_are_matched_by_source_hash_not_position(ctx):
    source = published_source()
    submitted = {block_hash(FIRST): (SPANISH[FIRST], False), block_hash("A paragraph that is gone."): ("x", False)}
    result = save_segments(db.session, source.article, "es", submitted, author=TRANSLATOR, base_revision=0)
    assert result.states == [MISSING, MISSING, MISSING, HUMAN_STATE, MISSING]
    assert SPANISH[FIRST] in source.article.version("es").body and "x" not in source.article.version("es").body


def test_the_editor_reads_a_machine_translation_as_machine_segments(ctx):
    source = published_source()
    translation(source, "es", KIND_MACHINE)
    rows = build_segments(db.session, source.article, "es")
    assert [(row.text, row.state, row.origin) for row in rows] == [
        (SPANISH[src], MACHINE, "translation") for src in SOURCE_SEGMENTS]


def test_word_diff_marks_removed_and_added_words():
    assert word_diff("Open the settings page.", "Open the Settings app.") == [
        ("same", "Open the "), ("removed", "settings"), ("added", "Settings"), ("same", " "), ("removed", "page."),
        ("added", "app.")]
    assert word_diff("Open the page.", "Open the page, then wait.") == [
        ("same", "Open the "), ("removed", "page."), ("added", "page, then wait.")]
    assert word_diff("same", "same") == [("same", "same")]


# --- freshness ------------------------------------------------------------------------------------------------


def test_segments_are_title_summary_then_blocks(ctx):
    source = published_source()
    assert segment_texts(source) == SOURCE_SEGMENTS
    assert segment_hashes(source) == [block_hash(text) for text in SOURCE_SEGMENTS]
    assert segment_texts(source.revisions[0]) == SOURCE_SEGMENTS  # a revision has the same segments


def test_stale_indices_are_the_new_or_changed_source_segments(ctx):
    source = published_source()
    made_from = segment_hashes(source)
    assert stale_indices(source, made_from) == []
    assert stale_indices(source, []) == [0, 1, 2, 3, 4]
    republish(source, title="Reset a forgotten password", body=BODY.replace(SECOND, "Open Settings.")
              + "\nThen choose Security.\n")
    assert stale_indices(source, made_from) == [0, 4, 5]


def test_unchanged_source_leaves_every_translation_fresh(ctx):
    source = published_source()
    human = translation(source, "es", KIND_HUMAN)
    machine = translation(source, "de", KIND_MACHINE, title="Passwort", summary="Neu.", body="## Vorher\n\nA.\n\nB.\n")
    assert refresh_article(db.session, source.article, {"en"}) == []
    assert (human.stale_segments, machine.stale_segments) == ([], [])
    assert not human.is_stale and not machine.is_stale


def test_after_a_source_change_a_human_translation_is_flagged_and_a_machine_one_requeued(ctx):
    source = published_source()
    human = translation(source, "es", KIND_HUMAN)
    reviewed = translation(source, "fr", KIND_MACHINE_REVIEWED)
    machine = translation(source, "de", KIND_MACHINE, title="Passwort", summary="Neu.", body="## Vorher\n\nA.\n\nB.\n")
    republish(source, body=BODY.replace(SECOND, "Open Settings to begin."))
    assert refresh_article(db.session, source.article, {"en"}) == [machine]
    assert human.stale_segments == [4] and human.is_stale and human.status == STATUS_PUBLISHED
    assert reviewed.stale_segments == [4]  # reviewed machine output is a person's: flagged, never re-queued
    assert machine.stale_segments == [4]
    # The flagged human translation keeps what it was made from until a person updates it.
    assert human.source_revision == 1 and human.body == ES_BODY


def test_a_machine_translation_of_an_older_source_revision_is_refreshed_even_if_no_segment_changed(ctx):
    source = published_source()
    human = translation(source, "es", KIND_HUMAN)
    machine = translation(source, "de", KIND_MACHINE, title="Passwort", summary="Neu.", body="## Vorher\n\nA.\n\nB.\n")
    republish(source, body=BODY + "\n")  # a new revision, same segments
    assert source.current_revision == 2
    assert refresh_article(db.session, source.article, {"en"}) == [machine]
    assert (machine.stale_segments, human.stale_segments) == ([], [])


def test_a_human_translation_changed_in_the_same_operation_is_taken_as_made_from_the_current_source(ctx):
    source = published_source()
    human = translation(source, "es", KIND_HUMAN)
    republish(source, body=BODY.replace(SECOND, "Open Settings to begin."))
    refresh_article(db.session, source.article, {"en"})
    assert human.stale_segments == [4]
    human, _ = save_version(db.session, source.article, "es", title=SPANISH[TITLE], summary=SPANISH[SUMMARY],
                            body=ES_BODY.replace(SPANISH[SECOND], "Abra Ajustes para empezar."), kind=KIND_HUMAN)
    assert refresh_article(db.session, source.article, {"es"}) == []
    assert (human.stale_segments, human.source_segment_hashes, human.source_revision) == (
        [], segment_hashes(source), 2)
    # ...and its segments go into the memory as a person's translation.
    known = memory.lookup_many(db.session, "none", "0", "en", "es", ["Open Settings to begin.", SECOND])
    assert known == {"Open Settings to begin.": "Abra Ajustes para empezar."}


def test_refresh_without_a_source_does_nothing(ctx):
    article = Article(slug="orphan", source_lang="fr")
    version = ArticleVersion(lang="es", kind=KIND_MACHINE, title="t", stale_segments=[3], source_segment_hashes=[])
    article.versions.append(version)
    assert refresh_article(db.session, article, {"fr"}) == []
    assert version.stale_segments == [3]


def test_a_human_translation_is_remembered_segment_by_segment_when_the_structures_line_up(ctx):
    source = published_source()
    human = translation(source, "es", KIND_HUMAN)
    assert store_human_segments(db.session, source, human) == 5
    db.session.flush()
    assert memory.lookup_many(db.session, "none", "0", "en", "es", SOURCE_SEGMENTS) == SPANISH


@pytest.mark.parametrize("body", [
    f"## {SPANISH[HEADING]}\n\n{SPANISH[FIRST]}\n",  # a paragraph fewer
    f"{SPANISH[HEADING]}\n\n{SPANISH[FIRST]}\n\n{SPANISH[SECOND]}\n",  # the heading became a paragraph
])
def test_a_human_translation_with_another_structure_gives_only_title_and_summary_to_memory(ctx, body):
    source = published_source()
    human = translation(source, "es", KIND_HUMAN, body=body)
    assert store_human_segments(db.session, source, human) == 2
    db.session.flush()
    assert memory.lookup_many(db.session, "none", "0", "en", "es", SOURCE_SEGMENTS) == {
        TITLE: SPANISH[TITLE], SUMMARY: SPANISH[SUMMARY]}


def test_an_empty_summary_is_not_remembered(ctx):
    source = published_source()
    human = translation(source, "es", KIND_HUMAN, summary="")
    assert store_human_segments(db.session, source, human) == 4
    db.session.flush()
    assert SUMMARY not in memory.lookup_many(db.session, "none", "0", "en", "es", [SUMMARY])


# --- translation memory ---------------------------------------------------------------------------------------


def test_normalised_text_and_its_hash_ignore_runs_of_whitespace():
    assert memory.normalise("  Open\tthe \n settings  ") == "Open the settings"
    assert memory.source_hash("Open  the\nsettings") == memory.source_hash("Open the settings")
    assert memory.source_hash("Open the settings") != memory.source_hash("open the settings")


def test_a_stored_human_segment_is_reused_for_the_same_source_text(ctx):
    memory.store_human(db.session, "en", "es", {FIRST: SPANISH[FIRST]})
    db.session.flush()
    # Any engine asking gets the person's translation, whitespace aside.
    assert memory.lookup_many(db.session, ENGINE, ENGINE_VERSION, "en", "es", [f"  {FIRST} "]) == {
        f"  {FIRST} ": SPANISH[FIRST]}
    assert memory.lookup_many(db.session, "opus-mt", "2", "en", "es", [FIRST, SECOND]) == {FIRST: SPANISH[FIRST]}


@pytest.mark.parametrize("text, src, tgt", [
    ("You need your e-mail address.", "en", "es"),  # different text
    ("you need your email address.", "en", "es"),  # case matters
    (FIRST, "en", "de"),  # another target language
    (FIRST, "es", "en"),  # the reverse direction
    (FIRST, "en", "es-MX"),  # a regional variant is another language
])
def test_a_stored_segment_is_not_reused_for_other_text_or_another_language_pair(ctx, text, src, tgt):
    memory.store_human(db.session, "en", "es", {FIRST: SPANISH[FIRST]})
    remember_machine({FIRST: "[mt] first"})
    assert memory.lookup_many(db.session, ENGINE, ENGINE_VERSION, src, tgt, [text]) == {}


def test_a_persons_translation_wins_over_machine_output_and_machine_output_is_per_engine_version(ctx):
    remember_machine({FIRST: "[mt] first", SECOND: "[mt] second"})
    memory.store_human(db.session, "en", "es", {FIRST: SPANISH[FIRST]})
    db.session.flush()
    assert memory.lookup_many(db.session, ENGINE, ENGINE_VERSION, "en", "es", [FIRST, SECOND, HEADING]) == {
        FIRST: SPANISH[FIRST], SECOND: "[mt] second"}
    # Another engine, or another version of the same engine, does not get this engine's output.
    assert memory.lookup_many(db.session, ENGINE, "0.5", "en", "es", [SECOND]) == {}
    assert memory.lookup_many(db.session, "opus-mt", ENGINE_VERSION, "en", "es", [SECOND]) == {}
    assert memory.lookup_many(db.session, ENGINE, ENGINE_VERSION, "en", "es", []) == {}


def test_storing_again_updates_the_one_row_for_that_source(ctx):
    memory.store_human(db.session, "en", "es", {FIRST: "primera versión"})
    memory.store_human(db.session, "en", "es", {f"{FIRST}  ": "segunda versión"})
    db.session.flush()
    rows = db.session.scalars(select(MemorySegment)).all()
    assert [(r.engine, r.engine_version, r.source_text, r.target_text) for r in rows] == [
        (HUMAN, "1", FIRST, "segunda versión")]
    assert memory.lookup_many(db.session, ENGINE, ENGINE_VERSION, "en", "es", [FIRST]) == {FIRST: "segunda versión"}


def test_the_memory_survives_the_session(ctx):
    memory.store_human(db.session, "en", "es", {FIRST: SPANISH[FIRST]})
    db.session.commit()
    db.session.remove()
    assert memory.lookup_many(db.session, ENGINE, ENGINE_VERSION, "en", "es", [FIRST]) == {FIRST: SPANISH[FIRST]}


def test_every_text_asked_for_is_answered_even_when_two_differ_only_in_whitespace(ctx):
    memory.store_human(db.session, "en", "es", {FIRST: SPANISH[FIRST]})
    db.session.flush()
    asked = [FIRST, FIRST.replace(" ", "  ")]
    assert memory.lookup_many(db.session, ENGINE, ENGINE_VERSION, "en", "es", asked) == dict.fromkeys(
        asked, SPANISH[FIRST])


def test_the_stored_alignment_is_read_in_one_place_and_never_trusts_a_bad_row():
    from portal.kb.models import ArticleVersion
    from portal.studio.segment_states import Alignment, SegmentState

    version = ArticleVersion(lang="es")
    assert Alignment.of(version) is None
    for hostile in ({}, [], "states", {"states": "human"}):
        version.segment_states = hostile
        assert Alignment.of(version) in (None, Alignment(None, (), ()))
    version.segment_states = {"source_revision": True, "source_hashes": ["a", 7, "b"],
                              "states": ["human", "bogus", None, "stale", 3]}
    read = Alignment.of(version)
    assert read == Alignment(None, ("a", "b"), (SegmentState.HUMAN, SegmentState.MISSING, None, SegmentState.STALE,
                                                SegmentState.MISSING))
    assert read.unresolved == 3  # stale, and the two states that are not ours: nobody answered for them
    Alignment(4, ("a",), (SegmentState.REVIEWED, None)).store(version)
    assert version.segment_states == {"source_revision": 4, "source_hashes": ["a"],
                                      "states": ["machine_reviewed", None]}
    assert Alignment.of(version) == Alignment(4, ("a",), (SegmentState.REVIEWED, None))
