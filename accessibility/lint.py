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
- ``link-file-type`` (warning): a link to something that is not a web page (PDF,
  office documents, archives, audio and video files, by the extension of the path;
  query and fragment aside) or to a video site (YouTube, Vimeo, ...) whose text does
  not say what it opens: "PDF", "video", "vídeo", "видео", "動画", ... (the words of
  every language count in every article). A parenthesis right after the link counts:
  ``[Form](form.pdf) (PDF, 2 MB)``.
- ``table-layout`` (warning): a table with only a header row or only one column, which
  places content rather than holding data. (Empty header rows and raw HTML tables are
  ``table-header``; Markdown cannot nest tables.)
- ``emoji-label`` (error): a link, heading, table header cell or list item whose text is
  only emoji (with ZWJ sequences, skin tones, flags and keycaps) and punctuation.
- ``all-caps`` (warning): a paragraph or heading with at least 4 words (20 letters) in
  capitals side by side, in a script with case; acronyms in normal text, lists of
  acronyms and scripts without case are fine.
- ``image-text`` (warning): an image that probably shows text: in a heading, with alt
  text like a paragraph (over 150 characters, or 3 sentences) or starting "Text:", or
  named like a picture of a quote, banner, table or code (or ``*-text.png``).

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
from urllib.parse import unquote, urlsplit

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


# --------------------------------------------------------------------------- link-file-type

#: Extension -> the kind of file a link opens instead of a web page.
_FILE_KINDS = {
    "pdf": "pdf",
    **dict.fromkeys(("doc", "docx", "odt", "rtf", "epub"), "document"),
    **dict.fromkeys(("xls", "xlsx", "ods", "csv"), "spreadsheet"),
    **dict.fromkeys(("ppt", "pptx", "odp"), "presentation"),
    **dict.fromkeys(("zip", "7z", "rar", "tar", "gz", "tgz"), "archive"),
    **dict.fromkeys(("mp4", "m4v", "webm", "mov", "avi", "mkv", "wmv", "mpg", "mpeg", "ogv"), "video"),
    **dict.fromkeys(("mp3", "m4a", "wav", "ogg", "oga", "flac", "aac", "opus"), "audio"),
}
_VIDEO_SITES = ("youtube.com", "youtu.be", "youtube-nocookie.com", "vimeo.com", "dailymotion.com", "dai.ly",
                "loom.com")
# Words that tell readers what a link opens, per kind, in the lint's languages. Format names are
# loanwords almost everywhere ("PDF", "vídeo", "видео"), so every word counts in every article.
_FORMAT_WORDS = {
    "pdf": ("pdf",),
    "document": (
        "doc", "docx", "odt", "rtf", "epub", "word", "opendocument", "document", "documento", "dokument",
        "документ", "文档", "文書", "ドキュメント", "ワード", "مستند", "وثيقة", "מסמך", "וורד",
    ),
    "spreadsheet": (
        "xls", "xlsx", "ods", "csv", "excel", "spreadsheet", "hoja de calculo", "hojas de calculo", "tableur",
        "feuille de calcul", "tabellenkalkulation", "planilha", "foglio di calcolo", "foglio elettronico",
        "таблиц", "电子表格", "スプレッドシート", "エクセル", "表計算", "جدول بيانات", "إكسل", "גיליון אלקטרוני",
        "אקסל",
    ),
    "presentation": (
        "ppt", "pptx", "odp", "powerpoint", "presentation", "presentacion", "prasentation", "apresentacao",
        "presentazione", "slides", "diapositiv", "folien", "презентац", "演示文稿", "幻灯片", "プレゼンテーション",
        "スライド", "عرض تقديمي", "מצגת",
    ),
    "archive": (
        "zip", "7z", "rar", "tar", "gz", "tgz", "archive", "compressed", "archivo comprimido", "comprimido",
        "compresse", "archiv", "arquivo compactado", "compactado", "archivio", "архив", "архів", "压缩",
        "圧縮", "مضغوط", "أرشيف", "ארכיון",
    ),
    "video": (
        "video", "mp4", "m4v", "webm", "mov", "avi", "mkv", "wmv", "mpg", "mpeg", "ogv", "youtube", "vimeo",
        "film", "filme", "clip", "screencast", "видео", "відео", "ролик", "视频", "影片", "動画", "ビデオ",
        "فيديو", "וידאו", "וידיאו", "סרטון",
    ),
    "audio": (
        "audio", "mp3", "m4a", "wav", "ogg", "oga", "flac", "aac", "opus", "podcast", "recording", "grabacion",
        "enregistrement", "aufnahme", "gravacao", "registrazione", "аудио", "аудіо", "запись", "запис", "音频",
        "录音", "音声", "オーディオ", "صوت", "تسجيل", "אודיו", "הקלטה",
    ),
}
# Letters of the scripts that separate words with spaces (after _fold: lower case, no accents).
_SPACED_LETTER = "a-z\u00df-\u024f\u0370-\u03ff\u0400-\u052f"
# Compounds end in it too: "Erklärvideo", "Lernvideo".
_ANYWHERE_WORDS = frozenset({"video"})


