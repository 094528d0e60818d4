"""Each check in tests/browser/modes.py fails on broken markup (so a passing portal means something).

Every test opens a real portal page first (the origin, and for some the portal's own stylesheet),
then replaces it with a small broken page and asserts the check reports exactly the broken part.
"""
from __future__ import annotations

import re

from tests.browser import modes

STYLESHEET = '<link rel="stylesheet" href="/static/portal.css">'


def _broken_page(page, base_url, body: str, head: str = "") -> None:
    page.goto(base_url + "/en/")
    page.set_content(f'<!doctype html><html lang="en"><head><title>broken</title>{head}</head>'
                     f"<body>{body}</body></html>")


def test_forced_colours_check_reports_a_focus_style_without_outline(page, base_url):
    _broken_page(page, base_url, """
        <a href="#one" class="good">one</a>
        <button class="bad">two</button>""", head="""<style>
        .good:focus-visible { outline: 3px solid #1a1a1a; }
        .bad:focus-visible { outline: none; box-shadow: 0 0 0 3px #0b57d0; }  /* vanishes in forced colours */
        </style>""")
    page.emulate_media(forced_colors="active")
    stops = modes.tab_through(page)
    assert [stop.element for stop in stops] == ['a.good "one"', 'button.bad "two"']
    problems = modes.focus_indicator_problems(stops)
    assert problems == ['button.bad "two": no focus outline (none 3px)']


def test_forced_colours_check_reports_borderless_controls_colour_only_cues_and_chart_colours(page, base_url):
    _broken_page(page, base_url, """
        <p>Fine: <button>Save</button> <input type="text" aria-label="Name"></p>
        <p><button class="flat">Delete</button></p>
        <div class="notice-bad" role="note">Your trial ends tomorrow.</div>
        <p>Status: <span class="pill">overdue</span></p>
        <svg class="chart" viewBox="0 0 100 20" role="img" aria-label="chart"><rect class="bar" width="80" height="10"
          fill="#3a78d8"/><text x="85" y="10" fill="currentColor">80</text></svg>""", head="""<style>
        .flat { border: none; background: #0b57d0; color: #fff; }
        .notice-bad { background: #fff4ce; padding: 0.5rem; }
        .pill { background: #b3261e; color: #fff; }
        </style>""")
    problems = modes.forced_colours_problems(page)
    light = [p for p in problems if p.startswith("[light palette]")]
    assert any('button.flat "Delete": no top border' in p for p in light), problems
    assert any('div.notice-bad "Your trial ends tomorrow."' in p and "no visible border" in p for p in light), problems
    assert any('span.pill "overdue": told apart by its background alone' in p for p in light), problems
    assert any("rect.bar: chart fill rgb(58, 120, 216) is not a system colour" in p for p in light), problems
    assert not any('"Save"' in p or "Name" in p or "text" in p.split(":")[0] for p in light), light


def test_reflow_check_reports_a_fixed_width_box_and_clipped_text_at_320_px(page, base_url):
    page.set_viewport_size({"width": 320, "height": 256})
    _broken_page(page, base_url, """
        <main>
          <div class="table-scroll"><table><tr><td style="white-space: nowrap">a wide table may scroll in its own
            box: this is not a failure of the page at all</td></tr></table></div>
          <div class="wide" style="width: 900px">A box of 900 CSS pixels.</div>
          <p class="cut" style="width: 150px; height: 1.5em; overflow: hidden">A sentence that needs more than one
            line at this width is cut off.</p>
        </main>""", head=STYLESHEET)
    problems = modes.reflow_problems(page)
    assert any(re.search(r"the page scrolls horizontally: 9\d\dpx of content in 320px", p) for p in problems)
    assert any(p.startswith('div.wide "A box of 900 CSS pixels."') and "outside the 320px viewport" in p
               for p in problems), problems
    assert any(p.startswith('p.cut "A sentence that needs') and "clips its text" in p for p in problems)
    assert not any("table" in p or "td" in p.split(" ")[0] for p in problems), problems


def test_focus_obscured_check_reports_a_sticky_header_over_the_focus(page, base_url):
    page.set_viewport_size({"width": 320, "height": 256})
    _broken_page(page, base_url, """
        <header class="bar">Site name</header>
        <p><a href="#first">First link</a></p>
        <p style="margin-top: 600px"><a href="#second">Second link</a></p>""", head="""<style>
        body { margin: 0; }
        .bar { position: fixed; top: 0; inset-inline: 0; height: 120px; background: #0b3d91; color: #fff; }
        </style>""")
    assert modes.sticky_or_fixed(page) == ['header.bar "Site name"']
    problems = modes.focus_obscured_problems(modes.tab_through(page))
    assert problems == ['a "First link": focused but entirely covered by header.bar "Site name"']


