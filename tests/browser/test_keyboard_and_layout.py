"""Keyboard use, landmarks, reflow, text spacing and reduced motion in a real browser."""
import re

import pytest
from playwright.sync_api import expect

PAGES = ["/{lang}/", "/{lang}/articles/search-the-help-portal", "/{lang}/articles/english-only-guide",
         "/{lang}/categories/billing", "/{lang}/search?q=password"]


def focused(page) -> str:
    return page.evaluate(
        "() => { const e = document.activeElement; return e.id || e.getAttribute('href') || e.tagName.toLowerCase(); }"
    )


@pytest.mark.wcag("2.1.1", "2.4.1", "2.4.3")
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_skip_link_is_first_and_moves_focus_to_main(page, base_url, lang):
    page.goto(f"{base_url}/{lang}/articles/reset-your-password")
    page.keyboard.press("Tab")
    assert focused(page) == "#main"
    expect(page.locator(".skip-link")).to_be_visible()  # visible when focused
    page.keyboard.press("Enter")
    assert focused(page) == "main"
    page.keyboard.press("Tab")
    # The next stop is inside main (breadcrumb), not back in the header.
    assert page.evaluate("() => document.querySelector('main').contains(document.activeElement)")


@pytest.mark.wcag("2.1.1", "2.4.3", "2.4.7")
def test_tab_order_follows_reading_order_and_every_stop_is_visible(page, base_url):
    page.goto(f"{base_url}/en/")
    stops = []
    for _ in range(12):
        page.keyboard.press("Tab")
        info = page.evaluate("""() => { const e = document.activeElement; const r = e.getBoundingClientRect();
            return {name: (e.textContent || e.getAttribute('aria-label') || e.id || e.tagName)
                              .replace(/\\s+/g, ' ').trim() || e.id,
                    visible: r.width > 0 && r.height > 0, outline: getComputedStyle(e).outlineStyle}; }""")
        stops.append(info)
    names = [s["name"] for s in stops]
    assert names[:5] == ["Skip to content", "Help Center", "Home", "Change language. Language: English", "main-search"]
    assert all(s["visible"] for s in stops), stops
    assert all(s["outline"] != "none" for s in stops[1:]), stops  # visible focus indicator


@pytest.mark.wcag("2.1.1")
def test_language_chooser_works_with_keyboard_only(page, base_url):
    page.goto(f"{base_url}/en/categories/billing")
    page.locator(".language-chooser summary").focus()
    page.keyboard.press("Enter")
    page.locator('.language-chooser a[lang="he"]').focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/he/categories/billing$"))
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    # The choice is remembered.
    page.goto(base_url + "/")
    page.wait_for_url(re.compile(r"/he/$"))


@pytest.mark.wcag("1.3.1", "2.4.1")
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_landmarks_aria_snapshot(page, base_url, lang):
    page.goto(f"{base_url}/{lang}/articles/reset-your-password")
    expect(page.locator("body")).to_match_aria_snapshot(
        """
        - link /.+/
        - banner:
          - link /.+/
          - navigation /.+/
          - search /.+/
        - main:
          - navigation /.+/
          - article /.+/:
            - heading /.+/ [level=1]
        - contentinfo
        """
    )
    assert page.locator("h1").count() == 1


@pytest.mark.wcag("1.4.10")
@pytest.mark.parametrize("lang", ["en", "de", "ar", "zh-Hans"])
def test_reflow_at_320_css_pixels(page, base_url, lang):
    page.set_viewport_size({"width": 320, "height": 640})
    for path in PAGES:
        page.goto(base_url + path.format(lang=lang))
        page.locator(".language-chooser summary").click()  # open disclosure must also fit
        widths = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert widths[0] <= widths[1], f"{path.format(lang=lang)} scrolls horizontally: {widths}"


TEXT_SPACING = """* { line-height: 1.5 !important; letter-spacing: 0.12em !important;
  word-spacing: 0.16em !important; } p { margin-bottom: 2em !important; }"""
# Text cut off by a box that hides its overflow. A one-line text field is left out: its
# value scrolls under the caret, which is how every browser shows a long value.
CLIPPED = """() => [...document.querySelectorAll('body *')].filter(e => {
      if (e.tagName === 'INPUT') return false;
      const s = getComputedStyle(e);
      if (!['hidden', 'clip'].includes(s.overflowY) && !['hidden', 'clip'].includes(s.overflowX)) return false;
      if (e.classList.contains('visually-hidden')) return false;
      return e.scrollHeight > e.clientHeight + 1 || e.scrollWidth > e.clientWidth + 1;
    }).map(e => e.outerHTML.slice(0, 80))"""


@pytest.mark.wcag("1.4.12")
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_text_spacing_override_loses_no_content(page, base_url, lang):
    page.set_viewport_size({"width": 360, "height": 700})
    for path in PAGES:
        page.goto(base_url + path.format(lang=lang))
        page.add_style_tag(content=TEXT_SPACING)
        clipped = page.evaluate(CLIPPED)
        assert clipped == [], clipped
        widths = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert widths[0] <= widths[1]


STAFF_PAGES = ["/desk/", "/desk/tickets/{ticket}", "/studio/", "/studio/articles/charged-twice/en/edit",
               "/studio/articles/charged-twice/en/history", "/studio/articles/charged-twice/translations",
               "/studio/articles/stale-example/es/segments", "/studio/reports/"]


@pytest.mark.wcag("1.4.12")
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_text_spacing_on_desk_and_studio_pages_loses_nothing_and_needs_no_sideways_scrolling(
        browser, base_url, live_app, lang):
    from tests.browser.conftest import sign_in
    from tests.browser.test_axe import _ticket_url

    _, ticket = _ticket_url(live_app, lang)
    context = browser.new_context(viewport={"width": 360, "height": 700}, bypass_csp=True)  # for the style override
    page = context.new_page()
    page.goto(f"{base_url}/language/{lang}?next=/{lang}/")
    sign_in(page, base_url, lang)
    problems = {}
    for path in STAFF_PAGES:
        page.goto(base_url + path.format(ticket=ticket))
        page.add_style_tag(content=TEXT_SPACING)
        clipped = page.evaluate(CLIPPED)
        width = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if clipped or width > 1:
            problems[path] = {"clipped": clipped, "sideways by": width}
    context.close()
    assert not problems, problems


def test_reduced_motion_disables_transitions(page, base_url):
    page.emulate_media(reduced_motion="reduce")
    page.goto(f"{base_url}/en/")
    durations = page.evaluate("""() => [...document.querySelectorAll('a, button, summary')]
        .map(e => parseFloat(getComputedStyle(e).transitionDuration))""")
    assert durations and max(durations) <= 0.001
    assert page.evaluate("() => getComputedStyle(document.documentElement).scrollBehavior") == "auto"


def test_pages_work_without_javascript(browser, base_url):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{base_url}/es/")
    page.fill("#main-search", "contraseña")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/es/search\?q="))
    expect(page.locator("h1")).to_contain_text("contraseña")
    page.locator(".article-list a").first.click()
    expect(page.locator("article h1")).to_be_visible()
    context.close()
