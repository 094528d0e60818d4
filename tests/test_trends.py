"""Emerging-issue detection (issue #15, item 1): grouping by meaning across languages,
growth over each group's own baseline, trends on the desk, staff told once."""
from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from portal.accounts import create_user
from portal.analytics import LoggedSearch
from portal.analytics.models import SearchLog
from portal.db import db, utcnow
from portal.jobs import enqueue, run_pending
from portal.jobs.models import QUEUED, Job
from portal.support import actions
from portal.support.service import NewTicket
from portal.trends.actions import detect_now
from portal.trends.detection import Channel, Params, Signal, detect, growth
from portal.trends.jobs import DETECT_TRENDS
from portal.trends.models import Trend, TrendMember, TrendStatus
from portal.trends.notifications import SEND_EMAIL, SEND_WEBHOOK
from tests.support import web
from tests.support.mail import smtp_server
from tests.support.webhook import webhook_receiver

PASSWORD = "a long staff password 42"
TOLD = {SEND_EMAIL, SEND_WEBHOOK}
NOW = utcnow().replace(microsecond=0)


# --- the pure math ---------------------------------------------------------------------

def _signals(text, lang, moments, channel=Channel.SEARCH, start=0):
    return [Signal(channel, start + n, text, lang, moment) for n, moment in enumerate(moments)]


def _steady(text, lang, per_window, days=7, start=0):
    """``per_window`` signals in the current window, the window before and the same hour of each previous day."""
    moments = []
    for offset in [timedelta(0), timedelta(hours=1)] + [timedelta(days=d) for d in range(1, days + 1)]:
        moments += [NOW - offset - timedelta(minutes=5 + 5 * n) for n in range(per_window)]
    return _signals(text, lang, moments, start=start)


def test_growth_is_smoothed_count_over_baseline():
    assert growth(8, 0, 1.0) == 9.0
    assert growth(6, 6, 1.0) == 1.0
    assert growth(12, 3, 1.0) == pytest.approx(3.25)


def test_a_steady_background_raises_nothing_and_a_burst_does():
    background = _steady("reset my password", "en", 6) + _steady("change email address", "en", 2, start=1000)
    assert detect(background, NOW) == []  # 6 now, 6 every day at this hour: no growth
    burst = _signals("charged twice", "en", [NOW - timedelta(minutes=m) for m in range(1, 9)], start=5000)
    found = detect(background + burst, NOW)
    assert len(found) == 1
    assert found[0].count == 8 and found[0].baseline == 0 and found[0].growth == 9.0
    assert found[0].representative == "charged twice" and found[0].languages == {"en": 8}


def test_two_searches_are_not_a_spike_and_a_slow_rise_is_not_either():
    two = _signals("printer on fire", "en", [NOW - timedelta(minutes=2), NOW - timedelta(minutes=3)])
    assert detect(two, NOW) == []
    # The hour before had as many: the previous window is part of the baseline.
    now_only = _signals("app crashes", "en", [NOW - timedelta(minutes=m) for m in range(1, 61, 6)])
    before = _signals("app crashes", "en", [NOW - timedelta(minutes=60 + m) for m in range(1, 61, 6)], start=100)
    assert len(detect(now_only, NOW)) == 1
    assert detect(now_only + before, NOW) == []
    assert len(detect(now_only + before, NOW, Params(window=timedelta(minutes=30), growth=1.5))) == 0
    assert detect(now_only, NOW, Params(min_count=11)) == []


# --- the whole path: searches, a comment and tickets in three languages ----------------

def _search(client, lang, query):
    assert client.get(f"/{lang}/search", query_string={"q": query}).status_code == 200


def _background_history(app):
    """"reset my password" searched six times in this hour of each of the last seven days, the hour
    before, and now: a steady background that must not become a trend."""
    now = utcnow()
    rows = []
    for offset in [timedelta(0), timedelta(hours=1)] + [timedelta(days=d) for d in range(1, 8)]:
        for n in range(6):
            rows.append(SearchLog(query="reset my password", query_lang="en", ui_lang="en", results=3,
                                  created_at=now - offset - timedelta(minutes=10 + 3 * n)))
    with app.app_context():
        db.session.add_all(rows)
        db.session.commit()


@pytest.fixture
def trends_app(indexed_app):
    with indexed_app.app_context():
        create_user(db.session, "agent@example.org", "Alex Agent", PASSWORD, ["agent"], "en")
        create_user(db.session, "agente@example.org", "Ana Agente", PASSWORD, ["agent"], "de")
        create_user(db.session, "writer@example.org", "Wren Writer", PASSWORD, ["writer"], "en")
        db.session.commit()
    return indexed_app


