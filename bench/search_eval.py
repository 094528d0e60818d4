"""Cross-lingual retrieval quality on the GNOME Help corpus.

The index holds the English articles plus the machine translations the installed
engines can make (bundled Bergamot: en -> pt-BR). Queries are the human-written
Brazilian Portuguese titles and summaries (the corpus's pt-BR files); the right
answer is the article they belong to. Prints recall@10 and MRR@10 for several set-ups:
query translation on/off, machine translations indexed or not.

Run: .venv/bin/python bench/search_eval.py [--articles N]
"""
from __future__ import annotations

import argparse
import time

from _common import GNOME, require_corpus, temporary_app  # noqa: E402


def evaluate(service, queries, translate: bool):
    from portal.search import SearchQuery

    original = service.translate_query
    if not translate:
        service.translate_query = lambda text, src, tgt: None
    hits, reciprocal = 0, 0.0
    try:
        for slug, text in queries:
            results = service._search(text, SearchQuery(text, "pt-BR", per_page=10), 1)
            ranked = [r.slug for r in results.results]
            if slug in ranked:
                hits += 1
                reciprocal += 1 / (ranked.index(slug) + 1)
    finally:
        service.translate_query = original
    return hits / len(queries), reciprocal / len(queries)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=0, help="limit the number of articles (0 = all)")
    args = parser.parse_args()
    if not require_corpus():
        return
    from portal.db import db
    from portal.jobs import run_pending
    from portal.kb.files import read_article
    from portal.publishing import import_knowledge_base
    from portal.search import search_service
    from portal.search.jobs import rebuild_index

    import shutil
    import tempfile
    from pathlib import Path

    english_only = Path(tempfile.mkdtemp(prefix="gnome-en-"))
    slugs = sorted(p.name for p in GNOME.iterdir() if (p / "en.md").exists() and (p / "pt-BR.md").exists())
    if args.articles:
        slugs = slugs[: args.articles]
    for slug in slugs:
        (english_only / slug).mkdir()
        shutil.copy(GNOME / slug / "en.md", english_only / slug / "en.md")
    queries = []
    for slug in slugs:
        human = read_article(GNOME / slug / "pt-BR.md")
        queries.append((slug, human.title))
        if human.summary:
            queries.append((slug, human.summary))
    print(f"{len(slugs)} English articles; {len(queries)} pt-BR queries (human titles and summaries)")

    app = temporary_app(languages=("en", "pt-BR"), translation_engines=("bergamot",))
    with app.app_context():
        service = search_service(app)
        import_knowledge_base(db.session, english_only)
        run_pending(db.session, kinds={"index_article"})
        for translate in (False, True):
            recall, mrr = evaluate(service, queries, translate)
            label = "with query translation   " if translate else "without query translation"
            print(f"English only, {label}: recall@10 {recall:.3f}  MRR@10 {mrr:.3f}")
        started = time.perf_counter()
        run_pending(db.session, kinds={"translate_article"})
        print(f"machine-translated {len(slugs)} articles into pt-BR in {time.perf_counter() - started:.0f} s")
        rebuild_index(db.session, service.backend)
        for translate in (False, True):
            recall, mrr = evaluate(service, queries, translate)
            label = "with query translation   " if translate else "without query translation"
            print(f"English + machine pt-BR, {label}: recall@10 {recall:.3f}  MRR@10 {mrr:.3f}")


if __name__ == "__main__":
    main()
