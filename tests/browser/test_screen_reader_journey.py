"""A screen-reader user's journey, as it is spoken: search → article → "not helpful" → contact.

Each step's accessibility tree (read through AT-SPI) is turned into the lines a
screen reader in browse mode speaks, in reading order (``tests.browser.atspi.speech``),
and compared with a reviewed snapshot per language. This catches what axe does not:
a heading that moved, a control that lost its name, text read in the wrong voice,
a notice read after the content it is about.

When a change is intended, review the difference and rewrite the snapshots with
``UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/browser/test_screen_reader_journey.py``.
"""
from __future__ import annotations

import difflib
import os
import shutil
from pathlib import Path

import pytest

from tests.browser.atspi import Node, speech
from tests.browser.conftest import serve
from tests.browser.test_accessibility_tree import QUERIES
from tests.conftest import SHIPPED_KB, app_on

pytestmark = [pytest.mark.atspi, pytest.mark.browser]

SNAPSHOTS = Path(__file__).parent / "snapshots"


@pytest.fixture(scope="module")
def journey_url(tmp_path_factory, migrated_db_template):
    """A portal with the shipped articles and nothing else happened to it.

    The snapshots hold the order of the search results, which other tests' writes
    to the shared live portal (new articles, re-indexing) may change.
    """
    from portal.db import db
    from portal.jobs import run_pending
    from portal.publishing import import_knowledge_base

    data_dir = tmp_path_factory.mktemp("journey")
    shutil.copy(migrated_db_template, data_dir / "portal.sqlite3")
    app = app_on(data_dir, translation_engines=())
    with app.app_context():
        report, _ = import_knowledge_base(db.session, SHIPPED_KB)
        assert not report.errors, report.errors
        run_pending(db.session, kinds={"index_article", "embed_article"})
        db.session.remove()
    with serve(app) as url:
        yield url


def only(tree: Node, predicate, what: str) -> Node:
    found = tree.find(predicate)
    assert len(found) == 1, f"the page has {len(found)} {what}"
    return found[0]


def journey(page, reader, base_url: str, lang: str) -> str:
    """The spoken journey, one block per step, each headed by the step and the page's name."""
    steps = []

    def read(step: str, part=None) -> None:
        tree = reader.tree(page)
        lines = speech(only(tree, part, step) if part else tree, lang)
        steps.append(f"## {step}: {tree.name}\n" + "\n".join(lines))

    def main(node: Node) -> bool:
        return node.aria_role == "main"

    page.goto(f"{base_url}/{lang}/search?q={QUERIES[lang]}")
    read("search")  # the whole page once: banner, search, results, footer
    page.locator("ol.results > li > a").first.click()
    page.wait_for_selector("#feedback")
    read("first result", main)
    page.locator('#feedback button[value="no"]').click()
    page.wait_for_selector("#feedback p[role=status]")
    # The answer comes back to the feedback section (the page returns there): read what changed.
    read("not helpful", lambda node: node.attributes.get("id") == "feedback")
    page.locator("#feedback p[role=status] a").click()
    page.wait_for_selector("#message")
    read("contact", main)
    return "\n\n".join(steps) + "\n"


def compare(spoken: str, snapshot: Path, update: bool = False) -> str | None:
    """None when ``spoken`` matches the reviewed snapshot, else a unified diff to review."""
    if update:
        snapshot.parent.mkdir(parents=True, exist_ok=True)
        snapshot.write_text(spoken, encoding="utf-8")
        return None
    if not snapshot.exists():
        return f"no reviewed snapshot {snapshot.name}: review this and save it with UPDATE_SNAPSHOTS=1\n{spoken}"
    reviewed = snapshot.read_text(encoding="utf-8")
    if spoken == reviewed:
        return None
    return "".join(difflib.unified_diff(reviewed.splitlines(keepends=True), spoken.splitlines(keepends=True),
                                        fromfile=f"reviewed {snapshot.name}", tofile="spoken now"))


@pytest.mark.wcag("1.3.1", "1.3.2", "2.4.3", "2.4.6", "3.1.2", "3.2.3", "4.1.2")
@pytest.mark.parametrize("lang", ["en", "ar", "zh-Hans"])
def test_the_journey_reads_as_reviewed(atspi, journey_url, lang):
    browser, reader = atspi
    context = browser.new_context()
    page = context.new_page()
    try:
        spoken = journey(page, reader, journey_url, lang)
    finally:
        context.close()
    difference = compare(spoken, SNAPSHOTS / f"screen-reader-journey-{lang}.txt",
                         update=os.environ.get("UPDATE_SNAPSHOTS") == "1")
    assert difference is None, difference


def test_a_reading_order_or_naming_regression_fails_the_comparison(tmp_path):
    """The comparison is not vacuous: a swapped line, a lost name or another voice each fail it."""
    reviewed = "## search: Search\nheading level 1, Search\nlink, Reset your password\nbutton, Search\n"
    snapshot = tmp_path / "journey.txt"
    snapshot.write_text(reviewed, encoding="utf-8")
    assert compare(reviewed, snapshot) is None
    for regression in (
        "## search: Search\nlink, Reset your password\nheading level 1, Search\nbutton, Search\n",  # order
        "## search: Search\nheading level 1, Search\nlink, Reset your password\nbutton\n",  # lost name
        "## search: Search\nheading level 1, Search\nlink, [en] Reset your password\nbutton, Search\n",  # voice
    ):
        assert compare(regression, snapshot) is not None


def test_speech_reads_blocks_in_order_with_roles_states_and_language_changes():
    """The linearisation itself, on a small tree: what each kind of object is spoken as."""
    leaf = lambda text, lang="ar": Node("static", text, "", [], {}, lang)  # noqa: E731
    tree = Node("document web", "page", "", [], {"tag": "#document"}, "ar", children=[
        Node("landmark", "", "", [], {"xml-roles": "main", "tag": "main"}, "ar", children=[
            Node("heading", "عنوان", "", [], {"level": "1", "tag": "h1"}, "ar", children=[leaf("عنوان")]),
            Node("paragraph", "", "", [], {"tag": "p"}, "ar", children=[
                leaf("اقرأ "), Node("link", "الدليل", "", [], {"tag": "a"}, "ar", children=[leaf("الدليل")]),
                leaf(" أو "), leaf("the English guide", "en")]),
            Node("entry", "رسالة", "خطأ", ["required", "invalid-entry"], {"tag": "textarea"}, "ar"),
            Node("footer", "", "", [], {"tag": "footer"}, "ar", children=[
                Node("paragraph", "", "", [], {"tag": "p"}, "ar", children=[
                    leaf("آخر تحديث: "), Node("static", "", "", [], {"tag": "time"}, "ar",
                                               children=[leaf("3 ديسمبر 2026")])])]),
        ])])
    assert speech(tree, "ar") == [
        "main landmark",
        "heading level 1, عنوان",
        "اقرأ link, الدليل أو [en] the English guide",
        "entry, رسالة, required, invalid entry, خطأ",
        "آخر تحديث: <date>",
    ]
