"""Notice use cases: each owns its transaction (ADR 0012).

The service below only flushes; a use case adds what the change causes — the
machine translation of the notice into every enabled language, the mails a
resolution sends — and commits once. Refusals raise ``NoticeInvalid`` before
anything is written. Callers need an app context (settings come from the app).
"""
from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.db import utcnow
from portal.notices import follows, jobs, service
from portal.notices.models import (
    LinkKind,
    Notice,
    NoticeFollower,
    NoticeStatus,
    NoticeTicket,
    NoticeUpdate,
    TextOrigin,
)
from portal.support.models import Ticket
from portal.validation import is_valid_email


def _languages() -> tuple[str, ...]:
    return current_app.config["SETTINGS"].languages


def publish_notice(session: Session, draft: service.NoticeDraft, author_id: int | None, update: str = "",
                   link_tickets: tuple[int, ...] | list[int] = ()) -> Notice:
    """Publish a new notice (from a trend or from scratch) and queue its translations.

    ``link_tickets``: requests already known to be about it (a trend's), linked as suggestions.
    """
    notice = service.create_notice(session, service.check_draft(draft, _languages()), author_id, update)
    for ticket_id in dict.fromkeys(link_tickets):
        if session.get(Ticket, ticket_id) is not None:
            session.add(NoticeTicket(notice_id=notice.id, ticket_id=ticket_id, linked_by=LinkKind.SUGGESTED))
    jobs.queue_translation(session, notice)
    session.commit()
    return notice


def edit_notice(session: Session, notice: Notice, draft: service.NoticeDraft) -> None:
    """Change what a notice says; machine translations are made again (people's overrides stay)."""
    draft.lang = notice.lang
    service.edit_notice(notice, service.check_draft(draft, _languages()))
    jobs.queue_translation(session, notice)
    session.commit()


def post_update(session: Session, notice: Notice, status: str, text: str, author_id: int | None) -> NoticeUpdate:
    """A timestamped update; resolving sends one message per linked ticket and follower (each once)."""
    was_active = notice.active
    update = service.add_update(notice, status, text, author_id)
    session.flush()
    jobs.queue_translation(session, notice)
    if was_active and notice.status == NoticeStatus.RESOLVED:
        jobs.queue_resolution_mails(session, notice)
    session.commit()
    return update


def override_text(session: Session, notice: Notice, lang: str, title: str, body: str, phrases: list[str]) -> None:
    """A person's text for ``lang`` replaces the machine's (and is never overwritten by it)."""
    if lang not in _languages() or lang == notice.lang:
        raise service.NoticeInvalid({"lang": "language_unknown"})
    draft = service.check_draft(service.NoticeDraft(title, body, lang, notice.severity, notice.topics,
                                                    notice.articles, phrases or notice.phrases), _languages())
    existing = notice.text(lang)
    service.save_text(notice, lang, title=draft.title, body=draft.body, origin=TextOrigin.HUMAN,
                      phrases=phrases, updates=dict(existing.updates or {}) if existing else {})
    session.commit()


def drop_override(session: Session, notice: Notice, lang: str) -> None:
    """Go back to the machine's text for ``lang`` (made again by a job)."""
    text = notice.text(lang)
    if text is not None and text.origin == TextOrigin.HUMAN:
        notice.texts.remove(text)
        session.flush()
        jobs.queue_translation(session, notice)
    session.commit()


def follow(session: Session, notice: Notice, email: str, lang: str) -> NoticeFollower | None:
    """Someone asks for updates: a follower waiting for confirmation and the mail that asks for it.

    Asking again (before or after confirming) sends nothing new; ``None`` when the
    notice is resolved. Raises ``NoticeInvalid`` for an address that is not one.
    """
    email = (email or "").strip()
    if not is_valid_email(email):
        raise service.NoticeInvalid({"email": "email_invalid"})
    if not notice.active:
        return None
    follower = session.scalar(select(NoticeFollower).where(NoticeFollower.notice_id == notice.id,
                                                           func.lower(NoticeFollower.email) == email.lower()))
    if follower is None:
        follower = NoticeFollower(notice_id=notice.id, email=email, lang=lang, salt=follows.new_salt())
        session.add(follower)
        session.flush()
        jobs.queue_mail(session, notice, jobs.CONFIRM, f"follower:{follower.id}")
    elif follower.unsubscribed_at is not None:
        # Following again after leaving: confirmed again, by a new mail (a new event key).
        follower.unsubscribed_at = follower.confirmed_at = None
        follower.lang = lang
        follower.salt = follows.new_salt()
        session.flush()
        jobs.queue_mail(session, notice, f"{jobs.CONFIRM}:{follower.salt[:8]}", f"follower:{follower.id}")
    session.commit()
    return follower


def confirm_follow(session: Session, follower: NoticeFollower) -> None:
    """The follower opened the link in the confirmation mail (double opt-in)."""
    if follower.confirmed_at is None and follower.unsubscribed_at is None:
        follower.confirmed_at = utcnow()
    session.commit()


def unfollow(session: Session, follower: NoticeFollower) -> None:
    """The follower used the link every mail carries: nothing more is sent to them."""
    if follower.unsubscribed_at is None:
        follower.unsubscribed_at = utcnow()
    session.commit()


def link_ticket(session: Session, notice: Notice, ticket: Ticket, kind: LinkKind) -> bool:
    """Link a ticket to the notice (its status page shows the notice); False if it already was."""
    exists = session.scalar(select(NoticeTicket.id).where(NoticeTicket.notice_id == notice.id,
                                                          NoticeTicket.ticket_id == ticket.id))
    if exists is not None:
        return False
    session.add(NoticeTicket(notice_id=notice.id, ticket_id=ticket.id, linked_by=kind))
    if not notice.active and ticket.customer_email:
        jobs.queue_mail(session, notice, jobs.RESOLVED, f"ticket:{ticket.id}")
    session.commit()
    return True


def unlink_ticket(session: Session, notice: Notice, ticket_id: int) -> None:
    link = session.scalar(select(NoticeTicket).where(NoticeTicket.notice_id == notice.id,
                                                     NoticeTicket.ticket_id == ticket_id))
    if link is not None:
        session.delete(link)
    session.commit()
