"""The writer journey in a real browser: write, lint blocks, fix, review, publish, search."""
import re

from playwright.sync_api import expect

from tests.browser.conftest import run_jobs, sign_in

BODY = "## Steps\n\n1. Open the billing page.\n2. Choose the gift card option.\n\n![](gift.png)\n"


def test_write_lint_fix_review_publish_and_find(browser, base_url, live_app):
    writer_context, reviewer_context = browser.new_context(), browser.new_context()
    writer, reviewer = writer_context.new_page(), reviewer_context.new_page()
    sign_in(writer, base_url, "en")
    sign_in(reviewer, base_url, "es")
    writer.goto(f"{base_url}/studio/articles/new")
    writer.fill("#title", "Redeem a gift card")
    writer.fill("#slug", "redeem-a-gift-card")
    writer.fill("#summary", "Use a gift card to pay for your plan.")
    writer.fill("#body", BODY)
    writer.get_by_role("button", name="Create draft").click()
    writer.wait_for_url(re.compile(r"/studio/articles/redeem-a-gift-card/en/edit"))
    expect(writer.locator("#lint-results")).to_contain_text("line 6")
    expect(writer.locator("#preview h2")).to_have_text("Steps")

    writer.get_by_role("button", name="Submit for review").click()
    reviewer.goto(f"{base_url}/studio/articles/redeem-a-gift-card/en/edit")
    reviewer.locator('button[name="decision"][value="approve"]').click()
    writer.goto(f"{base_url}/studio/articles/redeem-a-gift-card/en/edit")
    writer.get_by_role("button", name="Publish", exact=True).click()
    expect(writer.locator("#workflow-problem")).to_contain_text("Accessibility errors block publishing")

    writer.fill("#body", BODY.replace("![](gift.png)", "![The gift card field on the billing page](gift.png)"))
    expect(writer.locator("#preview img")).to_have_count(0)  # images are not allowed by the sanitiser
    writer.get_by_role("button", name="Save draft").click()
    expect(writer.locator("#lint-results")).to_contain_text("No problems found")
    writer.get_by_role("button", name="Submit for review").click()
    reviewer.reload()
    reviewer.locator('button[name="decision"][value="approve"]').click()
    writer.goto(f"{base_url}/studio/articles/redeem-a-gift-card/en/edit")
    writer.get_by_role("button", name="Publish", exact=True).click()
    expect(writer.locator("p.meta").first).to_contain_text("Published revision 2")
    run_jobs(live_app, kinds={"index_article"})

    customer = browser.new_context().new_page()
    customer.goto(f"{base_url}/en/search?q=gift card")
    expect(customer.locator(".results a").first).to_have_text("Redeem a gift card")
    writer_context.close()
    reviewer_context.close()
