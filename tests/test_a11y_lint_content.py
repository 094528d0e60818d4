"""The lint's content rules (accessibility/lint.py) for what writers get wrong and browser tests
cannot see: links to files or videos that do not say so, layout tables, emoji-only labels, text
in capitals and images of text. Each test is a specification: what must be flagged, and what not.
"""
from __future__ import annotations

import pytest

from accessibility import ERROR, WARNING, Finding, lint_markdown

LONG_ALT = ("The poster says: Our help desk is open from Monday to Friday, from eight in the morning "
            "until six in the evening, and on Saturdays from nine until noon, except on public holidays.")


def only(findings: list[Finding], rule: str) -> list[Finding]:
    return [f for f in findings if f.rule == rule]


def lines(findings: list[Finding], rule: str) -> list[int]:
    return [f.line for f in only(findings, rule)]


# --------------------------------------------------------------------------- link-file-type

@pytest.mark.wcag("2.4.4")
@pytest.mark.parametrize("markdown", [
    "[the refund form](files/refund.pdf)",
    "[the refund form](files/REFUND.PDF)",
    "[the refund form](https://example.org/refund.pdf?version=2#page=3)",
    "[the refund form](files/refund%20form.Pdf)",
    "[reset your password](guide.docx)",  # "word" is not in "password"
    "[the manual (PDF)](manual.docx)",  # names the wrong format
    "[the price list](prices.xlsx)",
    "[the talk](talk.pptx)",
    "[all the forms](forms.zip)",
    "[the welcome tour](media/tour.MP4)",
    "[the interview](interview.mp3)",
    "[how to reset your password](https://www.youtube.com/watch?v=abc123)",
    "[the setup tour](https://youtu.be/abc123)",
    "[the setup tour](https://vimeo.com/12345)",
    "[![The refund form](thumbnail.png)](refund.pdf)",
    "<https://example.org/refund.pdf>",
    "[https://example.org/refund.pdf](https://example.org/refund.pdf)",
])
def test_links_to_files_and_videos_that_do_not_say_so_are_a_warning(markdown):
    findings = lint_markdown(f"## Forms\n\nOpen {markdown} to start.\n", "en")
    assert lines(findings, "link-file-type") == [3], markdown
    assert only(findings, "link-file-type")[0].severity == WARNING


@pytest.mark.wcag("2.4.4")
def test_reference_style_links_are_checked_on_the_line_of_the_link():
    body = "## Forms\n\nFill in [the refund form][form].\n\n[form]: https://example.org/forms/Refund.PDF\n"
    assert lines(lint_markdown(body, "en"), "link-file-type") == [3]


@pytest.mark.wcag("2.4.4")
def test_file_link_messages_name_the_format_or_site_and_the_fix():
    [pdf] = only(lint_markdown("See [the refund form](refund.pdf?x=1).\n", "en"), "link-file-type")
    assert "PDF" in pdf.message and "[the refund form (PDF, 2 MB)](…)" in pdf.message
    [video] = only(lint_markdown("See [the tour](https://www.youtube.com/watch?v=1).\n", "en"), "link-file-type")
    assert "youtube.com" in video.message and "video" in video.message


