"""The keyword search backend interface, and its embedded implementation on Whoosh.

:class:`SearchBackend` is what the query pipeline and the index jobs use; the
backend is chosen by ``PORTAL_SEARCH_BACKEND`` (``whoosh``: this module, a
directory beside the database; ``postgres``: ``postgres.py``, tables in the
portal's PostgreSQL database). Whoosh uses the classic 2.7 API only, so
``whoosh-reloaded`` stays a drop-in.

One writer at a time (Whoosh's lock; the job worker owns indexing), readers never
blocked. Searchers are reopened when the index generation changes instead of
``searcher.refresh()``, which in the maintained forks returns duplicate documents
after a commit that merged segments.
"""
from __future__ import annotations

import fcntl
import logging
import math
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from whoosh import index as whoosh_index
from whoosh.query import Or, Term
from whoosh.writing import CLEAR, LockError

from portal.search.analyzers import terms as analyze
from portal.search.schema import build_schema, field_language
from portal.search.spelling import VocabularyBuckets, closest_word

log = logging.getLogger(__name__)

SCHEMA_VERSION = "2"  # 2: no term positions (nothing searched phrases; a third less to write)
#: Weight of the "all words matched" clause in a partial-match (OR) query.
ALL_WORDS_BOOST = 2.0
#: About how many documents a query ranks per language (see ``candidate_words``; ADR 0018).
CANDIDATES = 100


@dataclass
class RawHit:
    key: str
    slug: str
    lang: str
    kind: str
    score: float
    fields: dict = field(default_factory=dict)
    #: Share of the query's words (weighted by rarity) this document matched: 1.0
    #: when it matched every word.
    coverage: float = 1.0


def rarity_weight(documents: int, frequency: int) -> float:
    """A word's inverse document frequency among ``documents`` (a word found nowhere counts most)."""
    return math.log((documents + 1) / (frequency + 1)) + 1.0


#: A longer query (a pasted sentence or message; a Chinese phrase is a word per two characters)
#: is matched and ranked on its rarest words only.
RANKED_WORDS = 8


def rarest_words(words: list[str], frequencies: dict[str, int], keep: int = RANKED_WORDS) -> list[str]:
    """``words`` without all but the ``keep`` rarest, in the order they were typed. Words found
    nowhere (typos, nonsense) go first: they match nothing, and must not push out real ones."""
    if len(words) <= keep:
        return words
    kept = set(sorted(words, key=lambda w: (frequencies[w] == 0, frequencies[w]))[:keep])
    return [w for w in words if w in kept]


def candidate_words(frequencies: dict[str, int], budget: int) -> list[str]:
    """The words of a partial-match query whose documents are ranked: the rarest ones, for as
    long as their documents together stay within ``budget`` (and at least the rarest word).

    The words left out are common: a document holding only them is not ranked at all,
    and where a candidate holds them they still add to its score (as Lucene's
    common-terms query treats frequent words).
    """
    picked: list[str] = []
    documents = 0
    for word in sorted(frequencies, key=lambda w: frequencies[w]):
        if picked and documents + frequencies[word] > budget:
            break
        picked.append(word)
        documents += frequencies[word]
    return picked


class SearchBackend(Protocol):
    """Keyword retrieval over one document per (article, language version).

    Writes take the caller's database ``session``: a backend that lives in the
    database writes through it (only flushing), so the index changes commit with the
    job that made them; an external index commits on its own and ignores it.
    """

    @property
    def generation(self) -> Any:
        """Changes whenever a write is committed (keys the result cache)."""
        ...

    def index(self, docs: list[dict], delete_keys: Sequence[str] = (), optimize: bool = False, *,
              session: Any = None) -> None: ...

    def delete(self, keys: list[str], *, session: Any = None) -> None: ...

    def replace_all(self, docs: list[dict], *, session: Any = None) -> None: ...

    def search_language(self, lang: str, text: str, *, category: str | None = None,
                        limit: int = 50, require_all: bool = True) -> tuple[list[RawHit], list[str]]: ...

    def correct(self, lang: str, word: str) -> str | None:
        """The closest vocabulary word to a misspelt ``word`` (None when ``word`` is known or
        nothing is near: ``spelling.closest_word``)."""

    def complete(self, lang: str, prefix: str, limit: int = 8) -> list[str]: ...

    def slugs_in_category(self, category: str) -> set[str]: ...

    def keys(self) -> list[str]: ...

    def versions(self, slugs: list[str]) -> dict[str, list[dict]]:
        """The stored fields of every indexed version of each slug."""
        ...


