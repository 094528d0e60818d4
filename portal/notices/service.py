"""Notice rules that only change objects and flush: validation, updates, texts, matching, display.

Errors a writer can cause raise :class:`NoticeInvalid` with a code per field,
before anything changes; the web edge maps the codes to localized messages.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from accessibility import lint_markdown
from portal.db import utcnow
from portal.kb.markdown import render
from portal.notices.models import (
    Notice,
    NoticeImpression,
    NoticeStatus,
    NoticeText,
    NoticeTicket,
    NoticeUpdate,
    Severity,
    Surface,
    TextOrigin,
)
from portal.search.analyzers import terms
from portal.support.models import Ticket

MAX_TITLE = 200
MAX_BODY = 20_000
MAX_UPDATE = 5_000
MAX_PHRASES = 20
MAX_PHRASE = 120
MAX_SLUGS = 20


class NoticeInvalid(ValueError):
    """Bad input: ``errors`` maps field names to error codes; ``findings`` are blocking lint findings."""

    def __init__(self, errors: dict[str, str], findings: list | None = None):
        super().__init__(", ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors
        self.findings = findings or []


@dataclass
class NoticeDraft:
    """What a writer or agent fills in; lists come as entered (one item per line or comma)."""

    title: str
    body: str
    lang: str
    severity: str = Severity.MINOR
    topics: list[str] = field(default_factory=list)
    articles: list[str] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)
    trend_id: int | None = None


def split_list(raw: str, limit: int, item_limit: int) -> list[str]:
    """Items of a one-per-line (or comma separated) field, stripped, unique, bounded."""
    items = [item.strip()[:item_limit] for line in (raw or "").splitlines() for item in line.split(",")]
    return list(dict.fromkeys(item for item in items if item))[:limit]


def _clean(text: str | None, limit: int) -> str:
    text = (text or "").replace("\r\n", "\n").replace("\x00", "").strip()
    return text[:limit + 1]


def check_draft(draft: NoticeDraft, languages: tuple[str, ...]) -> NoticeDraft:
    """The draft cleaned, or :class:`NoticeInvalid`; accessibility errors block it like an article's."""
    errors: dict[str, str] = {}
    title, body = _clean(draft.title, MAX_TITLE), _clean(draft.body, MAX_BODY)
    if not title:
        errors["title"] = "title_required"
    elif len(title) > MAX_TITLE:
        errors["title"] = "title_too_long"
    if len(body) > MAX_BODY:
        errors["body"] = "body_too_long"
    if draft.severity not in set(Severity):
        errors["severity"] = "severity_unknown"
    if draft.lang not in languages:
        errors["lang"] = "language_unknown"
    if not draft.phrases and not draft.topics and not draft.articles:
        errors["phrases"] = "nothing_to_match"
    if errors:
        raise NoticeInvalid(errors)
    findings = [f for f in lint_markdown(body, draft.lang, title) if f.severity == "error"] if body else []
    if findings:
        raise NoticeInvalid({"body": "inaccessible"}, findings)
    return NoticeDraft(title, body, draft.lang, Severity(draft.severity), draft.topics[:MAX_SLUGS],
                       draft.articles[:MAX_SLUGS], draft.phrases[:MAX_PHRASES], draft.trend_id)


def create_notice(session: Session, draft: NoticeDraft, author_id: int | None, update: str = "") -> Notice:
    """A new notice, investigating, with its first update (``update``: what is said, may be empty)."""
    notice = Notice(lang=draft.lang, title=draft.title, body=draft.body, severity=draft.severity,
                    status=NoticeStatus.INVESTIGATING, topics=draft.topics, articles=draft.articles,
                    phrases=draft.phrases, trend_id=draft.trend_id, created_by_id=author_id)
    notice.updates.append(NoticeUpdate(status=NoticeStatus.INVESTIGATING, body=_clean(update, MAX_UPDATE)[:MAX_UPDATE],
                                       author_id=author_id))
    session.add(notice)
    session.flush()
    return notice


def edit_notice(notice: Notice, draft: NoticeDraft) -> None:
    """Change what the notice says and matches (its language stays the one it was written in)."""
    notice.title, notice.body, notice.severity = draft.title, draft.body, draft.severity
    notice.topics, notice.articles, notice.phrases = draft.topics, draft.articles, draft.phrases
    notice.updated_at = utcnow()


