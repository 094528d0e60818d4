"""Browser fixtures: Debian's Chromium via pytest-playwright, and a live portal.

``playwright install`` is impossible here, so the session fixture
``browser_type_launch_args`` points Playwright at /usr/bin/chromium. The portal is
served by a werkzeug server on a free 127.0.0.1 port for the whole session, with
the shipped knowledge base plus a few articles that exercise fallbacks.
"""
from __future__ import annotations

import shutil
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import SHIPPED_KB, app_on, write_article

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: run `make test` (scripts/setup.sh installs it)")
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_FLAGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # axe is injected as a script; the portal's CSP (script-src 'self') would block it.
    return {**browser_context_args, "bypass_csp": True}


@pytest.fixture(scope="session")
def atspi(playwright):
    """Chromium on a desktop with AT-SPI, and a reader of what it gives a screen reader."""
    from tests.browser.atspi import ATSPI_FLAGS, Reader, desktop, unavailable

    reason = unavailable()
    if reason:
        pytest.skip(f"no accessibility-tree tests: {reason}")
    try:
        session = desktop()
        env = session.__enter__()
    except RuntimeError as error:  # no display server can start here
        pytest.skip(f"no accessibility-tree tests: {error}")
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS + ATSPI_FLAGS, env=env)
    reader = Reader(env)
    try:
        yield browser, reader
    finally:
        reader.close()
        browser.close()
        session.__exit__(None, None, None)


@pytest.fixture(scope="session")
def mail_server():
    from tests.support.mail import smtp_server

    with smtp_server() as server:
        yield server


STAFF_PASSWORD = "a long staff password 42"


@pytest.fixture(scope="session")
def live_app(tmp_path_factory, migrated_db_template, mail_server):
    from sqlalchemy import select

    from portal.db import db
    from portal.jobs import run_pending
    from portal.kb.models import KIND_MACHINE, KIND_MACHINE_REVIEWED
    from portal.kb.service import get_article, save_version
    from portal.publishing import import_knowledge_base

    data_dir = tmp_path_factory.mktemp("live")
    shutil.copy(migrated_db_template, data_dir / "portal.sqlite3")
    host, port, _ = mail_server
    app = app_on(data_dir, translation_engines=("bergamot",), smtp_host=host, smtp_port=port,
                    rate_limit_public_writes="1000 per minute", rate_limit_login="1000 per minute")
    extra = data_dir / "extra-kb"
    write_article(
        extra,
        "english-only-guide",
        "en",
        "An English-only guide",
        "## Before you start\n\nThis guide has no translation yet.\n\n| Step | What |\n|---|---|\n| 1 | `Open` |\n",
        summary="Shown with a notice in other languages.",
        category="using-help",
    )
    # A Spanish translation made before its original changed (stale, with a source diff),
    # and an article whose translations are machine output reviewed by a writer.
    stale_body = "## Before you start\n\nKeep your phone nearby.\n\nOpen the settings page.\n"
    write_article(extra, "stale-example", "en", "Turn on two-step sign-in", stale_body, category="using-help")
    write_article(extra, "stale-example", "es", "Activa el inicio de sesión en dos pasos",
                  "## Antes de empezar\n\nTen el teléfono cerca.\n\nAbre la página de ajustes.\n",
                  translation_of="en", category="using-help")
    write_article(extra, "reviewed-example", "en", "Close your account", "Closing your account deletes your data.\n",
                  summary="What happens when you leave.", category="using-help")
    changed = data_dir / "changed-kb"
    write_article(changed, "stale-example", "en", "Turn on two-step sign-in",
                  stale_body.replace("Keep your phone nearby.", "Keep your phone or security key nearby."),
                  category="using-help")
    with app.app_context():
        for directory in (SHIPPED_KB, extra, changed):
            report, _ = import_knowledge_base(db.session, directory)
            assert not report.errors, report.errors
        reviewed = get_article(db.session, "reviewed-example").source
        for lang in app.config["SETTINGS"].languages:
            if lang != "en":
                save_version(db.session, reviewed.article, lang, title=reviewed.title, summary=reviewed.summary,
                             body=reviewed.body, kind=KIND_MACHINE_REVIEWED, produced_by="test/1")
        from portal.jobs.batches import create_batch
        from portal.jobs.models import Job

        waiting = db.session.scalars(select(Job).where(Job.kind == "translate_article").limit(3)).all()
        app.test_batch_id = create_batch(db.session, "stale-example", waiting, "test").id
        # A machine version of one article in every language, so the machine-translation
        # notice is audited in every UI language (content: the source, relabelled).
        article = get_article(db.session, "reset-your-password")
        source = article.source
        for lang in app.config["SETTINGS"].languages:
            if article.version(lang) is None:
                save_version(db.session, article, lang, title=source.title, summary=source.summary,
                             body=source.body, kind=KIND_MACHINE, produced_by="test/1")
        db.session.commit()
        run_pending(db.session, kinds={"index_article", "embed_article"})
        # One agent per UI language, so the desk is audited in every language.
        from portal.accounts import create_user

        for lang in app.config["SETTINGS"].languages:
            create_user(db.session, f"agent-{lang.lower()}@example.org", f"Agent {lang}", STAFF_PASSWORD,
                        ["agent", "writer", "admin"], lang)
        create_user(db.session, "agent-only@example.org", "Agent only", STAFF_PASSWORD, ["agent"], "en")
        db.session.commit()
        from tests.support.trends import sample_trend

        sample_trend(db.session)  # an emerging issue, so /desk/trends is audited with its chart and table
    return app


@contextmanager
def serve(app):
    """``app`` served on a free 127.0.0.1 port while the block runs; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(live_app):
    with serve(live_app) as url:
        yield url


@pytest.fixture(scope="session")
def base_url(live_server):
    return live_server


def sign_in(page, base_url, lang="en"):
    """Sign in to the desk through the real form."""
    page.goto(f"{base_url}/desk/login")
    page.fill("#email", f"agent-{lang.lower()}@example.org")
    page.fill("#password", STAFF_PASSWORD)
    page.locator('form button[type="submit"]').last.click()
    page.wait_for_url(f"{base_url}/desk/")


def run_jobs(app, kinds=None):
    from portal.db import db
    from portal.jobs import run_pending

    with app.app_context():
        count = run_pending(db.session, kinds=kinds)
        db.session.remove()
    return count
