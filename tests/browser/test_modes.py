"""Display modes and the WCAG 2.2 criteria axe cannot judge, on every page type, in a real browser.

Forced colours, zoom to 200 % and 400 % (as viewport widths: 640 and 320 CSS px of a 1280x1024
screen), Focus Not Obscured and Target Size are measured in one pass over the page types per
language (the ``survey`` fixture loads each page once and runs every check on it, in every mode);
the tests then assert their own part. Consistent Help, Redundant Entry and Accessible
Authentication have their own tests. The checks are in tests/browser/modes.py; test_modes_harness.py
shows each of them failing on broken markup.
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from portal.config import DEFAULT_LANGUAGES, PROJECT_ROOT
from portal.db import db
from portal.support.actions import ticket_for_token
from tests.browser import modes
from tests.browser.conftest import STAFF_PASSWORD, sign_in
from tests.browser.test_axe import PAGE_TYPES, _ticket_url

# Left to right and right to left, a script without spaces, and long compound words.
LANGUAGES = ["en", "ar", "zh-Hans", "de"]
# The staff pages share their templates across languages; Chinese, which breaks lines between any two
# characters, is the least likely to overflow, so they are surveyed in the other three.
STAFF_LANGUAGES = {"en", "ar", "de"}
DESKTOP = {"width": 1280, "height": 720}
ZOOM_200 = {"width": 640, "height": 512}  # a 1280x1024 screen at 200 %
ZOOM_400 = {"width": 320, "height": 256}  # ... and at 400 % (WCAG 1.4.10's 320 CSS px)


@dataclass(frozen=True)
class PageType:
    name: str
    path: str
    public: bool = True  # a customer's page (the staff pages have no customer help link)
    prepare: Callable | None = None  # brings the page into the state to check (e.g. a failed submission)


def _submit_empty_contact_form(page):
    page.locator("form.stacked-form button[type=submit]").click()
    expect(page.locator("#error-summary")).to_be_visible()


def _fail_sign_in(page):
    page.fill("#email", "nobody@example.org")  # no account: no sign-in throttle for the agents
    page.fill("#password", "not the password")
    page.locator("form.login-form button[type=submit]").click()
    expect(page.locator("#login-error")).to_be_visible()


def page_types(live_app, lang: str) -> tuple[list[PageType], list[PageType]]:
    """Every page type: (before signing in, after signing in as the agent of ``lang``)."""
    status_path, ticket_id = _ticket_url(live_app, lang)
    batch = live_app.test_batch_id
    customer = [PageType(name, path.format(lang=lang)) for name, path in PAGE_TYPES.items()] + [
        PageType("contact", f"/{lang}/contact"),
        PageType("contact-errors", f"/{lang}/contact", prepare=_submit_empty_contact_form),
        PageType("ticket-status", status_path),
        PageType("article-voted-no", f"/{lang}/articles/charged-twice?voted=no"),
        PageType("desk-login", "/desk/login"),
        PageType("desk-login-failed", "/desk/login", prepare=_fail_sign_in),
    ]
    staff = [PageType(path, path, public=False) for path in (
        "/desk/", f"/desk/tickets/{ticket_id}", "/desk/jobs", "/studio/", "/studio/?category=using-help",
        "/studio/articles/new", "/studio/articles/charged-twice/en/edit", "/studio/articles/charged-twice/en/history",
        "/studio/articles/charged-twice/translations", f"/studio/articles/stale-example/translations?batch={batch}",
        "/studio/articles/stale-example/es/segments", "/studio/articles/stale-example/pt-BR/segments",
        f"/studio/batches/{batch}", "/studio/reports/",
    )]
    return customer, staff


@dataclass
class Survey:
    lang: str
    # check name -> page name -> problems
    findings: dict[str, dict[str, list[str]]] = field(default_factory=lambda: defaultdict(dict))
    help: list[modes.HelpPlacement] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)

    def run(self, check: str, page_name: str, measure: Callable[[], list[str]]) -> None:
        try:
            problems = measure()
        except (PlaywrightError, AssertionError) as exc:
            problems = [f"the check itself failed: {str(exc).splitlines()[0]}"]
        self.findings[check][page_name] = problems

    def report(self, *checks: str) -> str:
        lines = []
        for check in checks:
            for page_name, problems in self.findings[check].items():
                lines.extend(f"[{self.lang} · {check} · {page_name}] {problem}" for problem in problems)
        return "\n".join(lines)

    def checked(self, check: str) -> int:
        return len(self.findings[check])


def _search_submits(page) -> list[str]:
    """The page's search form, if it has one, submits by pointer at the current viewport."""
    if page.locator("form[role=search]").count() == 0:
        return []
    page.locator("form[role=search] input[type=search]").first.fill("password")
    target = modes.pointer_target(page, "form[role=search] button[type=submit]")
    if isinstance(target, str):
        return [f"the search button cannot be clicked: {target}"]
    try:
        with page.expect_navigation(url=re.compile(r"/search\?(.*&)?q=password"), wait_until="commit", timeout=5000):
            page.mouse.click(*target)
    except PlaywrightError as exc:
        return [f"the search form does not submit: {str(exc).splitlines()[0]}"]
    return []


