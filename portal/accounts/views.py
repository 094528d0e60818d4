"""Staff sign-in and sign-out (``/desk/login``, ``/desk/logout``) and session expiry.

Sessions are permanent (cookie lifetime ``PERMANENT_SESSION_LIFETIME``, 8 hours) and
also end, server-side, 8 hours after sign-in whatever the activity, after 2 hours
without a request, and when the client's address or browser changes (Flask-Login's
"strong" protection does not apply to permanent sessions, so it is enforced here).
The desk has no ``/<lang>/`` prefix: its UI language is the signed-in user's
language, else the ``lang`` cookie / Accept-Language.
"""
from __future__ import annotations

import time
from datetime import timedelta

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField
from wtforms.validators import DataRequired, Length

from portal.accounts.service import (
    MAX_PASSWORD_LENGTH,
    authenticate,
    end_session,
    load_user,
    session_is_valid,
    start_session,
)
from portal.db import db
from portal.extensions import limiter, login_manager
from portal.i18n import canonical_code
from portal.i18n.request import request_language
from portal.validation import is_local_path

bp = Blueprint("accounts", __name__, url_prefix="/desk")

DESK_HOME = "/desk/"
DESK_PREFIX = "/desk"
IDLE_TIMEOUT = timedelta(hours=2)
def login_rate_limit() -> str:
    """Sign-in attempts per client, from settings (default "10 per minute")."""
    return current_app.config["SETTINGS"].rate_limit_login
LAST_SEEN_KEY = "_desk_last_seen"
SIGNED_IN_AT_KEY = "_desk_signed_in_at"
SESSION_TOKEN_KEY = "_desk_session"


class LoginForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=[
        DataRequired(message=_l("Enter your email address.")), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[
        DataRequired(message=_l("Enter your password.")), Length(max=MAX_PASSWORD_LENGTH)])
    next = HiddenField()


def safe_next(target: str | None) -> str:
    """``target`` if it is a path on this site, else the desk home: never an open redirect."""
    return target if is_local_path(target) else DESK_HOME


def desk_language() -> str:
    """The desk UI language: the signed-in user's, else the visitor's negotiated one."""
    settings = current_app.config["SETTINGS"]
    if current_user.is_authenticated:
        lang = canonical_code(current_user.language or "", settings.languages)
        if lang:
            return lang
    return request_language()


def login_redirect(expired: bool = False):
    """Send an anonymous visitor to the sign-in page, coming back here afterwards."""
    args = {}
    if request.method in ("GET", "HEAD"):
        path = request.full_path if request.query_string else request.path
        if path != DESK_HOME:
            args["next"] = safe_next(path)
    if expired:
        args["expired"] = "1"
    return redirect(url_for("accounts.login", **args), code=302)


login_manager.unauthorized_handler(login_redirect)  # a staff page asked for without signing in
login_manager.user_loader(load_user)


def _sign_out() -> None:
    """Revoke this browser's session server-side, then forget it client-side."""
    token = session.pop(SESSION_TOKEN_KEY, None)
    if token is not None:
        end_session(db.session, token)
        db.session.commit()
    logout_user()
    session.pop(LAST_SEEN_KEY, None)
    session.pop(SIGNED_IN_AT_KEY, None)
    session.pop("csrf_token", None)  # a new sign-in gets a new CSRF token


@bp.before_app_request
def _expire_sessions():
    """End a signed-in session that is idle, too old, or used from another client."""
    if request.endpoint == "static" or "_user_id" not in session:
        return None
    now = time.time()
    last_seen = session.get(LAST_SEEN_KEY)
    signed_in_at = session.get(SIGNED_IN_AT_KEY)
    expired = (
        not isinstance(last_seen, (int, float)) or not isinstance(signed_in_at, (int, float))
        or now - last_seen > IDLE_TIMEOUT.total_seconds()
        or now - signed_in_at > current_app.permanent_session_lifetime.total_seconds()
        or session.get("_id") != login_manager._session_identifier_generator()
        # Signed out elsewhere, password changed, or a copied cookie of a finished session.
        or not session_is_valid(db.session, _session_user_id(), session.get(SESSION_TOKEN_KEY))
    )
    if not expired:
        session[LAST_SEEN_KEY] = int(now)
        return None
    _sign_out()
    current_app.logger.info("desk session ended (idle, too old or client changed)")
    staff_page = request.path == DESK_PREFIX or request.path.startswith(DESK_PREFIX + "/")
    if not staff_page or request.endpoint in ("accounts.login", "accounts.logout"):
        return None  # public pages simply continue signed out
    return login_redirect(expired=True)


def _session_user_id() -> int:
    raw = session.get("_user_id")
    return int(raw) if isinstance(raw, str) and raw.isdigit() and len(raw) < 12 else -1


@bp.before_request
def _set_language():
    g.lang = desk_language()


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_rate_limit, methods=["POST"])
def login():
    form = LoginForm()
    target = safe_next(form.next.data if request.method == "POST" else request.args.get("next"))
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(target, code=303)
        form.next.data = target if target != DESK_HOME else ""
    failed = False
    if form.validate_on_submit():
        user = authenticate(db.session, form.email.data, form.password.data, client=request.remote_addr or "")
        if user is not None:
            session.clear()  # nothing from before sign-in survives it (the CSRF token included)
            session[SESSION_TOKEN_KEY] = start_session(db.session, user)
            db.session.commit()
            login_user(user, remember=False)
            session.permanent = True
            session[SIGNED_IN_AT_KEY] = session[LAST_SEEN_KEY] = int(time.time())
            return redirect(target, code=303)
        failed = True
        current_app.logger.info("failed desk sign-in from %s", request.remote_addr)
    form.password.data = None  # never echoed back
    failure = _("The email address or password is not right, or the account is locked for a while. "
                "Check them and try again.") if failed else None
    field_errors = [(field.id, field.errors[0]) for field in (form.email, form.password) if field.errors]
    return render_template("accounts/login.html", form=form, failure=failure, field_errors=field_errors,
                           expired=request.args.get("expired") == "1" and not (failed or field_errors))


@bp.post("/logout")
def logout():
    _sign_out()
    return redirect(url_for("accounts.login"), code=303)
