"""Staff accounts: creation with validation, password hashing, authentication, roles.

Passwords are hashed with argon2id (argon2-cffi defaults, RFC 9106 low-memory
profile) and re-hashed on the next successful sign-in when those parameters change.
:func:`authenticate` costs one hash verification whatever happens (unknown email,
locked or inactive account), so timing does not reveal whether an email exists, and
it never says which part was wrong. Nothing here logs emails or passwords.
"""
from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta, timezone
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import ROLE_ADMIN, ROLES, User
from portal.db import utcnow
from portal.i18n import canonical_code

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024  # hashing is deliberately slow: do not accept megabytes
MAX_FAILED_LOGINS = 10
LOCKOUT = timedelta(minutes=15)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")

_hasher = PasswordHasher()


class AccountError(ValueError):
    """A request to create or change an account was refused; the message says why."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(32))


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def _enabled_languages() -> tuple[tuple[str, ...], str] | None:
    if not has_app_context():
        return None
    settings = current_app.config["SETTINGS"]
    return settings.languages, settings.default_language


def _validate(email: str, name: str, password: str, roles, language: str | None):
    if len(email) > 254 or not _EMAIL.match(email):
        raise AccountError("Enter a valid email address, like name@example.com.")
    name = (name or "").strip()
    if not name:
        raise AccountError("Enter the person's name.")
    if len(name) > 200:
        raise AccountError("The name must be at most 200 characters long.")
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"The password must be at least {MIN_PASSWORD_LENGTH} characters long.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(f"The password must be at most {MAX_PASSWORD_LENGTH} characters long.")
    if isinstance(roles, str):
        roles = [roles]
    wanted = list(dict.fromkeys(str(role).strip().lower() for role in roles or ()))
    if not wanted:
        raise AccountError(f"Give at least one role: {', '.join(ROLES)}.")
    unknown = [role for role in wanted if role not in ROLES]
    if unknown:
        raise AccountError(f"Unknown role {unknown[0]!r}: use {', '.join(ROLES)}.")
    enabled = _enabled_languages()
    if enabled is None:
        return name, wanted, language or "en"
    languages, default = enabled
    if not language:
        return name, wanted, default
    canonical = canonical_code(language, languages)
    if canonical is None:
        raise AccountError(f"Unknown language {language!r}: use one of {', '.join(languages)}.")
    return name, wanted, canonical


def create_user(
    session: Session,
    email: str,
    name: str,
    password: str,
    roles,
    language: str | None = None,
) -> User:
    """Create and commit an active staff account; :class:`AccountError` when refused.

    ``language`` defaults to the portal's default UI language.
    """
    email = normalize_email(email)
    name, roles, language = _validate(email, name, password, roles, language)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise AccountError("An account with this email address already exists.")
    user = User(email=email, name=name, password_hash=hash_password(password), roles=roles,
                language=language, active=True, failed_logins=0)
    session.add(user)
    session.commit()
    return user


def _aware(moment: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; every stored time is UTC.
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment


def is_locked(user: User, now: datetime | None = None) -> bool:
    locked_until = _aware(user.locked_until)
    return locked_until is not None and locked_until > (now or utcnow())


def authenticate(session: Session, email: str, password: str, now: datetime | None = None) -> User | None:
    """The active, unlocked user with this email and password, or None.

    Ten consecutive failures lock the account for 15 minutes (further attempts
    during the lock do not extend it); a success resets the counter and records
    ``last_login_at``. Changes are committed.
    """
    now = now or utcnow()
    password = password if isinstance(password, str) else ""
    if len(password) > MAX_PASSWORD_LENGTH:
        password = password[:MAX_PASSWORD_LENGTH + 1]  # still wrong, but costs the same
    user = session.scalar(select(User).where(User.email == normalize_email(email)))
    if user is None or is_locked(user, now):
        verify_password(_dummy_hash(), password)
        return None
    if user.locked_until is not None:  # the lock has expired: start counting afresh
        user.locked_until = None
        user.failed_logins = 0
    if not verify_password(user.password_hash, password) or len(password) > MAX_PASSWORD_LENGTH:
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = now + LOCKOUT
        session.commit()
        return None
    if not user.active:
        session.commit()
        return None
    user.failed_logins = 0
    user.last_login_at = now
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    session.commit()
    return user


def has_role(user, role: str) -> bool:
    """Whether ``user`` holds ``role``; admins hold every role. Anonymous users hold none."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    roles = getattr(user, "roles", None) or ()
    return role in roles or ROLE_ADMIN in roles


def load_user(user_id: str) -> User | None:
    """Flask-Login's user loader: the active user with this id, or None."""
    from portal.db import db

    try:
        user = db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None
    return user if user is not None and user.active else None


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.email)))
