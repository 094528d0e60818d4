"""The index schema: one document per (article, language version).

Analyzers are tied to fields, so each indexed language has its own
``title_<l>``/``body_<l>`` (stemmed, title boosted) and ``spell_<l>`` (unstemmed,
for did-you-mean and completion) fields, filled only for documents in that
language; a query scans only its language's postings.
"""
from __future__ import annotations

from whoosh.fields import BOOLEAN, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from portal.search.analyzers import analyzer_for

#: Languages with their own fields; anything else is indexed under "other".
INDEXED_LANGUAGES = (
    "en", "es", "fr", "de", "pt", "it", "ru", "uk", "zh", "ja", "ar", "he",
    "ko", "nl", "da", "fi", "hu", "no", "ro", "sv", "tr", "fa", "pl", "cs", "el",
)
OTHER = "other"
TITLE_BOOST = 3.0


def field_language(lang: str) -> str:
    """The field suffix for ``lang``: ``pt-BR`` -> ``pt``, ``zh-Hans`` -> ``zh``."""
    base = lang.replace("_", "-").split("-")[0].lower()
    return base if base in INDEXED_LANGUAGES else OTHER


def build_schema() -> Schema:
    schema = Schema(
        key=ID(stored=True, unique=True),  # "<slug>:<lang>"
        slug=ID(stored=True),
        lang=ID(stored=True),
        kind=ID(stored=True),  # source | human | machine
        machine=BOOLEAN(stored=True),
        category=ID(stored=True),
        tags=KEYWORD(stored=True, commas=True, lowercase=True),
        title=STORED(),
        summary=STORED(),
        excerpt=STORED(),
        popularity=NUMERIC(stored=True, sortable=True),
    )
    for lang in INDEXED_LANGUAGES + (OTHER,):
        analyzer_lang = lang if lang != OTHER else "xx"
        # phrase=False: no term positions. Searches are per-word Term queries and snippets
        # are highlighted from the stored text, so positions were written and never read.
        schema.add(f"title_{lang}", TEXT(analyzer=analyzer_for(analyzer_lang), field_boost=TITLE_BOOST,
                                         phrase=False))
        schema.add(f"body_{lang}", TEXT(analyzer=analyzer_for(analyzer_lang), phrase=False))
        schema.add(f"spell_{lang}", TEXT(analyzer=analyzer_for(analyzer_lang, stem=False), spelling=True,
                                         phrase=False))
    return schema
