"""Import and export of the ``kb_articles/`` directory format.

Import is idempotent: unchanged files are skipped, changed ones get a new
revision, and a bad file is reported with its path and reason while the rest are
imported. Everything valid is written in one transaction, so an interrupted import
leaves the database as it was.
"""
from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portal.kb.files import (
    ArticleFile,
    ArticleFileError,
    dump_article,
    load_categories,
    read_article,
)
from portal.kb.models import KIND_HUMAN, KIND_MACHINE, KIND_MACHINE_REVIEWED, KIND_SOURCE, Article, Category
from portal.kb.service import get_or_create_category, save_version

CATEGORIES_FILE = "_categories.yml"

FILE_KINDS = {"person": KIND_HUMAN, "machine": KIND_MACHINE, "machine-reviewed": KIND_MACHINE_REVIEWED}
KIND_TO_FILE: dict[str, str] = {kind: name for name, kind in FILE_KINDS.items()}


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)  # "slug/lang"
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    seconds: float = 0.0

    @property
    def changed(self) -> list[str]:
        return self.created + self.updated

    def changed_by_slug(self) -> dict[str, set[str]]:
        """``{slug: {lang, ...}}`` of what this import created or updated."""
        result: dict[str, set[str]] = {}
        for key in self.changed:
            slug, _, lang = key.partition("/")
            result.setdefault(slug, set()).add(lang)
        return result

    def summary(self) -> str:
        return (
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{self.unchanged} unchanged, {len(self.errors)} rejected"
        )


def _scan(directory: Path, report: ImportReport) -> dict[str, dict[str, tuple[Path, ArticleFile]]]:
    by_slug: dict[str, dict[str, tuple[Path, ArticleFile]]] = defaultdict(dict)
    for path in sorted(directory.glob("*/*.md")):
        try:
            parsed = read_article(path)
        except (ArticleFileError, OSError) as exc:
            report.errors.append((str(path), str(exc)))
            continue
        by_slug[parsed.slug][parsed.lang] = (path, parsed)
    return by_slug


def _source_language(files: dict[str, tuple[Path, ArticleFile]]) -> tuple[str | None, str]:
    originals = [lang for lang, (_, f) in files.items() if not f.translation_of]
    if len(originals) > 1:
        return (
            None,
            f"several files claim to be the original ({', '.join(sorted(originals))}); "
            "mark translations with 'translation_of'",
        )
    if originals:
        return originals[0], ""
    declared = {f.translation_of for _, f in files.values()}
    if len(declared) == 1:
        lang = declared.pop()
        return None, f"translations of {lang!r} but {lang}.md is missing or invalid"
    return None, "translations disagree about their original language"


def import_directory(session: Session, directory: Path) -> ImportReport:
    """Import every ``<slug>/<lang>.md`` under ``directory``; see module docstring.

    Flushes only: :func:`portal.publishing.import_knowledge_base` commits the
    articles together with the jobs they cause.
    """

    started = time.perf_counter()
    report = ImportReport()
    directory = Path(directory)
    if not directory.is_dir():
        report.errors.append((str(directory), "not a directory"))
        return report
    try:
        category_meta = load_categories(directory / CATEGORIES_FILE)
    except (ArticleFileError, yaml.YAMLError, ValueError) as exc:
        report.errors.append((str(directory / CATEGORIES_FILE), str(exc)))
        category_meta = {}
    by_slug = _scan(directory, report)

    existing = {
        a.slug: a
        for a in session.scalars(select(Article).options(selectinload(Article.versions))).all()
    }
    categories = {c.slug: c for c in session.scalars(select(Category)).all()}
    for slug, meta in category_meta.items():
        category = categories.get(slug) or get_or_create_category(session, slug)
        categories[slug] = category
        if category.names != meta["names"] or category.position != meta["position"]:
            category.names, category.position = meta["names"], meta["position"]

    for slug, files in sorted(by_slug.items()):
        source_lang, problem = _source_language(files)
        if source_lang is None:
            for path, _ in files.values():
                report.errors.append((str(path), problem))
            continue
        article = existing.get(slug)
        if article is not None and article.source_lang != source_lang:
            for path, _ in files.values():
                report.errors.append(
                    (
                        str(path),
                        f"article exists with original language {article.source_lang!r}, file says {source_lang!r}",
                    )
                )
            continue
        _, source = files[source_lang]
        if article is None:
            article = Article(slug=slug, source_lang=source_lang, tags=[])
            session.add(article)
            existing[slug] = article
        if source.category:
            category = categories.get(source.category) or get_or_create_category(session, source.category)
            categories[source.category] = category
            article.category = category
        if article.tags != source.tags:
            article.tags = source.tags
        ordered = [source_lang] + sorted(lang for lang in files if lang != source_lang)
        for lang in ordered:
            path, parsed = files[lang]
            if parsed.translation_of and parsed.translation_of != source_lang:
                report.errors.append(
                    (str(path), f"'translation_of: {parsed.translation_of}' but the original is {source_lang!r}")
                )
                continue
            is_new = article.version(lang) is None
            kind = KIND_SOURCE if lang == source_lang else FILE_KINDS[parsed.translated_by]
            _, changed = save_version(
                session, article, lang,
                title=parsed.title, summary=parsed.summary, body=parsed.body,
                kind=kind, status=parsed.status, extra=parsed.extra,
                produced_by="import", note=f"imported from {path.name}",
            )
            key = f"{slug}/{lang}"
            if is_new:
                report.created.append(key)
            elif changed:
                report.updated.append(key)
            else:
                report.unchanged += 1
    session.flush()  # the caller commits, with the jobs the import causes (portal.publishing)
    report.seconds = time.perf_counter() - started
    return report


def export_directory(session: Session, directory: Path, include_machine: bool = False) -> int:
    """Write every article version as ``<slug>/<lang>.md``; returns files written.

    Machine translations are left out unless asked for: they are derived data.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = 0
    categories = session.scalars(select(Category).order_by(Category.position, Category.slug)).all()
    named = {
        c.slug: {"position": c.position, "names": dict(c.names)}
        for c in categories
        if c.names or c.position != 1000
    }
    if named:
        (directory / CATEGORIES_FILE).write_text(
            yaml.safe_dump(named, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
    articles = session.scalars(
        select(Article).options(selectinload(Article.versions)).order_by(Article.slug)
    ).all()
    for article in articles:
        for version in article.versions:
            if version.kind == KIND_MACHINE and not include_machine:
                continue
            target = directory / article.slug / f"{version.lang}.md"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(
                dump_article(
                    ArticleFile(
                        slug=article.slug,
                        lang=version.lang,
                        title=version.title,
                        summary=version.summary,
                        body=version.body,
                        category=article.category.slug if article.category else None,
                        translation_of=None if version.lang == article.source_lang else article.source_lang,
                        translated_by=KIND_TO_FILE.get(version.kind, "person"),
                        tags=list(article.tags or []),
                        status=version.status,
                        extra=dict(version.extra or {}),
                    )
                ),
                encoding="utf-8",
            )
            written += 1
    return written
