"""Background translation: pre-translate articles into every enabled language.

Runs in the worker process (it may import argostranslate); the web process only
enqueues. A job is idempotent: it translates whatever the source is when it runs.
"""
from __future__ import annotations

import time

from flask import current_app
from sqlalchemy.orm import Session

from portal.jobs import JobContext, enqueue, register
from portal.jobs.hooks import run_hooks
from portal.kb.models import HUMAN_KINDS, KIND_MACHINE, STATUS_PUBLISHED, Article
from portal.kb.service import save_version
from portal.services import services
from portal.translation import memory
from portal.translation.engines.base import EngineUnavailable
from portal.translation.freshness import record_made_from, refresh_article
from portal.translation.service import NoEngine, TranslationService

TRANSLATE_ARTICLE = "translate_article"


def schedule_pretranslation(session: Session, article: Article, service: TranslationService,
                            languages: tuple[str, ...]) -> list:
    """Enqueue machine translation into each enabled language that has an engine
    and no human translation, where it is missing or out of date; returns the jobs."""
    source = article.source
    if source is None or source.status != STATUS_PUBLISHED:
        return []
    scheduled = []
    for lang in languages:
        if lang == article.source_lang or service.engine_for(article.source_lang, lang) is None:
            continue
        existing = article.version(lang)
        if _human_owned(existing):
            continue
        if existing is not None and existing.source_revision == source.current_revision and not existing.stale_segments:
            continue
        scheduled.append(enqueue(session, TRANSLATE_ARTICLE, {"article_id": article.id, "lang": lang},
                                 dedupe_key=f"{TRANSLATE_ARTICLE}:{article.id}:{lang}"))
    return scheduled


def after_articles_changed(session: Session, articles: dict[Article, set[str]], app=None) -> int:
    """Staleness and pre-translation after articles changed (import, publish).

    ``articles`` maps each changed article to the languages that changed in it.
    Returns the number of translation jobs enqueued. Flushes only: the jobs commit
    with the caller's change (see :mod:`portal.publishing`).
    """
    app = app or current_app
    service = services(app).translation
    languages = app.config["SETTINGS"].languages
    count = 0
    for article, changed_langs in articles.items():
        refresh_article(session, article, changed_langs)
        count += len(schedule_pretranslation(session, article, service, languages))
    session.flush()
    return count


@register(TRANSLATE_ARTICLE)
def translate_article(payload: dict, job: JobContext) -> dict:
    session = job.session
    article = session.get(Article, payload["article_id"])
    if article is None or article.source is None:
        return {"skipped": "article gone"}
    lang = payload["lang"]
    existing = article.version(lang)
    if _human_owned(existing):
        return {"skipped": "human translation exists"}
    source = article.source
    service = job.services.translation
    src = article.source_lang
    try:
        document = service.translate_markdown(session, source.body, src, lang)
        title = service.translate_inline(session, source.title, src, lang) or source.title
        summary = (
            (service.translate_inline(session, source.summary, src, lang) or source.summary) if source.summary else ""
        )
    except NoEngine as exc:
        return {"skipped": str(exc)}
    version, _ = save_version(
        session,
        article,
        lang,
        title=title,
        summary=summary,
        body=document.text,
        kind=KIND_MACHINE,
        status=source.status,
        extra={
            "untranslated_blocks": document.untranslated_blocks,
            **{k: v for k, v in (source.extra or {}).items() if k in ("license", "source_url")},
        },
        produced_by=f"{document.engine}/{document.engine_version}",
        note="machine translation",
    )
    record_made_from(version, source)

    # The index job commits with the translation: never a machine translation nobody can find.
    run_hooks("article_version_changed", session, article_id=article.id, lang=lang)
    return {"lang": lang, "engine": document.engine, "untranslated_blocks": document.untranslated_blocks}


def _human_owned(version) -> bool:
    """A published translation people answer for: machine output never replaces it.

    A writer's unpublished draft does not block machine translation: its human
    segments are already in the memory, so the refreshed machine version carries
    them, and the side-by-side editor picks up from there.
    """
    return version is not None and version.kind in HUMAN_KINDS and version.status == STATUS_PUBLISHED


@register("translate_query")
def translate_query_job(payload: dict, job: JobContext) -> dict:
    """Fill the memory with a search query's translation (heavy engines, in the worker)."""

    result = job.services.translation.translate_query(job.session, payload["text"], payload["src"], payload["tgt"])
    return {"translated": result is not None}


@register("translate_segments")
def translate_segments_job(payload: dict, job: JobContext) -> dict:
    job.services.translation.translate_texts(job.session, payload["texts"], payload["src"], payload["tgt"])
    return {"segments": len(payload["texts"])}


def translate_now(session: Session, texts: list[str], src: str, tgt: str, timeout: float = 30.0) -> list[str]:
    """Translate for a person waiting on a page (a reply preview, a ticket view).

    Light engines run here; heavy ones (torch) run in the worker, which this call
    waits for through the translation memory. Raises NoEngine or EngineUnavailable.
    """

    service = services().translation
    engine = service.engine_for(src, tgt)
    if engine is None:
        raise NoEngine(src, tgt)
    if not service.runs_in_worker(engine):
        result = service.translate_texts(session, texts, src, tgt)
        session.commit()
        return result
    wanted = [t for t in texts if t.strip()]
    enqueue(session, "translate_segments", {"texts": wanted, "src": src, "tgt": tgt})
    session.commit()
    deadline = time.monotonic() + timeout
    while True:
        known = memory.lookup_many(session, engine.name, engine.version, src, tgt, wanted)
        if len(known) == len(set(wanted)):
            return [known.get(t, t) for t in texts]
        if time.monotonic() > deadline:
            raise EngineUnavailable("the translation worker did not answer in time")
        session.rollback()  # end the read transaction so the worker's commit becomes visible
        time.sleep(0.1)
