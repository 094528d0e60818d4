"""The agent desk: sign-in, inbox, translated messages, reviewed replies, notes, audit, permissions."""
import re

import pytest
from sqlalchemy import select

from portal.accounts import create_user
from portal.db import db
from portal.jobs import run_pending
from portal.services import services
from portal.support.models import Ticket
from portal.translation.engines.bergamot import BergamotEngine
from portal.translation.service import TranslationService
from tests.support import web
from tests.support.mail import smtp_server
from tests.support.web import csrf

PASSWORD = "correct horse battery staple"


def sign_in(client, email):
    web.sign_in(client, email, PASSWORD)


@pytest.fixture
def desk(make_app):
    app = make_app(languages=("en", "es", "pt-BR", "de"), translation_engines=("bergamot",),
                   rate_limit_public_writes="1000 per minute")
    services(app).provide(translation=TranslationService([BergamotEngine()]))
    with app.app_context():
        create_user(db.session, "agent@example.org", "Alex Agent", PASSWORD, ["agent"], "en")
        create_user(db.session, "writer@example.org", "Wren Writer", PASSWORD, ["writer"], "en")
        create_user(db.session, "agente@example.org", "Ana Agente", PASSWORD, ["agent"], "de")
        db.session.commit()
    return app


def new_ticket(app, message, language="pt-BR", **extra):
    created = app.test_client().post("/api/v1/tickets", json={"message": message, "language": language, **extra})
    assert created.status_code == 201
    with app.app_context():
        run_pending(db.session, kinds={"process_customer_message"})
    return created.get_json()


def test_desk_requires_an_agent(desk):
    client = desk.test_client()
    assert client.get("/desk/").status_code == 302  # to sign-in
    sign_in(client, "writer@example.org")
    assert client.get("/desk/").status_code == 403
    ticket = new_ticket(desk, "Preciso de ajuda com a minha fatura.")
    page = client.get("/en/contact").get_data(as_text=True)  # any page of this session has a valid token
    forged = client.post(f"/desk/tickets/{ticket['id']}/status", data={"csrf_token": csrf(page), "status": "solved"})
    assert forged.status_code == 403
    with desk.app_context():
        assert db.session.get(Ticket, ticket["id"]).status == "new"


def test_round_trip_with_translation_both_ways(desk):
    with smtp_server() as (host, port, inbox):
        desk.config["SETTINGS"] = type(desk.config["SETTINGS"])(**{**desk.config["SETTINGS"].__dict__,
                                                                   "smtp_host": host, "smtp_port": port})
        ticket = new_ticket(desk, "Fui cobrado duas vezes pela mesma assinatura. Por favor, me ajudem.",
                            email="joana@example.org", context={"query": "cobrança duplicada", "query_lang": "pt-BR"})
        agent = desk.test_client()
        sign_in(agent, "agent@example.org")
        inbox_html = agent.get("/desk/?language=pt-BR").get_data(as_text=True)
        assert ticket["reference"] in inbox_html and "<caption" in inbox_html
        view = agent.get(f"/desk/tickets/{ticket['id']}").get_data(as_text=True)
        assert "Fui cobrado duas vezes" in view  # the original, labelled
        assert re.search(r"(?i)charged.*twice|twice", view)  # the machine translation into English
        assert "cobrança duplicada" in view  # the context captured at submission
        token = csrf(view)
        preview = agent.post(
            f"/desk/tickets/{ticket['id']}/preview",
            data={"csrf_token": token, "body": "We refunded the second charge today.", "reply_lang": "en"},
        )
        html = preview.get_data(as_text=True)
        translation = re.search(r'<textarea id="translation"[^>]*>([^<]+)</textarea>', html).group(1)
        assert re.search(r"(?i)reembols|cobran", translation), translation
        sent = agent.post(f"/desk/tickets/{ticket['id']}/reply", data={
            "csrf_token": token, "body": "We refunded the second charge today.", "reply_lang": "en",
            "translation": translation, "engine": "bergamot"})
        assert sent.status_code == 303
        with desk.app_context():
            run_pending(db.session)
        status = desk.test_client().get(f"/pt-BR/tickets/{ticket['token']}").get_data(as_text=True)
        assert translation in status and "We refunded the second charge today." in status  # original one click away
        assert status.index(translation) < status.index("We refunded the second charge today.")
        subjects = [m["Subject"] for m in inbox]
        assert len(inbox) == 2 and all(ticket["reference"] in s for s in subjects)
        assert all(m["Content-Language"] == "pt-BR" for m in inbox)
        assert translation in inbox[1].get_content() and ticket["token"] in inbox[1].get_content()
        with desk.app_context():
            stored = db.session.get(Ticket, ticket["id"])
            assert stored.status == "waiting"
            assert [e.action for e in stored.events][:4] == ["created", "proposed", "replied", "status_changed"]


