"""Accessibility lint for knowledge-base article Markdown.

``lint_markdown(body, lang, title)`` returns :class:`Finding` objects, sorted by
line (1-based, in the Markdown body as given). ``error`` findings block
publishing, ``warning`` ones are shown only. The body is parsed the way the
renderer (``portal/kb/markdown.py``) parses it: CommonMark with tables and
strikethrough, raw HTML off (so raw HTML shows as text). The page's only h1 is
the article title, so body headings start at ``##``.

Rules (rule id, severity):

- ``image-alt`` (error): image without alt text, or whose alt text is a file name
  or just "image"/"screenshot"/... Alt text ``decorative`` (any case), or the
  title ``"decorative"``, marks a decorative image on purpose: no finding.
- ``multiple-h1`` (error): a ``#`` / ``===`` heading in the body.
- ``heading-skip`` (error): a heading more than one level deeper than the one
  before it (the title counts as h1, so the first heading must be h2).
- ``link-text`` (error): empty link text, or text that says nothing about the
  destination ("click here", "read more", "aquí", "cliquez ici", "hier", ...).
- ``bare-url`` (warning): a URL as link text, an autolink ``<https://...>``, or a
  bare URL in the text.
- ``table-header`` (error): a table whose header cells are all empty, raw HTML
  ``<table>``, or pipe rows with no header/delimiter row (not a table at all).
- ``long-sentence`` (warning): more than 25 words (zh/ja: 60 characters), per
  paragraph or list item.
- ``long-paragraph`` (warning): more than 120 words (zh/ja: 300 characters).
- ``readability`` (warning): the language's readability score of the whole body
  is below its threshold (see :mod:`accessibility.readability`); only for bodies
  of at least ``MIN_READABILITY_WORDS`` words.
- ``foreign-language`` (warning): a paragraph or list item (not in a quote) of
  at least 8 words (or 20 CJK characters) that the project's language detector
  says, with confidence >= 0.9, is in another language.
- ``color-only`` (warning): instructions that identify something by colour
  alone ("the red button", "highlighted in yellow", "el botón rojo", ...).

Messages are English; each finding also carries its message as a catalog template
(``N_``-marked, extracted into ``translations/messages.pot``) with ``params``, and
``finding.localized(gettext)`` gives it in the UI language.

Code (fenced, indented and inline) is never checked. ``lint_markdown`` never
raises: a rule that fails on odd input is logged and skipped.
"""
from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from accessibility.blocks import CODE_PLACEHOLDER, Inline, is_decorative, normalize_body, parse
from accessibility.colours import COLOUR_ONLY, mentions_colour
from accessibility.readability import (
    CJK_LANGUAGES,
    THRESHOLDS,
    base_language,
    cjk_chars,
    cjk_length,
    letter_words,
    score,
    sentence_spans,
    text_stats,
    words,
)

log = logging.getLogger(__name__)

ERROR = "error"
WARNING = "warning"

MAX_SENTENCE_WORDS = 25
MAX_SENTENCE_CJK_CHARS = 60
MAX_PARAGRAPH_WORDS = 120
MAX_PARAGRAPH_CJK_CHARS = 300
MIN_READABILITY_WORDS = 50  # the formulas say little about a couple of sentences
FOREIGN_MIN_WORDS = 8
FOREIGN_MIN_CJK_CHARS = 20
FOREIGN_MIN_CONFIDENCE = 0.9
FOREIGN_RULES = ("model", "script", "vocabulary")
DETECTOR_LANGUAGES = ("en", "es", "fr", "de", "pt-BR", "it", "ru", "uk", "zh-Hans", "ja", "ar", "he")
EXCERPT_CHARS = 80
#: Params that hold numbers: a translation writes them the reader's way ("9,3", "1 234").
NUMBER_PARAMS = frozenset({"average", "limit", "score", "sentences", "size", "threshold", "words"})


def N_(template: str) -> str:
    """Marks a message template for extraction into the UI catalogs (``pybabel -k N_``)."""
    return template


