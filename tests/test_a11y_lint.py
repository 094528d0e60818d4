"""The accessibility lint for article Markdown (accessibility/lint.py) and `portal kb lint`."""
from __future__ import annotations

import random
from pathlib import Path

import pytest

from accessibility import ERROR, WARNING, Finding, has_errors, lint_markdown, readability
from portal.cli import main
from portal.kb.files import read_article
from tests.conftest import SHIPPED_KB, write_article

SIMPLE_EN = (
    "You can change your password at any time. Go to the sign-in page. Select Forgot password. "
    "Type the email you use for your account. We send you a mail with a link. Open the mail and "
    "select the link. Type a new password two times. Then select Save. That is all. You can now "
    "sign in with the new password. It only takes a minute or two."
)
CONVOLUTED_EN = (
    "Notwithstanding aforementioned organizational considerations, authentication reconfiguration "
    "necessitates comprehensive administrative evaluation. Institutional accountability "
    "considerations fundamentally characterize infrastructural interdependencies. Consequently, "
    "multidimensional operational sustainability presupposes systematically documented "
    "authorization methodologies. Heterogeneous organizational implementations additionally "
    "necessitate unambiguous regulatory compliance verification. Administrators occasionally "
    "underestimate interoperability complications originating internationally. Simultaneously, "
    "contractual obligations differentiate institutional responsibilities considerably."
)
SPANISH_PARAGRAPH = (
    "Si no recibes el correo electrónico de restablecimiento, revisa la carpeta de correo no "
    "deseado y comprueba que escribiste la dirección correcta antes de volver a intentarlo."
)


def rules(findings: list[Finding]) -> list[str]:
    return [f.rule for f in findings]


def only(findings: list[Finding], rule: str) -> list[Finding]:
    return [f for f in findings if f.rule == rule]


def lines(findings: list[Finding], rule: str) -> list[int]:
    return [f.line for f in only(findings, rule)]


# --------------------------------------------------------------------------- interface

def test_findings_are_sorted_typed_and_short():
    body = "## A\n\n![](x.png)\n\n#### Skipped\n\nSee [here](../a/) and https://example.org/x\n"
    findings = lint_markdown(body, "en", "Title")
    assert [f.line for f in findings] == sorted(f.line for f in findings)
    assert {f.severity for f in findings} <= {ERROR, WARNING}
    assert all(isinstance(f, Finding) and f.message and len(f.excerpt) <= 80 for f in findings)
    assert has_errors(findings)
    assert not has_errors([f for f in findings if f.severity == WARNING])
    assert not has_errors([])


def test_clean_article_has_no_findings():
    body = (
        "Short intro sentence.\n\n## First section\n\nSelect **Save**. Then open "
        "[the billing page](../find-your-invoices/).\n\n### Details\n\n"
        "![The Save button at the bottom of the profile form](save.png)\n\n"
        "| Key | What it does |\n|---|---|\n| `Tab` | Moves to the next field. |\n"
    )
    assert lint_markdown(body, "en", "Title") == []


# --------------------------------------------------------------------------- image-alt

@pytest.mark.wcag("1.1.1")
def test_image_without_alt_text_is_an_error_on_its_line():
    body = "## Steps\n\nOpen the form.\n\n![](form.png)\n"
    findings = lint_markdown(body, "en")
    assert lines(findings, "image-alt") == [5]
    assert only(findings, "image-alt")[0].severity == ERROR
    assert "decorative" in only(findings, "image-alt")[0].message


def test_image_with_descriptive_alt_text_is_fine():
    assert lint_markdown("![The profile page with the Save button](form.png)\n", "en") == []


@pytest.mark.parametrize("markdown", [
    "![decorative](divider.png)",
    "![Decorative](divider.png)",
    '![](divider.png "decorative")',
    '![](divider.png "Decorative")',
])
def test_images_marked_decorative_are_fine(markdown):
    assert only(lint_markdown(f"Intro.\n\n{markdown}\n", "en"), "image-alt") == []


@pytest.mark.wcag("1.1.1")
@pytest.mark.parametrize("alt", ["IMG_1234.png", "screenshot-2024.JPG", "DSC_0042", "image",
                                 "Screenshot", "Imagen", "captura de pantalla", "Bild", "immagine"])
