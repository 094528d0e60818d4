"""Incident notices (issue #15, items 2 and 3): publishing from the desk, banners on the home page,
matching searches and affected articles, the public page, Atom and JSON, machine translation with
people's overrides, following (double opt-in) and the mails a resolution sends, once each."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

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
def notices_app(tmp_path, support_template):
    """Shipped articles indexed, four UI languages, bergamot for en <-> pt-BR, an agent."""
    import shutil

    data_dir = tmp_path / "notices"
    shutil.copytree(support_template, data_dir)
    app = app_on(data_dir, **dict(SUPPORT_SETTINGS, translation_engines=("bergamot",)))
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
    return re.findall(r'<section class="notice-banner[^"]*" id="notice-banner-(\d+)" aria-labelledby="notice-banner-\1-title"',
                      html)


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
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", entry.find(f"{ATOM}updated").text)
    assert entry.find(f"{ATOM}link").get("href").endswith(f"/es/notices/{notice_id}")
    assert "<strong>" in entry.find(f"{ATOM}content").text  # HTML, escaped once
