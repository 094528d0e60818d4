"""Trends in the database: read the signals, keep what :func:`detection.detect` found.

Everything here only flushes; :mod:`portal.trends.actions` and the job commit.
A group found again (it shares a signal with a trend already kept) updates that
trend, so a trend keeps its id, status and first signal across runs.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.analytics.models import ArticleVote, SearchLog
from portal.db import utcnow
from portal.support.models import CUSTOMER, Message, Ticket
from portal.translation.engines.base import EngineUnavailable
from portal.translation.service import NoEngine
from portal.trends.detection import TEXT_CHARS, Candidate, Channel, Params, Signal, detect, history_start
from portal.trends.models import Trend, TrendMember, TrendStatus
from portal.trends.notifications import notify_staff

if TYPE_CHECKING:
    import numpy as np

    from portal.config import Settings
    from portal.services import Services

#: Signals read per channel and run, newest first (bounds a run on a flooded portal).
MAX_SIGNALS = 20_000
#: Trends listed on the desk.
LIST_LIMIT = 200


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def params(settings: Settings) -> Params:
    return Params(window=timedelta(minutes=max(1, settings.trend_window_minutes)),
                  baseline_days=max(0, settings.trend_baseline_days), min_count=max(1, settings.trend_min_count),
                  growth=settings.trend_growth, similarity=settings.trend_similarity)


def load_signals(session: Session, since: datetime, until: datetime) -> list[Signal]:
    """Searches, "not helpful" comments and customers' ticket messages in ``[since, until)``."""
    signals: list[Signal] = []
    searches = session.execute(
        select(SearchLog.id, SearchLog.query, SearchLog.query_lang, SearchLog.created_at, SearchLog.opened_slug,
               SearchLog.results)
        .where(SearchLog.created_at >= since, SearchLog.created_at < until)
        .order_by(SearchLog.created_at.desc()).limit(MAX_SIGNALS))
    for ref, query, lang, at, opened, results in searches:
        signals.append(Signal(Channel.SEARCH, ref, query, lang or "", _aware(at), article=opened, results=results))
    votes = session.execute(
        select(ArticleVote.id, ArticleVote.comment, ArticleVote.lang, ArticleVote.created_at, ArticleVote.slug)
        .where(ArticleVote.created_at >= since, ArticleVote.created_at < until, ArticleVote.helpful.is_(False),
               ArticleVote.comment != "")
        .order_by(ArticleVote.created_at.desc()).limit(MAX_SIGNALS))
    for ref, comment, lang, at, slug in votes:
        signals.append(Signal(Channel.FEEDBACK, ref, comment, lang or "", _aware(at), article=slug))
    messages = session.execute(
        select(Message.id, Message.body, Message.lang, Message.created_at, Message.ticket_id, Ticket.context)
        .join(Ticket, Ticket.id == Message.ticket_id)
        .where(Message.created_at >= since, Message.created_at < until, Message.author_kind == CUSTOMER,
               Message.internal.is_(False))
        .order_by(Message.created_at.desc()).limit(MAX_SIGNALS))
    for ref, body, lang, at, ticket_id, context in messages:
        read = (context or {}).get("articles") if isinstance(context, dict) else None
        article = read[-1] if isinstance(read, list) and read and isinstance(read[-1], str) else None
        signals.append(Signal(Channel.TICKET, ref, body[:TEXT_CHARS], lang or "", _aware(at), article=article,
                              ticket_id=ticket_id))
    return signals


def embedding_function(services: Services) -> Callable[[list[str]], np.ndarray] | None:
    """Multilingual vectors (background removed) for grouping; None when embeddings are off."""
    embedder = services.embedder
    if embedder is None:
        return None
    from portal.search.hybrid import centered_query_vectors  # numpy and the background only with embeddings on

    return lambda texts: centered_query_vectors(embedder, texts)


def _existing_trend(session: Session, candidate: Candidate) -> Trend | None:
    """The kept trend sharing most signals with ``candidate`` (any status), or None."""
    shared: Counter[int] = Counter()
    by_channel: dict[str, list[int]] = {}
    for signal in candidate.signals:
        by_channel.setdefault(str(signal.channel), []).append(signal.ref)
    for channel, refs in by_channel.items():
        for start in range(0, len(refs), 500):
            rows = session.scalars(select(TrendMember.trend_id).where(
                TrendMember.channel == channel, TrendMember.source_id.in_(refs[start:start + 500])))
            shared.update(rows)
    if not shared:
        return None
    best = min(shared, key=lambda trend_id: (-shared[trend_id], -trend_id))
    return session.get(Trend, best)


