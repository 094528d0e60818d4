"""Writing the search log."""
from __future__ import annotations

from sqlalchemy.orm import Session

from portal.analytics.models import SearchLog


def log_search(session: Session, *, query: str, query_lang: str, confidence: float, rule: str,
               ui_lang: str, results: int, translated_query: str | None = None,
               category: str | None = None, source: str = "page") -> int:
    """Record one search; returns its id (used to attribute the article opened)."""
    row = SearchLog(query=query[:200], query_lang=query_lang, confidence=round(confidence, 4),
                    detection_rule=rule[:30], ui_lang=ui_lang, results=results,
                    translated_query=(translated_query or None) and translated_query[:200],
                    category=category, source=source)
    session.add(row)
    session.commit()
    return row.id
