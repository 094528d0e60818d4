"""Ticket routing (issue 15, item 4): agents' languages and topics, proposals balanced by open load,
the reasons shown on the desk, the "my languages" and "my queue" filters, and escalation of overdue
tickets to an admin, exactly once."""
from __future__ import annotations

import shutil

import pytest
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.accounts.service import create_user
from portal.cli import main
from portal.db import db
from portal.jobs import enqueue, run_pending
from portal.jobs.models import DONE, Job
from portal.support.models import Ticket
from portal.support.routing import ESCALATE, known_topics
from tests.conftest import SUPPORT_SETTINGS, app_on
from tests.support import web
from tests.support.mail import smtp_server
from tests.support.web import csrf

PASSWORD = "a long staff password 42"
ROUTING_SETTINGS = {**SUPPORT_SETTINGS, "languages": ("en", "ja", "es", "pt-BR", "ar"), "embeddings": "none"}


@pytest.fixture
def kb_app(tmp_path, support_template):
    """The shipped knowledge base (its categories are the topics), Japanese enabled."""
    def factory(**overrides):
        data_dir = tmp_path / f"kb{len(list(tmp_path.iterdir()))}"
        shutil.copytree(support_template, data_dir)
        return app_on(data_dir, **{**ROUTING_SETTINGS, **overrides})
    return factory


def staff(app, email, name, roles=("agent",), language="en", languages=(), topics=()):
    with app.app_context():
        user = create_user(db.session, email, name, PASSWORD, list(roles), language, languages, topics,
                           known_topics(db.session))
        return user.id


def api_ticket(app, message, language="en", **extra) -> dict:
    response = app.test_client().post("/api/v1/tickets", json={"message": message, "language": language, **extra})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def ticket_row(app, ticket_id) -> Ticket:
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        db.session.expunge(ticket)
        return ticket


def signed_in(app, email):
    client = app.test_client()
    web.sign_in(client, email, PASSWORD)
    return client


def test_a_japanese_billing_ticket_is_proposed_to_the_japanese_reading_billing_agent(kb_app):
    app = kb_app()
    staff(app, "ken@example.org", "Ken", language="ja", languages=["ja", "en"], topics=["account"])
    yui = staff(app, "yui@example.org", "Yui", language="en", languages=["en", "ja"], topics=["billing"])
    staff(app, "bill@example.org", "Bill", languages=["en"], topics=["billing"])
    staff(app, "ann@example.org", "Ann Admin", roles=("admin",))
    # The customer writes through the real contact form, in Japanese; real triage finds "二重請求" (money).
    customer = app.test_client()
    form = customer.get("/ja/contact").get_data(as_text=True)
    sent = customer.post("/ja/contact", data={"csrf_token": csrf(form), "language": "ja",
                                              "message": "今月の料金が二重請求されています。確認をお願いします。"})
    assert sent.status_code == 303
    with app.app_context():
        ticket = db.session.scalars(select(Ticket)).one()
        assert (ticket.language, ticket.topic, ticket.proposed_to_id, ticket.assigned_to_id) == ("ja", "billing", yui,
                                                                                              None)
        record = ticket.routing
        assert record["topic_from"] == "words" and record["cue"] == "money" and record["fallback"] == ""
        assert [(c["name"], c["reads"], c["fit"]) for c in record["candidates"]] == [
            ("Yui", True, "covers"), ("Ken", True, "other"), ("Bill", False, "covers"), ("Ann Admin", False, "any")]
        ticket_id = ticket.id
    # The desk shows why, in the reader's language, and the proposed agent's queue holds it.
    page = signed_in(app, "yui@example.org").get(f"/desk/tickets/{ticket_id}").get_data(as_text=True)
    assert "Proposed to Yui." in page and "Topic: Billing and plans, from the customer's words." in page
    assert "Reads Japanese" in page and "Covers this topic" in page and "Take this request" in page
    ken = signed_in(app, "ken@example.org")
    japanese = ken.get(f"/desk/tickets/{ticket_id}").get_data(as_text=True)
    assert "振り分け" in japanese and "このトピックを担当" in japanese  # "Routing", "Covers this topic" in Japanese
    assert "Yui" in signed_in(app, "yui@example.org").get("/desk/?assigned=queue").get_data(as_text=True)
    assert ticket.reference not in ken.get("/desk/?assigned=queue").get_data(as_text=True)


