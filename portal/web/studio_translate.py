"""Translation views of the studio: the side-by-side editor and bulk machine translation.

``/studio/articles/<slug>/<lang>/segments`` is the side-by-side editor;
``POST /studio/categories/<slug>/machine`` machine-translates a whole category
and ``/studio/batches/<id>`` shows that work's progress (JSON at ``.json`` for
the page's live update). The logic is in :mod:`portal.studio.segments` and
:mod:`portal.jobs.batches`.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.accounts import role_required
from portal.db import db
from portal.jobs.batches import batch_progress
from portal.kb import service as kb
from portal.kb.models import Article, Category
from portal.services import services
from portal.studio import actions, segment_states, workflow
from portal.studio import segments as seg
from portal.web.guard import parse_count
from portal.web.lang import install_staff_language

bp = Blueprint("studio_translate", __name__, url_prefix="/studio")
MAX_SEGMENT_CHARS = 20_000


install_staff_language(bp)


def _article(slug: str) -> Article:
    article = kb.get_article(db.session, slug)
    if article is None:
        abort(404)
    return article


def _submitted(form) -> dict[str, tuple[str, bool]]:
    """{source hash: (translation, reviewed)} from the editor's rows."""
    rows = {}
    for key in form:
        if key.startswith("hash-"):
            number = key[5:]
            digest = form.get(key, "")
            text = form.get(f"text-{number}", "")[:MAX_SEGMENT_CHARS]
            rows[digest] = (text, form.get(f"reviewed-{number}") == "1")
    return rows


@bp.route("/articles/<slug>/<lang>/segments", methods=["GET", "POST"])
@role_required("writer")
def segments(slug: str, lang: str):
    """Side-by-side editor: source segment | translation, prefilled from the memory."""
    article = _article(slug)
    if lang not in current_app.config["SETTINGS"].languages or lang == article.source_lang:
        abort(404)
    problem, status = None, 200
    submitted = None
    if request.method == "POST":
        submitted = _submitted(request.form)
        try:
            result = actions.save_translation(db.session, article, lang, submitted, current_user.email,
                                              request.form.get("base_revision", type=parse_count) or 0)
        except workflow.EditConflict as exc:
            db.session.rollback()
            problem, status = {"code": "edit_conflict", "number": exc.latest.number, "author": exc.latest.author}, 409
        except workflow.WorkflowError as exc:
            db.session.rollback()
            problem, status = {"code": exc.code}, 400
        else:
            return redirect(url_for("studio_translate.segments", slug=slug, lang=lang, saved=result.revision_number,
                                    stored=result.stored_in_memory), code=303)
    try:
        rows = seg.build_segments(db.session, article, lang)
    except workflow.WorkflowError as exc:
        return render_template("studio/segments.html", article=article, lang=lang, rows=[], version=None,
                               problem={"code": exc.code}, base_revision=0), 409
    if submitted:
        for row in rows:  # nothing typed is lost when saving was refused
            if row.hash in submitted:
                row.text = submitted[row.hash][0]
    pending = actions.request_suggestions(db.session, article, lang, rows) if request.method == "GET" else False
    version = article.version(lang)
    last = workflow.latest(version) if version is not None else None
    base_revision = (
        request.form.get("base_revision", type=parse_count) if problem and problem["code"] != "edit_conflict" else None
    )
    return render_template("studio/segments.html", article=article, lang=lang, rows=rows, version=version,
                           problem=problem, pending_suggestions=pending,
                           base_revision=base_revision if base_revision is not None else (last.number if last else 0),
                           counts=_counts(rows)), status


def _counts(rows: list[seg.Segment]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in rows:
        if row.state:
            counts[row.state] = counts.get(row.state, 0) + 1
    return counts


@bp.get("/articles/<slug>/translations")
@role_required("writer")
def translations(slug: str):
    """Every enabled language with its state, who made it, staleness and draft progress."""

    article = _article(slug)
    service = services().translation
    rows = []
    for lang in current_app.config["SETTINGS"].languages:
        version = article.version(lang)
        drafting = version is not None and workflow.has_draft(version)
        rows.append({"lang": lang, "version": version,
                     "engine": service.engine_for(article.source_lang, lang) if lang != article.source_lang else None,
                     "has_draft": drafting, "draft_states": bool(drafting and segment_states.Alignment.of(version)),
                     "unresolved": segment_states.unresolved_segments(version) if version is not None else 0})
    batch_id = request.args.get("batch", type=parse_count)
    progress = batch_progress(db.session, batch_id) if batch_id is not None else None
    return render_template("studio/translations.html", article=article, rows=rows, progress=progress)


@bp.post("/articles/<slug>/translations/machine")
@role_required("writer")
def machine_translate_article(slug: str):
    """Queue machine translation into every language that has none; progress on the panel."""

    article = _article(slug)
    batch = actions.machine_translate(db.session, [article], article.slug, current_user.email)
    return redirect(url_for("studio_translate.translations", slug=slug, queued=len(batch.job_ids) if batch else 0,
                            batch=batch.id if batch else None), code=303)


@bp.post("/categories/<slug>/machine")
@role_required("writer")
def machine_translate_category(slug: str):
    """Machine-translate every article of a topic into every language missing it."""

    category = db.session.scalar(select(Category).where(Category.slug == slug))
    if category is None:
        abort(404)
    articles = db.session.scalars(select(Article).where(Article.category_id == category.id)
                                  .options(selectinload(Article.versions)).order_by(Article.slug)).all()
    batch = actions.machine_translate(db.session, list(articles), f"category:{slug}", current_user.email,
                                      empty_batch=True)
    assert batch is not None  # asked for even when empty: the batch page says there was nothing to do
    return redirect(url_for("studio_translate.batch", batch_id=batch.id), code=303)


@bp.get("/batches/<int:batch_id>")
@role_required("writer")
def batch(batch_id: int):
    """Progress of a bulk machine translation (works without JavaScript: reload)."""
    progress = batch_progress(db.session, batch_id)
    if progress is None:
        abort(404)
    category = None
    if progress.batch.label.startswith("category:"):
        category = kb.get_category(db.session, progress.batch.label.split(":", 1)[1])
    return render_template("studio/batch.html", progress=progress, category=category,
                           category_name=kb.category_name)


@bp.get("/batches/<int:batch_id>.json")
@role_required("writer")
def batch_json(batch_id: int):
    progress = batch_progress(db.session, batch_id)
    if progress is None:
        return jsonify({"error": "not_found"}), 404
    return jsonify(progress.as_dict())
