"""Language codes: canonical spelling, Babel locales, names and direction."""
from __future__ import annotations

from functools import lru_cache

from babel import Locale, UnknownLocaleError

#: Scripts written right to left, by language subtag.
RTL_LANGUAGES = frozenset({"ar", "he", "fa", "ur", "yi", "ps", "sd", "ug", "dv", "ckb"})


def canonical_code(code: str, enabled: tuple[str, ...]) -> str | None:
    """The enabled code that ``code`` spells, ignoring case and ``_``/``-``; else None.

    ``pt_br`` and ``PT-br`` both give ``pt-BR`` when ``pt-BR`` is enabled.
    """
    wanted = code.replace("_", "-").lower()
    for candidate in enabled:
        if candidate.lower() == wanted:
            return candidate
    return None


def base_language(code: str) -> str:
    """The primary language subtag: ``pt-BR`` -> ``pt``."""
    return code.replace("_", "-").split("-", 1)[0].lower()


def text_direction(code: str) -> str:
    """``rtl`` or ``ltr`` for the language ``code``."""
    subtags = code.replace("_", "-").split("-")
    if any(tag.lower() in ("arab", "hebr", "thaa", "syrc") for tag in subtags[1:]):
        return "rtl"
    return "rtl" if subtags[0].lower() in RTL_LANGUAGES else "ltr"


def to_babel_locale(code: str) -> str:
    """Babel's identifier for a BCP-47 code: ``pt-BR`` -> ``pt_BR``."""
    return code.replace("-", "_")


@lru_cache(maxsize=256)
def language_name(code: str, in_language: str | None = None, in_sentence: bool = False) -> str:
    """Human name of ``code``, in ``in_language`` (default: in itself, "Español").

    Named in itself it is capitalised, for language lists, unless ``in_sentence``;
    named in another language it keeps that language's casing ("inglés").

    Falls back to the code itself for languages Babel does not know.
    """
    try:
        locale = Locale.parse(to_babel_locale(code))
        display = Locale.parse(to_babel_locale(in_language)) if in_language else locale
        name = locale.get_display_name(display) or code
    except (UnknownLocaleError, ValueError):
        return code
    if in_sentence or (in_language and in_language != code):
        return name
    # Babel gives "español"; a language list reads better capitalised ("Español").
    return name[:1].upper() + name[1:]
