"""Import/export of kb_articles/<slug>/<lang>.md."""
import time

import pytest
from sqlalchemy import func, select

from portal.kb.files import read_article
from portal.kb.models import KIND_HUMAN, KIND_SOURCE, Article, ArticleVersion, Revision
from portal.kb.transfer import export_directory, import_directory
from tests.conftest import GNOME_CORPUS, SHIPPED_KB, write_article


def small_kb(root):
    write_article(
        root,
        "reset-password",
        "en",
        "Reset your password",
        "## Steps\n\n1. Open **Settings**.\n",
        summary="Get back in.",
        category="sign-in",
        tags=["password"],
        source_url="https://example.org/a",
        license="CC-BY-4.0",
    )
    write_article(root, "reset-password", "es", "Restablecer la contraseña", "## Pasos\n\n1. Abra **Ajustes**.\n",
                  translation_of="en", category="sign-in")
    write_article(root, "billing", "en", "Billing", "Invoices.\n", status="draft")
    return root


def test_import_creates_articles_versions_and_revisions(session, tmp_path):
    report = import_directory(session, small_kb(tmp_path / "kb"))
    assert report.errors == []
    assert sorted(report.created) == ["billing/en", "reset-password/en", "reset-password/es"]
    article = session.scalar(select(Article).where(Article.slug == "reset-password"))
    assert article.source_lang == "en" and article.category.slug == "sign-in" and article.tags == ["password"]
    assert article.version("en").kind == KIND_SOURCE
    spanish = article.version("es")
    assert spanish.kind == KIND_HUMAN and spanish.source_revision == 1
    assert article.version("en").extra == {"source_url": "https://example.org/a", "license": "CC-BY-4.0"}
    assert session.scalar(select(Article).where(Article.slug == "billing")).version("en").status == "draft"
    assert session.scalar(select(func.count(Revision.id))) == 3


def test_reimport_is_idempotent_and_updates_only_changed_files(session, tmp_path):
    kb = small_kb(tmp_path / "kb")
    import_directory(session, kb)
    again = import_directory(session, kb)
    assert again.created == [] and again.updated == [] and again.unchanged == 3
    write_article(
        kb,
        "reset-password",
        "en",
        "Reset your password",
        "## Steps\n\n1. Open **Settings** now.\n",
        summary="Get back in.",
        category="sign-in",
        tags=["password"],
        source_url="https://example.org/a",
        license="CC-BY-4.0",
    )
    third = import_directory(session, kb)
    assert third.updated == ["reset-password/en"] and third.unchanged == 2
    version = session.scalar(select(Article).where(Article.slug == "reset-password")).version("en")
    assert version.current_revision == 2
    assert [r.number for r in version.revisions] == [1, 2]
    assert "now" in version.revisions[-1].body and "now" not in version.revisions[0].body


def test_bad_files_are_reported_with_path_and_reason_and_the_rest_imported(session, tmp_path):
    kb = small_kb(tmp_path / "kb")
    (kb / "broken").mkdir()
    (kb / "broken" / "en.md").write_text("---\ntitle: [unclosed\n---\nbody\n")
    (kb / "no-front").mkdir()
    (kb / "no-front" / "en.md").write_text("just text\n")
    (kb / "no-title").mkdir()
    (kb / "no-title" / "en.md").write_text("---\nsummary: x\n---\nbody\n")
    write_article(kb, "orphan", "fr", "Orphelin", translation_of="en")
    (kb / "latin1").mkdir()
    (kb / "latin1" / "en.md").write_bytes("---\ntitle: caf\xe9\n---\n".encode("latin-1"))
    report = import_directory(session, kb)
    reasons = {path.split("/kb/")[1]: reason for path, reason in report.errors}
    assert set(reasons) == {"broken/en.md", "no-front/en.md", "no-title/en.md", "orphan/fr.md", "latin1/en.md"}
    assert "not valid YAML" in reasons["broken/en.md"]
    assert "front matter" in reasons["no-front/en.md"]
    assert "'title' is required" in reasons["no-title/en.md"]
    assert "en.md is missing" in reasons["orphan/fr.md"]
    assert "UTF-8" in reasons["latin1/en.md"]
    assert len(report.created) == 3


