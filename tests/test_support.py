"""Escalation: the contact form with context, tickets, status pages, API, notifications."""
import hashlib
import hmac
import json
import logging
import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.db import db, utcnow
from portal.jobs import claim_next, run_pending
from portal.jobs.models import Job
from portal.support.models import Ticket
from tests.conftest import ticket_count
from tests.support.mail import smtp_server
from tests.support.web import csrf
from tests.support.webhook import webhook_receiver


def form_fields(html: str) -> dict:
    return {
        "csrf_token": csrf(html),
        "idempotency_key": re.search(r'name="idempotency_key" value="([^"]+)"', html).group(1),
    }


def test_contact_form_offers_the_visit_context_and_the_customer_can_remove_it(support_app):
    client = support_app.test_client()
    client.get("/es/search?q=factura duplicada")
    client.get("/es/articles/charged-twice")
    client.get("/es/articles/charged-twice")  # served from memory: still remembered in the visit
    client.post("/es/articles/charged-twice/feedback", data={"helpful": "no"})
    html = client.get("/es/contact").get_data(as_text=True)
    assert "factura duplicada" in html and 'id="include_query"' in html
    assert 'id="include_articles"' in html and 'id="include_votes"' in html
    fields = form_fields(html)
    response = client.post("/es/contact", data={**fields, "message": "Me cobraron dos veces este mes.",
                                                 "include_articles": "1", "include_votes": "1"})
    assert response.status_code == 303
    with support_app.app_context():
        ticket = db.session.scalar(select(Ticket))
        assert ticket.context == {"articles": ["charged-twice"], "votes": {"charged-twice": "no"}}  # query removed
        assert ticket.language == "es" and ticket.messages[0].body == "Me cobraron dos veces este mes."


def test_a_reader_who_never_searched_gets_no_cookie_and_the_contact_link_names_the_article(support_app):
    client = support_app.test_client()
    page = client.get("/es/articles/charged-twice")
    assert "Set-Cookie" not in page.headers
    link = re.search(r'href="(/es/contact\?article=charged-twice)"', page.get_data(as_text=True)).group(1)
    html = client.get(link).get_data(as_text=True)
    assert 'id="include_articles"' in html and 'name="context_article" value="charged-twice"' in html
    response = client.post("/es/contact", data={**form_fields(html), "message": "Me cobraron dos veces.",
                                                "context_article": "charged-twice", "include_articles": "1"})
    assert response.status_code == 303
    with support_app.app_context():
        assert db.session.scalar(select(Ticket)).context == {"articles": ["charged-twice"]}
    # An article that does not exist is never offered nor kept.
    assert 'id="include_articles"' not in client.get("/es/contact?article=no-such-article").get_data(as_text=True)


