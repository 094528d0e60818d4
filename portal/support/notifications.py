"""Outgoing notifications: email to the customer and a signed webhook per event.

Delivery always goes through the job queue, after the ticket or reply is
committed: a failed delivery is retried with backoff and never loses the ticket.
Emails are rendered in the customer's language when the job runs.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import urllib.request
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Protocol

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from portal.i18n import to_babel_locale
from portal.jobs import JobContext, enqueue, register
from portal.support import tokens
from portal.support.models import Message, Ticket, TicketEvent

TICKET_CREATED = "ticket.created"
CUSTOMER_REPLIED = "customer.replied"
AGENT_REPLIED = "agent.replied"
TICKET_SOLVED = "ticket.solved"
EMAIL_EVENTS = (TICKET_CREATED, AGENT_REPLIED)


def notify(session: Session, ticket: Ticket, event: str, message: Message | None = None) -> None:
    """Queue the email and webhook deliveries for ``event`` (commit with the change)."""
    settings = current_app.config["SETTINGS"]
    payload = {"ticket_id": ticket.id, "event": event, "message_id": message.id if message else None}
    if event in EMAIL_EVENTS and ticket.customer_email:
        enqueue(session, "send_ticket_email", payload, max_attempts=8)
    if settings.webhook_url:
        enqueue(session, "send_webhook", payload, max_attempts=8)


def secret_keys() -> tuple[str, ...]:
    """The app's key ring: the newest secret key, then the older ones still accepted."""
    return (current_app.config["SECRET_KEY"], *current_app.config.get("SECRET_KEY_FALLBACKS", ()))


def status_url(ticket: Ticket) -> str:
    settings = current_app.config["SETTINGS"]
    token = tokens.token_for(secret_keys(), ticket.token_salt, ticket.token_hash)
    return f"{settings.public_url.rstrip('/')}/{ticket.language}/tickets/{token}"


class Mailer(Protocol):
    """Sends e-mail (the ``mail`` service)."""

    def send(self, message: EmailMessage) -> None: ...


class SmtpMailer:
    """Through the configured SMTP server (``PORTAL_SMTP_HOST``/``_PORT``)."""

    def __init__(self, host: str, port: int, timeout: float = 30) -> None:
        self.host, self.port, self.timeout = host, port, timeout

    def send(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            smtp.send_message(message)


def build_mailer(settings) -> Mailer | None:
    """The mail service's factory: None without an SMTP host."""
    return SmtpMailer(settings.smtp_host, settings.smtp_port) if settings.smtp_host else None


def compose_email(settings, to: str, lang: str, subject: str, body: str,
                  headers: dict[str, str] | None = None) -> EmailMessage:
    """A plain-text e-mail from the portal to ``to``, in ``lang``, with the headers every portal mail has."""
    email = EmailMessage()
    email["Subject"] = subject
    email["From"] = settings.mail_from
    email["To"] = to
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(domain=settings.mail_from.rpartition("@")[2] or "localhost")
    for name, value in (headers or {}).items():
        email[name] = value
    email.set_content(body)
    email["Content-Language"] = lang  # after set_content, which resets Content-* headers
    return email


def render_email(ticket: Ticket, event: str, message: Message | None) -> EmailMessage:
    """The email for ``event``, in the customer's language."""
    settings = current_app.config["SETTINGS"]
    with force_locale(to_babel_locale(ticket.language)):
        if event == TICKET_CREATED:
            subject = _("We received your request %(reference)s", reference=ticket.reference)
        else:
            subject = _("New reply to your request %(reference)s", reference=ticket.reference)
        reply = None
        if message is not None:
            text, lang, machine = message.text_in(ticket.language)
            reply = {"text": text, "machine": machine, "original": message.body if machine else None}
        body = render_template("email/ticket.txt", ticket=ticket, event=event, reply=reply, url=status_url(ticket))
    return compose_email(settings, ticket.customer_email, ticket.language, subject, body)


@register("send_ticket_email")
def send_ticket_email(payload: dict, job: JobContext) -> dict:
    ticket = job.session.get(Ticket, payload["ticket_id"])
    if ticket is None or not ticket.customer_email:
        return {"skipped": "no ticket or no email"}
    mailer = job.services.mail
    if mailer is None:
        return {"skipped": "SMTP_HOST is not configured"}
    message = job.session.get(Message, payload["message_id"]) if payload.get("message_id") else None
    mailer.send(render_email(ticket, payload["event"], message))
    ticket.events.append(_delivered("email", payload["event"]))
    return {"sent": True}


def _delivered(channel: str, event: str):
    return TicketEvent(actor="system", action="notified", detail={"channel": channel, "event": event})


def webhook_body(ticket: Ticket, event: str, message: Message | None) -> bytes:
    data = {
        "event": event,
        "ticket": {
            "id": ticket.id,
            "reference": ticket.reference,
            "status": ticket.status,
            "language": ticket.language,
            "urgency": ticket.urgency,
            "sentiment": ticket.sentiment,
            "subject": ticket.subject,
            "customer": {"name": ticket.customer_name, "email": ticket.customer_email},
        },
    }
    if message is not None:
        data["message"] = {
            "id": message.id,
            "author": message.author_kind,
            "language": message.lang,
            "body": message.body,
            "translations": {k: v["text"] for k, v in (message.translations or {}).items()},
        }
    return json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@register("send_webhook")
def send_webhook(payload: dict, job: JobContext) -> dict:
    settings = job.settings
    ticket = job.session.get(Ticket, payload["ticket_id"])
    if ticket is None or not settings.webhook_url:
        return {"skipped": "no ticket or no webhook configured"}
    message = job.session.get(Message, payload["message_id"]) if payload.get("message_id") else None
    body = webhook_body(ticket, payload["event"], message)
    request = urllib.request.Request(settings.webhook_url, data=body, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": "helpdesk-portal",
        "X-Portal-Event": payload["event"], "X-Portal-Signature-256": sign(settings.webhook_secret, body)})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - operator-configured URL
        status = response.status
    if not 200 <= status < 300:
        raise RuntimeError(f"webhook answered HTTP {status}")
    ticket.events.append(_delivered("webhook", payload["event"]))
    return {"status": status}