@dataclass(frozen=True)
class Finding:
    """One accessibility problem at one place in an article body.

    ``message`` is English (the command line shows it); ``template % params`` gives
    the same text, and :meth:`localized` gives it in another language.
    """

    rule: str  # machine id, e.g. "image-alt"
    severity: str  # "error" (blocks publishing) | "warning" (shown, does not block)
    message: str  # English, says what is wrong and how to fix it
    line: int  # 1-based line in the Markdown body
    excerpt: str  # the offending text, at most 80 characters
    params: dict[str, str] = field(default_factory=dict, compare=False)  # for template's %(name)s
    template: str = ""  # the English message with %(name)s placeholders: the catalogs' msgid
    # Params that name a language, by its code, so a translation names it in the reader's language.
    language_params: dict[str, str] = field(default_factory=dict, compare=False)

    def localized(self, gettext, ui_lang: str | None = None) -> str:
        """The message translated by ``gettext`` (e.g. ``flask_babel.gettext``).

        With ``ui_lang`` the languages a message names are named in that language.
        A translation with broken placeholders gives the English message.
        """
        if not self.template:
            return self.message
        params = dict(self.params)
        if ui_lang:
            params.update({key: _format_number(params[key], ui_lang) for key in NUMBER_PARAMS & params.keys()})
        if ui_lang and self.language_params:
            params.update({key: _language_name(code, ui_lang) for key, code in self.language_params.items()})
        try:
            return gettext(self.template) % params
        except (KeyError, ValueError, TypeError):
            return self.message


def _format_number(text: str, ui_lang: str) -> str:
    """``"9.3"`` as ``ui_lang`` writes it (same digits after the point); unchanged if not a number."""
    from decimal import Decimal, InvalidOperation

    from babel import Locale, UnknownLocaleError
    from babel.numbers import format_decimal

    try:
        number = Decimal(text)
        exponent = number.as_tuple().exponent
        if not isinstance(exponent, int):  # NaN or Infinity: not a number a reader would see
            return text
        places = max(0, -exponent)
        pattern = "#,##0" + ("." + "0" * places if places else "")
        return format_decimal(number, format=pattern, locale=Locale.parse(ui_lang, sep="-"))
    except (InvalidOperation, ValueError, TypeError, UnknownLocaleError):
        return text


def localize(finding: Finding, gettext, ui_lang: str | None = None) -> str:
    """``finding.localized(gettext, ui_lang)``."""
    return finding.localized(gettext, ui_lang)


def _finding(rule: str, severity: str, line: int, excerpt: str, template: str,
             languages: dict[str, str] | None = None, **params) -> Finding:
    """A finding whose message is ``template`` filled in with ``params`` (made strings)."""
    params = {key: str(value) for key, value in params.items()}
    return Finding(rule, severity, template % params, line, excerpt, params, template, dict(languages or {}))


def has_errors(findings: Iterable[Finding]) -> bool:
    """True when any finding blocks publishing."""
    return any(f.severity == ERROR for f in findings or ())


def _excerpt(text: str) -> str:
    text = " ".join(str(text).replace(CODE_PLACEHOLDER, "…").split())
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1].rstrip() + "…"


# --------------------------------------------------------------------------- rules

_IMAGE_EXT = r"(?:png|jpe?g|gif|webp|svg|bmp|tiff?|avif|heic|ico)"
_FILE_NAME = re.compile(rf"^\S+\.{_IMAGE_EXT}$", re.IGNORECASE)
_CAMERA_NAME = re.compile(r"^(?:img|dsc|dscn|pxl|image|screenshot|screen[ _-]?shot|capture)[ _-]?\d[\w -]*$",
                          re.IGNORECASE)
_PLACEHOLDER_ALT = {
    # en
    "image", "img", "picture", "pic", "photo", "photograph", "screenshot", "screen shot",
    "graphic", "icon", "figure", "illustration", "alt", "alt text",
    # es
    "imagen", "foto", "fotografia", "captura", "captura de pantalla", "icono", "figura", "ilustracion",
    # fr
    "photo", "capture", "capture d'ecran", "illustration", "icone", "figure",
    # de
    "bild", "grafik", "bildschirmfoto", "abbildung", "symbol",
    # pt
    "imagem", "fotografia", "captura de tela", "icone", "ilustracao",
    # it
    "immagine", "schermata", "icona", "illustrazione",
    # ru, uk, zh, ja, ar, he
    "изображение", "картинка", "скриншот", "снимок экрана", "зображення", "знимок екрана",
    "图片", "图像", "截图", "屏幕截图", "画像", "スクリーンショット", "写真",
    "صورة", "لقطة شاشة", "תמונה", "צילום מסך",
}