@pytest.mark.wcag("2.4.4")
@pytest.mark.parametrize("lang,markdown", [
    ("en", "[the refund form (PDF, 1 MB)](refund.pdf)"),
    ("en", "[the refund form](refund.pdf) (PDF, 1 MB)"),  # read together with the link
    ("en", "[Refund request form (DOCX, 20 KB)](/media/0123456789abcdef0123456789abcdef.docx)"),  # the uploader's
    ("en", "[the price list (Excel, 20 KB)](prices.xlsx)"),
    ("en", "[a short video about invoices](https://youtu.be/abc)"),
    ("en", "[the interview (audio, 12 minutes)](interview.mp3)"),
    ("es", "[el vídeo de bienvenida](https://youtu.be/abc)"),
    ("es", "[Mira el video](tour.mp4)"),
    ("fr", "[la vidéo de présentation](https://www.youtube.com/watch?v=x)"),
    ("de", "[Erklärvideo zur Anmeldung](https://vimeo.com/1)"),
    ("de", "[Antragsformular als PDF-Datei](antrag.pdf)"),
    ("pt-BR", "[o vídeo de boas-vindas](https://youtu.be/x)"),
    ("it", "[il video introduttivo](https://youtu.be/x)"),
    ("ru", "[видео о настройке](https://youtu.be/x)"),
    ("ru", "[форма возврата (PDF, 1 МБ)](refund.pdf)"),
    ("uk", "[відео про налаштування](https://youtu.be/x)"),
    ("zh-Hans", "[设置视频](https://youtu.be/x)"),
    ("zh-Hans", "[下载PDF表格](refund.pdf)"),
    ("ja", "[設定の動画](https://youtu.be/x)"),
    ("ja", "[返金フォーム（PDF、1 MB）](refund.pdf)"),
    ("ar", "[شاهد الفيديو](https://youtu.be/x)"),
    ("he", "[סרטון ההגדרה](https://youtu.be/x)"),
    ("he", "[וידאו על ההגדרות](https://youtu.be/x)"),
    ("en", "[the settings page](../settings/)"),
    ("en", "[our guide](https://example.org/guide.html)"),
    ("en", "[the help desk](mailto:help@example.org?subject=form.pdf)"),
])
def test_links_that_say_what_they_open_or_open_pages_are_fine(lang, markdown):
    assert only(lint_markdown(f"{markdown}\n", lang), "link-file-type") == [], markdown


# --------------------------------------------------------------------------- table-layout

@pytest.mark.wcag("1.3.1")
@pytest.mark.parametrize("table", [
    "| Steps |\n| --- |\n| Open the page |\n| Select Save |",  # one column: a list
    "| ![The help desk](desk.png) | Our help desk answers in a day. |\n| --- | --- |",  # side by side
    "| Note: sign in first. |\n| --- |",  # a box around a paragraph
])
def test_tables_that_only_position_content_are_a_warning(table):
    findings = lint_markdown(f"## Layout\n\n{table}\n", "en")
    assert lines(findings, "table-layout") == [3]
    assert only(findings, "table-layout")[0].severity == WARNING


@pytest.mark.wcag("1.3.1")
def test_data_tables_with_headers_are_fine():
    body = ("| Plan | Price | Storage |\n| --- | --- | --- |\n| Basic | 5 | 10 GB |\n\n"
            "| Key | What it does |\n|---|---|\n| Tab | Next field |\n")
    assert lint_markdown(body, "en") == []


@pytest.mark.wcag("1.3.1")
def test_tables_without_headers_and_nested_html_tables_are_table_header_errors_not_layout():
    body = ("## Tables\n\n|   |   |\n|---|---|\n| Tab | Next |\n\n"
            "<table><tr><td><table><tr><td>x</td></tr></table></td></tr></table>\n")
    findings = lint_markdown(body, "en")
    assert only(findings, "table-layout") == []
    assert 3 in lines(findings, "table-header") and 7 in lines(findings, "table-header")
    assert {f.severity for f in only(findings, "table-header")} == {ERROR}


# --------------------------------------------------------------------------- emoji-label

@pytest.mark.wcag("2.4.4")
@pytest.mark.parametrize("text", [
    "👉", "➡️", "👍🏽", "👨‍💻", "👩‍👩‍👧‍👦", "🇪🇸", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "1️⃣", "#️⃣", "ℹ️", "↗️", "**👉!**", "🔗 🔗", "🫨",
])
def test_links_labelled_only_with_emoji_are_an_error(text):
    findings = lint_markdown(f"## Help\n\nNext: [{text}](../reset-your-password/)\n", "en")
    assert lines(findings, "emoji-label") == [3], text
    assert only(findings, "emoji-label")[0].severity == ERROR


@pytest.mark.wcag("2.4.6")
@pytest.mark.parametrize("heading", ["## ⚠️", "### 🚀 🎉", "## ✅ / ❌"])
def test_headings_of_only_emoji_are_an_error(heading):
    findings = lint_markdown(f"Intro.\n\n## Section\n\n{heading}\n\nText.\n", "en")
    assert lines(findings, "emoji-label") == [5]
    assert "heading" in only(findings, "emoji-label")[0].message