def _format_word_pattern(word: str) -> str:
    word = _fold(word)
    if word in _ANYWHERE_WORDS or not re.search(f"[{_SPACED_LETTER}]", word):
        return re.escape(word)  # CJK has no spaces, Arabic and Hebrew prefix articles ("الفيديو")
    start = f"(?<![{_SPACED_LETTER}])"
    if len(word) <= 4:  # short names only as whole words: "word" is not in "password"
        return f"{start}{re.escape(word)}s?(?![{_SPACED_LETTER}])"
    return start + re.escape(word)  # the start of a word, so "vídeos" and "документа" count


_FORMAT_NAMED = {kind: re.compile("|".join(_format_word_pattern(w) for w in words_))
                 for kind, words_ in _FORMAT_WORDS.items()}
# "[Refund form](form.pdf) (PDF, 2 MB)": the format right after the link is read with it.
_AFTER_LINK = re.compile(r"[ \t]*[(\[（]([^()\[\]（）]{1,60})[)\]）]")


def _link_target(href: str) -> tuple[str, str, bool] | None:
    """(kind, format or site, is a site) when ``href`` opens a file or a video site, not a web page."""
    try:
        parts = urlsplit(href.strip())
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    if parts.scheme and parts.scheme.lower() not in ("http", "https"):
        return None  # mailto:, tel:, ...
    for site in _VIDEO_SITES:
        if host == site or host.endswith("." + site):
            return "video", site, True
    name = unquote(parts.path).rsplit("/", 1)[-1]
    extension = name.rsplit(".", 1)[1].lower() if "." in name else ""
    kind = _FILE_KINDS.get(extension)
    return (kind, extension.upper(), False) if kind else None


def _rule_file_links(blocks: list[Inline], out: list[Finding]) -> None:
    for block in blocks:
        for link in block.links:
            target = _link_target(link.href)
            if target is None:
                continue
            kind, name, is_site = target
            text = " ".join(link.text.split())
            if not text:
                continue  # link-text says so already
            label = "" if link.autolink or text == link.href.strip() else _without_urls(text)
            after = _AFTER_LINK.match(block.text, link.end)
            if _FORMAT_NAMED[kind].search(_fold(label)) or (after and _FORMAT_NAMED[kind].search(_fold(after[1]))):
                continue
            excerpt = _excerpt(f"<{text}>" if link.autolink else f"[{text}]({link.href})")
            if is_site:
                out.append(_finding(
                    "link-file-type", WARNING, link.line, excerpt,
                    N_("The link “%(text)s” opens a video on %(site)s, but its text does not say so. Add "
                       "“video” to the link text, e.g. [%(text)s (video, 3 minutes)](…), so people know "
                       "before they open it."),
                    text=_excerpt(text), site=name))
            else:
                out.append(_finding(
                    "link-file-type", WARNING, link.line, excerpt,
                    N_("The link “%(text)s” opens a file (%(format)s), not a page, but its text does not say "
                       "so. Add the format and size to the link text, e.g. [%(text)s (%(format)s, 2 MB)](…), "
                       "so people know before they open it."),
                    text=_excerpt(text), format=name))


