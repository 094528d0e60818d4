"""Writers' reports: content gaps, helpfulness, coverage, self-service, charts, CSV, permissions."""
from __future__ import annotations

import csv
import io
import re
import time
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from itertools import pairwise

import pytest
from sqlalchemy import insert, select

from portal.accounts import create_user
from portal.analytics import reports
from portal.analytics.charts import PALETTE, bar_chart, line_chart
from portal.analytics.models import ArticleVote, SearchLog
from portal.db import db
from portal.kb.models import KIND_MACHINE, Article
from portal.kb.service import save_version
from portal.kb.transfer import import_directory
from portal.support.service import NewTicket, create_ticket
from portal.web.studio_reports import csv_cell, new_article_url
from tests.conftest import write_article
from tests.support import web

PASSWORD = "correct horse battery staple"
LANGUAGES = ("en", "es", "ar")
NOW = datetime.now(UTC)




def sign_in(client, email):
    web.sign_in(client, email, PASSWORD)


def search(session, query, lang, results=0, days_ago=0.0, opened=None, times=1):
    for _ in range(times):
        session.add(SearchLog(query=query, query_lang=lang, ui_lang=lang, results=results, opened_slug=opened,
                              created_at=NOW - timedelta(days=days_ago, minutes=1)))


def vote(session, slug, lang, yes, no, days_ago=0.0):
    for helpful in [True] * yes + [False] * no:
        session.add(
            ArticleVote(slug=slug, lang=lang, helpful=helpful, created_at=NOW - timedelta(days=days_ago, minutes=1))
        )


def ticket(app, session, message, language, context, days_ago=0.0):
    created, _, _ = create_ticket(session, app.config["SECRET_KEY"],
                                  NewTicket(message=message, language=language, context=context), LANGUAGES)
    created.created_at = NOW - timedelta(days=days_ago, minutes=1)
    return created


@pytest.fixture
def seeded(make_app, tmp_path):
    app = make_app(languages=LANGUAGES)
    root = tmp_path / "kb"
    write_article(root, "reset-password", "en", "Reset your password", "## Steps\n\nDo it.\n", category="account")
    write_article(
        root, "reset-password", "es", "Restablecer la contraseña", "## Pasos\n\nHazlo.\n", translation_of="en"
    )
    write_article(root, "charged-twice", "en", "Charged twice", "Refunds.\n", category="billing")
    write_article(root, "export-data", "en", "Export your data", "Export.\n")
    write_article(root, "export-data", "es", "Exportar tus datos", "Exportar.\n", translation_of="en")
    write_article(root, "draft-only", "en", "Not ready", "Draft.\n", status="draft")
    write_article(root, "arabic-only", "ar", "مقالة عربية", "نص.\n")
    with app.app_context():
        session = db.session
        report = import_directory(session, root)
        assert not report.errors, report.errors
        articles = {a.slug: a for a in session.scalars(select(Article))}
        save_version(session, articles["charged-twice"], "ar", title="تم الخصم مرتين", body="نص.", kind=KIND_MACHINE,
                     produced_by="bergamot/1")
        articles["export-data"].version("es").stale_segments = ["abc123"]
        articles["reset-password"].view_count = 10
        articles["charged-twice"].view_count = 50
        articles["export-data"].view_count = 5

        create_user(session, "writer@example.org", "Wren Writer", PASSWORD, ["writer"], "en")
        create_user(session, "agent@example.org", "Alex Agent", PASSWORD, ["agent"], "en")
        create_user(session, "admin@example.org", "Ada Admin", PASSWORD, ["admin"], "es")

        # Zero-result searches: misspelled variants of one need, in English...
        search(session, "password reset", "en", times=3)
        search(session, "pasword reset", "en", times=2, days_ago=1)
        search(session, "reset pasword", "en", days_ago=2)
        search(session, "Password Reset!", "en", days_ago=3)
        # ... the same words in Spanish (apart by wording, together by meaning on the
        # report page), and a Spanish need of its own.
        search(session, "password reset", "es")
        search(session, "factura duplicada", "es", times=3, days_ago=4)
        # Older than a week: only in the 30-day period.
        search(session, "cancel subscription", "en", days_ago=10, times=2)
        # Older than 30 days: in no default period.
        search(session, "ancient query", "en", days_ago=45)
        # Spreadsheet formulas typed into the search box.
        search(session, '=HYPERLINK("http://evil.example","x")', "en")
        search(session, "@SUM(1+1)", "en")
        # Searches that found something.
        search(session, "invoice", "en", results=4, opened="charged-twice", times=2)
        search(session, "invoice", "en", results=3)

        vote(session, "reset-password", "en", yes=1, no=3)  # 25 %
        vote(session, "reset-password", "en", yes=2, no=0, days_ago=40)  # outside the period
        vote(session, "charged-twice", "en", yes=3, no=1)  # 75 %
        vote(session, "reset-password", "es", yes=2, no=2)  # 50 %
        vote(session, "export-data", "en", yes=0, no=2)  # too few answers

        ticket(app, session, "I want to cancel my plan please.", "en", {"query": "cancel my plan", "query_lang": "en"})
        ticket(
            app,
            session,
            "How do I cancel my plan now?",
            "en",
            {"query": "Cancel my plan", "query_lang": "en"},
            days_ago=1,
        )
        ticket(app, session, "Me cobraron dos veces la factura.", "es", {"query": "factura duplicada"}, days_ago=2)
        ticket(
            app,
            session,
            "Something old happened here.",
            "en",
            {"query": "old question", "query_lang": "en"},
            days_ago=10,
        )
        ticket(app, session, "No context at all in this one.", "en", {})
        session.commit()
    return app


