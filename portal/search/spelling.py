"""Did-you-mean for one word, shared by both keyword backends.

A backend supplies the vocabulary words that share the misspelt word's first letter
(people rarely mistype it, and it narrows the search a hundredfold) and how common
each is; the closest one wins. Edit distances are computed by rapidfuzz in C: a
misspelt query used to cost a pure-Python distance per vocabulary word, which at
50,000 documents made zero-result queries the slowest keyword searches.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence

from rapidfuzz import process
from rapidfuzz.distance import OSA

#: Farther than this, a "correction" is another word, not a typo.
MAX_DISTANCE = 2


def closest_word(word: str, candidates: Sequence[str], frequency: Callable[[str], int]) -> str | None:
    """The candidate nearest ``word`` (Levenshtein with adjacent swaps counted once, at most
    ``MAX_DISTANCE``), the most frequent among equally near ones, then the first in order;
    None when nothing is near enough. ``word`` itself is never its own correction."""
    near = process.extract(word, candidates, scorer=OSA.distance, score_cutoff=MAX_DISTANCE, limit=None)
    ranked = [(distance, -frequency(choice), choice) for choice, distance, _ in near if choice != word]
    return min(ranked)[2] if ranked else None


class VocabularyBuckets:
    """Vocabulary words by (field, first letter) for one index generation, least recently
    used dropped past ``max_words`` in all, everything dropped when the generation changes."""

    def __init__(self, max_words: int = 300_000):
        self.max_words = max_words
        self._lock = threading.Lock()
        self._generation: Hashable = None
        self._buckets: OrderedDict[Hashable, list[str]] = OrderedDict()
        self._words = 0

    def get(self, generation: Hashable, key: Hashable, load: Callable[[], list[str]]) -> list[str]:
        """The bucket ``key`` of ``generation``, read with ``load`` when not kept."""
        with self._lock:
            if generation != self._generation:
                self._buckets.clear()
                self._generation, self._words = generation, 0
            bucket = self._buckets.get(key)
            if bucket is not None:
                self._buckets.move_to_end(key)
                return bucket
        bucket = load()  # outside the lock: another thread may read the same bucket meanwhile
        with self._lock:
            if generation == self._generation and key not in self._buckets:
                self._buckets[key] = bucket
                self._words += len(bucket)
                while self._words > self.max_words and len(self._buckets) > 1:
                    _, dropped = self._buckets.popitem(last=False)
                    self._words -= len(dropped)
        return bucket
