"""Pick a UI language from what the request tells us.

Order: URL prefix (handled by the web layer) > remembered choice (cookie) >
Accept-Language > default. Accept-Language matching tries, per requested tag in
quality order: the exact code, a script-aware Chinese mapping (``zh-TW`` ->
``zh-Hant`` only if enabled; never to Simplified), the bare language (``pt-BR`` ->
``pt``), then another enabled region of the same language (``pt-PT`` -> ``pt-BR``).
"""
from __future__ import annotations

from portal.i18n.languages import base_language, canonical_code

# Chinese regions imply a script; serving the other script would be wrong.
_CHINESE_SCRIPT_BY_REGION = {
    "tw": "Hant", "hk": "Hant", "mo": "Hant",
    "cn": "Hans", "sg": "Hans", "my": "Hans",
}
_MAX_HEADER_ITEMS = 32  # a hostile header must not make negotiation expensive


def parse_accept_language(header: str | None) -> list[str]:
    """Language tags from an Accept-Language header, best first; ``*`` is dropped."""
    if not header:
        return []
    weighted: list[tuple[float, int, str]] = []
    for position, item in enumerate(header.split(",")[:_MAX_HEADER_ITEMS]):
        parts = item.strip().split(";")
        tag = parts[0].strip()
        if not tag or tag == "*" or len(tag) > 35:
            continue
        quality = 1.0
        for param in parts[1:]:
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            weighted.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(weighted)]


def _chinese_script(tag: str) -> str | None:
    subtags = [part.lower() for part in tag.replace("_", "-").split("-")]
    if subtags[0] != "zh":
        return None
    for part in subtags[1:]:
        if part in ("hans", "hant"):
            return part.capitalize()
    for part in subtags[1:]:
        if part in _CHINESE_SCRIPT_BY_REGION:
            return _CHINESE_SCRIPT_BY_REGION[part]
    return "Hans"  # bare "zh" is, in practice, Simplified


def match_tag(tag: str, enabled: tuple[str, ...]) -> str | None:
    """The enabled language that best serves one requested tag, or None."""
    exact = canonical_code(tag, enabled)
    if exact:
        return exact
    script = _chinese_script(tag)
    if script:
        return canonical_code(f"zh-{script}", enabled)
    base = base_language(tag)
    bare = canonical_code(base, enabled)
    if bare:
        return bare
    for candidate in enabled:
        if base_language(candidate) == base:
            return candidate
    return None


def negotiate(
    enabled: tuple[str, ...],
    default: str,
    cookie: str | None = None,
    accept_language: str | None = None,
) -> str:
    """The UI language for a request that has no language in its URL."""
    if cookie:
        remembered = canonical_code(cookie, enabled)
        if remembered:
            return remembered
    for tag in parse_accept_language(accept_language):
        matched = match_tag(tag, enabled)
        if matched:
            return matched
    return default
