"""The whole escalation round trip in a real browser, with the real en<->pt-BR engine."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.axe import axe_violations, format_violations
from tests.browser.conftest import run_jobs, sign_in


@pytest.mark.wcag("3.1.2")
def test_zero_results_to_ticket_to_translated_reply_and_emails(browser, base_url, live_app, mail_server):
    _, _, inbox = mail_server
    before = len(inbox)
    customer = browser.new_context(locale="pt-BR", bypass_csp=True)
    page = customer.new_page()
    page.goto(f"{base_url}/pt-BR/search?q=xyzzy quebrado")
    expect(page.locator("#result-count")).to_contain_text("0")
    page.locator(".help-cta.prominent a").click()
    page.wait_for_url(re.compile(r"/pt-BR/contact\?q="))
    expect(page.locator("#include_query")).to_be_checked()
    expect(page.locator("label[for=include_query]")).to_contain_text("xyzzy quebrado")
    page.fill("#message", "Fui cobrado duas vezes este mês e preciso do reembolso.")
    page.fill("#email", "cliente@example.org")
    page.locator("form.stacked-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/pt-BR/tickets/[A-Za-z0-9_-]{40,}\?new=1"))
    status_url = page.url.split("?")[0]
    expect(page.locator(".notice.success")).to_be_visible()
    reference = re.search(r"HD-[A-Z2-9]{4}-[A-Z2-9]{4}", page.locator("h1").text_content()).group(0)
    assert run_jobs(live_app) >= 2  # translation for agents, confirmation email

    desk = browser.new_context()
    agent = desk.new_page()
    sign_in(agent, base_url, "en")
    agent.get_by_role("link", name=reference).click()
    expect(agent.locator(".original-text")).to_contain_text("Fui cobrado duas vezes")
    expect(agent.locator(".message-customer .message-body").first).to_contain_text(
        re.compile(r"charged|twice", re.IGNORECASE)
    )
    expect(agent.get_by_text("xyzzy quebrado")).to_be_visible()  # context captured at submission
    agent.fill("#body", "We refunded the duplicate charge today.")
    agent.get_by_role("button", name="Preview translation").click()
    translation = agent.locator("#translation").input_value()
    assert re.search(r"(?i)reembols|cobran", translation), translation
    agent.get_by_role("button", name="Send reply").first.click()
    expect(agent.locator(".notice.success")).to_be_visible()
    run_jobs(live_app)

    page.goto(status_url)
    reply = page.locator(".message-agent")
    expect(reply.locator(".message-body")).to_have_attribute("lang", "pt-BR")
    expect(reply.locator(".message-body")).to_contain_text(translation.split("\n")[0])
    reply.locator("summary").click()  # the original, one click away
    expect(reply.locator("details div")).to_contain_text("We refunded the duplicate charge today.")
    violations = axe_violations(page)
    assert not violations, format_violations(violations)

    mails = [m for m in inbox[before:] if m["To"] == "cliente@example.org"]
    assert len(mails) == 2 and all(m["Content-Language"] == "pt-BR" for m in mails)
    assert all(status_url.split("/tickets/")[1] in m.get_content() for m in mails)
    assert translation.split("\n")[0] in mails[1].get_content()
    customer.close()
    desk.close()


@pytest.mark.wcag("3.3.1", "3.3.7")
def test_contact_errors_are_announced_and_linked_to_fields(page, base_url):
    page.goto(f"{base_url}/ar/contact")
    page.fill("#email", "not an email")
    page.locator("form.stacked-form button[type=submit]").click()
    summary = page.locator(".error-summary")
    expect(summary).to_have_attribute("role", "alert")
    expect(page.locator("#message")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#email")).to_have_value("not an email")
    described = page.locator("#email").get_attribute("aria-describedby")
    assert "email-error" in described
    summary.get_by_role("link").first.click()
    assert page.evaluate("() => document.activeElement.id") == "message"
    violations = axe_violations(page)
    assert not violations, format_violations(violations)


@pytest.mark.wcag("3.2.2", "4.1.3")
def test_deflection_suggests_articles_without_stealing_focus(page, base_url):
    page.goto(f"{base_url}/en/contact")
    page.locator("#message").focus()
    page.keyboard.type("I forgot my password and cannot sign in")
    region = page.locator("#deflection")
    expect(region).to_have_attribute("aria-live", "polite")
    expect(region.get_by_role("link").first).to_be_visible()
    assert page.evaluate("() => document.activeElement.id") == "message"


@pytest.mark.wcag("4.1.3")
def test_desk_announces_new_customer_messages_without_moving_focus(browser, base_url, live_app):
    customer = browser.new_context().new_page()
    created = customer.request.post(
        f"{base_url}/api/v1/tickets", data={"message": "My invoice is missing.", "language": "en"}
    )
    ticket = created.json()
    desk = browser.new_context().new_page()
    desk.clock.install()
    sign_in(desk, base_url, "en")
    desk.goto(f"{base_url}/desk/tickets/{ticket['id']}")
    desk.locator("#body").focus()
    live = desk.locator("#desk-live")
    expect(live).to_have_attribute("role", "status")
    expect(live).to_have_text("")
    customer.request.post(f"{base_url}/api/v1/tickets/{ticket['token']}/messages", data={"message": "Any news?"})
    desk.clock.fast_forward("00:16")
    expect(live).to_contain_text("New message from the customer")
    assert desk.evaluate("() => document.activeElement.id") == "body"
