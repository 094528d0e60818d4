"""Studio attachments: PDF, text/CSV and office files, checked by content, described, served safely."""
import io
import re
import zipfile

import pytest

from portal.accounts import create_user
from portal.db import db
from portal.kb.markdown import render
from portal.studio.uploads import ATTACHMENT_MAX_BYTES
from tests.support import web
from tests.support.web import csrf

PASSWORD = "writers write every day"
URL = "/studio/articles/files/en/attachments"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def zipped(members: dict[str, bytes]) -> bytes:
    """A real zip archive holding ``members`` (name -> content), the first one stored."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for index, (name, content) in enumerate(members.items()):
            archive.writestr(name, content, zipfile.ZIP_STORED if index == 0 else zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


DOCX = zipped({"[Content_Types].xml": b'<?xml version="1.0"?><Types/>', "_rels/.rels": b"<Relationships/>",
               "word/document.xml": b"<w:document/>"})
ODT = zipped({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<office:document-content/>",
              "META-INF/manifest.xml": b"<manifest:manifest/>"})


@pytest.fixture
def studio(make_app):
    app = make_app(languages=("en", "es"))
    with app.app_context():
        for email, roles in (("wanda@example.org", ["writer"]), ("walt@example.org", ["writer"]),
                             ("agnes@example.org", ["agent"])):
            create_user(db.session, email, email.split("@")[0].title(), PASSWORD, roles, "en")
        db.session.commit()
    return app


@pytest.fixture
def writer(studio):
    """Wanda, signed in, with an article "files" to attach to; ``writer.token`` is her CSRF token."""
    client = studio.test_client()
    web.sign_in(client, "wanda@example.org", PASSWORD)
    client.token = csrf(client.get("/studio/articles/new").get_data(as_text=True))
    created = client.post("/studio/articles/new", data={"csrf_token": client.token, "title": "Forms and files",
                                                        "slug": "files", "lang": "en", "body": "Text.\n"})
    assert created.status_code == 303
    return client


def attach(client, data, name="file.pdf", description="Refund request form", **fields):
    fields.setdefault("csrf_token", getattr(client, "token", ""))
    if description is not None:
        fields["description"] = description
    return client.post(URL, content_type="multipart/form-data",
                       data={"attachment": (io.BytesIO(data), name), **fields})


def snippet(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return re.search(r'id="snippet"[^>]*value="([^"]+)"', response.get_data(as_text=True)).group(1)


def stored(studio) -> list[str]:
    media = studio.config["SETTINGS"].data_dir / "media"
    return sorted(p.name for p in media.iterdir()) if media.exists() else []


@pytest.mark.wcag("3.3.2")
def test_editor_has_an_accessible_attach_form_that_works_without_script(writer):
    page = writer.get("/studio/articles/files/en/edit").get_data(as_text=True)
    form = page[page.index('<h2 id="attachments-heading">'):]
    form = form[:form.index("</form>")]
    assert f'action="{URL}"' in form and 'enctype="multipart/form-data"' in form and 'method="post"' in form
    assert 'name="csrf_token"' in form
    assert '<label for="attachment">' in form and 'id="attachment" name="attachment" type="file"' in form
    assert '<label for="attachment-description">' in form
    assert 'aria-describedby="attachment-description-hint"' in form and 'id="attachment-description-hint"' in form


@pytest.mark.wcag("2.4.4")
@pytest.mark.parametrize("data, name, kind", [
    (PDF, "refunds.pdf", "PDF"),
    (PDF, "no-extension", "PDF"),  # the content decides, not the name
    ("Prices in € — plain text.\nSecond line.\n".encode(), "notes.txt", "TXT"),
    (b"sku,price\nA1,10\n", "prices.csv", "CSV"),
    (DOCX, "form.docx", "DOCX"),
    (ODT, "form.odt", "ODT"),
])
def test_accepted_files_give_markdown_with_type_and_size_and_are_served_as_downloads(studio, writer, data, name, kind):
    markdown = snippet(attach(writer, data, name=name))
    extension = kind.lower()
    match = re.fullmatch(r"\[Refund request form \((\w+), (\d+ KB)\)\]\((/media/[0-9a-f]{32}\.(\w+))\)", markdown)
    assert match and match.group(1) == kind and match.group(2) == "1 KB" and match.group(4) == extension
    served = studio.test_client().get(match.group(3))  # anonymous readers can download it
    assert served.status_code == 200 and served.data == data
    expected = {"pdf": "application/pdf", "txt": "text/plain; charset=utf-8", "csv": "text/csv; charset=utf-8",
                "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "odt": "application/vnd.oasis.opendocument.text"}[extension]
    assert served.headers["Content-Type"] == expected
    assert served.headers["Content-Disposition"].startswith("attachment")
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served.headers["Content-Security-Policy"].split(";")[0]
    assert stored(studio) == [match.group(3).removeprefix("/media/")]


def test_human_size_in_the_link_text(writer):
    assert "(PDF, 120 KB)" in snippet(attach(writer, PDF + b"\n" * (120 * 1024 - len(PDF))))
    assert "(PDF, 2.5 MB)" in snippet(attach(writer, PDF + b"\n" * (5 * 512 * 1024 - len(PDF))))


def test_the_same_file_twice_is_stored_once(studio, writer):
    first, second = snippet(attach(writer, PDF)), snippet(attach(writer, PDF, description="Same form again"))
    assert first.split("](")[1] == second.split("](")[1]
    assert len(stored(studio)) == 1 and not [n for n in stored(studio) if n.endswith(".part")]


DISGUISED = [  # (content, uploaded name): none of these may be stored
    (b"<!DOCTYPE html><html><script>alert(1)</script></html>", "guide.pdf"),
    (b"<html><body onload=alert(1)></body></html>", "notes.txt"),
    (b"\xef\xbb\xbf  \n<script>alert(1)</script>", "notes.txt"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "logo.txt"),
    (b'<?xml version="1.0"?><x/>', "data.csv"),
    (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff", "setup.pdf"),
    (b"MZ this looks like text", "readme.txt"),
    (b"\x7fELF\x02\x01\x01\x00", "tool.txt"),
    (b"#!/bin/sh\nrm -rf ~\n", "script.txt"),
    (b"plain text\x00with a NUL byte", "notes.txt"),
    (b"\xff\xfe\x00\x00 not UTF-8 \xc3", "notes.txt"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "picture.pdf"),  # images belong in "Add an image"
    (zipped({"word/document.xml": b"<w:document/>"}), "renamed.docx"),  # no [Content_Types].xml
    (zipped({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>", "word/vbaProject.bin": b"x"}),
     "macros.docx"),
    (zipped({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}), "archive.zip"),
    (zipped({"mimetype": b"application/vnd.oasis.opendocument.text"}), "sheet.ods"),  # wrong ODF type
    (zipped({"content.xml": b"<x/>"}), "missing-mimetype.odt"),
    (b"PK\x03\x04 not really a zip", "broken.docx"),
    (b"", "empty.pdf"),
]


def test_disguised_and_unknown_files_are_refused_and_not_stored(studio, writer):
    for data, name in DISGUISED:  # one signed-in writer for all cases keeps this fast
        refused = attach(writer, data, name=name)
        assert refused.status_code == 400, name
        page = refused.get_data(as_text=True)
        assert 'role="alert"' in page and 'id="snippet"' not in page, name
        assert "<title>Error:" in page and "<h1>Attach a file</h1>" in page, name
        assert ("Only PDF files" if data else "Choose a file") in page, name  # refused for its content
    assert stored(studio) == []


def test_oversized_file_is_refused_with_413_and_nothing_stored(studio, writer):
    refused = attach(writer, PDF + b"\n" * (ATTACHMENT_MAX_BYTES + 1 - len(PDF)))
    assert refused.status_code == 413 and "10 MB" in refused.get_data(as_text=True)
    assert stored(studio) == []
    assert snippet(attach(writer, PDF + b"\n" * (ATTACHMENT_MAX_BYTES - len(PDF))))  # exactly the limit is fine


@pytest.mark.wcag("2.4.4")
def test_a_descriptive_link_text_is_required(studio, writer):
    for description in (None, "", "   ", "click here", "Here", "download", "Download!", "link", "this",
                        "Click here.", "aquí", "https://example.org/form.pdf", "www.example.org",
                        "refund-form.pdf", "[here]"):
        refused = attach(writer, PDF, description=description)
        assert refused.status_code == 400, description
        page = refused.get_data(as_text=True)
        assert 'role="alert"' in page and "link" in page, description
    assert stored(studio) == []


def test_brackets_in_the_description_cannot_break_the_markdown(writer):
    markdown = snippet(attach(writer, PDF, description="Form [v2] for refunds"))
    assert markdown.startswith("[Form (v2) for refunds (PDF, 1 KB)](/media/")


def test_only_signed_in_writers_with_a_csrf_token_can_upload(studio, writer):
    anonymous = studio.test_client()
    assert attach(anonymous, PDF).status_code == 400  # no CSRF token
    anonymous.token = csrf(anonymous.get("/en/contact").get_data(as_text=True))
    assert "/login" in attach(anonymous, PDF).headers["Location"]  # a valid token still needs a sign-in
    agent = studio.test_client()
    web.sign_in(agent, "agnes@example.org", PASSWORD)
    agent.token = csrf(agent.get("/en/contact").get_data(as_text=True))
    assert attach(agent, PDF).status_code == 403
    assert attach(writer, PDF, csrf_token="").status_code == 400  # forged cross-site post
    assert attach(writer, PDF, csrf_token="not-the-token").status_code == 400
    assert stored(studio) == []
    assert writer.post("/studio/articles/missing/en/attachments", content_type="multipart/form-data",
                       data={"csrf_token": writer.token, "description": "Refund form",
                             "attachment": (io.BytesIO(PDF), "f.pdf")}).status_code == 404


def test_media_route_refuses_anything_but_a_stored_hash_name(studio, writer):
    url = re.search(r"\((/media/[^)]+)\)", snippet(attach(writer, PDF))).group(1)
    name = url.removeprefix("/media/")
    (studio.config["SETTINGS"].data_dir / "media" / "notes.txt").write_text("private")
    reader = studio.test_client()
    for path in ("/media/../secret_key", "/media/..%2Fsecret_key", "/media/%2e%2e%2fportal.sqlite3",
                 "/media/notes.txt", f"/media/{name[:-4]}.html", f"/media/{name}.txt", f"/media/{name.upper()}",
                 f"/media/{'0' * 32}.pdf", f"/media/{name[:-4]}.exe"):
        assert reader.get(path).status_code == 404, path


def test_images_are_still_shown_inline(studio, writer):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    page = writer.post("/studio/articles/files/en/images", content_type="multipart/form-data",
                       data={"csrf_token": writer.token, "alt": "The form", "image": (io.BytesIO(png), "f.png")})
    url = re.search(r"\((/media/[^)]+)\)", snippet(page)).group(1)
    served = studio.test_client().get(url)
    assert served.headers["Content-Type"] == "image/png"
    assert "attachment" not in served.headers.get("Content-Disposition", "")


def test_published_article_keeps_the_link_to_the_attachment(studio, writer):
    markdown = snippet(attach(writer, PDF))
    url = re.search(r"\((/media/[^)]+)\)", markdown).group(1)
    assert f'<a href="{url}" rel="noopener noreferrer">Refund request form (PDF, 1 KB)</a>' in render(markdown)
    body = f"## Ask for a refund\n\nFill in the {markdown} and send it to us.\n"
    preview = writer.post("/studio/preview", data={"csrf_token": writer.token, "lang": "en", "body": body}).get_json()
    assert f'href="{url}"' in preview["html"]
    assert not [f for f in preview["findings"] if f["rule"] in ("link-text", "bare-url")]
    saved = writer.post("/studio/articles/files/en/edit", data={
        "csrf_token": writer.token, "action": "save", "title": "Forms and files", "summary": "", "body": body,
        "base_revision": "1"})
    assert saved.status_code == 303
    writer.post("/studio/articles/files/en/submit", data={"csrf_token": writer.token})
    walt = studio.test_client()
    web.sign_in(walt, "walt@example.org", PASSWORD)
    walt.post("/studio/articles/files/en/review",
              data={"csrf_token": csrf(walt.get("/studio/").get_data(as_text=True)), "decision": "approve"})
    published = writer.post("/studio/articles/files/en/publish", data={"csrf_token": writer.token})
    assert "done=publish" in published.headers["Location"]
    article = studio.test_client().get("/en/articles/files").get_data(as_text=True)
    assert f'href="{url}"' in article and "Refund request form (PDF, 1 KB)</a>" in article
    assert studio.test_client().get(url).data == PDF
