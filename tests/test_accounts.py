"""Staff accounts: hashing, validation, authentication and lockout, sign-in pages,
sessions (lifetime, idle timeout), role_required, rate limit and the ``users`` CLI."""
from __future__ import annotations

import html
import re
import statistics
import time
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from flask_babel import force_locale, gettext

from portal.accounts import User, authenticate, create_user, has_role, role_required
from portal.accounts.service import AccountError, _dummy_hash, hash_password, is_locked, verify_password
from portal.accounts.views import IDLE_TIMEOUT, LAST_SEEN_KEY, SIGNED_IN_AT_KEY, safe_next
from portal.cli import main
from portal.db import db, utcnow

PASSWORD = "correct horse battery staple"
WRONG = "wrong password!!"
FAILURE = ("The email address or password is not right, or the account is locked for a while. "
           "Check them and try again.")


@pytest.fixture(autouse=True)
def accounts_app(app):
    # Test-only pages guarded by role_required (added before the first request).
    app.add_url_rule("/desk/test-agent", "test_agent", role_required("agent")(lambda: "agent page"))
    app.add_url_rule("/desk/test-writer", "test_writer", role_required("writer")(lambda: "writer page"))
    return app


def make_user(app, email="ann@example.org", roles=("agent",), language="en"):
    with app.app_context():
        return create_user(db.session, email, "Ann Agent", PASSWORD, list(roles), language).id


def csrf_token(client, **kwargs) -> str:
    page = client.get("/desk/login", **kwargs).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def session_csrf_token(client) -> str:
    """The CSRF token of the current session, read from a public form (sign-in redirects when signed in)."""
    page = client.get("/en/contact").get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def sign_in(client, email="ann@example.org", password=PASSWORD, next_path="", token=None, **kwargs):
    data = {"csrf_token": token or csrf_token(client, **kwargs), "email": email, "password": password,
            "next": next_path}
    return client.post("/desk/login", data=data, **kwargs)


def localized(app, lang, message):
    with app.test_request_context(), force_locale(lang):
        return html.escape(gettext(message), quote=False)


# --- the service -------------------------------------------------------------------

def test_argon2id_hashing():
    hashed = hash_password(PASSWORD)
    assert hashed.startswith("$argon2id$v=19$m=") and PASSWORD not in hashed
    assert verify_password(hashed, PASSWORD) and hash_password(PASSWORD) != hashed  # salted
    assert not verify_password(hashed, PASSWORD + "x") and not verify_password("not a hash", PASSWORD)


def test_create_user_normalizes_and_stores_a_hash(session):
    user = create_user(session, "  Ann@Example.ORG ", " Ann ", PASSWORD, ["agent", "writer", "agent"], "pt-br")
    assert (user.email, user.name, user.language) == ("ann@example.org", "Ann", "pt-BR")
    assert user.roles == ["agent", "writer"]
    assert user.active and user.failed_logins == 0 and verify_password(user.password_hash, PASSWORD)
    assert create_user(session, "bo@example.org", "Bo", PASSWORD, ["admin"]).language == "en"
    with pytest.raises(AccountError, match="already exists"):
        create_user(session, "ANN@example.org", "Other Ann", PASSWORD, ["writer"])


@pytest.mark.parametrize("email, name, password, roles, language, message", [
    ("not-an-email", "Ann", PASSWORD, ["agent"], None, "valid email"),
    ("ann@localhost", "Ann", PASSWORD, ["agent"], None, "valid email"),
    ("a b@example.org", "Ann", PASSWORD, ["agent"], None, "valid email"),
    ("ann@example.org", "  ", PASSWORD, ["agent"], None, "name"),
    ("ann@example.org", "Ann", "short pass", ["agent"], None, "at least 12 characters"),
    ("ann@example.org", "Ann", PASSWORD, [], None, "at least one role"),
    ("ann@example.org", "Ann", PASSWORD, ["customer"], None, "Unknown role 'customer'"),
    ("ann@example.org", "Ann", PASSWORD, ["agent"], "xx", "Unknown language 'xx'"),
])
def test_create_user_refuses_bad_input(session, email, name, password, roles, language, message):
    with pytest.raises(AccountError, match=message) as caught:
        create_user(session, email, name, password, roles, language)
    assert password not in str(caught.value) and session.query(User).count() == 0