def _burst(app):
    client = app.test_client()
    _background_history(app)
    for lang, query in [("en", "charged twice for my subscription"), ("en", "charged twice for my subscription"),
                        ("de", "Abo zweimal berechnet"), ("de", "zweimal bezahlt"), ("es", "me cobraron dos veces")]:
        _search(client, lang, query)
    app.extensions["read_counter"].flush()  # the searches' buffered log rows, as the web process writes them
    voted = client.post("/es/articles/charged-twice/feedback", headers={"Sec-Fetch-Site": "same-origin"},
                        data={"helpful": "no", "comment": "Me han cobrado dos veces este mes y esto no ayuda"})
    assert voted.status_code == 303
    with app.app_context():
        for lang, message in [("de", "Mir wurde mein Abo diesen Monat zweimal berechnet. Bitte erstatten."),
                              ("en", "I was charged twice for my subscription this month, please refund one.")]:
            actions.open_ticket(db.session, NewTicket(message=message, language=lang, email="c@example.org"))


def test_a_burst_in_three_languages_raises_one_trend(trends_app):
    app = trends_app
    _burst(app)
    with app.app_context():
        result = detect_now(db.session, utcnow() + timedelta(seconds=1))
        assert result["grouping"] == "embeddings" and result["trends"] == 1, result
        trend = db.session.scalars(select(Trend)).one()
        assert trend.languages == {"de": 3, "en": 3, "es": 2}
        assert trend.channels == {"search": 5, "ticket": 2, "feedback": 1}
        assert trend.count == 8 and trend.baseline == 0 and trend.growth == 9.0
        assert trend.representative == "charged twice for my subscription" and trend.representative_lang == "en"
        assert len(trend.tickets) == 2 and "charged-twice" in trend.articles
        assert trend.status == TrendStatus.NEW
        assert db.session.scalar(select(func.count(TrendMember.id))) == 8
        assert not any("password" in text for text, _lang, _n in trend.originals)
        # Run again: the same trend (same id), nothing added twice.
        detect_now(db.session, utcnow() + timedelta(seconds=2))
        assert db.session.scalars(select(Trend.id)).all() == [trend.id]
        assert db.session.scalar(select(func.count(TrendMember.id))) == 8

    client = app.test_client()
    assert client.get("/desk/trends").status_code == 302  # anonymous: to sign-in
    assert client.get("/desk/trends.json").status_code == 302
    web.sign_in(client, "writer@example.org", PASSWORD)
    assert client.get("/desk/trends").status_code == 403  # not an agent
    assert client.get("/desk/trends.json").status_code == 403
    client = app.test_client()
    web.sign_in(client, "agente@example.org", PASSWORD)
    data = client.get("/desk/trends.json").get_json()
    _check_schema(data)
    assert [t["id"] for t in data["trends"]] == [trend.id]
    assert data["trends"][0]["languages"] == {"de": 3, "en": 3, "es": 2}
    page = client.get("/desk/trends").get_data(as_text=True)
    # The German agent reads the customers' own German words, the originals listed.
    assert '<span lang="de">Abo zweimal berechnet</span>' in page or '<span lang="de">zweimal bezahlt</span>' in page
    assert "me cobraron dos veces" in page and 'role="img"' in page and "trends-chart-table" in page
    changed = client.post(f"/desk/trends/{trend.id}/status",
                          data={"csrf_token": web.csrf(page), "status": "acknowledged"})
    assert changed.status_code == 303
    assert client.post(f"/desk/trends/{trend.id}/status",
                       data={"csrf_token": web.csrf(page), "status": "bogus"}).status_code == 400
    with app.app_context():
        assert db.session.get(Trend, trend.id).status == TrendStatus.ACKNOWLEDGED


def _check_schema(data):
    assert set(data) == {"trends", "detection"}
    assert set(data["detection"]) == {"window_minutes", "baseline_days", "min_count", "growth", "notify_growth"}
    for trend in data["trends"]:
        assert set(trend) == {"id", "status", "first_seen", "last_seen", "detected_at", "representative",
                              "translations", "originals", "count", "baseline", "growth", "peak_growth",
                              "languages", "channels", "articles", "tickets", "notified"}
        assert isinstance(trend["id"], int) and trend["status"] in {s.value for s in TrendStatus}
        assert set(trend["representative"]) == {"text", "lang"}
        assert all(set(o) == {"text", "lang", "count"} for o in trend["originals"])
        assert all(set(a) == {"slug", "count"} for a in trend["articles"])
        assert all(isinstance(n, int) for n in trend["languages"].values())
        assert set(trend["channels"]) <= {c.value for c in Channel}
        assert isinstance(trend["growth"], float) and isinstance(trend["tickets"], list)
        assert all(datetime.fromisoformat(trend[k]).utcoffset() == timedelta(0)
                   for k in ("first_seen", "last_seen", "detected_at"))


# --- embeddings off: the fuzzy grouping -------------------------------------------------

