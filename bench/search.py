"""Search figures on the GNOME Help corpus (all languages) and a synthetic corpus.

Run: .venv/bin/python bench/search.py [--synthetic 50000] [--queries 200]
Prints indexing time; p50/p95 of the search pipeline (in-process, warm, cache
bypassed), of the JSON API, and of raw Whoosh for the same queries; the ratio
pipeline/raw (our overhead); and a repeated query served from the cache.
Asserts nothing.
"""
from __future__ import annotations

import argparse
import random
import time

from _common import GNOME, percentile, require_corpus, summary, temporary_app  # noqa: E402


def raw_whoosh(backend, lang, text):
    """The plainest Whoosh search for the same words: OR over title/body of one language."""
    from whoosh.query import Or, Term

    from portal.search.analyzers import terms
    from portal.search.schema import field_language

    suffix = field_language(lang)
    words = terms(lang, text)
    if not words:
        return 0
    query = Or([Term(f"{field}_{suffix}", w) for w in words for field in ("title", "body")])
    return len(backend.searcher().search(query, limit=10))


def measure(app, queries, label):
    from portal.search import SearchQuery, search_service

    service = search_service(app)
    backend = service.backend
    with app.app_context():
        for lang, text in queries[:20]:  # warm up
            service._search(text, SearchQuery(text, lang), 1)
        pipeline, raw, api = [], [], []
        client = app.test_client()
        for lang, text in queries:
            started = time.perf_counter()
            service._search(text, SearchQuery(text, lang), 1)
            pipeline.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            raw_whoosh(backend, lang, text)
            raw.append((time.perf_counter() - started) * 1000)
        for lang, text in queries[:100]:
            started = time.perf_counter()
            client.get("/api/v1/search", query_string={"q": text, "lang": lang})
            api.append((time.perf_counter() - started) * 1000)
        cached = []
        lang, text = queries[0]
        service.search(SearchQuery(text, lang))
        for _ in range(200):
            started = time.perf_counter()
            service.search(SearchQuery(text, lang))
            cached.append((time.perf_counter() - started) * 1000)
    print(f"[{label}] pipeline (detect, search, translate query if cached, merge, highlight): {summary(pipeline)}")
    print(f"[{label}] raw Whoosh, same words:  {summary(raw)}")
    print(f"[{label}] overhead ratio pipeline/raw: median {percentile(pipeline, .5) / percentile(raw, .5):.2f}x, "
          f"p95 {percentile(pipeline, .95) / percentile(raw, .95):.2f}x")
    print(f"[{label}] JSON API incl. logging:   {summary(api)}")
    print(f"[{label}] repeated query from cache: {summary(cached)}")


def gnome(args):
    from sqlalchemy import select

    from portal.db import db
    from portal.kb.models import ArticleVersion
    from portal.kb.transfer import import_directory
    from portal.search import search_service
    from portal.search.jobs import rebuild_index

    app = temporary_app(translation_engines=())
    with app.app_context():
        import_directory(db.session, GNOME)
        started = time.perf_counter()
        count = rebuild_index(db.session, search_service(app).backend)
        print(f"[gnome] indexed {count} documents in {time.perf_counter() - started:.1f} s")
        rows = db.session.execute(select(ArticleVersion.lang, ArticleVersion.title)).all()
    random.seed(7)
    enabled = set(app.config["SETTINGS"].languages)
    queries = [(lang, title) for lang, title in rows if lang in enabled]
    random.shuffle(queries)
    measure(app, queries[: args.queries], "gnome")


def synthetic(args):
    from portal.db import db
    from portal.kb.files import read_article
    from portal.search import search_service

    vocabulary = []
    for path in sorted(GNOME.glob("*/en.md"))[:200]:
        vocabulary.extend(w.lower() for w in read_article(path).body.split() if w.isalpha())
    random.seed(11)
    app = temporary_app(translation_engines=())
    backend = search_service(app).backend
    started = time.perf_counter()
    batch = []
    for n in range(args.synthetic):
        title = " ".join(random.choices(vocabulary, k=5))
        body = " ".join(random.choices(vocabulary, k=120))
        batch.append({"key": f"s{n}:en", "slug": f"s{n}", "lang": "en", "kind": "source", "machine": False,
                      "category": "", "tags": "", "title": title, "summary": "", "excerpt": body[:200],
                      "popularity": 0, "title_en": title, "body_en": body, "spell_en": title + " " + body})
        if len(batch) == 5000:
            backend.index(batch)
            batch = []
    backend.index(batch, optimize=True)
    print(f"[synthetic] indexed {args.synthetic} documents in {time.perf_counter() - started:.1f} s")
    queries = [("en", " ".join(random.choices(vocabulary, k=random.randint(1, 4)))) for _ in range(args.queries)]
    with app.app_context():
        db.session.close()
    measure(app, queries, f"synthetic {args.synthetic}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--synthetic", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    if not require_corpus():
        return
    gnome(args)
    if args.synthetic:
        synthetic(args)


if __name__ == "__main__":
    main()
