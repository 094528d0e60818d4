"""The exchange format: ``<slug>/<lang>.md`` with YAML front matter.

Pure functions, no database: parse a file into an :class:`ArticleFile`, write one
back. Known keys are modelled; unknown keys (``source_url``, ``license``...) are
kept in ``extra`` so export round-trips them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from portal.kb.models import STATUS_DRAFT, STATUS_PUBLISHED

KNOWN_KEYS = ("title", "summary", "category", "lang", "translation_of", "translated_by", "tags", "status")
#: Who made a translation, as written in files (absent: a person).
TRANSLATED_BY = ("person", "machine", "machine-reviewed")
SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,199}$")
LANG_PATTERN = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
MAX_FILE_BYTES = 1_000_000


class ArticleFileError(ValueError):
    """A file that cannot be imported; the message says why."""


@dataclass
class ArticleFile:
    slug: str
    lang: str
    title: str
    body: str
    summary: str = ""
    category: str | None = None
    translation_of: str | None = None
    translated_by: str = "person"
    tags: list[str] = field(default_factory=list)
    status: str = STATUS_PUBLISHED
    extra: dict = field(default_factory=dict)


def _split_front_matter(text: str) -> tuple[str, str]:
    text = text.removeprefix("\ufeff")
    if not text.startswith("---"):
        raise ArticleFileError("missing YAML front matter (the file must start with '---')")
    match = re.match(r"^---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|$)", text, re.DOTALL)
    if not match:
        raise ArticleFileError("front matter is not closed by a '---' line")
    return match.group(1), text[match.end():]


def parse_article(text: str, slug: str, file_lang: str) -> ArticleFile:
    """Parse one file's text. ``slug``/``file_lang`` come from its path."""
    if not SLUG_PATTERN.match(slug):
        raise ArticleFileError(f"invalid slug {slug!r} (lower-case letters, digits, '-', '_', '.')")
    raw_meta, body = _split_front_matter(text)
    try:
        meta = yaml.safe_load(raw_meta)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""
        raise ArticleFileError(f"front matter is not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(meta, dict):
        raise ArticleFileError("front matter must be a mapping of keys to values")
    title = meta.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ArticleFileError("'title' is required and must be text")
    lang = str(meta.get("lang") or file_lang)
    if not LANG_PATTERN.match(lang):
        raise ArticleFileError(f"'lang' {lang!r} is not a language code")
    if lang.lower() != file_lang.lower():
        raise ArticleFileError(f"'lang: {lang}' does not match the file name {file_lang}.md")
    summary = meta.get("summary") or ""
    if not isinstance(summary, str):
        raise ArticleFileError("'summary' must be text")
    category = meta.get("category")
    if category is not None and (not isinstance(category, str) or not SLUG_PATTERN.match(category)):
        raise ArticleFileError(f"'category' {category!r} must be a slug")
    tags = meta.get("tags") or []
    if isinstance(tags, str):
        tags = [part.strip() for part in tags.split(",") if part.strip()]
    if not isinstance(tags, list) or not all(isinstance(tag, (str, int)) for tag in tags):
        raise ArticleFileError("'tags' must be a list of words")
    status = meta.get("status") or STATUS_PUBLISHED
    if status not in (STATUS_PUBLISHED, STATUS_DRAFT):
        raise ArticleFileError(f"'status' must be {STATUS_PUBLISHED!r} or {STATUS_DRAFT!r}, not {status!r}")
    translation_of = meta.get("translation_of")
    if translation_of is not None and not LANG_PATTERN.match(str(translation_of)):
        raise ArticleFileError(f"'translation_of' {translation_of!r} is not a language code")
    translated_by = meta.get("translated_by") or "person"
    if translated_by not in TRANSLATED_BY:
        raise ArticleFileError(f"'translated_by' must be one of {', '.join(TRANSLATED_BY)}, not {translated_by!r}")
    extra = {key: value for key, value in meta.items() if key not in KNOWN_KEYS}
    if "source_url" in extra and not is_web_url(extra["source_url"]):
        raise ArticleFileError("'source_url' must be an http:// or https:// address")
    return ArticleFile(
        slug=slug,
        lang=file_lang,
        title=title.strip(),
        summary=summary.strip(),
        body=body.lstrip("\r\n"),
        category=category,
        translation_of=str(translation_of) if translation_of else None,
        translated_by=translated_by,
        tags=[str(tag) for tag in tags],
        status=status,
        extra=_jsonable(extra),
    )


def is_web_url(value: object) -> bool:
    """True for an absolute http(s) address with a host: never ``javascript:`` or ``data:``."""
    if not isinstance(value, str) or len(value) > 2000 or any(ord(c) < 33 or ord(c) == 127 for c in value):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _jsonable(value):
    """YAML may yield dates; the database stores JSON."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def read_article(path: Path) -> ArticleFile:
    """Parse ``<slug>/<lang>.md`` from disk."""
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ArticleFileError(f"file is larger than {MAX_FILE_BYTES} bytes")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ArticleFileError(f"not UTF-8 text (byte {exc.start})") from None
    return parse_article(text, slug=path.parent.name, file_lang=path.stem)


def dump_article(article: ArticleFile) -> str:
    """Serialise to the file format (stable key order, so exports diff cleanly)."""
    meta: dict = {"title": article.title}
    if article.summary:
        meta["summary"] = article.summary
    if article.category:
        meta["category"] = article.category
    meta["lang"] = article.lang
    if article.translation_of:
        meta["translation_of"] = article.translation_of
    if article.translated_by != "person":
        meta["translated_by"] = article.translated_by
    if article.tags:
        meta["tags"] = list(article.tags)
    if article.status != STATUS_PUBLISHED:
        meta["status"] = article.status
    meta.update(article.extra)
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1000)
    body = article.body if article.body.endswith("\n") or not article.body else article.body + "\n"
    return f"---\n{front}---\n\n{body}"


def load_categories(path: Path) -> dict[str, dict]:
    """Read ``_categories.yml``: ``{slug: {"position": int, "names": {lang: name}}}``."""
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ArticleFileError("must map category slugs to their names")
    result = {}
    for slug, entry in data.items():
        entry = entry or {}
        if not SLUG_PATTERN.match(str(slug)) or not isinstance(entry, dict):
            raise ArticleFileError(f"invalid category entry {slug!r}")
        names = entry.get("names") or {}
        if not isinstance(names, dict):
            raise ArticleFileError(f"category {slug!r}: 'names' must map languages to names")
        result[str(slug)] = {
            "position": int(entry.get("position", 1000)),
            "names": {str(k): str(v) for k, v in names.items()},
        }
    return result
