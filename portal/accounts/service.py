"""Staff accounts: creation with validation, password hashing, authentication, roles.

Passwords are hashed with argon2id (argon2-cffi defaults, RFC 9106 low-memory
profile) and re-hashed on the next successful sign-in when those parameters change.
:func:`authenticate` costs one hash verification whatever happens (unknown email,
locked or inactive account), so timing does not reveal whether an email exists, and
it never says which part was wrong. Nothing here logs emails or passwords.
"""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Collection, Iterable
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from portal.accounts.models import ROLE_ADMIN, ROLES, LoginThrottle, StaffSession, User
from portal.db import db, utcnow
from portal.i18n import canonical_code
from portal.validation import is_valid_email

MAX_SKILLS = 40  # languages or topics one person lists: more is a mistake or a forged form
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024  # hashing is deliberately slow: do not accept megabytes
MAX_FAILED_LOGINS = 10
LOCKOUT = timedelta(minutes=15)

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


def _validate_password(password: object) -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"The password must be at least {MIN_PASSWORD_LENGTH} characters long.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(f"The password must be at most {MAX_PASSWORD_LENGTH} characters long.")


def _validate(email: str, name: str, password: str, roles, language: str | None):
    if not is_valid_email(email):
        raise AccountError("Enter a valid email address, like name@example.com.")
    name = (name or "").strip()
    if not name:
        raise AccountError("Enter the person's name.")
    if len(name) > 200:
        raise AccountError("The name must be at most 200 characters long.")
    _validate_password(password)
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


def clean_languages(values: Iterable[str], enabled: tuple[str, ...]) -> list[str]:
    """The enabled codes ``values`` spell (any case, ``_`` or ``-``), in order, without repeats.

    :class:`AccountError` names the first value that is not an enabled language.
    """
    wanted = [str(value).strip() for value in values if str(value).strip()]
    if len(wanted) > MAX_SKILLS:
        raise AccountError(f"At most {MAX_SKILLS} languages.")
    codes = []
    for value in wanted:
        code = canonical_code(value[:40], enabled)
        if code is None:
            raise AccountError(f"Unknown language {value[:40]!r}: use one of {', '.join(enabled)}.")
        codes.append(code)
    return list(dict.fromkeys(codes))


def clean_topics(values: Iterable[str], known: Collection[str]) -> list[str]:
    """The topics (knowledge-base category slugs) ``values`` name, in order, without repeats.

    :class:`AccountError` names the first value that is not among ``known``.
    """
    wanted = [str(value).strip().lower() for value in values if str(value).strip()]
    if len(wanted) > MAX_SKILLS:
        raise AccountError(f"At most {MAX_SKILLS} topics.")
    for value in wanted:
        if value not in known:
            choices = ", ".join(sorted(known)) or "none exist yet: import the knowledge base first"
            raise AccountError(f"Unknown topic {value[:120]!r}: use one of {choices}.")
    return list(dict.fromkeys(wanted))


def create_user(
    session: Session,
    email: str,
    name: str,
    password: str,
    roles,
    language: str | None = None,
    languages: Iterable[str] = (),
    topics: Iterable[str] = (),
    known_topics: Collection[str] = (),
) -> User:
    """Create and commit an active staff account; :class:`AccountError` when refused.

    ``language`` defaults to the portal's default UI language. ``languages`` (read and
    written) must be enabled ones and ``topics`` among ``known_topics`` (the caller knows
    the knowledge base's categories; accounts do not).
    """
    email = normalize_email(email)
    name, roles, language = _validate(email, name, password, roles, language)
    enabled = _enabled_languages()
    read = clean_languages(languages, enabled[0] if enabled else (language,))
    covered = clean_topics(topics, known_topics)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise AccountError("An account with this email address already exists.")
    user = User(email=email, name=name, password_hash=hash_password(password), roles=roles,
                language=language, languages=read, topics=covered, active=True, failed_logins=0)
    session.add(user)
    session.commit()
    return user


def update_skills(user: User, languages: Iterable[str] | None = None, topics: Iterable[str] | None = None,
                  known_topics: Collection[str] = ()) -> None:
    """Change what ``user`` reads and covers (None leaves that part as it is); nothing is
    changed when either part is refused (:class:`AccountError`). Needs an app context."""
    enabled = _enabled_languages()
    read = clean_languages(languages, enabled[0] if enabled else ()) if languages is not None else None
    covered = clean_topics(topics, known_topics) if topics is not None else None
    if read is not None:
        user.languages = read
    if covered is not None:
        user.topics = covered


def reads(user: User) -> list[str]:
    """Languages ``user`` reads: those listed, or, when none are, their desk UI language."""
    return list(user.languages or ()) or [user.language]