def add_update(notice: Notice, status: str, body: str, author_id: int | None) -> NoticeUpdate:
    """A timestamped step: the status it moves to and what is said (``NoticeInvalid`` on bad input)."""
    text = _clean(body, MAX_UPDATE)
    if status not in set(NoticeStatus):
        raise NoticeInvalid({"status": "status_unknown"})
    if len(text) > MAX_UPDATE:
        raise NoticeInvalid({"update": "update_too_long"})
    if not text and status == notice.status:
        raise NoticeInvalid({"update": "update_required"})
    update = NoticeUpdate(status=NoticeStatus(status), body=text, author_id=author_id, created_at=utcnow())
    notice.updates.append(update)
    notice.status = NoticeStatus(status)
    notice.resolved_at = utcnow() if notice.status == NoticeStatus.RESOLVED else None
    notice.updated_at = utcnow()
    return update


def save_text(notice: Notice, lang: str, *, title: str, body: str, origin: TextOrigin, engine: str = "",
              phrases: list[str] | None = None, updates: dict | None = None) -> NoticeText:
    """The notice's text in ``lang`` (created or replaced)."""
    text = notice.text(lang)
    if text is None:
        text = NoticeText(lang=lang, title=title, body=body)
        notice.texts.append(text)
    text.title, text.body, text.origin, text.engine = title[:MAX_TITLE], body, origin, engine
    if phrases is not None:
        text.phrases = phrases
    if updates is not None:
        text.updates = updates
    text.updated_at = utcnow()
    return text


def active_notices(session: Session) -> list[Notice]:
    """Notices not resolved yet, most severe and newest first."""
    rank = {Severity.CRITICAL: 0, Severity.MAJOR: 1, Severity.MINOR: 2}
    found = session.scalars(select(Notice).where(Notice.status != NoticeStatus.RESOLVED)
                            .options(selectinload(Notice.texts), selectinload(Notice.updates))).all()
    return sorted(found, key=lambda n: (rank.get(Severity(n.severity), 3), -n.id))


def recent_notices(session: Session, limit: int = 50) -> list[Notice]:
    """Active and resolved notices, newest change first (for the feed)."""
    return list(session.scalars(select(Notice).order_by(Notice.updated_at.desc(), Notice.id.desc()).limit(limit)
                                .options(selectinload(Notice.texts), selectinload(Notice.updates))))


def notices_of_ticket(session: Session, ticket_id: int) -> list[Notice]:
    """The notices a ticket is linked to, newest first."""
    return list(session.scalars(select(Notice).join(NoticeTicket, NoticeTicket.notice_id == Notice.id)
                                .where(NoticeTicket.ticket_id == ticket_id).order_by(Notice.id.desc())
                                .options(selectinload(Notice.texts), selectinload(Notice.updates))))


@lru_cache(maxsize=4096)
def _phrase_terms(lang: str, phrase: str) -> frozenset[str]:
    return frozenset(terms(lang, phrase))


def phrases_of(notice: Notice) -> tuple[tuple[str, str], ...]:
    """(language, phrase) pairs a text may match: the notice's own and its translations'."""
    found = [(notice.lang, phrase) for phrase in notice.phrases or ()]
    found += [(t.lang, phrase) for t in notice.texts for phrase in t.phrases or ()]
    return tuple(dict.fromkeys(found))


def text_matches(phrases: tuple[tuple[str, str], ...], text: str) -> bool:
    """Whether ``text`` (a search, a message being written) holds one of ``phrases``.

    A phrase matches when every term the search analyzers make of it, in its own
    language, is among the terms the same analyzer makes of the text: "password
    reset" matches "I cannot reset my password". Each phrase is tried in its own
    language, so a notice matches in every language it has been translated into.
    """
    if not text:
        return False
    analysed: dict[str, frozenset[str]] = {}
    for lang, phrase in phrases:
        wanted = _phrase_terms(lang, phrase)
        if not wanted:
            continue
        if lang not in analysed:
            analysed[lang] = frozenset(terms(lang, text[:1000]))
        if wanted <= analysed[lang]:
            return True
    return False




@dataclass(frozen=True)
class ShownUpdate:
    created_at: datetime
    status: str
    text: str
    lang: str
    machine: bool