def test_no_engine_for_the_pair_is_said_before_sending(desk):
    ticket = new_ticket(desk, "Ich kann mich nicht anmelden.", language="de")
    agent = desk.test_client()
    sign_in(agent, "agent@example.org")
    view = agent.get(f"/desk/tickets/{ticket['id']}").get_data(as_text=True)
    preview = agent.post(f"/desk/tickets/{ticket['id']}/preview",
                         data={"csrf_token": csrf(view), "body": "Please reset your password.", "reply_lang": "en"})
    html = preview.get_data(as_text=True)
    assert 'role="alert"' in html and 'id="translation"' not in html
    # Sending an untranslated reply the customer cannot read is refused.
    refused = agent.post(f"/desk/tickets/{ticket['id']}/reply",
                         data={"csrf_token": csrf(view), "body": "Please reset your password.", "reply_lang": "en"})
    assert refused.status_code == 400
    # Replying in the customer's own language works without translation.
    sent = agent.post(
        f"/desk/tickets/{ticket['id']}/reply",
        data={"csrf_token": csrf(view), "body": "Bitte setzen Sie Ihr Passwort zurück.", "reply_lang": "de"},
    )
    assert sent.status_code == 303


def test_notes_assignment_status_and_filters(desk):
    ticket = new_ticket(desk, "Where can I download my invoices?", language="en")
    agent = desk.test_client()
    sign_in(agent, "agent@example.org")
    token = csrf(agent.get(f"/desk/tickets/{ticket['id']}").get_data(as_text=True))
    with desk.app_context():
        me = db.session.scalar(select(Ticket)).id
    agent.post(
        f"/desk/tickets/{ticket['id']}/note", data={"csrf_token": token, "note": "Customer is on the yearly plan."}
    )
    agent.post(f"/desk/tickets/{ticket['id']}/assign", data={"csrf_token": token, "assignee": "1"})
    agent.post(f"/desk/tickets/{ticket['id']}/status", data={"csrf_token": token, "status": "solved"})
    assert ticket["reference"] in agent.get("/desk/?status=solved&assigned=me").get_data(as_text=True)
    assert ticket["reference"] not in agent.get("/desk/?assigned=none").get_data(as_text=True)
    customer_view = desk.test_client().get(f"/en/tickets/{ticket['token']}").get_data(as_text=True)
    assert "yearly plan" not in customer_view  # internal notes never reach the customer
    with desk.app_context():
        stored = db.session.get(Ticket, me)
        assert [e.action for e in stored.events] == ["created", "proposed", "note_added", "assigned",
                                                     "status_changed"]
        assert stored.status == "solved" and stored.assigned_to_id == 1


def test_agent_in_german_reads_german(desk):
    ticket = new_ticket(desk, "Thank you, the article solved it.", language="en")
    agent = desk.test_client()
    sign_in(agent, "agente@example.org")
    html = agent.get(f"/desk/tickets/{ticket['id']}").get_data(as_text=True)
    assert '<html lang="de" dir="ltr">' in html