def _fold(text: str) -> str:
    """Lower-case, without accents or punctuation, single-spaced."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.lower().replace("’", "'").replace("`", " ")
    text = re.sub(r"[^\w' ]+|_", " ", text)
    return " ".join(text.replace("'", "' ").split()).replace("' ", "'")


_PLACEHOLDER_ALT_FOLDED = {_fold(word) for word in _PLACEHOLDER_ALT}


def _rule_image_alt(blocks: list[Inline], out: list[Finding]) -> None:
    for block in blocks:
        for image in block.images:
            if is_decorative(image):
                continue
            alt = image.alt.strip()
            excerpt = _excerpt(f"![{image.alt}]({image.src})")
            stem = image.src.rsplit("/", 1)[-1].rsplit(".", 1)[0]
            if not alt:
                template = N_("Image has no alt text. Describe what the image shows in the brackets, "
                              "e.g. ![The Save button at the top of the form](…); if it is purely "
                              "decorative, write ![decorative](…).")
            elif _FILE_NAME.match(alt) or _CAMERA_NAME.match(alt) or (stem and alt == stem):
                template = N_("The alt text “%(alt)s” is a file name, which tells screen-reader "
                              "users nothing. Describe what the image shows instead.")
                alt = _excerpt(alt)
            elif _fold(alt) in _PLACEHOLDER_ALT_FOLDED:
                template = N_("The alt text “%(alt)s” only says that this is an image (screen readers "
                              "announce that already). Describe what the image shows instead.")
            else:
                continue
            out.append(_finding("image-alt", ERROR, image.line, excerpt, template, alt=alt))


def _rule_headings(tokens, title: str, out: list[Finding]) -> None:
    previous = 1  # the title is the page's h1
    last_line = 1
    for i, token in enumerate(tokens):
        if token.map:
            last_line = token.map[0] + 1
        if token.type != "heading_open":
            continue
        try:
            level = int(token.tag[1:])
        except ValueError:
            continue
        text = tokens[i + 1].content if i + 1 < len(tokens) else ""
        line = token.map[0] + 1 if token.map else last_line
        excerpt = _excerpt(f"{'#' * level} {text}")
        if level == 1:
            if not title:
                template = N_("Level-1 heading in the body: the page already shows the article title "
                              "as its only h1. Use ## for the body's top-level sections.")
            elif _fold(text) == _fold(title):
                template = N_("Level-1 heading in the body: the page already shows the article title "
                              "“%(title)s” as its only h1. Remove this heading, it repeats the title.")
            else:
                template = N_("Level-1 heading in the body: the page already shows the article title "
                              "“%(title)s” as its only h1. Use ## for the body's top-level sections.")
            out.append(_finding("multiple-h1", ERROR, line, excerpt, template, title=_excerpt(title)))
        elif level > previous + 1:
            if previous == 1:
                template = N_("The first heading is h%(level)s, but sections start at h2 (## — the "
                              "title is the h1). Use ## here so no heading level is skipped.")
            else:
                template = N_("Heading level jumps from h%(previous)s to h%(level)s. Use %(marks)s "
                              "(h%(next)s) so screen-reader users can follow the outline.")
            out.append(_finding("heading-skip", ERROR, line, excerpt, template, level=level,
                                previous=previous, next=previous + 1, marks="#" * (previous + 1)))
        previous = level


_VAGUE_LINK_TEXT = {
    # en
    "click here", "here", "click", "read more", "more", "this link", "link", "this", "this page",
    "click this link", "tap here", "go here", "see here", "learn more", "more info",
    "more information", "details", "continue", "go", "page", "website", "url", "see more",
    "read this", "click here to learn more", "click here for more information",
    # es
    "aqui", "aca", "haga clic aqui", "haz clic aqui", "pulse aqui", "pulsa aqui", "clic aqui",
    "click aqui", "pincha aqui", "toca aqui", "leer mas", "lee mas", "mas", "ver mas",
    "mas informacion", "este enlace", "enlace", "esto", "esta pagina", "saber mas", "seguir leyendo",
    # fr
    "ici", "cliquez ici", "clique ici", "cliquer ici", "appuyez ici", "en savoir plus", "lire la suite",
    "lire plus", "plus", "voir plus", "ce lien", "lien", "ceci", "cette page", "la suite",
    "plus d'informations", "plus d'infos", "suite",
    # de
    "hier", "klicken sie hier", "klick hier", "klicke hier", "hier klicken", "tippen sie hier",
    "mehr", "mehr lesen", "weiterlesen", "mehr erfahren", "mehr informationen", "mehr infos",
    "dieser link", "diesen link", "link", "dies", "diese seite", "details", "weiter",
    # pt
    "aqui", "clique aqui", "clica aqui", "toque aqui", "carregue aqui", "leia mais", "ler mais",
    "saiba mais", "mais", "ver mais", "mais informacoes", "este link", "esse link", "link",
    "isto", "isso", "esta pagina",
    # it
    "qui", "clicca qui", "fai clic qui", "clicca", "premi qui", "tocca qui", "leggi di piu",
    "leggi tutto", "leggi", "di piu", "altro", "scopri di piu", "ulteriori informazioni",
    "maggiori informazioni", "questo link", "questo collegamento", "collegamento", "questo",
    "questa pagina",
    # ru, uk
    "здесь", "тут", "нажмите здесь", "нажмите", "подробнее", "читать далее", "ссылка",
    "эта ссылка", "по ссылке", "натисніть тут", "тут", "детальніше", "докладніше",
    "читати далі", "посилання", "це посилання",
    # zh, ja
    "这里", "点击这里", "点击此处", "此处", "更多", "了解更多", "阅读更多", "链接", "详情",
    "ここ", "こちら", "ここをクリック", "こちらをクリック", "詳細", "詳しくはこちら",
    "もっと見る", "続きを読む", "リンク",
    # ar, he
    "هنا", "اضغط هنا", "انقر هنا", "المزيد", "اقرأ المزيد", "رابط", "هذا الرابط",
    "כאן", "לחץ כאן", "לחצו כאן", "עוד", "קרא עוד", "קראו עוד", "קישור",
}
_VAGUE_LINK_TEXT_FOLDED = {_fold(text) for text in _VAGUE_LINK_TEXT}
_URL_TEXT = re.compile(r"^(?:https?://|ftp://|www\.)\S+$", re.IGNORECASE)


def is_vague_link_text(text: str, extra_vague: frozenset[str] | set[str] = frozenset()) -> bool:
    """True when ``text`` says nothing about where a link goes: empty, "click here" and
    its equivalents in our languages, a bare URL, or one of ``extra_vague`` (folded)."""
    folded = _fold(text or "")
    return (not folded or folded in _VAGUE_LINK_TEXT_FOLDED or folded in {_fold(t) for t in extra_vague}
            or bool(_URL_TEXT.match((text or "").strip())))
_BARE_URL = re.compile(r"(?<![\w@/.\-])(?:https?://|www\.)[^\s<>\"'`]+", re.IGNORECASE)


def _rule_links(blocks: list[Inline], out: list[Finding]) -> None:
    for block in blocks:
        for link in block.links:
            href = link.href
            text = " ".join(link.text.split())
            if link.autolink:
                if href.lower().startswith("mailto:"):
                    continue  # an e-mail address reads fine
                out.append(_finding(
                    "bare-url", WARNING, link.line, _excerpt(f"<{text}>"),
                    N_("The URL “%(url)s” is the link text; screen readers read it out character "
                       "by character. Write [a description of the page](URL) instead."),
                    url=_excerpt(text)))
                continue
            if not text.strip():
                out.append(_finding(
                    "link-text", ERROR, link.line, _excerpt(f"[]({href})"),
                    N_("Link has no text, so screen readers can only announce its address. Put words "
                       "that say where it goes between the brackets.")))
            elif _URL_TEXT.match(text.strip()) or text.strip() == href.strip():
                out.append(_finding(
                    "bare-url", WARNING, link.line, _excerpt(f"[{text}]({href})"),
                    N_("The URL “%(url)s” is the link text. Write a short description of the "
                       "destination instead, e.g. [Download your data](URL)."),
                    url=_excerpt(text)))
            elif _fold(text) in _VAGUE_LINK_TEXT_FOLDED:
                out.append(_finding(
                    "link-text", ERROR, link.line, _excerpt(f"[{text}]({href})"),
                    N_("The link text “%(text)s” does not say where the link goes; screen-reader users "
                       "often list links out of context. Use the destination's name or what it does, "
                       "e.g. [Reset your password](…)."),
                    text=text))
        for text, line in block.loose_text:
            for match in _BARE_URL.finditer(text):
                url = match.group(0).rstrip(".,;:!?)]}»”’'")
                out.append(_finding(
                    "bare-url", WARNING, line, _excerpt(url),
                    N_("Bare URL “%(url)s” in the text. Make it a link with descriptive text, "
                       "e.g. [the name of the page](URL)."),
                    url=_excerpt(url)))


_RAW_TABLE = re.compile(r"<\s*table\b", re.IGNORECASE)
_PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$")


def _rule_tables(tokens, blocks: list[Inline], lines: list[str], out: list[Finding]) -> None:
    for i, token in enumerate(tokens):
        if token.type == "thead_open":
            headers = []
            j = i + 1
            while j < len(tokens) and tokens[j].type != "thead_close":
                if tokens[j].type == "inline":
                    headers.append(tokens[j].content.strip())
                j += 1
            if headers and not any(headers):
                line = token.map[0] + 1 if token.map else 1
                out.append(_finding(
                    "table-header", ERROR, line, _excerpt(lines[line - 1] if 0 < line <= len(lines) else ""),
                    N_("This table's header row is empty. Give every column a header that names what "
                       "the column holds, so screen readers can announce it with each cell.")))
        elif token.type == "paragraph_open" and token.map:
            start, end = token.map
            rows = lines[start:end]
            if len(rows) >= 2 and all(_PIPE_ROW.match(row) for row in rows):
                out.append(_finding(
                    "table-header", ERROR, start + 1, _excerpt(rows[0]),
                    N_("These rows look like a table but have no header row: add a header row and a "
                       "delimiter row (| --- | --- |) under it, so it becomes a table with column headers.")))
    for block in blocks:
        for text, line in block.loose_text:
            raw_table = _RAW_TABLE.search(text)
            if raw_table:
                out.append(_finding(
                    "table-header", ERROR, line, _excerpt(text[raw_table.start():]),
                    N_("Raw HTML table: HTML is shown as text on the page. Use a Markdown table with a "
                       "header row (| Column | Column |, then | --- | --- |).")))


def _rule_lengths(blocks: list[Inline], lang: str, out: list[Finding]) -> None:
    cjk = lang in CJK_LANGUAGES
    # CJK text is measured in characters, everything else in words.
    measure = cjk_length if cjk else (lambda text: len(words(text)))
    if cjk:
        sentence_template = N_("This sentence has %(size)s characters (more than %(limit)s). Split it into "
                               "shorter sentences, or turn a series of steps or items into a list.")
        paragraph_template = N_("This paragraph has %(size)s characters (more than %(limit)s). Break it "
                                "into shorter paragraphs, or use a list or subheadings.")
    else:
        sentence_template = N_("This sentence has %(size)s words (more than %(limit)s). Split it into "
                               "shorter sentences, or turn a series of steps or items into a list.")
        paragraph_template = N_("This paragraph has %(size)s words (more than %(limit)s). Break it "
                                "into shorter paragraphs, or use a list or subheadings.")
    sentence_limit = MAX_SENTENCE_CJK_CHARS if cjk else MAX_SENTENCE_WORDS
    paragraph_limit = MAX_PARAGRAPH_CJK_CHARS if cjk else MAX_PARAGRAPH_WORDS
    for block in blocks:
        if block.kind != "paragraph" or not block.text.strip():
            continue
        text = block.text
        for start, end in sentence_spans(text):
            size = measure(text[start:end])
            if size > sentence_limit:
                out.append(_finding("long-sentence", WARNING, block.line_at(start),
                                    _excerpt(block.display(start, end)), sentence_template,
                                    size=size, limit=sentence_limit))
        size = measure(text)
        if size > paragraph_limit:
            out.append(_finding("long-paragraph", WARNING, block.line, _excerpt(block.display()),
                                paragraph_template, size=size, limit=paragraph_limit))


def _rule_readability(blocks: list[Inline], lang: str, out: list[Finding]) -> None:
    if lang not in THRESHOLDS:
        return
    prose = [b.text for b in blocks if b.kind in ("paragraph", "cell")]
    stats = text_stats(prose, lang)
    if stats.words < MIN_READABILITY_WORDS:
        return
    value = score(stats, lang)
    name, threshold = THRESHOLDS[lang]
    if value is None or value >= threshold:
        return
    first = next((b for b in blocks if b.kind == "paragraph" and b.text.strip()), None)
    out.append(_finding(
        "readability", WARNING, first.line if first else 1, _excerpt(first.display() if first else ""),
        N_("The text is hard to read: %(formula)s score %(score)s, below %(threshold)s (%(words)s words "
           "in %(sentences)s sentences, %(average)s words per sentence). Use shorter sentences and "
           "shorter, everyday words."),
        formula=name, score=f"{value:.0f}", threshold=f"{threshold:.0f}", words=stats.words,
        sentences=stats.sentences, average=f"{stats.words / stats.sentences:.1f}"))




def _without_urls(text: str) -> str:
    """``text`` without URLs and e-mail addresses (linear time, unlike a regex)."""
    return " ".join(word for word in text.split()
                    if "://" not in word and "@" not in word and not word.lower().startswith("www."))
_CJK_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")


def _language_name(code: str, in_language: str = "en") -> str:
    try:
        from portal.i18n.languages import language_name

        return language_name(code, in_language, in_sentence=True)
    except Exception:  # noqa: BLE001 - a name is cosmetic
        return code


@lru_cache(maxsize=4096)
def _detect(text: str, lang_tag: str):
    """The project's detector on one passage; cached, as the workspace lints the same
    article again on every save and most paragraphs have not changed."""
    from portal.langid import get_detector

    return get_detector(DETECTOR_LANGUAGES).detect(text, None, lang_tag)


def _rule_foreign(blocks: list[Inline], lang_tag: str, lang: str, out: list[Finding]) -> None:
    if lang not in {base_language(code) for code in DETECTOR_LANGUAGES}:
        return  # the detector cannot tell this language apart from the others
    for block in blocks:
        if block.kind != "paragraph" or block.in_quote:
            continue
        text = _without_urls(block.text.replace(CODE_PLACEHOLDER, " "))
        prose_chars = sum(1 for ch in text if not ch.isspace())
        if block.code_chars > prose_chars:
            continue  # mostly inline code
        n_cjk = cjk_chars(text)
        # Distinct words: "WWW or WWW or WWW" is not a passage.
        n_words = len({w.lower() for w in letter_words(_CJK_CHAR.sub(" ", text))})
        if n_words < FOREIGN_MIN_WORDS and n_cjk < FOREIGN_MIN_CJK_CHARS:
            continue
        detection = _detect(text, lang_tag)
        if (detection.rule in FOREIGN_RULES and detection.confidence >= FOREIGN_MIN_CONFIDENCE
                and base_language(detection.lang) != lang):
            out.append(_finding(
                "foreign-language", WARNING, block.line, _excerpt(block.display()),
                N_("This passage looks like %(language)s, not %(article_language)s (the article's "
                   "language), and screen readers will read it with the wrong pronunciation. Write it "
                   "in the article's language (or move it to the %(language)s version of the article); "
                   "if it must stay, put it in a quote (> …) and name the language (“In %(language)s: …”)."),
                languages={"language": detection.lang, "article_language": lang_tag},
                language=_language_name(detection.lang), article_language=_language_name(lang_tag)))


def _rule_colour(blocks: list[Inline], out: list[Finding]) -> None:
    for block in blocks:
        if not mentions_colour(block.text):
            continue  # the common case, and much cheaper than the full pattern
        for match in COLOUR_ONLY.finditer(block.text):
            phrase = match.group(0)
            out.append(_finding(
                "color-only", WARNING, block.line_at(match.start()), _excerpt(phrase),
                N_("“%(phrase)s” identifies something by its colour alone; people who cannot tell colours "
                   "apart or use a screen reader will miss it. Name the control by its label (e.g. the "
                   "Save button) or its place, and use colour only as an extra cue."),
                phrase=phrase))


# --------------------------------------------------------------------------- entry point

def lint_markdown(body: str, lang: str, title: str = "") -> list[Finding]:
    """Accessibility findings for an article body in ``lang``, sorted by line.

    ``title`` is the article title (the page's h1), used in messages. Never raises.
    """
    findings: list[Finding] = []
    try:
        text = normalize_body(body)
        lang_tag = lang if isinstance(lang, str) else ""
        base = base_language(lang_tag)
        title = title if isinstance(title, str) else ""
        tokens, blocks = parse(text)
        lines = text.split("\n")
    except Exception:  # noqa: BLE001 - must never break publishing
        log.exception("accessibility lint could not parse the body")
        return findings
    rules = [
        lambda: _rule_image_alt(blocks, findings),
        lambda: _rule_headings(tokens, title, findings),
        lambda: _rule_links(blocks, findings),
        lambda: _rule_tables(tokens, blocks, lines, findings),
        lambda: _rule_lengths(blocks, base, findings),
        lambda: _rule_readability(blocks, base, findings),
        lambda: _rule_foreign(blocks, lang_tag, base, findings),
        lambda: _rule_colour(blocks, findings),
    ]
    for rule in rules:
        try:
            rule()
        except Exception:  # noqa: BLE001 - one failing rule must not hide the others
            log.exception("accessibility lint rule failed")
    return sorted(findings, key=lambda f: f.line)
