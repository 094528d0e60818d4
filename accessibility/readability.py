"""Readability scores per language, and the word/sentence counting the lint shares.

Every formula is a classic one computed from words, sentences, syllables (or
letters); syllables are estimated from vowel groups, which is what these
formulas were meant to be used with in software (a few percent off on single
words, close enough on a whole article).

=========  ========================  ============================================  ==========
language   formula                   score (W words, S sentences, Y syllables,     warn below
                                     L letters)
=========  ========================  ============================================  ==========
en         Flesch reading ease       206.835 - 1.015 W/S - 84.6 Y/W                50
es         Fernández-Huerta          206.84 - 1.02 W/S - 60 Y/W                    50
fr         Kandel & Moles            207 - 1.015 W/S - 73.6 Y/W                    50
de         Amstad                    180 - W/S - 58.5 Y/W                          35
pt         Flesch adapted (Martins)  248.835 - 1.015 W/S - 84.6 Y/W                35
it         Gulpease                  89 + (300 S - 10 L) / W                       45
=========  ========================  ============================================  ==========

(Fernández-Huerta as usually implemented, with words per sentence; Gulpease
counts letters, not syllables.) Higher is easier; scores are clamped to 0..100.

Thresholds: on the Flesch scale 50 is the line between "fairly difficult" and
"difficult", and help articles should stay above it. The adapted formulas do
not give the same number for the same text in another language, so the other
thresholds are set to be as strict as English 50 on parallel text: in the GNOME
Help corpus (../shared; the same articles translated, 180 to 271 per language
with 50 words or more), 6 % of the English articles score below 50, and the
same share falls below 52 (es), 53 (fr), 37 (de), 35 (pt-BR) and 47 (it),
rounded here to multiples of 5, leaning lenient. Languages without a formula
here get ``None``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from accessibility.blocks import CODE_PLACEHOLDER, prose_blocks

#: lang base -> (name of the formula, warn below)
THRESHOLDS: dict[str, tuple[str, float]] = {
    "en": ("Flesch reading ease", 50.0),
    "es": ("Fernández-Huerta", 50.0),
    "fr": ("Kandel-Moles", 50.0),
    "de": ("Amstad", 35.0),
    "pt": ("Flesch (Martins)", 35.0),
    "it": ("Gulpease", 45.0),
}

CJK_LANGUAGES = frozenset({"zh", "ja"})

# Combining marks and joiners that belong inside words but are not \w: accents of
# decomposed Latin, Hebrew points, Arabic harakat, Devanagari signs, the Persian
# zero-width non-joiner, Japanese combining sound marks.
_MARKS = "\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed" \
         "\u0900-\u0903\u093a-\u094f\u0951-\u0957\u0962\u0963\u200c\u200d\u3099\u309a"
_LETTER = rf"(?:[^\W\d_]|[{_MARKS}])"
_LETTERS_WORD = re.compile(rf"{_LETTER}+(?:['’\-]{_LETTER}+)*")
_WORD = re.compile(rf"{_LETTER}+(?:['’\-]{_LETTER}+)*|\d+(?:[.,]\d+)*")
# A sentence ends at . ! ? … (then optional closing quotes/brackets) before white
# space, or at the CJK full stops. "example.com" and "1.5" do not end one.
_SENTENCE_END = re.compile(r"(?<![.!?…؟।])[.!?…؟।]++[\"'”’»)\]]*+(?=\s|$)|[。！？]+[」』”’）)]*")
_CJK_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")

_VOWELS = {
    "en": "aeiouy",
    "es": "aeiouáéíóúü",
    "fr": "aeiouyàâäéèêëîïôöûùüÿœæ",
    "de": "aeiouyäöü",
    "pt": "aeiouáàâãéêíóôõúü",
    "it": "aeiouàèéìíòóùú",
}
# In Spanish, Portuguese and Italian two "strong" vowels side by side (or an
# accented i/u) are two syllables: le-er, dí-a, po-e-ta.
# Portuguese nasal diphthongs (ão, õe, ãe) and "ao" stay one syllable.
_STRONG = {"es": "aeoáéóíú", "pt": "aeoáéóíúâêô", "it": "aeoàèéòóìíùú"}
_NOT_HIATUS = {"pt": ("ao",)}
_GROUP_CACHE: dict[str, re.Pattern] = {}


def base_language(lang: str | None) -> str:
    """``pt-BR`` -> ``pt``; anything odd -> ``""``."""
    if not isinstance(lang, str):
        return ""
    return lang.replace("_", "-").split("-", 1)[0].strip().lower()


def words(text: str) -> list[str]:
    """Words (letters, or numbers) of ``text``; the code placeholder is one word too."""
    found = _WORD.findall(text)
    found.extend(CODE_PLACEHOLDER * text.count(CODE_PLACEHOLDER))
    return found


def letter_words(text: str) -> list[str]:
    """Words made of letters only (no numbers, no code placeholder)."""
    return _LETTERS_WORD.findall(text)


def cjk_length(text: str) -> int:
    """Length of a zh/ja text for the length limits: characters that are not space."""
    return sum(1 for ch in text if not ch.isspace())


def cjk_chars(text: str) -> int:
    return len(_CJK_CHAR.findall(text))


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every sentence in ``text``, leading space excluded."""
    spans = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        end = match.end()
        if text[start:end].strip():
            spans.append((start, end))
        start = end
    if text[start:].strip():
        spans.append((start, len(text)))
    result = []
    for begin, end in spans:
        while begin < end and text[begin].isspace():
            begin += 1
        result.append((begin, end))
    return result


