"""The side-by-side translation editor and bulk machine translation (real Bergamot en->pt-BR)."""
import re

import pytest
from sqlalchemy import select

from portal.accounts import create_user
from portal.db import db
from portal.jobs import run_pending
from portal.jobs.models import Job
from portal.kb.models import Article
from portal.publishing import import_knowledge_base
from portal.services import services
from portal.studio import workflow
from portal.translation import memory
from portal.translation.engines.bergamot import BergamotEngine
from portal.translation.service import TranslationService
from tests.conftest import write_article
from tests.support import web
from tests.support.engines import CountingEngine
from tests.support.web import csrf

PASSWORD = "writers write every day"
BODY = "## Before you start\n\nYou need your email address.\n\nOpen the settings page to begin.\n"


@pytest.fixture
def studio(make_app, tmp_path):
    app = make_app(languages=("en", "pt-BR", "es"), translation_engines=("bergamot",))
    engine = CountingEngine(BergamotEngine())
    services(app).provide(translation=TranslationService([engine]))
    app.engine = engine
    kb = tmp_path / "kb"
    write_article(kb, "reset-password", "en", "Reset your password", BODY, summary="Choose a new one.",
                  category="account")
    write_article(kb, "change-email", "en", "Change your email", "You need your email address.\n",
                  category="account")
    with app.app_context():
        for email, roles in (("wanda@example.org", ["writer"]), ("walt@example.org", ["writer"]),
                             ("agnes@example.org", ["agent"])):
            create_user(db.session, email, email.split("@")[0].title(), PASSWORD, roles, "en")
        import_knowledge_base(db.session, kb)
        run_pending(db.session)  # machine translations into pt-BR
        db.session.commit()
    return app


def signed_in(app, email="wanda@example.org"):
    client = app.test_client()
    web.sign_in(client, email, PASSWORD)
    return client


def fields(html):
    """The editor's rows as {source text: (row number, prefilled translation)}."""
    rows = {}
    for number, source, text in re.findall(
            r'id="source-(\d+)"[^>]*>(.*?)</p>.*?<textarea id="text-\1"[^>]*>(.*?)</textarea>', html, re.S):
        rows[source] = (number, text)
    return rows


def form_data(html, texts=None, reviewed=()):
    """What the browser would post: every row, with ``texts`` replacing some by source text."""
    data = {"csrf_token": csrf(html), "base_revision": re.search(r'name="base_revision" value="(\d+)"', html).group(1)}
    hashes = dict(re.findall(r'name="hash-(\d+)" value="([0-9a-f]+)"', html))
    for source, (number, text) in fields(html).items():
        data[f"hash-{number}"] = hashes[number]
        data[f"text-{number}"] = (texts or {}).get(source, text.replace("&#39;", "'").replace("&amp;", "&"))
        if source in reviewed:
            data[f"reviewed-{number}"] = "1"
    return data


def approve_and_publish(app, slug, lang):
    with app.app_context():
        version = db.session.scalar(select(Article).where(Article.slug == slug)).version(lang)
        workflow.submit(version)
        workflow.review(version, "walt@example.org", False, True)
        from portal.publishing import publish_now

        try:
            publish_now(db.session(), version)
        except workflow.WorkflowError as exc:
            db.session.rollback()
            return exc.code
        run_pending(db.session)
        return version.kind


def republish_original(app, body, slug="reset-password"):
    """Save ``body`` as a new draft of the English original, then review and publish it."""
    with app.app_context():
        source = db.session.scalar(select(Article).where(Article.slug == slug)).source
        workflow.save_draft(source, title=source.title, summary=source.summary, author="wanda@example.org",
                            body=body, base_revision=workflow.latest(source).number)
        db.session.commit()
    return approve_and_publish(app, slug, "en")


