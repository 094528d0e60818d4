"""The search suggestions combobox (ARIA 1.2), by keyboard, with announcements."""
import re

import pytest
from playwright.sync_api import expect


@pytest.mark.wcag("2.1.1", "4.1.2", "4.1.3")
def test_suggestions_are_keyboard_operable_and_announced(page, base_url):
    page.goto(f"{base_url}/en/")
    box = page.locator("#main-search")
    expect(box).to_have_attribute("role", "combobox")
    expect(box).to_have_attribute("aria-expanded", "false")
    box.focus()
    page.keyboard.type("reset pass")
    listbox = page.get_by_role("listbox")
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("option").first).to_have_text(re.compile(r"^reset pass"))
    expect(page.locator('form[role="search"] [role="status"]')).to_contain_text("suggestions available")
    page.keyboard.press("ArrowDown")
    first = page.get_by_role("option").first
    expect(first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", first.get_attribute("id"))
    assert page.evaluate("() => document.activeElement.id") == "main-search"  # focus never stolen
    page.keyboard.press("Escape")
    expect(box).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("ArrowDown")
    expect(listbox).to_be_visible()
    page.keyboard.press("ArrowDown")
    chosen = page.get_by_role("option").first.text_content()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/en/search\?q="))
    expect(page.locator("h1")).to_contain_text(chosen)
    expect(page.locator("#result-count")).to_have_attribute("role", "status")


@pytest.mark.wcag("1.4.3", "4.1.2")
def test_search_results_page_is_axe_clean_with_suggestions_open(page, base_url):
    from tests.browser.axe import axe_violations, format_violations

    page.goto(f"{base_url}/ar/search?q=password")
    page.locator("#main-search").fill("")
    page.locator("#main-search").type("pass")
    expect(page.get_by_role("listbox")).to_be_visible()
    violations = axe_violations(page)
    assert not violations, format_violations(violations)


def _open_suggestions(page, base_url):
    page.goto(f"{base_url}/en/")
    box = page.locator("#main-search")
    box.focus()
    page.keyboard.type("reset pass")
    expect(page.get_by_role("listbox")).to_be_visible()
    return box


@pytest.mark.wcag("2.5.2")
def test_pressing_a_suggestion_can_be_cancelled_by_moving_away(page, base_url):
    box = _open_suggestions(page, base_url)
    navigations = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url) if frame == page.main_frame else None)
    start_url = page.url
    option = page.get_by_role("option").first
    target = option.bounding_box()
    listed = page.get_by_role("listbox").bounding_box()
    page.mouse.move(target["x"] + target["width"] / 2, target["y"] + target["height"] / 2)
    page.mouse.down()
    # Still pressed: nothing chosen yet, focus kept in the input so the list stays open.
    expect(box).to_have_value("reset pass")
    expect(page.get_by_role("listbox")).to_be_visible()
    assert page.evaluate("() => document.activeElement.id") == "main-search"
    away_x, away_y = listed["x"] + listed["width"] / 2, listed["y"] + listed["height"] + 60
    assert not page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).closest('[role=listbox]') !== null", [away_x, away_y]
    ), "the release point must be outside the suggestions"
    page.mouse.move(away_x, away_y, steps=5)
    page.mouse.up()
    # The press was abandoned: no search started, the text typed is untouched.
    expect(box).to_have_value("reset pass")
    expect(page.get_by_role("listbox")).to_be_visible()
    assert page.url == start_url
    assert navigations == []
    assert page.evaluate("() => document.activeElement.id") == "main-search"


@pytest.mark.wcag("2.5.2")
def test_clicking_a_suggestion_chooses_it(page, base_url):
    box = _open_suggestions(page, base_url)
    option = page.get_by_role("option").first
    chosen = option.text_content()
    assert chosen != "reset pass"
    target = option.bounding_box()
    page.mouse.move(target["x"] + target["width"] / 2, target["y"] + target["height"] / 2)
    page.mouse.down()
    page.mouse.up()
    page.wait_for_url(re.compile(r"/en/search\?q="))
    expect(page.locator("h1")).to_contain_text(chosen)
    expect(box).to_have_value(chosen)
