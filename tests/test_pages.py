"""Customer pages: routing by language, fallbacks, rendering, health check."""
import re

import pytest

from portal.config import DEFAULT_LANGUAGES
from portal.db import db
from portal.i18n import text_direction
from portal.kb.transfer import import_directory
from tests.conftest import write_article


@pytest.fixture
def kb_app(app, tmp_path):
    kb = tmp_path / "kb"
    write_article(
        kb,
        "reset-password",
        "en",
        "Reset your password",
        "## Steps\n\n1. Open [account settings](../account/).\n\n<script>alert(1)</script>\n",
        summary="Get back in.",
        category="sign-in",
        source_url="https://example.org/orig",
        license="CC-BY-SA-3.0",
    )
    write_article(kb, "reset-password", "es", "Restablecer la contraseña", "## Pasos\n\nTexto.\n",
                  translation_of="en", category="sign-in")
    write_article(kb, "account", "en", "Your account", "About accounts.\n", category="account")
    write_article(kb, "secret-draft", "en", "Unpublished", status="draft", category="account")
    with app.app_context():
        assert not import_directory(db.session, kb).errors
        db.session.commit()
    return app


def test_root_redirects_by_accept_language_then_cookie(kb_app):
    client = kb_app.test_client()
    assert client.get("/", headers={"Accept-Language": "es-MX,es;q=0.9"}).headers["Location"] == "/es/"
    assert client.get("/", headers={"Accept-Language": "sw"}).headers["Location"] == "/en/"
    client.set_cookie("lang", "ar")
    assert client.get("/", headers={"Accept-Language": "es"}).headers["Location"] == "/ar/"


def test_language_chooser_remembers_choice_and_keeps_the_page(kb_app):
    client = kb_app.test_client()
    response = client.get("/language/pt-br?next=/es/articles/reset-password")
    assert response.status_code == 303
    assert response.headers["Location"] == "/pt-BR/articles/reset-password"
    assert "lang=pt-BR" in response.headers["Set-Cookie"]
    assert client.get("/").headers["Location"] == "/pt-BR/"
    # Never an open redirect.
    assert client.get("/language/es?next=//evil.example/x").headers["Location"] == "/es/"
    assert client.get("/language/es?next=https://evil.example/").headers["Location"] == "/es/"
    assert client.get("/language/xx").status_code == 404


def test_non_canonical_language_casing_redirects(kb_app):
    client = kb_app.test_client()
    response = client.get("/PT-br/articles/reset-password?x=1")
    assert response.status_code == 301
    assert response.headers["Location"] == "/pt-BR/articles/reset-password?x=1"
    assert client.get("/zh-hans/").headers["Location"] == "/zh-Hans/"
    assert client.get("/xx/").status_code == 404


@pytest.mark.wcag("3.1.1")
@pytest.mark.parametrize("lang, direction", [("en", "ltr"), ("ar", "rtl"), ("he", "rtl"), ("zh-Hans", "ltr")])
def test_html_lang_and_dir_on_every_page_type(kb_app, lang, direction):
    client = kb_app.test_client()
    for path in ("/", "/categories/sign-in", "/articles/reset-password", "/search?q=password", "/missing-page"):
        html = client.get(f"/{lang}{path}").get_data(as_text=True)
        assert f'<html lang="{lang}" dir="{direction}">' in html, path


def test_article_in_requested_language(kb_app):
    html = kb_app.test_client().get("/es/articles/reset-password").get_data(as_text=True)
    assert "Restablecer la contraseña" in html
    assert 'class="article-body" lang="es" dir="ltr"' in html
    assert "no está disponible" not in html


@pytest.mark.wcag("3.1.2")
def test_missing_translation_shows_original_with_accessible_notice(kb_app):
    response = kb_app.test_client().get("/ar/articles/account")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html
    assert 'class="article-body" lang="en" dir="ltr"' in html
    assert '<h1 id="article-title" lang="en" dir="ltr">Your account</h1>' in html
    notice = re.search(r'<div class="notice" role="note">(.*?)</div>', html, re.S).group(1)
    assert "الإنجليزية" in notice  # "English", named in the UI language