@pytest.mark.wcag("1.3.1")
def test_table_header_cells_and_list_items_of_only_emoji_are_an_error():
    body = "| ✅ | ❌ |\n| --- | --- |\n| Backups | Support |\n\n- 👍\n- Save your work.\n- 🇫🇷\n"
    findings = only(lint_markdown(body, "en"), "emoji-label")
    assert [f.line for f in findings] == [1, 1, 5, 7]
    assert "column header" in findings[0].message and "list item" in findings[2].message


@pytest.mark.wcag("1.3.1", "2.4.4", "2.4.6")
def test_emoji_beside_words_and_emoji_in_data_cells_or_code_are_fine():
    body = (
        "## ⚠️ Before you start\n\n"
        "See [👉 Reset your password](../reset-your-password/) first 🎉.\n\n"
        "- ✅ Done\n- ❌ Not done\n\n"
        "| Plan | Backups |\n| --- | --- |\n| Pro | ✅ |\n| Basic | ❌ |\n\n"
        "| ✅ Included | ❌ Not included |\n| --- | --- |\n| Backups | Phone support |\n\n"
        "- `👍`\n- 1\n- 2024\n\n"
        "[Step 1](../step-1/)\n"
    )
    assert only(lint_markdown(body, "en"), "emoji-label") == []


# --------------------------------------------------------------------------- all-caps

@pytest.mark.parametrize("lang,text", [
    ("en", "WARNING: DO NOT TURN OFF THE DEVICE WHILE IT UPDATES."),
    ("en", "## BEFORE YOU CALL OUR SUPPORT TEAM"),
    ("en", "**IMPORTANT: READ THESE TERMS BEFORE YOU SIGN IN.**"),
    ("en", "- PLEASE KEEP YOUR RECEIPT UNTIL THE REFUND ARRIVES."),
    ("es", "ATENCIÓN: NO APAGUE EL DISPOSITIVO DURANTE LA ACTUALIZACIÓN."),
    ("de", "ACHTUNG: SCHALTEN SIE DAS GERÄT WÄHREND DES UPDATES NICHT AUS."),
    ("ru", "ВНИМАНИЕ: НЕ ВЫКЛЮЧАЙТЕ УСТРОЙСТВО ВО ВРЕМЯ ОБНОВЛЕНИЯ."),
    ("uk", "УВАГА: НЕ ВИМИКАЙТЕ ПРИСТРІЙ ПІД ЧАС ОНОВЛЕННЯ."),
    ("el", "ΠΡΟΣΟΧΗ: ΜΗΝ ΑΠΕΝΕΡΓΟΠΟΙΕΙΤΕ ΤΗ ΣΥΣΚΕΥΗ ΚΑΤΑ ΤΗΝ ΕΝΗΜΕΡΩΣΗ."),
])
def test_text_in_capitals_is_a_warning(lang, text):
    findings = lint_markdown(f"Intro.\n\n{text}\n", lang)
    assert lines(findings, "all-caps") == [3], text
    assert only(findings, "all-caps")[0].severity == WARNING


def test_a_sentence_in_capitals_inside_a_paragraph_is_found_on_its_line():
    body = "Save your work first.\nTHEN CLOSE EVERY WINDOW AND RESTART THE COMPUTER.\nThat is all.\n"
    [finding] = only(lint_markdown(body, "en"), "all-caps")
    assert finding.line == 2 and finding.excerpt == "THEN CLOSE EVERY WINDOW AND RESTART THE COMPUTER."
    assert "capital letters" in finding.message


@pytest.mark.parametrize("lang,text", [
    ("en", "Use NASA and HTTPS."),
    ("en", "Sign in with SSO, then open the API settings and copy the URL into the CLI."),
    ("en", "Supported protocols: HTTP, HTTPS, FTP, SFTP, SMTP, IMAP and POP3."),
    ("en", "## FAQ"),
    ("en", "PLEASE NOTE: this is short."),
    ("en", "Run `SELECT NAME, EMAIL FROM USERS WHERE ACTIVE IS TRUE` to list them."),
    ("en", "```\nDO NOT TURN OFF THE DEVICE WHILE IT UPDATES\n```"),
    ("en", "    DO NOT TURN OFF THE DEVICE WHILE IT UPDATES"),
    ("ar", "لا تطفئ الجهاز أثناء التحديث، وانتظر حتى تنتهي العملية تمامًا قبل إعادة التشغيل."),
    ("ar", "استخدم NASA و HTTPS و GDPR و UNESCO و IEEE في العمل."),
    ("he", "אל תכבו את המכשיר בזמן העדכון, והמתינו עד שהתהליך יסתיים לגמרי."),
    ("zh-Hans", "更新期间请不要关闭设备，等待更新完成后再重新启动计算机，然后重新登录。"),
    ("zh-Hans", "DVD。使用其他介质按钮设置处理蓝光、高清 DVD、视频 CD（VCD）和超级视频 CD（SVCD）的应用程序。"),
    ("ja", "更新中はデバイスの電源を切らないでください。完了するまでお待ちください。"),
])
def test_acronyms_code_and_scripts_without_case_are_fine(lang, text):
    assert only(lint_markdown(f"{text}\n", lang), "all-caps") == [], text


