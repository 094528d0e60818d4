"""Word frequencies of real text per language, read from the wordfreq wheel.

wordfreq (https://github.com/rspeer/wordfreq, code Apache-2.0, data CC BY-SA 4.0,
by Robyn Speer and contributors) ships, for about 44 languages, every word
seen at least once per million words of Wikipedia, subtitles, news, books and
web text, in buckets of one centibel. The files are read directly (gzip +
msgpack, the "cB" format): importing wordfreq itself would load its tokenizers,
which this package never uses.

Lists are held compactly: one sorted array of the words' hashes and one byte
per word and language (how far above an unlisted word, in 4 cB steps; 0 = not
listed). A process-local ``hash()`` is enough because the table is built in the
process that reads it (and shared with forked workers, which keep the hash seed).
"""
from __future__ import annotations

import gzip
import importlib.util
import math
import operator
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

import msgpack
import numpy as np

#: The rarest bucket read: 600 cB = one occurrence per million words, all of a
#: "small" list (fewer words cost accuracy on single words: bench/langid_eval.py).
DEFAULT_CUTOFF_CB = 600
#: An unlisted word is taken to be this many centibels rarer than the rarest listed
#: (chosen with the prior weight on the tuning languages by bench/langid_eval.py).
DEFAULT_UNLISTED_CB = 300

#: One centibel in natural-log units.
CB_TO_LOG = math.log(10) / 100
_UNIT_CB = 4  # strengths are stored in steps of 4 cB (a factor of 1.1) to fit a byte
_CACHE_WORDS = 20_000  # a few MB of hot words per process
_UNSEEN = object()
# BCP-47 base subtags whose wordfreq list has another name.
_WORDFREQ_CODES = {"no": "nb", "iw": "he", "in": "id", "tl": "fil", "hr": "sh", "bs": "sh"}


def data_dir() -> Path | None:
    """Where the wordfreq wheel keeps its lists, or None when it is not installed."""
    spec = importlib.util.find_spec("wordfreq")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "data"
    return path if path.is_dir() else None


def list_path(lang: str) -> Path | None:
    """The wordfreq list for a BCP-47 tag (``pt-BR`` -> pt, ``zh-Hans`` -> zh), if any.

    Serbian is written in Cyrillic by default while wordfreq's Serbo-Croatian
    list is Latin, so only ``sr-Latn`` reads it.
    """
    folder = data_dir()
    if folder is None:
        return None
    subtags = lang.replace("_", "-").lower().split("-")
    code = subtags[0]
    if code == "sr" and "latn" in subtags[1:]:
        code = "sh"
    code = _WORDFREQ_CODES.get(code, code)
    if not code.isascii() or not code.isalpha() or not 2 <= len(code) <= 3:
        return None  # not a language subtag (and never a path)
    path = folder / f"small_{code}.msgpack.gz"
    return path if path.is_file() else None


def normalize(word: str) -> str:
    """A word as wordfreq stores it: NFC, case-folded, Turkish dotted capital I as i."""
    return unicodedata.normalize("NFC", word.casefold().replace("i\u0307", "i"))


def read_list(path: Path, cutoff_cb: int = DEFAULT_CUTOFF_CB) -> tuple[np.ndarray, np.ndarray]:
    """(hashes of the words, their centibel buckets) for buckets up to ``cutoff_cb``.

    A word's bucket b means a frequency of 10^(-b/100). Arrays, not a dict: the
    words themselves are not kept.
    """
    with gzip.open(path, "rb") as handle:
        data = msgpack.unpackb(handle.read(), raw=False)
    if not isinstance(data, list) or not data or not isinstance(data[0], dict) or data[0].get("format") != "cB":
        raise ValueError(f"{path.name} is not a wordfreq cB list")
    buckets = data[1:cutoff_cb + 2]
    hashes = np.fromiter((hash(word) for listed in buckets for word in listed), dtype=np.int64)
    levels = np.repeat(np.arange(len(buckets), dtype=np.int64), [len(listed) for listed in buckets])
    return hashes, levels


