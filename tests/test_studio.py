"""The writer workspace: write, lint, review, publish, translate, history, conflicts, permissions, images."""
import re

import pytest
from sqlalchemy import select

from portal.accounts import create_user
from portal.db import db
from portal.jobs import run_pending
from portal.kb.models import Article
from portal.search import SearchQuery, search_service
from portal.services import services
from portal.translation.engines.bergamot import BergamotEngine
from portal.translation.service import TranslationService
from tests.support import web
from tests.support.engines import CountingEngine
from tests.support.web import csrf

PASSWORD = "writers write every day"


def sign_in(client, email):
    web.sign_in(client, email, PASSWORD)


@pytest.fixture
def studio(make_app):
    app = make_app(languages=("en", "pt-BR", "es"), translation_engines=("bergamot",))
    engine = CountingEngine(BergamotEngine())
    services(app).provide(translation=TranslationService([engine]))
    app.engine = engine
    with app.app_context():
        for email, roles in (("wanda@example.org", ["writer"]), ("walt@example.org", ["writer"]),
                             ("agnes@example.org", ["agent"])):
            create_user(db.session, email, email.split("@")[0].title(), PASSWORD, roles, "en")
        db.session.commit()
    return app


BODY = """## Before you start

You need access to your email.

## Steps

1. Open the settings page.
2. Choose a new password.

![](screenshot.png)
"""


def test_writer_journey_lint_review_publish_search_translate_and_paragraph_staleness(studio):
    wanda, walt = studio.test_client(), studio.test_client()
    sign_in(wanda, "wanda@example.org")
    sign_in(walt, "walt@example.org")
    page = wanda.get("/studio/articles/new").get_data(as_text=True)
    created = wanda.post(
        "/studio/articles/new",
        data={
            "csrf_token": csrf(page),
            "title": "Change your password",
            "slug": "change-password",
            "lang": "en",
            "summary": "Pick a new one.",
            "body": BODY,
        },
    )
    assert created.status_code == 303
    editor = wanda.get("/studio/articles/change-password/en/edit").get_data(as_text=True)
    assert "image-alt" in editor or "alt" in editor  # the lint shows the missing alt text
    token = csrf(editor)
    wanda.post("/studio/articles/change-password/en/submit", data={"csrf_token": token})
    own = wanda.post("/studio/articles/change-password/en/review", data={"csrf_token": token, "decision": "approve"})
    assert "problem=own_revision" in own.headers["Location"]
    walt.post(
        "/studio/articles/change-password/en/review",
        data={"csrf_token": csrf(walt.get("/studio/").get_data(as_text=True)), "decision": "approve"},
    )
    blocked = wanda.post("/studio/articles/change-password/en/publish", data={"csrf_token": token})
    assert "problem=lint_errors" in blocked.headers["Location"]

    # Fix the alt text, get it reviewed again, publish.
    fixed = BODY.replace("![](screenshot.png)", "![The settings page with the password field](screenshot.png)")
    saved = wanda.post("/studio/articles/change-password/en/edit", data={
        "csrf_token": token, "action": "save", "title": "Change your password", "summary": "Pick a new one.",
        "body": fixed, "base_revision": "1"})
    assert saved.status_code == 303
    wanda.post("/studio/articles/change-password/en/submit", data={"csrf_token": token})
    walt.post(
        "/studio/articles/change-password/en/review",
        data={"csrf_token": csrf(walt.get("/studio/").get_data(as_text=True)), "decision": "approve"},
    )
    published = wanda.post("/studio/articles/change-password/en/publish", data={"csrf_token": token})
    assert "done=publish" in published.headers["Location"]
    with studio.app_context():
        run_pending(db.session)
        assert search_service().search(SearchQuery("change password", "en")).results[0].slug == "change-password"
        article = db.session.scalar(select(Article).where(Article.slug == "change-password"))
        machine = article.version("pt-BR")
        assert machine.kind == "machine" and machine.source_revision == 2
        assert search_service().search(SearchQuery("senha", "pt-BR")).total >= 1
    assert studio.test_client().get("/pt-BR/articles/change-password").status_code == 200

    # Edit one paragraph: only it reaches the engine again.
    edited = fixed.replace("You need access to your email.", "You need access to your email inbox.")
    wanda.post("/studio/articles/change-password/en/edit", data={
        "csrf_token": token, "action": "save", "title": "Change your password", "summary": "Pick a new one.",
        "body": edited, "base_revision": "2"})
    wanda.post("/studio/articles/change-password/en/submit", data={"csrf_token": token})
    walt.post(
        "/studio/articles/change-password/en/review",
        data={"csrf_token": csrf(walt.get("/studio/").get_data(as_text=True)), "decision": "approve"},
    )
    wanda.post("/studio/articles/change-password/en/publish", data={"csrf_token": token})
    studio.engine.seen.clear()
    with studio.app_context():
        run_pending(db.session)
    assert studio.engine.seen == ["You need access to your email inbox."]