def _aware(moment: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; every stored time is UTC.
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def _client_key(client: str) -> str:
    # Addresses are personal data: the throttle keeps only their hash.
    return hashlib.sha256(f"login-client:{client}".encode("utf-8", "replace")).hexdigest()


def _throttle(session: Session, user: User, client: str) -> LoginThrottle | None:
    return session.scalar(select(LoginThrottle).where(LoginThrottle.user_id == user.id,
                                                      LoginThrottle.client == _client_key(client)))


def is_locked(session: Session, user: User, client: str, now: datetime | None = None) -> bool:
    """Whether sign-in to ``user`` from ``client`` is refused for a while (too many failures)."""
    throttle = _throttle(session, user, client)
    blocked_until = _aware(throttle.blocked_until) if throttle is not None else None
    return blocked_until is not None and blocked_until > (now or utcnow())


def authenticate(session: Session, email: str, password: str, client: str = "",
                 now: datetime | None = None) -> User | None:
    """The active user with this email and password, or None.

    Failures are counted per account *and* client address: ten in a row refuse
    that client for that account for 15 minutes (attempts during the pause do
    not extend it), while the same account still signs in from anywhere else,
    so nobody can lock a staff member out by knowing their address. A success
    clears that client's count and records ``last_login_at``. Changes are committed.
    """
    now = now or utcnow()
    password = password if isinstance(password, str) else ""
    if len(password) > MAX_PASSWORD_LENGTH:
        password = password[:MAX_PASSWORD_LENGTH + 1]  # still wrong, but costs the same
    user = session.scalar(select(User).where(User.email == normalize_email(email)))
    if user is None:
        verify_password(_dummy_hash(), password)
        return None
    throttle = _throttle(session, user, client)
    if throttle is not None and throttle.blocked_until is not None:
        if _aware(throttle.blocked_until) > now:
            verify_password(_dummy_hash(), password)  # same cost: the pause is not observable by timing
            return None
        throttle.blocked_until = None  # the pause is over: count afresh
        throttle.failures = 0
    if not verify_password(user.password_hash, password) or len(password) > MAX_PASSWORD_LENGTH:
        if throttle is None:
            throttle = LoginThrottle(user_id=user.id, client=_client_key(client), failures=0)
            session.add(throttle)
        throttle.failures = (throttle.failures or 0) + 1
        throttle.updated_at = now
        if throttle.failures >= MAX_FAILED_LOGINS:
            throttle.blocked_until = now + LOCKOUT
        user.failed_logins = (user.failed_logins or 0) + 1  # shown to admins; locks nothing
        session.commit()
        return None
    if not user.active:
        session.commit()
        return None
    if throttle is not None:
        session.delete(throttle)
    user.failed_logins = 0
    user.last_login_at = now
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    session.commit()
    return user


def start_session(session: Session, user: User) -> str:
    """Record a new signed-in session for ``user``; returns the token for the cookie (flushes)."""
    token = secrets.token_urlsafe(32)
    session.add(StaffSession(user_id=user.id, token_hash=_token_hash(token)))
    session.flush()
    return token


def session_is_valid(session: Session, user_id: int, token: object) -> bool:
    """Whether ``token`` is a live session of ``user_id`` (not signed out, not revoked)."""
    if not isinstance(token, str) or not token or len(token) > 100:
        return False
    return session.scalar(select(StaffSession.id).where(StaffSession.token_hash == _token_hash(token),
                                                        StaffSession.user_id == user_id)) is not None


def end_session(session: Session, token: object) -> None:
    """Revoke one session (sign-out); flushes."""
    if isinstance(token, str) and token:
        session.execute(delete(StaffSession).where(StaffSession.token_hash == _token_hash(token)))


def end_all_sessions(session: Session, user: User) -> None:
    """Revoke every session of ``user`` (password change, deactivation); flushes."""
    session.execute(delete(StaffSession).where(StaffSession.user_id == user.id))


def set_password(session: Session, user: User, password: str) -> None:
    """Change ``user``'s password and sign them out everywhere; :class:`AccountError` when refused."""
    _validate_password(password)
    user.password_hash = hash_password(password)
    end_all_sessions(session, user)
    session.flush()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def has_role(user, role: str) -> bool:
    """Whether ``user`` holds ``role``; admins hold every role. Anonymous users hold none."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    roles = getattr(user, "roles", None) or ()
    return role in roles or ROLE_ADMIN in roles


def load_user(user_id: str) -> User | None:
    """Flask-Login's user loader: the active user with this id, or None."""

    try:
        user = db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None
    return user if user is not None and user.active else None


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.email)))
