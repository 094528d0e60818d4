"""Followers' links: one secret token per follower, ``<id>-<HMAC(secret key, salt)>``.

Only the salt is stored; the token confirms the follow (double opt-in) and
unsubscribes, from every mail. Older secret keys still accepted keep old links working.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Sequence

from sqlalchemy.orm import Session

from portal.notices.models import NoticeFollower


def new_salt() -> str:
    return secrets.token_hex(32)


def _mac(key: str, salt: str) -> str:
    digest = hmac.new(key.encode(), f"notice-follow:{salt}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def token_for(keys: Sequence[str], follower: NoticeFollower) -> str:
    """The follower's link token, from the newest key."""
    return f"{follower.id}-{_mac(keys[0], follower.salt)}"


def follower_for(session: Session, keys: Sequence[str], token: str | None) -> NoticeFollower | None:
    """The follower a token belongs to (any key of the ring), or None."""
    number, _, mac = (token or "").partition("-")
    if not number.isdigit() or len(number) > 12 or not mac or len(mac) > 64:
        return None
    follower = session.get(NoticeFollower, int(number))
    if follower is None:
        return None
    presented = mac.encode("utf-8", "surrogatepass")
    if any([hmac.compare_digest(_mac(key, follower.salt).encode(), presented) for key in keys]):
        return follower
    return None