def _survey_page(survey: Survey, page, base_url: str, page_type: PageType) -> None:
    name = page_type.name
    survey.pages.append(name)
    page.set_viewport_size(DESKTOP)
    page.goto(base_url + page_type.path)
    if page_type.prepare:
        page_type.prepare(page)

    survey.run("forced colours", name, lambda: modes.forced_colours_problems(page))
    if modes.sticky_or_fixed(page):
        _walk(survey, page, name, "desktop")
    else:  # no author content can cover the focus at this size; the walk at 400 % checks the outlines
        survey.findings["focus not obscured (desktop)"][name] = []
    survey.run("target size", name, lambda: modes.target_size_problems(page))
    if page_type.public:
        survey.help.append(modes.help_placement(page))

    page.set_viewport_size(ZOOM_200)
    survey.run("reflow at 200 %", name, lambda: modes.reflow_problems(page))
    page.set_viewport_size(ZOOM_400)
    survey.run("reflow at 400 %", name, lambda: modes.reflow_problems(page))
    _walk(survey, page, name, "400 %")
    survey.run("controls reachable at 400 %", name, lambda: modes.unreachable_controls(page))
    survey.run("skip link at 400 %", name, lambda: modes.skip_link_problems(page))
    survey.run("language chooser at 400 %", name, lambda: modes.language_chooser_problems(page))
    survey.run("search at 400 %", name, lambda: _search_submits(page))  # last: it leaves the page


def _walk(survey: Survey, page, name: str, size: str) -> None:
    """Tab through the page in forced colours: each stop's outline, and whether something hides it."""
    page.emulate_media(forced_colors="active")
    stops: list[modes.FocusStop] = []
    survey.run(f"tab walk ({size})", name, lambda: stops.extend(modes.tab_through(page)) or [])
    page.emulate_media(forced_colors="none")
    survey.run(f"focus indicator in forced colours ({size})", name, lambda: modes.focus_indicator_problems(stops))
    survey.run(f"focus not obscured ({size})", name, lambda: modes.focus_obscured_problems(stops))


@pytest.fixture(scope="module", params=LANGUAGES)
def survey(request, browser, base_url, live_app) -> Survey:
    lang = request.param
    result = Survey(lang)
    customer, staff = page_types(live_app, lang)
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{base_url}/language/{lang}?next=/{lang}/")  # the sign-in page speaks the language too
    for page_type in customer:
        _survey_page(result, page, base_url, page_type)
    if lang in STAFF_LANGUAGES:
        sign_in(page, base_url, lang)
        for page_type in staff:
            _survey_page(result, page, base_url, page_type)
    context.close()
    return result


@pytest.mark.wcag("1.4.11", "2.4.7", "1.4.1")
def test_forced_colours_keep_borders_focus_notices_and_charts(survey):
    """Forced colours (light and dark user palettes): controls keep visible borders, texts, notices
    and chart marks use system colours, no background colour alone carries meaning, and every
    focus stop (Tab through the whole page at 400 %) has an outline in a system colour."""
    checks = ("forced colours", "focus indicator in forced colours (400 %)", "tab walk (400 %)",
              "focus indicator in forced colours (desktop)", "tab walk (desktop)")
    assert survey.checked("forced colours") >= 15 and survey.checked("tab walk (400 %)") >= 15
    assert not survey.report(*checks), survey.report(*checks)