def signed_in(app, email="writer@example.org"):
    client = app.test_client()
    sign_in(client, email)
    return client


# --- report functions ----------------------------------------------------------------

def test_normalisation():
    assert reports.normalize_query("  ¿Factura   DUPLICADA? ") == "factura duplicada"
    assert reports.normalize_query("Cobrança—duplicada!!") == "cobranca duplicada"
    assert reports.normalize_query("Straße") == "strasse"
    assert reports.normalize_query("1月5日 請求書") == "1月5日 請求書"


def test_zero_result_groups_put_variants_together_and_keep_languages_apart(seeded):
    with seeded.app_context():
        groups = reports.zero_result_groups(db.session, reports.period_start(30))
    by_key = {(g.query, g.lang): g for g in groups}
    english = by_key[("password reset", "en")]
    assert english.count == 7  # 3 + 2 + 1 + 1 ("Password Reset!" normalises to the same)
    assert set(english.variants) == {"password reset", "pasword reset", "reset pasword"}
    assert english.variants[0] == "password reset" and english.variant_total == 3
    assert by_key[("password reset", "es")].count == 1  # same words, other language: its own group
    assert by_key[("factura duplicada", "es")].count == 3
    assert by_key[("cancel subscription", "en")].count == 2
    assert groups[0] is english  # most searched first
    assert [g.count for g in groups] == sorted((g.count for g in groups), reverse=True)
    assert not any("invoice" in g.query or "ancient" in g.query for g in groups)
    assert english.last_seen > NOW - timedelta(minutes=5)


def test_period_filter(seeded):
    with seeded.app_context():
        week = {g.query for g in reports.zero_result_groups(db.session, reports.period_start(7))}
        month = {g.query for g in reports.zero_result_groups(db.session, reports.period_start(30))}
        week_tickets = {t.query for t in reports.queries_that_led_to_tickets(db.session, reports.period_start(7))}
    assert "cancel subscription" not in week and "cancel subscription" in month
    assert "ancient query" not in month
    assert "old question" not in week_tickets


def test_grouping_is_fast_for_ten_thousand_searches(make_app):
    import random

    app = make_app()
    rng = random.Random(7)
    words = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 10))) for _ in range(500)]
    rows = []
    for n in range(10_000):
        query = " ".join(rng.choice(words) for _ in range(rng.randint(1, 4)))
        rows.append(
            {
                "query": query,
                "query_lang": rng.choice(LANGUAGES),
                "ui_lang": "en",
                "results": 0 if n % 2 else 3,
                "created_at": NOW - timedelta(minutes=n),
                "confidence": 0.9,
                "detection_rule": "model",
                "source": "page",
            }
        )
    with app.app_context():
        db.session.execute(insert(SearchLog), rows)
        db.session.commit()
        started = time.perf_counter()
        groups = reports.zero_result_groups(db.session, reports.period_start(30), limit=0)
        elapsed = time.perf_counter() - started
    assert sum(g.count for g in groups) == 5_000
    assert elapsed < 5, f"grouping 10k searches took {elapsed:.1f}s"


