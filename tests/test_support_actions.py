"""Support use cases: each is one commit with the jobs it causes, the same whichever door it came through."""
from __future__ import annotations

import re
from collections import Counter

import pytest
from sqlalchemy import func, select

from portal.accounts.service import create_user
from portal.db import db
from portal.jobs.models import Job
from portal.support import actions
from portal.support.jobs import PROCESS_MESSAGE
from portal.support.models import OPEN, SOLVED, WAITING, Ticket
from portal.support.routing import ESCALATE
from portal.support.service import NewTicket, ValidationFailed
from tests.conftest import Commits
from tests.support.web import csrf

MESSAGE = "I was charged twice for my subscription this month."


@pytest.fixture
def app(make_app):
    return make_app(languages=("en", "es"), translation_engines=(), embeddings="none",
                    webhook_url="http://127.0.0.1:9/hook", rate_limit_public_writes="1000 per minute")


def _jobs() -> Counter[str]:
    db.session.expire_all()
    return Counter(db.session.scalars(select(Job.kind)))


def _new(message: str = MESSAGE, **fields) -> NewTicket:
    return NewTicket(message=message, language=fields.pop("language", "en"), email="ana@example.org",
                     name="Ana", **fields)


def test_opening_a_ticket_is_one_commit_with_its_mail_webhook_and_processing(app):
    with app.app_context():
        with Commits() as commits:
            ticket, token, created = actions.open_ticket(db.session, _new(idempotency_key="k1"))
        assert created and commits.count == 1
        # The escalation check runs at the ticket's due time (portal.support.routing).
        assert _jobs() == {"send_ticket_email": 1, "send_webhook": 1, PROCESS_MESSAGE: 1, ESCALATE: 1}
        assert actions.ticket_for_token(db.session, token).id == ticket.id
        again, again_token, created_again = actions.open_ticket(db.session, _new(idempotency_key="k1"))
        assert (again.id, again_token, created_again) == (ticket.id, token, False)
        assert _jobs() == {"send_ticket_email": 1, "send_webhook": 1, PROCESS_MESSAGE: 1,
                           ESCALATE: 1}  # nothing sent twice


def test_a_refused_ticket_writes_nothing(app):
    with app.app_context():
        with pytest.raises(ValidationFailed) as refused:
            actions.open_ticket(db.session, _new(message=""))
        assert refused.value.errors == {"message": "message_required"}
        db.session.rollback()
        assert db.session.scalar(select(func.count(Ticket.id))) == 0 and _jobs() == {}


def test_the_conversation_use_cases_commit_once_with_their_notifications(app):
    with app.app_context():
        agent = create_user(db.session, "alex@example.org", "Alex Agent", "a long enough passphrase", ["agent"], "es")
        ticket, _, _ = actions.open_ticket(db.session, _new())
        before = _jobs()
        with Commits() as commits:
            actions.send_agent_reply(db.session, ticket, agent, "Lo reviso ahora.", "es",
                                     "I am looking at it now.", "reviewed")
        assert commits.count == 1 and ticket.status == WAITING
        assert _jobs() - before == {"send_ticket_email": 1, "send_webhook": 1}
        before = _jobs()
        with Commits() as commits:
            actions.add_customer_reply(db.session, ticket, "Still charged twice.")
        assert commits.count == 1 and ticket.status == OPEN
        assert _jobs() - before == {"send_webhook": 1, PROCESS_MESSAGE: 1}
        before = _jobs()
        actions.add_internal_note(db.session, ticket, agent, "Refund in progress.")
        actions.change_status(db.session, ticket, agent, SOLVED)
        actions.change_status(db.session, ticket, agent, SOLVED)  # no change: no second notification
        actions.close_by_customer(db.session, ticket)  # already solved: nothing to tell anyone
        assert ticket.status == SOLVED and _jobs() - before == {"send_webhook": 1}
        with pytest.raises(ValidationFailed):
            actions.add_customer_reply(db.session, ticket, "   ")
        db.session.rollback()
        assert db.session.get(Ticket, ticket.id).status == SOLVED  # a refused reply reopens nothing


def test_the_contact_form_and_the_api_cause_the_same_jobs(app):
    form_client = app.test_client()
    html = form_client.get("/en/contact").get_data(as_text=True)
    key = re.search(r'name="idempotency_key" value="([^"]+)"', html).group(1)
    posted = form_client.post("/en/contact", data={"csrf_token": csrf(html), "idempotency_key": key,
                                                   "message": MESSAGE, "email": "ana@example.org", "name": "Ana"})
    assert posted.status_code == 303
    with app.app_context():
        through_the_form = _jobs()
    created = app.test_client().post("/api/v1/tickets", json={"message": MESSAGE, "email": "bo@example.org"})
    assert created.status_code == 201
    with app.app_context():
        assert _jobs() - through_the_form == through_the_form == {"send_ticket_email": 1, "send_webhook": 1,
                                                                   PROCESS_MESSAGE: 1, ESCALATE: 1}
