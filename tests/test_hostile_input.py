"""Regression tests for the security review's findings: each reproduces one and pins the fix."""
from __future__ import annotations

import os
import stat
from datetime import UTC

import pytest
from sqlalchemy import func, select

from portal.accounts import create_user
from portal.db import db
from portal.support.models import Ticket
from tests.conftest import write_article
from tests.support import web

PASSWORD = "correct horse battery staple"


@pytest.fixture
def portal(make_app):
    app = make_app(embeddings="none", translation_engines=(), rate_limit_public_writes="1000 per minute")
    with app.app_context():
        create_user(db.session, "agent@example.org", "Alex Agent", PASSWORD, ["agent"], "en")
        create_user(db.session, "writer@example.org", "Wren Writer", PASSWORD, ["writer"], "en")
        db.session.commit()
    return app


def new_ticket(client, **fields):
    body = {"message": "I cannot reset my password", "language": "en", **fields}
    response = client.post("/api/v1/tickets", json=body)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def ticket_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Ticket))


def test_desk_shows_a_ticket_whose_context_has_a_detection_confidence(portal):
    client = portal.test_client()
    ticket = new_ticket(client, context={"query": "reset password", "query_lang": "en", "query_confidence": 0.93})
    web.sign_in(client, "agent@example.org", PASSWORD)
    page = client.get(f"/desk/tickets/{ticket['id']}")
    assert page.status_code == 200
    assert "English, 93&nbsp;%" in page.get_data(as_text=True)


@pytest.mark.parametrize(
    "address",
    [
        "a,b,c@evil.example",
        "a@b.org, c@d.org",
        "Name <a@b.org>",
        "a@b.org\nBcc: c@d.org",
        "a b@example.org",
        '"a"@example.org',
        "a@localhost",
        "a..b@example.org",
    ],
)
def test_a_ticket_takes_exactly_one_plain_email_address(portal, address):
    response = portal.test_client().post("/api/v1/tickets", json={"message": "Help me please", "email": address})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["email"]["code"] == "email_invalid"
    assert ticket_count(portal) == 0


def test_mail_to_an_unverified_address_carries_no_customer_text_but_the_reference(portal):
    from portal.support.notifications import TICKET_CREATED, render_email

    client = portal.test_client()
    ticket = new_ticket(client, email="victim@example.org", name="Click https://evil.example/win now")
    with portal.test_request_context():
        email = render_email(db.session.get(Ticket, ticket["id"]), TICKET_CREATED, None)
    body = email.get_content()
    assert "evil.example" not in body and "Click" not in body and "Hello," in body
    assert ticket["reference"] in email["Subject"]


def test_status_url_comes_from_the_configured_public_address_not_the_host_header(make_app):
    app = make_app(embeddings="none", public_url="https://help.example.org")
    response = app.test_client().post("/api/v1/tickets", json={"message": "Help me please"},
                                      headers={"Host": "evil.example"})
    assert response.get_json()["status_url"].startswith("https://help.example.org/en/tickets/")


def test_ticket_links_survive_a_secret_key_rotation(make_app):
    old = make_app(embeddings="none", secret_key="old-key-" + "x" * 40)
    created = old.test_client().post("/api/v1/tickets", json={"message": "Help me please"}).get_json()
    from portal import create_app

    same = {"data_dir": old.config["SETTINGS"].data_dir, "search_index_dir": old.config["SETTINGS"].search_index_dir,
            "embeddings": "none", "testing": True, "secret_key": "new-key-" + "y" * 40}
    rotated = create_app({**same, "secret_key_fallbacks": "old-key-" + "x" * 40})
    forgotten = create_app(same)
    assert rotated.test_client().get(f"/api/v1/tickets/{created['token']}").status_code == 200
    assert forgotten.test_client().get(f"/api/v1/tickets/{created['token']}").status_code == 404
    with rotated.test_request_context():
        from portal.support.notifications import status_url

        assert status_url(db.session.get(Ticket, created["id"])).endswith(created["token"])  # new mails, old link
    fresh = rotated.test_client().post("/api/v1/tickets", json={"message": "Help me again"}).get_json()
    assert forgotten.test_client().get(f"/api/v1/tickets/{fresh['token']}").status_code == 200  # signed by the newest