def test_editor_pairs_source_and_machine_translation_and_saving_feeds_the_memory(studio):
    wanda = signed_in(studio)
    page = wanda.get("/studio/articles/reset-password/pt-BR/segments")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    rows = fields(html)
    assert set(rows) == {"Reset your password", "Choose a new one.", "Before you start",
                         "You need your email address.", "Open the settings page to begin."}
    assert html.count("Machine suggestion, not reviewed yet") >= 5  # every row is marked as machine output
    assert 'lang="pt-BR"' in html and 'id="reviewed-' in html
    machine_para = rows["Open the settings page to begin."][1]

    saved = wanda.post("/studio/articles/reset-password/pt-BR/segments", data=form_data(
        html, texts={"You need your email address.": "Tenha o seu endereço de e-mail à mão."},
        reviewed={"Open the settings page to begin.", "Reset your password"}))
    assert saved.status_code == 303 and "saved=" in saved.headers["Location"]
    with studio.app_context():
        version = db.session.scalar(select(Article).where(Article.slug == "reset-password")).version("pt-BR")
        assert version.kind == "machine" and workflow.has_draft(version)  # the public still gets the machine text
        states = version.segment_states["states"]
        assert states.count("human") == 1 and states.count("machine_reviewed") == 2 and states.count("machine") == 2
        draft = version.revisions[-1].body
        assert "Tenha o seu endereço de e-mail à mão." in draft and machine_para in draft
        assert draft.startswith("## ")  # structure kept: the heading is still a heading
        human = memory.lookup_many(db.session, "human", "1", "en", "pt-BR",
                                   ["You need your email address.", "Open the settings page to begin."])
        assert human == {"You need your email address.": "Tenha o seu endereço de e-mail à mão.",
                         "Open the settings page to begin.": machine_para}
    # Two segments are still unreviewed machine output: publishing waits.
    assert approve_and_publish(studio, "reset-password", "pt-BR") == "unreviewed_segments"


def test_human_segments_win_everywhere_and_a_reviewed_translation_is_published_as_such(studio):
    wanda = signed_in(studio)
    html = wanda.get("/studio/articles/reset-password/pt-BR/segments").get_data(as_text=True)
    everything = set(fields(html))
    wanda.post("/studio/articles/reset-password/pt-BR/segments", data=form_data(
        html, texts={"You need your email address.": "Tenha em mãos o seu e-mail."}, reviewed=everything))
    assert approve_and_publish(studio, "reset-password", "pt-BR") == "machine_reviewed"
    panel = wanda.get("/studio/articles/reset-password/translations").get_data(as_text=True)
    assert "Machine translation, reviewed" in panel and "bergamot/" in panel and "wanda@example.org" in panel
    article_page = studio.test_client().get("/pt-BR/articles/reset-password").get_data(as_text=True)
    assert "Tenha em mãos o seu e-mail." in article_page
    assert "reviewed-notice" in article_page and "machine-notice" not in article_page
    api = studio.test_client().get("/api/v1/articles/reset-password?lang=pt-BR").get_json()
    assert api["machine_reviewed"] is True and api["machine_translated"] is False
    assert api["translation"]["status"] == "machine_reviewed"

    # Another article with the same sentence gets the person's translation when machine-translated.
    with studio.app_context():
        other = db.session.scalar(select(Article).where(Article.slug == "change-email"))
        other.source.body = "You need your email address.\n\nNothing else.\n"
        other.source.current_revision += 1
        from portal.publishing import fan_out

        fan_out(db.session, {other: {"en"}})
        db.session.commit()
        run_pending(db.session)
        assert "Tenha em mãos o seu e-mail." in other.version("pt-BR").body
        assert other.version("pt-BR").kind == "machine"


