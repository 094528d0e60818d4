"""Per-language Whoosh analyzers, with accent folding everywhere.

Snowball stemming (``resetting`` -> ``reset``) for the languages Whoosh has a
stemmer for; CJK runs become overlapping character bigrams (Whoosh's
``NgramAnalyzer`` would make junk grams across spaces); other languages get a
folding analyzer. Folding comes after stemming, so ``contrasena`` and
``contraseña`` meet at ``contrasen``.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from whoosh.analysis import (
    CharsetFilter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
    Token,
    Tokenizer,
)
from whoosh.lang import has_stemmer, has_stopwords
from whoosh.support.charset import accent_map

STEMMED = ("ar", "da", "de", "en", "es", "fi", "fr", "hu", "it", "nl", "no", "pt", "ro", "ru", "sv", "tr")
CJK = ("zh", "ja", "ko")
_WORD = r"\w+(?:[.'’]\w+)*"
_CJK_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+|" + _WORD)


class CJKBigramTokenizer(Tokenizer):
    """Words for non-CJK text; overlapping bigrams inside each CJK run (never across runs)."""

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        position = start_pos
        for match in _CJK_RUN.finditer(value):
            run = match.group(0)
            if _CJK_CHAR.match(run):
                grams = [run] if len(run) == 1 else [run[i:i + 2] for i in range(len(run) - 1)]
                pieces = [(gram, match.start() + offset, match.start() + offset + len(gram))
                          for offset, gram in enumerate(grams)]
            else:
                pieces = [(run, match.start(), match.end())]
            for text, begin, end in pieces:
                # Whoosh reuses one Token object for the whole stream.
                token.text, token.boost, token.stopped = text, 1.0, False
                if keeporiginal:
                    token.original = text
                if positions:
                    token.pos = position
                if chars:
                    token.startchar, token.endchar = start_char + begin, start_char + end
                position += 1
                yield token


def _base(lang: str) -> str:
    return lang.replace("_", "-").split("-")[0].lower()


@lru_cache(maxsize=64)
def analyzer_for(lang: str, stem: bool = True):
    """The analyzer for text in ``lang``; ``stem=False`` gives the spelling variant."""
    base = _base(lang)
    if base in CJK:
        return CJKBigramTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)
    chain = RegexTokenizer(_WORD) | LowercaseFilter()
    if stem and base in STEMMED:
        if has_stopwords(base):
            chain = chain | StopFilter(lang=base)
        if has_stemmer(base):
            chain = chain | StemFilter(lang=base, cachesize=50000)
    return chain | CharsetFilter(accent_map)


def fold(text: str) -> str:
    """Lower-case and strip accents, as the analyzers do (for display-side matching)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def terms(lang: str, text: str, stem: bool = True) -> list[str]:
    """The index terms ``text`` produces in ``lang`` (query side)."""
    return [token.text for token in analyzer_for(lang, stem)(text, mode="query") if token.text]
