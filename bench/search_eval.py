"""Cross-lingual retrieval quality on the GNOME Help corpus.

The knowledge base holds only the English articles. Queries are the human
titles and summaries of every other language the corpus has (and the English
ones); the right answer is the article they belong to. Prints recall@10 and
MRR@10 per query language for keyword-only, dense-only and hybrid retrieval,
with the bundled Bergamot engine translating queries (en<->pt-BR) and without,
then how often unrelated or nonsense queries get no result at all, and the
dense-floor margins of right and unrelated queries (to tune ``hybrid.py``).

Run: .venv/bin/python bench/search_eval.py [--articles N] [--per-language N] [--search-backend postgres]
(``postgres``: keyword search on PostgreSQL full-text search, in a throwaway server
started for the run, to compare with the Whoosh default: ADR 0013.)
"""
from __future__ import annotations

import argparse
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from _common import GNOME, ROOT, percentile, require_corpus, temporary_app  # noqa: E402

LANGUAGES = ("en", "de", "es", "fr", "it", "pt-BR", "ru", "uk", "zh-Hans", "ko", "ja", "he", "fa")
MODES = ("keyword", "semantic", "hybrid")
#: Unrelated and nonsense queries, written for this benchmark (none of them is in
#: portal/search/background.txt, which the floor itself uses).
UNRELATED = [
    "banana bread recipe", "qwxz vbnm plokij", "who won the world cup in 1998", "best pizza in Naples",
    "how tall is mount everest", "capital of australia", "horoscope for leo this week", "how to train a puppy",
    "cheap flights to rome", "meaning of life", "lorem ipsum", "asdkjh qwpoe zmxn", "ffff gggg hhhh",
    "Wie backe ich Brezeln", "receta de tortilla de patatas", "la recette des crêpes", "ricetta del tiramisù",
    "como fazer feijoada", "рецепт пельменей", "як зварити борщ", "怎么做饺子", "김치찌개 레시피", "ラーメンの作り方",
    "מתכון לחומוס", "دستور پخت کباب", "Beethoven's ninth symphony", "price of gold today", "knitting a scarf",
    "the french revolution", "football results", "weather in london", "xkcd", "zzzzzz", "ppp qqq rrr",
    "vacation in greece", "how many legs does a spider have", "chocolate chip cookies", "grow tomatoes indoors",
]
#: More of the same, written after the floor was tuned on UNRELATED (held out from tuning).
HELD_OUT = [
    "how do I file my tax return", "rules of cricket", "symptoms of a cold", "who discovered penicillin",
    "how to change a flat tyre", "best time to visit iceland", "recipe for guacamole", "how to meditate",
    "distance from paris to berlin", "what do pandas eat", "oil painting for beginners", "how to iron a shirt",
    "Öffnungszeiten vom Zoo", "Wie lange kocht man ein Ei", "cómo aprender a bailar salsa", "mejores playas de cuba",
    "comment planter des tulipes", "horaires du musée du louvre", "come fare la pizza napoletana",
    "quanto custa uma viagem ao japão", "лучшие книги о войне", "як доглядати за кактусом", "熊猫吃什么",
    "如何学习书法", "한강 자전거 코스", "富士山の高さ", "איך מכינים שקשוקה", "بهترین کتاب‌های حافظ",
    "hoe laat gaat de bakker open", "jak nauczyć się pływać", "en iyi kebap nerede", "أفضل طريقة لطهي الأرز",
    "क्रिकेट के नियम", "cách làm bánh mì", "qzrt plmn wvxk", "bnm bnm bnm", "ghjkl poiuy", "xyzzy plugh",
]


def evaluate(service, queries, lang: str, mode: str, translate: bool):
    from portal.search import SearchQuery

    original = service.translate_query
    if not translate:
        service.translate_query = lambda text, src, tgt: None
    hits, reciprocal = 0, 0.0
    try:
        for slug, text in queries:
            results = service._search(text, SearchQuery(text, lang, per_page=10, retrieval=mode), 1)
            ranked = [r.slug for r in results.results]
            if slug in ranked:
                hits += 1
                reciprocal += 1 / (ranked.index(slug) + 1)
    finally:
        service.translate_query = original
    return hits / max(1, len(queries)), reciprocal / max(1, len(queries))