def test_concurrent_edit_is_refused_with_a_diff(studio):
    wanda, walt = studio.test_client(), studio.test_client()
    sign_in(wanda, "wanda@example.org")
    sign_in(walt, "walt@example.org")
    token = csrf(wanda.get("/studio/articles/new").get_data(as_text=True))
    wanda.post("/studio/articles/new", data={"csrf_token": token, "title": "Plans", "slug": "plans", "lang": "en",
                                             "body": "Line one.\n"})
    first = walt.post("/studio/articles/plans/en/edit", data={
        "csrf_token": csrf(walt.get("/studio/").get_data(as_text=True)), "action": "save", "title": "Plans",
        "body": "Line one, by Walt.\n", "base_revision": "1"})
    assert first.status_code == 303
    stale = wanda.post("/studio/articles/plans/en/edit", data={
        "csrf_token": token, "action": "save", "title": "Plans", "body": "Line one, by Wanda.\n", "base_revision": "1"})
    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert 'role="alert"' in html and "by Walt" in html and "by Wanda" in html  # diff shown, her text kept
    with studio.app_context():
        article = db.session.scalar(select(Article).where(Article.slug == "plans"))
        assert [r.body for r in article.version("en").revisions] == ["Line one.\n", "Line one, by Walt.\n"]


def test_history_and_restore(studio):
    wanda = studio.test_client()
    sign_in(wanda, "wanda@example.org")
    token = csrf(wanda.get("/studio/articles/new").get_data(as_text=True))
    wanda.post("/studio/articles/new", data={"csrf_token": token, "title": "Refunds", "slug": "refunds", "lang": "en",
                                             "body": "Old text.\n"})
    wanda.post("/studio/articles/refunds/en/edit", data={"csrf_token": token, "action": "save", "title": "Refunds",
                                                         "body": "New text.\n", "base_revision": "1"})
    history = wanda.get("/studio/articles/refunds/en/history").get_data(as_text=True)
    assert "diff-added" in history and "diff-removed" in history and "New text." in history
    wanda.post("/studio/articles/refunds/en/restore/1", data={"csrf_token": token})
    with studio.app_context():
        version = db.session.scalar(select(Article).where(Article.slug == "refunds")).version("en")
        assert [r.body for r in version.revisions] == ["Old text.\n", "New text.\n", "Old text.\n"]
        assert version.revisions[-1].note == "restored revision 1"


def test_only_writers_reach_the_studio_even_by_forged_post(studio):
    customer = studio.test_client()
    assert customer.get("/studio/").status_code == 302
    agent = studio.test_client()
    sign_in(agent, "agnes@example.org")
    assert agent.get("/studio/").status_code == 403
    token = csrf(agent.get("/en/contact").get_data(as_text=True))
    forged = agent.post(
        "/studio/articles/new", data={"csrf_token": token, "title": "X", "slug": "x", "lang": "en", "body": "x"}
    )
    assert forged.status_code == 403
    assert customer.post("/studio/preview", data={"body": "x"}).status_code in (302, 400)
    with studio.app_context():
        assert db.session.scalar(select(Article)) is None


def test_live_preview_is_the_publishing_renderer_and_lints(studio):
    wanda = studio.test_client()
    sign_in(wanda, "wanda@example.org")
    token = csrf(wanda.get("/studio/").get_data(as_text=True))
    result = wanda.post(
        "/studio/preview",
        data={"csrf_token": token, "lang": "en", "body": "# Big\n\n<script>x()</script> [click here](../a/)"},
    ).get_json()
    assert "<script>" not in result["html"] and "<h2" in result["html"]
    rules = {f["rule"] for f in result["findings"]}
    assert {"multiple-h1", "link-text"} <= rules


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def upload(client, token, data, name="image.png", **fields):
    import io

    return client.post("/studio/articles/imgs/en/images", content_type="multipart/form-data",
                       data={"csrf_token": token, "image": (io.BytesIO(data), name), **fields})


