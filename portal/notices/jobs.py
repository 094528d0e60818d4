"""Background work on notices: machine translation into every enabled language, and the mails.

Handlers only flush (the queue commits). A mail is recorded in ``notice_delivery``
in the same transaction as the job's done mark, and a recipient who already has
one for the event is skipped: resolving twice, or a retried job, sends nothing again.
"""
from __future__ import annotations

from email.message import EmailMessage

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.i18n import to_babel_locale
from portal.jobs import JobContext, enqueue, register
from portal.notices import follows, service
from portal.notices.models import (
    Notice,
    NoticeDelivery,
    NoticeFollower,
    NoticeStatus,
    NoticeTicket,
    TextOrigin,
)
from portal.support.models import Ticket
from portal.support.notifications import compose_email, secret_keys, status_url
from portal.translation.service import NoEngine

TRANSLATE_NOTICE = "translate_notice"
SEND_NOTICE_MAIL = "send_notice_mail"
#: Mail events.
CONFIRM = "confirm"
RESOLVED = "resolved"


def queue_translation(session: Session, notice: Notice) -> None:
    """Translate ``notice`` (as it is when the job runs) into every enabled language with an engine."""
    enqueue(session, TRANSLATE_NOTICE, {"notice_id": notice.id}, dedupe_key=f"{TRANSLATE_NOTICE}:{notice.id}")


def queue_mail(session: Session, notice: Notice, event: str, recipient: str) -> None:
    enqueue(session, SEND_NOTICE_MAIL, {"notice_id": notice.id, "event": event, "recipient": recipient},
            dedupe_key=f"{SEND_NOTICE_MAIL}:{notice.id}:{event}:{recipient}", max_attempts=8)


def queue_resolution_mails(session: Session, notice: Notice) -> int:
    """One mail per confirmed follower and per linked ticket with an address; returns how many."""
    followers = session.scalars(select(NoticeFollower.id).where(
        NoticeFollower.notice_id == notice.id, NoticeFollower.confirmed_at.is_not(None),
        NoticeFollower.unsubscribed_at.is_(None))).all()
    tickets = session.scalars(select(Ticket.id).join(NoticeTicket, NoticeTicket.ticket_id == Ticket.id).where(
        NoticeTicket.notice_id == notice.id, Ticket.customer_email != "")).all()
    recipients = [f"follower:{i}" for i in followers] + [f"ticket:{i}" for i in tickets]
    for recipient in recipients:
        queue_mail(session, notice, RESOLVED, recipient)
    return len(recipients)


@register(TRANSLATE_NOTICE)
def translate_notice(payload: dict, job: JobContext) -> dict:
    """Machine-translate the notice, its phrases and its updates; people's overrides keep
    their title and body (their updates not written by a person are still translated)."""
    notice = job.session.get(Notice, payload["notice_id"])
    if notice is None:
        return {"skipped": "no such notice"}
    translation = job.services.translation
    done, missing = [], []
    for lang in job.settings.languages:
        if lang == notice.lang:
            continue
        engine = translation.engine_for(notice.lang, lang)
        if engine is None:
            missing.append(lang)
            continue
        try:
            _translate_into(job.session, translation, notice, lang, f"{engine.name}/{engine.version}")
        except NoEngine:
            missing.append(lang)
            continue
        done.append(lang)
    return {"translated": done, "no_engine": missing}


def _translate_into(session: Session, translation, notice: Notice, lang: str, engine: str) -> None:
    existing = notice.text(lang)
    updates = dict(existing.updates or {}) if existing is not None else {}
    for update in notice.updates:
        key = str(update.id)
        if update.body and (updates.get(key) or {}).get("origin") != TextOrigin.HUMAN:
            lines = update.body.split("\n")
            updates[key] = {"text": "\n".join(translation.translate_texts(session, lines, notice.lang, lang)),
                            "origin": TextOrigin.MACHINE}
    if existing is not None and existing.origin == TextOrigin.HUMAN:
        existing.updates = updates
        return
    title = translation.translate_texts(session, [notice.title], notice.lang, lang)[0]
    body = translation.translate_markdown(session, notice.body, notice.lang, lang).text if notice.body else ""
    phrases = translation.translate_texts(session, list(notice.phrases or ()), notice.lang, lang)
    service.save_text(notice, lang, title=title, body=body, origin=TextOrigin.MACHINE, engine=engine,
                      phrases=[p for p in phrases if p.strip()], updates=updates)


