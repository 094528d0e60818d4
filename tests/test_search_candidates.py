"""Which documents a partial-match query ranks (ADR 0018), on both keyword backends.

Ranking reads each matching document; a word that most documents hold would have
every one of them ranked. Only documents holding the query's rarer words are
candidates; common words add to their scores. The budget is set small here so a
handful of documents shows what happens at 50,000.
"""
import pytest
import sqlalchemy

from portal.db import db
from portal.search import search_service
from portal.search.backend import RANKED_WORDS, candidate_words, rarest_words
from portal.search.postgres import _rarity_groups


def _doc(slug: str, title: str, body: str, popularity: int = 0) -> dict:
    return {"key": f"{slug}:en", "slug": slug, "lang": "en", "kind": "source", "machine": False, "category": "",
            "tags": "", "title": title, "summary": "", "excerpt": body[:100], "popularity": popularity,
            "title_en": title, "body_en": body, "spell_en": f"{title} {body}"}


#: "kiwi" is rare (2 documents), "orchard" common (every document), "ladder" in between (4).
DOCS = [
    _doc("kiwi-orchard", "Kiwi orchard", "Prune the kiwi vines in the orchard."),
    _doc("kiwi-only", "Kiwi vines", "Kiwi vines need a frame."),
    *[_doc(f"orchard-{n}", f"Orchard care {n}", "Walk the orchard; the orchard is wide." + " More." * n,
           popularity=n) for n in range(8)],
    *[_doc(f"ladder-{n}", f"Ladder {n}", "Hold the ladder in the orchard.", popularity=20 + n) for n in range(4)],
]


@pytest.fixture
def backend(make_app, search_backend):
    app = make_app(languages=("en",), translation_engines=(), embeddings="none", **search_backend)
    with app.app_context():
        backend = search_service().backend
        backend.replace_all(DOCS, session=db.session)
        db.session.commit()
        yield backend
        db.session.remove()


def _ranked(backend, text: str, budget: int, **options) -> dict[str, float]:
    backend.candidates = budget
    hits, _ = backend.search_language("en", text, require_all=False, **options)
    return {hit.slug: hit.score for hit in hits}


def test_documents_holding_only_common_words_are_not_ranked(backend):
    everything = _ranked(backend, "kiwi orchard", budget=1000)
    assert len(everything) == len(DOCS)  # with room for all, every document holding a word is ranked
    cut = _ranked(backend, "kiwi orchard", budget=4)
    assert set(cut) == {"kiwi-orchard", "kiwi-only"}
    # The candidates keep the scores (and order) full ranking gives them, common word included.
    assert list(cut) == [slug for slug in everything if slug in cut]
    assert cut == pytest.approx({slug: everything[slug] for slug in cut})
    assert cut["kiwi-orchard"] > cut["kiwi-only"]


def test_words_are_picked_rarest_first_while_their_documents_fit(backend):
    # kiwi (2) + ladder (4) fit in 6: both pick candidates; orchard (all 14) only scores them.
    cut = _ranked(backend, "kiwi ladder orchard", budget=6)
    assert set(cut) == {"kiwi-orchard", "kiwi-only", *(f"ladder-{n}" for n in range(4))}
    assert set(_ranked(backend, "kiwi ladder orchard", budget=5)) == {"kiwi-orchard", "kiwi-only"}


def test_when_even_the_rarest_word_is_common_documents_holding_every_word_still_lead(backend):
    cut = _ranked(backend, "ladder orchard", budget=2)
    assert cut and set(cut) <= {f"ladder-{n}" for n in range(4)}  # never one holding only "orchard"
    everything = _ranked(backend, "ladder orchard", budget=1000)
    assert cut == pytest.approx({slug: everything[slug] for slug in cut})
    assert min(cut.values()) >= max(score for slug, score in everything.items() if slug.startswith("orchard-"))


def test_a_single_common_word_still_finds_its_documents(backend):
    found = _ranked(backend, "orchard", budget=2)
    assert found and all(slug != "kiwi-only" for slug in found)


def test_candidate_words_take_the_rarest_within_the_budget():
    counts = {"get": 3000, "account": 120, "locked": 40, "zyx": 0}
    assert candidate_words(counts, 400) == ["zyx", "locked", "account"]
    assert candidate_words(counts, 100) == ["zyx", "locked"]
    assert candidate_words({"get": 3000, "the": 4000}, 400) == ["get"]  # at least the rarest word
    assert candidate_words({}, 400) == []


def test_words_of_about_the_same_rarity_are_ranked_together():
    words, rarity = ["kiwi", "orchard", "the", "wide", "vine"], [4.0, 1.2, 1.1, 1.9, 4.1]
    groups = _rarity_groups(words, rarity)
    assert groups == [(pytest.approx(4.05), ["kiwi", "vine"]), (pytest.approx(1.15), ["orchard", "the"]),
                      (1.9, ["wide"])]


def test_a_long_query_is_matched_on_its_rarest_words(backend):
    typed = "walk wide more care hold frame need prune kiwi ladder orchard"
    hits, words = backend.search_language("en", typed, require_all=False)
    assert len(words) == RANKED_WORDS and "orchard" not in words and "kiwi" in words
    assert {"kiwi-orchard", "kiwi-only"} <= {hit.slug for hit in hits}


def test_words_found_nowhere_do_not_push_out_real_ones(backend):
    typed = " ".join(f"qzx{n}vb" for n in range(12)) + " kiwi"
    hits, words = backend.search_language("en", typed, require_all=False)
    assert "kiwi" in words and {hit.slug for hit in hits} == {"kiwi-orchard", "kiwi-only"}
    assert rarest_words(["a", "b", "c"], {"a": 0, "b": 7, "c": 3}, keep=2) == ["b", "c"]


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_the_migration_makes_the_lexeme_table_the_model_describes(database, make_app, request, tmp_path):
    from tests.conftest import migrated_app_on, schema_drift

    app = migrated_app_on(database, make_app, request, tmp_path, embeddings="none", translation_engines=())
    with app.app_context(), db.engine.connect() as connection:
        assert "search_lexeme" in sqlalchemy.inspect(connection).get_table_names()
    assert schema_drift(app, "search_lexeme") == []


def test_an_empty_index_answers_every_query_with_nothing(make_app, search_backend):
    app = make_app(languages=("en",), translation_engines=(), embeddings="none", **search_backend)
    with app.app_context():
        backend = search_service().backend
        for require_all in (False, True):
            assert backend.search_language("en", "reset the password", require_all=require_all) == \
                ([], ["reset", "password"])
