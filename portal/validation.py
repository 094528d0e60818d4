"""Checks shared by every package that takes text from outside."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

# One address, dot-atom local part (no quotes, commas or spaces: never a list of
# recipients), a domain of letter/digit/hyphen labels (Unicode letters allowed)
# and a top-level label of at least two letters.
_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"(?:[^\W_](?:[\w-]{0,61}[^\W_])?)"
_EMAIL = re.compile(rf"{_LOCAL}@(?:{_LABEL}\.)+(?:[^\W\d_]{{2,63}}|xn--[A-Za-z0-9-]{{1,59}})")


def is_local_path(target: object) -> bool:
    """True for a path on this site (``/x?y``): never ``//host``, ``/\\host``, a scheme or a control character.

    Browsers drop tabs and line breaks from URLs ("/\t/evil" is "//evil"), so any
    control character disqualifies a redirect target.
    """
    if not isinstance(target, str) or not target.startswith("/") or len(target) > 2000:
        return False
    if target.startswith("//") or "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def is_valid_email(address: str) -> bool:
    """True for exactly one plain e-mail address (``name@example.org``), at most 254 characters."""
    if not isinstance(address, str) or len(address) > 254:
        return False
    local, _, domain = address.rpartition("@")
    if len(local) > 64 or "_" in domain:
        return False
    return _EMAIL.fullmatch(address) is not None
