"""What a screen reader is given, read through AT-SPI (what Orca reads on Linux), not through axe.

For each page type in en, ar and zh-Hans: the landmarks and their names, the
heading structure, every control's name, required and error states and
description, and the language every piece of text is spoken in; and that polite
live regions announce without moving focus.
"""
from __future__ import annotations

import re

import pytest

from tests.browser.atspi import INTERACTIVE_ROLES, Node, same_language
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.atspi, pytest.mark.browser]

LANGS = ["en", "ar", "zh-Hans"]
QUERIES = {"en": "password", "ar": "كلمة المرور", "zh-Hans": "密码"}
# Machine translations with a link to the original (the shipped articles all have a
# human Arabic version; the live portal's machine-reviewed example stands in there).
MACHINE_ARTICLE = {"ar": "reviewed-example", "zh-Hans": "reset-your-password"}
MACHINE_NOTICE_LINK = ".machine-notice a, .reviewed-notice a"
# What is typed into the search box: the live portal's Chinese articles are English
# text relabelled, so the words it completes in Chinese are English ones.
SUGGEST_PREFIX = {"en": "pass", "ar": "كل", "zh-Hans": "pass"}
# Text of every element the DOM marks with a language other than the page's, and
# whether it is in the layout (the tree leaves out what is not rendered).
DOM_TEXTS = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let text;
  while ((text = walker.nextNode())) {
    const value = text.textContent.replace(/\\s+/g, ' ').trim();
    const element = text.parentElement;
    if (!value || element.closest('script,style,template,[hidden],[aria-hidden="true"]')) continue;
    if (!element.getClientRects().length) continue;
    const marked = element.closest('[lang]');
    out.push([value, marked ? marked.getAttribute('lang') : '']);
  }
  return out;
}"""
DOM_CONTROLS = """() => {
  const shown = e => e.getClientRects().length && e.type !== 'hidden';
  const fields = [...document.querySelectorAll('input,textarea,select')].filter(shown);
  return {required: fields.filter(e => e.required || e.getAttribute('aria-required') === 'true').length,
          invalid: fields.filter(e => e.getAttribute('aria-invalid') === 'true').length};
}"""


def structure_problems(tree: Node, page, lang: str) -> list[str]:
    """Everything wrong with what a screen reader gets for this page (empty when nothing is)."""
    problems = []
    if not same_language(tree.lang, lang):
        problems.append(f"document language {tree.lang!r}, page is {lang!r}")
    if not tree.name.strip():
        problems.append("the document has no name (title)")

    landmarks = tree.landmarks()
    roles = [role for role, _ in landmarks]
    for role in ("banner", "main", "contentinfo"):
        if roles.count(role) != 1:
            problems.append(f"{roles.count(role)} {role} landmarks (want exactly one): {landmarks}")
    for role in set(roles):
        names = [name for other, name in landmarks if other == role]
        if len(names) > 1 and (not all(names) or len(set(names)) != len(names)):
            problems.append(f"several {role} landmarks without distinct names: {names}")
        if role in ("search", "region") and not all(names):
            problems.append(f"a {role} landmark without a name: {landmarks}")

    headings = tree.headings()
    if [level for level, _ in headings].count(1) != 1:
        problems.append(f"want one level-1 heading: {headings}")
    for (before, _), (level, name) in zip(headings, headings[1:], strict=False):
        if level > before + 1:
            problems.append(f"heading level jumps from {before} to {level} at {name!r}")
    problems += [f"an empty level-{level} heading" for level, name in headings if not name.strip()]

    for node in tree.walk():
        if node.role in INTERACTIVE_ROLES and not node.name.strip():
            problems.append(f"{node.role!r} without a name ({node.attributes})")
    controls = page.evaluate(DOM_CONTROLS)
    required = len(tree.find(lambda n: "required" in n.states))
    invalid = len(tree.find(lambda n: "invalid-entry" in n.states))
    if required != controls["required"]:
        problems.append(f"{required} controls exposed as required, the page has {controls['required']}")
    if invalid != controls["invalid"]:
        problems.append(f"{invalid} controls exposed as invalid, the page has {controls['invalid']}")

    spoken = {}
    for text, text_lang in tree.texts():
        spoken.setdefault(re.sub(r"\s+", " ", text).strip(), set()).add((text_lang or "").lower())
    for text, marked in page.evaluate(DOM_TEXTS):
        if marked and not same_language(marked, lang) and text in spoken and marked.lower() not in spoken[text]:
            problems.append(f"{text[:40]!r} is marked lang={marked} but spoken as {sorted(spoken[text])}")
    return problems


def spoken_language(tree: Node, text: str) -> str | None:
    """The language a screen reader speaks ``text`` in (None when the page does not have it)."""
    return next((text_lang for leaf, text_lang in tree.texts() if leaf.strip() == text), None)


def _ticket(live_app, lang):
    from tests.browser.test_axe import _ticket_url

    return _ticket_url(live_app, lang)


def desk_in(page, base_url, live_app, lang) -> int:
    """Sign in as the agent who reads ``lang`` with that staff language; a new ticket's id."""
    _, ticket_id = _ticket(live_app, lang)
    page.goto(f"{base_url}/language/{lang}?next=/{lang}/")
    sign_in(page, base_url, lang)
    return ticket_id


