"""Writers' reports: what customers searched for, could not find, and asked people about.

Pure read functions: each takes a SQLAlchemy session and a period start (``since``,
an aware datetime; default the last 30 days) and returns plain dataclasses. Only
portable SQL (SQLite and PostgreSQL): anything that would need dialect-specific
functions (date truncation, JSON operators) is done in Python on the rows read.
Days are UTC calendar days.

Nothing here identifies a person: the search log holds no visit or user id, which
is also why :func:`self_service_rate` can only be an estimate (it says so).
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, selectinload

from portal.analytics.clustering import (
    MAX_VARIANTS,
    QueryForm,
    group_similar,
    merge_across_languages,
    most_common,
    normalize_query,
)
from portal.analytics.models import ArticleVote, SearchLog
from portal.kb.models import KIND_MACHINE, STATUS_PUBLISHED, Article
from portal.kb.service import choose_version
from portal.support.models import Ticket

if TYPE_CHECKING:
    import numpy as np

DEFAULT_DAYS = 30

# --- periods ------------------------------------------------------------------------

def period_start(days: int = DEFAULT_DAYS, now: datetime | None = None) -> datetime:
    """Start (UTC midnight) of a period of ``days`` calendar days ending today."""
    now = _aware(now or datetime.now(UTC))
    first = now.date() - timedelta(days=max(1, days) - 1)
    return datetime.combine(first, time.min, tzinfo=UTC)


def _since(since: datetime | None) -> datetime:
    return period_start() if since is None else _aware(since)


def _aware(moment: datetime) -> datetime:
    """As an aware UTC datetime (SQLite hands back naive UTC values)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


# --- searches per language per day ------------------------------------------------

class DailySearches(NamedTuple):
    day: date
    lang: str
    count: int


def searches_per_language_per_day(session: Session, since: datetime | None = None) -> list[DailySearches]:
    """Searches per UTC day and query language, oldest day first (days without searches absent)."""
    since = _since(since)
    counts: Counter[tuple[date, str]] = Counter()
    rows = session.execute(
        select(SearchLog.created_at, SearchLog.query_lang).where(SearchLog.created_at >= since)
    )
    for created_at, lang in rows:
        counts[(_aware(created_at).date(), lang or "")] += 1
    return [DailySearches(day, lang, count) for (day, lang), count in sorted(counts.items())]


def daily_series(rows: list[DailySearches], since: datetime | None = None,
                 until: date | None = None) -> tuple[list[date], dict[str, list[int]]]:
    """Pivot :func:`searches_per_language_per_day` rows for a chart or a table.

    Returns every day of the period (missing days are zeros) and, per language
    (most searched first), one count per day.
    """
    first = _since(since).date()
    last = until or datetime.now(UTC).date()
    if rows:
        last = max(last, max(r.day for r in rows))
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    index = {day: n for n, day in enumerate(days)}
    series: dict[str, list[int]] = defaultdict(lambda: [0] * len(days))
    for row in rows:
        if row.day in index:
            series[row.lang][index[row.day]] += row.count
    ordered = sorted(series.items(), key=lambda item: (-sum(item[1]), item[0]))
    return days, dict(ordered)


# --- content gaps: zero-result searches grouped by similarity ------------------------


@dataclass(frozen=True)
class ContentGap:
    query: str  # representative: the most frequent spelling in the group
    lang: str
    count: int  # searches in the group
    variants: tuple[str, ...]  # distinct normalised forms, most searched first (at most 5)
    variant_total: int  # how many distinct forms the group has
    last_seen: datetime
    languages: tuple[str, ...] = ()  # every query language in the group, most searched first
    variant_langs: tuple[str, ...] = ()  # the language of each of ``variants``


def _entries(rows) -> list[QueryForm]:
    by_key: dict[tuple[str, str], QueryForm] = {}
    for query, lang, created_at in rows:
        norm = normalize_query(query)
        if not norm:
            continue
        lang = lang or ""
        entry = by_key.get((lang, norm))
        if entry is None:
            entry = by_key[(lang, norm)] = QueryForm(lang=lang, norm=norm, tokens=tuple(norm.split()))
        entry.count += 1
        entry.originals[" ".join(query.split())] += 1
        moment = _aware(created_at)
        if entry.last_seen is None or moment > entry.last_seen:
            entry.last_seen = moment
    return list(by_key.values())


