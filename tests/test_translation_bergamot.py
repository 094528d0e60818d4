"""The bundled Bergamot en<->pt-BR engine, for real, through the whole pipeline."""
import re

import pytest
from sqlalchemy import select

from portal.db import db
from portal.jobs import run_pending
from portal.jobs.models import Job
from portal.kb.models import KIND_MACHINE, Article
from portal.publishing import import_knowledge_base
from portal.services import services
from portal.translation.engines.bergamot import BergamotEngine
from portal.translation.segmenter import structure
from portal.translation.service import TranslationService
from tests.conftest import SHIPPED_KB, write_article
from tests.support.engines import CountingEngine

PORTUGUESE_WORDS = re.compile(r"\b(?:a|o|de|do|da|para|sua|seu|em|que|não|você|com|uma|um)\b", re.I)


@pytest.fixture(scope="module")
def bergamot():
    return BergamotEngine()


def test_bergamot_translates_both_directions(bergamot, session):
    assert {("en", "pt-BR"), ("pt-BR", "en")} <= bergamot.pairs()
    service = TranslationService([bergamot])
    pt = service.translate_texts(session, ["Reset your password from the sign-in page."], "en", "pt-BR")[0]
    assert pt and PORTUGUESE_WORDS.search(pt), pt
    en = service.translate_texts(session, ["Abra a página de configurações."], "pt-BR", "en")[0]
    assert re.search(r"\b(the|page|settings)\b", en, re.I), en


@pytest.mark.parametrize("slug", ["charged-twice", "change-the-language", "use-with-a-keyboard", "find-your-invoices"])
def test_shipped_articles_keep_their_structure(bergamot, session, slug):
    body = (SHIPPED_KB / slug / "en.md").read_text().split("---", 2)[2]
    service = TranslationService([bergamot], ("Helpdesk Portal",))
    document = service.translate_markdown(session, body, "en", "pt-BR")
    assert structure(document.text) == structure(body)
    # Code spans and link targets come back untouched.
    assert re.findall(r"`[^`]+`", document.text) == re.findall(r"`[^`]+`", body)
    assert re.findall(r"\]\(([^)]+)\)", document.text) == re.findall(r"\]\(([^)]+)\)", body)
    assert len(PORTUGUESE_WORDS.findall(document.text)) > 10


def test_import_pretranslates_labels_and_refreshes_only_the_changed_paragraph(make_app, tmp_path):
    app = make_app(languages=("en", "es", "pt-BR", "ar"), translation_engines=("bergamot",))
    engine = CountingEngine(BergamotEngine())
    services(app).provide(translation=TranslationService([engine], ("Helpdesk Portal",)))
    kb = tmp_path / "kb"
    paragraphs = ["Open the settings page of your account.", "Choose a new password and save it.",
                  "You will get an email when it is done."]
    write_article(kb, "pw", "en", "Change your password", "\n\n".join(paragraphs) + "\n\n`Helpdesk Portal` is ours.\n",
                  summary="Pick a new password.", category="sign-in")
    write_article(
        kb,
        "pw",
        "es",
        "Cambiar la contraseña",
        "Abra los ajustes.\n\nElija una contraseña.\n\nRecibirá un correo.\n\n`Helpdesk Portal`.\n",
        translation_of="en",
        category="sign-in",
    )
    with app.app_context():
        report, jobs = import_knowledge_base(db.session, kb)
        assert jobs == 1  # pt-BR only: es is human, ar has no engine
        assert run_pending(db.session, kinds={"translate_article"}) == 1
        article = db.session.scalar(select(Article).where(Article.slug == "pw"))
        machine = article.version("pt-BR")
        assert machine.kind == KIND_MACHINE and machine.produced_by.startswith("bergamot/")
        assert machine.source_revision == 1 and not machine.stale_segments
        first_calls = len(engine.seen)
        assert first_calls >= 5

    client = app.test_client()
    html = client.get("/pt-BR/articles/pw").get_data(as_text=True)
    assert 'class="notice machine-notice" role="note"' in html
    assert 'href="/pt-BR/articles/pw?original=1"' in html
    assert 'class="article-body" lang="pt-BR" dir="ltr"' in html
    assert '<code lang="en">Helpdesk Portal</code>' in html
    original = client.get("/pt-BR/articles/pw?original=1").get_data(as_text=True)
    assert 'class="article-body" lang="en"' in original and paragraphs[0] in original
    no_engine = client.get("/ar/articles/pw").get_data(as_text=True)
    assert '<p class="no-machine-translation">' in no_engine and "العربية" in no_engine

    # Edit one paragraph of the source: only its segments reach the engine again,
    # and the human Spanish translation is flagged stale for that paragraph only.
    paragraphs[1] = "Choose a strong new password and save it."
    write_article(kb, "pw", "en", "Change your password", "\n\n".join(paragraphs) + "\n\n`Helpdesk Portal` is ours.\n",
                  summary="Pick a new password.", category="sign-in")
    with app.app_context():
        report, jobs = import_knowledge_base(db.session, kb)
        assert report.updated == ["pw/en"] and jobs == 1
        article = db.session.scalar(select(Article).where(Article.slug == "pw"))
        assert article.version("es").stale_segments == [3]  # title, summary, then block 1
        engine.seen.clear()
        run_pending(db.session)
        assert engine.seen == [paragraphs[1]]
        db.session.expire_all()
        article = db.session.scalar(select(Article).where(Article.slug == "pw"))
        assert article.version("pt-BR").source_revision == 2 and article.version("pt-BR").stale_segments == []
    stale_page = client.get("/es/articles/pw").get_data(as_text=True)
    assert 'class="notice stale-notice"' in stale_page


def test_human_segments_win_over_machine_output(make_app, tmp_path):
    app = make_app(languages=("en", "pt-BR"), translation_engines=("bergamot",))
    kb = tmp_path / "kb"
    write_article(kb, "x", "en", "Billing", "Open the billing page.\n\nPay your invoice.\n")
    write_article(
        kb,
        "x",
        "pt-BR",
        "Cobrança humana",
        "Abra a página de cobrança (humano).\n\nPague a fatura (humano).\n",
        translation_of="en",
    )
    write_article(kb, "y", "en", "Billing", "Open the billing page.\n\nSomething else entirely.\n")
    with app.app_context():
        import_knowledge_base(db.session, kb)
        run_pending(db.session)
        y = db.session.scalar(select(Article).where(Article.slug == "y")).version("pt-BR")
        assert y.title == "Cobrança humana"
        assert "Abra a página de cobrança (humano)." in y.body
        assert "Something" not in y.body
        assert db.session.scalar(select(Job).where(Job.status != "done")) is None