def test_authenticate_success_failure_and_inactive(session):
    create_user(session, "ann@example.org", "Ann", PASSWORD, ["agent"])
    assert authenticate(session, "ann@example.org", WRONG) is None
    assert session.scalar(db.select(User)).failed_logins == 1
    user = authenticate(session, " ANN@example.org", PASSWORD)
    assert user.failed_logins == 0 and user.last_login_at is not None
    assert authenticate(session, "nobody@example.org", PASSWORD) is None
    user.active = False
    session.commit()
    assert authenticate(session, "ann@example.org", PASSWORD) is None


def test_ten_failures_pause_that_client_only_and_the_pause_ends(session):
    from portal.accounts.models import LoginThrottle

    attacker, staff = "203.0.113.9", "198.51.100.7"
    user = create_user(session, "ann@example.org", "Ann", PASSWORD, ["agent"])
    for _ in range(9):
        authenticate(session, "ann@example.org", WRONG, client=attacker)
    assert authenticate(session, "ann@example.org", PASSWORD, client=attacker) is user  # success resets
    for _ in range(9):
        authenticate(session, "ann@example.org", WRONG, client=attacker)
    assert not is_locked(session, user, attacker)
    authenticate(session, "ann@example.org", WRONG, client=attacker)
    assert is_locked(session, user, attacker)
    throttle = session.scalar(db.select(LoginThrottle))
    blocked_until = throttle.blocked_until
    assert authenticate(session, "ann@example.org", PASSWORD, client=attacker) is None  # even the right password
    assert throttle.blocked_until == blocked_until  # attempts while paused do not extend the pause
    remaining = blocked_until.replace(tzinfo=None) - utcnow().replace(tzinfo=None)
    assert timedelta(minutes=14) < remaining <= timedelta(minutes=15)
    # The attacker knowing Ann's address cannot lock Ann out: she signs in from her own machine.
    assert not is_locked(session, user, staff)
    assert authenticate(session, "ann@example.org", PASSWORD, client=staff) is user
    assert throttle.client != attacker and attacker not in throttle.client  # addresses are stored hashed
    throttle.blocked_until = utcnow() - timedelta(seconds=1)  # time passes
    session.commit()
    assert authenticate(session, "ann@example.org", PASSWORD, client=attacker) is user
    assert session.scalar(db.select(LoginThrottle)) is None


def test_hash_is_upgraded_on_sign_in_when_parameters_change(session):
    user = create_user(session, "ann@example.org", "Ann", PASSWORD, ["agent"])
    user.password_hash = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    session.commit()
    assert authenticate(session, "ann@example.org", PASSWORD) is user
    assert not PasswordHasher().check_needs_rehash(user.password_hash)
    assert verify_password(user.password_hash, PASSWORD)


def test_unknown_email_costs_a_hash_verification(session):
    create_user(session, "ann@example.org", "Ann", PASSWORD, ["agent"])
    assert not PasswordHasher().check_needs_rehash(_dummy_hash())  # same parameters as real hashes

    def timed(email):
        started = time.perf_counter()
        authenticate(session, email, WRONG)
        return time.perf_counter() - started

    known = statistics.median(timed("ann@example.org") for _ in range(3))
    unknown = statistics.median(timed("nobody@example.org") for _ in range(3))
    assert unknown > known * 0.5, (known, unknown)


def test_has_role_admin_implies_all(session):
    agent = create_user(session, "a@example.org", "A", PASSWORD, ["agent"])
    admin = create_user(session, "b@example.org", "B", PASSWORD, ["admin"])
    assert has_role(agent, "agent") and not has_role(agent, "writer") and not has_role(agent, "admin")
    assert all(has_role(admin, role) for role in ("agent", "writer", "admin")) and not has_role(None, "agent")
    with pytest.raises(ValueError):
        role_required("customer")


# --- sign-in pages -------------------------------------------------------------------