def test_file_names_and_placeholder_words_are_not_alt_text(alt):
    findings = lint_markdown(f"Intro.\n\n![{alt}](picture.png)\n", "en")
    assert lines(findings, "image-alt") == [3]
    assert alt in only(findings, "image-alt")[0].message


# --------------------------------------------------------------------------- headings

@pytest.mark.wcag("1.3.1")
def test_level_one_heading_in_the_body_is_an_error():
    findings = lint_markdown("Intro.\n\n# Reset your password\n\nText.\n", "en", "Reset your password")
    assert lines(findings, "multiple-h1") == [3]
    assert "title" in only(findings, "multiple-h1")[0].message


@pytest.mark.wcag("1.3.1")
def test_setext_level_one_heading_is_an_error_too():
    assert lines(lint_markdown("Intro.\n\nBig\n===\n", "en"), "multiple-h1") == [3]


def test_level_two_headings_are_fine():
    findings = lint_markdown("Intro.\n\n## One\n\nText.\n\n## Two\n", "en", "Title")
    assert only(findings, "multiple-h1") == [] and only(findings, "heading-skip") == []


@pytest.mark.wcag("1.3.1")
def test_skipped_heading_level_is_an_error():
    body = "## Section\n\nText.\n\n#### Too deep\n\nText.\n"
    findings = lint_markdown(body, "en")
    assert lines(findings, "heading-skip") == [5]
    assert "h2" in only(findings, "heading-skip")[0].message and "h4" in only(findings, "heading-skip")[0].message


@pytest.mark.wcag("1.3.1")
def test_first_heading_deeper_than_h2_is_a_skip():
    assert lines(lint_markdown("Intro.\n\n### Starts at h3\n", "en"), "heading-skip") == [3]


def test_well_nested_headings_are_fine():
    body = "## A\n\n### A.1\n\n#### A.1.a\n\n## B\n\n### B.1\n"
    assert lint_markdown(body, "en") == []


# --------------------------------------------------------------------------- link-text

@pytest.mark.wcag("2.4.4")
@pytest.mark.parametrize("text", [
    "click here", "Click Here", "*here*", "**read more**", "more", "this link", "link",
    "aquí", "AQUI", "haga clic aquí", "leer más", "ici", "Cliquez ici", "en savoir plus",
    "hier", "Klicken Sie hier", "mehr", "aqui", "clique aqui", "saiba mais", "qui", "clicca qui",
    "leggi di più", "here.",
])
def test_non_descriptive_link_text_is_an_error(text):
    body = f"## Help\n\nTo reset it, see [{text}](../reset-your-password/).\n"
    findings = lint_markdown(body, "en")
    assert lines(findings, "link-text") == [3], text
    assert only(findings, "link-text")[0].severity == ERROR


@pytest.mark.wcag("2.4.4")
def test_empty_link_text_is_an_error():
    assert lines(lint_markdown("Intro.\n\n[](../reset-your-password/)\n", "en"), "link-text") == [3]


@pytest.mark.parametrize("lang,body", [
    ("en", "See [Reset your password](../reset-your-password/)."),
    ("es", "Consulta [cómo restablecer tu contraseña](../reset-your-password/)."),
    ("fr", "Lisez [comment changer votre mot de passe ici](../reset-your-password/)."),
    ("en", "[Read more about two-step verification](../set-up-two-step-verification/)"),
])
def test_descriptive_link_text_is_fine(lang, body):
    assert lint_markdown(body + "\n", lang) == []


# --------------------------------------------------------------------------- bare-url

@pytest.mark.parametrize("markdown", [
    "[https://example.org/help](https://example.org/help)",
    "<https://example.org/help>",
    "https://example.org/help",
    "www.example.org/help",
])
def test_url_as_link_text_is_a_warning(markdown):
    findings = lint_markdown(f"## Links\n\nOpen {markdown} to continue.\n", "en")
    assert lines(findings, "bare-url") == [3]
    assert only(findings, "bare-url")[0].severity == WARNING


