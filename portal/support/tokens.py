"""Ticket references and secret status-page tokens."""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Sequence

_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


def new_reference() -> str:
    """A short public reference like ``HD-K7QX-3P9M`` (not a secret, not sequential)."""
    chars = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
    return f"HD-{chars[:4]}-{chars[4:]}"


def new_salt() -> str:
    return secrets.token_hex(32)


#: The newest secret key first, then older ones still accepted (a key ring).
SecretKeys = str | Sequence[str]


def _ring(secret_keys: SecretKeys) -> tuple[str, ...]:
    ring = (secret_keys,) if isinstance(secret_keys, str) else tuple(secret_keys)
    if not ring or not all(ring):
        raise ValueError("a secret key is required")
    return ring


def _token(secret_key: str, salt: str) -> str:
    digest = hmac.new(secret_key.encode(), f"ticket-token:{salt}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def token_for(secret_keys: SecretKeys, salt: str, stored_hash: str | None = None) -> str:
    """The status-page token: HMAC(secret key, salt), 256 bits, URL-safe.

    A new ticket's token comes from the newest key. Given the ticket's
    ``stored_hash``, the token is the one it was issued with, from whichever key
    of the ring made it, so links sent before a key rotation keep working.
    """
    ring = _ring(secret_keys)
    if stored_hash is not None:
        for key in ring:
            token = _token(key, salt)
            if hmac.compare_digest(token_hash(token), stored_hash):
                return token
    return _token(ring[0], salt)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def token_matches(secret_keys: SecretKeys, salt: str, candidate: str) -> bool:
    """Constant-time comparison of a presented token with the ticket's, for every key of the ring."""
    presented = candidate.encode("utf-8", "surrogatepass")
    results = [hmac.compare_digest(_token(key, salt).encode(), presented) for key in _ring(secret_keys)]
    return any(results)
