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
    writer.locator("#lint-results").get_by_role("link", name="line 6").click()  # the finding leads to its place
    expect(writer.locator("#body")).to_be_focused()
    assert writer.evaluate("() => { const b = document.getElementById('body');"
                           " return b.value.slice(b.selectionStart, b.selectionEnd); }") == "![](gift.png)"
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
    run_jobs(live_app, kinds={"index_article", "embed_article"})  # the worker indexes and embeds it

    customer = browser.new_context().new_page()
    customer.goto(f"{base_url}/en/search?q=gift card")
    expect(customer.locator(".results a").first).to_have_text("Redeem a gift card")

    # The worker machine-translates it into pt-BR (real Bergamot) and indexes it.
    run_jobs(live_app)
    title, machine_before = _version(live_app, "redeem-a-gift-card", "pt-BR")
    customer.goto(f"{base_url}/pt-BR/search?q={title}")
    hit = customer.locator(".results li").filter(has=customer.get_by_role("link", name=title, exact=True))
    expect(hit).to_contain_text("(tradução automática)")
    hit.get_by_role("link").click()
    expect(customer.locator(".machine-notice")).to_be_visible()

    # Edit one paragraph: only that paragraph of the translation is translated again.
    writer.goto(f"{base_url}/studio/articles/redeem-a-gift-card/en/edit")
    writer.fill(
        "#body", writer.input_value("#body").replace("Open the billing page.", "Open the billing page in your account.")
    )
    writer.get_by_role("button", name="Save draft").click()
    writer.get_by_role("button", name="Submit for review").click()
    reviewer.reload()
    reviewer.locator('button[name="decision"][value="approve"]').click()
    writer.goto(f"{base_url}/studio/articles/redeem-a-gift-card/en/edit")
    writer.get_by_role("button", name="Publish", exact=True).click()
    expect(writer.locator("p.meta").first).to_contain_text("Published revision 3")
    run_jobs(live_app)
    machine_after = _version(live_app, "redeem-a-gift-card", "pt-BR")[1]
    changed = [(a, b) for a, b in zip(machine_before.splitlines(), machine_after.splitlines(), strict=False) if a != b]
    assert len(machine_before.splitlines()) == len(machine_after.splitlines()) and len(changed) == 1
    assert changed[0][0].startswith("1. ") and changed[0][1].startswith("1. ")

    # Post-edit in the side-by-side editor: review every segment, rewrite one, save.
    writer.goto(f"{base_url}/studio/articles/redeem-a-gift-card/translations")
    writer.get_by_role("link", name="Translate side by side (Portuguese (Brazil))").click()
    expect(writer.locator(".segment-machine")).to_have_count(6)
    boxes = writer.get_by_role("checkbox", name="I reviewed this translation and it is correct")
    for index in range(boxes.count()):
        boxes.nth(index).check()
    heading = writer.get_by_role("group", name=re.compile(r"^3\. Heading"))
    heading.get_by_role("textbox").fill("Passo a passo")
    writer.get_by_role("button", name="Save translation draft").click()
    expect(writer.get_by_role("status")).to_contain_text("segments are now in the translation memory")
    expect(writer.locator(".segment-human")).to_have_count(1)
    expect(writer.locator(".segment-machine_reviewed")).to_have_count(5)
    writer_context.close()
    reviewer_context.close()


def _version(app, slug, lang):
    """(title, body) of a language version, read from the database."""
    from portal.db import db
    from portal.kb.service import get_article

    with app.app_context():
        version = get_article(db.session, slug).version(lang)
        found = version.title, version.body
        db.session.remove()
    return found
