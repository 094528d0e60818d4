"""UI language: canonical BCP-47 codes, negotiation, text direction, Babel glue.

Owns the mapping between the portal's language codes (``pt-BR``, ``zh-Hans``, as
written in URLs and article files) and Babel locales (``pt_BR``, ``zh_Hans``). It
must not know about articles or search; it only answers "which language, which
direction".
"""
from portal.i18n.languages import (
    RTL_LANGUAGES,
    base_language,
    canonical_code,
    language_name,
    text_direction,
    to_babel_locale,
)
from portal.i18n.negotiation import negotiate, parse_accept_language

__all__ = [
    "RTL_LANGUAGES",
    "base_language",
    "canonical_code",
    "language_name",
    "negotiate",
    "parse_accept_language",
    "text_direction",
    "to_babel_locale",
]