def _translate(services: Services | None, session: Session, text: str, src: str, targets: set[str]) -> dict:
    """The representative in each desk language an engine can translate it into (others: shown as is)."""
    if services is None or not text:
        return {}
    service = services.translation
    found = {}
    for tgt in sorted(targets - {src}):
        engine = service.engine_for(src, tgt)
        if engine is None:
            continue
        try:
            found[tgt] = {"text": service.translate_texts(session, [text], src, tgt)[0],
                          "engine": f"{engine.name}/{engine.version}"}
        except (NoEngine, EngineUnavailable):
            continue
    return found


def record(session: Session, candidate: Candidate, now: datetime, notify_growth: float,
           services: Services | None = None, desk_languages: set[str] | None = None) -> tuple[Trend, bool]:
    """Keep ``candidate`` as a new trend or update the one it continues; returns (trend, created?).

    Staff are notified (jobs in this transaction) the first time a trend reaches ``notify_growth``.
    """
    trend = _existing_trend(session, candidate)
    created = trend is None
    if trend is None:
        trend = Trend(status=TrendStatus.NEW, first_seen=candidate.first_seen, created_at=now, peak_growth=0.0,
                      phrasings={})
        session.add(trend)
    else:
        trend.first_seen = min(_aware(trend.first_seen), candidate.first_seen)
    if trend.representative != candidate.representative[:300] or trend.representative_lang != \
            candidate.representative_lang:
        trend.phrasings = _translate(services, session, candidate.representative, candidate.representative_lang,
                                     desk_languages or set())
    trend.representative = candidate.representative[:300]
    trend.representative_lang = candidate.representative_lang[:20]
    trend.originals = [[text, lang, count] for text, lang, count in candidate.originals]
    trend.last_seen = candidate.last_seen
    trend.updated_at = now
    trend.count, trend.baseline, trend.growth = candidate.count, candidate.baseline, round(candidate.growth, 3)
    trend.peak_growth = max(trend.peak_growth or 0.0, trend.growth)
    trend.languages, trend.channels = candidate.languages, candidate.channels
    trend.articles = dict(list(candidate.articles.items())[:20])
    trend.tickets = sorted(set(trend.tickets or []) | set(candidate.tickets))[-100:]
    session.flush()
    known = {(m.channel, m.source_id) for m in trend.members}
    for signal in candidate.signals:
        if (str(signal.channel), signal.ref) not in known:
            trend.members.append(TrendMember(channel=str(signal.channel), source_id=signal.ref, lang=signal.lang[:20],
                                             text=" ".join(signal.text.split())[:300], seen_at=signal.at))
    if trend.notified_at is None and trend.growth >= notify_growth and trend.status != TrendStatus.DISMISSED:
        trend.notified_at = now
        session.flush()
        notify_staff(session, trend)
    session.flush()
    return trend, created


def detect_and_record(session: Session, settings: Settings, services: Services, now: datetime | None = None,
                      desk_languages: set[str] | None = None) -> dict:
    """One detection run (flushes only): returns what it did, for the job's result."""
    now = _aware(now or utcnow())
    chosen = params(settings)
    signals = load_signals(session, history_start(now, chosen), now)
    candidates = detect(signals, now, chosen, embedding_function(services))
    created = updated = 0
    for candidate in candidates:
        _, is_new = record(session, candidate, now, settings.trend_notify_growth, services, desk_languages)
        created += is_new
        updated += not is_new
    return {"signals": len(signals), "trends": len(candidates), "created": created, "updated": updated,
            "grouping": "embeddings" if services.embedder is not None else "fuzzy"}


def list_trends(session: Session, statuses: tuple[str, ...] | None = None, limit: int = LIST_LIMIT) -> list[Trend]:
    """Kept trends, latest signal first."""
    query = select(Trend).order_by(Trend.last_seen.desc(), Trend.id.desc()).limit(limit)
    if statuses:
        query = query.where(Trend.status.in_(statuses))
    return list(session.scalars(query))


def set_status(trend: Trend, status: TrendStatus) -> None:
    trend.status = status
    trend.updated_at = utcnow()