def test_a_changed_source_paragraph_is_shown_stale_with_its_diff_and_blocks_publishing(studio):
    wanda = signed_in(studio)
    html = wanda.get("/studio/articles/reset-password/pt-BR/segments").get_data(as_text=True)
    wanda.post("/studio/articles/reset-password/pt-BR/segments", data=form_data(html, reviewed=set(fields(html))))
    assert approve_and_publish(studio, "reset-password", "pt-BR") == "machine_reviewed"
    with studio.app_context():
        before = db.session.scalar(select(Article).where(Article.slug == "reset-password")).version("pt-BR").body
    assert republish_original(studio, BODY.replace("your email address", "your work email address")) == "source"
    with studio.app_context():
        translation = db.session.scalar(select(Article).where(Article.slug == "reset-password")).version("pt-BR")
        assert translation.body == before and translation.stale_segments == [3]  # kept, flagged, not overwritten

    page = wanda.get("/studio/articles/reset-password/pt-BR/segments").get_data(as_text=True)
    stale = page[page.index('class="segment segment-stale"'):]
    stale = stale[:stale.index("</li>")]
    assert "You need your work email address." in stale
    assert re.search(r"<ins>.*work.*</ins>", stale)  # what changed in the original
    assert page.count('class="segment segment-stale"') == 1 and page.count("segment-machine_reviewed") == 4

    # Saving without resolving it keeps it stale; publishing is refused until it is reviewed.
    wanda.post("/studio/articles/reset-password/pt-BR/segments", data=form_data(page))
    assert approve_and_publish(studio, "reset-password", "pt-BR") == "unreviewed_segments"
    page = wanda.get("/studio/articles/reset-password/pt-BR/segments").get_data(as_text=True)
    number = fields(page)["You need your work email address."][0]
    wanda.post("/studio/articles/reset-password/pt-BR/segments", data={
        **form_data(page), f"text-{number}": "Você precisa do e-mail do trabalho."})
    assert approve_and_publish(studio, "reset-password", "pt-BR") == "machine_reviewed"
    with studio.app_context():
        translation = db.session.scalar(select(Article).where(Article.slug == "reset-password")).version("pt-BR")
        assert translation.stale_segments == [] and "Você precisa do e-mail do trabalho." in translation.body


def test_a_stale_form_is_refused_and_the_typed_text_is_kept(studio):
    wanda, walt = signed_in(studio), signed_in(studio, "walt@example.org")
    html_wanda = wanda.get("/studio/articles/reset-password/pt-BR/segments").get_data(as_text=True)
    html_walt = walt.get("/studio/articles/reset-password/pt-BR/segments").get_data(as_text=True)
    assert walt.post("/studio/articles/reset-password/pt-BR/segments",
                     data=form_data(html_walt, texts={"Before you start": "Antes de tudo"})).status_code == 303
    refused = wanda.post("/studio/articles/reset-password/pt-BR/segments",
                         data=form_data(html_wanda, texts={"Before you start": "Primeiros passos"}))
    page = refused.get_data(as_text=True)
    assert refused.status_code == 409 and 'role="alert"' in page and "Primeiros passos" in page
    with studio.app_context():
        version = db.session.scalar(select(Article).where(Article.slug == "reset-password")).version("pt-BR")
        assert "Antes de tudo" in version.revisions[-1].body  # Walt's save was not overwritten


def test_untranslated_segments_get_machine_suggestions_from_the_worker(studio):
    with studio.app_context():
        db.session.execute(Job.__table__.delete())
        article = db.session.scalar(select(Article).where(Article.slug == "change-email"))
        article.versions.remove(article.version("pt-BR"))
        from portal.translation.models import MemorySegment

        db.session.execute(MemorySegment.__table__.delete())
        db.session.commit()
    wanda = signed_in(studio)
    first = wanda.get("/studio/articles/change-email/pt-BR/segments").get_data(as_text=True)
    assert "Not translated yet" in first and "being prepared" in first
    with studio.app_context():
        assert [job.kind for job in db.session.scalars(select(Job))] == ["translate_segments"]
        run_pending(db.session)
    second = wanda.get("/studio/articles/change-email/pt-BR/segments").get_data(as_text=True)
    assert "Prefilled with a machine suggestion from the translation memory." in second
    assert fields(second)["You need your email address."][1].strip()
    # Spanish has no engine: the rows stay empty and nothing is queued.
    spanish = wanda.get("/studio/articles/change-email/es/segments").get_data(as_text=True)
    assert "Not translated yet" in spanish and "being prepared" not in spanish


def test_only_writers_use_the_editor_and_bulk_actions(studio):
    agent = signed_in(studio, "agnes@example.org")
    assert agent.get("/studio/articles/reset-password/pt-BR/segments").status_code == 403
    token = csrf(agent.get("/en/contact").get_data(as_text=True))
    assert agent.post("/studio/articles/reset-password/pt-BR/segments", data={"csrf_token": token}).status_code == 403
    assert agent.post("/studio/categories/account/machine", data={"csrf_token": token}).status_code == 403
    assert studio.test_client().get("/studio/batches/1.json").status_code == 302
    wanda = signed_in(studio)
    assert wanda.get("/studio/articles/reset-password/en/segments").status_code == 404  # the original itself
    assert wanda.get("/studio/articles/nope/pt-BR/segments").status_code == 404
    assert wanda.post("/studio/categories/account/machine", data={}).status_code == 400  # no CSRF token