@dataclass(frozen=True)
class Shown:
    """A notice as a reader of one language sees it (nothing here is an ORM object)."""

    id: int
    title: str
    body_html: str
    lang: str  # the language the title and body are in
    source_lang: str
    origin: str  # "source", or a TextOrigin
    severity: str
    status: str
    created_at: datetime
    updated_at: datetime
    updates: tuple[ShownUpdate, ...]

    @property
    def machine(self) -> bool:
        return self.origin == TextOrigin.MACHINE


def shown(notice: Notice, lang: str, original: bool = False) -> Shown:
    """``notice`` in ``lang``: its text there (machine or human), else the original."""
    text = None if original or lang == notice.lang else notice.text(lang)
    updates = []
    for update in reversed(notice.updates):  # newest first
        translated = (text.updates or {}).get(str(update.id)) if text is not None else None
        if translated:
            updates.append(ShownUpdate(update.created_at, update.status, translated["text"], lang,
                                       translated.get("origin") == TextOrigin.MACHINE))
        else:
            updates.append(ShownUpdate(update.created_at, update.status, update.body, notice.lang, False))
    title, body, shown_lang, origin = notice.title, notice.body, notice.lang, "source"
    if text is not None:
        title, body, shown_lang, origin = text.title, text.body, text.lang, text.origin
    return Shown(notice.id, title, render(body), shown_lang, notice.lang, origin, notice.severity, notice.status,
                 notice.created_at, notice.updated_at, tuple(updates))


@dataclass(frozen=True)
class ActiveNotice:
    """An active notice as banners need it, in every language (kept in memory: no ORM objects)."""

    id: int
    phrases: tuple[tuple[str, str], ...]
    articles: frozenset[str]
    topics: frozenset[str]
    shown_in: dict[str, Shown]

    def matches_article(self, slug: str, category: str | None) -> bool:
        """Whether an article is among the notice's affected articles or topics."""
        return slug in self.articles or (category is not None and category in self.topics)

    def matches(self, text: str) -> bool:
        return text_matches(self.phrases, text)


def active_snapshot(session: Session, languages: tuple[str, ...]) -> list[ActiveNotice]:
    """Every active notice, shown in each of ``languages`` (two queries, whatever the count)."""
    return [ActiveNotice(n.id, phrases_of(n), frozenset(n.articles or ()), frozenset(n.topics or ()),
                         {lang: shown(n, lang) for lang in languages}) for n in active_notices(session)]


@dataclass(frozen=True)
class DeflectionRow:
    """Per notice and language: banners met on searches and on the contact form, requests filed
    after meeting one, and requests linked (those count per notice, in the request's language)."""

    notice_id: int
    title: str
    lang: str
    seen_search: int
    seen_contact: int
    filed: int
    linked: int

    @property
    def seen(self) -> int:
        return self.seen_search + self.seen_contact


def deflection(session: Session, since: date | datetime) -> list[DeflectionRow]:
    """The deflection report from ``since`` (a UTC day), busiest notice and language first."""
    if isinstance(since, datetime):
        since = since.date()
    counts: dict[tuple[int, str], list[int]] = {}
    rows = session.execute(select(NoticeImpression.notice_id, NoticeImpression.lang, NoticeImpression.surface,
                                  func.sum(NoticeImpression.seen), func.sum(NoticeImpression.filed))
                           .where(NoticeImpression.day >= since)
                           .group_by(NoticeImpression.notice_id, NoticeImpression.lang, NoticeImpression.surface))
    for notice_id, lang, surface, seen_count, filed_count in rows:
        entry = counts.setdefault((notice_id, lang), [0, 0, 0, 0])
        entry[0 if surface == Surface.SEARCH else 1] += int(seen_count or 0)
        entry[2] += int(filed_count or 0)
    links = session.execute(select(NoticeTicket.notice_id, Ticket.language, func.count())
                            .join(Ticket, Ticket.id == NoticeTicket.ticket_id)
                            .group_by(NoticeTicket.notice_id, Ticket.language))
    for notice_id, lang, count in links:
        counts.setdefault((notice_id, lang), [0, 0, 0, 0])[3] += int(count)
    titles = dict(session.execute(select(Notice.id, Notice.title).where(
        Notice.id.in_({key[0] for key in counts}))).all()) if counts else {}
    report = [DeflectionRow(notice_id, titles.get(notice_id, ""), lang, *values)
              for (notice_id, lang), values in counts.items() if notice_id in titles]
    return sorted(report, key=lambda r: (-r.seen, -r.linked, r.notice_id, r.lang))
