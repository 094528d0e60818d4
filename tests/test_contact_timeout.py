"""A contact form sent after its security token or its session expired (WCAG 2.2.1 Timing Adjustable).

The customer gets the form back with everything they typed, a fresh token and a
message saying to send it again; nothing is stored. Every other CSRF failure (a
token that is not ours, a request from another site, an HTTPS post without a
matching Referer) and every other form keeps the plain error page.

Expired tokens are signed here as Flask-WTF signs them (itsdangerous, salt
"wtf-csrf-token", the session's raw token), with a timestamp in the past: no sleeping.
"""
import html
import re
import time

import pytest
from flask_babel import force_locale, gettext
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select

from portal.db import db
from portal.support.models import Ticket
from tests.conftest import Commits, ticket_count
from tests.support.web import csrf

RESEND = ("This page was open for a long time, so for your security we have not sent your message yet. "
          "It is still here: check it and send it again.")
GENERIC = "Your session expired. Please reload the page and try again."
MESSAGE = "Me cobraron dos veces este mes & nadie me contesta <todavía>."


def localized(app, lang: str, message: str) -> str:
    with app.test_request_context(), force_locale(lang):
        return html.escape(gettext(message), quote=False)


def _serializer(app, age: float = 0) -> URLSafeTimedSerializer:
    class Signed(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time() - age)

    return URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token", signer=Signed)


def token_signed_ago(app, client, age: float) -> str:
    """``client``'s CSRF token as Flask-WTF would have signed it ``age`` seconds ago."""
    with client.session_transaction() as sess:
        raw = sess["csrf_token"]
    token = _serializer(app, age).dumps(raw)
    limit = app.config["WTF_CSRF_TIME_LIMIT"]
    if age > limit:  # really expired for the app, and otherwise good
        with pytest.raises(SignatureExpired):
            _serializer(app).loads(token, max_age=limit)
    assert _serializer(app).loads(token) == raw
    return token


def idempotency_key(page: str) -> str:
    return re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)


def textarea(page: str) -> str:
    return re.search(r'<textarea id="message"[^>]*>(.*?)</textarea>', page, re.S).group(1)


def assert_form_back(app, response, lang: str, message: str = MESSAGE) -> str:
    """The contact form came back unsent, with ``message`` kept and the notice in the summary."""
    assert response.status_code == 400
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    summary = re.search(r'<div class="error-summary" role="alert" tabindex="-1" id="error-summary">(.*?)</div>',
                        page, re.S)
    assert summary and localized(app, lang, RESEND) in summary.group(1)
    assert html.unescape(textarea(page)) == message and "&lt;todavía&gt;" in textarea(page)
    assert f'<html lang="{lang}"' in page
    assert re.search(r"<title>" + re.escape(localized(app, lang, "Error:")), page)
    assert localized(app, lang, GENERIC) not in page
    return page


def send_again(app, client, page: str):
    """The customer sends the page they got back, as it is: the fresh token works."""
    data = {"csrf_token": csrf(page), "idempotency_key": idempotency_key(page),
            "message": html.unescape(textarea(page))}
    for name in ("name", "email"):
        found = re.search(rf'<input id="{name}"[^>]*value="([^"]*)"', page)
        data[name] = html.unescape(found.group(1))
    data["language"] = re.search(r'<option value="([^"]+)"[^>]*selected', page).group(1)
    for box in ("include_query", "include_articles", "include_votes"):
        if re.search(rf'id="{box}"[^>]*checked', page):
            data[box] = "1"
    for hidden in ("context_query", "context_article"):
        found = re.search(rf'name="{hidden}" value="([^"]*)"', page)
        if found:
            data[hidden] = html.unescape(found.group(1))
    return client.post(re.search(r'<form method="post" action="([^"]+)"', page).group(1), data=data)


@pytest.mark.wcag("2.2.1")
def test_an_expired_token_gives_the_form_back_with_everything_typed_and_stores_nothing(support_app):
    client = support_app.test_client()
    client.get("/es/search?q=factura duplicada")
    client.get("/es/articles/charged-twice")
    client.post("/es/articles/charged-twice/feedback", data={"helpful": "no"})
    form = client.get("/es/contact").get_data(as_text=True)
    key = idempotency_key(form)
    stale = token_signed_ago(support_app, client, support_app.config["WTF_CSRF_TIME_LIMIT"] + 60)
    with Commits() as commits:
        response = client.post("/es/contact", data={
            "csrf_token": stale, "idempotency_key": key, "message": MESSAGE, "name": "Lucía \"Lu\" <Pérez>",
            "email": "lucia@example.org", "language": "pt-BR", "include_articles": "1", "include_votes": "1",
        })
    page = assert_form_back(support_app, response, "es")
    assert commits.count == 0 and ticket_count(support_app) == 0
    assert 'value="Lucía &#34;Lu&#34; &lt;Pérez&gt;"' in page and 'value="lucia@example.org"' in page
    assert re.search(r'<option value="pt-BR"[^>]*selected', page)
    assert re.search(r'id="include_articles"[^>]*checked', page) and re.search(r'id="include_votes"[^>]*checked', page)
    # The search was unticked: still offered, still unticked.
    assert not re.search(r'id="include_query"[^>]*checked', page) and "factura duplicada" in page
    assert idempotency_key(page) == key  # sending again can never make a second ticket
    assert csrf(page) != stale and 'aria-invalid="true"' not in page  # nothing the customer typed is wrong
    sent = send_again(support_app, client, page)
    assert sent.status_code == 303 and "/tickets/" in sent.headers["Location"]
    with support_app.app_context():
        ticket = db.session.scalar(select(Ticket))
        assert ticket.messages[0].body == MESSAGE and ticket.language == "pt-BR"
        assert ticket.customer_email == "lucia@example.org" and ticket.customer_name == 'Lucía "Lu" <Pérez>'
        assert ticket.context == {"articles": ["charged-twice"], "votes": {"charged-twice": "no"}}