@pytest.mark.wcag("1.3.5", "3.3.2", "3.3.8")
def test_login_page_has_labels_autocomplete_and_csrf(client):
    page = client.get("/desk/login", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert '<html lang="es" dir="ltr">' in page and "Centro de ayuda" in page
    assert '<label for="email">' in page and '<label for="password">' in page and page.count("<h1>") == 1
    assert 'id="email" name="email" type="email"' in page and 'autocomplete="username"' in page
    assert 'type="password"' in page and 'autocomplete="current-password"' in page
    assert re.search(r'name="csrf_token" type="hidden" value="[^"]+"', page) and 'role="alert"' not in page


@pytest.mark.wcag("3.3.1", "3.3.3", "3.3.7")
def test_wrong_password_shows_a_localized_error_and_keeps_the_email(app, client):
    make_user(app)
    page = sign_in(client, "Ann@Example.org", WRONG, headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert '<html lang="es"' in page and "<title>" in page
    alert = re.search(r'<div class="notice error-summary" id="login-error" role="alert">(.*?)</div>', page, re.S)
    assert alert and localized(app, "es", FAILURE) in alert.group(1)
    assert 'value="Ann@Example.org"' in page and WRONG not in page
    assert page.count('aria-describedby="login-error" aria-invalid="true"') == 2
    empty = client.post("/desk/login", data={"csrf_token": csrf_token(client), "email": "a@example.org"})
    page = empty.get_data(as_text=True)
    assert '<a href="#password">Enter your password.</a>' in page and 'value="a@example.org"' in page
    assert 'id="password-error"' in page and 'aria-describedby="password-error" aria-invalid="true"' in page
    assert client.post("/desk/login", data={"email": "ann@example.org", "password": PASSWORD}).status_code == 400


@pytest.mark.parametrize("next_path, expected", [
    ("/desk/test-agent?x=1", "/desk/test-agent?x=1"), ("//evil.example", "/desk/"),
    ("https://evil.example/", "/desk/"), ("/\\evil.example", "/desk/"), ("/\t/evil.example", "/desk/"), ("", "/desk/"),
])
def test_success_redirects_to_a_local_next_only(app, client, next_path, expected):
    user_id = make_user(app)
    response = sign_in(client, next_path=next_path)
    assert response.status_code == 303 and response.headers["Location"] == expected
    assert "Expires=" in response.headers["Set-Cookie"]  # a permanent session
    with client.session_transaction() as sess:
        assert sess["_user_id"] == str(user_id)
    assert safe_next(next_path) == expected


def test_next_travels_from_the_query_string_through_the_form(app, client):
    make_user(app)
    response = client.get("/desk/test-agent?tab=mine")
    assert response.status_code == 302
    assert response.headers["Location"] == "/desk/login?next=/desk/test-agent?tab%3Dmine"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'name="next" type="hidden" value="/desk/test-agent?tab=mine"' in page
    assert sign_in(client, next_path="/desk/test-agent?tab=mine").headers["Location"] == "/desk/test-agent?tab=mine"


def test_logout_requires_post_and_a_csrf_token_and_the_token_rotates_at_sign_in(app, client):
    make_user(app)
    before = csrf_token(client)
    sign_in(client, token=before)
    assert client.get("/desk/logout").status_code == 405
    assert client.post("/desk/logout").status_code == 400  # no CSRF token
    assert client.post("/desk/logout", data={"csrf_token": before}).status_code == 400  # the pre-sign-in token
    assert client.get("/desk/test-agent").status_code == 200
    response = client.post("/desk/logout", data={"csrf_token": session_csrf_token(client)})
    assert response.status_code == 303 and response.headers["Location"] == "/desk/login"
    assert client.get("/desk/test-agent").status_code == 302


def test_a_copied_cookie_stops_working_after_sign_out(app, client):
    make_user(app)
    sign_in(client)
    cookie = client.get_cookie("session").value
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    assert thief.get("/desk/test-agent").status_code == 200
    client.post("/desk/logout", data={"csrf_token": session_csrf_token(client)})
    assert thief.get("/desk/test-agent").status_code == 302  # revoked server-side, not only forgotten


def test_changing_the_password_signs_out_every_session(app, client):
    from portal.accounts.service import set_password

    user_id = make_user(app)
    other = app.test_client()
    sign_in(client)
    sign_in(other)
    assert client.get("/desk/test-agent").status_code == 200 and other.get("/desk/test-agent").status_code == 200
    with app.app_context():
        with pytest.raises(AccountError):
            set_password(db.session, db.session.get(User, user_id), "short")
        db.session.rollback()
        assert client.get("/desk/test-agent").status_code == 200  # a refused change revokes nothing
        set_password(db.session, db.session.get(User, user_id), "a brand new passphrase")
        db.session.commit()
    assert client.get("/desk/test-agent").status_code == 302 and other.get("/desk/test-agent").status_code == 302
    assert sign_in(client, password="a brand new passphrase").status_code == 303


def test_role_required(app, client):
    assert client.get("/desk/test-agent").headers["Location"] == "/desk/login?next=/desk/test-agent"
    for email, role, lang in (("w@example.org", "writer", "ar"), ("a@example.org", "agent", "en"),
                              ("x@example.org", "admin", "en")):
        make_user(app, email, roles=[role], language=lang)
    writer, agent, admin = app.test_client(), app.test_client(), app.test_client()
    for user_client, email in ((writer, "w@example.org"), (agent, "a@example.org"), (admin, "x@example.org")):
        sign_in(user_client, email)
    forbidden = writer.get("/desk/test-agent")
    page = forbidden.get_data(as_text=True)
    assert forbidden.status_code == 403 and '<html lang="ar" dir="rtl">' in page  # the user's language
    assert localized(app, "ar", "You do not have permission to do that.") in page
    assert writer.get("/desk/test-writer").status_code == 200
    assert agent.get("/desk/test-agent").get_data(as_text=True) == "agent page"
    assert agent.get("/desk/test-writer").status_code == 403
    assert admin.get("/desk/test-agent").status_code == admin.get("/desk/test-writer").status_code == 200


# --- sessions and rate limit -----------------------------------------------------------

@pytest.mark.wcag("2.2.1")
def test_idle_timeout_signs_out(app, client):
    make_user(app)
    sign_in(client)
    with client.session_transaction() as sess:
        sess[LAST_SEEN_KEY] = int(time.time() - IDLE_TIMEOUT.total_seconds() + 60)
    assert client.get("/desk/test-agent").status_code == 200  # activity within 2 hours...
    with client.session_transaction() as sess:
        assert sess[LAST_SEEN_KEY] >= int(time.time()) - 5  # ...refreshes the last-seen time
        sess[LAST_SEEN_KEY] = int(time.time() - IDLE_TIMEOUT.total_seconds() - 1)
    response = client.get("/desk/test-agent")
    assert response.headers["Location"] == "/desk/login?next=/desk/test-agent&expired=1"
    with client.session_transaction() as sess:
        assert "_user_id" not in sess
    assert "You were signed out because" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert client.get("/desk/test-agent").status_code == 302


def test_session_ends_after_eight_hours_or_on_another_client(app, client):
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=8)
    make_user(app)
    sign_in(client)
    assert client.get("/desk/test-agent", headers={"User-Agent": "Stolen/1.0"}).status_code == 302
    assert client.get("/desk/test-agent").status_code == 302  # that session is gone for good
    sign_in(client)
    with client.session_transaction() as sess:
        assert sess.permanent
        sess[SIGNED_IN_AT_KEY] = int(time.time() - 8 * 3600 - 1)  # active, but signed in too long ago
    assert client.get("/healthz").status_code == 200  # public pages continue, signed out
    with client.session_transaction() as sess:
        assert "_user_id" not in sess


def test_login_posts_are_rate_limited_per_client(app, client):
    data = {"csrf_token": csrf_token(client), "email": "nobody@example.org", "password": WRONG}
    for attempt in range(10):
        assert client.post("/desk/login", data=data).status_code == 200, attempt
    response = client.post("/desk/login", data=data)
    assert response.status_code == 429 and "Too many requests" in response.get_data(as_text=True)
    assert client.get("/desk/login").status_code == 200  # only POSTs are limited
    assert client.post("/desk/login", data=data, environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 200


# --- command line ---------------------------------------------------------------------

def test_cli_users_create_and_list(app, session):
    runner = app.test_cli_runner()
    base = ["users", "create", "--email", "Cli@Example.org", "--name", "Cli User"]
    result = runner.invoke(main, args=[*base, "--role", "agent", "--role", "writer", "--language", "es",
                                 "--password-stdin"], input=PASSWORD + "\n")
    assert result.exit_code == 0 and "cli@example.org" in result.output and PASSWORD not in result.output
    user = authenticate(session, "cli@example.org", PASSWORD)
    assert user.roles == ["agent", "writer"] and user.language == "es"
    listing = runner.invoke(main, args=["users", "list"])
    assert "cli@example.org" in listing.output and "argon2" not in listing.output
    again = runner.invoke(main, args=[*base, "--role", "agent", "--password-stdin"], input=PASSWORD + "\n")
    assert again.exit_code == 1 and "already exists" in again.output and PASSWORD not in again.output
    assert runner.invoke(main, args=[*base, "--role", "customer", "--password-stdin"], input=PASSWORD).exit_code != 0


def test_cli_prompts_for_a_hidden_confirmed_password(app, session):
    runner = app.test_cli_runner()
    args = ["users", "create", "--email", "p@example.org", "--name", "P", "--role", "admin"]
    short = runner.invoke(main, args=args, input="tooshort\ntooshort\n")
    assert short.exit_code == 1 and "at least 12 characters" in short.output and "tooshort" not in short.output
    result = runner.invoke(main, args=args, input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0 and PASSWORD not in result.output
    assert authenticate(session, "p@example.org", PASSWORD) is not None