class WordFrequencies:
    """How much more often each language uses a text's words than an unlisted word.

    ``strengths`` answers per known word and language in centibels: log10(frequency /
    frequency of an unlisted word) x 100. A language without a list is not in
    the answer; callers must treat it as unknown, not as unlikely.
    """

    def __init__(self, lists: Iterable[tuple[str, np.ndarray, np.ndarray, int]]):
        """``lists``: (language, word hashes, their centibel buckets, the bucket of an unlisted word).

        Taken one at a time, so that a loader reads one file while the previous
        list is already packed.
        """
        languages: list[str] = []
        hashes, columns, strengths = [], [], []
        for lang, word_hashes, buckets, floor in lists:
            hashes.append(word_hashes)
            columns.append(np.full(len(word_hashes), len(languages), dtype=np.int64))
            strengths.append(np.clip((floor - buckets) // _UNIT_CB, 0, 255))
            languages.append(lang)
        self.languages: tuple[str, ...] = tuple(languages)
        self._column = {lang: i for i, lang in enumerate(self.languages)}
        all_hashes = np.concatenate(hashes) if hashes else np.zeros(0, dtype=np.int64)
        self._keys, row = np.unique(all_hashes, return_inverse=True)
        # one byte per word and language, in units of _UNIT_CB, 0 = not listed
        self._strength = np.zeros((len(self._keys), max(1, len(self.languages))), dtype=np.uint8)
        if hashes:
            self._strength[row, np.concatenate(columns)] = np.concatenate(strengths)
        self._cache: dict[str, tuple[int, ...] | None] = {}  # word -> its row; None: no list has it
        self._columns: dict[tuple[str, ...], tuple[tuple[str, ...], Callable]] = {}

    @classmethod
    def load(cls, languages: Iterable[str], cutoff_cb: int = DEFAULT_CUTOFF_CB,
             unlisted_cb: int = DEFAULT_UNLISTED_CB) -> WordFrequencies:
        """Lists for those of ``languages`` that wordfreq has (others are left out)."""
        paths = [(lang, path) for lang in languages if (path := list_path(lang)) is not None]
        return cls((lang, *read_list(path, cutoff_cb), cutoff_cb + unlisted_cb) for lang, path in paths)

    @classmethod
    def from_counts(cls, counts_by_lang: Mapping[str, Mapping[str, int]]) -> WordFrequencies:
        """Frequencies from word counts (e.g. a help center's own articles).

        An unlisted word counts as a tenth of one occurrence.
        """
        lists = []
        for lang, counts in counts_by_lang.items():
            total = sum(counts.values())
            if total:
                merged: Counter = Counter()
                for word, n in counts.items():
                    if n > 0:
                        merged[normalize(word)] += n
                hashes = np.fromiter((hash(w) for w in merged), dtype=np.int64, count=len(merged))
                buckets = np.fromiter((round(100 * math.log10(total / n)) for n in merged.values()),
                                      dtype=np.int64, count=len(merged))
                lists.append((lang, hashes, buckets, round(100 * math.log10(total / 0.1))))
        return cls(lists)

    def strengths(self, words: Sequence[str], languages: Iterable[str]) \
            -> tuple[tuple[str, ...], list[tuple[int, ...] | None]]:
        """(the listed languages among ``languages``, one tuple or None per word).

        Each tuple holds, per listed language, how many centibels more often the
        language uses the word than an unlisted word (0: not listed); None for a
        word no list has. Plain tuples, not arrays: a query has a handful of
        words, and numpy's per-call cost would dominate.
        """
        key = tuple(languages)
        columns = self._columns.get(key)
        if columns is None:
            columns = self._columns[key] = self._pick(key)
        listed, pick = columns
        if not listed:
            return listed, []
        return listed, [None if row is None else pick(row) for row in self._rows(words)]

    def _pick(self, languages: tuple[str, ...]) -> tuple[tuple[str, ...], Callable[[tuple[int, ...]], tuple[int, ...]]]:
        listed = tuple(lang for lang in languages if lang in self._column)
        indices = [self._column[lang] for lang in listed]
        if not indices:
            return listed, lambda row: ()
        if len(indices) == 1:
            only = indices[0]
            return listed, lambda row: (row[only],)
        return listed, operator.itemgetter(*indices)

    def _rows(self, words: Sequence[str]) -> list[tuple[int, ...] | None]:
        """Each word's strengths in cB for every language of the table, or None.

        People type the same few thousand words again and again: their rows are
        kept in a bounded cache, so a typical query does no array search at all.
        """
        cache = self._cache
        rows = [cache.get(word, _UNSEEN) for word in words]
        missing = [i for i, row in enumerate(rows) if row is _UNSEEN]
        if not missing:
            return rows  # type: ignore[return-value]
        if len(cache) + len(missing) > _CACHE_WORDS:
            cache.clear()  # cheap and rare: hot words come back at once
        if not len(self._keys):
            for i in missing:
                rows[i] = None
            return rows  # type: ignore[return-value]
        hashes = np.fromiter((hash(normalize(words[i])) for i in missing), dtype=np.int64, count=len(missing))
        at = np.minimum(np.searchsorted(self._keys, hashes), len(self._keys) - 1)
        present = (self._keys[at] == hashes).tolist()
        found = (self._strength[at].astype(np.int32) * _UNIT_CB).tolist()
        for i, known, row in zip(missing, present, found, strict=True):
            rows[i] = cache[words[i]] = tuple(row) if known else None
        return rows  # type: ignore[return-value]

    @property
    def nbytes(self) -> int:
        return int(self._keys.nbytes + self._strength.nbytes)
