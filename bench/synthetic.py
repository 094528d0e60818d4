"""Synthetic index documents for the search benchmarks, built from the GNOME Help corpus.

Each document is a window of 150-400 consecutive words of real help text in one of
the corpus's languages (so term frequencies, stemming and CJK bigrams cost what
they cost on real articles), with a 4-8 word title from elsewhere in the same
language. Document shapes are those of ``portal.search.documents.document_for``.
"""
from __future__ import annotations

import random
from pathlib import Path

from _common import GNOME


def _streams(corpus: Path) -> dict[str, list[str]]:
    """Every article's plain text, per language, as one list of words."""
    from portal.kb.files import read_article
    from portal.kb.markdown import plain_text

    streams: dict[str, list[str]] = {}
    for path in sorted(corpus.glob("*/*.md")):
        article = read_article(path)
        words = f"{article.title} {plain_text(article.body)}".split()
        streams.setdefault(path.stem, []).extend(words)
    return {lang: words for lang, words in streams.items() if len(words) > 2000}


def synthetic_documents(count: int, seed: int = 11, corpus: Path = GNOME) -> list[dict]:
    from portal.search.documents import document_key
    from portal.search.schema import field_language

    streams = _streams(corpus)
    languages = sorted(streams)
    rng = random.Random(seed)
    docs = []
    for n in range(count):
        lang = languages[n % len(languages)]
        words = streams[lang]
        length = rng.randint(150, 400)
        start = rng.randrange(len(words) - length)
        body = " ".join(words[start:start + length])
        at = rng.randrange(len(words) - 8)
        title = " ".join(words[at:at + rng.randint(4, 8)])
        suffix, slug = field_language(lang), f"synthetic-{n}"
        docs.append({
            "key": document_key(slug, lang), "slug": slug, "lang": lang, "kind": "source", "machine": False,
            "category": f"c{n % 20}", "tags": "", "title": title, "summary": "", "excerpt": body[:400],
            "popularity": n % 97, f"title_{suffix}": title, f"body_{suffix}": body,
            f"spell_{suffix}": f"{title} {body}",
        })
    return docs


def queries_for(docs: list[dict], count: int, seed: int = 13) -> list[tuple[str, str]]:
    """(lang, text) queries of 1-4 consecutive words from the documents' titles and bodies."""
    rng = random.Random(seed)
    queries = []
    for _ in range(count):
        doc = rng.choice(docs)
        words = (doc["title"] + " " + doc["excerpt"]).split()
        size = rng.randint(1, 4)
        start = rng.randrange(max(1, len(words) - size))
        queries.append((doc["lang"], " ".join(words[start:start + size])))
    return queries


def misspelt_queries(docs: list[dict], count: int, seed: int = 17) -> list[tuple[str, str]]:
    """``queries_for``'s queries with one typo (a letter added, dropped or changed, never the
    first) in every word of four letters or more: mostly zero results, so did-you-mean runs."""
    rng = random.Random(seed)

    def typo(word: str) -> str:
        if len(word) < 4:
            return word
        at, letter = rng.randrange(1, len(word)), rng.choice(word)
        return rng.choice((word[:at] + letter + word[at:], word[:at] + word[at + 1:],
                           word[:at] + letter + word[at + 1:]))

    return [(lang, " ".join(typo(word) for word in text.split())) for lang, text in queries_for(docs, count, seed)]


def nonsense_queries(docs: list[dict], count: int, seed: int = 19) -> list[tuple[str, str]]:
    """1-6 random Latin-letter strings in a document language: nothing matches, every word is
    looked up for a correction (the costliest keyword query there is)."""
    rng = random.Random(seed)
    languages = sorted({doc["lang"] for doc in docs})
    letters = "abcdefghijklmnopqrstuvwxyz"
    return [(rng.choice(languages), " ".join("".join(rng.choice(letters) for _ in range(rng.randint(3, 12)))
                                             for _ in range(rng.randint(1, 6)))) for _ in range(count)]