def test_descriptive_links_emails_and_urls_in_code_are_fine():
    body = ("Open [the help page](https://example.org/help). Write to <help@example.org>.\n\n"
            "Run `curl https://example.org/api` to test it.\n")
    assert only(lint_markdown(body, "en"), "bare-url") == []


# --------------------------------------------------------------------------- table-header

@pytest.mark.wcag("1.3.1")
def test_table_with_empty_header_row_is_an_error():
    body = "## Keys\n\n|   |   |\n|---|---|\n| Tab | Next field |\n"
    findings = lint_markdown(body, "en")
    assert lines(findings, "table-header") == [3]
    assert only(findings, "table-header")[0].severity == ERROR


@pytest.mark.wcag("1.3.1")
def test_raw_html_table_is_an_error():
    body = "## Keys\n\n<table><tr><td>Tab</td><td>Next</td></tr></table>\n"
    findings = lint_markdown(body, "en")
    assert lines(findings, "table-header") == [3]
    assert "Markdown table" in only(findings, "table-header")[0].message


@pytest.mark.wcag("1.3.1")
def test_pipe_rows_without_a_header_row_are_an_error():
    body = "Intro.\n\n| Tab | Next field |\n| Enter | Open |\n"
    assert lines(lint_markdown(body, "en"), "table-header") == [3]


def test_table_with_header_row_is_fine():
    body = "| Key | What it does |\n|---|---|\n| `Tab` | Moves on. |\n\nUse `<table>` never.\n"
    assert lint_markdown(body, "en") == []


# --------------------------------------------------------------------------- long-sentence / long-paragraph

def test_long_sentence_is_a_warning_on_its_own_line():
    long_sentence = " ".join(["word"] * 30) + "."
    body = f"## Steps\n\n- Short item.\n- First short sentence.\n  {long_sentence}\n"
    findings = lint_markdown(body, "en")
    assert lines(findings, "long-sentence") == [5]
    assert "30 words" in only(findings, "long-sentence")[0].message


def test_excerpts_keep_inline_code():
    sentence = "Press `Ctrl` and " + " ".join(["word"] * 30) + "."
    finding = only(lint_markdown(f"{sentence}\n", "en"), "long-sentence")[0]
    assert finding.excerpt.startswith("Press `Ctrl` and word")


def test_sentences_of_25_words_are_fine():
    sentence = " ".join(["word"] * 25) + "."
    assert only(lint_markdown(f"{sentence} {sentence}\n", "en"), "long-sentence") == []


def test_long_chinese_sentence_counts_characters():
    long_zh = "请在设置页面中选择语言选项然后" * 5 + "。"  # 76 characters
    short_zh = "请打开设置页面。选择语言。"
    assert lines(lint_markdown(f"## 设置\n\n{long_zh}\n", "zh-Hans"), "long-sentence") == [3]
    assert only(lint_markdown(f"## 设置\n\n{short_zh}\n", "zh-Hans"), "long-sentence") == []


def test_long_paragraph_is_a_warning():
    paragraph = " ".join(["Open the page and pick a plan."] * 20)  # 140 words, short sentences
    findings = lint_markdown(f"## Plans\n\n{paragraph}\n", "en")
    assert lines(findings, "long-paragraph") == [3]
    assert only(findings, "long-sentence") == []


def test_paragraph_of_120_words_is_fine():
    paragraph = " ".join(["Open the page and pick a plan now."] * 15)  # 120 words
    assert only(lint_markdown(paragraph + "\n", "en"), "long-paragraph") == []


# --------------------------------------------------------------------------- readability

def test_simple_english_scores_high_and_convoluted_english_low():
    simple, hard = readability(SIMPLE_EN, "en"), readability(CONVOLUTED_EN, "en")
    assert simple is not None and simple >= 80
    assert hard is not None and hard < 20