def test_searches_per_language_per_day(seeded):
    with seeded.app_context():
        since = reports.period_start(30)
        rows = reports.searches_per_language_per_day(db.session, since)
        days, series = reports.daily_series(rows, since)
    assert len(days) == 30 and days[-1] == datetime.now(UTC).date()
    assert sum(r.count for r in rows if r.lang == "es") == 4
    assert sum(r.count for r in rows if r.lang == "en") == 7 + 2 + 2 + 3
    assert list(series)[0] == "en"  # most searched first
    assert sum(series["en"]) == 14 and all(len(counts) == len(days) for counts in series.values())


def test_queries_that_led_to_tickets(seeded):
    with seeded.app_context():
        rows = reports.queries_that_led_to_tickets(db.session, reports.period_start(30))
    found = {(r.query.casefold(), r.lang): r.tickets for r in rows}
    assert found[("cancel my plan", "en")] == 2  # "Cancel my plan" counted with "cancel my plan"
    assert found[("factura duplicada", "es")] == 1  # no query_lang: the ticket's language
    assert found[("old question", "en")] == 1
    assert len(rows) == 3 and rows[0].query.casefold() == "cancel my plan"  # the ticket without context is not here


def test_least_helpful_ordering(seeded):
    with seeded.app_context():
        rows = reports.least_helpful(db.session, reports.period_start(30))
    assert [(r.slug, r.lang, r.yes, r.no) for r in rows] == [
        ("reset-password", "en", 1, 3), ("reset-password", "es", 2, 2), ("charged-twice", "en", 3, 1)]
    assert rows[0].ratio == 0.25 and rows[1].title == "Restablecer la contraseña"


def test_most_viewed(seeded):
    with seeded.app_context():
        rows = reports.most_viewed(db.session, "es")
    assert [(r.slug, r.views) for r in rows[:3]] == [("charged-twice", 50), ("reset-password", 10), ("export-data", 5)]
    assert rows[1].title == "Restablecer la contraseña" and rows[1].title_lang == "es"
    assert rows[0].title == "Charged twice" and rows[0].title_lang == "en"  # no Spanish version: the original
    assert "draft-only" not in {r.slug for r in rows}


def test_translation_coverage(seeded):
    with seeded.app_context():
        coverage = {c.lang: c for c in reports.translation_coverage(db.session, LANGUAGES)}
    # Published articles: reset-password, charged-twice, export-data (en) and arabic-only (ar).
    en, es, ar = coverage["en"], coverage["es"], coverage["ar"]
    assert (en.articles, en.original, en.human, en.machine, en.missing, en.stale) == (4, 3, 0, 0, 1, 0)
    assert (es.original, es.human, es.machine, es.missing, es.stale) == (0, 2, 0, 2, 1)
    assert (ar.original, ar.human, ar.machine, ar.missing, ar.stale) == (1, 0, 1, 2, 0)
    assert en.percent == 75.0 and es.percent == 50.0 and ar.human_percent == 25.0


def test_self_service_rate(seeded):
    with seeded.app_context():
        rate = reports.self_service_rate(db.session, reports.period_start(30))
        week = reports.self_service_rate(db.session, reports.period_start(7))
    assert (rate.searches, rate.searches_opened, rate.tickets_with_context, rate.tickets_total) == (18, 2, 4, 5)
    assert rate.rate == pytest.approx(1 - 4 / 18)
    assert (week.searches, week.tickets_with_context) == (16, 3)
    assert "estimate" in str(rate.explanation).lower()


def test_self_service_rate_without_searches(app, session):
    result = reports.self_service_rate(session)
    assert result.rate is None and result.searches == 0


# --- charts ------------------------------------------------------------------------------

def _luminance(colour: str) -> float:
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


@pytest.mark.wcag("1.4.11")
@pytest.mark.parametrize("background", ["#ffffff", "#f3f5f8", "#121212", "#1e1e1e"])
def test_palette_contrast(background):
    for colour in PALETTE:
        high, low = sorted((_luminance(colour), _luminance(background)), reverse=True)
        assert (high + 0.05) / (low + 0.05) >= 3, (colour, background)


@pytest.mark.wcag("1.1.1")
def test_bar_chart_is_accessible_and_escaped():
    svg = str(bar_chart("Top <queries>", "Bars & numbers", ["<script>alert(1)</script>", "b"], [3, 1], unit="%",
                        id_prefix="gaps-chart"))
    assert svg.startswith("<svg") and 'role="img"' in svg and 'viewBox="0 0 400 ' in svg and 'width="100%"' in svg
    assert 'aria-labelledby="gaps-chart-title"' in svg and 'aria-describedby="gaps-chart-desc"' in svg
    assert '<title id="gaps-chart-title">Top &lt;queries&gt;</title>' in svg
    assert '<desc id="gaps-chart-desc">Bars &amp; numbers</desc>' in svg
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert ">3%<" in svg and ">1%<" in svg  # printed values
    assert 'fill="currentColor"' in svg