@pytest.fixture
def screen(atspi):
    """A fresh page in the AT-SPI browser, and the reader."""
    browser, reader = atspi
    context = browser.new_context()
    page = context.new_page()
    yield page, reader
    context.close()


def public_pages(lang: str) -> dict[str, str]:
    pages = {
        "home": f"/{lang}/",
        "search results": f"/{lang}/search?q={QUERIES[lang]}",
        "article (source)": f"/{lang}/articles/search-the-help-portal" + ("" if lang == "en" else "?original=1"),
        "article (fallback)": f"/{lang}/articles/english-only-guide",
    }
    if lang != "en":
        pages["article (machine-translated)"] = f"/{lang}/articles/{MACHINE_ARTICLE[lang]}"
    return pages


@pytest.mark.wcag("1.3.1", "2.4.1", "2.4.6", "3.1.1", "3.1.2", "4.1.2")
@pytest.mark.parametrize("lang", LANGS)
def test_public_pages_give_a_screen_reader_landmarks_headings_names_and_languages(screen, base_url, live_app, lang):
    page, reader = screen
    failures = {}
    status_path, _ = _ticket(live_app, lang)
    for name, path in {**public_pages(lang), "ticket status": status_path}.items():
        page.goto(base_url + path)
        problems = structure_problems(reader.tree(page), page, lang)
        if problems:
            failures[name] = problems
    assert not failures, failures


@pytest.mark.wcag("1.3.1", "3.1.2")
@pytest.mark.parametrize("lang", ["ar", "zh-Hans"])
def test_text_in_another_language_is_spoken_in_that_language(screen, base_url, lang):
    page, reader = screen
    page.goto(f"{base_url}/{lang}/articles/english-only-guide")
    tree = reader.tree(page)
    assert spoken_language(tree, "This guide has no translation yet.") == "en"
    notice = page.locator(".notice p").first.inner_text().strip()
    assert any(text_lang and same_language(text_lang, lang) and notice.startswith(text.strip())
               for text, text_lang in tree.texts()), "the notice is not spoken in the page's language"

    page.goto(f"{base_url}/{lang}/articles/{MACHINE_ARTICLE[lang]}")
    tree = reader.tree(page)
    originals = tree.find(lambda n: n.role == "link" and n.name == page.locator(MACHINE_NOTICE_LINK).inner_text())
    assert originals, "the machine-translation notice has no link to the original"
    assert tree.find(lambda n: n.role == "heading" and n.attributes.get("level") == "1")


