"""The keyword search backend on PostgreSQL full-text search (``PORTAL_SEARCH_BACKEND=postgres``).

Documents are rows of ``search_document`` in the portal's own database, written
through the caller's session, so an index job's changes commit with the job and
every web node sees them at once (ADR 0013). Each row's ``tsv`` is built with its
language's configuration: a Snowball one with accents folded before stemming
(``portal_<code>``, made by the migration) where PostgreSQL has one, otherwise
the terms of the Whoosh analyzers (CJK bigrams, folding) as a ready-made
vector, so those languages match exactly as on Whoosh. Ranking is ``ts_rank_cd``
with the title weighted as ``schema.TITLE_BOOST``; did-you-mean and completion
read ``search_word`` (pg_trgm, a prefix index); ``search_generation`` is
bumped by every write.
"""
from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from portal.search.analyzers import terms as analyze
from portal.search.backend import (
    ALL_WORDS_BOOST,
    CANDIDATES,
    RawHit,
    candidate_words,
    rarest_words,
    rarity_weight,
)
from portal.search.schema import TITLE_BOOST, field_language
from portal.search.spelling import closest_word

#: Language code -> PostgreSQL 15 Snowball configuration; the migration made ``portal_<code>`` of each.
SNOWBALL = {
    "ar": "arabic", "ca": "catalan", "da": "danish", "de": "german", "el": "greek", "en": "english",
    "es": "spanish", "eu": "basque", "fi": "finnish", "fr": "french", "ga": "irish", "hi": "hindi",
    "hu": "hungarian", "hy": "armenian", "id": "indonesian", "it": "italian", "lt": "lithuanian",
    "ne": "nepali", "nl": "dutch", "no": "norwegian", "nb": "norwegian", "nn": "norwegian",
    "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian", "sv": "swedish", "ta": "tamil",
    "tr": "turkish", "yi": "yiddish",
}
#: ts_rank_cd weights {D, C, B, A}: bodies are D, titles A.
RANK_WEIGHTS = [1.0 / TITLE_BOOST, 1.0 / TITLE_BOOST, 1.0 / TITLE_BOOST, 1.0]
#: Longest word kept in a vector or the vocabulary (longer ones are no one's search words).
MAX_WORD = 100
MAX_QUERY_WORDS = 32
_MAX_POSITION = 16383  # PostgreSQL's limit
_MAX_POSITIONS_PER_WORD = 255
#: Documents per lexeme and language (and, as lexeme '', per language) of the rows ``where`` picks.
_LEXEME_COUNTS = ("SELECT lang, lexeme, count(*) AS docs FROM search_document, unnest(tsvector_to_array(tsv)) "
                  "AS lexeme {where} GROUP BY lang, lexeme "
                  "UNION ALL SELECT lang, '', count(*) FROM search_document {where} GROUP BY lang")
_STORED = ("key", "slug", "lang", "kind", "machine", "category", "tags", "title", "summary", "excerpt",
           "popularity")


def configuration(lang: str) -> str | None:
    """The text-search configuration for ``lang``, or None when the Whoosh analyzers' terms are used."""
    base = lang.replace("_", "-").split("-")[0].lower()
    code = "no" if base in ("nb", "nn") else base
    return f"portal_{code}" if code in SNOWBALL else None


#: An apostrophe inside an English word ("can't", "user's").
_ENGLISH_APOSTROPHE = re.compile(r"(?<=\w)['’](?=\w)")


def _prepare(config: str, text_: str) -> str:
    """Text as the parser should see it. PostgreSQL splits "can't" into "can" and "t", two
    stop words, and the negation that says what is wrong is gone; joined ("cant"), it stays a
    word, as on Whoosh."""
    return _ENGLISH_APOSTROPHE.sub("", text_) if config == "portal_en" else text_