def test_without_a_cue_the_topic_comes_from_the_articles_read(kb_app):
    app = kb_app()
    account = staff(app, "acc@example.org", "Acc", topics=["account"])
    billing = staff(app, "bil@example.org", "Bil", topics=["billing"])
    read_billing = api_ticket(app, "I have a question about a line on my statement.",
                              context={"articles": ["reset-your-password", "find-your-invoices"]})
    read_account = api_ticket(app, "I have a question about a line on my statement.",
                              context={"articles": ["find-your-invoices", "update-your-profile"]})
    first, second = ticket_row(app, read_billing["id"]), ticket_row(app, read_account["id"])
    assert (first.topic, first.routing["topic_from"], first.routing["article"]) == ("billing", "articles",
                                                                                    "find-your-invoices")
    assert (first.proposed_to_id, second.topic, second.proposed_to_id) == (billing, "account", account)


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_equal_agents_share_new_tickets_by_open_load(database, make_app, request):
    overrides = {"database_url": request.getfixturevalue("postgres_database")} if database == "postgresql" else {}
    app = make_app(languages=("en", "es"), translation_engines=(), embeddings="none",
                   rate_limit_public_writes="1000 per minute", **overrides)
    if database == "postgresql":
        from flask_migrate import upgrade

        with app.app_context():
            upgrade()
    first = staff(app, "a@example.org", "Aya")
    second = staff(app, "b@example.org", "Ben")
    proposed = [ticket_row(app, api_ticket(app, f"Question number {n} about my plan.")["id"]).proposed_to_id
                for n in range(4)]
    assert proposed == [first, second, first, second]  # equal fit and load: the lowest id, then the lighter queue
    tickets = [ticket_row(app, n) for n in (1, 2)]
    assert [c["load"] for c in tickets[1].routing["candidates"]] == [0, 1]  # Ben had none open, Aya one
    # Aya takes a ticket of Ben's: her load grows, so the next one is Ben's.
    client = signed_in(app, "a@example.org")
    page = client.get("/desk/tickets/2").get_data(as_text=True)
    assert client.post("/desk/tickets/2/assign", data={"csrf_token": csrf(page), "assignee": first}).status_code == 303
    assert ticket_row(app, api_ticket(app, "One more question about my plan.")["id"]).proposed_to_id == second


def test_no_fitting_agent_falls_back_and_says_why(kb_app):
    app = kb_app()
    nobody = api_ticket(app, "I need help with my account settings.")
    row = ticket_row(app, nobody["id"])
    assert (row.proposed_to_id, row.routing["fallback"], row.routing["candidates"]) == (None, "no_agent", [])
    english = staff(app, "en@example.org", "Eli", languages=["en"], topics=["account"])
    japanese = api_ticket(app, "アカウントの設定について質問があります。", language="ja")
    row = ticket_row(app, japanese["id"])
    assert (row.proposed_to_id, row.routing["fallback"]) == (english, "no_reader")
    client = signed_in(app, "en@example.org")
    page = client.get(f"/desk/tickets/{japanese['id']}").get_data(as_text=True)
    assert "Nobody reads Japanese" in page and "Use the machine translation" in page
    assert "No topic: neither the customer" in page
    page = client.get(f"/desk/tickets/{nobody['id']}").get_data(as_text=True)
    assert "Not proposed to anyone: there is no active agent." in page


