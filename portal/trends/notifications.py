"""Telling staff about a new trend: an e-mail to each agent and a signed webhook, through the job queue.

:func:`notify_staff` queues the deliveries in the transaction that marks the trend
notified, so each is queued exactly once; one job per recipient, so a retry never
mails someone twice. The webhook is signed like the ticket webhooks
(``X-Portal-Signature-256``, HMAC-SHA256 of the body with ``webhook_secret``).
"""
from __future__ import annotations

import json
import urllib.request
from datetime import UTC
from email.message import EmailMessage

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.accounts.service import has_role
from portal.i18n import to_babel_locale
from portal.jobs import JobContext, enqueue, register
from portal.support.notifications import compose_email, sign
from portal.trends.models import Trend

TREND_DETECTED = "trend.detected"
SEND_EMAIL = "send_trend_email"
SEND_WEBHOOK = "send_trend_webhook"


def _recipients(session: Session) -> list[User]:
    users = session.scalars(select(User).where(User.active.is_(True)).order_by(User.id))
    return [user for user in users if user.email and has_role(user, "agent")]


def notify_staff(session: Session, trend: Trend) -> None:
    """Queue an e-mail to every active agent and, when configured, the webhook (in the caller's transaction)."""
    settings = current_app.config["SETTINGS"]
    for user in _recipients(session):
        enqueue(session, SEND_EMAIL, {"trend_id": trend.id, "user_id": user.id}, max_attempts=8,
                dedupe_key=f"{SEND_EMAIL}:{trend.id}:{user.id}")
    if settings.webhook_url:
        enqueue(session, SEND_WEBHOOK, {"trend_id": trend.id}, max_attempts=8,
                dedupe_key=f"{SEND_WEBHOOK}:{trend.id}")


def phrasing(trend: Trend, lang: str) -> tuple[str, str, bool]:
    """(text, its language, machine translated?) of the trend for a reader of ``lang``.

    A customer's own words in ``lang`` win; then the machine translation; then the original.
    """
    for text, original_lang, _count in trend.originals or []:
        if original_lang == lang:
            return text, lang, False
    translated = (trend.phrasings or {}).get(lang)
    if translated:
        return translated["text"], lang, True
    return trend.representative, trend.representative_lang, False


def trend_url(settings, trend: Trend) -> str:
    return f"{settings.public_url.rstrip('/')}/desk/trends#trend-{trend.id}"


def render_email(settings, trend: Trend, user: User) -> EmailMessage:
    """The e-mail for ``user``, in their desk language."""
    text, lang, machine = phrasing(trend, user.language)
    with force_locale(to_babel_locale(user.language)):
        subject = _("Emerging issue: %(phrase)s", phrase=text[:80])
        body = render_template("email/trend.txt", trend=trend, text=text, machine=machine,
                               url=trend_url(settings, trend))
    return compose_email(settings, user.email, user.language, subject, body)


@register(SEND_EMAIL)
def send_trend_email(payload: dict, job: JobContext) -> dict:
    trend = job.session.get(Trend, payload["trend_id"])
    user = job.session.get(User, payload["user_id"])
    if trend is None or user is None or not user.active or not user.email:
        return {"skipped": "no trend or no active recipient"}
    mailer = job.services.mail
    if mailer is None:
        return {"skipped": "SMTP_HOST is not configured"}
    mailer.send(render_email(job.settings, trend, user))
    return {"sent": True}


def webhook_body(settings, trend: Trend) -> bytes:
    data = {"event": TREND_DETECTED, "trend": as_dict(trend), "url": trend_url(settings, trend)}
    return json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")


def as_dict(trend: Trend) -> dict:
    """The trend as the JSON API and the webhook show it."""
    def when(moment):  # ISO 8601 in UTC, with its offset (SQLite hands back naive UTC values)
        if moment is None:
            return None
        return (moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)).isoformat()

    return {
        "id": trend.id, "status": str(trend.status), "first_seen": when(trend.first_seen),
        "last_seen": when(trend.last_seen), "detected_at": when(trend.created_at),
        "representative": {"text": trend.representative, "lang": trend.representative_lang},
        "translations": {lang: value["text"] for lang, value in sorted((trend.phrasings or {}).items())},
        "originals": [{"text": text, "lang": lang, "count": count} for text, lang, count in trend.originals or []],
        "count": trend.count, "baseline": trend.baseline, "growth": trend.growth, "peak_growth": trend.peak_growth,
        "languages": dict(trend.languages or {}), "channels": dict(trend.channels or {}),
        "articles": [{"slug": slug, "count": count} for slug, count in (trend.articles or {}).items()],
        "tickets": list(trend.tickets or []), "notified": trend.notified_at is not None,
    }


@register(SEND_WEBHOOK)
def send_trend_webhook(payload: dict, job: JobContext) -> dict:
    settings = job.settings
    trend = job.session.get(Trend, payload["trend_id"])
    if trend is None or not settings.webhook_url:
        return {"skipped": "no trend or no webhook configured"}
    body = webhook_body(settings, trend)
    request = urllib.request.Request(settings.webhook_url, data=body, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": "helpdesk-portal",
        "X-Portal-Event": TREND_DETECTED, "X-Portal-Signature-256": sign(settings.webhook_secret, body)})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - operator-configured URL
        status = response.status
    if not 200 <= status < 300:
        raise RuntimeError(f"webhook answered HTTP {status}")
    return {"status": status}