def test_every_language_with_a_formula_scores_and_others_do_not():
    samples = {
        "es": "Abre la página de inicio. Elige una contraseña nueva. Guarda los cambios.",
        "fr": "Ouvrez la page d'accueil. Choisissez un mot de passe. Enregistrez.",
        "de": "Öffnen Sie die Startseite. Wählen Sie ein neues Passwort. Speichern Sie.",
        "pt-BR": "Abra a página inicial. Escolha uma senha nova. Salve as alterações.",
        "it": "Apri la pagina iniziale. Scegli una nuova password. Salva le modifiche.",
    }
    for lang, text in samples.items():
        value = readability(text, lang)
        assert value is not None and 0 <= value <= 100, lang
    assert readability("افتح الصفحة الرئيسية واختر كلمة مرور جديدة.", "ar") is None
    assert readability("", "en") is None


def test_hard_to_read_body_gets_a_readability_warning_with_its_score():
    body = f"## Background\n\n{CONVOLUTED_EN}\n\n{CONVOLUTED_EN}\n"
    findings = only(lint_markdown(body, "en"), "readability")
    assert len(findings) == 1 and findings[0].severity == WARNING and findings[0].line == 3
    assert f"{readability(body, 'en'):.0f}" in findings[0].message and "Flesch" in findings[0].message


def test_easy_body_gets_no_readability_warning():
    assert only(lint_markdown(f"## Steps\n\n{SIMPLE_EN}\n\n{SIMPLE_EN}\n", "en"), "readability") == []


# --------------------------------------------------------------------------- foreign-language

@pytest.mark.wcag("3.1.2")
def test_spanish_paragraph_in_an_english_article_is_a_warning():
    body = f"## Reset\n\n{SIMPLE_EN}\n\n{SPANISH_PARAGRAPH}\n"
    findings = only(lint_markdown(body, "en", "Reset your password"), "foreign-language")
    assert [f.line for f in findings] == [5]
    assert findings[0].severity == WARNING
    assert "Spanish" in findings[0].message and "quote" in findings[0].message


def test_same_language_quotes_short_phrases_and_code_are_not_foreign():
    body = (
        f"## Reset\n\n{SIMPLE_EN}\n\n"
        f"> In Spanish: {SPANISH_PARAGRAPH}\n\n"  # a marked quotation
        "Type «Guardar cambios» to save.\n\n"  # a short phrase
        "`si no recibes el correo` `revisa la carpeta de correo` `no deseado y comprueba` ok\n\n"
        f"```\n{SPANISH_PARAGRAPH}\n```\n"
    )
    assert only(lint_markdown(body, "en"), "foreign-language") == []
    assert only(lint_markdown(f"## Restablecer\n\n{SPANISH_PARAGRAPH}\n", "es"), "foreign-language") == []


# --------------------------------------------------------------------------- color-only

@pytest.mark.wcag("1.3.3", "1.4.1")
@pytest.mark.parametrize("lang,sentence", [
    ("en", "Click the red button to continue."),
    ("en", "Then select the green\nlink at the top."),
    ("en", "Required fields are highlighted in yellow."),
    ("en", "Errors are shown in red."),
    ("es", "Pulsa el botón rojo para continuar."),
    ("fr", "Cliquez sur le bouton vert pour continuer."),
    ("de", "Klicken Sie auf die rote Schaltfläche."),
    ("de", "Die Pflichtfelder sind gelb markiert."),
    ("pt-BR", "Clique no botão vermelho para continuar."),
    ("it", "Premi il pulsante rosso per continuare."),
])
def test_colour_only_instructions_are_a_warning(lang, sentence):
    findings = lint_markdown(f"## Steps\n\n{sentence}\n", lang)
    assert lines(findings, "color-only") == [3]
    assert "label" in only(findings, "color-only")[0].message


@pytest.mark.parametrize("lang,sentence", [
    ("en", "Select the Save button. It is green, and it says Save."),
    ("en", "Redirected users see the required fields first."),
    ("es", "Deja el campo en blanco si no tienes un segundo apellido."),
    ("pt-BR", "Deixe o campo em branco se não tiver telefone."),
    ("en", "Press `the red button` in the code sample."),
    ("en", "Night mode reduces blue light and shows light text on a dark background."),
])
def test_colour_with_a_label_or_not_about_colour_is_fine(lang, sentence):
    assert only(lint_markdown(f"{sentence}\n", lang), "color-only") == []


# --------------------------------------------------------------------------- code is ignored