def _vowel_groups(lang: str) -> re.Pattern:
    pattern = _GROUP_CACHE.get(lang)
    if pattern is None:
        pattern = _GROUP_CACHE[lang] = re.compile(f"[{_VOWELS[lang]}]+")
    return pattern


@lru_cache(maxsize=20000)
def syllables(word: str, lang: str) -> int:
    """Estimated syllables of one word (at least 1)."""
    word = word.lower()
    if lang not in _VOWELS:
        lang = "en"
    groups = _vowel_groups(lang).findall(word)
    count = len(groups)
    strong = _STRONG.get(lang)
    if strong:
        diphthongs = _NOT_HIATUS.get(lang, ())
        for group in groups:
            for a, b in pairwise(group):
                if a in strong and b in strong and a + b not in diphthongs:
                    count += 1
    elif lang == "en" and count > 1:
        if word.endswith("e") and not word.endswith(("le", "ee", "ye")):
            count -= 1  # silent e: "make", "code"
        elif word.endswith("ed") and not word.endswith(("ted", "ded")):
            count -= 1  # "opened", "signed"
        elif word.endswith("es") and not word.endswith(("ses", "zes", "ces", "ges", "xes", "shes", "ches")):
            count -= 1  # "makes", "types"
    elif lang == "fr" and count > 1 and word.endswith(("e", "es")):
        count -= 1  # e muet: "page", "pages"
    return max(count, 1)


@dataclass(frozen=True)
class TextStats:
    words: int
    sentences: int
    syllables: int
    letters: int


def text_stats(blocks: list[str], lang: str) -> TextStats:
    """Counts over prose blocks; every block ends at least one sentence."""
    lang = base_language(lang)
    n_words = n_sentences = n_syllables = n_letters = 0
    for block in blocks:
        block = block.replace(CODE_PLACEHOLDER, " ")
        found = _LETTERS_WORD.findall(block)
        if not found:
            continue
        n_words += len(found)
        n_sentences += max(1, sum(1 for b, e in sentence_spans(block) if _LETTERS_WORD.search(block[b:e])))
        for word in found:
            n_syllables += syllables(word.lower(), lang)
        n_letters += sum(map(len, found)) - sum(word.count("'") + word.count("’") + word.count("-")
                                                 for word in found)
    return TextStats(n_words, n_sentences, n_syllables, n_letters)


def score(stats: TextStats, lang: str) -> float | None:
    """The language's readability score for ``stats``, or None (no formula, no words)."""
    lang = base_language(lang)
    if lang not in THRESHOLDS or stats.words == 0 or stats.sentences == 0:
        return None
    wps = stats.words / stats.sentences
    spw = stats.syllables / stats.words
    if lang == "en":
        value = 206.835 - 1.015 * wps - 84.6 * spw
    elif lang == "es":
        value = 206.84 - 1.02 * wps - 60.0 * spw
    elif lang == "fr":
        value = 207.0 - 1.015 * wps - 73.6 * spw
    elif lang == "de":
        value = 180.0 - wps - 58.5 * spw
    elif lang == "pt":
        value = 248.835 - 1.015 * wps - 84.6 * spw
    else:  # it: Gulpease
        value = 89.0 + (300.0 * stats.sentences - 10.0 * stats.letters) / stats.words
    return round(min(100.0, max(0.0, value)), 1)


def readability(text: str, lang: str) -> float | None:
    """Readability score of an article body (Markdown or plain text) in ``lang``.

    Higher is easier (see the module docstring for each language's formula and
    the level below which the lint warns). ``None`` when ``lang`` has no formula
    here or the text has no words. Code, headings and link targets are left out.
    Never raises.
    """
    try:
        return score(text_stats(prose_blocks(text if isinstance(text, str) else ""), lang), lang)
    except Exception:  # noqa: BLE001 - a score is a nicety; never break the caller
        return None