def test_without_embeddings_same_language_phrasings_still_raise_it(make_app):
    """Fuzzy grouping when embeddings are off; the phrasing machine-translated for a Portuguese agent."""
    app = make_app(embeddings="none", languages=("en", "pt-BR"), translation_engines=("bergamot",))
    with app.app_context():
        create_user(db.session, "agente@example.org", "Ana Agente", PASSWORD, ["agent"], "pt-BR")
    searches = app.extensions["read_counter"]
    for query in ["charged twice", "Charged twice!", "charged twise", "charged twice invoice", "invoice charged twice",
                  "how do I print"]:
        searches.search(LoggedSearch(query=query, query_lang="en", confidence=0.9, rule="test", ui_lang="en",
                                     results=0))
    searches.flush()
    with app.app_context():
        actions.open_ticket(db.session, NewTicket(message="charged twice on my invoice", language="en"))
        result = detect_now(db.session, utcnow() + timedelta(seconds=1))
        assert result["grouping"] == "fuzzy" and result["trends"] == 1, result
        trend = db.session.scalars(select(Trend)).one()
        assert trend.count == 6 and trend.channels == {"search": 5, "ticket": 1}
        assert trend.representative == "charged twice" and trend.phrasings["pt-BR"]["text"].strip()
        translated = trend.phrasings["pt-BR"]["text"]
    client = app.test_client()
    web.sign_in(client, "agente@example.org", PASSWORD)
    page = client.get("/desk/trends").get_data(as_text=True)
    assert f'<span lang="pt-BR">{escape(translated)}</span> <span class="meta">(tradução automática)</span>' in page
    assert '<span lang="en">charged twice</span>' in page  # the originals stay listed


# --- notifications: once per trend, by e-mail and webhook, through the queue -------------

def test_staff_are_told_once_by_mail_and_signed_webhook(make_app):
    with smtp_server() as (host, port, inbox), webhook_receiver() as (url, received):
        app = make_app(embeddings="none", languages=("en", "de"), translation_engines=(), smtp_host=host,
                       smtp_port=port, webhook_url=url, webhook_secret="s3cret", trend_notify_growth=4.0)
        with app.app_context():
            create_user(db.session, "agent@example.org", "Alex Agent", PASSWORD, ["agent"], "en")
            create_user(db.session, "agente@example.org", "Ana Agente", PASSWORD, ["agent"], "de")
            create_user(db.session, "writer@example.org", "Wren Writer", PASSWORD, ["writer"], "en")
            db.session.commit()
            for _n in range(6):
                actions.open_ticket(db.session, NewTicket(message="The app crashes when I open settings",
                                                          language="en"))
            delivered = []
            for _run in range(2):  # the job twice, each run's deliveries made: one trend, told once
                enqueue(db.session, DETECT_TRENDS, {})
                db.session.commit()
                run_pending(db.session, kinds={DETECT_TRENDS})
                delivered.append(run_pending(db.session, kinds=TOLD))
            assert delivered == [3, 0]  # two e-mails (the agents), one webhook; then nothing
            trend = db.session.scalars(select(Trend)).one()
            assert trend.notified_at is not None and trend.growth == 7.0
            # The job queued its next run, once, one interval later.
            waiting = db.session.scalars(select(Job).where(Job.kind == DETECT_TRENDS, Job.status == QUEUED)).all()
            assert len(waiting) == 1 and waiting[0].run_at.replace(tzinfo=UTC) > utcnow() + timedelta(minutes=4)
        staff_mail = [m for m in inbox if "agent" in m["To"]]
        assert sorted(m["To"] for m in staff_mail) == ["agent@example.org", "agente@example.org"]
        german = next(m for m in staff_mail if m["To"] == "agente@example.org")
        assert german["Content-Language"] == "de" and "The app crashes" in german.get_content()
        trend_hooks = [(h, b) for h, b in received if h["X-Portal-Event"] == "trend.detected"]
        assert len(trend_hooks) == 1
        headers, body = trend_hooks[0]
        expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
        assert headers["X-Portal-Signature-256"] == expected
        assert json.loads(body)["trend"]["id"] == trend.id


# --- the migration -----------------------------------------------------------------------

@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_the_migration_makes_the_tables_the_models_describe(database, make_app, request, tmp_path):
    """Alembic finds nothing to change in the trend tables after the migrations (SQLite and PostgreSQL);
    then a trend is detected and kept on that database."""
    from tests.conftest import migrated_app_on, schema_drift

    app = migrated_app_on(database, make_app, request, tmp_path, embeddings="none")
    assert schema_drift(app, "trend") == []
    with app.app_context():
        for _n in range(5):
            actions.open_ticket(db.session, NewTicket(message="The app crashes when I open settings", language="en"))
        assert detect_now(db.session, utcnow() + timedelta(seconds=1))["created"] == 1
        assert db.session.scalar(select(func.count(TrendMember.id))) == 5