def test_bodies_beyond_the_limit_get_413_in_the_right_form(portal):
    client = portal.test_client()
    api = client.post("/api/v1/tickets", data=b"{" + b" " * (100 * 1024) + b"}", content_type="application/json")
    assert api.status_code == 413 and api.get_json()["error"]["code"] == "too_large"
    page = client.post("/de/contact", data={"message": "x" * (100 * 1024)})
    assert page.status_code == 413 and 'lang="de"' in page.get_data(as_text=True)
    assert ticket_count(portal) == 0


@pytest.mark.parametrize("path", ["/en/articles/a%00b", "/en/categories/a%00b", "/en/search?q=x&category=a%00",
                                  "/api/v1/search?q=a%00b", "/desk/login?next=/desk/%00"])
def test_nul_bytes_in_addresses_are_refused(portal, path):
    assert portal.test_client().get(path).status_code == 400


def test_nul_bytes_in_forms_are_refused_before_the_view(portal):
    client = portal.test_client()
    token = web.csrf(client.get("/en/contact").get_data(as_text=True))
    response = client.post("/en/contact", data={"csrf_token": token, "message": "Help\x00 me please"})
    assert response.status_code == 400
    assert ticket_count(portal) == 0
    login = client.post("/desk/login", data={"csrf_token": token, "email": "agent@example.org\x00", "password": "x"})
    assert login.status_code == 400


@pytest.mark.parametrize("path", ["/desk/tickets/99999999999999999999", "/desk/tickets/2147483648",
                                  "/studio/batches/99999999999999999999"])
def test_ids_beyond_a_database_integer_are_not_found(portal, path):
    client = portal.test_client()
    web.sign_in(client, "agent@example.org", PASSWORD)
    assert client.get(path).status_code in (403, 404)


def test_huge_numbers_in_query_strings_are_ignored(portal):
    client = portal.test_client()
    new_ticket(client)
    web.sign_in(client, "agent@example.org", PASSWORD)
    assert client.get("/desk/tickets/1/messages.json?after=99999999999999999999").status_code == 200
    assert client.get("/api/v1/search?q=password&page=99999999999999999999").get_json()["error"]["code"] == "bad_page"
    assert client.get("/api/v1/search?q=password&page=%C2%B2").get_json()["error"]["code"] == "bad_page"


@pytest.mark.parametrize("document, code", [
    ("[" * 1000 + "]" * 1000, "too_deep"), ('{"message": ' + "9" * 400 + "}", "bad_number"),
    ('{"message": "hi \\ud800 there"}', "bad_characters"), ('{"message": "hello", "x": NaN}', "bad_number"),
    ('{"message": "hello", "x": 1e999}', "bad_number"), ('{"message": {"text": "hello there"}}', "bad_field"),
    ("{", "bad_json"),
])
def test_hostile_json_gets_400_with_a_code(portal, document, code):
    response = portal.test_client().post("/api/v1/tickets", data=document, content_type="application/json")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == code
    assert ticket_count(portal) == 0


def test_language_choice_with_a_line_break_in_next_goes_home(portal):
    response = portal.test_client().get("/language/de?next=/en/x%0d%0aSet-Cookie:%20a=b")
    assert response.status_code == 303 and response.headers["Location"] == "/de/"


def test_source_url_must_be_a_web_address_at_import_and_at_render(portal, tmp_path):
    from portal.kb.files import ArticleFileError, parse_article
    from portal.kb.models import ArticleVersion
    from portal.kb.transfer import import_directory

    for bad in ("javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "//evil.example/x", "ftp://x.org"):
        with pytest.raises(ArticleFileError, match="source_url"):
            parse_article(f"---\ntitle: T\nsource_url: '{bad}'\n---\n\nText.\n", "t", "en")
    write_article(tmp_path, "adapted", "en", "Adapted article", source_url="https://example.org/original")
    with portal.app_context():
        assert not import_directory(db.session, tmp_path).errors
        db.session.commit()
        page = portal.test_client().get("/en/articles/adapted").get_data(as_text=True)
        assert 'href="https://example.org/original"' in page
        version = db.session.scalar(select(ArticleVersion))
        version.extra = {**version.extra, "source_url": "javascript:alert(1)"}  # stored before this check existed
        db.session.commit()
    page = portal.test_client().get("/en/articles/adapted").get_data(as_text=True)
    assert "javascript:" not in page


def test_scheduling_is_bounded_to_a_year_ahead():
    from datetime import datetime, timedelta

    from portal.kb.models import ArticleVersion
    from portal.studio import workflow

    version = ArticleVersion(lang="en", review_state=workflow.APPROVED)
    with pytest.raises(workflow.WorkflowError, match="schedule_too_far"):
        workflow.schedule(version, datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC))
    assert workflow.schedule(version, datetime.now(UTC) + timedelta(days=30)) > timedelta(days=29)