def test_mismatched_lang_is_rejected(session, tmp_path):
    path = write_article(tmp_path / "kb", "x", "en", "X")
    path.write_text(path.read_text().replace("lang: en", "lang: de"))
    report = import_directory(session, tmp_path / "kb")
    assert report.errors and "does not match the file name" in report.errors[0][1]


def test_export_round_trips(session, tmp_path):
    kb = small_kb(tmp_path / "kb")
    import_directory(session, kb)
    out = tmp_path / "out"
    assert export_directory(session, out) == 3
    for original in kb.glob("*/*.md"):
        exported = read_article(out / original.parent.name / original.name)
        assert exported.__dict__ | {"tags": []} == read_article(original).__dict__ | {"tags": []}
    # Importing the export into a fresh database gives the same content.
    assert import_directory(session, out).unchanged == 3


def test_shipped_knowledge_base_imports_cleanly(session):
    report = import_directory(session, SHIPPED_KB)
    assert report.errors == []
    slugs = {key.split("/")[0] for key in report.created}
    assert len(slugs) >= 20
    for slug in slugs:
        langs = {key.split("/")[1] for key in report.created if key.startswith(slug + "/")}
        assert {"en", "es", "ar"} <= langs, slug


@pytest.mark.corpus
@pytest.mark.slow
def test_gnome_corpus_imports_cleanly_and_is_timed(session, tmp_path):
    if not GNOME_CORPUS.is_dir():
        pytest.skip(f"GNOME Help corpus not found at {GNOME_CORPUS}")
    started = time.perf_counter()
    report = import_directory(session, GNOME_CORPUS)
    elapsed = time.perf_counter() - started
    print(f"\nimported {len(report.created)} GNOME Help files in {elapsed:.2f} s")
    assert report.errors == [] and len(report.created) == 2693
    assert session.scalar(select(func.count(ArticleVersion.id))) == 2693
    again = import_directory(session, GNOME_CORPUS)
    print(f"re-import (nothing changed) in {again.seconds:.2f} s")
    assert again.unchanged == 2693 and again.changed == []


def test_who_made_a_translation_survives_export_and_import(session, tmp_path, make_app):
    from portal.kb.models import KIND_MACHINE, KIND_MACHINE_REVIEWED
    from portal.kb.service import get_article, save_version

    write_article(tmp_path / "in", "faq", "en", "Questions", "Answers.\n")
    import_directory(session, tmp_path / "in")
    article = get_article(session, "faq")
    save_version(session, article, "pt-BR", title="Perguntas", body="Respostas.\n", kind=KIND_MACHINE)
    save_version(session, article, "es", title="Preguntas", body="Respuestas.\n", kind=KIND_MACHINE_REVIEWED)
    save_version(session, article, "fr", title="Questions", body="Réponses.\n", kind=KIND_HUMAN)
    session.commit()
    export_directory(session, tmp_path / "out", include_machine=True)
    assert read_article(tmp_path / "out" / "faq" / "es.md").translated_by == "machine-reviewed"
    assert "translated_by" not in (tmp_path / "out" / "faq" / "fr.md").read_text(encoding="utf-8")

    fresh = make_app()
    with fresh.app_context():
        from portal.db import db

        report = import_directory(db.session, tmp_path / "out")
        assert not report.errors
        db.session.commit()
        kinds = {v.lang: v.kind for v in get_article(db.session, "faq").versions}
        assert kinds == {"en": KIND_SOURCE, "pt-BR": KIND_MACHINE, "es": KIND_MACHINE_REVIEWED, "fr": KIND_HUMAN}

    write_article(tmp_path / "bad", "faq", "en", "Questions", "Answers.\n")
    write_article(tmp_path / "bad", "faq", "de", "Fragen", "Antworten.\n", translation_of="en", translated_by="robot")
    report = import_directory(session, tmp_path / "bad")
    assert report.errors and "translated_by" in report.errors[0][1]