def test_everything_inside_code_is_ignored():
    bad = "# H1 [here](x) ![](y.png) https://example.org the red button <table>"
    body = (
        "## Code\n\n"
        f"```markdown\n{bad}\n#### skip\n```\n\n"
        f"~~~\n{bad}\n~~~\n\n"
        f"    {bad}\n\n"
        "Type `[here](x)` and `![](y.png)` and `https://example.org` and `<table>`.\n"
    )
    assert lint_markdown(body, "en") == []


# --------------------------------------------------------------------------- robustness and speed

def test_nothing_raises_on_garbage_or_odd_input():
    rng = random.Random(1234)
    alphabet = "abc XYZ 123 #*_[]()!<>`|~\\-=+:.?\n\n\t\r\x00éü中文العربية\u200f\ud800"
    garbage = "".join(rng.choice(alphabet) for _ in range(200_000))
    assert len(garbage.encode("utf-8", "surrogatepass")) >= 200_000
    for lang in ("en", "zh-Hans", None):
        assert isinstance(lint_markdown(garbage, lang, "t"), list)
    for odd in ["", " ", "\n" * 1000, "[" * 20_000, "![" * 10_000, "<" * 20_000, "|" * 20_000,
                "> " * 5_000, "- " * 5_000, "```", "." * 20_000, "# \n" * 2_000, None, 42]:
        assert isinstance(lint_markdown(odd, "en"), list)
    assert lint_markdown(None, None) == [] and lint_markdown("", "en") == []
    assert readability(garbage, "en") is not None and readability(None, "en") is None


def test_a_2000_word_article_is_checked_whole():
    """Speed is measured in bench/a11y_lint.py; here: a long clean article yields no errors."""
    section = (
        "## Section {n}\n\nYou can change your plan at any time ({n}) from the billing page. Select "
        "**Change plan**, pick the plan you want and confirm. [Find your invoices](../find-your-invoices/).\n\n"
        "- Open the billing page {n}.\n- Select the plan.\n- Confirm the change.\n\n"
        "| Plan | Price |\n|---|---|\n| Basic | 5 |\n| Pro | 10 |\n\n"
    )
    body = "".join(section.format(n=i) for i in range(40)) + "Click [here](../x/).\n"
    assert len(body.split()) >= 2000
    findings = lint_markdown(body, "en")
    assert [(f.rule, f.severity) for f in findings if f.severity == "error"] == [("link-text", "error")]
    assert findings[-1].line == body.count("\n")  # the last line was reached


# --------------------------------------------------------------------------- the shipped knowledge base

@pytest.mark.wcag("1.1.1", "1.3.1", "2.4.4")
def test_shipped_knowledge_base_has_no_errors():
    paths = sorted(SHIPPED_KB.glob("*/*.md"))
    assert len(paths) >= 78
    problems = []
    for path in paths:
        article = read_article(path)
        problems += [f"{path}:{f.line}: {f.rule}: {f.message}"
                     for f in lint_markdown(article.body, article.lang, article.title)
                     if f.severity == ERROR]
    assert problems == []


# --------------------------------------------------------------------------- portal kb lint