def test_tickets_can_only_be_assigned_to_active_agents(portal):
    from portal.accounts.models import User

    client = portal.test_client()
    ticket = new_ticket(client)
    web.sign_in(client, "agent@example.org", PASSWORD)
    with portal.app_context():
        writer_id = db.session.scalar(select(User.id).where(User.email == "writer@example.org"))
        agent_id = db.session.scalar(select(User.id).where(User.email == "agent@example.org"))
    page = client.get(f"/desk/tickets/{ticket['id']}").get_data(as_text=True)
    assert f'value="{agent_id}"' in page and f'value="{writer_id}"' not in page  # only agents are offered
    token = web.csrf(page)
    for forged in (str(writer_id), "99999999999999999999", "-1", "x"):
        assert client.post(f"/desk/tickets/{ticket['id']}/assign",
                           data={"csrf_token": token, "assignee": forged}).status_code == 400
    with portal.app_context():
        assert db.session.get(Ticket, ticket["id"]).assigned_to_id is None
    assert client.post(f"/desk/tickets/{ticket['id']}/assign",
                       data={"csrf_token": token, "assignee": str(agent_id)}).status_code == 303


def test_staff_pages_are_never_cached_and_https_deployments_send_hsts(portal, make_app):
    client = portal.test_client()
    web.sign_in(client, "agent@example.org", PASSWORD)
    assert client.get("/desk/").headers["Cache-Control"] == "no-store"
    assert client.get("/desk/login").headers.get("Cache-Control") == "no-store"
    assert "Strict-Transport-Security" not in client.get("/en/").headers
    secure = make_app(embeddings="none", session_cookie_secure=True)
    assert secure.test_client().get("/en/").headers["Strict-Transport-Security"].startswith("max-age=")


def test_data_directory_and_database_are_private(make_app, tmp_path):
    from portal import create_app

    data_dir = tmp_path / "fresh"
    create_app({"data_dir": data_dir, "search_index_dir": tmp_path / "index", "embeddings": "none"})
    assert stat.S_IMODE(os.stat(data_dir).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(data_dir / "portal.sqlite3").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(data_dir / "secret_key").st_mode) == 0o600


def test_relative_data_dir_resolves_from_the_project_root():
    from portal.config import PROJECT_ROOT, load_settings

    settings = load_settings(environ={"PORTAL_DATA_DIR": "var"})
    assert settings.data_dir == PROJECT_ROOT / "var"
    assert load_settings(environ={"PORTAL_DATA_DIR": "/srv/portal"}).data_dir.as_posix() == "/srv/portal"


@pytest.mark.parametrize("headers, allowed", [
    ({"Sec-Fetch-Site": "cross-site"}, False),
    ({"Sec-Fetch-Site": "same-site"}, False),  # a sibling subdomain is another site's page too
    ({"Origin": "https://evil.example"}, False),
    ({"Origin": "null"}, False),  # sandboxed frames and data: pages
    ({"Sec-Fetch-Site": "same-origin"}, True),
    ({"Sec-Fetch-Site": "none"}, True),  # typed or bookmarked by the visitor
    ({"Origin": "http://localhost"}, True),
    ({"Origin": "http://127.0.0.1:5000"}, True),  # the configured public address
    ({}, True),  # not a browser page: it cannot ride on a visitor's cookies
])
def test_the_token_free_feedback_form_refuses_votes_sent_from_other_sites(portal, tmp_path, headers, allowed):
    from portal.analytics.models import ArticleVote
    from portal.publishing import import_knowledge_base

    write_article(tmp_path / "kb", "printer", "es", "La impresora no imprime", "Reinicie la impresora.\n")
    with portal.app_context():
        report, _ = import_knowledge_base(db.session, tmp_path / "kb")
        assert not report.errors
    response = portal.test_client().post("/es/articles/printer/feedback", data={"helpful": "no"}, headers=headers)
    with portal.app_context():
        votes = db.session.scalar(select(func.count()).select_from(ArticleVote))
    if allowed:
        assert response.status_code == 303 and votes == 1
    else:
        assert response.status_code == 403 and votes == 0
        assert "No tiene permiso para hacer eso." in response.get_data(as_text=True)  # in the reader's language