def test_target_size_check_reports_a_16_px_icon_button_but_not_the_exceptions(page, base_url):
    _broken_page(page, base_url, """
        <p class="tools"><button class="icon" aria-label="Close">×</button><button class="icon2">Next</button></p>
        <p class="alone"><button class="icon" aria-label="Help">?</button></p>
        <p>Read the <a href="/en/">help home page</a> before you write to us.</p>
        <ul class="pager"><li><a class="tiny" href="/en/?page=1">1</a></li>
          <li><a class="tiny" href="/en/?page=2">2</a></li></ul>
        """, head="""<style>
        button { font: 12px sans-serif; }
        .icon { width: 16px; height: 16px; padding: 0; border: 1px solid; }
        .icon2 { min-height: 24px; }
        .alone { margin: 60px; }
        .pager { list-style: none; display: flex; gap: 2px; padding: 0; font-size: 12px; line-height: 1; }
        </style>""")
    problems = modes.target_size_problems(page)
    assert any(p.startswith('button.icon "Close" is 16.0x16.0px') for p in problems), problems
    assert any(p.startswith('a.tiny "1"') for p in problems), problems  # links in a list are not in a sentence
    assert not any('"Help"' in p for p in problems), problems  # undersized but spaced: the spacing exception
    assert not any("help home page" in p for p in problems), problems  # a link in a sentence: the inline exception


def test_consistent_help_check_reports_a_moved_and_a_missing_contact_link(page, base_url):
    page.goto(base_url + "/en/")
    reference = modes.help_placement(page)
    page.goto(base_url + "/en/categories/billing")
    same = modes.help_placement(page)
    html = page.content()
    link = re.search(r"<p><a href=\"/en/contact\"[^>]*>.*?</a></p>", html)
    assert link, "the footer help link"
    nav = '<nav class="site-nav"'
    moved_html = html.replace(link.group(0), "").replace(nav, link.group(0) + nav)
    page.set_content(moved_html)
    moved = modes.help_placement(page)
    page.set_content(html.replace(link.group(0), ""))
    missing = modes.help_placement(page)
    assert modes.consistent_help_problems([reference, same]) == []
    problems = modes.consistent_help_problems([reference, same, moved, missing])
    assert len(problems) == 2, problems
    assert "no help link" in problems[0]
    assert "help link ('banner'" in problems[1] and "('contentinfo'" in problems[1]


def test_authentication_check_reports_blocked_paste_autocomplete_off_and_a_puzzle(page, base_url):
    _broken_page(page, base_url, """
        <form class="login" method="post" action="/desk/login">
          <label for="user">E-mail</label> <input id="user" name="email" type="email" autocomplete="off">
          <label for="pass">Password</label>
          <input id="pass" name="password" type="password" autocomplete="off" onpaste="return false">
          <label for="sum">What is 3 + 4?</label> <input id="sum" name="captcha_answer" type="text">
          <button>Sign in</button>
        </form>""")
    problems = modes.authentication_problems(page)
    expected = ["password autocomplete='off', not 'current-password'", "user field autocomplete='off'",
                "input#pass has an onpaste handler", "pasting into #pass is refused", "asks a CAPTCHA or puzzle",
                "asks for more than the user name and password: input#sum"]
    for text in expected:
        assert any(text in p for p in problems), (text, problems)
    assert not any("pasting into #user" in p for p in problems)  # that field takes a paste


def test_zoom_checks_report_a_covered_control_a_stuck_language_chooser_and_a_dead_skip_link(page, base_url):
    page.set_viewport_size({"width": 320, "height": 256})
    _broken_page(page, base_url, """
        <a class="skip-link" href="#nowhere">Skip to content</a>
        <header><details class="language-chooser"><summary>Language</summary>
          <ul><li><a href="/en/">English</a></li></ul></details></header>
        <main id="main" tabindex="-1"><button class="under">Send</button></main>
        <div class="cover"></div>""", head=STYLESHEET + """<style>
        .cover { position: absolute; top: 0; inset-inline: 0; height: 200px; }
        </style>""")
    covered = modes.unreachable_controls(page)
    assert 'summary "Language" is covered by div.cover' in covered, covered
    assert 'button.under "Send" is covered by div.cover' in covered, covered
    assert modes.language_chooser_problems(page) == [
        'the language chooser cannot be clicked: summary "Language" is covered by div.cover']
    assert modes.skip_link_problems(page) == ["Enter on the skip link does not move focus into the main content"]