def _file_line(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


def test_cli_reports_errors_with_file_lines_and_exits_1(app, tmp_path):
    bad = write_article(tmp_path, "bad-article", "en", "Bad article",
                        "Intro.\n\n## Steps\n\n![](screen.png)\n\nSee [click here](../good-article/).\n")
    good = write_article(tmp_path, "good-article", "en", "Good article",
                         "Intro.\n\n## Steps\n\nSelect **Save**.\n")
    broken = tmp_path / "broken" / "en.md"
    broken.parent.mkdir()
    broken.write_text("no front matter here\n", encoding="utf-8")

    result = app.test_cli_runner().invoke(main, args=["kb", "lint", str(tmp_path)])

    assert result.exit_code == 1, result.output
    out = result.output.splitlines()
    assert f"{bad}:{_file_line(bad, '![](screen.png)')}: error image-alt: " in "\n".join(out)
    assert any(line.startswith(f"{bad}:{_file_line(bad, 'click here')}: error link-text: ") for line in out)
    assert any(line.startswith(f"{broken}:1: error invalid-file: missing YAML front matter") for line in out)
    assert str(good) not in result.output
    assert out[-1] == "3 files checked: 3 errors, 0 warnings"


def test_cli_warnings_pass_unless_warnings_are_errors(app, tmp_path):
    path = write_article(tmp_path, "warned", "en", "Warned", "Intro.\n\nPress the red button.\n")
    runner = app.test_cli_runner()
    result = runner.invoke(main, args=["kb", "lint", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert f"{path}:{_file_line(path, 'red button')}: warning color-only: " in result.output
    assert runner.invoke(main, args=["kb", "lint", str(tmp_path), "--warnings-as-errors"]).exit_code == 1


def test_cli_lang_only_checks_one_language(app, tmp_path):
    write_article(tmp_path, "article", "en", "Article", "Intro.\n\n![](x.png)\n")
    write_article(tmp_path, "article", "es", "Artículo", "Introducción.\n", translation_of="en")
    result = app.test_cli_runner().invoke(main, args=["kb", "lint", str(tmp_path), "--lang-only", "es"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "1 file checked: 0 errors, 0 warnings"


def test_cli_passes_on_the_shipped_knowledge_base(app):
    result = app.test_cli_runner().invoke(main, args=["kb", "lint", str(SHIPPED_KB)])
    assert result.exit_code == 0, result.output
    assert "0 errors" in result.output.splitlines()[-1]


# --------------------------------------------------------------------------- messages in the UI language

LONG_SENTENCE_EN = ("Before you change the password you should make sure that you can still open the mail "
                    "account that you used when you created the account because we send the link there today.")
EVERY_MESSAGE_EN = "\n\n".join([
    "# Reset your password",  # repeats the title
    "# Another title",
    "## Fine",
    "#### Skipped",
    "![](photo.png) ![IMG_1234.jpg](a/IMG_1234.jpg) ![screenshot](b.png)",
    "See [click here](../a/), [](../b/), [https://example.org/x](https://example.org/x), "
    "<https://example.org/y> and https://example.org/z.",
    "| | |\n| --- | --- |\n| a | b |",
    "| a | b |\n| c | d |",
    "Do not use <table><tr><td>x</td></tr></table> here.",
    LONG_SENTENCE_EN,
    " ".join([CONVOLUTED_EN] * 3),
    SPANISH_PARAGRAPH,
    "Press the red button.",
    "See [the form](form.pdf) and [the tour](https://youtu.be/x).",
    "| Only |\n| --- |\n| a |",
    "| a | b |\n| --- | --- |",
    "| ✅ | Plan |\n| --- | --- |\n| x | y |",
    "[👉](../c/)",
    "- ❌",
    "PLEASE DO NOT SWITCH OFF THE DEVICE NOW.",
    "![" + "A poster with our opening hours and the phone number to call. " * 3 + "](hours.png)",
    "![Text: Welcome](w.png)",
    "![Our motto](motto-banner.png)",
    "## ⚠️",
    "## ![Welcome](welcome.png)",
]) + "\n"
EVERY_MESSAGE_ZH = (
    "## 步骤\n\n"
    + "请先打开设置页面然后选择账户安全选项再点击修改密码按钮接着输入当前密码和新密码"
    "最后保存更改并重新登录系统以确认新的密码已经生效"
    * 5
    + "。\n"
)


def _lint_templates() -> set[str]:
    """Every message template in accessibility/lint.py, as Babel extracts it (``-k N_``)."""
    from babel.messages.extract import extract_from_file

    import accessibility.lint

    return {message for _, message, _, _ in
            extract_from_file("python", accessibility.lint.__file__, keywords={"N_": None}, comment_tags=())}


def test_every_message_is_its_template_filled_in_and_in_the_catalog():
    from babel.messages.pofile import read_po

    from portal.config import PROJECT_ROOT

    findings = (lint_markdown(EVERY_MESSAGE_EN, "en", "Reset your password")
                + lint_markdown("# Title\n\n#### Deep\n", "en", "")
                + lint_markdown(EVERY_MESSAGE_ZH, "zh-Hans", "修改密码"))
    assert set(rules(findings)) == {"image-alt", "multiple-h1", "heading-skip", "link-text", "bare-url",
                                    "table-header", "long-sentence", "long-paragraph", "readability",
                                    "foreign-language", "color-only", "link-file-type", "table-layout",
                                    "emoji-label", "all-caps", "image-text"}
    for f in findings:
        assert f.template and f.template % f.params == f.message, f
        assert all(isinstance(value, str) for value in f.params.values())
    templates = _lint_templates()
    assert {f.template for f in findings} == templates  # the sample reaches every message
    with open(PROJECT_ROOT / "translations" / "messages.pot", "rb") as handle:
        assert templates <= {m.id for m in read_po(handle)}


def test_localized_messages_use_the_translation_and_fall_back_to_english():
    [finding] = lint_markdown("Intro.\n\n![IMG_1234.jpg](a/IMG_1234.jpg)\n", "en")
    assert finding.localized(lambda s: s) == finding.message
    assert finding.localized(lambda s: "«%(alt)s» no vale.") == "«IMG_1234.jpg» no vale."
    assert finding.localized(lambda s: "«%(file)s» no vale.") == finding.message  # broken placeholder
    assert finding.localized(lambda s: "100% %(alt)s") == finding.message
    [foreign] = only(lint_markdown(f"Intro.\n\n{SPANISH_PARAGRAPH}\n", "en"), "foreign-language")
    assert "Spanish" in foreign.message and "English" in foreign.message
    named = foreign.localized(lambda s: "%(language)s / %(article_language)s", "es")
    assert named == "español / inglés"


def test_studio_shows_lint_messages_in_the_writers_ui_language(make_app):
    import html

    from portal.accounts import create_user
    from portal.db import db
    from tests.support import web

    app = make_app(languages=("en", "es"))
    with app.app_context():
        create_user(db.session, "elena@example.org", "Elena", "writers write every day", ["writer"], "es")
        db.session.commit()
    client = app.test_client()
    web.sign_in(client, "elena@example.org", "writers write every day")
    token = web.csrf(client.get("/studio/").get_data(as_text=True))
    spanish = "La imagen no tiene texto alternativo. Describa entre los corchetes lo que muestra la imagen"
    body = f"Intro.\n\n![](photo.png)\n\n{SPANISH_PARAGRAPH}\n"

    result = client.post("/studio/preview", data={"csrf_token": token, "lang": "en", "title": "Help",
                                                  "body": body}).get_json()
    messages = {f["rule"]: f["message"] for f in result["findings"]}
    assert messages["image-alt"].startswith(spanish)
    assert "parece estar en español, no en inglés" in messages["foreign-language"]

    created = client.post("/studio/articles/new", data={"csrf_token": token, "title": "Help", "slug": "help",
                                                        "lang": "en", "summary": "Help.", "body": body})
    assert created.status_code == 303
    page = html.unescape(client.get("/studio/articles/help/en/edit").get_data(as_text=True))
    results = page[page.index('id="lint-results"'):page.index("</section>", page.index('id="lint-results"'))]
    assert spanish in results and "Image has no alt text" not in results
    assert 'lang="en"' not in results


def test_cli_messages_stay_english(make_app, tmp_path):
    app = make_app(languages=("en", "es"), default_language="es")
    write_article(tmp_path, "article", "es", "Artículo", "Introducción.\n\n![](x.png)\n")
    result = app.test_cli_runner().invoke(main, args=["kb", "lint", str(tmp_path)])
    assert result.exit_code == 1, result.output
    assert "error image-alt: Image has no alt text. Describe what the image shows" in result.output


def test_numbers_in_localized_messages_are_written_the_readers_way():
    body = f"## Background\n\n{CONVOLUTED_EN}\n\n{CONVOLUTED_EN}\n"
    finding = next(f for f in lint_markdown(body, "en") if f.rule == "readability")
    average = finding.params["average"]
    assert "." in average and average in finding.message  # English keeps the point
    identity = lambda template: template  # noqa: E731 - the English template, formatted per locale
    assert average.replace(".", ",") in finding.localized(identity, "de")
    assert average in finding.localized(identity, "en")