@pytest.mark.wcag("1.4.4", "1.4.10")
def test_zoom_to_200_and_400_percent_reflows_and_keeps_controls_working(survey):
    """At 640 and 320 CSS px wide: no horizontal page scrolling (tables and code scroll on their own),
    no clipped text; at 320x256 every control can be reached by pointer, the skip link works, the
    language chooser opens with every language reachable, and the search form submits."""
    checks = ("reflow at 200 %", "reflow at 400 %", "controls reachable at 400 %", "skip link at 400 %",
              "language chooser at 400 %", "search at 400 %")
    assert not survey.report(*checks), survey.report(*checks)


@pytest.mark.wcag("2.4.11")
def test_focus_is_never_obscured_at_desktop_size_and_400_percent(survey):
    """Tab through every page type at 320x256: each focused element is in the viewport and not
    entirely covered by sticky or fixed content. At 1280x720 the same walk runs on every page that
    has sticky or fixed content there (none has: then nothing can cover the focus)."""
    checks = ("focus not obscured (desktop)", "focus not obscured (400 %)", "tab walk (desktop)", "tab walk (400 %)")
    assert not survey.report(*checks), survey.report(*checks)


@pytest.mark.wcag("2.5.8")
def test_targets_are_24_px_or_spaced_or_inline(survey):
    """Every pointer target (links, buttons, fields, summaries, [tabindex]) is at least 24x24 CSS px,
    or passes the spacing or the inline-link exception."""
    assert survey.checked("target size") >= 15
    assert not survey.report("target size"), survey.report("target size")


# --- 3.2.6 Consistent Help -------------------------------------------------------------------------------

def _assert_consistent_help(placements: list[modes.HelpPlacement]) -> None:
    problems = modes.consistent_help_problems(placements)
    assert not problems, "\n".join(problems)
    assert len(placements) >= 14
    assert all(p.help[0].startswith("contentinfo:") for p in placements), placements[0]


@pytest.mark.wcag("3.2.6")
def test_help_link_is_in_the_same_place_on_every_public_page(survey):
    """The contact link (the help mechanism) is on every customer-facing page type, in the same
    landmark and at the same position among the links the pages repeat (surveyed languages)."""
    _assert_consistent_help(survey.help)


@pytest.mark.wcag("3.2.6")
@pytest.mark.parametrize("lang", [lang for lang in DEFAULT_LANGUAGES if lang not in LANGUAGES])
def test_help_link_is_in_the_same_place_in_the_other_languages(browser, base_url, live_app, lang):
    """The same, in the UI languages the survey does not visit."""
    customer, _ = page_types(live_app, lang)
    context = browser.new_context()
    page = context.new_page()
    page.route(re.compile(r"/static/"), lambda route: route.abort())  # the markup is enough
    page.goto(f"{base_url}/language/{lang}?next=/{lang}/")  # the sign-in page speaks it too
    placements = []
    for page_type in customer:
        if page_type.prepare is None:  # the surveyed languages cover pages after a failed submission
            page.goto(base_url + page_type.path, wait_until="domcontentloaded")
            placements.append(modes.help_placement(page))
    context.close()
    _assert_consistent_help(placements)


# --- 3.3.7 Redundant Entry -------------------------------------------------------------------------------

def _form_state(page) -> dict[str, object]:
    return page.evaluate("""() => {
        const form = document.querySelector('form.stacked-form');
        const state = {};
        for (const e of form.elements) {
            if (!e.name || e.type === 'submit') continue;
            if (['csrf_token', 'idempotency_key', 'website'].includes(e.name)) continue;
            state[e.name] = e.type === 'checkbox' ? e.checked : e.value;
        }
        return state;
    }""")