def test_the_cli_sets_languages_and_topics_and_refuses_bad_values(kb_app):
    app = kb_app()
    runner = app.test_cli_runner()
    base = ["users", "create", "--email", "cli@example.org", "--name", "Cli", "--role", "agent", "--password-stdin"]
    bad_language = runner.invoke(main, args=[*base, "--languages", "ja,xx"], input=PASSWORD + "\n")
    assert bad_language.exit_code == 1 and "Unknown language 'xx'" in bad_language.output
    assert "ja, es" in bad_language.output  # the enabled ones are listed
    bad_topic = runner.invoke(main, args=[*base, "--topics", "billing,refunds"], input=PASSWORD + "\n")
    assert bad_topic.exit_code == 1 and "Unknown topic 'refunds'" in bad_topic.output and "sign-in" in bad_topic.output
    created = runner.invoke(main, args=[*base, "--languages", "JA, en", "--topics", "billing"], input=PASSWORD + "\n")
    assert created.exit_code == 0 and "reads: ja, en; topics: billing" in created.output, created.output
    update = ["users", "update", "cli@example.org"]
    assert runner.invoke(main, args=update).exit_code == 2  # nothing to change: a usage error
    assert runner.invoke(main, args=["users", "update", "who@example.org", "--topics", "billing"]).exit_code == 1
    refused = runner.invoke(main, args=[*update, "--languages", "es", "--topics", "nope"])
    assert refused.exit_code == 1 and "Unknown topic 'nope'" in refused.output
    changed = runner.invoke(main, args=[*update, "--topics", "account,sign-in"])
    assert changed.exit_code == 0 and "reads: ja, en; topics: account, sign-in" in changed.output
    cleared = runner.invoke(main, args=[*update, "--languages", ""])
    assert cleared.exit_code == 0 and "reads: en (desk language)" in cleared.output
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email == "cli@example.org")).one()
        assert (user.languages, user.topics) == ([], ["account", "sign-in"])  # the refused update changed nothing


def test_only_admins_edit_agents_and_the_form_checks_what_it_gets(kb_app):
    app = kb_app()
    agent = staff(app, "agent@example.org", "Alex")
    staff(app, "admin@example.org", "Ada", roles=("admin",), language="ja")
    plain = signed_in(app, "agent@example.org")
    assert plain.get("/desk/agents/").status_code == 403
    assert plain.get(f"/desk/agents/{agent}").status_code == 403
    token = csrf(plain.get("/desk/").get_data(as_text=True))
    assert plain.post(f"/desk/agents/{agent}", data={"csrf_token": token, "languages": "ja"}).status_code == 403
    admin = signed_in(app, "admin@example.org")
    assert admin.get("/desk/agents/99999999999999999999").status_code == 404  # beyond a database integer
    assert admin.get("/desk/agents/4").status_code == 404  # no such account
    form = admin.get(f"/desk/agents/{agent}").get_data(as_text=True)
    assert '<legend id="languages-legend"' in form and 'name="topics" value="billing"' in form
    assert admin.post(f"/desk/agents/{agent}", data={"languages": "ja"}).status_code == 400  # no CSRF token
    forged = admin.post(f"/desk/agents/{agent}", data={"csrf_token": csrf(form), "languages": ["ja", "xx"],
                                                        "topics": ["billing"]})
    page = forged.get_data(as_text=True)
    assert forged.status_code == 400 and 'id="error-summary"' in page and 'aria-describedby="skills-error"' in page
    assert 'value="ja" checked' in page  # what was ticked comes back ticked
    with app.app_context():
        assert db.session.get(User, agent).languages == []
    saved = admin.post(f"/desk/agents/{agent}", data={"csrf_token": csrf(form), "languages": ["ja", "en"],
                                                       "topics": ["billing", "account"]})
    assert saved.status_code == 303
    listing = admin.get(saved.headers["Location"]).get_data(as_text=True)
    assert 'role="status"' in listing and "日本語" in listing  # Ada's desk is in Japanese
    with app.app_context():
        user = db.session.get(User, agent)
        assert (user.languages, user.topics) == (["ja", "en"], ["billing", "account"])