def test_article_body_is_sanitised_links_rewritten_and_attributed(kb_app):
    html = kb_app.test_client().get("/es/articles/reset-password?original=1").get_data(as_text=True)
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert 'href="/es/articles/account"' in html
    assert 'id="steps"' in html
    assert 'href="https://example.org/orig"' in html and "CC-BY-SA-3.0" in html


def test_drafts_and_unknown_articles_are_not_public(kb_app):
    client = kb_app.test_client()
    assert client.get("/en/articles/secret-draft").status_code == 404
    missing = client.get("/es/articles/nope")
    assert missing.status_code == 404 and '<html lang="es"' in missing.get_data(as_text=True)


@pytest.mark.wcag("2.4.5")
def test_home_lists_categories_and_popular_articles(kb_app):
    client = kb_app.test_client()
    for _ in range(3):
        client.get("/en/articles/account")
    html = client.get("/en/").get_data(as_text=True)
    assert 'href="/en/categories/sign-in"' in html and 'href="/en/categories/account"' in html
    popular = html.split('id="popular-heading"')[1]
    assert popular.index("Your account") < popular.index("Reset your password")
    assert "Unpublished" not in html


def test_category_page(kb_app):
    client = kb_app.test_client()
    html = client.get("/es/categories/sign-in").get_data(as_text=True)
    assert "Restablecer la contraseña" in html
    assert client.get("/es/categories/none").status_code == 404


