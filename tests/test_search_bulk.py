"""Whoosh bulk rebuilds: written by one process per core, complete, and replacing what was there."""
from portal.search import backend as whoosh_backend
from portal.search.backend import WhooshBackend


def _doc(n: int, word: str) -> dict:
    body = f"{word} number {n} printer settings"
    return {"key": f"a{n}:en", "slug": f"a{n}", "lang": "en", "kind": "source", "machine": False,
            "category": "c", "tags": "", "title": f"Article {n}", "summary": "", "excerpt": body,
            "popularity": 0, "title_en": f"Article {n}", "body_en": body, "spell_en": body}


def test_a_parallel_rebuild_writes_every_document_and_replaces_the_old_ones(tmp_path, monkeypatch):
    monkeypatch.setattr(whoosh_backend, "PARALLEL_FROM", 10)  # the threshold, not the writer, is lowered
    backend = WhooshBackend(tmp_path / "index")
    backend.replace_all([_doc(n, "old") for n in range(30)])
    backend.replace_all([_doc(n, "fresh") for n in range(20, 60)])
    assert sorted(backend.keys()) == sorted(f"a{n}:en" for n in range(20, 60))
    hits, _ = backend.search_language("en", "fresh printer", limit=100)
    assert len(hits) == 40
    assert backend.search_language("en", "old")[0] == []
    assert backend.complete("en", "fre") == ["fresh"]
