"""Search figures on the GNOME Help corpus (all languages) and a synthetic corpus.

Run: .venv/bin/python bench/search.py [--synthetic 50000] [--queries 200] [--part keyword|semantic|backends|all]
     [--embeddings-cache PATH] [--backends whoosh,postgres]
Backends part (backends.py): Whoosh and PostgreSQL in one run, indexing, keyword,
hybrid and two concurrent clients (issue #14, item 6).
Keyword part: indexing time; p50/p95 of the search pipeline (in-process, warm,
cache bypassed), of the JSON API, and of raw Whoosh for the same queries; the
ratio pipeline/raw (our overhead); and a repeated query served from the cache.
Semantic part: embedding time per passage and for the whole GNOME corpus (a
fresh embedding cache, so every passage is really encoded), hybrid query
p50/p95 on GNOME against keyword-only in the same run, dense search over
synthetic passages, and the resident memory of a web process with the model
loaded. Asserts nothing.
"""
from __future__ import annotations

import argparse
import random
import time

from _common import GNOME, ROOT, percentile, require_corpus, summary, temporary_app  # noqa: E402
from synthetic import queries_for, synthetic_documents  # noqa: E402


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
        db.session.commit()
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
    from portal.search import search_service

    docs = synthetic_documents(args.synthetic)
    app = temporary_app(translation_engines=())
    backend = search_service(app).backend
    started = time.perf_counter()
    backend.replace_all(docs)  # one bulk commit, as 'portal index rebuild' does
    print(f"[synthetic] indexed {args.synthetic} documents in {time.perf_counter() - started:.1f} s")
    with app.app_context():
        db.session.close()
    measure(app, queries_for(docs, args.queries), f"synthetic {args.synthetic}")


def semantic_gnome(args):
    import tempfile
    from pathlib import Path

    from sqlalchemy import select

    from portal.db import db
    from portal.kb.models import ArticleVersion
    from portal.kb.transfer import import_directory
    from portal.search import SearchQuery, search_service
    from portal.search.embedding import sync_articles
    from portal.search.jobs import rebuild_index

    # A fresh cache by default, so every passage is really encoded and timed.
    cache = Path(args.embeddings_cache or Path(tempfile.mkdtemp(prefix="embed-cache-")) / "cache.sqlite3")
    app = temporary_app(translation_engines=(), embeddings_cache=cache)
    with app.app_context():
        import_directory(db.session, GNOME)
        db.session.commit()
        service = search_service(app)
        rebuild_index(db.session, service.backend)
        embedder = app.extensions["embedder"]
        started = time.perf_counter()
        report = sync_articles(db.session, embedder)
        db.session.commit()
        elapsed = time.perf_counter() - started
        per_passage = (f"{elapsed / report.encoded * 1000:.0f} ms per encoded passage ({report.encoded} encoded)"
                       if report.encoded else "every vector from the cache")
        print(f"[semantic gnome] embedded {report.passages} passages of {report.versions} versions in {elapsed:.0f} s: "
              f"{per_passage}")
        started = time.perf_counter()
        again = sync_articles(db.session, embedder)
        print(f"[semantic gnome] unchanged re-sync: {again.encoded} encoded in {time.perf_counter() - started:.1f} s")
        rows = db.session.execute(select(ArticleVersion.lang, ArticleVersion.title)).all()
        random.seed(7)
        queries = [(lang, title) for lang, title in rows]
        random.shuffle(queries)
        queries = queries[: args.queries]
        service._refresh_vectors()
        figures = {}
        for mode in ("keyword", "hybrid"):
            for lang, text in queries[:20]:
                service._search(text, SearchQuery(text, lang, retrieval=mode), 1)
            times = []
            for lang, text in queries:
                embedder._queries.clear()  # include the query embedding in every hybrid figure
                started = time.perf_counter()
                service._search(text, SearchQuery(text, lang, retrieval=mode), 1)
                times.append((time.perf_counter() - started) * 1000)
            figures[mode] = times
            print(f"[semantic gnome] {mode:7} pipeline over {service.vectors.size()} passages: {summary(times)}")
        print(
            "[semantic gnome] hybrid/keyword: median "
            f"{percentile(figures['hybrid'], 0.5) / percentile(figures['keyword'], 0.5):.2f}x, "
            f"p95 {percentile(figures['hybrid'], 0.95) / percentile(figures['keyword'], 0.95):.2f}x"
        )


