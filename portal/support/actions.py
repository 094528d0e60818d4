"""Support use cases: what the contact form, the ticket page, the JSON API and the desk do.

Each one owns its transaction. The service functions below it (:mod:`portal.support.service`)
only change objects and flush; the use case adds what the change causes (the
notification deliveries, the translation and triage of a customer's message) and
commits once, so a ticket never exists without its notification, nor a reply
without the job that translates it for the desk. Refusals raise
``ValidationFailed`` before anything is written. Callers need an app context
(settings and secret keys come from the app).
"""
from __future__ import annotations

from flask import current_app
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.accounts.service import update_skills
from portal.support import routing, service
from portal.support.jobs import queue_processing
from portal.support.models import SOLVED, Message, Ticket
from portal.support.notifications import AGENT_REPLIED, CUSTOMER_REPLIED, TICKET_CREATED, TICKET_SOLVED, notify
from portal.support.notifications import secret_keys as _secret_keys


def open_ticket(session: Session, data: service.NewTicket) -> tuple[Ticket, str, bool]:
    """A customer asks for help; returns (ticket, status token, created?).

    The same idempotency key gives back the first ticket, with nothing sent twice.
    """
    settings = current_app.config["SETTINGS"]
    ticket, token, created = service.create_ticket(session, _secret_keys(), data, settings.languages,
                                                   settings.sla_hours or None)
    if created:
        routing.route(session, ticket, settings.routing_topic_cues)
        routing.schedule_escalation(session, ticket)
        notify(session, ticket, TICKET_CREATED)
        queue_processing(session, ticket.messages[0])
    session.commit()
    return ticket, token, created


def ticket_for_token(session: Session, token: str | None) -> Ticket | None:
    """The ticket behind a customer's status token, or None."""
    return service.ticket_by_token(session, _secret_keys(), token)


def add_customer_reply(session: Session, ticket: Ticket, body: str) -> Message:
    """The customer writes again (reopening a waiting or solved ticket)."""
    message = service.add_customer_message(ticket, body)
    session.flush()  # the message's id, for the jobs
    notify(session, ticket, CUSTOMER_REPLIED, message)
    queue_processing(session, message)
    session.commit()
    return message


def close_by_customer(session: Session, ticket: Ticket) -> None:
    """The customer says the problem is solved."""
    was_solved = ticket.status == SOLVED
    service.close_by_customer(ticket)
    if not was_solved:
        notify(session, ticket, TICKET_SOLVED)
    session.commit()


def send_agent_reply(session: Session, ticket: Ticket, agent, body: str, lang: str, translation: str | None,
                     engine: str | None) -> Message:
    """An agent answers, in ``lang``, with the reviewed ``translation`` into the customer's language."""
    message = service.add_agent_reply(ticket, agent, body, lang, translation, engine)
    session.flush()
    notify(session, ticket, AGENT_REPLIED, message)
    session.commit()
    return message


def add_internal_note(session: Session, ticket: Ticket, agent, body: str) -> Message:
    """A note only agents see."""
    note = service.add_note(ticket, agent, body)
    session.commit()
    return note


def change_status(session: Session, ticket: Ticket, agent, status: str) -> None:
    """An agent moves the ticket; the customer is told when it becomes solved."""
    was_solved = ticket.status == SOLVED
    service.set_status(ticket, agent, status)
    if ticket.status == SOLVED and not was_solved:  # only the change is an event
        notify(session, ticket, TICKET_SOLVED)
    session.commit()


def assign_ticket(session: Session, ticket: Ticket, agent, assignee) -> None:
    """Give the ticket to ``assignee`` (None: to nobody, and it is escalated if still nobody's when due)."""
    service.assign(ticket, agent, assignee)
    if assignee is None:
        routing.schedule_escalation(session, ticket)
    session.commit()


def set_agent_skills(session: Session, agent: User, languages: list[str] | None, topics: list[str] | None) -> None:
    """An admin sets the languages ``agent`` reads and writes and the topics they cover (None: unchanged).

    Raises ``AccountError`` (nothing changed) for a language that is not enabled or a
    topic that is not a knowledge-base category.
    """
    update_skills(agent, languages, topics, routing.known_topics(session))
    session.commit()