@pytest.mark.wcag("1.3.1", "3.3.1", "3.3.2", "3.3.3", "4.1.2")
@pytest.mark.parametrize("lang", LANGS)
def test_contact_form_errors_reach_the_screen_reader_on_the_field(screen, base_url, lang):
    page, reader = screen
    page.goto(f"{base_url}/{lang}/search?q={QUERIES[lang]}")
    page.goto(f"{base_url}/{lang}/contact")
    page.locator('form.stacked-form button[type="submit"]').click()
    page.wait_for_selector("#error-summary")
    tree = reader.tree(page)
    assert structure_problems(tree, page, lang) == []
    message = tree.find(lambda n: n.attributes.get("id") == "message")
    assert len(message) == 1
    field = message[0]
    error = page.evaluate("""() => { const copy = document.getElementById('message-error').cloneNode(true);
        copy.querySelectorAll('[aria-hidden="true"]').forEach(e => e.remove()); return copy.textContent.trim(); }""")
    hint = page.locator("#message-hint").inner_text().strip()
    assert {"required", "invalid-entry"} <= set(field.states)
    assert error in field.description and hint in field.description
    assert field.name.startswith(page.locator('label[for="message"]').inner_text().split("(")[0].strip())
    assert tree.find(lambda n: n.aria_role == "alert" and any(h.role == "heading" for h in n.walk()))


@pytest.mark.wcag("1.3.1", "2.4.6", "4.1.2")
@pytest.mark.parametrize("lang", LANGS)
def test_desk_ticket_and_studio_editor_give_a_screen_reader_structure_and_names(screen, base_url, live_app, lang):
    page, reader = screen
    ticket_id = desk_in(page, base_url, live_app, lang)
    failures = {}
    for path in (f"/desk/tickets/{ticket_id}", "/studio/articles/charged-twice/en/edit"):
        page.goto(base_url + path)
        problems = structure_problems(reader.tree(page), page, lang)
        if problems:
            failures[path] = problems
    assert not failures, failures


def _focus_moves(events: list[dict], allowed_role: str) -> list[dict]:
    return [event for event in events if event["type"] == "object:state-changed:focused" and event["detail1"] == 1
            and event["role"] != allowed_role]


def _announced(events: list[dict], text: str) -> bool:
    return any(event["live"] == "polite" and text in event["text"] for event in events
               if event["type"] in ("object:text-changed:insert", "object:children-changed:add"))


def typing_is_announced_in_place(page, reader, box_id: str, text: str, shown: str, role: str) -> None:
    """Type ``text`` into ``#box_id``; what appears at ``shown`` must be announced politely, focus staying put."""
    box = page.locator(f"#{box_id}")
    box.focus()
    reader.listen()
    box.press_sequentially(text)
    page.wait_for_selector(shown)
    announcement = page.locator(shown).first.inner_text().strip()
    assert announcement
    events = reader.events(until={"live": "polite", "text": announcement})
    assert _announced(events, announcement), events
    assert _focus_moves(events, role) == []
    assert page.evaluate("() => document.activeElement.id") == box_id


@pytest.mark.wcag("4.1.3")
@pytest.mark.parametrize("lang", LANGS)
def test_suggestion_count_is_announced_politely_and_focus_stays_in_the_search_box(screen, base_url, lang):
    page, reader = screen
    page.goto(f"{base_url}/{lang}/articles/search-the-help-portal")
    typing_is_announced_in_place(page, reader, "site-search", SUGGEST_PREFIX[lang],
                                 'form[role="search"]:has(#site-search[aria-expanded="true"]) p[role="status"]',
                                 "combo box")


@pytest.mark.wcag("4.1.3")
@pytest.mark.parametrize("lang", LANGS)
def test_articles_suggested_on_the_contact_form_are_announced_without_moving_focus(screen, base_url, lang):
    page, reader = screen
    page.goto(f"{base_url}/{lang}/contact")
    typing_is_announced_in_place(page, reader, "message", {"en": "I forgot my password and cannot sign in",
                                                           "ar": "نسيت كلمة المرور ولا أستطيع تسجيل الدخول",
                                                           "zh-Hans": "我忘记了密码，无法登录我的帐户"}[lang],
                                 "#deflection a", "entry")