def test_bulk_machine_translation_of_a_topic_shows_progress(studio):
    with studio.app_context():
        for article in db.session.scalars(select(Article)):
            article.versions.remove(article.version("pt-BR"))
        db.session.commit()
    wanda = signed_in(studio)
    listing = wanda.get("/studio/?category=account").get_data(as_text=True)
    assert "Machine-translate all missing languages in the topic" in listing
    started = wanda.post("/studio/categories/account/machine", data={"csrf_token": csrf(listing)})
    assert started.status_code == 303
    batch_url = started.headers["Location"]
    page = wanda.get(batch_url).get_data(as_text=True)
    assert re.search(r'<progress[^>]*max="2"[^>]*value="0"', page) and "Finished: 0 of 2. Failed: 0." in page
    assert wanda.get(batch_url + ".json").get_json() == {"id": int(batch_url.rsplit("/", 1)[1]), "total": 2, "done": 0,
                                                         "failed": 0, "pending": 2, "complete": False, "percent": 0}
    with studio.app_context():
        run_pending(db.session)
        assert all(a.version("pt-BR").kind == "machine" for a in db.session.scalars(select(Article)))
    progress = wanda.get(batch_url + ".json").get_json()
    assert progress["complete"] and progress["done"] == 2 and progress["percent"] == 100
    assert "Complete. Finished: 2 of 2. Failed: 0." in wanda.get(batch_url).get_data(as_text=True)
    # Nothing left to do: a second run says so instead of showing an empty bar.
    again = wanda.post("/studio/categories/account/machine", data={"csrf_token": csrf(listing)})
    assert "Nothing to translate" in wanda.get(again.headers["Location"]).get_data(as_text=True)
    assert wanda.post("/studio/categories/nope/machine", data={"csrf_token": csrf(listing)}).status_code == 404


def test_article_bulk_translation_reports_progress_on_the_panel(studio):
    with studio.app_context():
        article = db.session.scalar(select(Article).where(Article.slug == "reset-password"))
        article.versions.remove(article.version("pt-BR"))
        db.session.commit()
    wanda = signed_in(studio)
    panel = wanda.get("/studio/articles/reset-password/translations").get_data(as_text=True)
    assert "Missing (machine translation possible)" in panel and "Missing (no machine translation available)" in panel
    started = wanda.post("/studio/articles/reset-password/translations/machine", data={"csrf_token": csrf(panel)})
    assert "batch=" in started.headers["Location"]
    assert "Finished: 0 of 1." in wanda.get(started.headers["Location"]).get_data(as_text=True)
    with studio.app_context():
        run_pending(db.session)
    done = wanda.get(started.headers["Location"]).get_data(as_text=True)
    assert "Complete. Finished: 1 of 1." in done and "Machine translation" in done


def test_a_machine_refresh_over_a_draft_keeps_the_writers_segments(studio):
    """The source changes while a post-edit is only a draft: the machine version is refreshed,
    and it carries the writer's segments (from the memory), which the editor shows as human."""
    wanda = signed_in(studio)
    html = wanda.get("/studio/articles/reset-password/pt-BR/segments").get_data(as_text=True)
    wanda.post("/studio/articles/reset-password/pt-BR/segments", data=form_data(
        html, texts={"Before you start": "Antes de mais nada"}))
    assert republish_original(studio, BODY.replace("Open the settings page to begin.",
                                                   "Open the settings page first.")) == "source"
    with studio.app_context():
        machine = db.session.scalar(select(Article).where(Article.slug == "reset-password")).version("pt-BR")
        assert machine.kind == "machine" and "## Antes de mais nada" in machine.body
        assert machine.status == "published" and not workflow.has_draft(machine)
    page = wanda.get("/studio/articles/reset-password/pt-BR/segments").get_data(as_text=True)
    heading = page[page.index("Antes de mais nada") - 2000:page.index("Antes de mais nada")]
    assert heading.rfind("segment-human") > heading.rfind("segment-machine")
