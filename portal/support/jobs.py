"""Background work on tickets: translate customer messages for agents, refine triage."""
from __future__ import annotations

from flask import current_app

from portal.accounts.models import User
from portal.db import db
from portal.jobs import JobContext, enqueue, register
from portal.support.models import CUSTOMER, Message
from portal.support.routing import schedule_escalation
from portal.support.service import apply_triage
from portal.translation.service import NoEngine

PROCESS_MESSAGE = "process_customer_message"


def desk_languages() -> set[str]:
    """Languages agents read: the default one and each active agent's own."""
    settings = current_app.config["SETTINGS"]
    languages = {settings.default_language}
    try:
        languages |= {lang for (lang,) in db.session.query(User.language).filter(User.active.is_(True)).distinct()}
    except ImportError:  # pragma: no cover - accounts not installed
        pass
    return languages


def queue_processing(session, message: Message) -> None:
    enqueue(session, PROCESS_MESSAGE, {"message_id": message.id}, dedupe_key=f"{PROCESS_MESSAGE}:{message.id}")


@register(PROCESS_MESSAGE)
def process_customer_message(payload: dict, job: JobContext) -> dict:
    """Translate a customer's message into every desk language; re-triage with English."""

    message = job.session.get(Message, payload["message_id"])
    if message is None or message.author_kind != CUSTOMER:
        return {"skipped": "no such customer message"}
    service = job.services.translation
    translations = dict(message.translations or {})
    missing = []
    for lang in sorted(desk_languages() - {message.lang} - set(translations)):
        engine = service.engine_for(message.lang, lang)
        if engine is None:
            missing.append(lang)
            continue
        try:
            paragraphs = message.body.split("\n")
            translated = service.translate_texts(job.session, paragraphs, message.lang, lang)
        except NoEngine:
            missing.append(lang)
            continue
        translations[lang] = {"text": "\n".join(translated), "engine": f"{engine.name}/{engine.version}"}
    message.translations = translations
    ticket = message.ticket
    if message.id == ticket.messages[0].id:
        english = translations.get("en", {}).get("text") if message.lang != "en" else message.body
        apply_triage(ticket, message.body, message.lang, english, job.settings.sla_hours or None)
        if ticket.assigned_to_id is None:
            schedule_escalation(job.session, ticket)  # the due time may have moved
    return {"translated": sorted(translations), "no_engine": missing}
