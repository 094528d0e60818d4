"""Offline urgency and sentiment triage for customer support messages.

An aid for human agents, never an automatic reply: the result is shown with its reasons and
sets a ticket's priority and due time. Standard library only, no network, no models; a
typical message takes a fraction of a millisecond (only the first ``MAX_CHARS`` characters
are read). The lexicons (`triage_words.toml`, beside this module) were written for this project.

Cues. Text is normalised (NFKC, casefold, controls dropped, combining marks removed so
"sesión" = "sesion" and "ё" = "е", Arabic letter variants folded). The cues hold phrases
per language in six categories: security, legal, money, access, time (pressure), outage.
The original text is matched with the cues of ``lang``, of English and of the languages its
script implies (all of them for an unsupported ``lang``); ``english_text`` with the English
cues, counting only categories the original lacks. Space-separated scripts match whole
words with 2-3 extra letters allowed (``stem~rest`` open stem, ``a/b`` alternatives,
``(word)`` optional; Arabic/Hebrew words may take prefixes like ال or ו/ה/ב/ל); Han and kana
cues match as substrings. Negated urgency ("not urgent", "no rush", "sin prisa", "nicht
dringend", "не срочно", "不急" ...) is blanked out first.

Sentiment. English (``english_text``, or ``text`` when ``lang`` is English) is scored with
a valence lexicon: negators (not, never, nobody, -n't ...) flip positive words (x-0.75) and
soften negative ones (x-0.4) up to 3 words on in the clause; failure words (work, receive,
answer ...) are neutral alone and -1.5 negated ("doesn't work", "never received");
intensifiers x1.5, downtoners x0.6, ALL-CAPS x1.4; before "but"/"however" x0.5, after x1.5;
emoticons +-1.5; "!" pushes away from zero. score = s / sqrt(s^2 + 6); >= 0.2 positive,
<= -0.2 negative. Without English, short native word lists give a coarse score. Shouting:
2+ ALL-CAPS words of 3+ letters (acronyms aside), at least a third of the cased words.

Urgency rules
1. security or legal cue -> urgent.
2. outage cue -> high; urgent with time pressure or negative sentiment.
3. money or access cue -> high, urgent with time pressure; normal when positive and not
   pressing ("thanks for fixing the double charge").
4. time-pressure cue alone -> high.
5. no cue -> high for a strongly negative tone (score <= -0.85, or <= -0.5 with shouting or
   3+ "!"); low for a positive message that asks nothing; otherwise normal.
In 3 and 4 shouting with negative sentiment adds a level. Negated urgency removes a level
(a plain question becomes low), but security, legal and outage stay at least high.
"""
from __future__ import annotations

import math
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from pathlib import Path

__all__ = ["DEFAULT_SLA_HOURS", "MAX_CHARS", "PRIORITY_ORDER", "Triage", "Urgency", "due_in", "triage"]



