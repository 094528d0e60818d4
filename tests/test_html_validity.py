"""Every page type is valid HTML according to the Nu HTML checker (vnu.jar on Java)."""
import json
import shutil
import subprocess

import pytest

from portal.config import PROJECT_ROOT

VNU_JAR = PROJECT_ROOT / ".cache" / "vnu" / "vnu.jar"
PATHS = ["/{lang}/", "/{lang}/categories/billing", "/{lang}/articles/charged-twice",
         "/{lang}/articles/use-with-a-keyboard?original=1", "/{lang}/search?q=invoice",
         "/{lang}/search?q=zzqx", "/{lang}/nope", "/{lang}/accessibility"]


def _validate(files: list[str]) -> list[str]:
    """The Nu checker's errors for ``files``, one line each."""
    if not VNU_JAR.exists() or not shutil.which("java"):
        pytest.fail("vnu.jar or java missing: run `make test` (scripts/setup.sh fetches vnu-jar)")
    completed = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *files],
        capture_output=True, text=True, timeout=240,
    )
    messages = json.loads(completed.stderr or completed.stdout or '{"messages": []}')["messages"]
    return [f"{m.get('url', '').rsplit('/', 1)[-1]}:{m.get('lastLine')}: {m.get('message')}" for m in messages]


@pytest.mark.wcag("1.3.1", "4.1.2")
def test_pages_are_valid_html(shipped_app, tmp_path):
    client = shipped_app.test_client()
    files = []
    for lang in ("en", "ar", "zh-Hans"):
        for index, path in enumerate(PATHS):
            html = client.get(path.format(lang=lang)).get_data(as_text=True)
            target = tmp_path / f"{lang}-{index}.html"
            target.write_text(html, encoding="utf-8")
            files.append(str(target))
    problems = _validate(files)
    assert problems == [], "\n".join(problems)


@pytest.mark.wcag("1.3.1", "4.1.2")
def test_routing_desk_pages_are_valid_html(shipped_app, tmp_path):
    """The inbox with its routing filters, a routed ticket, the agents list and the agent form (also refused)."""
    from portal.accounts import create_user
    from portal.db import db
    from portal.support import actions
    from portal.support.service import NewTicket
    from tests.support import web

    password = "a long staff password 42"
    with shipped_app.app_context():
        for lang in ("en", "ar"):
            create_user(db.session, f"admin-{lang}@example.org", f"Admin {lang}", password, ["admin"], lang,
                        ["en", "ar"], ["billing"], ["billing"])
        ticket, _, _ = actions.open_ticket(db.session, NewTicket(message="I was charged twice this month.",
                                                                 language="en"))
        ticket_id = ticket.id
    files = []
    for lang in ("en", "ar"):
        client = shipped_app.test_client()
        web.sign_in(client, f"admin-{lang}@example.org", password)
        pages = [client.get(path).get_data(as_text=True) for path in (
            "/desk/?language=mine&assigned=queue", f"/desk/tickets/{ticket_id}", "/desk/agents/?saved=1",
            "/desk/agents/1")]
        refused = client.post("/desk/agents/1", data={"csrf_token": web.csrf(pages[-1]), "languages": "xx"})
        assert refused.status_code == 400
        pages.append(refused.get_data(as_text=True))
        for index, html in enumerate(pages):
            target = tmp_path / f"desk-{lang}-{index}.html"
            target.write_text(html, encoding="utf-8")
            files.append(str(target))
    problems = _validate(files)
    assert problems == [], "\n".join(problems)


