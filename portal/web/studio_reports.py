"""Writers' analytics dashboard: what customers searched for and could not find.

``GET /studio/reports/?days=30`` shows every report (a chart and its data table per
section); ``GET /studio/reports/<name>.csv`` downloads one table. Writers only
(admins too). The queries live in :mod:`portal.analytics.reports`, the charts in
:mod:`portal.analytics.charts`; this module only parses, calls and renders.
"""
from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import UTC, datetime
from urllib.parse import quote, urlencode

from babel.dates import format_skeleton
from flask import Blueprint, Response, abort, current_app, g, render_template, request
from flask_babel import format_percent, get_locale
from flask_babel import gettext as _

from portal.accounts import role_required
from portal.analytics import reports
from portal.analytics.charts import bar_chart, line_chart
from portal.db import db
from portal.i18n import language_name
from portal.notices import service as notice_service
from portal.search.hybrid import centered_query_vectors
from portal.services import services
from portal.web.guard import parse_count
from portal.web.lang import install_staff_language

bp = Blueprint("studio_reports", __name__, url_prefix="/studio/reports")

PERIODS = (7, 30, 90, 365)
MAX_DAYS = 366
CHART_ROWS = 10  # bars per chart; the tables have every row
CHART_SERIES = 6  # languages drawn in the searches chart; the table has all
CSV_LIMIT = 1000
NEW_ARTICLE_PATH = "/studio/articles/new"  # the article editor (built separately)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


install_staff_language(bp)


def _days() -> int:
    days = request.args.get("days", type=parse_count)
    if days is None or days < 1:
        return reports.DEFAULT_DAYS
    return min(days, MAX_DAYS)


def new_article_url(title: str, lang: str) -> str:
    """Link to the article editor with the title and language prefilled."""
    return f"{NEW_ARTICLE_PATH}?{urlencode({'title': title, 'lang': lang}, quote_via=quote)}"


# Template helpers: small list conversions for the chart calls (Jinja cannot map with arguments).

def short_days(days) -> list[str]:
    """Days as short, localised labels ("Jan 5", "5. Jan.", "1月5日")."""
    locale = get_locale()
    return [format_skeleton("MMMd", day, locale=locale) for day in days]


def language_label(code: str) -> str:
    return language_name(code, g.lang) if code else _("Unknown")


def language_labels(codes) -> list[str]:
    return [language_label(code) for code in codes]


def query_labels(rows) -> list[str]:
    """Chart labels for rows with ``query`` and ``lang``: the language code is added
    where the same words were searched in several languages ("password reset (es)")."""
    seen = Counter(row.query for row in rows)
    return [f"{row.query} ({row.lang})" if seen[row.query] > 1 else row.query for row in rows]


def percents(values, scale: float = 1) -> list[str]:
    """Values (0..``scale``) as localised percentages ("25%", "25 %", "٢٥٪")."""
    return [format_percent(value / scale) for value in values]


def percent_points(ratios) -> list[float]:
    """0..1 ratios as 0..100 values (bar lengths on a 100 scale)."""
    return [100 * ratio for ratio in ratios]


def named_series(series: dict[str, list[int]], limit: int) -> tuple[dict[str, list[int]], dict[str, str]]:
    """The first ``limit`` series keyed by language name, and each name's language code."""
    named, langs = {}, {}
    for code in list(series)[:limit]:
        name = language_label(code)
        named[name], langs[name] = series[code], code
    return named, langs


@bp.context_processor
def _helpers():
    return {"bar_chart": bar_chart, "line_chart": line_chart, "new_article_url": new_article_url,
            "short_days": short_days, "language_label": language_label, "language_labels": language_labels,
            "query_labels": query_labels, "percents": percents, "percent_points": percent_points,
            "named_series": named_series, "format_percent": format_percent}


@bp.get("/")
@role_required("writer")
def index():
    days = _days()
    since = reports.period_start(days)
    session = db.session
    daily = reports.searches_per_language_per_day(session, since)
    day_list, series = reports.daily_series(daily, since)
    return render_template(
        "studio/reports.html",
        days=days, periods=sorted(set(PERIODS) | {days}), since=since,
        chart_rows=CHART_ROWS, chart_series=CHART_SERIES,
        search_days=day_list, search_series=series, search_total=sum(r.count for r in daily),
        search_day_totals=[sum(counts) for counts in zip(*series.values(), strict=True)] or [0] * len(day_list),
        gaps=reports.zero_result_groups(session, since, embed=_gap_embedding()),
        ticket_queries=reports.queries_that_led_to_tickets(session, since, limit=50),
        viewed=reports.most_viewed(session, g.lang),
        unhelpful=reports.least_helpful(session, since),
        coverage=reports.translation_coverage(session, current_app.config["SETTINGS"].languages),
        self_service=reports.self_service_rate(session, since),
        deflection=notice_service.deflection(session, since),
    )