def zero_result_groups(session: Session, since: datetime | None = None, limit: int = 50,
                       embed: Callable[[list[str]], np.ndarray] | None = None,
                       merge_threshold: float = 0.55) -> list[ContentGap]:
    """Searches that found nothing, grouped by similar wording within each query language.

    Queries are normalised (:func:`normalize_query`); two forms are grouped when
    their word sets overlap (Jaccard >= 0.5, a word of 4+ letters also matching its
    misspelling at difflib ratio >= 0.8; a one-word query only with another
    one-word query) or the whole strings are close (difflib ratio >= 0.8).
    With ``embed`` (multilingual query vectors), groups that mean the same in
    different languages are then merged (:func:`merge_across_languages`);
    without it languages are never mixed. Each group's representative is its most
    frequent spelling; most searched groups first; ``limit=0`` returns them all.
    """
    since = _since(since)
    rows = session.execute(
        select(SearchLog.query, SearchLog.query_lang, SearchLog.created_at)
        .where(SearchLog.created_at >= since, SearchLog.results == 0)
    ).all()
    gaps = []
    groups = group_similar(_entries(rows))
    if embed is not None:
        groups = merge_across_languages(groups, embed, merge_threshold)
    for group in groups:
        originals: Counter = Counter()
        languages: Counter = Counter()
        for entry in group:
            originals.update(entry.originals)
            languages[entry.lang] += entry.count
        members = sorted(group, key=lambda e: (-e.count, e.norm))
        gaps.append(ContentGap(
            query=most_common(originals),
            lang=most_common(languages),
            languages=tuple(lang for lang, _ in sorted(languages.items(), key=lambda item: (-item[1], item[0]))),
            count=sum(e.count for e in group),
            variants=tuple(most_common(e.originals) for e in members[:MAX_VARIANTS]),
            variant_langs=tuple(e.lang for e in members[:MAX_VARIANTS]),
            variant_total=len(group),
            last_seen=max(e.last_seen for e in group),
        ))
    gaps.sort(key=lambda g: (-g.count, -g.last_seen.timestamp(), g.query))
    return gaps[:limit] if limit else gaps


# --- searches that ended in a ticket ------------------------------------------------

@dataclass(frozen=True)
class TicketQuery:
    query: str
    lang: str
    tickets: int
    last_seen: datetime


def queries_that_led_to_tickets(session: Session, since: datetime | None = None,
                                limit: int | None = None) -> list[TicketQuery]:
    """The last search before a request to support (``Ticket.context["query"]``).

    The context is a JSON column, so rows are read and aggregated here; identical
    queries after normalisation are counted together, shown in their most frequent
    spelling. The language is the detected query language, else the ticket's.
    """
    since = _since(since)
    grouped: dict[tuple[str, str], list] = {}
    rows = session.execute(select(Ticket.context, Ticket.language, Ticket.created_at).where(Ticket.created_at >= since))
    for context, language, created_at in rows:
        query = (context or {}).get("query") if isinstance(context, dict) else None
        if not isinstance(query, str) or not normalize_query(query):
            continue
        lang = (
            context.get("query_lang")
            if isinstance(context.get("query_lang"), str) and context.get("query_lang")
            else language
        )
        key = (lang, normalize_query(query))
        slot = grouped.setdefault(key, [Counter(), 0, None])
        slot[0][" ".join(query.split())] += 1
        slot[1] += 1
        moment = _aware(created_at)
        slot[2] = moment if slot[2] is None or moment > slot[2] else slot[2]
    result = [TicketQuery(most_common(spellings), lang, count, last)
              for (lang, _), (spellings, count, last) in grouped.items()]
    result.sort(key=lambda r: (-r.tickets, -r.last_seen.timestamp(), r.query))
    return result[:limit] if limit else result


# --- articles -------------------------------------------------------------------------

@dataclass(frozen=True)
class ViewedArticle:
    slug: str
    title: str
    title_lang: str  # the language the title is in (may differ from the one asked)
    views: int


def most_viewed(session: Session, lang: str | None = None, limit: int = 10) -> list[ViewedArticle]:
    """Published articles with the most views (all time: views are not dated).

    Titled in ``lang`` where a published version exists (else the closest one, as
    readers get it), or in the original language when ``lang`` is None.
    """
    articles = session.scalars(
        select(Article).options(selectinload(Article.versions))
        .order_by(Article.view_count.desc(), Article.slug).limit(limit * 3)
    ).all()
    result = []
    for article in articles:
        chosen = choose_version(article, lang or article.source_lang)
        if chosen is None:
            continue
        result.append(ViewedArticle(article.slug, chosen.version.title, chosen.version.lang, article.view_count or 0))
        if len(result) == limit:
            break
    return result


@dataclass(frozen=True)
class Helpfulness:
    slug: str
    lang: str
    yes: int
    no: int
    title: str = ""
    title_lang: str = ""

    @property
    def total(self) -> int:
        return self.yes + self.no

    @property
    def label(self) -> str:
        return self.title or self.slug

    @property
    def ratio(self) -> float:
        """Share of "yes" answers, 0..1."""
        return self.yes / self.total if self.total else 0.0