def _quote(word: str) -> str:
    """A lexeme as a quoted tsvector/tsquery literal (no dictionary applied to it)."""
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def _vector_literal(parts: list[tuple[list[str], str]]) -> str:
    """A tsvector literal of already analysed words: [(words, weight)], positions running on."""
    places: dict[str, list[str]] = {}
    position = 0
    for words, weight in parts:
        for word in words:
            position = min(position + 1, _MAX_POSITION)
            if len(word) > MAX_WORD:
                continue
            found = places.setdefault(word, [])
            if len(found) < _MAX_POSITIONS_PER_WORD:
                found.append(f"{position}{weight}")
    return " ".join(f"{_quote(word)}:{','.join(spots)}" for word, spots in places.items())


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class PostgresBackend:
    """:class:`portal.search.backend.SearchBackend` on the portal's PostgreSQL database."""

    def __init__(self, session: Callable[[], Session], connect: Callable[[], Connection], check_every: float = 0.0,
                 candidates: int = CANDIDATES):
        self._session = session  # writes with no session given go through the current one
        # Reads take a pooled connection of their own: they need no app context, and
        # see what is committed, as every other node does.
        self._connect = connect
        #: Seconds a web process trusts the generation it read (0: look every time).
        self._check_every = check_every
        self._generation: tuple[float, int] | None = None
        #: At most how many documents a query ranks per candidate set (``candidate_words``).
        self.candidates = candidates

    # --- writes (flush only: the caller's transaction commits them) ------------
    def index(self, docs: list[dict], delete_keys: Sequence[str] = (), optimize: bool = False, *,
              session: Any = None) -> None:
        """Add or replace documents (by ``key``) and delete others."""
        session = session or self._session()
        self._bump(session)  # first: concurrent writers queue here, so the counts below stay exact
        keys = list(dict.fromkeys([*delete_keys, *(doc["key"] for doc in docs)]))
        delta: Counter[tuple[str, str]] = Counter()
        if keys:
            for row in session.execute(text("SELECT field, words FROM search_document WHERE key = ANY(:keys) "
                                            "FOR UPDATE"), {"keys": keys}):
                for word in row.words.split():
                    delta[(row.field, word)] -= 1
            self._count_lexemes(session, keys, -1)
            session.execute(text("DELETE FROM search_document WHERE key = ANY(:keys)"), {"keys": keys})
        rows = [self._row(doc) for doc in docs]
        for row in rows:
            for word in row["words"].split():
                delta[(row["field"], word)] += 1
        self._insert(session, rows)
        self._count_lexemes(session, [row["key"] for row in rows], +1)
        changed = {place: count for place, count in delta.items() if count}
        if changed:
            session.execute(text(
                "INSERT INTO search_word (field, word, docs) "
                "SELECT * FROM unnest(CAST(:fields AS text[]), CAST(:words AS text[]), CAST(:counts AS int[])) "
                "ON CONFLICT (field, word) DO UPDATE SET docs = search_word.docs + excluded.docs"),
                {"fields": [f for f, _ in changed], "words": [w for _, w in changed], "counts": list(changed.values())})
            session.execute(text(
                "DELETE FROM search_word WHERE docs <= 0 AND (field, word) IN "
                "(SELECT * FROM unnest(CAST(:fields AS text[]), CAST(:words AS text[])))"),
                {"fields": [f for f, _ in changed], "words": [w for _, w in changed]})
        session.flush()

    def delete(self, keys: list[str], *, session: Any = None) -> None:
        self.index([], delete_keys=list(keys), session=session)

    def replace_all(self, docs: list[dict], *, session: Any = None) -> None:
        """Replace the whole index; readers see the old one until the caller commits."""
        session = session or self._session()
        self._bump(session)
        session.execute(text("DELETE FROM search_document"))
        session.execute(text("DELETE FROM search_word"))
        session.execute(text("DELETE FROM search_lexeme"))
        rows = [self._row(doc) for doc in docs]
        self._insert(session, rows)
        session.execute(text(f"INSERT INTO search_lexeme (lang, lexeme, docs) {_LEXEME_COUNTS.format(where='')}"))
        counts = Counter((row["field"], word) for row in rows for word in row["words"].split())
        if counts:
            session.execute(text(
                "INSERT INTO search_word (field, word, docs) "
                "SELECT * FROM unnest(CAST(:fields AS text[]), CAST(:words AS text[]), CAST(:counts AS int[]))"),
                {"fields": [f for f, _ in counts], "words": [w for _, w in counts], "counts": list(counts.values())})
        session.flush()

    @staticmethod
    def _count_lexemes(session: Session, keys: list[str], sign: int) -> None:
        """Add (+1) or take away (-1) the lexemes of the documents ``keys`` to/from ``search_lexeme``."""
        if not keys:
            return
        emptied = session.execute(text(
            "INSERT INTO search_lexeme (lang, lexeme, docs) "
            f"SELECT lang, lexeme, :sign * docs FROM ({_LEXEME_COUNTS.format(where='WHERE key = ANY(:keys)')}) n "
            "ON CONFLICT (lang, lexeme) DO UPDATE SET docs = search_lexeme.docs + excluded.docs "
            "RETURNING lang, lexeme, docs"), {"keys": keys, "sign": sign}).all()
        gone = [(row.lang, row.lexeme) for row in emptied if row.docs <= 0]
        if gone:
            session.execute(text(
                "DELETE FROM search_lexeme WHERE (lang, lexeme) IN "
                "(SELECT * FROM unnest(CAST(:langs AS text[]), CAST(:lexemes AS text[])))"),
                {"langs": [lang for lang, _ in gone], "lexemes": [lexeme for _, lexeme in gone]})

    @staticmethod
    def _bump(session: Session) -> None:
        session.execute(text("UPDATE search_generation SET value = value + 1 WHERE id = 1"))

    @staticmethod
    def _row(doc: dict) -> dict:
        lang = doc["lang"]
        suffix = field_language(lang)
        title = doc.get(f"title_{suffix}", "")
        body = doc.get(f"body_{suffix}", "")
        config = configuration(lang)
        words = [w for w in dict.fromkeys(analyze(lang, doc.get(f"spell_{suffix}", ""), stem=False))
                 if len(w) <= MAX_WORD]
        row = {name: doc.get(name, "") for name in _STORED}
        row.update(machine=bool(doc.get("machine")), popularity=int(doc.get("popularity") or 0), field=suffix,
                   words=" ".join(words), config=config or "simple")
        if config:
            row.update(title_text=_prepare(config, title), body_text=_prepare(config, body), ready="")
        else:
            row.update(title_text="", body_text="",
                       ready=_vector_literal([(analyze(lang, title), "A"), (analyze(lang, body), "")]))
        return row

    @staticmethod
    def _insert(session: Session, rows: list[dict]) -> None:
        if not rows:
            return
        session.execute(text(
            "INSERT INTO search_document (key, slug, lang, field, kind, machine, category, tags, title, summary, "
            "excerpt, popularity, words, tsv) VALUES (:key, :slug, :lang, :field, :kind, :machine, :category, :tags, "
            ":title, :summary, :excerpt, :popularity, :words, "
            "setweight(to_tsvector(CAST(:config AS regconfig), :title_text), 'A') || "
            "to_tsvector(CAST(:config AS regconfig), :body_text) || CAST(:ready AS tsvector))"), rows)

    # --- reads -------------------------------------------------------------------
    @property
    def generation(self) -> int:
        known = self._generation
        now = time.monotonic()
        if known is not None and now - known[0] < self._check_every:
            return known[1]
        rows = self._read(text("SELECT value FROM search_generation WHERE id = 1"))
        value = int(rows[0][0]) if rows else 0
        self._generation = (now, value)
        return value

    def _read(self, statement, params: dict | None = None, conn: Connection | None = None):
        """Run one read statement on ``conn`` or a pooled connection; the rows are fetched before it is returned."""
        if conn is not None:
            return conn.execute(statement, params or {}).fetchall()
        with self._connect() as conn:
            return conn.execute(statement, params or {}).fetchall()

    def _query_words(self, lang: str, text_: str, conn: Connection) -> tuple[list[str], int, dict[str, int]]:
        """The query's words as the index holds them, how many documents ``lang`` has, and
        how many of them hold each word (one round trip)."""
        config = configuration(lang)
        if config is None:
            words = [w for w in dict.fromkeys(analyze(lang, text_)) if len(w) <= MAX_WORD][:MAX_QUERY_WORDS]
            if not words:
                return [], 0, {}
            rows = self._read(text(
                "SELECT lexeme, docs FROM search_lexeme WHERE lang = :lang AND lexeme = ANY(:words)"),
                {"lang": lang, "words": ["", *words]}, conn)
        else:
            # Lexemes in the order they were typed; the language's count comes as the word ''.
            rows = self._read(text(
                "WITH typed AS (SELECT lexeme, positions[1] AS place FROM "
                "unnest(to_tsvector(CAST(:config AS regconfig), :text)) WHERE length(lexeme) <= :longest "
                "UNION ALL SELECT '', 0) "
                "SELECT typed.lexeme, coalesce(counted.docs, 0) AS docs FROM typed LEFT JOIN search_lexeme counted "
                "ON counted.lang = :lang AND counted.lexeme = typed.lexeme ORDER BY typed.place"),
                {"config": config, "text": _prepare(config, text_), "lang": lang, "longest": MAX_WORD}, conn)
            words = [row.lexeme for row in rows if row.lexeme][:MAX_QUERY_WORDS]
        found = {row.lexeme: int(row.docs) for row in rows}
        return words, found.get("", 0), {word: found.get(word, 0) for word in words}

    def search_language(self, lang: str, text: str, *, category: str | None = None,
                        limit: int = 50, require_all: bool = True) -> tuple[list[RawHit], list[str]]:
        """Documents in ``lang`` matching ``text`` (see ``WhooshBackend.search_language``).

        Only the candidates ``candidate_words`` picks are ranked: ranking reads each
        document's whole vector, and a word in most documents would otherwise have
        every one of them ranked (ADR 0018).
        """
        with self._connect() as conn:  # both statements on one connection: one checkout
            return self._search_language(conn, lang, text, category, limit, require_all)

    def _search_language(self, conn: Connection, lang: str, text: str, category: str | None, limit: int,
                         require_all: bool) -> tuple[list[RawHit], list[str]]:
        words, total, frequencies = self._query_words(lang, text, conn)
        if not words:
            return [], []
        words = rarest_words(words, frequencies)
        rarity = [rarity_weight(total, frequencies[w]) for w in words] if len(words) > 1 else [1.0]
        picked = candidate_words({w: frequencies[w] for w in words}, self.candidates)
        quoted = [_quote(w) for w in words]
        count = len(words)
        params: dict[str, Any] = {"lang": lang, "all": " & ".join(quoted), "weights": RANK_WEIGHTS,
                                  "boost": ALL_WORDS_BOOST, "limit": limit, "category": category or "",
                                  "cap": self.candidates, "pick": " | ".join(_quote(w) for w in picked)}
        params.update({f"w{i}": q for i, q in enumerate(quoted)})
        params.update({f"r{i}": r for i, r in enumerate(rarity)})
        in_category = "AND category = :category " if category else ""
        # Candidates come from the index alone (no document's vector is read): those holding
        # every word, and, unless every word is required, those holding a picked word. Each
        # set is cut at the most popular CANDIDATES: only when even the rarest word is common.
        chosen = [f"(SELECT key FROM search_document WHERE lang = :lang AND tsv @@ CAST(:all AS tsquery) "
                  f"{in_category}ORDER BY popularity DESC, key LIMIT :cap)"]
        if not require_all and count > 1:
            chosen.append(f"(SELECT key FROM search_document WHERE lang = :lang AND tsv @@ CAST(:pick AS tsquery) "
                          f"{in_category}ORDER BY popularity DESC, key LIMIT :cap)")
        # Each candidate's vector is decompressed once (v), not once per ranked word: deleting
        # a lexeme no vector holds hands back the decompressed input as it is (concatenating
        # an empty vector, as before, also copied it: half the ranking time of a long Chinese
        # document). The ranks of words of about the same rarity are taken in one call, as
        # the rank of a query of alternatives is the sum of its words' ranks.
        groups = _rarity_groups(words, rarity)
        params.update({f"g{n}": " | ".join(_quote(w) for w in group) for n, (_, group) in enumerate(groups)})
        params.update({f"gr{n}": weight for n, (weight, _) in enumerate(groups)})
        per_word = " + ".join(f":gr{n} * ts_rank_cd(CAST(:weights AS real[]), t.v, CAST(:g{n} AS tsquery), 1)"
                              for n in range(len(groups)))
        mean = f"({' + '.join(f':r{i}' for i in range(count))}) / {count}"
        matched = "".join(f", ranked.v @@ CAST(:w{i} AS tsquery) AS m{i}" for i in range(count))
        # Which words each hit holds is asked of the hits alone, after the cut to ``limit``.
        rows = self._read(_sql(
            f"WITH candidate AS MATERIALIZED ({' UNION '.join(chosen)}) "
            f"SELECT {', '.join('ranked.' + name for name in _STORED)}, ranked.score{matched} "
            f"FROM (SELECT {', '.join('d.' + name for name in _STORED)}, t.v, "
            f"{per_word} + CASE WHEN t.v @@ CAST(:all AS tsquery) "
            f"THEN :boost * {mean} * ts_rank_cd(CAST(:weights AS real[]), t.v, CAST(:all AS tsquery), 1) ELSE 0 END "
            "AS score FROM candidate c JOIN search_document d ON d.key = c.key "
            "CROSS JOIN LATERAL (SELECT ts_delete(d.tsv, CAST('' AS text)) AS v OFFSET 0) t "
            "ORDER BY score DESC, d.key LIMIT :limit) ranked ORDER BY ranked.score DESC, ranked.key"), params, conn)
        hits = []
        for row in rows:
            fields = {name: getattr(row, name) for name in _STORED}
            coverage = sum(weight for i, weight in enumerate(rarity) if getattr(row, f"m{i}")) / sum(rarity)
            hits.append(RawHit(row.key, row.slug, row.lang, row.kind, float(row.score), fields, coverage))
        return hits, words

    def correct(self, lang: str, word: str) -> str | None:
        """Did-you-mean for one word: the closest vocabulary word sharing its first letter."""
        if not word or len(word) > MAX_WORD:
            return None
        # Trigram similarity picks the candidates (the prefix index narrows them to the
        # first letter); the edit distance decides, as on Whoosh. A known word is its own
        # most similar candidate, so one statement also says whether it needs correcting.
        rows = self._read(text(
            "SELECT word, docs FROM search_word WHERE field = :field AND word LIKE :first ESCAPE '\\' "
            "AND length(word) BETWEEN :shortest AND :longest "
            "ORDER BY similarity(word, :word) DESC, docs DESC LIMIT 200"),
            {"field": field_language(lang), "first": _escape_like(word[0]) + "%", "word": word,
             "shortest": len(word) - 2, "longest": len(word) + 2})
        docs = {row.word: row.docs for row in rows}
        return None if word in docs else closest_word(word, list(docs), docs.__getitem__)

    def complete(self, lang: str, prefix: str, limit: int = 8) -> list[str]:
        """Vocabulary words starting with ``prefix``, most common first."""
        if not prefix or len(prefix) > MAX_WORD:
            return []
        return [row[0] for row in self._read(text(
            "SELECT word FROM search_word WHERE field = :field AND word LIKE :prefix ESCAPE '\\' "
            "ORDER BY docs DESC, word LIMIT :limit"),
            {"field": field_language(lang), "prefix": _escape_like(prefix) + "%", "limit": limit})]

    def slugs_in_category(self, category: str) -> set[str]:
        return {row[0] for row in self._read(text("SELECT DISTINCT slug FROM search_document WHERE category = :c"),
                                             {"c": category})}

    def keys(self) -> list[str]:
        return [row[0] for row in self._read(text("SELECT key FROM search_document ORDER BY key"))]

    def versions(self, slugs: list[str]) -> dict[str, list[dict]]:
        found: dict[str, list[dict]] = {slug: [] for slug in slugs}
        if not slugs:
            return found
        rows = self._read(text(f"SELECT {', '.join(_STORED)} FROM search_document "
                               "WHERE slug = ANY(:slugs) ORDER BY key"), {"slugs": list(slugs)})
        for row in rows:
            found[row.slug].append(dict(row._mapping))
        return found


#: Words whose rarities round to the same multiple of this are ranked together, at their mean rarity.
RARITY_STEP = 0.5


def _rarity_groups(words: list[str], rarity: list[float]) -> list[tuple[float, list[str]]]:
    """(weight, words) to rank together: words whose rarities round to the same step, at their mean."""
    groups: dict[int, list[int]] = {}
    for i, weight in enumerate(rarity):
        groups.setdefault(round(weight / RARITY_STEP), []).append(i)
    return [(sum(rarity[i] for i in members) / len(members), [words[i] for i in members])
            for members in groups.values()]


def _sql(statement: str):
    """SQL assembled from this module's fixed fragments only (every value is a bound parameter)."""
    return text(statement)
