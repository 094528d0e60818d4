"""Incident notices in the browser (issue #15): the banner on the home page, a matching search,
an affected article and the contact form, axe-clean in every UI language and both colour
schemes; its accessibility tree (an aria snapshot); one polite announcement per notice;
dismissed by keyboard and remembered; the desk's notice pages axe-clean."""
from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import expect

from portal.config import DEFAULT_LANGUAGES
from tests.browser.axe import audit_both_schemes
from tests.browser.conftest import STAFF_PASSWORD, serve
from tests.conftest import SUPPORT_SETTINGS, app_on

AXE_CRITERIA = ("1.1.1", "1.3.1", "1.4.1", "1.4.3", "2.1.1", "2.4.1", "2.4.2", "2.4.4", "2.5.3", "2.5.8", "3.1.1",
                "3.1.2", "3.3.2", "4.1.2")


@pytest.fixture(scope="module")
def notices_portal(tmp_path_factory, support_template):
    """The shipped articles (indexed), every UI language, one active notice with an update."""
    from portal.accounts import create_user
    from portal.db import db
    from portal.notices import actions
    from portal.notices.service import NoticeDraft

    data_dir = tmp_path_factory.mktemp("notices-portal") / "data"
    shutil.copytree(support_template, data_dir)
    app = app_on(data_dir, **dict(SUPPORT_SETTINGS, languages=DEFAULT_LANGUAGES))
    with app.app_context():
        notice = actions.publish_notice(db.session, NoticeDraft(
            "Password reset e-mails are delayed", "Reset e-mails arrive **up to an hour late**.", "en",
            severity="major", articles=["reset-your-password"], phrases=["password reset", "reset e-mail"]),
            None, "We are looking into it.")
        app.test_notice_id = notice.id
        create_user(db.session, "agent-en@example.org", "Agent en", STAFF_PASSWORD, ["agent", "writer"], "en")
        create_user(db.session, "agent-ar@example.org", "Agent ar", STAFF_PASSWORD, ["agent", "writer"], "ar")
        db.session.commit()
    with serve(app) as url:
        yield app, url


@pytest.mark.wcag(*AXE_CRITERIA)
@pytest.mark.parametrize("lang", DEFAULT_LANGUAGES)
def test_the_banner_and_notice_pages_are_axe_clean_in_every_language(page, notices_portal, lang):
    app, url = notices_portal
    notice_id = app.test_notice_id
    failures: list[str] = []
    paths = [f"/{lang}/", f"/{lang}/notices/{notice_id}", f"/{lang}/search?q=password+reset"]
    if lang in ("en", "ar", "zh-Hans"):  # the same banner in the article layout: in LTR, RTL and CJK
        paths.append(f"/{lang}/articles/reset-your-password")
    for path in paths:
        page.goto(url + path)
        if "/notices/" not in path:
            assert page.locator(f"#notice-banner-{notice_id}").is_visible(), path
        audit_both_schemes(page, failures, path)
    page.goto(f"{url}/{lang}/contact")
    page.fill("#message", "My password reset e-mail never comes")
    page.locator(f'#deflection a[href="/{lang}/notices/{notice_id}"]').wait_for()
    audit_both_schemes(page, failures, "contact form with a matching notice")
    assert not failures, "\n\n".join(failures)


def test_the_banner_reads_as_a_named_region_with_a_heading_and_words_for_the_severity(page, notices_portal):
    app, url = notices_portal
    page.goto(url + "/en/")
    banner = page.locator(f"#notice-banner-{app.test_notice_id}")
    # The icon is hidden from the tree: the severity is read as words; the update's time varies.
    expect(banner).to_match_aria_snapshot(
        '- region "Password reset e-mails are delayed":\n'
        '  - heading "Password reset e-mails are delayed" [level=2]\n'
        '  - paragraph:\n'
        '    - strong: Major disruption\n'
        '    - text: /\\. Status. Investigating\\. Updated .+\\./\n'
        '  - paragraph:\n'
        '    - \'link "We already know about this: follow the status (Password reset e-mails are delayed)"\':\n'
        f'      - /url: /en/notices/{app.test_notice_id}\n'
        '  - \'button "Dismiss notice: Password reset e-mails are delayed"\'')


@pytest.mark.wcag("4.1.3")
def test_each_notice_is_announced_politely_once(browser, notices_portal):
    app, url = notices_portal
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.goto(url + "/en/")
    announcer = page.locator("#notice-announcer")
    assert announcer.get_attribute("role") == "status"
    page.wait_for_function("() => document.getElementById('notice-announcer').textContent.length > 0")
    assert announcer.text_content() == ("Service notice: Password reset e-mails are delayed. Major disruption. "
                                        "Status: Investigating.")
    page.goto(url + "/en/search?q=password+reset")  # the same notice on another page: not again
    page.locator(".notice-banners[data-announcing]").wait_for(state="attached")
    assert page.locator(".notice-banners").get_attribute("data-announcing") == "0"
    assert announcer.text_content() == ""
    context.close()


@pytest.mark.wcag("2.1.1", "2.4.3")
def test_a_notice_is_dismissed_by_keyboard_and_stays_dismissed(browser, notices_portal):
    app, url = notices_portal
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.goto(url + "/ar/")
    dismiss = page.locator(f"#notice-banner-{app.test_notice_id} .notice-dismiss")
    dismiss.wait_for()
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.classList.contains('notice-dismiss')"):
            break
    else:
        pytest.fail("the dismiss button is not reachable with Tab")
    page.keyboard.press("Enter")
    assert page.locator(f"#notice-banner-{app.test_notice_id}").is_hidden()
    assert page.evaluate("() => document.activeElement.id") == "main"
    page.reload()
    page.locator(".notice-banners[data-announcing]").wait_for(state="attached")
    assert page.locator(f"#notice-banner-{app.test_notice_id}").is_hidden()
    context.close()


@pytest.mark.wcag(*AXE_CRITERIA)
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_desk_notice_pages_are_axe_clean(browser, notices_portal, lang):
    app, url = notices_portal
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.goto(f"{url}/desk/login")
    page.fill("#email", f"agent-{lang}@example.org")
    page.fill("#password", STAFF_PASSWORD)
    page.locator('form button[type="submit"]').last.click()
    page.wait_for_url(f"{url}/desk/**")
    failures: list[str] = []
    notice_id = app.test_notice_id
    for path in ("/desk/notices/", "/desk/notices/new", f"/desk/notices/{notice_id}",
                 f"/desk/notices/{notice_id}/translations/de", "/studio/reports/"):
        page.goto(url + path)
        audit_both_schemes(page, failures, path)
    page.goto(f"{url}/desk/notices/new")
    page.locator('form button[type="submit"]').last.click()  # empty: errors shown
    audit_both_schemes(page, failures, "new notice with errors")
    context.close()
    assert not failures, "\n\n".join(failures)
