"""Flask extensions, configured from Settings: Babel, CSRF, rate limits, migrations, logins."""
from __future__ import annotations

from datetime import timedelta

from flask import Flask, g
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

from portal.config import PROJECT_ROOT, Settings
from portal.i18n import to_babel_locale
from portal.i18n.request import request_language

MIGRATIONS_DIR = str(PROJECT_ROOT / "portal" / "migrations")

babel = Babel()
csrf = CSRFProtect()
migrate = Migrate(directory=MIGRATIONS_DIR)
limiter = Limiter(key_func=get_remote_address, default_limits=[])

# Form tokens (Flask-WTF CSRF) live 24 hours instead of Flask-WTF's 1: longer than the 20
# hours after which WCAG 2.2.1 no longer counts a time limit, so nobody writing a long contact
# message meets it. Still bounded, not None (valid as long as the session): a customer's
# session cookie lasts as long as the browser keeps it, weeks with restored tabs, and a token
# that leaked should stop working. A staff member's token ends sooner anyway: sign-in and
# sign-out replace it, and a staff session ends after 8 hours. A contact form sent after its
# token or its session ended is shown again with everything typed in it (portal.web.support).
CSRF_TOKEN_LIFETIME = timedelta(hours=24)

# --- accounts: Flask-Login (staff sign-in; see portal/accounts) ---
login_manager = LoginManager()
login_manager.login_view = "accounts.login"
login_manager.login_message = None  # unauthorized() redirects; no unlocalized flash
login_manager.session_protection = "strong"
STAFF_SESSION_LIFETIME = timedelta(hours=8)
# (The user loader and the unauthorized handler, a redirect to the sign-in page, are set
# by portal.accounts.views: accounts depend on the extensions, not the other way round.)
# --- end accounts ---


def _select_locale() -> str:
    return to_babel_locale(getattr(g, "lang", None) or request_language())


def init_extensions(app: Flask, settings: Settings) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(PROJECT_ROOT / "translations"))
    app.config.setdefault("BABEL_DEFAULT_LOCALE", to_babel_locale(settings.default_language))
    babel.init_app(app, locale_selector=_select_locale)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", int(CSRF_TOKEN_LIFETIME.total_seconds()))
    csrf.init_app(app)
    app.config["RATELIMIT_STORAGE_URI"] = settings.redis_url or "memory://"
    # With Redis, every web node counts the same requests (ADR 0014); while it is down each
    # process counts alone instead of answering 500. (Set for memory storage too: the limiter is
    # one object per process and keeps the first app's choice of these two.)
    app.config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"] = True
    app.config["RATELIMIT_SWALLOW_ERRORS"] = True
    if settings.redis_url:
        app.config["RATELIMIT_KEY_PREFIX"] = settings.redis_prefix
        app.config["RATELIMIT_STORAGE_OPTIONS"] = {"socket_timeout": 0.25, "socket_connect_timeout": 0.25}
    app.config["RATELIMIT_HEADERS_ENABLED"] = True
    app.config.setdefault("RATELIMIT_ENABLED", not settings.extra.get("disable_rate_limits", False))
    limiter.init_app(app)
    # --- accounts ---
    app.config["PERMANENT_SESSION_LIFETIME"] = STAFF_SESSION_LIFETIME
    login_manager.init_app(app)
    # --- end accounts ---
    from portal.db import db

    migrate.init_app(app, db, render_as_batch=True)