class Urgency(StrEnum):
    """How soon a ticket needs an answer (stored as its value), least urgent first."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


PRIORITY_ORDER: dict[str, int] = {Urgency.URGENT: 0, Urgency.HIGH: 1, Urgency.NORMAL: 2, Urgency.LOW: 3}
DEFAULT_SLA_HOURS: dict[str, float] = {Urgency.URGENT: 2.0, Urgency.HIGH: 8.0, Urgency.NORMAL: 24.0, Urgency.LOW: 72.0}
MAX_CHARS = 20_000
_LEVELS = tuple(Urgency)

#: The word lists (urgency cues per language, sentiment words): data, not code.
WORDS_FILE = Path(__file__).with_name("triage_words.toml")
with WORDS_FILE.open("rb") as _words_file:
    _WORDS = tomllib.load(_words_file)
# "category: cue | cue; category: ..." (line breaks count as spaces); calm = negated urgency.
_CUES: dict[str, str] = _WORDS["cues"]
_NATIVE_VALENCE: dict[str, str] = _WORDS["native_valence"]
_VALENCE: str = _WORDS["valence"]
# Neutral alone, a failure when negated ("doesn't work", "never received", "no response").
_FAILURE = frozenset(_WORDS["failure"].split())
_NEGATORS = frozenset(_WORDS["negators"].split())
_INTENSIFIERS = frozenset(_WORDS["intensifiers"].split())
_DOWNTONERS = frozenset(_WORDS["downtoners"].split())
_ACRONYMS = frozenset(_WORDS["acronyms"].split())

_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003ffff]")
_SCRIPT_LANGS = ((re.compile(r"[\u0400-\u04ff]"), ("ru", "uk")),
                 (re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]"), ("zh", "ja")),
                 (re.compile(r"[\u0600-\u06ff]"), ("ar",)), (re.compile(r"[\u0590-\u05ff]"), ("he",)))
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_FORMAT = re.compile(r"[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ud800-\udfff]")
_FOLD = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u05f3": "'",
                       "\u05f4": '"', "\u201c": '"', "\u201d": '"', "\u0649": "\u064a",
                       "\u06cc": "\u064a", "\u0629": "\u0647", "\u0640": None})
_KEEP_MARKS = frozenset("\u3099\u309a")  # Japanese voicing marks
_AR_PREFIX, _HE_PREFIX = "(?:[وفبلك]?(?:ال)?|لل)?", "[ובהלמשכ]{0,2}"
_SEP = r"[\s\-/]+"
_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)*|[.,;:!?]")
_CASED_WORD = re.compile(r"[^\W\d_]{3,}")
_POS_EMO = re.compile(r"(?<![\w:])[:;=]-?[)\]D](?!\w)|\(:|\^_?\^|[\U0001F600-\U0001F60D\U0001F642"
                      r"\U0001F917\U0001F970\U0001F44D\U0001F64F\u2764\u263a\u2705]")
_NEG_EMO = re.compile(r"(?<!\w)>?[:=]'?-?[(\[](?!\w)|[\U0001F620-\U0001F62D\U0001F92C\U0001F44E"
                      r"\U0001F641\u2639\U0001F61E\U0001F61F\U0001F494]")
_ENGLISH_PRE = ((re.compile(r"\b(?:thanks|thank you|thx)\s+in\s+advance\b|\b(?:best|kind|warm)\s+regards\b"
                            r"|\bbest wishes\b|\bgood\s+(?:morning|afternoon|evening|day)\b", re.I), " "),
                (re.compile(r"\b(?:kind|sort)\s+of\b", re.I), " kinda "))


@dataclass(frozen=True)
class Triage:
    urgency: str  # "low" | "normal" | "high" | "urgent"
    sentiment: str  # "negative" | "neutral" | "positive"
    score: float  # sentiment score in [-1, 1]
    reasons: tuple[str, ...]  # short human-readable English reasons
    cues: tuple[str, ...]  # matched urgency cues as written in the lexicon, for highlighting
    # Cue categories found (security, legal, money, access, time, outage): routing maps them to topics.
    categories: tuple[str, ...] = ()


def _normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", _FORMAT.sub("", _CONTROL.sub(" ", text)))
    text = text.casefold().translate(_FOLD)
    if text.isascii():
        return text
    text = "".join(c for c in unicodedata.normalize("NFD", text)
                   if c in _KEEP_MARKS or unicodedata.category(c) != "Mn")
    return unicodedata.normalize("NFC", text)


def _word_pattern(word: str) -> str:
    alternatives = []
    for alternative in word.strip("()").split("/"):
        stem, tilde, _ = alternative.partition("~")
        n = len(stem)
        suffix = r"\w{0,12}" if tilde else r"\w{0,3}" if n >= 6 else r"\w{0,2}" if n >= 4 else ""
        prefix = _AR_PREFIX if "\u0600" <= stem[0] <= "\u06ff" else (
            _HE_PREFIX if "\u0590" <= stem[0] <= "\u05ff" else "")
        alternatives.append(prefix + re.escape(stem) + suffix)
    group = f"(?:{'|'.join(alternatives)})"
    return f"(?:{group}{_SEP})?" if word.startswith("(") else group + _SEP


def _compile(category: str, phrase: str) -> tuple[str, str, re.Pattern, str]:
    """(category, display form, pattern, a literal the text must contain) of a lexicon phrase."""
    words = phrase.replace("~", "").split()
    display = " ".join(w.split("/")[0] for w in words if not w.startswith("("))
    norm = _normalize(phrase)
    if _CJK.search(norm):
        alternatives = norm.replace("~", "").split("/")
        literal = alternatives[0] if len(alternatives) == 1 else ""
        return category, display, re.compile("|".join(map(re.escape, alternatives))), literal
    body = "".join(_word_pattern(w) for w in norm.split())
    body = body[: -len(_SEP)] if body.endswith(_SEP) else body
    fixed = [w.partition("~")[0] for w in norm.split() if "/" not in w and "(" not in w]
    literal = max(fixed, key=len, default="")  # cheap pre-check before the regular expression
    return category, display, re.compile(rf"(?<!\w){body}(?!\w)"), literal


def _table(spec: str, sep: str = "|") -> list[tuple[str, str]]:
    rows = []
    for part in " ".join(spec.split()).split(";"):
        key, _, items = part.partition(":")
        rows += [(key.strip(), item.strip()) for item in items.split(sep) if item.strip()]
    return rows


_COMPILED = {lang: [_compile(cat, cue) for cat, cue in _table(spec)] for lang, spec in _CUES.items()}
_NATIVE = {lang: [_compile(w, cue) for w, cue in _table(spec)] for lang, spec in _NATIVE_VALENCE.items()}
_WORDS: dict[str, float] = {}
_STEMS: dict[str, float] = {}
for _weight, _word in _table(_VALENCE, sep=" "):
    (_STEMS if _word.endswith("~") else _WORDS)[_word.rstrip("~")] = float(_weight)


def _valence(tok: str) -> float:
    if tok in _WORDS:
        return _WORDS[tok]
    for end in range(len(tok), 2, -1):
        if tok[:end] in _STEMS:
            return _STEMS[tok[:end]]
    return 0.0


def _english_valence(text: str) -> tuple[float, list[str], list[str]]:
    text = unicodedata.normalize("NFKC", _FORMAT.sub("", _CONTROL.sub(" ", text))).translate(_FOLD)
    for pattern, repl in _ENGLISH_PRE:
        text = pattern.sub(repl, text)
    total, clause, neg_left, boost_left, boost, negator = 0.0, 1.0, 0, 0, 1.0, ""
    pos: list[str] = []
    neg: list[str] = []
    for raw in _TOKEN.findall(text):
        tok = raw.casefold()
        if tok in ".,;:!?":
            neg_left = boost_left = 0
            continue
        if tok in ("but", "however"):
            total, clause, neg_left = total * 0.5, 1.5, 0
            continue
        if tok.replace("'", "") in _NEGATORS or tok.endswith("n't"):
            neg_left, negator = 4, tok  # this token, then three words
        elif tok in _INTENSIFIERS or tok in _DOWNTONERS:
            boost, boost_left = (1.5 if tok in _INTENSIFIERS else 0.6), 3
        else:
            v, negated = _valence(tok), neg_left > 0
            if tok in _FAILURE:
                v = -1.5 if negated else v
            elif negated:
                v *= -0.75 if v > 0 else -0.4
            if v:
                v *= (boost if boost_left > 0 else 1.0) * (1.4 if raw.isupper() and len(raw) > 1 else 1.0)
                total += v * clause
                (pos if v > 0 else neg).append(f"{negator} {tok}" if negated else tok)
        neg_left, boost_left = neg_left - 1, boost_left - 1
    return total, pos, neg


def _native_valence(norm: str, langs) -> tuple[float, list[str], list[str]]:
    total, pos, neg = 0.0, [], []
    for lang in langs:
        for weight, display, pattern, literal in _NATIVE.get(lang, ()):
            if literal in norm and (hits := len(pattern.findall(norm))):
                total += float(weight) * min(hits, 3)
                (pos if float(weight) > 0 else neg).append(display)
    return total, pos, neg


def _scan(norm: str, langs) -> tuple[dict[str, list[str]], list[str]]:
    """Categories -> matched cues, and negated-urgency phrases (blanked out first)."""
    cues = [cue for lang in langs for cue in _COMPILED[lang]]
    calm: list[str] = []
    for category, display, pattern, literal in cues:
        for m in pattern.finditer(norm) if category == "calm" and literal in norm else ():
            calm.append(display)
            norm = norm[: m.start()] + " " * (m.end() - m.start()) + norm[m.end():]
    found: dict[str, list[str]] = {}
    spans: list[tuple[int, int]] = []  # a stretch of text feeds one cue ("urgente" is not also "urgent")
    for category, display, pattern, literal in cues:
        for m in pattern.finditer(norm) if category != "calm" and literal in norm else ():
            if all(m.end() <= start or m.start() >= end for start, end in spans):
                spans.append(m.span())
                if display not in found.setdefault(category, []):
                    found[category].append(display)
                break
    return found, calm


def _shouting(nfkc: str) -> bool:
    cased = [w for w in _CASED_WORD.findall(nfkc) if w.upper() != w.lower()]
    caps = [w for w in cased if w.isupper() and w.casefold() not in _ACRONYMS]
    return len(caps) >= 2 and len(caps) * 3 >= len(cased)


def _quote(words) -> str:
    return ", ".join(f'"{w}"' for w in list(dict.fromkeys(words))[:5])


def triage(text: str, lang: str = "en", english_text: str | None = None) -> Triage:
    """Urgency and sentiment of one customer message (rules in the module docstring)."""
    text, english = str(text or "")[:MAX_CHARS], str(english_text or "")[:MAX_CHARS]
    code, norm = str(lang or "en").replace("_", "-").split("-")[0].casefold(), _normalize(text)
    langs = [code, "en"] if code in _CUES else list(_CUES)
    langs += [lg for rx, lgs in _SCRIPT_LANGS if rx.search(norm) for lg in lgs if lg not in langs]
    found, calm = _scan(norm, dict.fromkeys(langs))
    reasons = [f"urgency cue{'s' * (len(d) > 1)} {_quote(d)} ({cat})" for cat, d in found.items()]
    cues = [d for displays in found.values() for d in displays]
    if english:
        found_en, calm_en = _scan(_normalize(english), ["en"])
        calm += calm_en
        for category, displays in found_en.items():
            if category not in found:  # a category counts once, the original first
                found[category] = displays
                cues += displays
                reasons.append(f"urgency cue{'s' * (len(displays) > 1)} {_quote(displays)} "
                               f"({category}, in the English translation)")
    if calm:
        reasons.append(f"urgency negated: {_quote(calm)}")

    nfkc = unicodedata.normalize("NFKC", _FORMAT.sub("", _CONTROL.sub(" ", text)))
    if english or code == "en":
        total, pos, neg = _english_valence(english or text)
    elif code in _CUES:
        total, pos, neg = _native_valence(norm, [lg for lg in langs if lg != "en"])
    else:  # unsupported language without translation: try both
        total, pos, neg = _english_valence(text)
        extra = _native_valence(norm, langs)
        total, pos, neg = total + extra[0], pos + extra[1], neg + extra[2]
    emo_pos, emo_neg = len(_POS_EMO.findall(nfkc)), len(_NEG_EMO.findall(nfkc))
    total += 1.5 * (min(emo_pos, 3) - min(emo_neg, 3))
    bangs = max(nfkc.count("!"), english.count("!"))
    if total and bangs:
        total += math.copysign(0.3 * min(bangs, 4), total)
    score = round(max(-1.0, min(1.0, total / math.sqrt(total * total + 6))), 3) + 0.0  # no -0.0
    sentiment = "positive" if score >= 0.2 else "negative" if score <= -0.2 else "neutral"
    if neg:
        reasons.append(f"negative words: {_quote(neg)}")
    if pos:
        reasons.append(f"positive words: {_quote(pos)}")
    if emo_neg or emo_pos:
        reasons.append("negative emoticon" if emo_neg > emo_pos else "positive emoticon")
    many_bangs = bangs >= 3 or "!!" in nfkc
    if many_bangs:
        reasons.append("many exclamation marks")
    shouting = _shouting(nfkc)
    if shouting:
        reasons.append("all-caps shouting")

    cats, negative = set(found), sentiment == "negative"
    if cats & {"security", "legal"}:
        level = 3
    elif "outage" in cats:
        level = 3 if "time" in cats or negative else 2
    elif cats & {"money", "access"} and "time" not in cats and sentiment == "positive":
        level = 1
    elif cats & {"money", "access", "time"}:
        level = 3 if "time" in cats and cats & {"money", "access"} else 2
        level = min(3, level + (shouting and negative))
    elif score <= -0.85 or (score <= -0.5 and (shouting or many_bangs)):
        level = 2
        reasons.append("strongly negative tone")
    else:
        asks = "?" in nfkc or "?" in english or "\u061f" in nfkc
        level = 0 if sentiment == "positive" and not asks else 1
    if calm:
        level = max(2 if cats & {"security", "legal", "outage"} else 0, level - 1)
    if not reasons:
        reasons.append("no urgency cues")
    return Triage(_LEVELS[level], sentiment, score, tuple(reasons), tuple(dict.fromkeys(cues)), tuple(found))


def due_in(urgency: str, sla_hours: dict[str, float] | None = None) -> timedelta:
    """Time allowed before a ticket of this urgency is due: the default SLA, overridable."""
    if urgency not in PRIORITY_ORDER:
        raise ValueError(f"unknown urgency {urgency!r}; expected one of {', '.join(PRIORITY_ORDER)}")
    hours = {**DEFAULT_SLA_HOURS, **(sla_hours or {})}
    return timedelta(hours=float(hours[urgency]))