@pytest.mark.wcag("3.3.1", "3.3.3", "3.3.7")
def test_bad_input_gets_field_errors_keeps_the_message_and_creates_nothing(support_app):
    client = support_app.test_client()
    fields = form_fields(client.get("/ar/contact").get_data(as_text=True))
    response = client.post("/ar/contact", data={**fields, "message": "", "email": "not-an-email", "name": "Salma"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'role="alert"' in html and 'href="#message"' in html and 'href="#email"' in html
    assert 'aria-describedby="message-error message-hint"' in html and 'aria-invalid="true"' in html
    assert 'id="email-error"' in html and 'value="Salma"' in html and 'value="not-an-email"' in html
    assert "name@example.com" in html  # the email error shows what an address looks like
    assert '<html lang="ar" dir="rtl">' in html
    assert ticket_count(support_app) == 0


def test_double_submit_and_refresh_create_one_ticket(support_app):
    client = support_app.test_client()
    fields = form_fields(client.get("/en/contact").get_data(as_text=True))
    data = {**fields, "message": "My invoice shows the wrong address.", "email": "ana@example.org"}
    first = client.post("/en/contact", data=data)
    second = client.post("/en/contact", data=data)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert ticket_count(support_app) == 1
    page = client.get(first.headers["Location"]).get_data(as_text=True)
    assert "Your request was sent." in page and re.search(r"HD-[A-Z2-9]{4}-[A-Z2-9]{4}", page)


def test_honeypot_and_csrf(support_app):
    client = support_app.test_client()
    fields = form_fields(client.get("/en/contact").get_data(as_text=True))
    bot = client.post("/en/contact", data={**fields, "message": "Buy cheap things now", "website": "http://spam"})
    assert bot.status_code == 303 and "/contact/received" in bot.headers["Location"]
    forged = client.post("/en/contact", data={"message": "no token here please"})
    assert forged.status_code == 400
    assert ticket_count(support_app) == 0


def create_via_api(client, **body):
    body.setdefault("message", "I cannot log in since yesterday, please help urgently.")
    return client.post("/api/v1/tickets", json=body)


def test_status_page_conversation_reply_and_close(support_app):
    client = support_app.test_client()
    created = create_via_api(client, language="es", message="No puedo entrar en mi cuenta.").get_json()
    token = created["token"]
    assert created["status_url"].endswith(f"/es/tickets/{token}")
    page = client.get(f"/es/tickets/{token}")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert "No puedo entrar en mi cuenta." in html and 'noindex' in html
    reply = client.post(f"/es/tickets/{token}/reply", data={"csrf_token": csrf(html), "message": "Sigo sin poder."})
    assert reply.status_code == 303, reply.get_data(as_text=True)[-3000:]
    closed = client.post(f"/es/tickets/{token}/close", data={"csrf_token": csrf(html)})
    assert closed.status_code == 303
    with support_app.app_context():
        ticket = db.session.scalar(select(Ticket))
        assert ticket.status == "solved" and len(ticket.messages) == 2
        assert [e.action for e in ticket.events] == ["created", "proposed", "replied", "status_changed"]


def test_tokens_are_unguessable_and_never_show_another_ticket(support_app):
    client = support_app.test_client()
    mine = create_via_api(client, message="first customer message").get_json()
    theirs = create_via_api(client, message="second customer message").get_json()
    assert len(mine["token"]) >= 43 and mine["token"] != theirs["token"]
    page = client.get(f"/en/tickets/{mine['token']}").get_data(as_text=True)
    assert "first customer message" in page and "second customer message" not in page
    for guess in (mine["token"][:-1] + ("A" if mine["token"][-1] != "A" else "B"), "x", "0" * 43, mine["reference"],
                  str(mine["id"]), mine["token"].upper()):
        assert client.get(f"/en/tickets/{guess}").status_code == 404
        assert client.get(f"/api/v1/tickets/{guess}").status_code == 404
    with support_app.app_context():
        stored = " ".join(str(v) for v in db.session.execute(select(Ticket.__table__)).all())
    assert mine["token"] not in stored  # only a hash and a salt are stored


def test_tokens_never_reach_the_logs(support_app):
    """The access-log line werkzeug writes for a status page has the token redacted."""
    from portal.web import install_log_redaction

    class Collect(logging.Handler):
        lines: list[str] = []

        def emit(self, record):
            self.lines.append(self.format(record))

    install_log_redaction()
    token = create_via_api(support_app.test_client()).get_json()["token"]
    logger, handler = logging.getLogger("werkzeug"), Collect()
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        logger.info('127.0.0.1 - - "%s %s %s" %s', "GET", f"/en/tickets/{token}", "HTTP/1.1", 200)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)
    text = "\n".join(handler.lines)
    assert "/en/tickets/[redacted]" in text and token not in text


def test_api_validation_idempotency_and_messages(support_app):
    client = support_app.test_client()
    bad = client.post("/api/v1/tickets", json={"message": "", "email": "nope"})
    assert bad.status_code == 422
    error = bad.get_json()["error"]
    assert error["code"] == "invalid" and set(error["fields"]) == {"message", "email"}
    assert client.post("/api/v1/tickets", data="not json").get_json()["error"]["code"] == "bad_json"
    first = client.post(
        "/api/v1/tickets", json={"message": "Hello, my plan is wrong."}, headers={"Idempotency-Key": "abc-1"}
    )
    again = client.post(
        "/api/v1/tickets", json={"message": "Hello, my plan is wrong."}, headers={"Idempotency-Key": "abc-1"}
    )
    assert first.status_code == 201 and again.status_code == 200
    assert first.get_json() == again.get_json()
    token = first.get_json()["token"]
    added = client.post(f"/api/v1/tickets/{token}/messages", json={"message": "More details."})
    assert added.status_code == 201
    conversation = client.get(f"/api/v1/tickets/{token}").get_json()
    assert [m["text"] for m in conversation["messages"]] == ["Hello, my plan is wrong.", "More details."]
    assert client.get("/api/v1/tickets/unknown").get_json()["error"]["code"] == "not_found"


def test_concurrent_submissions_create_exactly_one_ticket_each(make_any_app):
    from tests.conftest import SUPPORT_SETTINGS

    app = make_any_app(**SUPPORT_SETTINGS)  # SQLite and PostgreSQL
    errors = []

    def submit(offset):
        client = app.test_client()
        for n in range(25):
            response = client.post("/api/v1/tickets", json={"message": f"Concurrent request number {offset}-{n}"},
                                   headers={"Idempotency-Key": f"k-{offset}-{n}"})
            if response.status_code != 201:
                errors.append(response.status_code)

    threads = [threading.Thread(target=submit, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert ticket_count(app) == 200


def test_emails_arrive_in_the_customers_language_with_the_status_link(make_app):
    with smtp_server() as (host, port, inbox):
        app = make_app(languages=("en", "es"), translation_engines=(), smtp_host=host, smtp_port=port,
                       public_url="https://help.example.org")
        client = app.test_client()
        created = create_via_api(client, language="es", email="lucia@example.org",
                                 message="Necesito ayuda con mi factura.").get_json()
        with app.app_context():
            run_pending(db.session)
        assert len(inbox) == 1
        mail = inbox[0]
        assert mail["To"] == "lucia@example.org" and created["reference"] in mail["Subject"]
        assert mail["Content-Language"] == "es"
        body = mail.get_content()
        assert f"https://help.example.org/es/tickets/{created['token']}" in body


def test_a_crashed_worker_does_not_lose_notifications(make_any_app):
    with smtp_server() as (host, port, inbox):
        app = make_any_app(languages=("en",), translation_engines=(), smtp_host=host, smtp_port=port)
        create_via_api(app.test_client(), email="sam@example.org")
        with app.app_context():
            job = claim_next(db.session, kinds={"send_ticket_email"}, worker="worker-that-dies")
            assert job is not None and inbox == []
            # The worker died mid-job: nothing finishes it until its lease expires.
            assert run_pending(db.session, kinds={"send_ticket_email"}) == 0
            db.session.get(Job, job.id).locked_at = utcnow() - timedelta(hours=1)
            db.session.commit()
            assert run_pending(db.session, kinds={"send_ticket_email"}) == 1
        assert len(inbox) == 1 and inbox[0]["To"] == "sam@example.org"


def test_webhooks_are_signed_and_retried_without_losing_anything(make_app):
    with webhook_receiver(fail_first=1) as (url, received):
        app = make_app(languages=("en",), translation_engines=(), webhook_url=url, webhook_secret="s3cret")
        created = create_via_api(app.test_client(), message="Webhook please, this is a test.").get_json()
        with app.app_context():
            run_pending(db.session, kinds={"send_webhook"})
            job = db.session.scalar(select(Job).where(Job.kind == "send_webhook"))
            assert job.status == "queued" and "500" in job.last_error and received == []
            assert db.session.scalar(select(func.count(Ticket.id))) == 1  # the ticket is safe
            job.run_at = utcnow() - timedelta(seconds=1)
            db.session.commit()
            run_pending(db.session, kinds={"send_webhook"})
        assert len(received) == 1
        headers, body = received[0]
        expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
        assert headers["X-Portal-Signature-256"] == expected and headers["X-Portal-Event"] == "ticket.created"
        payload = json.loads(body)
        assert payload["ticket"]["reference"] == created["reference"]
        assert payload["message"] if "message" in payload else True


def test_urgent_messages_get_priority_and_an_earlier_due_time(support_app):
    client = support_app.test_client()
    calm = create_via_api(client, message="How do I change the email address on my profile?").get_json()
    angry = create_via_api(
        client, message="You charged me twice!!! I will call my lawyer if this is not fixed today."
    ).get_json()
    with support_app.app_context():
        calm_ticket, angry_ticket = db.session.get(Ticket, calm["id"]), db.session.get(Ticket, angry["id"])
        assert angry_ticket.priority < calm_ticket.priority and angry_ticket.due_at < calm_ticket.due_at
        assert angry_ticket.urgency in ("urgent", "high") and angry_ticket.triage_reasons
        from portal.support.service import inbox

        assert inbox(db.session, status="active")[0].id == angry_ticket.id
