"""Staff accounts (agents, writers, admins). Customers never have accounts."""
from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import db, utcnow

ROLE_AGENT = "agent"
ROLE_WRITER = "writer"
ROLE_ADMIN = "admin"  # implies every other role
ROLES = (ROLE_AGENT, ROLE_WRITER, ROLE_ADMIN)


class User(UserMixin, db.Model):
    __tablename__ = "account_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # always lower-cased
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))  # argon2id, PHC string format
    roles: Mapped[list] = mapped_column(JSON, default=list)  # subset of ROLES
    language: Mapped[str] = mapped_column(String(20))  # BCP-47 UI language for the desk
    # Routing (portal.support.routing): languages read and written (BCP-47, enabled ones; empty:
    # the UI language only) and topics covered (knowledge-base category slugs; empty: any topic).
    languages: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    topics: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    @property
    def is_active(self) -> bool:  # Flask-Login: inactive users cannot sign in or stay signed in
        return bool(self.active)

    def __repr__(self) -> str:  # no email: reprs end up in logs
        return f"<User {self.id}>"


class StaffSession(db.Model):
    """One signed-in browser. The cookie holds a random token; only its hash is stored.

    Deleting the row (sign-out, password change) revokes that session even when
    someone kept a copy of the cookie.
    """

    __tablename__ = "account_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("account_user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class LoginThrottle(db.Model):
    """Failed sign-ins of one account from one client (hashed address).

    Throttling per account *and* client means an attacker who knows a staff
    e-mail can only lock themselves out, never the staff member.
    """

    __tablename__ = "account_login_throttle"
    __table_args__ = (UniqueConstraint("user_id", "client", name="uq_account_login_throttle_user_client"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("account_user.id", ondelete="CASCADE"))
    client: Mapped[str] = mapped_column(String(64))  # sha256 of the client address
    failures: Mapped[int] = mapped_column(Integer, default=0)
    blocked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