def test_healthz_is_json(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_security_headers(client):
    response = client.get("/en/")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_secret_key_is_generated_once_and_persisted(make_app):
    first = make_app()
    key_file = first.config["SETTINGS"].data_dir / "secret_key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    from portal import create_app

    again = create_app(
        {
            "data_dir": first.config["SETTINGS"].data_dir,
            "search_index_dir": first.config["SETTINGS"].search_index_dir,
            "testing": True,
        }
    )
    assert again.config["SECRET_KEY"] == first.config["SECRET_KEY"] and len(first.config["SECRET_KEY"]) > 40


def test_settings_from_environment_and_config_file(tmp_path):
    from portal.config import load_settings

    config = tmp_path / "portal.cfg"
    config.write_text("LANGUAGES = ['en', 'es']\nDEFAULT_LANGUAGE = 'es'\n")
    settings = load_settings(environ={"PORTAL_CONFIG": str(config), "DATABASE_URL": "postgresql+psycopg://db/x"})
    assert settings.languages == ("en", "es") and settings.default_language == "es"
    assert settings.resolved_database_url == "postgresql+psycopg://db/x"
    with pytest.raises(ValueError, match="not among the enabled"):
        load_settings(environ={"PORTAL_LANGUAGES": "en,fr", "PORTAL_DEFAULT_LANGUAGE": "de"})


def test_article_api_reports_translation_availability(kb_app):
    client = kb_app.test_client()
    spanish = client.get("/api/v1/articles/reset-password?lang=es").get_json()
    assert spanish["language"] == "es" and spanish["translation"]["status"] == "human"
    arabic = client.get("/api/v1/articles/account?lang=ar").get_json()
    assert arabic["language"] == "en" and arabic["translation"]["status"] == "unavailable"
    assert "No machine translation is available" in arabic["translation"]["message"]
    assert client.get("/api/v1/articles/nope?lang=en").status_code == 404
    assert client.get("/api/v1/articles/account?lang=xx").get_json()["error"]["code"] == "unknown_language"


@pytest.mark.wcag("3.1.2")
def test_the_api_and_the_page_present_a_machine_translation_alike(kb_app):
    """One presentation: blocks the engine left in the original keep their lang mark in the API's HTML too."""
    from portal.kb.models import KIND_MACHINE
    from portal.kb.service import get_article, save_version

    with kb_app.app_context():
        article = get_article(db.session, "account")
        save_version(db.session, article, "de", title="Ihr Konto", summary="", kind=KIND_MACHINE,
                     body="Über Konten.\n\nLeft in English by the engine.\n", produced_by="test/1",
                     extra={"untranslated_blocks": [1]})
        db.session.commit()
    page = kb_app.test_client().get("/de/articles/account").get_data(as_text=True)
    api = kb_app.test_client().get("/api/v1/articles/account?lang=de").get_json()
    untranslated = '<p lang="en" dir="ltr">Left in English by the engine.</p>'
    assert untranslated in api["html"] and untranslated in page
    assert api["html"].strip() in page
    assert api["machine_translated"] is True and api["machine_reviewed"] is False and api["stale"] is False


# --- the accessibility statement ----------------------------------------------------------------

LOCALIZED_STATEMENT_TITLE = {"de": "Erklärung zur Barrierefreiheit", "ar": "بيان إمكانية الوصول",
                             "ja": "アクセシビリティに関する声明", "pt-BR": "Declaração de acessibilidade"}


@pytest.mark.wcag("1.3.1", "3.1.1", "3.1.2")
@pytest.mark.parametrize("lang", DEFAULT_LANGUAGES)
def test_accessibility_statement_in_every_ui_language(client, lang):
    response = client.get(f"/{lang}/accessibility")
    assert response.status_code == 200
    assert response.headers["Cache-Control"].startswith("public")  # a public page like the others
    html = response.get_data(as_text=True)
    direction = text_direction(lang)
    assert f'<html lang="{lang}" dir="{direction}">' in html
    if lang in LOCALIZED_STATEMENT_TITLE:
        assert f"<h1>{LOCALIZED_STATEMENT_TITLE[lang]}</h1>" in html
    if lang != "en":
        assert "The known limitations and the detailed report below are in English." not in html
    assert f'href="/{lang}/contact"' in html  # how to report a problem
    # The table: caption, column and row headers, every criterion once, the English parts marked as such.
    table = re.search(r'<table class="data-table" id="criteria">.*?</table>', html, re.S).group(0)
    assert '<caption id="criteria-caption">' in table and table.count('<th scope="col">') == 4
    rows = re.findall(r'<tr id="sc-([0-9.]+)">\s*<th scope="row" lang="en" dir="ltr">\1 [^<]+</th>'
                      r'\s*<td>(A|AA)</td>\s*<td>([^<]+)</td>\s*<td lang="en" dir="ltr">', table)
    assert len(rows) == 55 and len({number for number, _, _ in rows}) == 55
    assert sum(level == "A" for _, level, _ in rows) == 31
    assert len({conformance for _, _, conformance in rows}) >= 3  # said in words, in the UI language
    limitations = html.split('id="limitations-heading"')[1].split("</section>")[0]
    assert '<ul lang="en" dir="ltr">' in limitations and "Machine translation" in limitations


def test_accessibility_statement_conformance_words_are_translated(client):
    html = client.get("/de/accessibility").get_data(as_text=True)
    assert "<td>Teilweise unterstützt</td>" in html and "<td>Unterstützt</td>" in html
    assert "<td>Partially supports</td>" not in html


def test_accessibility_statement_of_an_unknown_language_is_not_found(client):
    response = client.get("/xx/accessibility")
    assert response.status_code == 404 and '<html lang="en"' in response.get_data(as_text=True)


@pytest.mark.parametrize("lang", ["en", "ar", "zh-Hans"])
def test_every_footer_links_to_the_accessibility_statement(kb_app, lang):
    client = kb_app.test_client()
    for path in ("/", "/articles/reset-password", "/search?q=password", "/contact", "/categories/sign-in",
                 "/no-such-page"):
        html = client.get(f"/{lang}{path}").get_data(as_text=True)
        footer = html.split('<footer class="site-footer">')[1]
        assert f'<a href="/{lang}/accessibility">' in footer, path
    own = client.get(f"/{lang}/accessibility").get_data(as_text=True).split('<footer class="site-footer">')[1]
    assert f'<a href="/{lang}/accessibility" aria-current="page">' in own
    login = client.get("/desk/login", headers={"Accept-Language": lang}).get_data(as_text=True)
    assert f'<a href="/{lang}/accessibility">' in login.split('<footer class="site-footer">')[1]