@pytest.mark.wcag("1.1.1")
def test_image_uploads_require_alt_text_and_are_checked_by_content(studio):
    wanda = studio.test_client()
    sign_in(wanda, "wanda@example.org")
    token = csrf(wanda.get("/studio/articles/new").get_data(as_text=True))
    wanda.post(
        "/studio/articles/new", data={"csrf_token": token, "title": "Images", "slug": "imgs", "lang": "en", "body": "x"}
    )
    assert upload(wanda, token, PNG).status_code == 400  # no alt text
    assert upload(wanda, token, b"x" * (2 * 1024 * 1024 + 10), alt="big").status_code == 413
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    assert upload(wanda, token, svg, name="logo.svg", alt="Logo").status_code == 400
    assert upload(wanda, token, b"%PDF-1.4 not an image", name="fake.png", alt="Fake").status_code == 400
    good = upload(wanda, token, PNG, alt="The billing page")
    assert good.status_code == 200
    snippet = re.search(
        r'value="(!\[The billing page\]\(/media/[0-9a-f]{32}\.png\))"', good.get_data(as_text=True)
    ).group(1)
    decorative = upload(wanda, token, PNG, decorative="1").get_data(as_text=True)
    assert "![decorative](/media/" in decorative
    url = re.search(r"\((/media/[^)]+)\)", snippet).group(1)
    served = studio.test_client().get(url)
    assert served.status_code == 200 and served.data == PNG and served.headers["X-Content-Type-Options"] == "nosniff"
    assert studio.test_client().get("/media/../secret_key").status_code == 404
    media = list((studio.config["SETTINGS"].data_dir / "media").iterdir())
    assert [p.suffix for p in media] == [".png"]  # nothing else was stored
    from portal.kb.markdown import render

    decorative_snippet = re.search(r'id="snippet"[^>]*value="([^"]+)"', decorative).group(1)
    html = render(snippet + " " + decorative_snippet)
    assert 'alt="The billing page"' in html and 'alt=""' in html
    assert "<img" not in render("![x](javascript:alert(1))")  # left as plain text, never an image
    assert "<img" not in render("![y](https://evil.example/p.png)")


def test_topic_and_tags_are_edited_in_the_editor_and_bad_input_saves_nothing(studio):
    wanda = studio.test_client()
    sign_in(wanda, "wanda@example.org")
    with studio.app_context():
        from portal.kb.service import get_or_create_category

        get_or_create_category(db.session, "billing")
        get_or_create_category(db.session, "account")
        db.session.commit()
    token = csrf(wanda.get("/studio/articles/new").get_data(as_text=True))
    wanda.post(
        "/studio/articles/new",
        data={
            "csrf_token": token,
            "title": "Invoices",
            "slug": "invoices",
            "lang": "en",
            "body": "Find your invoices.\n",
            "category": "billing",
            "tags": "pdf, PDF , tax",
        },
    )
    editor = wanda.get("/studio/articles/invoices/en/edit").get_data(as_text=True)
    assert '<option value="billing" selected>' in editor and 'value="pdf, tax"' in editor
    saved = wanda.post("/studio/articles/invoices/en/edit", data={
        "csrf_token": token, "action": "save", "title": "Invoices", "body": "Find your invoices.\n",
        "base_revision": "1", "category": "account", "tags": "receipts"})
    assert saved.status_code == 303
    with studio.app_context():
        article = db.session.scalar(select(Article).where(Article.slug == "invoices"))
        assert article.category.slug == "account" and article.tags == ["receipts"]
    refused = wanda.post("/studio/articles/invoices/en/edit", data={
        "csrf_token": token, "action": "save", "title": "Invoices", "body": "Changed.\n",
        "base_revision": "2", "category": "no-such-topic", "tags": "x"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "Choose a topic from the list." in page and "Changed." in page
    with studio.app_context():
        article = db.session.scalar(select(Article).where(Article.slug == "invoices"))
        assert article.category.slug == "account" and len(article.version("en").revisions) == 2  # nothing half-saved
    empty_title = wanda.post("/studio/articles/invoices/en/edit", data={
        "csrf_token": token, "action": "save", "title": " ", "body": "x", "base_revision": "2"})
    assert empty_title.status_code == 400 and "The title cannot be empty." in empty_title.get_data(as_text=True)
