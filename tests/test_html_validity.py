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