@pytest.mark.wcag("4.1.3")
@pytest.mark.parametrize("lang", LANGS)
def test_a_new_customer_message_is_announced_on_the_desk_without_moving_focus(screen, base_url, live_app, lang):
    from portal.db import db
    from portal.support.actions import add_customer_reply
    from portal.support.models import Ticket

    page, reader = screen
    ticket_id = desk_in(page, base_url, live_app, lang)
    page.clock.install()  # the desk polls every 15 s: the test moves the page's clock instead of waiting
    page.goto(f"{base_url}/desk/tickets/{ticket_id}")
    reply = page.locator("textarea").first
    reply.focus()
    focused = page.evaluate("() => document.activeElement.id")
    reader.listen()
    with live_app.app_context():
        add_customer_reply(db.session, db.session.get(Ticket, ticket_id), "One more detail about the invoice.")
        db.session.remove()
    page.clock.run_for(16_000)
    page.wait_for_function("() => document.getElementById('desk-live').textContent.length > 0")
    announcement = page.locator("#desk-live").inner_text().strip()
    events = reader.events(until={"live": "polite", "text": announcement})
    assert _announced(events, announcement), events
    assert _focus_moves(events, "entry") == []
    assert page.evaluate("() => document.activeElement.id") == focused


BROKEN_PAGE = """<!doctype html><html lang="ar" dir="rtl"><head><title>broken tree</title></head><body>
<div class="header"><a href="/">Home</a></div>
<h1>One</h1><h1>Two</h1><h4>Too deep</h4><h2></h2>
<nav><a href="/a">A</a></nav><nav><a href="/b">B</a></nav>
<section aria-label="">x</section>
<p>This paragraph is English but not marked as such.</p>
<button><svg width="16" height="16"></svg></button>
<input type="text" required aria-invalid="true">
<p role="status" id="status"></p><p id="silent"></p>
</body></html>"""
# What a careless script does: the news goes into a region that is not live, and focus is pulled away.
CARELESS_UPDATE = """() => { document.getElementById('silent').textContent = 'Three results';
  const status = document.getElementById('status'); status.tabIndex = -1; status.focus(); }"""


def test_the_tree_checks_fail_on_a_broken_page(screen, base_url):
    """Each check above must be able to fail: a page with every fault, read through AT-SPI."""
    page, reader = screen
    page.goto(f"{base_url}/en/")
    page.set_content(BROKEN_PAGE)
    tree = reader.tree(page)
    problems = "\n".join(structure_problems(tree, page, "en"))
    for expected in ("document language 'ar'", "0 banner landmarks", "0 main landmarks", "0 contentinfo landmarks",
                     "several navigation landmarks without distinct names", "want one level-1 heading",
                     "heading level jumps from 1 to 4", "an empty level-2 heading", "'push button' without a name",
                     "'entry' without a name"):
        assert expected in problems, f"{expected!r} not found in:\n{problems}"
    assert spoken_language(tree, "This paragraph is English but not marked as such.") == "ar"

    reader.listen()
    page.evaluate(CARELESS_UPDATE)
    events = reader.events(until={"type": "object:state-changed:focused"})
    assert not _announced(events, "Three results")  # the text went into a region that is not live
    assert _focus_moves(events, "combo box")  # and focus was moved to the status line


def test_the_language_check_sees_a_mismatch_between_the_page_and_the_tree(screen, base_url):
    page, reader = screen
    page.goto(f"{base_url}/en/")
    page.set_content('<!doctype html><html lang="en"><head><title>lang check</title></head><body>'
                     '<header>h</header><main><h1>t</h1><p lang="fr">Bonjour tout le monde</p></main>'
                     '<footer>f</footer></body></html>')
    tree = reader.tree(page)
    assert structure_problems(tree, page, "en") == []
    for node in tree.walk():  # what a browser bug (or a lost lang attribute) would give
        if node.name == "Bonjour tout le monde":
            node.lang = "en"
    assert any("marked lang=fr but spoken as ['en']" in problem for problem in structure_problems(tree, page, "en"))