@pytest.mark.wcag("1.1.1", "1.4.1")
def test_line_chart_distinguishes_series_without_colour():
    svg = str(line_chart("Searches", "Per day", ["1", "2", "3"], {"English": [1, 4, 2], "Español": [0, 1, 3]},
                         series_langs={"Español": "es"}, id_prefix="daily"))
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    assert svg.count("<polyline") == 2 and 'stroke-dasharray="9 4"' in svg  # second series is dashed
    assert (
        ">English</tspan>" in svg and ">2</tspan>" in svg and '<tspan lang="es">Español</tspan>' in svg
    )  # direct labels
    assert ">1<" in svg and ">3<" in svg  # axis and value labels


# --- the page ---------------------------------------------------------------------------

class _Outline(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.headings, self.tables = [], [], 0
        self.captions = self.scoped_th = self.unscoped_th = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag == "table":
            self.tables += 1
        if tag == "caption":
            self.captions += 1
        if tag == "th":
            if attrs.get("scope") in ("col", "row"):
                self.scoped_th += 1
            else:
                self.unscoped_th += 1


def _svg(html: str, chart_id: str) -> str:
    return re.search(rf'<svg[^>]*aria-labelledby="{chart_id}-title".*?</svg>', html, re.S).group(0)


def _table(html: str, table_id: str) -> str:
    return re.search(rf'<table class="data-table" id="{table_id}">.*?</table>', html, re.S).group(0)


@pytest.mark.wcag("1.1.1", "1.3.1")
def test_page_sections_charts_and_tables(seeded):
    client = signed_in(seeded)
    response = client.get("/studio/reports/?days=30")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    outline = _Outline()
    outline.feed(html)
    assert outline.headings.count(1) == 1 and outline.headings[0] == 1
    assert all(b - a <= 1 for a, b in pairwise(outline.headings))  # no skipped level
    assert len(outline.ids) == len(set(outline.ids)), [i for i in outline.ids if outline.ids.count(i) > 1]
    assert outline.tables == outline.captions == 7 and outline.unscoped_th == 0
    assert html.count('class="table-scroll" role="region" tabindex="0" aria-labelledby=') == 7
    for section in ("searches", "content-gaps", "ticket-queries", "most-viewed", "least-helpful", "coverage",
                    "self-service"):
        svg = _svg(html, f"{section}-chart")
        assert (
            'role="img"' in svg
            and f'<title id="{section}-chart-title">' in svg
            and f'<desc id="{section}-chart-desc">' in svg
        )
        assert f'id="{section}-table"' in html
        assert f'href="/studio/reports/{section}.csv?days=30"' in html

    # The chart and its table show the same numbers.
    gap_values = re.findall(r'font-weight="600">([^<]+)</text>', _svg(html, "content-gaps-chart"))
    gap_cells = re.findall(r'<td class="num">([^<]+)</td>', _table(html, "content-gaps-table"))
    # The report groups by meaning across languages: the Spanish "password reset" joins the English 7.
    assert gap_values[:3] == ["8", "3", "2"] and gap_values == gap_cells[:len(gap_values)]
    helpful = re.findall(r'font-weight="600">([^<]+)</text>', _svg(html, "least-helpful-chart"))
    assert helpful == ["25%", "50%", "75%"]
    assert helpful == re.findall(r'<td class="num">(\d+%)</td>', _table(html, "least-helpful-table"))
    coverage_table = _table(html, "coverage-table")
    assert re.findall(r'font-weight="600">([^<]+)</text>', _svg(html, "coverage-chart")) == \
        re.findall(r'<td class="num">(\d+%)</td>', coverage_table) == ["75%", "50%", "50%"]
    self_service = re.findall(r'font-weight="600">([^<]+)</text>', _svg(html, "self-service-chart"))
    assert self_service == ["18", "2", "4", "5"]
    assert self_service == re.findall(r'<td class="num">([^<]+)</td>', _table(html, "self-service-table"))

    # Each content gap links to a new article with the query prefilled.
    assert 'href="/studio/articles/new?title=password%20reset&amp;lang=en"' in html
    assert 'href="/studio/articles/new?title=factura%20duplicada&amp;lang=es"' in html
    assert html.count(">Write an article for this<") == html.count('<th scope="row" lang=') - \
        len(re.findall(r'<th scope="row" lang=', _table(html, "ticket-queries-table")))
    assert '<th scope="row" lang="es" dir="ltr">factura duplicada</th>' in html
    assert "Estimated self-service rate: 78%" in html


def test_new_article_link_is_url_encoded():
    assert new_article_url("factura & IVA?", "es") == "/studio/articles/new?title=factura%20%26%20IVA%3F&lang=es"


def test_page_period_filter(seeded):
    client = signed_in(seeded)
    month = client.get("/studio/reports/").get_data(as_text=True)
    week = client.get("/studio/reports/?days=7").get_data(as_text=True)
    assert "cancel subscription" in month and "cancel subscription" not in week
    assert "old question" in month and "old question" not in week
    assert '<option value="7" selected>' in week
    nonsense = client.get("/studio/reports/?days=banana")
    assert nonsense.status_code == 200 and '<option value="30" selected>' in nonsense.get_data(as_text=True)


def test_empty_reports_render(app):
    with app.app_context():
        create_user(db.session, "writer@example.org", "Wren Writer", PASSWORD, ["writer"], "en")
        db.session.commit()
    html = signed_in(app).get("/studio/reports/").get_data(as_text=True)
    assert "No searches in this period." in html and "<h1>" in html


# --- CSV -----------------------------------------------------------------------------------

def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_csv_exports(seeded):
    client = signed_in(seeded)
    for name in ("searches", "content-gaps", "ticket-queries", "most-viewed", "least-helpful", "coverage",
                 "self-service"):
        response = client.get(f"/studio/reports/{name}.csv?days=30")
        assert response.status_code == 200, name
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        disposition = response.headers["Content-Disposition"]
        assert (
            disposition.startswith("attachment; filename=")
            and f"{name}-" in disposition
            and disposition.endswith('.csv"')
        )
        assert len(_csv(response)) >= 2, name
    gaps = _csv(client.get("/studio/reports/content-gaps.csv?days=30"))
    assert gaps[0] == ["Query", "Language", "Searches", "Variants", "Last seen (UTC)"]
    assert gaps[1][:3] == ["password reset", "en es", "8"]
    assert gaps[1][3].split(" | ")[0] == "password reset" and "pasword reset" in gaps[1][3]
    week = _csv(client.get("/studio/reports/content-gaps.csv?days=7"))
    assert "cancel subscription" not in {row[0] for row in week}
    coverage = _csv(client.get("/studio/reports/coverage.csv"))
    assert coverage[1] == ["en", "4", "3", "0", "0", "1", "0", "75.0", "75.0"]
    helpful = _csv(client.get("/studio/reports/least-helpful.csv"))
    assert [row[:2] + row[3:] for row in helpful[1:]] == [
        ["reset-password", "en", "1", "3", "25.0"], ["reset-password", "es", "2", "2", "50.0"],
        ["charged-twice", "en", "3", "1", "75.0"]]


def test_csv_formula_injection_is_neutralised(seeded):
    client = signed_in(seeded)
    text = client.get("/studio/reports/content-gaps.csv").get_data(as_text=True)
    queries = {row[0] for row in csv.reader(io.StringIO(text))}
    assert "'=HYPERLINK(\"http://evil.example\",\"x\")" in queries and "'@SUM(1+1)" in queries
    assert not any(q.startswith(("=", "+", "-", "@")) for q in queries)
    assert csv_cell("+1") == "'+1" and csv_cell("-x") == "'-x" and csv_cell("plain") == "plain" and csv_cell(-3) == -3


def test_unknown_csv_is_404(seeded):
    assert signed_in(seeded).get("/studio/reports/passwords.csv").status_code == 404


# --- permissions ------------------------------------------------------------------------

def test_permissions(seeded):
    anonymous = seeded.test_client()
    for path in ("/studio/reports/", "/studio/reports/coverage.csv"):
        response = anonymous.get(path)
        assert response.status_code == 302 and "/desk/login" in response.headers["Location"], path
    agent = signed_in(seeded, "agent@example.org")
    assert agent.get("/studio/reports/").status_code == 403
    assert agent.get("/studio/reports/coverage.csv").status_code == 403
    assert signed_in(seeded).get("/studio/reports/").status_code == 200
    admin = signed_in(seeded, "admin@example.org").get("/studio/reports/")
    assert admin.status_code == 200 and '<html lang="es"' in admin.get_data(as_text=True)  # the user's language