@pytest.mark.wcag("3.3.7")
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_contact_form_carries_the_visit_and_keeps_what_was_typed(browser, base_url, live_app, lang):
    """After a search and an article, the footer's contact link opens a form that already has the
    search, the article and the answer language (ticked or chosen, never retyped); a failed submission
    shows everything as typed and chosen; the ticket gets what was kept."""
    query = "charged twice"
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{base_url}/{lang}/search?q={quote(query)}")
    page.locator("ol.results > li > a").first.click()
    page.wait_for_url(re.compile(rf"/{re.escape(lang)}/articles/"))
    # The help link every page has (3.2.6) leads to a form that already knows the visit.
    page.locator("footer.site-footer a[href*='/contact']").click()
    page.wait_for_url(re.compile(rf"/{re.escape(lang)}/contact"))
    form = _form_state(page)
    assert form["context_query"] == query  # sent along, never retyped
    assert form["include_query"] is True and form["include_articles"] is True
    expect(page.locator("label[for=include_query] q")).to_have_text(query)
    expect(page.locator("label[for=include_articles]")).not_to_be_empty()
    assert form["language"] == lang  # the answer language is the one the visit uses
    # No field asks again for what the visit knows: the search and the article are ticked, not typed.
    typed = page.evaluate("""() => [...document.querySelectorAll('form.stacked-form input, form.stacked-form textarea')]
        .filter(e => !['hidden', 'checkbox', 'submit'].includes(e.type) && !e.closest('[aria-hidden=true]'))
        .map(e => e.name)""")
    assert sorted(typed) == ["email", "message", "name"], typed
    assert form["message"] == ""

    # A failed submission (a mistyped e-mail) shows everything as it was typed and chosen.
    answer_language = "de" if lang != "de" else "fr"
    page.fill("#message", "My card was charged twice for the same order last week.")
    page.fill("#name", "Ada Lovelace")
    page.fill("#email", "ada.example.org")
    page.select_option("#language", answer_language)
    page.uncheck("#include_articles")
    before = _form_state(page)
    page.locator("form.stacked-form button[type=submit]").click()
    expect(page.locator("#error-summary")).to_be_visible()
    after = _form_state(page)
    assert after == before, (before, after)
    page.fill("#email", "ada@example.org")
    page.locator("form.stacked-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/tickets/[A-Za-z0-9_-]{40,}\?new=1"))
    token = page.url.split("/tickets/")[1].split("?")[0]
    context.close()

    with live_app.app_context():
        ticket = ticket_for_token(db.session, token)
        assert ticket.context.get("query") == query and "articles" not in ticket.context, ticket.context
        assert ticket.language == answer_language
        db.session.remove()


# --- 3.3.8 Accessible Authentication ----------------------------------------------------------------------

# Every template with a password field, and where the browser finds it.
SIGN_IN_PAGES = {"accounts/login.html": "/desk/login"}


@pytest.mark.wcag("3.3.8")
def test_every_password_form_is_checked():
    """The sign-in test below visits every template that has a password field."""
    templates = PROJECT_ROOT / "portal" / "web" / "templates"
    with_password = {str(path.relative_to(templates)) for path in templates.rglob("*.html")
                     if re.search(r"type=[\"']password", path.read_text(encoding="utf-8"))}
    assert with_password == set(SIGN_IN_PAGES)


@pytest.mark.wcag("3.3.8")
@pytest.mark.parametrize("path", SIGN_IN_PAGES.values())
def test_sign_in_lets_password_managers_fill_and_people_paste(browser, base_url, path):
    """autocomplete username/current-password, paste allowed (a synthetic paste event and a real
    Ctrl+V from the clipboard), no CAPTCHA or puzzle; the same after a failed attempt; and a
    sign-in with pasted credentials works."""
    context = browser.new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    page = context.new_page()
    page.goto(base_url + path)
    problems = modes.authentication_problems(page)
    _fail_sign_in(page)
    problems += [f"after a failed sign-in: {problem}" for problem in modes.authentication_problems(page)]
    assert not problems, "\n".join(problems)

    for selector, text in (("#email", "agent-en@example.org"), ("#password", STAFF_PASSWORD)):
        page.evaluate("(text) => navigator.clipboard.writeText(text)", text)
        page.fill(selector, "")
        page.focus(selector)
        page.keyboard.press("ControlOrMeta+V")
        assert page.input_value(selector) == text, f"Ctrl+V into {selector}"
    page.locator("form.login-form button[type=submit]").click()
    page.wait_for_url(f"{base_url}/desk/")
    context.close()
