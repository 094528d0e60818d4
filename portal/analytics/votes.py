"""'Was this helpful?' votes."""
from __future__ import annotations

from sqlalchemy.orm import Session

from portal.analytics.models import ArticleVote


def record_vote(session: Session, slug: str, lang: str, helpful: bool, comment: str = "") -> ArticleVote:
    vote = ArticleVote(slug=slug[:200], lang=lang, helpful=helpful, comment=(comment or "").strip()[:1000])
    session.add(vote)
    session.commit()
    return vote
