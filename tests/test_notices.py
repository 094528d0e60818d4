"""Incident notices (issue #15, items 2 and 3): publishing from the desk, banners on the home page,
matching searches and affected articles, the public page, Atom and JSON, machine translation with
people's overrides, following (double opt-in) and the mails a resolution sends, once each."""
from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal.accounts import create_user
from portal.db import db
from portal.jobs import run_pending
from portal.notices.models import Notice, NoticeDelivery, NoticeStatus
from portal.services import services
from portal.translation.engines.bergamot import BergamotEngine
from portal.translation.service import TranslationService
from tests.conftest import SUPPORT_SETTINGS, app_on
from tests.support import web
from tests.support.mail import smtp_server
from tests.support.web import csrf

PASSWORD = "correct horse battery staple"
ATOM = "{http://www.w3.org/2005/Atom}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@pytest.fixture
def inbox():
    with smtp_server() as (host, port, messages):
        yield host, port, messages


@pytest.fixture
def notices_app(tmp_path, support_template, inbox):
    """Shipped articles indexed, four UI languages, bergamot for en <-> pt-BR, an agent, a mail server."""
    data_dir = tmp_path / "notices"
    shutil.copytree(support_template, data_dir)
    host, port, _messages = inbox
    app = app_on(data_dir, **dict(SUPPORT_SETTINGS, translation_engines=("bergamot",), smtp_host=host,
                                  smtp_port=port))
    services(app).provide(translation=TranslationService([BergamotEngine()]))
    with app.app_context():
        create_user(db.session, "agent@example.org", "Alex Agent", PASSWORD, ["agent"], "en")
        db.session.commit()
    return app


def agent(app):
    client = app.test_client()
    web.sign_in(client, "agent@example.org", PASSWORD)
    return client


def publish(client, **fields) -> int:
    page = client.get("/desk/notices/new").get_data(as_text=True)
    data = {"csrf_token": csrf(page), "lang": "en", "title": "Password reset e-mails are delayed",
            "body": "Reset e-mails arrive **up to an hour late**. Your old password still works.",
            "severity": "major", "phrases": "password reset\nreset e-mail", "topics": "", "articles": "",
            "update": "We are looking into it."}
    data.update(fields)
    response = client.post("/desk/notices/new", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return int(re.search(r"/desk/notices/(\d+)", response.headers["Location"]).group(1))


def banner_ids(html: str) -> list[str]:
    return re.findall(r'<section class="notice-banner[^"]*" id="notice-banner-(\d+)" '
                      r'aria-labelledby="notice-banner-\1-title"', html)


def test_a_published_notice_shows_on_home_matching_searches_and_affected_articles(notices_app):
    client = notices_app.test_client()
    assert banner_ids(client.get("/en/").get_data(as_text=True)) == []  # and that page is now kept in memory
    assert banner_ids(client.get("/en/search?q=reset+my+password").get_data(as_text=True)) == []
    notice_id = publish(agent(notices_app), articles="reset-your-password")

    reader = notices_app.test_client()
    home = reader.get("/en/").get_data(as_text=True)
    assert banner_ids(home) == [str(notice_id)]  # the kept page was dropped when the notice was written
    assert "Major disruption" in home and 'role="status" id="notice-announcer"' in home
    assert "/static/notices.js" in home
    matching = reader.get("/en/search?q=reset+my+password").get_data(as_text=True)
    assert banner_ids(matching) == [str(notice_id)]
    assert banner_ids(reader.get("/en/search?q=printer+jam").get_data(as_text=True)) == []
    assert banner_ids(reader.get("/en/articles/reset-your-password").get_data(as_text=True)) == [str(notice_id)]
    assert banner_ids(reader.get("/en/articles/charged-twice").get_data(as_text=True)) == []

    page = reader.get(f"/en/notices/{notice_id}").get_data(as_text=True)
    assert "Password reset e-mails are delayed" in page and "<strong>up to an hour late</strong>" in page
    assert "We are looking into it." in page and 'id="follow-email"' in page


def test_an_inaccessible_or_empty_notice_is_refused_with_nothing_written(notices_app):
    client = agent(notices_app)
    page = client.get("/desk/notices/new").get_data(as_text=True)
    refused = client.post("/desk/notices/new", data={
        "csrf_token": csrf(page), "lang": "en", "title": "Outage", "severity": "major", "phrases": "login",
        "body": "![](/media/00000000000000000000000000000000.png)\n\n[click here](https://example.org)\n"})
    assert refused.status_code == 400
    assert "Accessibility problems" in refused.get_data(as_text=True)
    empty = client.post("/desk/notices/new", data={"csrf_token": csrf(page), "lang": "en", "title": "",
                                                   "severity": "loud", "phrases": ""})
    assert empty.status_code == 400
    text = empty.get_data(as_text=True)
    assert "Give the notice a title." in text and "Choose one of the listed severities." in text
    with notices_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Notice)) == 0