# --------------------------------------------------------------------------- image-text

@pytest.mark.wcag("1.4.5")
@pytest.mark.parametrize("markdown", [
    "## ![Welcome to the help centre](welcome.png)",
    "### Step 1 ![The Settings icon](gear.png)",
    f"![{LONG_ALT}](poster.png)",
    "![Open the app. Select Settings. Then select Save.](steps.png)",
    "![Text: Our help desk is open every day](notice.png)",
    "![texto: Abrimos todos los días](aviso.png)",
    "![The greeting on the home page](img/welcome-text.png)",
    "![What Ana says about us](customer-quote.jpg)",
    "![Spring offer](spring_banner.webp)",
    "![Our promise](slogan.png)",
    "![Prices per plan](priceTable.png)",
    "![The command to run](code-sample.png)",
    "![Ein Kundenzitat](bilder/Zitat_2024.png)",
])
def test_images_of_text_are_a_warning_saying_text_should_be_real_text(markdown):
    findings = lint_markdown(f"Intro.\n\n{markdown}\n", "en")
    assert lines(findings, "image-text") == [3], markdown
    assert only(findings, "image-text")[0].severity == WARNING
    assert "real text" in only(findings, "image-text")[0].message


@pytest.mark.wcag("1.4.5")
@pytest.mark.parametrize("markdown", [
    "![The Save button at the top of the form](save.png)",
    "![A QR code that opens the mobile app](qr-code.png)",
    "![A vegetable garden behind the office](vegetable.png)",
    "![The text editor with a document open](text-editor.png)",
    "![decorative](spring-banner.png)",
    '![](welcome-text.png "decorative")',
    "## Settings\n\n![The Settings page with the Language menu open](settings.png)",
])
def test_pictures_and_short_alt_text_are_not_images_of_text(markdown):
    assert only(lint_markdown(f"Intro.\n\n{markdown}\n", "en"), "image-text") == [], markdown


# --------------------------------------------------------------------------- code is ignored

def test_new_rules_ignore_code():
    bad = "[the form](form.pdf) [👉](x) | ✅ | ![Text: hi](quote.png) DO NOT TURN OFF THE DEVICE NOW PLEASE"
    body = (
        "## Code\n\n"
        f"```markdown\n{bad}\n## ⚠️\n| Only |\n| --- |\n| a |\n```\n\n"
        f"    {bad}\n\n"
        f"Type `{bad}` here.\n"
    )
    assert lint_markdown(body, "en") == []


# --------------------------------------------------------------------------- messages in the UI language

def test_new_messages_reach_writers_in_their_ui_language():
    from babel.support import Translations

    from portal.config import PROJECT_ROOT

    spanish = Translations.load(str(PROJECT_ROOT / "translations"), ["es"])
    body = ("## ⚠️\n\n[el formulario](form.pdf) [la guía](https://youtu.be/x) [👉](../a/)\n\n"
            "| Solo |\n| --- |\n| a |\n\nNO APAGUE EL DISPOSITIVO DURANTE LA ACTUALIZACIÓN.\n\n"
            "![Texto: Bienvenido](aviso.png)\n")
    findings = lint_markdown(body, "es")
    assert {f.rule for f in findings} == {"emoji-label", "link-file-type", "table-layout", "all-caps", "image-text"}
    for finding in findings:
        localized = finding.localized(spanish.gettext, "es")
        assert localized != finding.message and finding.params.get("text", "") in localized, finding.rule
