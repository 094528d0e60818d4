"""Staff accounts: agents, writers and admins sign in to the desk. Customers never do.

Public interface: :class:`User`, :func:`create_user`, :func:`authenticate`,
:func:`has_role`, :func:`role_required` and Flask-Login's ``current_user``.
"""
from __future__ import annotations

from functools import wraps

from flask import abort, g
from flask_login import current_user

from portal.accounts.models import ROLES, User
from portal.accounts.service import AccountError, authenticate, create_user, has_role
from portal.accounts.views import desk_language, login_redirect


def role_required(*roles: str):
    """Allow signed-in users holding any of ``roles`` (admins hold all of them).

    Anonymous visitors are redirected to the sign-in page (coming back afterwards);
    signed-in users without the role get the localized 403 page.
    """
    unknown = [role for role in roles if role not in ROLES]
    if not roles or unknown:
        raise ValueError(f"role_required needs roles among {ROLES}, got {roles!r}")

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_redirect()
            if not getattr(g, "lang", None):
                g.lang = desk_language()  # so the 403 page speaks the user's language
            if not any(has_role(current_user, role) for role in roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator


__all__ = ["AccountError", "ROLES", "User", "authenticate", "create_user", "current_user", "has_role",
           "role_required"]