# --------------------------------------------------------------------------- table-layout

def _rule_layout_tables(tokens, lines: list[str], out: list[Finding]) -> None:
    for i, token in enumerate(tokens):
        if token.type != "table_open":
            continue
        headers: list[str] = []
        body_rows = 0
        in_body = False
        j = i + 1
        while j < len(tokens) and tokens[j].type != "table_close":
            kind = tokens[j].type
            if kind == "inline" and tokens[j - 1].type == "th_open":
                headers.append(tokens[j].content.strip())
            elif kind == "tbody_open":
                in_body = True
            elif kind == "tr_open" and in_body:
                body_rows += 1
            j += 1
        if not any(headers):
            continue  # table-header says so already
        line = token.map[0] + 1 if token.map else 1
        excerpt = _excerpt(lines[line - 1] if 0 < line <= len(lines) else "")
        if not body_rows:
            out.append(_finding(
                "table-layout", WARNING, line, excerpt,
                N_("This table has only a header row, so it only places content side by side. Write the "
                   "content as paragraphs or a list; use tables only for data, with a header row and rows "
                   "of data under it.")))
        elif len(headers) == 1:
            out.append(_finding(
                "table-layout", WARNING, line, excerpt,
                N_("This table has only one column, so it is really a list, and screen readers announce rows "
                   "and columns that add nothing. Use a list (- item) instead, after a sentence or heading "
                   "that says what the column header said.")))


# --------------------------------------------------------------------------- emoji-label

# Zero-width joiner, text and emoji presentation selectors, combining keycap: parts of one emoji.
_EMOJI_JOINERS = frozenset("\u200d\ufe0e\ufe0f\u20e3")
_KEYCAP_BASES = frozenset("0123456789#*")
# Extended_Pictographic code points whose category is not So/Sk (arrows are Sm, ℹ is Ll, and
# emoji newer than this Python's Unicode tables are unassigned).
_PICTOGRAPHIC_RANGES = ((0x2139, 0x2139), (0x2194, 0x2199), (0x25FB, 0x25FE), (0x2934, 0x2935),
                        (0x1F000, 0x1FAFF), (0x1FC00, 0x1FFFD))


def _is_emoji_only(text: str) -> bool:
    """True when ``text`` has emoji or pictographs and, besides them, only punctuation and spaces.

    Sequences count as emoji: ZWJ sequences, skin tones, flags (regional indicators and tag
    sequences) and keycaps ("1️⃣").
    """
    seen = False
    for index, ch in enumerate(text or ""):
        code = ord(ch)
        if ch in _EMOJI_JOINERS or 0xE0020 <= code <= 0xE007F:  # tags spell out subdivision flags
            continue
        category = unicodedata.category(ch)
        if category in ("So", "Sk") or any(low <= code <= high for low, high in _PICTOGRAPHIC_RANGES):
            seen = True
        elif ch in _KEYCAP_BASES and text[index + 1:index + 3].lstrip("\ufe0f").startswith("\u20e3"):
            seen = True
        elif category[0] not in "PZ" and category != "Cc":
            return False
    return seen