def _gap_embedding():
    """Multilingual query vectors for grouping content gaps across languages (None: off)."""
    embedder = services().embedder
    if embedder is None:
        return None

    return lambda texts: centered_query_vectors(embedder, texts)


# --- CSV downloads ------------------------------------------------------------------

def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def _searches_csv(since):
    rows = reports.searches_per_language_per_day(db.session, since)
    return [_("Day"), _("Language"), _("Searches")], [(r.day.isoformat(), r.lang, r.count) for r in rows]


def _content_gaps_csv(since):
    gaps = reports.zero_result_groups(db.session, since, limit=CSV_LIMIT, embed=_gap_embedding())
    return (
        [_("Query"), _("Language"), _("Searches"), _("Variants"), _("Last seen (UTC)")],
        [
            (
                gap.query,
                " ".join(gap.languages or (gap.lang,)),
                gap.count,
                " | ".join(gap.variants),
                _when(gap.last_seen),
            )
            for gap in gaps
        ],
    )


def _ticket_queries_csv(since):
    rows = reports.queries_that_led_to_tickets(db.session, since, limit=CSV_LIMIT)
    return ([_("Query"), _("Language"), _("Requests to support"), _("Last seen (UTC)")],
            [(r.query, r.lang, r.tickets, _when(r.last_seen)) for r in rows])


def _most_viewed_csv(since):
    rows = reports.most_viewed(db.session, g.lang, limit=CSV_LIMIT)
    return ([_("Article"), _("Title"), _("Title language"), _("Views (all time)")],
            [(r.slug, r.title, r.title_lang, r.views) for r in rows])


def _least_helpful_csv(since):
    rows = reports.least_helpful(db.session, since, limit=CSV_LIMIT)
    return ([_("Article"), _("Language"), _("Title"), _("Yes"), _("No"), _("Helpful (%)")],
            [(r.slug, r.lang, r.title, r.yes, r.no, _percent(100 * r.ratio)) for r in rows])


def _coverage_csv(since):
    rows = reports.translation_coverage(db.session, current_app.config["SETTINGS"].languages)
    return ([_("Language"), _("Published articles"), _("Original"), _("Human translation"),
             _("Machine translation"), _("Not translated"), _("Stale translations"), _("Covered (%)"),
             _("Written or translated by people (%)")],
            [(r.lang, r.articles, r.original, r.human, r.machine, r.missing, r.stale, _percent(r.percent),
              _percent(r.human_percent)) for r in rows])


def _self_service_csv(since):
    s = reports.self_service_rate(db.session, since)
    rate = None if s.rate is None else 100 * s.rate
    return [_("Measure"), _("Value")], [
        (_("Searches"), s.searches),
        (_("Searches after which an article was opened"), s.searches_opened),
        (_("Requests to support with a search or articles read"), s.tickets_with_context),
        (_("All requests to support"), s.tickets_total),
        (_("Estimated self-service rate (%)"), _percent(rate)),
        (_("Method"), str(s.explanation)),
    ]


CSV_TABLES = {
    "searches": (_searches_csv, True),
    "content-gaps": (_content_gaps_csv, True),
    "ticket-queries": (_ticket_queries_csv, True),
    "most-viewed": (_most_viewed_csv, False),  # all time: views are not dated
    "least-helpful": (_least_helpful_csv, True),
    "coverage": (_coverage_csv, False),  # a snapshot of today
    "self-service": (_self_service_csv, True),
}


def csv_cell(value) -> str | int | float:
    """A CSV cell that spreadsheets will not run as a formula (OWASP CSV injection)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


@bp.get("/<name>.csv")
@role_required("writer")
def download(name: str):
    if name not in CSV_TABLES:
        abort(404)
    build, dated = CSV_TABLES[name]
    days = _days()
    since = reports.period_start(days)
    headers, rows = build(since)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([csv_cell(h) for h in headers])
    writer.writerows([csv_cell(cell) for cell in row] for row in rows)
    today = datetime.now(UTC).date().isoformat()
    filename = f"{name}-{since.date().isoformat()}-to-{today}.csv" if dated else f"{name}-{today}.csv"
    response = Response(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
