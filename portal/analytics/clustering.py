"""Grouping search queries that ask for the same thing: by spelling within a language
(typos, accents, word order) and by meaning across languages.

Pure functions over :class:`QueryForm` (every search of one normalised text in one
language); :mod:`portal.analytics.reports` reads the search log into them.
"""
from __future__ import annotations

import difflib
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

# Grouping thresholds (see :func:`group_similar`).
TOKEN_MATCH_RATIO = 0.8  # two words are "the same word" (typo) at this difflib ratio
JACCARD_THRESHOLD = 0.5  # share of (fuzzily) common words between two queries
STRING_RATIO_THRESHOLD = 0.8  # difflib ratio between two whole normalised queries
BLOCK_PREFIX = 3  # queries are compared only when they share a word starting alike
MAX_VARIANTS = 5
MEMBERS_COMPARED = 3  # a query is compared with at most this many members of a group
TRIGRAM_DICE_FILTER = 0.3  # below this trigram overlap two forms are not compared further
TRIGRAM_DICE_RATIO = 0.5  # below this one, whole strings are not compared with difflib
MAX_CANDIDATES = 25  # groups a query is compared with, at most (those sharing most word prefixes)
MAX_BUCKET_SCAN = 400  # groups looked up per word prefix
MAX_SEMANTIC_GROUPS = 300  # most searched groups compared across languages
STOP_KEY_MIN, STOP_KEY_SHARE = 40, 50  # prefixes starting > max(40, 2 % of forms) are too common to block on


# Combining marks that are optional accents/vowel points: Latin/Greek/Cyrillic
# diacritics, Hebrew points, Arabic harakat. Other scripts' marks are letters' parts.
_OPTIONAL_MARKS = ((0x0300, 0x036F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF), (0xFE20, 0xFE2F),
                   (0x0591, 0x05C7), (0x064B, 0x065F), (0x0670, 0x0670))


def _optional_mark(char: str) -> bool:
    if unicodedata.category(char) != "Mn":
        return False
    code = ord(char)
    return any(low <= code <= high for low, high in _OPTIONAL_MARKS)


def normalize_query(text: str) -> str:
    """Casefolded, accents and punctuation removed, spaces collapsed ("¿Factura  DUPLICADA?" -> "factura duplicada")."""
    decomposed = unicodedata.normalize("NFKD", (text or "").casefold())
    kept = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if not _optional_mark(ch)))
    spaced = "".join(" " if unicodedata.category(ch)[0] in "PSZC" else ch for ch in kept)
    return " ".join(spaced.split())


@dataclass
class QueryForm:
    """All zero-result searches of one language whose normalised text is identical."""

    lang: str
    norm: str
    tokens: tuple[str, ...]
    count: int = 0
    last_seen: datetime | None = None
    originals: Counter = field(default_factory=Counter)

    def __post_init__(self):
        self.words = frozenset(self.tokens)
        self.keys = frozenset(token[:BLOCK_PREFIX] for token in self.tokens)
        # Letter trigrams of each word (order-insensitive): a cheap first filter.
        self.trigrams = frozenset(
            padded[i:i + 3] for padded in (f" {t} " for t in self.words) for i in range(len(padded) - 2))


def _ratio_at_least(a: str, b: str, threshold: float) -> bool:
    if 2 * min(len(a), len(b)) / ((len(a) + len(b)) or 1) < threshold:
        return False  # even a perfect overlap could not reach the threshold
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return matcher.real_quick_ratio() >= threshold and matcher.quick_ratio() >= threshold \
        and matcher.ratio() >= threshold


class _Similarity:
    """Query similarity with per-run caches (word pairs repeat a lot)."""

    def __init__(self):
        self._words: dict[tuple[str, str], bool] = {}

    def same_word(self, a: str, b: str) -> bool:
        """Equal, or a near-miss spelling of each other (difflib ratio >= 0.8, 4+ letters)."""
        if a == b:
            return True
        if min(len(a), len(b)) < 4 or 2 * min(len(a), len(b)) / (len(a) + len(b)) < TOKEN_MATCH_RATIO:
            return False
        key = (a, b) if a < b else (b, a)
        found = self._words.get(key)
        if found is None:
            found = self._words[key] = _ratio_at_least(a, b, TOKEN_MATCH_RATIO)
        return found

    def soft_jaccard(self, a: QueryForm, b: QueryForm) -> float:
        """Jaccard of the word sets where a word also matches its near-miss spelling."""
        common = a.words & b.words
        matched = len(common)
        union_max = len(a.words) + len(b.words) - matched
        if min(len(a.words), len(b.words)) < JACCARD_THRESHOLD * max(len(a.words), len(b.words)):
            return matched / union_max  # even matching every remaining word could not reach the threshold
        rest_right = sorted(b.words - common)
        for word in sorted(a.words - common):
            for other in rest_right:
                if self.same_word(word, other):
                    rest_right.remove(other)
                    matched += 1
                    break
        union = len(a.words) + len(b.words) - matched
        return matched / union if union else 1.0

    def similar(self, a: QueryForm, b: QueryForm) -> bool:
        if a.norm == b.norm:
            return True
        # Cheap filter: forms this similar share a good part of their letter trigrams.
        dice = 2 * len(a.trigrams & b.trigrams) / ((len(a.trigrams) + len(b.trigrams)) or 1)
        if dice < TRIGRAM_DICE_FILTER:
            return False
        # A single word never absorbs every longer query containing it ("password"
        # vs "password reset"): word overlap counts only between comparable queries.
        if (len(a.words) == 1) == (len(b.words) == 1) and self.soft_jaccard(a, b) >= JACCARD_THRESHOLD:
            return True
        return dice >= TRIGRAM_DICE_RATIO and _ratio_at_least(a.norm, b.norm, STRING_RATIO_THRESHOLD)