def _rule_emoji_labels(blocks: list[Inline], out: list[Finding]) -> None:
    for block in blocks:
        for link in block.links:
            text = " ".join(link.text.split())
            if not link.autolink and _is_emoji_only(text):
                out.append(_finding(
                    "emoji-label", ERROR, link.line, _excerpt(f"[{text}]({link.href})"),
                    N_("The link text “%(text)s” is only emoji: screen readers read out the emoji's name, "
                       "which does not say where the link goes. Use words that say where it goes (an emoji "
                       "may stay beside them)."),
                    text=_excerpt(text)))
        if block.links:
            continue  # an emoji-only block with links has emoji-only (or empty) links, reported above
        if block.kind == "heading":
            template = N_("The heading “%(text)s” is only emoji: screen readers read out the emoji's name, "
                          "which does not say what the section is about. Write the heading in words (an emoji "
                          "may stay beside them).")
        elif block.header_cell:
            template = N_("The column header “%(text)s” is only emoji: screen readers read out the emoji's "
                          "name with every cell of the column. Name the column in words (an emoji may stay "
                          "beside them).")
        elif block.in_list:
            template = N_("The list item “%(text)s” is only emoji: screen readers read out the emoji's name, "
                          "which may not say what you mean. Say it in words (an emoji may stay beside them).")
        else:
            continue
        if _is_emoji_only(block.text):
            text = " ".join(block.text.split())
            out.append(_finding("emoji-label", ERROR, block.line, _excerpt(text), template, text=_excerpt(text)))


# --------------------------------------------------------------------------- all-caps

CAPS_MIN_WORDS = 4
CAPS_MIN_LETTERS = 20
_TOKEN = re.compile(r"\S+")
_LIST_SEPARATORS = frozenset(",;/|·•、")
# Cherokee letters are capitals (Lu), but Cherokee is written that way: it is not shouting.
_CHEROKEE = re.compile("[\u13a0-\u13ff\uab70-\uabbf]")


def _capitals_span(text: str) -> tuple[int, int] | None:
    """Span of the first run of words in capitals long enough to be shouting, or None.

    A run is at least CAPS_MIN_WORDS words with two or more capital letters each (one-letter
    words such as "I" neither break nor count), CAPS_MIN_LETTERS capitals in all, and two of
    its words side by side, so a list of acronyms ("HTTP, HTTPS, FTP, SFTP") is not one.
    Words in scripts without case (Arabic, Hebrew, CJK, Thai...) break a run.
    """
    if sum(map(str.isupper, text)) < CAPS_MIN_LETTERS:
        return None  # the common case, much cheaper than the walk below
    start = end = count = letters = 0
    joined, separated = False, True
    for match in _TOKEN.finditer(text):
        token = match.group()
        capitals = sum(map(str.isupper, token))
        # A lower-case letter, or one of a script without case, ends the run ("DVD。使用").
        if (capitals != sum(map(str.isalpha, token)) or CODE_PLACEHOLDER in token or "://" in token
                or _CHEROKEE.search(token)):
            if count >= CAPS_MIN_WORDS and letters >= CAPS_MIN_LETTERS and joined:
                return start, end
            count = letters = 0
            joined, separated = False, True
            continue
        if capitals < 2:  # numbers, dashes, emoji, "I", "A": part of the run, not words of it
            separated = separated or token in _LIST_SEPARATORS
            continue
        if not count:
            start = match.start()
        elif not separated:
            joined = True
        count += 1
        letters += capitals
        end = match.end()
        separated = token[-1] in _LIST_SEPARATORS
    if count >= CAPS_MIN_WORDS and letters >= CAPS_MIN_LETTERS and joined:
        return start, end
    return None


def _rule_all_caps(blocks: list[Inline], out: list[Finding]) -> None:
    for block in blocks:
        if block.kind not in ("paragraph", "heading"):
            continue
        span = _capitals_span(block.text)
        if span:
            text = _excerpt(block.display(*span))
            out.append(_finding(
                "all-caps", WARNING, block.line_at(span[0]), text,
                N_("“%(text)s” is written in capital letters, which are harder to read, and some screen "
                   "readers spell them out letter by letter. Write it in normal sentence case; use bold "
                   "(**…**) for emphasis."),
                text=text))


# --------------------------------------------------------------------------- image-text