#: A rebuild of at least this many documents is written by one process per core (below it
#: starting them costs more than it saves).
PARALLEL_FROM = 2000
#: Memory (MB) a writer's posting pool may take before spilling sorted runs to disk:
#: pickling, re-reading and merging spilled runs cost as much CPU as analysing the text.
POOL_MB = 512


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


#: How long a directory must have been left alone before its listing is trusted (> a kernel tick).
_QUIET_NS = 50_000_000


class WhooshBackend:
    def __init__(self, directory: Path, candidates: int = CANDIDATES):
        self.directory = Path(directory)
        #: About how many documents a partial-match query ranks (``candidate_words``).
        self.candidates = candidates
        self._local = threading.local()
        self._open_lock = threading.Lock()
        self._ix = None
        self._known_generation: tuple[int, int] | None = None  # (directory mtime, generation)
        self._vocabulary = VocabularyBuckets()  # did-you-mean's candidates, per generation

    # --- index lifecycle -----------------------------------------------------
    def _index(self):
        if self._ix is None:
            with self._open_lock:
                if self._ix is None:
                    self.directory.mkdir(parents=True, exist_ok=True)
                    # Web workers start together: without a lock across processes two of
                    # them create a missing index at once and one deletes the other's files.
                    with open(self.directory / ".open.lock", "a") as lock:
                        fcntl.flock(lock, fcntl.LOCK_EX)
                        self._ix = self._open_or_create()
        return self._ix

    def _open_or_create(self):
        marker = self.directory / "SCHEMA_VERSION"
        if whoosh_index.exists_in(str(self.directory)) and marker.exists() and \
                marker.read_text().strip() == SCHEMA_VERSION:
            return whoosh_index.open_dir(str(self.directory))
        ix = whoosh_index.create_in(str(self.directory), build_schema())
        marker.write_text(SCHEMA_VERSION)
        return ix

    def replace_all(self, docs: list[dict], *, session=None) -> None:
        """Replace the whole index content in one commit (a rebuild).

        Readers keep their generation until the commit lands, so a rebuild never
        blocks or breaks searches in progress.
        """
        procs = min(_cores(), 4) if len(docs) >= PARALLEL_FROM else 1
        # In parallel, each process writes a segment of its own and they are kept as they
        # are (multisegment): merging them would be one more single-process pass over all.
        writer = self._writer(procs=procs, multisegment=True, limitmb=POOL_MB) if procs > 1 \
            else self._writer(limitmb=POOL_MB)
        try:
            for doc in docs:
                writer.add_document(**doc)
        except BaseException:
            writer.cancel()
            raise
        writer.commit(mergetype=CLEAR)
        written = self._index().doc_count()
        if written != len(docs) and procs > 1:
            # Whoosh drops a sub-process's segment it got no answer from: never keep a short index.
            log.warning("parallel rebuild wrote %s of %s documents; rebuilding in one process", written, len(docs))
            writer = self._writer(limitmb=POOL_MB)
            for doc in docs:
                writer.add_document(**doc)
            writer.commit(mergetype=CLEAR)

    def searcher(self):
        """A searcher for this thread, reopened when a newer generation is committed."""
        ix = self._index()
        current = getattr(self._local, "searcher", None)
        latest = self.generation
        if current is not None and getattr(self._local, "generation", None) == latest:
            return current
        if current is not None:
            current.close()
        self._local.searcher = ix.searcher()
        self._local.generation = latest
        return self._local.searcher

    @property
    def generation(self) -> int:
        """The newest committed generation (any process may have committed it).

        Listing the directory costs more than a page served from memory, so the
        answer is kept while the directory is unchanged: a commit adds a table of
        contents file, which changes the directory's mtime. Kernels stamp mtimes
        with a coarse clock, so a directory changed less than ``_QUIET_NS`` ago is
        always listed again (two commits within one tick share a stamp).
        """
        ix = self._index()
        try:
            stamp = os.stat(self.directory).st_mtime_ns
        except OSError:
            return ix.latest_generation()
        known = self._known_generation
        if known is not None and known[0] == stamp and time.time_ns() - stamp > _QUIET_NS:
            return known[1]
        latest = ix.latest_generation()
        self._known_generation = (stamp, latest)
        return latest

    def _writer(self, timeout: float = 30.0, **options):
        ix = self._index()
        deadline = time.monotonic() + timeout
        while True:
            try:
                return ix.writer(**options)
            except LockError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)  # another process holds the single-writer lock

    # --- writes --------------------------------------------------------------
    def index(self, docs: list[dict], delete_keys: Sequence[str] = (), optimize: bool = False, *,
              session=None) -> None:
        """Add or replace documents (by ``key``) and delete others, in one commit."""
        writer = self._writer(limitmb=POOL_MB)
        try:
            for key in delete_keys:
                writer.delete_by_term("key", key)
            for doc in docs:
                writer.update_document(**doc)
        except BaseException:
            writer.cancel()
            raise
        writer.commit(optimize=optimize)

    def delete(self, keys: list[str], *, session=None) -> None:
        self.index([], delete_keys=list(keys))

    # --- reads ---------------------------------------------------------------
    def search_language(self, lang: str, text: str, *, category: str | None = None,
                        limit: int = 50, require_all: bool = True) -> tuple[list[RawHit], list[str]]:
        """Documents in ``lang`` matching ``text``.

        ``require_all``: every word must match. Otherwise any word may, and
        documents matching all of them get a bonus, so partial matches rank
        below complete ones instead of being dropped.
        """
        suffix = field_language(lang)
        words = list(dict.fromkeys(analyze(lang, text)))[:32]
        if not words:
            return [], []
        searcher = self.searcher()
        frequencies = {w: self._frequency(searcher, suffix, w) for w in words}
        words = rarest_words(words, frequencies)
        if len(words) == 1 and not category:
            # One word: Whoosh's own top-k collector skips blocks that cannot make the page.
            results = searcher.search(Or([Term(f"title_{suffix}", words[0]), Term(f"body_{suffix}", words[0])]),
                                      limit=limit * 2)
            return [RawHit(r["key"], r["slug"], r["lang"], r["kind"], r.score, dict(r.fields()))
                    for r in results if r["lang"] == lang][:limit], words
        # Scored a word at a time over the candidates only (ADR 0018): Whoosh's matcher trees
        # for many words walk every document holding any of them, in Python.
        picked = candidate_words({w: frequencies[w] for w in words}, self.candidates) if not require_all \
            else [min(words, key=lambda w: frequencies[w])]
        candidates = self._candidates(searcher, suffix, picked, category)
        scores, held = self._rank(searcher, suffix, words, candidates)
        documents = searcher.doc_count()
        rarity = {w: rarity_weight(documents, frequencies[w]) for w in words}
        total_rarity = sum(rarity.values())
        ranked = []
        for doc, score in scores.items():
            complete = len(held[doc]) == len(words)
            if require_all and not complete:
                continue
            if complete and len(words) > 1 and not require_all:
                score *= 1 + ALL_WORDS_BOOST  # the all-words clause counts every word's score again, boosted
            ranked.append((-score, doc))
        ranked.sort()
        hits = []
        for negative, doc in ranked:
            fields = searcher.stored_fields(doc)
            # Fields are per language, but regional variants share one (pt, pt-BR).
            if fields["lang"] != lang:
                continue
            coverage = sum(rarity[w] for w in held[doc]) / total_rarity
            hits.append(RawHit(fields["key"], fields["slug"], fields["lang"], fields["kind"], -negative,
                               dict(fields), coverage))
            if len(hits) == limit:
                break
        return hits, words

    def _postings(self, searcher, fieldname: str, word: str):
        """The word's postings in one field, scored as a Term query scores them (None: not there)."""
        # Asked first, as Term queries do: the scorer's idf fails on an empty index.
        if (fieldname, word) not in searcher.reader():
            return None
        return searcher.postings(fieldname, word, weighting=searcher.weighting)

    def _candidates(self, searcher, suffix: str, picked: list[str], category: str | None) -> list[int]:
        """Documents holding a picked word (in its title or body), in document order. When there
        are more than the budget (even the rarest word is common), the most popular of them."""
        found: set[int] = set()
        for word in picked:
            for fieldname in (f"title_{suffix}", f"body_{suffix}"):
                postings = self._postings(searcher, fieldname, word)
                if postings is not None:
                    found.update(postings.all_ids())
        if category:
            found &= set(searcher.docs_for_query(Term("category", category)))
        if len(found) > self.candidates:
            popularity = searcher.reader().column_reader("popularity")
            found = set(sorted(found, key=lambda doc: (-popularity[doc], doc))[:self.candidates])
        return sorted(found)

    def _rank(self, searcher, suffix: str, words: list[str], candidates: list[int]):
        """Each candidate's summed score over ``words`` and the words it holds."""
        scores = dict.fromkeys(candidates, 0.0)
        held: dict[int, set[str]] = {doc: set() for doc in candidates}
        for word in words:
            for fieldname in (f"title_{suffix}", f"body_{suffix}"):
                postings = self._postings(searcher, fieldname, word)
                if postings is None:
                    continue
                for doc in candidates:
                    if postings.id() < doc:
                        postings.skip_to(doc)
                        if not postings.is_active():
                            break
                    if postings.id() == doc:
                        scores[doc] += postings.score()
                        held[doc].add(word)
        return scores, held

    @staticmethod
    def _frequency(searcher, suffix: str, word: str) -> int:
        """How many documents hold ``word`` in their title or body (the larger of the two counts)."""
        return max(searcher.doc_frequency(f"title_{suffix}", word), searcher.doc_frequency(f"body_{suffix}", word))

    def correct(self, lang: str, word: str) -> str | None:
        """Did-you-mean for one word: the closest vocabulary word sharing its first letter."""
        fieldname = f"spell_{field_language(lang)}"
        searcher = self.searcher()
        if not word or searcher.doc_frequency(fieldname, word) > 0:
            return None
        reader = searcher.reader()

        def bucket() -> list[str]:
            return [term.decode("utf-8") if isinstance(term, bytes) else term
                    for term in reader.expand_prefix(fieldname, word[0])]

        words = self._vocabulary.get(self._local.generation, (fieldname, word[0]), bucket)
        return closest_word(word, words, lambda found: reader.frequency(fieldname, found))

    def complete(self, lang: str, prefix: str, limit: int = 8) -> list[str]:
        """Index words starting with ``prefix``, most frequent first (fast term walk)."""
        suffix = field_language(lang)
        searcher = self.searcher()
        reader = searcher.reader()
        fieldname = f"spell_{suffix}"
        candidates = []
        for count, term in enumerate(reader.expand_prefix(fieldname, prefix)):
            if count >= 2000:
                break
            word = term.decode("utf-8") if isinstance(term, bytes) else term
            candidates.append((reader.doc_frequency(fieldname, word), word))
        candidates.sort(key=lambda item: (-item[0], item[1]))
        return [word for _, word in candidates[:limit]]

    def slugs_in_category(self, category: str) -> set[str]:
        """Slugs of the articles filed under ``category``."""
        return {fields["slug"] for fields in self.searcher().documents(category=category)}

    def keys(self) -> list[str]:
        return [fields["key"] for fields in self.searcher().all_stored_fields()]

    def versions(self, slugs: list[str]) -> dict[str, list[dict]]:
        searcher = self.searcher()
        return {slug: [dict(fields) for fields in searcher.documents(slug=slug)] for slug in slugs}
