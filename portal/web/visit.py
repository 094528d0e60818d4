"""What this visit did, kept in the (signed) session so support gets context.

Only what the customer can see and remove on the contact form: the last search,
its detected language, articles read, and helpfulness votes. No tracking beyond
the visit; nothing here is logged.
"""
from __future__ import annotations

from flask import session

MAX_ARTICLES = 10


def remember_search(query: str, lang: str, confidence: float) -> None:
    session["visit_query"] = {"query": query[:300], "lang": lang, "confidence": round(confidence, 3)}


def remember_article(slug: str) -> None:
    viewed = [s for s in session.get("visit_articles", []) if s != slug]
    session["visit_articles"] = (viewed + [slug])[-MAX_ARTICLES:]


def remember_vote(slug: str, helpful: bool) -> None:
    votes = dict(session.get("visit_votes", {}))
    votes[slug] = "yes" if helpful else "no"
    session["visit_votes"] = votes


def has_voted(slug: str) -> bool:
    return slug in session.get("visit_votes", {})


def context() -> dict:
    """Everything the portal knows about this visit, in the ticket-context shape."""
    found = {}
    query = session.get("visit_query")
    if query:
        found.update(query=query["query"], query_lang=query["lang"], query_confidence=query["confidence"])
    if session.get("visit_articles"):
        found["articles"] = list(session["visit_articles"])
    if session.get("visit_votes"):
        found["votes"] = dict(session["visit_votes"])
    return found