MAX_ALT_CHARS = 150  # a CJK character counts twice
PARAGRAPH_ALT_SENTENCES = 3
_TEXT_ALT = re.compile(r"^\s*(?:text|texto|texte|testo|текст|文本|文字|テキスト|نص|טקסט)\s*[:：]", re.IGNORECASE)
# File-name words (folded) that say the picture is of text.
_TEXT_IMAGE_WORDS = frozenset({
    "quote", "quotes", "quotation", "cita", "citation", "zitat", "citacao", "citazione", "цитата",
    "banner", "banners", "bandeau", "баннер", "slogan", "tagline", "eslogan", "lema",
    "table", "tables", "tabla", "tableau", "tabelle", "tabela", "tabella", "таблица", "таблиця",
    "code", "codes", "snippet", "codigo", "codice", "код",
})
# ... and words that do so only at the end ("welcome-text.png", not "text-editor.png").
_TEXT_IMAGE_LAST_WORDS = frozenset({"text", "texts", "texto", "texte", "testo", "текст"})
_NOT_TEXT_CODES = frozenset({"qr", "bar", "zip", "postal", "country"})  # a QR code is not code
_CAMEL_CASE = re.compile(r"(?<=[a-z])(?=[A-Z])")
_NAME_WORD = re.compile(r"[^\W\d_]+")


def _text_image_name(src: str) -> bool:
    """True when the image's file name says it is a picture of text (a quote, banner, table, code)."""
    try:
        name = unquote(urlsplit(src).path).rsplit("/", 1)[-1]
    except ValueError:
        return False
    name_words = _NAME_WORD.findall(_fold(_CAMEL_CASE.sub(" ", name.rsplit(".", 1)[0])))
    for index, word in enumerate(name_words):
        if word in _TEXT_IMAGE_WORDS and not (word.startswith("cod") and index
                                              and name_words[index - 1] in _NOT_TEXT_CODES):
            return True
    return bool(name_words) and name_words[-1] in _TEXT_IMAGE_LAST_WORDS


def _rule_images_of_text(blocks: list[Inline], out: list[Finding]) -> None:
    for block in blocks:
        for image in block.images:
            if is_decorative(image):
                continue
            alt = " ".join(image.alt.split())
            excerpt = _excerpt(f"![{image.alt}]({image.src})")
            if block.kind == "heading":
                out.append(_finding(
                    "image-text", WARNING, image.line, excerpt,
                    N_("Image in a heading: headings should be real text, which people can enlarge, translate "
                       "and find, and which screen readers list. Write the heading in words and put the image "
                       "under it (or, if it is only an icon, mark it ![decorative](…)).")))
            elif len(alt) + cjk_chars(alt) > MAX_ALT_CHARS or len(sentence_spans(alt)) >= PARAGRAPH_ALT_SENTENCES:
                out.append(_finding(
                    "image-text", WARNING, image.line, excerpt,
                    N_("The alt text of this image reads like a paragraph (%(size)s characters), so the image "
                       "probably shows text. Put that text in the article as real text, which people can "
                       "enlarge, translate and search, and keep the alt text to a short description."),
                    size=len(alt)))
            elif _TEXT_ALT.match(alt):
                out.append(_finding(
                    "image-text", WARNING, image.line, excerpt,
                    N_("The alt text “%(alt)s” says that the image is text. Put that text in the article as "
                       "real text, which people can enlarge, translate and search; use images only for what "
                       "words cannot show."),
                    alt=_excerpt(alt)))
            elif _text_image_name(image.src):
                out.append(_finding(
                    "image-text", WARNING, image.line, excerpt,
                    N_("The image “%(name)s” is named like a picture of text (a quote, banner, table or code). "
                       "If it shows text, put the text in the article as real text, which people can enlarge, "
                       "translate and search; use images only for what words cannot show."),
                    name=_excerpt(image.src.rsplit("/", 1)[-1])))


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
        lambda: _rule_file_links(blocks, findings),
        lambda: _rule_layout_tables(tokens, lines, findings),
        lambda: _rule_emoji_labels(blocks, findings),
        lambda: _rule_all_caps(blocks, findings),
        lambda: _rule_images_of_text(blocks, findings),
    ]
    for rule in rules:
        try:
            rule()
        except Exception:  # noqa: BLE001 - one failing rule must not hide the others
            log.exception("accessibility lint rule failed")
    return sorted(findings, key=lambda f: f.line)
