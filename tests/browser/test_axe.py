"""axe-core (WCAG 2.2 A/AA) on every page type, in every UI language, in both colour schemes."""
import pytest

from portal.config import DEFAULT_LANGUAGES
from tests.browser.axe import audit_both_schemes, axe_violations

PAGE_TYPES = {
    "home": "/{lang}/",
    "category": "/{lang}/categories/using-help",
    "article": "/{lang}/articles/search-the-help-portal",
    "article-fallback": "/{lang}/articles/english-only-guide",
    "article-original": "/{lang}/articles/search-the-help-portal?original=1",
    "article-machine": "/{lang}/articles/reset-your-password",
    "article-machine-reviewed": "/{lang}/articles/reviewed-example",
    "search-results": "/{lang}/search?q=password",
    "search-semantic": "/{lang}/search?q=Ich%20habe%20mein%20Passwort%20vergessen",  # section links, any language
    "search-empty": "/{lang}/search?q=zzzxqy",
    "not-found": "/{lang}/no-such-page",
    "accessibility-statement": "/{lang}/accessibility",
}

#: The WCAG 2.2 A/AA success criteria axe has a rule for that applies to these pages (axe.getRules(WCAG_TAGS):
#: text alternatives, structure, link colour, contrast, zoom, scrollable regions, meta refresh, bypass, titles,
#: link names, label in name, target size, lang attributes, labels, ARIA). Partial evidence: axe finds some
#: failures of each, never proves a page conforms.
AXE_CRITERIA = ("1.1.1", "1.3.1", "1.4.1", "1.4.3", "1.4.4", "2.1.1", "2.2.1", "2.4.1", "2.4.2", "2.4.4", "2.5.3",
                "2.5.8", "3.1.1", "3.1.2", "3.3.2", "4.1.2")


@pytest.mark.wcag(*AXE_CRITERIA)
@pytest.mark.parametrize("lang", DEFAULT_LANGUAGES)
def test_every_page_type_is_axe_clean_in_light_and_dark(page, base_url, lang):
    failures = []
    for name, path in PAGE_TYPES.items():
        page.goto(base_url + path.format(lang=lang))
        audit_both_schemes(page, failures, name)
    assert not failures, "\n\n".join(failures)


@pytest.mark.wcag("4.1.3")
def test_semantic_results_link_to_their_section(page, base_url):
    page.goto(base_url + "/ar/search?q=" + "Ich habe mein Passwort vergessen")
    links = page.locator("ol.results > li > a")
    assert links.count() >= 1
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert any("/ar/articles/reset-your-password" in href for href in hrefs)
    assert any("#" in href for href in hrefs)  # the best passage's section
    assert page.locator("#result-count").get_attribute("role") == "status"


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


def _ticket_url(live_app, lang):
    from portal.db import db
    from portal.support import actions
    from portal.support.service import NewTicket

    with live_app.app_context():  # opened as customers do: routed, so the desk shows why
        ticket, token, _ = actions.open_ticket(db.session, NewTicket(message="A question about my invoice, please.",
                                                                     language=lang))
        ticket_id = ticket.id
        db.session.remove()
    return f"/{lang}/tickets/{token}", ticket_id


@pytest.mark.wcag(*AXE_CRITERIA, "1.3.5")  # autocomplete-valid: the contact and sign-in forms
@pytest.mark.parametrize("lang", DEFAULT_LANGUAGES)
def test_support_and_desk_pages_are_axe_clean(browser, base_url, live_app, lang):
    from tests.browser.conftest import sign_in

    status_path, ticket_id = _ticket_url(live_app, lang)
    customer_pages = [f"/{lang}/contact", status_path, f"/{lang}/articles/charged-twice?voted=no"]
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    failures = []

    def audit(path):
        page.goto(base_url + path)
        audit_both_schemes(page, failures, path)

    for path in customer_pages:
        audit(path)
    context.clear_cookies()
    page.goto(f"{base_url}/language/{lang}?next=/{lang}/")
    audit("/desk/login")
    sign_in(page, base_url, lang)
    for path in ("/desk/", f"/desk/tickets/{ticket_id}", "/studio/", "/studio/articles/new",
                 "/studio/articles/charged-twice/en/edit", "/studio/articles/charged-twice/en/history",
                 "/studio/articles/charged-twice/translations", "/studio/reports/", "/desk/jobs", "/desk/trends",
                 "/studio/articles/stale-example/es/segments", "/studio/articles/stale-example/pt-BR/segments",
                 f"/studio/batches/{live_app.test_batch_id}",
                 f"/studio/articles/stale-example/translations?batch={live_app.test_batch_id}",
                 "/studio/?category=using-help", "/desk/agents/", "/desk/agents/1"):
        audit(path)
    context.close()
    assert not failures, "\n\n".join(failures)