def notice_url(notice: Notice, lang: str) -> str:
    settings = current_app.config["SETTINGS"]
    return f"{settings.public_url.rstrip('/')}/{lang}/notices/{notice.id}"


def follow_url(follower: NoticeFollower, action: str) -> str:
    settings = current_app.config["SETTINGS"]
    token = follows.token_for(secret_keys(), follower)
    return f"{settings.public_url.rstrip('/')}/{follower.lang}/notices/follows/{token}/{action}"


def render_mail(notice: Notice, event: str, lang: str, to: str, *, follower: NoticeFollower | None = None,
                ticket: Ticket | None = None) -> EmailMessage:
    """A notice mail in ``lang`` (the follower's or the ticket's language)."""
    settings = current_app.config["SETTINGS"]
    seen = service.shown(notice, lang)
    event = event.partition(":")[0]  # a confirmation asked again is "confirm:<nonce>"
    with force_locale(to_babel_locale(lang)):
        if event == CONFIRM:
            subject = _("Confirm updates about: %(title)s", title=seen.title)
        else:
            subject = _("Resolved: %(title)s", title=seen.title)
        body = render_template(
            "email/notice.txt", event=event, notice=seen, latest=seen.updates[0] if seen.updates else None,
            url=notice_url(notice, lang), ticket=ticket, ticket_url=status_url(ticket) if ticket else None,
            confirm_url=follow_url(follower, "confirm") if follower else None,
            unsubscribe_url=follow_url(follower, "unsubscribe") if follower else None)
    headers = {"List-Unsubscribe": f"<{follow_url(follower, 'unsubscribe')}>"} if follower is not None else None
    return compose_email(settings, to, lang, subject, body, headers)


@register(SEND_NOTICE_MAIL)
def send_notice_mail(payload: dict, job: JobContext) -> dict:
    """Confirmation of a follow, or the resolution to a follower or a linked ticket's customer: once."""
    session = job.session
    notice = session.get(Notice, payload["notice_id"])
    event, recipient = payload["event"], payload["recipient"]
    if notice is None:
        return {"skipped": "no such notice"}
    if event == RESOLVED and notice.status != NoticeStatus.RESOLVED:
        return {"skipped": "reopened before the mail went"}
    already = session.scalar(select(NoticeDelivery.id).where(
        NoticeDelivery.notice_id == notice.id, NoticeDelivery.event == event, NoticeDelivery.recipient == recipient))
    if already is not None:
        return {"skipped": "already sent"}
    mailer = job.services.mail
    if mailer is None:
        return {"skipped": "SMTP_HOST is not configured"}
    kind, _sep, number = recipient.partition(":")
    if kind == "follower":
        follower = session.get(NoticeFollower, int(number))
        if follower is None or follower.unsubscribed_at is not None:
            return {"skipped": "no longer following"}
        if event == RESOLVED and follower.confirmed_at is None:
            return {"skipped": "never confirmed"}
        message = render_mail(notice, event, follower.lang, follower.email, follower=follower)
    else:
        ticket = session.get(Ticket, int(number))
        if ticket is None or not ticket.customer_email:
            return {"skipped": "no ticket or no address"}
        message = render_mail(notice, event, ticket.language, ticket.customer_email, ticket=ticket)
    mailer.send(message)
    session.add(NoticeDelivery(notice_id=notice.id, event=event, recipient=recipient))
    return {"sent": recipient}  # an id, never the address: job results are shown to admins