@pytest.mark.wcag("2.2.1")
def test_a_form_open_for_most_of_a_day_still_sends(support_app):
    # Longer than the 20 hours after which WCAG no longer counts a time limit.
    assert support_app.config["WTF_CSRF_TIME_LIMIT"] >= 20 * 3600
    client = support_app.test_client()
    form = client.get("/en/contact").get_data(as_text=True)
    token = token_signed_ago(support_app, client, support_app.config["WTF_CSRF_TIME_LIMIT"] - 60)
    response = client.post("/en/contact", data={"csrf_token": token, "idempotency_key": idempotency_key(form),
                                                 "message": "My invoice shows the wrong address."})
    assert response.status_code == 303 and ticket_count(support_app) == 1


def _no_session(app):
    """A browser that lost its session cookie (restarted, cookies cleared) since the form was loaded."""
    client = app.test_client()
    form = client.get("/ar/contact").get_data(as_text=True)
    client.delete_cookie("session")
    return client, form, csrf(form)


def _new_session(app):
    """The session was replaced since the form was loaded (it has another token now)."""
    client = app.test_client()
    form = client.get("/ar/contact").get_data(as_text=True)
    token = csrf(form)
    with client.session_transaction() as sess:
        sess.clear()
    client.get("/ar/contact")  # another tab: a new token in the new session
    return client, form, token


def _no_token(app):
    client = app.test_client()
    form = client.get("/ar/contact").get_data(as_text=True)
    return client, form, ""


@pytest.mark.wcag("2.2.1")
@pytest.mark.parametrize("situation", [_no_session, _new_session, _no_token], ids=lambda f: f.__name__[1:])
def test_a_lost_session_also_keeps_the_message(support_app, situation):
    client, form, token = situation(support_app)
    with Commits() as commits:
        response = client.post("/ar/contact", data={"csrf_token": token, "idempotency_key": idempotency_key(form),
                                                     "message": MESSAGE, "email": "salma@example.org"})
    page = assert_form_back(support_app, response, "ar")
    assert '<html lang="ar" dir="rtl">' in page and 'value="salma@example.org"' in page
    assert commits.count == 0 and ticket_count(support_app) == 0
    assert send_again(support_app, client, page).status_code == 303  # a fresh token in a working session
    assert ticket_count(support_app) == 1


def _stale_post(app, client, path="/en/contact", **kwargs):
    form = client.get("/en/contact").get_data(as_text=True)
    token = kwargs.pop("token", None) or token_signed_ago(app, client, app.config["WTF_CSRF_TIME_LIMIT"] + 60)
    data = {"csrf_token": token, "idempotency_key": idempotency_key(form), "message": MESSAGE}
    return client.post(path, data=data, **kwargs)


def assert_plain_error(app, response):
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert localized(app, "en", GENERIC) in page
    assert "<textarea" not in page and "todavía" not in page and localized(app, "en", RESEND) not in page
    assert ticket_count(app) == 0


@pytest.mark.parametrize("headers", [
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
    {"Origin": "https://attacker.example"},
    {"Origin": "null"},
], ids=["fetch-metadata", "sibling-site", "origin", "opaque-origin"])
def test_a_stale_form_sent_from_another_site_is_never_shown_back(support_app, headers):
    # Showing a forged post's text back could get a visitor to send it, with their visit's context.
    client = support_app.test_client()
    assert_plain_error(support_app, _stale_post(support_app, client, headers=headers))


def test_a_token_that_is_not_ours_gets_the_plain_error_page(support_app):
    client = support_app.test_client()
    client.get("/en/contact")
    with client.session_transaction() as sess:
        raw = sess["csrf_token"]
    forged = URLSafeTimedSerializer("not the portal's key", salt="wtf-csrf-token").dumps(raw)
    with pytest.raises(BadSignature):
        _serializer(support_app).loads(forged)
    assert_plain_error(support_app, _stale_post(support_app, client, token=forged))


def test_an_https_post_without_a_referer_gets_the_plain_error_page(support_app):
    client = support_app.test_client()
    form = client.get("/en/contact", base_url="https://localhost").get_data(as_text=True)
    data = {"csrf_token": csrf(form), "idempotency_key": idempotency_key(form), "message": MESSAGE}
    response = client.post("/en/contact", base_url="https://localhost", data=data)
    assert_plain_error(support_app, response)


def test_other_support_forms_keep_the_plain_error_page(support_app):
    client = support_app.test_client()
    form = client.get("/en/contact").get_data(as_text=True)
    created = client.post("/en/contact", data={"csrf_token": csrf(form), "idempotency_key": idempotency_key(form),
                                               "message": "My invoice shows the wrong address."})
    status_page = created.headers["Location"].split("?")[0]
    reply = _stale_post(support_app, client, path=status_page + "/reply")
    assert reply.status_code == 400 and localized(support_app, "en", GENERIC) in reply.get_data(as_text=True)
    with support_app.app_context():
        assert len(db.session.scalar(select(Ticket)).messages) == 1