def test_the_json_api_and_the_atom_feed(notices_app):
    notice_id = publish(agent(notices_app))
    client = notices_app.test_client()
    data = client.get("/api/v1/notices?lang=en").get_json()
    assert data["language"] == "en"
    [notice] = data["notices"]
    assert notice["id"] == notice_id and notice["status"] == "investigating" and notice["severity"] == "major"
    assert notice["url"] == f"/en/notices/{notice_id}" and notice["machine_translated"] is False
    assert [u["text"] for u in notice["updates"]] == ["We are looking into it."]
    assert notice["updates"][0]["created_at"].endswith("Z")
    assert client.get("/api/v1/notices?lang=xx").get_json()["error"]["code"] == "unknown_language"

    feed = client.get("/es/notices.atom")
    assert feed.headers["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(feed.data)
    assert root.tag == f"{ATOM}feed" and root.get(XML_LANG) == "es"
    for name in ("id", "title", "updated", "author", "link"):
        assert root.find(f"{ATOM}{name}") is not None, name
    assert root.find(f"{ATOM}author/{ATOM}name").text
    [entry] = root.findall(f"{ATOM}entry")
    for name in ("id", "title", "updated", "link", "content"):
        assert entry.find(f"{ATOM}{name}") is not None, name
    assert entry.get(XML_LANG) == "en"  # no Spanish text: the original, and says which language
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", entry.find(f"{ATOM}updated").text)
    assert entry.find(f"{ATOM}link").get("href").endswith(f"/es/notices/{notice_id}")
    assert "<strong>" in entry.find(f"{ATOM}content").text  # HTML, escaped once


def test_notices_are_machine_translated_labelled_and_overridden_per_language(notices_app):
    client = agent(notices_app)
    notice_id = publish(client)
    with notices_app.app_context():
        assert run_pending(db.session, kinds={"translate_notice"}) == 1
        notice = db.session.get(Notice, notice_id)
        portuguese = notice.text("pt-BR")
        assert portuguese.origin == "machine" and portuguese.engine.startswith("bergamot/")
        assert notice.text("ar") is None and notice.text("es") is None  # no engine for en -> ar, es
        machine_title = portuguese.title
    reader = notices_app.test_client()
    home = reader.get("/pt-BR/").get_data(as_text=True)
    assert machine_title in home and 'lang="pt-BR"' in home and "Tradução automática" in home
    arabic = reader.get("/ar/").get_data(as_text=True)
    assert '<span lang="en" dir="ltr">Password reset e-mails are delayed</span>' in arabic  # the original, marked
    # The translated phrases match searches written in Portuguese.
    assert banner_ids(reader.get("/pt-BR/search?q=" + portuguese_phrase(notices_app, notice_id)).get_data(
        as_text=True)) == [str(notice_id)]

    form = client.get(f"/desk/notices/{notice_id}/translations/pt-BR").get_data(as_text=True)
    saved = client.post(f"/desk/notices/{notice_id}/translations/pt-BR", data={
        "csrf_token": csrf(form), "title": "E-mails de redefinição de senha atrasados",
        "body": "Os e-mails chegam com até uma hora de atraso.", "phrases": "redefinir senha"})
    assert saved.status_code == 303
    api = reader.get("/api/v1/notices?lang=pt-BR").get_json()["notices"][0]
    assert api["title"] == "E-mails de redefinição de senha atrasados" and api["machine_translated"] is False
    assert api["language"] == "pt-BR"
    # A new update is translated for Portuguese readers; the person's title stays.
    update = client.get(f"/desk/notices/{notice_id}").get_data(as_text=True)
    client.post(f"/desk/notices/{notice_id}/updates", data={"csrf_token": csrf(update), "status": "identified",
                                                            "update": "We found the cause."})
    with notices_app.app_context():
        run_pending(db.session, kinds={"translate_notice"})
    api = reader.get("/api/v1/notices?lang=pt-BR").get_json()["notices"][0]
    assert api["title"] == "E-mails de redefinição de senha atrasados" and api["status"] == "identified"
    assert api["updates"][0]["machine_translated"] is True and api["updates"][0]["language"] == "pt-BR"
    assert banner_ids(reader.get("/pt-BR/search?q=como+redefinir+a+senha").get_data(as_text=True)) == [
        str(notice_id)]


def portuguese_phrase(app, notice_id: int) -> str:
    with app.app_context():
        return db.session.get(Notice, notice_id).text("pt-BR").phrases[0]


def follow(app, notice_id: int, email: str, lang: str = "en"):
    return app.test_client().post(f"/{lang}/notices/{notice_id}/follow", data={"email": email},
                                  headers={"Sec-Fetch-Site": "same-origin"})


def link_in(message, action: str) -> str:
    return re.search(r"http://[^\s]+/notices/follows/[A-Za-z0-9_-]+/" + action, message.get_content()).group(0)


def test_following_and_resolving_send_exactly_one_mail_each_and_update_linked_tickets(notices_app, inbox):
    inbox = inbox[2]
    client = agent(notices_app)
    notice_id = publish(client)
    assert follow(notices_app, notice_id, "not an address").status_code == 400
    assert follow(notices_app, notice_id, "ana@example.org", "pt-BR").status_code == 303
    assert follow(notices_app, notice_id, "ana@example.org", "pt-BR").status_code == 303  # asked twice
    assert follow(notices_app, notice_id, "never-confirms@example.org").status_code == 303
    assert follow(notices_app, notice_id, "leaves@example.org").status_code == 303
    assert follow(notices_app, notice_id, "x@example.org", lang="en").headers.get("Location")
    cross_site = notices_app.test_client().post(f"/en/notices/{notice_id}/follow", data={"email": "e@example.org"},
                                                headers={"Sec-Fetch-Site": "cross-site"})
    assert cross_site.status_code == 403
    with notices_app.app_context():
        run_pending(db.session, kinds={"send_notice_mail"})
    confirmations = {m["To"]: m for m in inbox}
    assert sorted(confirmations) == ["ana@example.org", "leaves@example.org", "never-confirms@example.org",
                                     "x@example.org"]
    ana = confirmations["ana@example.org"]
    assert ana["Content-Language"] == "pt-BR" and ana["Subject"].startswith("Confirme as atualizações")
    assert "Confirme abrindo este link" in ana.get_content()
    assert "unsubscribe" in ana["List-Unsubscribe"]
    reader = notices_app.test_client()
    for email in ("ana@example.org", "leaves@example.org"):
        url = link_in(confirmations[email], "confirm").split("://", 1)[1].split("/", 1)[1]
        page = reader.get("/" + url)
        assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
        assert reader.post("/" + url, data={"csrf_token": csrf(page.get_data(as_text=True))}).status_code == 200
    leave = "/" + link_in(confirmations["leaves@example.org"], "unsubscribe").split("/", 3)[3]
    reader.post(leave, data={"csrf_token": csrf(reader.get(leave).get_data(as_text=True))})
    assert reader.get(leave.replace("unsubscribe", "confirm")[:-12] + "xx/confirm").status_code == 404

    # Two requests about it: one linked by reference, one from the suggestions (it matches the phrases).
    by_hand = reader.post("/api/v1/tickets", json={"message": "Where is my invoice?", "language": "en",
                                                   "email": "carl@example.org"}).get_json()
    suggested = reader.post("/api/v1/tickets", json={
        "message": "Preciso de ajuda: o e-mail para password reset não chega.", "language": "pt-BR",
        "email": "bia@example.org"}).get_json()
    page = client.get(f"/desk/notices/{notice_id}").get_data(as_text=True)
    assert suggested["reference"] in page.split("Requests that match the phrases")[1]
    client.post(f"/desk/notices/{notice_id}/tickets", data={"csrf_token": csrf(page),
                                                            "reference": by_hand["reference"]})
    client.post(f"/desk/notices/{notice_id}/tickets", data={"csrf_token": csrf(page),
                                                            "ticket_id": suggested["id"]})
    status_page = reader.get(f"/pt-BR/tickets/{suggested['token']}").get_data(as_text=True)
    assert "Password reset e-mails are delayed" in status_page and "We are looking into it." in status_page

    inbox.clear()
    for status, text in (("monitoring", "A fix is out."), ("resolved", "All reset e-mails were sent."),
                         ("investigating", "It came back."), ("resolved", "Fixed for good.")):
        page = client.get(f"/desk/notices/{notice_id}").get_data(as_text=True)
        assert client.post(f"/desk/notices/{notice_id}/updates", data={
            "csrf_token": csrf(page), "status": status, "update": text}).status_code == 303
        with notices_app.app_context():  # each step's mails go before the next step (resolved twice)
            run_pending(db.session, kinds={"send_notice_mail", "translate_notice"})
    with notices_app.app_context():
        assert db.session.get(Notice, notice_id).status == NoticeStatus.RESOLVED
        assert db.session.scalar(select(func.count()).select_from(NoticeDelivery)
                                 .where(NoticeDelivery.event == "resolved")) == 3
    resolved = sorted(m["To"] for m in inbox if "Resol" in m["Subject"])
    assert resolved == ["ana@example.org", "bia@example.org", "carl@example.org"]  # once each
    assert len(inbox) == 3
    ana = next(m for m in inbox if m["To"] == "ana@example.org")
    assert ana["Content-Language"] == "pt-BR" and "/notices/follows/" in ana.get_content()
    bia = next(m for m in inbox if m["To"] == "bia@example.org")
    assert "/pt-BR/tickets/" in bia.get_content()
    status_page = reader.get(f"/pt-BR/tickets/{suggested['token']}").get_data(as_text=True)
    assert "Fixed for good." in status_page or "Corrigido" in status_page


def test_deflection_counts_banners_met_once_per_visit_and_requests_sent_after(notices_app):
    from portal.web import notices as notice_web

    staff = agent(notices_app)
    notice_id = publish(staff)
    visitor = notices_app.test_client()
    for _ in range(2):  # the same visit searching twice meets the banner once
        assert banner_ids(visitor.get("/en/search?q=password+reset+help").get_data(as_text=True)) == [
            str(notice_id)]
    stranger = notices_app.test_client()
    stranger.get("/en/search?q=password+reset+help")  # answered from memory: still counted
    stranger.get("/en/search?q=printer")  # no banner: not counted
    writer = notices_app.test_client()
    form = writer.get("/pt-BR/contact").get_data(as_text=True)  # the visit starts on the contact form
    suggestions = writer.get("/api/v1/deflect?lang=pt-BR&q=my+password+reset+mail+never+comes").get_json()
    assert [n["id"] for n in suggestions["notices"]] == [notice_id]
    assert suggestions["notices"][0]["url"] == f"/pt-BR/notices/{notice_id}"
    assert writer.get("/api/v1/deflect?lang=en&q=where+is+my+invoice+please").get_json()["notices"] == []
    api_client = notices_app.test_client()  # no visit: matched, not counted, and no cookie set
    bare = api_client.get("/api/v1/deflect?lang=pt-BR&q=my+password+reset+mail+never+comes")
    assert bare.get_json()["notices"] and "Set-Cookie" not in bare.headers
    sent = writer.post("/pt-BR/contact", data={"csrf_token": csrf(form), "message": "O e-mail não chega, ajuda!",
                                               "idempotency_key": "k" * 32})
    assert sent.status_code == 303
    notice_web.impressions(notices_app).flush()
    with notices_app.app_context():
        from portal.notices.service import deflection

        rows = {(r.notice_id, r.lang): r for r in deflection(db.session, date.today() - timedelta(days=1))}
    assert rows[(notice_id, "en")].seen_search == 2 and rows[(notice_id, "en")].filed == 0
    assert rows[(notice_id, "pt-BR")].seen_contact == 1 and rows[(notice_id, "pt-BR")].filed == 1
    with notices_app.app_context():
        create_user(db.session, "writer@example.org", "Wren Writer", PASSWORD, ["writer"], "en")
        db.session.commit()
    reader = notices_app.test_client()
    web.sign_in(reader, "writer@example.org", PASSWORD)
    report = reader.get("/studio/reports/").get_data(as_text=True)
    table = report.split('id="deflection-heading"')[1].split("</section>")[0]
    assert "Password reset e-mails are delayed" in table and "Portuguese (Brazil)" in table


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_the_migration_makes_the_notice_tables_the_models_describe(database, make_app, request, tmp_path):
    """Alembic finds nothing to change in the notice tables after the migrations; a notice is then
    published, followed and resolved on that database."""
    from portal.notices import actions
    from portal.notices.service import NoticeDraft
    from tests.conftest import migrated_app_on, schema_drift

    app = migrated_app_on(database, make_app, request, tmp_path, embeddings="none", translation_engines=())
    assert schema_drift(app, "notice") == []
    with app.app_context():
        notice = actions.publish_notice(db.session, NoticeDraft("Sign-in is slow", "", "en", phrases=["sign in"]),
                                        None)
        actions.follow(db.session, notice, "a@example.org", "en")
        actions.post_update(db.session, notice, "resolved", "Fast again.", None)
        assert db.session.get(Notice, notice.id).status == NoticeStatus.RESOLVED


def test_a_notice_starts_from_a_trend_with_its_words_articles_and_requests(notices_app):
    from portal.notices.service import notices_of_ticket
    from portal.support.models import Ticket
    from portal.trends.models import Trend

    reader = notices_app.test_client()
    ticket = reader.post("/api/v1/tickets", json={"message": "The app crashes when I open settings",
                                                  "language": "en"}).get_json()
    with notices_app.app_context():
        trend = Trend(representative="app crashes when opening settings", representative_lang="en",
                      articles={"reset-your-password": 2}, tickets=[ticket["id"]])
        db.session.add(trend)
        db.session.commit()
        trend_id = trend.id
    client = agent(notices_app)
    form = client.get(f"/desk/notices/new?trend={trend_id}").get_data(as_text=True)
    assert 'value="app crashes when opening settings"' in form and "reset-your-password" in form
    assert f'name="trend_id" value="{trend_id}"' in form
    assert client.get("/desk/notices/new?trend=999999").status_code == 200  # no such trend: an empty form
    response = client.post("/desk/notices/new", data={
        "csrf_token": csrf(form), "lang": "en", "title": "The app crashes in settings", "severity": "major",
        "phrases": "app crashes", "trend_id": str(trend_id)})
    assert response.status_code == 303
    with notices_app.app_context():
        notice = db.session.scalars(select(Notice)).one()
        assert notice.trend_id == trend_id
        assert [n.id for n in notices_of_ticket(db.session, db.session.get(Ticket, ticket["id"]).id)] == [notice.id]
