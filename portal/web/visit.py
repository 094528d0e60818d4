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


def is_active() -> bool:
    """True once the visitor searched or voted: from then on, articles read are remembered too.

    A visitor who only reads gets no cookie at all, so article pages stay the same
    for everyone (and cacheable); the contact links on an article name it instead.
    """
    return any(key in session for key in ("visit_query", "visit_articles", "visit_votes"))


def remember_article(slug: str) -> None:
    viewed = [s for s in session.get("visit_articles", []) if s != slug]
    session["visit_articles"] = (viewed + [slug])[-MAX_ARTICLES:]


def remember_vote(slug: str, helpful: bool) -> None:
    votes = dict(session.get("visit_votes", {}))
    votes[slug] = "yes" if helpful else "no"
    session["visit_votes"] = votes


def has_voted(slug: str) -> bool:
    return slug in session.get("visit_votes", {})


def context(article: str | None = None) -> dict:
    """Everything the portal knows about this visit, in the ticket-context shape.

    ``article``: an article the customer came from (the contact link names it),
    listed last among the articles read.
    """
    found = {}
    query = session.get("visit_query")
    if query:
        found.update(query=query["query"], query_lang=query["lang"], query_confidence=query["confidence"])
    articles = [slug for slug in session.get("visit_articles", []) if slug != article]
    if article:
        articles = (articles + [article])[-MAX_ARTICLES:]
    if articles:
        found["articles"] = articles
    if session.get("visit_votes"):
        found["votes"] = dict(session["visit_votes"])
    return found