def group_similar(entries: list[QueryForm]) -> list[list[QueryForm]]:
    """Greedy grouping: most searched forms first, each joins the first similar group.

    Blocking keeps this fast (10k distinct zero-result searches in about a second,
    far less for real logs where queries repeat): a form is only
    compared with groups of the same language that share a word starting with the
    same ``BLOCK_PREFIX`` letters, words that start too many forms ("how", "the")
    are not used for that, the groups sharing most such words are tried first (at
    most ``MAX_CANDIDATES``), and only with their first (most searched) members.
    """
    similarity = _Similarity()
    frequency: Counter[tuple[str, str]] = Counter()
    per_language: Counter[str] = Counter()
    for entry in entries:
        per_language[entry.lang] += 1
        frequency.update((entry.lang, key) for key in entry.keys)

    def blocking_keys(entry: QueryForm) -> list[str]:
        limit = max(STOP_KEY_MIN, per_language[entry.lang] // STOP_KEY_SHARE)
        keys = [key for key in entry.keys if frequency[(entry.lang, key)] <= limit]
        if keys or not entry.keys:
            return keys
        return [min(entry.keys, key=lambda k: (frequency[(entry.lang, k)], k))]  # only common words: the rarest

    groups: list[list[QueryForm]] = []
    blocks: dict[tuple[str, str], dict[int, None]] = defaultdict(dict)  # ordered sets of group ids
    ordered = sorted(entries, key=lambda e: (-e.count, -(e.last_seen.timestamp() if e.last_seen else 0), e.norm))
    for entry in ordered:
        keys = blocking_keys(entry)
        shared: Counter[int] = Counter()
        for key in keys:
            bucket = blocks.get((entry.lang, key))
            if bucket:
                shared.update(islice(bucket, MAX_BUCKET_SCAN))
        candidates = sorted(shared, key=lambda group_id: (-shared[group_id], group_id))[:MAX_CANDIDATES]
        target = None
        for group_id in candidates:
            if any(similarity.similar(entry, member) for member in groups[group_id][:MEMBERS_COMPARED]):
                target = group_id
                break
        if target is None:
            target = len(groups)
            groups.append([])
        groups[target].append(entry)
        for key in keys:
            blocks[(entry.lang, key)].setdefault(target, None)
    return groups


def most_common(counter: Counter) -> str:
    return min(counter.items(), key=lambda item: (-item[1], item[0]))[0]


def merge_across_languages(groups: list[list[QueryForm]], embed: Callable[[list[str]], np.ndarray],
                           threshold: float, max_groups: int = MAX_SEMANTIC_GROUPS) -> list[list[QueryForm]]:
    """Join groups that mean the same thing, whatever their language.

    ``embed`` turns texts into unit vectors whose dot product is their
    similarity; a group joins the first cluster (most searched first) whose
    centroid is at least ``threshold`` close to its most searched form. Only the
    ``max_groups`` most searched groups take part (bounded cost); the rest stay as
    they are.
    """
    import numpy as np  # only when embeddings are on: a report without them never loads numpy

    ordered = sorted(groups, key=lambda g: -sum(e.count for e in g))
    head, tail = ordered[:max_groups], ordered[max_groups:]
    if len(head) < 2:
        return ordered
    representatives = [most_common(max(group, key=lambda e: e.count).originals) for group in head]
    vectors = embed(representatives)
    clusters: list[list[QueryForm]] = []
    sums: list = []
    for group, vector in zip(head, vectors, strict=True):
        best, best_score = None, threshold
        for index, total in enumerate(sums):
            centroid = total / max(np.linalg.norm(total), 1e-12)
            score = float(centroid @ vector)
            if score >= best_score:
                best, best_score = index, score
        if best is None:
            clusters.append(list(group))
            sums.append(np.array(vector, dtype=np.float64))
        else:
            clusters[best].extend(group)
            sums[best] = sums[best] + vector
    return clusters + tail


def join_overlapping(groups: list[list[QueryForm]], max_groups: int = MAX_SEMANTIC_GROUPS) -> list[list[QueryForm]]:
    """Join groups of one language that a form of one is similar to a form of the other.

    :func:`group_similar` is greedy: "charged twice invoice" may found a group with a
    longer phrasing before it meets "charged twice". Comparing the first
    ``MEMBERS_COMPARED`` forms of the ``max_groups`` most searched groups pairwise
    (bounded cost) joins such halves; the rest stay as they are.
    """
    similarity = _Similarity()
    ordered = sorted(groups, key=lambda g: -sum(e.count for e in g))
    head, tail = [list(g) for g in ordered[:max_groups]], ordered[max_groups:]
    joined: list[list[QueryForm]] = []
    for group in head:
        target = next((other for other in joined if other[0].lang == group[0].lang and any(
            similarity.similar(a, b) for a in other[:MEMBERS_COMPARED] for b in group[:MEMBERS_COMPARED])), None)
        if target is None:
            joined.append(group)
        else:
            target.extend(group)
    return joined + tail