@pytest.mark.wcag("1.3.1", "4.1.2")
def test_trends_desk_page_is_valid_html(shipped_app, tmp_path):
    """Emerging issues: the chart, its data table, each issue with its facts and status form; and the empty page."""
    from portal.accounts import create_user
    from portal.db import db
    from tests.support import web
    from tests.support.trends import sample_trend

    password = "a long staff password 42"
    with shipped_app.app_context():
        for lang in ("en", "ar"):
            create_user(db.session, f"agent-{lang}@example.org", f"Agent {lang}", password, ["agent"], lang)
        db.session.commit()
    files = []
    for index, lang in enumerate(("en", "ar")):
        client = shipped_app.test_client()
        web.sign_in(client, f"agent-{lang}@example.org", password)
        if index:
            with shipped_app.app_context():
                sample_trend(db.session, [1])
        html = client.get("/desk/trends?status=all").get_data(as_text=True)
        assert ("trends-chart-table" in html) == bool(index)
        target = tmp_path / f"trends-{lang}.html"
        target.write_text(html, encoding="utf-8")
        files.append(str(target))
    problems = _validate(files)
    assert problems == [], "\n".join(problems)


@pytest.mark.wcag("1.3.1", "4.1.2")
def test_notice_pages_are_valid_html(shipped_app, tmp_path):
    """Incident notices: the banner on home, search and article; the notice page (and its refused follow);
    a follower's confirmation page; a ticket's status page with its notice; the desk's notice pages."""
    from portal.accounts import create_user
    from portal.db import db
    from portal.notices import actions as notice_actions
    from portal.notices.models import NoticeFollower
    from portal.notices.service import NoticeDraft
    from portal.support import actions
    from portal.support.models import Ticket
    from portal.support.service import NewTicket
    from tests.support import web

    password = "a long staff password 42"
    with shipped_app.app_context():
        notice = notice_actions.publish_notice(db.session, NoticeDraft(
            "Invoices are late", "Invoices for **March** arrive a day late.", "en", severity="critical",
            articles=["charged-twice"], phrases=["invoice"]), None, "We are on it.")
        notice_id = notice.id
        _ticket, token, _ = actions.open_ticket(db.session, NewTicket(message="Where is my invoice for March?",
                                                                      language="ar"))
        notice_actions.link_ticket(db.session, notice, db.session.scalars(db.select(Ticket)).one(), "agent")
        follower = notice_actions.follow(db.session, notice, "a@example.org", "en")
        from portal.notices.jobs import follow_url

        confirm_path = "/" + follow_url(db.session.get(NoticeFollower, follower.id), "confirm").split("/", 3)[3]
        for lang in ("en", "ar"):
            create_user(db.session, f"writer-{lang}@example.org", f"Writer {lang}", password, ["agent", "writer"],
                        lang)
        db.session.commit()
    client = shipped_app.test_client()
    pages = [client.get(path.format(lang=lang)).get_data(as_text=True) for lang in ("en", "ar", "zh-Hans")
             for path in ("/{lang}/", "/{lang}/search?q=invoice", "/{lang}/articles/charged-twice",
                          f"/{{lang}}/notices/{notice_id}")]
    assert all('class="notice-banner' in html for index, html in enumerate(pages) if index % 4 != 3)
    refused = client.post(f"/en/notices/{notice_id}/follow", data={"email": "nope"},
                          headers={"Sec-Fetch-Site": "same-origin"})
    assert refused.status_code == 400
    pages += [refused.get_data(as_text=True), client.get(confirm_path).get_data(as_text=True),
              client.get(f"/ar/tickets/{token}").get_data(as_text=True)]
    for lang in ("en", "ar"):
        staff = shipped_app.test_client()
        web.sign_in(staff, f"writer-{lang}@example.org", password)
        desk = [staff.get(path).get_data(as_text=True) for path in (
            "/desk/notices/", "/desk/notices/new", f"/desk/notices/{notice_id}",
            f"/desk/notices/{notice_id}/translations/de", "/studio/reports/")]
        refused = staff.post("/desk/notices/new", data={"csrf_token": web.csrf(desk[1]), "lang": "en", "title": ""})
        assert refused.status_code == 400
        pages += [*desk, refused.get_data(as_text=True)]
    files = []
    for index, html in enumerate(pages):
        target = tmp_path / f"notices-{index}.html"
        target.write_text(html, encoding="utf-8")
        files.append(str(target))
    problems = _validate(files)
    assert problems == [], "\n".join(problems)