def margins(service, texts: list[str]) -> list[float]:
    """The dense floor's margin for each query (best passage vs the background)."""
    out = []
    for text in texts:
        vector = service.embedder.embed_query(text)
        closest = max(service.vectors.nearest(vector, 400), key=lambda hit: hit.similarity)
        out.append(service._dense_floor().judge(vector, closest.similarity, True).margin)
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=0, help="limit the number of articles (0 = all)")
    parser.add_argument("--per-language", type=int, default=0, help="limit the queries per language (0 = all)")
    parser.add_argument("--search-backend", choices=("whoosh", "postgres"), default="whoosh")
    args = parser.parse_args()
    if not require_corpus():
        return
    if args.search_backend == "postgres":
        from tests.support.services import postgres_server  # the tests' throwaway server

        with postgres_server() as url:
            run(args, {"search_backend": "postgres", "database_url": url})
        return
    run(args, {})


def run(args, backend_settings: dict) -> None:
    from portal.db import db
    from portal.jobs import run_pending
    from portal.kb.files import read_article
    from portal.publishing import import_knowledge_base
    from portal.search import search_service

    english_only = Path(tempfile.mkdtemp(prefix="gnome-en-"))
    slugs = sorted(p.name for p in GNOME.iterdir() if (p / "en.md").exists())
    if args.articles:
        slugs = slugs[: args.articles]
    for slug in slugs:
        (english_only / slug).mkdir()
        shutil.copy(GNOME / slug / "en.md", english_only / slug / "en.md")
    queries: dict[str, list[tuple[str, str]]] = {}
    for lang in LANGUAGES:
        for slug in slugs:
            path = GNOME / slug / f"{lang}.md"
            if path.exists():
                human = read_article(path)
                queries.setdefault(lang, []).append((slug, human.title))
                if human.summary:
                    queries.setdefault(lang, []).append((slug, human.summary))
        if args.per_language and lang in queries:
            queries[lang] = random.Random(7).sample(queries[lang], min(args.per_language, len(queries[lang])))
    print(f"{len(slugs)} English articles; queries per language: "
          + ", ".join(f"{lang} {len(q)}" for lang, q in queries.items()))

    app = temporary_app(languages=LANGUAGES, translation_engines=("bergamot",),
                        embeddings_cache=ROOT / ".cache" / "embeddings.sqlite3", **backend_settings)
    print(f"keyword search backend: {app.config['SETTINGS'].search_backend}")
    with app.app_context():
        service = search_service(app)
        import_knowledge_base(db.session, english_only)
        started = time.perf_counter()
        run_pending(db.session, kinds={"index_article", "embed_article"})
        print(f"indexed and embedded in {time.perf_counter() - started:.0f} s "
              f"({service.vectors.size() if service._refresh_vectors() is not None else 0} passages)")
        print()
        print("recall@10 / MRR@10 per query language (English-only knowledge base)")
        header = f"{'lang':8} {'n':>4}  " + "  ".join(f"{m + (' +MT' if t else ''):>16}" for t in (False, True)
                                                      for m in MODES)
        print(header)
        for lang, items in queries.items():
            cells = []
            for translate in (False, True):
                for mode in MODES:
                    recall, mrr = evaluate(service, items, lang, mode, translate)
                    cells.append(f"{recall:7.3f} / {mrr:5.3f}")
            print(f"{lang:8} {len(items):>4}  " + "  ".join(f"{c:>16}" for c in cells))
        print()
        from portal.search import SearchQuery

        for label, unrelated in (("unrelated", UNRELATED), ("held out", HELD_OUT)):
            for mode in MODES:
                empty = sum(1 for text in unrelated
                            if service._search(text, SearchQuery(text, "en", retrieval=mode), 1).total == 0)
                print(f"{label} queries with zero results, {mode:8}: {empty}/{len(unrelated)}")
        right = margins(service, [text for items in queries.values() for _, text in items])
        wrong = margins(service, UNRELATED + HELD_OUT)
        print(f"floor margin, right queries: p5 {percentile(right, .05):.3f} p10 {percentile(right, .10):.3f} "
              f"median {statistics.median(right):.3f}")
        print(f"floor margin, unrelated:     median {statistics.median(wrong):.3f} p90 {percentile(wrong, .9):.3f} "
              f"max {max(wrong):.3f}")


if __name__ == "__main__":
    main()