def test_my_languages_keeps_urgency_order(kb_app):
    app = kb_app()
    staff(app, "es@example.org", "Sol", languages=["es", "pt-BR"])
    calm = api_ticket(app, "Tengo una pregunta sobre mi plan.", language="es")
    urgent = api_ticket(app, "¡Me han hackeado la cuenta! Es urgente.", language="es")
    brazil = api_ticket(app, "Tenho uma dúvida sobre a minha fatura.", language="pt-BR")
    other = api_ticket(app, "A question about my plan.", language="en")
    page = signed_in(app, "es@example.org").get("/desk/?language=mine").get_data(as_text=True)
    refs = [t["reference"] for t in (urgent, calm, brazil, other)]
    positions = [page.find(ref) for ref in refs]
    assert positions[3] == -1 and -1 not in positions[:3]
    assert positions[0] < min(positions[1:3])  # the urgent one first
    assert '<option value="mine" selected>' in page


def test_an_unassigned_overdue_ticket_is_escalated_to_an_admin_once(kb_app):
    with smtp_server() as (host, port, inbox):
        app = kb_app(smtp_host=host, smtp_port=port, sla_hours={"low": 0, "normal": 0, "high": 0, "urgent": 0})
        staff(app, "agent@example.org", "Alex")
        admin = staff(app, "admin@example.org", "Ada", roles=("admin",), language="es")
        taken = api_ticket(app, "A question about my plan, please.")
        overdue = api_ticket(app, "Another question about my plan, please.")
        client = signed_in(app, "agent@example.org")
        page = client.get(f"/desk/tickets/{taken['id']}").get_data(as_text=True)
        client.post(f"/desk/tickets/{taken['id']}/assign", data={"csrf_token": csrf(page), "assignee": 1})
        with app.app_context():
            run_pending(db.session)
            # Re-triage (the message job) moved nothing into failure: every job ran.
            assert db.session.scalar(select(func.count(Job.id)).where(Job.status != DONE)) == 0
            # A second look (a duplicate job, a retry) changes nothing.
            enqueue(db.session, ESCALATE, {"ticket_id": overdue["id"]})
            db.session.commit()
            run_pending(db.session)
        escalations = [m for m in inbox if m["To"] == "admin@example.org"]
        assert len(escalations) == 1 and overdue["reference"] in escalations[0]["Subject"]
        assert escalations[0]["Content-Language"] == "es"
        assert f"/desk/tickets/{overdue['id']}" in escalations[0].get_content()
        assert ticket_row(app, taken["id"]).escalated_at is None
        row = ticket_row(app, overdue["id"])
        assert row.escalated_at is not None and row.routing["escalated_to"] == admin
        listing = client.get("/desk/").get_data(as_text=True)
        assert listing.count("Escalated") == 1
        assert "Escalated to an admin (Ada)" in client.get(f"/desk/tickets/{overdue['id']}").get_data(as_text=True)


def test_the_escalation_check_follows_the_due_time_when_the_message_is_processed(kb_app):
    app = kb_app()
    opened = api_ticket(app, "Hello, a question about my plan.")
    with app.app_context():
        check = db.session.scalars(select(Job).where(Job.kind == ESCALATE)).one()
        check.run_at = check.run_at.replace(year=2099)  # made for another due time
        db.session.commit()
        assert run_pending(db.session, kinds={"process_customer_message"}) == 1
        db.session.expire_all()
        jobs = {job.kind: job for job in db.session.scalars(select(Job))}
        assert jobs["process_customer_message"].status == DONE  # re-triage and re-scheduling did not fail
        ticket = db.session.get(Ticket, opened["id"])
        waiting = jobs[ESCALATE]
        assert waiting.status != DONE and abs((waiting.run_at - ticket.due_at).total_seconds()) < 5
