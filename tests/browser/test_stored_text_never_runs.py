"""Script payloads in every stored field render as text on every page that shows them.

The browser context bypasses the Content-Security-Policy, so what is proven here
is the escaping and sanitising itself: CSP is a second wall, not the first.
A ``dialog`` handler and a ``window.__xss`` flag catch any payload that runs.
"""
from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from portal.accounts import create_user
from portal.db import db
from tests.conftest import write_article
from tests.support import web

PASSWORD = "a long staff password 42"
PAYLOAD = ("<script>window.__xss=1;alert(1)</script><img src=x onerror=\"window.__xss=1;alert(2)\">"
           "\"'><svg onload=alert(3)></textarea></title><iframe srcdoc=\"<script>parent.__xss=1</script>\">")


@pytest.fixture(scope="module")
def hostile_portal(tmp_path_factory, migrated_db_template):
    """A portal whose every customer- and writer-supplied field holds a payload."""
    import shutil

    from portal.publishing import import_knowledge_base
    from tests.conftest import app_on

    data_dir = tmp_path_factory.mktemp("xss")
    shutil.copy(migrated_db_template, data_dir / "portal.sqlite3")
    app = app_on(data_dir, embeddings="none", translation_engines=(), rate_limit_public_writes="1000 per minute",
                    testing=False)
    kb = data_dir / "kb"
    body = (f"## Steps {PAYLOAD}\n\n{PAYLOAD}\n\n[click me](javascript:window.__xss=1)\n\n"
            f"<a href=\"javascript:alert(4)\">raw link</a>\n\n| {PAYLOAD} | x |\n|---|---|\n| `{PAYLOAD}` | y |\n")
    write_article(kb, "hostile", "en", f"Title {PAYLOAD}", body, summary=f"Summary {PAYLOAD}",
                  tags=[PAYLOAD], license=PAYLOAD)
    with app.app_context():
        report, _ = import_knowledge_base(db.session, kb)
        assert not report.errors, report.errors
        create_user(db.session, "admin@example.org", "Admin", PASSWORD, ["admin"], "en")
        db.session.commit()
    client = app.test_client()
    created = client.post("/api/v1/tickets", json={
        "message": f"Help {PAYLOAD}", "name": f"Name {PAYLOAD}", "email": "customer@example.org", "language": "en",
        "context": {"query": f"query {PAYLOAD}", "query_lang": "en", "query_confidence": 0.5,
                    "articles": ["hostile", PAYLOAD]}}).get_json()
    client.get("/en/search", query_string={"q": f"zzqx {PAYLOAD}"})  # logged: shown in the writers' reports
    app.extensions["read_counter"].flush()
    client.get("/en/articles/hostile")
    client.post("/en/articles/hostile/feedback", data={"helpful": "no", "comment": f"Comment {PAYLOAD}"})
    staff = app.test_client()
    web.sign_in(staff, "admin@example.org", PASSWORD)
    desk = staff.get(f"/desk/tickets/{created['id']}").get_data(as_text=True)
    assert staff.post(f"/desk/tickets/{created['id']}/note",
                      data={"csrf_token": web.csrf(desk), "note": f"Note {PAYLOAD}"}).status_code == 303
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", created
    server.shutdown()
    thread.join(timeout=10)


def _visit(page, url: str, dialogs: list[str]) -> None:
    page.goto(url)
    page.wait_for_load_state("load")
    assert page.evaluate("window.__xss") is None, f"a payload ran on {url}"
    assert dialogs == [], f"a payload opened a dialog on {url}: {dialogs}"


def test_no_stored_payload_runs_on_any_page(browser, hostile_portal):
    base, ticket = hostile_portal
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    for path in ("/en/articles/hostile", "/en/search?q=Title", "/en/search?q=" + "zzqx%20%3Cscript%3E",
                 f"/en/tickets/{ticket['token']}", "/en/contact?q=%3Cscript%3Ealert(1)%3C/script%3E",
                 "/api/v1/articles/hostile", "/en/"):
        _visit(page, base + path, dialogs)
    page.goto(base + "/en/articles/hostile")
    title = page.locator("h1").first.text_content()
    assert "<script>" in title  # shown as text, not dropped and not run
    assert page.locator('a[href^="javascript:"]').count() == 0

    page.goto(base + "/desk/login")
    page.fill("#email", "admin@example.org")
    page.fill("#password", PASSWORD)
    page.locator('form button[type="submit"]').last.click()
    page.wait_for_url(base + "/desk/")
    for path in ("/desk/", f"/desk/tickets/{ticket['id']}", "/studio/", "/studio/reports/",
                 "/studio/articles/hostile/en/edit", "/studio/articles/hostile/en/history",
                 "/studio/articles/hostile/translations", "/studio/articles/hostile/en/segments"):
        _visit(page, base + path, dialogs)
    page.goto(base + f"/desk/tickets/{ticket['id']}")
    assert "Note <script>" in page.locator("body").text_content()
    context.close()
