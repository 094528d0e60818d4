"""axe-core (WCAG 2.2 A/AA) on every page type, in every UI language, in both colour schemes."""
import pytest

from portal.config import DEFAULT_LANGUAGES
from tests.browser.axe import axe_violations, format_violations

PAGE_TYPES = {
    "home": "/{lang}/",
    "category": "/{lang}/categories/using-help",
    "article": "/{lang}/articles/search-the-help-portal",
    "article-fallback": "/{lang}/articles/english-only-guide",
    "article-original": "/{lang}/articles/search-the-help-portal?original=1",
    "article-machine": "/{lang}/articles/reset-your-password",
    "search-results": "/{lang}/search?q=password",
    "search-empty": "/{lang}/search?q=zzzxqy",
    "not-found": "/{lang}/no-such-page",
}


@pytest.mark.parametrize("lang", DEFAULT_LANGUAGES)
def test_every_page_type_is_axe_clean_in_light_and_dark(page, base_url, lang):
    failures = []
    for name, path in PAGE_TYPES.items():
        page.goto(base_url + path.format(lang=lang))
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            violations = axe_violations(page)
            if violations:
                failures.append(f"[{name} / {scheme}] {page.url}\n{format_violations(violations)}")
        page.emulate_media(color_scheme="light")
    assert not failures, "\n\n".join(failures)


def test_harness_reports_a_known_bad_page(page, base_url):
    """The same harness must fail on a page with real violations (proves it is not vacuous)."""
    page.goto(base_url + "/en/")
    page.set_content(
        """<!doctype html><html><head><title>bad</title></head><body>
        <img src="/static/none.png">
        <p style="color:#aaa;background:#fff">low contrast text</p>
        <input type="text">
        <a href="/x"></a></body></html>"""
    )
    ids = {violation["id"] for violation in axe_violations(page)}
    assert {"image-alt", "color-contrast", "label", "link-name", "html-has-lang"} <= ids
