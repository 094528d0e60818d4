"""Ticket references and secret status-page tokens."""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


def new_reference() -> str:
    """A short public reference like ``HD-K7QX-3P9M`` (not a secret, not sequential)."""
    chars = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
    return f"HD-{chars[:4]}-{chars[4:]}"


def new_salt() -> str:
    return secrets.token_hex(32)


def token_for(secret_key: str, salt: str) -> str:
    """The status-page token: HMAC(secret key, salt), 256 bits, URL-safe."""
    digest = hmac.new(secret_key.encode(), f"ticket-token:{salt}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def token_matches(secret_key: str, salt: str, candidate: str) -> bool:
    """Constant-time comparison of a presented token with the ticket's."""
    return hmac.compare_digest(token_for(secret_key, salt).encode(), candidate.encode("utf-8", "surrogatepass"))
