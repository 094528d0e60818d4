"""A kept trend to show on the desk pages (the HTML validity test and the axe audit)."""
from __future__ import annotations

from datetime import timedelta


def sample_trend(session, ticket_ids: list[int] | None = None) -> int:
    """Store an emerging issue in three languages and three channels (as detection would); returns its id."""
    from portal.db import utcnow
    from portal.trends.models import Trend, TrendMember, TrendStatus

    now = utcnow()
    trend = Trend(
        status=TrendStatus.NEW, first_seen=now - timedelta(minutes=40), last_seen=now - timedelta(minutes=2),
        created_at=now, updated_at=now, representative="charged twice for my subscription",
        representative_lang="en", phrasings={"pt-BR": {"text": "cobrado duas vezes pela minha assinatura",
                                                        "engine": "test/1"}},
        originals=[["charged twice for my subscription", "en", 3], ["doppelt abgebucht", "de", 2],
                   ["تم خصم المبلغ مرتين", "ar", 2], ["me cobraron dos veces", "es", 1]],
        count=8, baseline=0.5, growth=6.0, peak_growth=6.0, languages={"en": 3, "de": 2, "ar": 2, "es": 1},
        channels={"search": 5, "ticket": 2, "feedback": 1}, articles={"charged-twice": 3},
        tickets=list(ticket_ids or []))
    trend.members = [TrendMember(channel="search", source_id=n, lang="en", text="charged twice for my subscription",
                                 seen_at=now - timedelta(minutes=n)) for n in range(1, 4)]
    session.add(trend)
    session.commit()
    return trend.id
