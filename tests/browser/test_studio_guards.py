"""The writer workspace's guard rails in a real browser: restore, concurrent edits,
permissions (including forged requests) and upload validation."""
import re

from playwright.sync_api import expect

from tests.browser.conftest import STAFF_PASSWORD, sign_in


def _new_article(page, base_url, slug, body):
    page.goto(f"{base_url}/studio/articles/new")
    page.fill("#title", slug.replace("-", " ").capitalize())
    page.fill("#slug", slug)
    page.fill("#body", body)
    page.get_by_role("button", name="Create draft").click()
    page.wait_for_url(re.compile(rf"/studio/articles/{slug}/en/edit"))


def test_restore_an_old_revision(page, base_url):
    sign_in(page, base_url, "en")
    _new_article(page, base_url, "browser-restore", "The first wording.\n")
    page.fill("#body", "The second wording.\n")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status").first).to_contain_text("Draft saved.")
    page.get_by_role("link", name="Revision history").click()
    first = page.locator("section.revision").filter(has=page.get_by_role("heading", name="Revision 1", exact=True))
    first.get_by_text("Changes from the previous revision").click()
    expect(first.locator(".diff-added")).to_contain_text("The first wording.")
    first.get_by_role("button", name="Restore this revision as a new draft").click()
    expect(page.locator("#body")).to_have_value("The first wording.\n")
    page.get_by_role("link", name="Revision history").click()
    expect(page.locator("section.revision").first).to_contain_text("restored revision 1")


def test_a_concurrent_edit_is_refused_with_a_diff_and_nothing_is_lost(browser, base_url):
    first_context, second_context = browser.new_context(), browser.new_context()
    first, second = first_context.new_page(), second_context.new_page()
    sign_in(first, base_url, "en")
    sign_in(second, base_url, "en")
    _new_article(first, base_url, "browser-conflict", "Shared line.\n")
    second.goto(f"{base_url}/studio/articles/browser-conflict/en/edit")
    first.fill("#body", "Shared line, edited first.\n")
    first.get_by_role("button", name="Save draft").click()
    expect(first.get_by_role("status").first).to_contain_text("Draft saved.")
    second.fill("#body", "Shared line, edited second.\n")
    second.get_by_role("button", name="Save draft").click()
    alert = second.get_by_role("alert").filter(
        has=second.get_by_role("heading", name="Someone saved this article while you were editing")
    )
    expect(alert).to_contain_text("Revision 2")
    expect(alert.locator(".diff-removed")).to_contain_text("edited first")
    expect(alert.locator(".diff-added")).to_contain_text("edited second")
    expect(second.locator("#body")).to_have_value("Shared line, edited second.\n")  # the typed text is kept
    first.reload()
    expect(first.locator("#body")).to_have_value("Shared line, edited first.\n")  # and nothing was overwritten
    first_context.close()
    second_context.close()


def test_customers_and_agents_cannot_use_the_studio_even_by_forged_requests(browser, base_url):
    customer = browser.new_context().new_page()
    customer.goto(f"{base_url}/studio/")
    expect(customer).to_have_url(re.compile(r"/desk/login"))
    forged = customer.request.post(f"{base_url}/studio/categories/using-help/machine", form={}, max_redirects=0)
    assert forged.status in (302, 400)

    agent = browser.new_context().new_page()
    agent.goto(f"{base_url}/desk/login")
    agent.fill("#email", "agent-only@example.org")
    agent.fill("#password", STAFF_PASSWORD)
    agent.locator('form button[type="submit"]').last.click()
    agent.wait_for_url(f"{base_url}/desk/")
    response = agent.goto(f"{base_url}/studio/")
    assert response.status == 403
    agent.goto(f"{base_url}/desk/")
    token = agent.locator('input[name="csrf_token"]').first.get_attribute("value")  # a valid token, wrong role
    for path, form in (("/studio/articles/new", {"title": "X", "slug": "forged", "lang": "en", "body": "x"}),
                       ("/studio/articles/charged-twice/en/publish", {}),
                       ("/studio/articles/charged-twice/es/segments", {"text-0": "x"}),
                       ("/studio/categories/using-help/machine", {})):
        reply = agent.request.post(base_url + path, form={"csrf_token": token, **form}, max_redirects=0)
        assert reply.status == 403, (path, reply.status)
    assert agent.goto(f"{base_url}/en/articles/forged").status == 404


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _upload(page, field, name, mime, data, **text):
    page.set_input_files(f"#{field}", files=[{"name": name, "mimeType": mime, "buffer": data}])
    for selector, value in text.items():
        page.fill(f"#{selector}", value)
    label = "Upload image" if field == "image" else "Upload file"
    page.get_by_role("button", name=label).click()


def test_uploads_are_validated(page, base_url):
    sign_in(page, base_url, "en")
    _new_article(page, base_url, "browser-uploads", "Text.\n")
    editor = f"{base_url}/studio/articles/browser-uploads/en/edit"
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    _upload(page, "image", "logo.svg", "image/svg+xml", svg, alt="Logo")
    expect(page.get_by_role("alert")).to_contain_text("SVG is not")
    page.goto(editor)
    _upload(page, "image", "big.png", "image/png", PNG + b"\x00" * (2 * 1024 * 1024), alt="Big")
    expect(page.get_by_role("alert")).to_contain_text("larger than 2 MB")
    page.goto(editor)
    _upload(page, "image", "shot.png", "image/png", PNG)
    expect(page.get_by_role("alert")).to_contain_text("Describe the image")
    page.goto(editor)
    _upload(page, "attachment", "form.pdf", "application/pdf", b"<!doctype html><script>alert(1)</script>",
            **{"attachment-description": "Refund request form"})
    expect(page.get_by_role("alert")).to_contain_text("Only PDF files")
    page.goto(editor)
    _upload(page, "attachment", "form.pdf", "application/pdf", b"%PDF-1.4\n%%EOF\n",
            **{"attachment-description": "click here"})
    expect(page.get_by_role("alert")).to_contain_text("Describe what the file contains")
    page.goto(editor)
    _upload(page, "attachment", "form.pdf", "application/pdf", b"%PDF-1.4\n%%EOF\n",
            **{"attachment-description": "Refund request form"})
    expect(page.locator("#snippet")).to_have_value(
        re.compile(r"^\[Refund request form \(PDF, [^)]*\)\]\(/media/[0-9a-f]{32}\.pdf\)$")
    )
    page.goto(editor)
    _upload(page, "image", "shot.png", "image/png", PNG, alt="The billing page")
    snippet = page.locator("#snippet").input_value()
    assert re.fullmatch(r"!\[The billing page\]\(/media/[0-9a-f]{32}\.png\)", snippet)
    image = page.request.get(base_url + snippet[snippet.index("(") + 1:-1])
    assert image.status == 200 and image.body() == PNG