def semantic_synthetic(args):
    import numpy as np
    from sqlalchemy import insert

    from portal.db import db
    from portal.kb.models import Article, ArticleVersion
    from portal.search import search_service
    from portal.search.models import SearchPassage

    app = temporary_app(translation_engines=())
    rng = np.random.default_rng(5)
    with app.app_context():
        article = Article(slug="synthetic", source_lang="en")
        db.session.add(article)
        db.session.flush()
        version = ArticleVersion(article_id=article.id, lang="en", title="synthetic")
        db.session.add(version)
        db.session.flush()
        started = time.perf_counter()
        for start in range(0, args.synthetic, 5000):
            count = min(5000, args.synthetic - start)
            vectors = rng.standard_normal((count, 384)).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            db.session.execute(insert(SearchPassage), [
                {"article_id": article.id, "version_id": version.id, "slug": f"s{(start + i) // 5}", "lang": "en",
                 "position": (start + i) % 5, "anchor": "", "heading": "", "text": "x", "content_hash": "h",
                 "model_id": app.extensions["embedder"].model_id, "vector": vectors[i].tobytes()}
                for i in range(count)])
        db.session.commit()
        print(f"[semantic synthetic] stored {args.synthetic} passage vectors in {time.perf_counter() - started:.1f} s")
        service = search_service(app)
        started = time.perf_counter()
        service.vectors.refresh()
        print(f"[semantic synthetic] loaded the matrix in {(time.perf_counter() - started) * 1000:.0f} ms")
        embedder = app.extensions["embedder"]
        random.seed(3)
        words = ["printer", "password", "wifi", "battery", "screen", "sound", "keyboard", "files", "backup", "account"]
        texts = [" ".join(random.choices(words, k=random.randint(1, 4))) + f" {n}" for n in range(args.queries)]
        embed_ms, search_ms = [], []
        for text in texts:
            started = time.perf_counter()
            vector = embedder.embed_query(text)
            middle = time.perf_counter()
            service.vectors.refresh()
            service.vectors.nearest(vector, 400)
            done = time.perf_counter()
            embed_ms.append((middle - started) * 1000)
            search_ms.append((done - middle) * 1000)
        total = [a + b for a, b in zip(embed_ms, search_ms, strict=True)]
        print(f"[semantic synthetic] query embedding: {summary(embed_ms)}")
        print(f"[semantic synthetic] generation check + exact top-400 over {args.synthetic}: {summary(search_ms)}")
        print(f"[semantic synthetic] both: {summary(total)}")


def worker_memory():
    import subprocess
    import sys

    code = (f"import resource, sys; sys.path.insert(0, {str(ROOT / 'bench')!r}); from _common import temporary_app; "
            "app = temporary_app(); e = app.extensions['embedder']; "
            "import re; before = int(re.search(r'VmRSS:\\s+(\\d+)', open('/proc/self/status').read()).group(1)); "
            "e.embed_query('how do I reset my password'); "
            "after = int(re.search(r'VmRSS:\\s+(\\d+)', open('/proc/self/status').read()).group(1)); "
            "print(before // 1024, after // 1024)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    print(f"[semantic memory] web process RSS: {out[-2]} MB before the model, {out[-1]} MB with it loaded")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--synthetic", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--part", choices=("keyword", "semantic", "backends", "all"), default="all")
    parser.add_argument("--backends", default="whoosh,postgres",
                        help="keyword backends compared by --part backends (whoosh is the baseline)")
    parser.add_argument("--embeddings-cache", help="reuse this embedding cache (embedding figures then show hits)")
    args = parser.parse_args()
    if args.part in ("semantic", "all"):
        worker_memory()
        if args.synthetic:
            semantic_synthetic(args)
    if not require_corpus():
        return
    if args.part == "backends":
        from backends import backends

        backends(args)
        return
    if args.part in ("semantic", "all"):
        semantic_gnome(args)
    if args.part in ("keyword", "all"):
        gnome(args)
        if args.synthetic:
            synthetic(args)


if __name__ == "__main__":
    main()