def least_helpful(session: Session, since: datetime | None = None, limit: int = 10,
                  min_votes: int = 3) -> list[Helpfulness]:
    """Article language versions with the lowest share of "yes" answers.

    Only versions with at least ``min_votes`` answers in the period count (a single
    "no" says little). Ties: more "no" answers first.
    """
    since = _since(since)
    yes = func.sum(case((ArticleVote.helpful.is_(True), 1), else_=0))
    total = func.count(ArticleVote.id)
    rows = session.execute(
        select(ArticleVote.slug, ArticleVote.lang, yes, total)
        .where(ArticleVote.created_at >= since)
        .group_by(ArticleVote.slug, ArticleVote.lang)
        .having(total >= min_votes)
    ).all()
    scored = sorted(((slug, lang, int(y or 0), int(n) - int(y or 0)) for slug, lang, y, n in rows),
                    key=lambda r: (r[2] / (r[2] + r[3]), -r[3], r[0], r[1]))
    if limit:
        scored = scored[:limit]
    slugs = {r[0] for r in scored}
    articles = {a.slug: a for a in session.scalars(
        select(Article).where(Article.slug.in_(slugs)).options(selectinload(Article.versions)))} if slugs else {}
    result = []
    for slug, lang, y, n in scored:
        chosen = choose_version(articles[slug], lang) if slug in articles else None
        title, title_lang = (chosen.version.title, chosen.version.lang) if chosen else ("", "")
        result.append(Helpfulness(slug, lang, y, n, title, title_lang))
    return result


# --- translation coverage ----------------------------------------------------------------

@dataclass(frozen=True)
class Coverage:
    lang: str
    articles: int  # published articles (their original is published)
    original: int  # written in this language
    human: int  # published human translation
    machine: int  # published machine translation (and no human one)
    missing: int  # nothing published in this language
    stale: int  # of the translations above, those with paragraphs older than the original

    @property
    def covered(self) -> int:
        return self.original + self.human + self.machine

    @property
    def percent(self) -> float:
        """Articles readable in this language (any published version), 0..100."""
        return 100.0 * self.covered / self.articles if self.articles else 0.0

    @property
    def human_percent(self) -> float:
        """Articles written or translated by people in this language, 0..100."""
        return 100.0 * (self.original + self.human) / self.articles if self.articles else 0.0


def translation_coverage(session: Session, languages) -> list[Coverage]:
    """Per language: how the published articles are available in it.

    Exactly one of original / human / machine / missing applies to each article;
    ``stale`` counts translations (human or machine) with stale paragraphs.
    Draft versions count as missing.
    """
    articles = session.scalars(select(Article).options(selectinload(Article.versions))).all()
    published = []
    for article in articles:
        source = article.source
        if source is not None and source.status == STATUS_PUBLISHED:
            published.append(article)
    result = []
    for lang in languages:
        original = human = machine = missing = stale = 0
        for article in published:
            version = article.version(lang)
            if version is None or version.status != STATUS_PUBLISHED:
                missing += 1
            elif lang == article.source_lang:
                original += 1
            else:
                if version.kind == KIND_MACHINE:
                    machine += 1
                else:
                    human += 1
                if version.stale_segments:
                    stale += 1
        result.append(Coverage(lang, len(published), original, human, machine, missing, stale))
    return result


# --- self-service rate ---------------------------------------------------------------------

SELF_SERVICE_METHOD = _l(
    "An estimate: visits are not tracked, so each search counts as one visit, and each request "
    "to support that came with a search or articles read counts as one visit that still needed "
    "a person. Rate = 1 − those requests ÷ searches. Several searches in one visit make the rate "
    "look better than it is; requests sent without any context are not counted."
)


@dataclass(frozen=True)
class SelfService:
    searches: int
    searches_opened: int  # searches after which a result was opened
    tickets_with_context: int  # requests carrying a search or articles read
    tickets_total: int
    explanation: str = SELF_SERVICE_METHOD

    @property
    def rate(self) -> float | None:
        """Estimated share of visits that did not end in a request to support, 0..1."""
        if not self.searches:
            return None
        return max(0.0, 1.0 - self.tickets_with_context / self.searches)

    @property
    def opened_rate(self) -> float | None:
        return self.searches_opened / self.searches if self.searches else None

    @property
    def self_served(self) -> int:
        """Estimated visits that did not need a person."""
        return max(0, self.searches - self.tickets_with_context)


def _has_context(context) -> bool:
    if not isinstance(context, dict):
        return False
    query = context.get("query")
    return bool((isinstance(query, str) and query.strip()) or context.get("articles"))


def self_service_rate(session: Session, since: datetime | None = None) -> SelfService:
    """See :data:`SELF_SERVICE_METHOD` for how (and how roughly) this is estimated."""
    since = _since(since)
    searches, opened = session.execute(
        select(func.count(SearchLog.id), func.count(SearchLog.opened_slug)).where(SearchLog.created_at >= since)
    ).one()
    contexts = session.scalars(select(Ticket.context).where(Ticket.created_at >= since)).all()
    with_context = sum(1 for context in contexts if _has_context(context))
    return SelfService(int(searches or 0), int(opened or 0), with_context, len(contexts))
