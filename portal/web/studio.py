"""The writer workspace (/studio): list, editor with live preview, review, publish, history."""
from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, current_app, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from accessibility import lint_markdown
from portal.accounts import has_role, role_required
from portal.db import db
from portal.kb import service as kb
from portal.kb.markdown import render
from portal.kb.models import KIND_MACHINE, STATUS_PUBLISHED, Article, Category
from portal.publishing import publish_now, schedule_publication, unpublish_now
from portal.services import services
from portal.studio import actions, workflow
from portal.studio.uploads import ATTACHMENT_MAX_BYTES, MAX_BYTES, UploadError, store_attachment, store_image
from portal.web.guard import parse_count
from portal.web.lang import install_staff_language

bp = Blueprint("studio", __name__, url_prefix="/studio")


install_staff_language(bp)


def _version(slug: str, lang: str):
    article = kb.get_article(db.session, slug)
    version = article.version(lang) if article is not None else None
    if version is None:
        abort(404)
    return article, version


def _preview(body: str) -> str:
    return render(body, article_url=lambda s, f: url_for("public.article", lang=g.lang, slug=s) + f)


@bp.get("/")
@role_required("writer")
def articles():
    """All articles with their versions; filters: category, status, language, stale, machine-only, text."""
    args = request.args
    query = (
        select(Article).options(selectinload(Article.versions), selectinload(Article.category)).order_by(Article.slug)
    )
    if args.get("category"):
        query = query.join(Category).where(Category.slug == args["category"])
    rows = []
    text = (args.get("q") or "").casefold().strip()
    for article in db.session.scalars(query).all():
        for version in article.versions:
            if args.get("language") and version.lang != args["language"]:
                continue
            if args.get("status") == "published" and version.status != STATUS_PUBLISHED:
                continue
            if args.get("status") == "draft" and not workflow.has_draft(version):
                continue
            if args.get("status") == "in_review" and version.review_state != workflow.IN_REVIEW:
                continue
            if args.get("stale") and not version.stale_segments:
                continue
            if args.get("machine") and version.kind != KIND_MACHINE:
                continue
            if text and text not in version.title.casefold() and text not in article.slug:
                continue
            rows.append((article, version))
    categories = db.session.scalars(select(Category).order_by(Category.position)).all()
    return render_template("studio/list.html", rows=rows, categories=categories, args=args,
                           category_name=kb.category_name)


@bp.route("/articles/new", methods=["GET", "POST"])
@role_required("writer")
def new_article():
    form = request.form if request.method == "POST" else {"title": request.args.get("title", ""),
                                                           "lang": request.args.get("lang", g.lang)}
    error = None
    if request.method == "POST":
        lang = form.get("lang") if form.get("lang") in current_app.config["SETTINGS"].languages else g.lang
        try:
            version = actions.create_article(db.session, slug=(form.get("slug") or "").strip(), lang=lang,
                                             title=form.get("title", ""), summary=form.get("summary", ""),
                                             body=form.get("body", ""), author=current_user.email,
                                             category_slug=form.get("category") or None, tags=form.get("tags", ""))
        except workflow.WorkflowError as exc:
            db.session.rollback()
            error = exc.code
        else:
            return redirect(url_for("studio.edit", slug=version.article.slug, lang=version.lang), code=303)
    categories = db.session.scalars(select(Category).order_by(Category.position)).all()
    return render_template("studio/new.html", form=form, error=error, categories=categories,
                           category_name=kb.category_name), 400 if error else 200


@bp.route("/articles/<slug>/<lang>/edit", methods=["GET", "POST"])
@role_required("writer")
def edit(slug: str, lang: str):
    article, version = _version(slug, lang)
    copy = workflow.working_copy(version)
    conflict, status = None, 200
    if request.method == "POST":
        copy = {
            "title": request.form.get("title", ""),
            "summary": request.form.get("summary", ""),
            "body": request.form.get("body", ""),
            "revision": request.form.get("base_revision", type=parse_count) or 0,
        }
        if request.form.get("action") == "save":
            try:
                actions.save_draft(db.session, version, title=copy["title"], summary=copy["summary"],
                                   body=copy["body"], author=current_user.email, base_revision=copy["revision"],
                                   note=request.form.get("note", ""), category_slug=request.form.get("category"),
                                   tags=request.form.get("tags"))
            except workflow.EditConflict as exc:
                db.session.rollback()
                conflict = {"latest": exc.latest, "diff": workflow.diff(exc.latest.body, copy["body"])}
                status = 409
            except workflow.WorkflowError as exc:
                db.session.rollback()
                conflict, status = {"error": exc.code}, 400
            else:
                return redirect(url_for("studio.edit", slug=slug, lang=lang, saved=1), code=303)

    # (finding, its message in the writer's UI language) pairs.
    findings = [(f, f.localized(gettext, g.lang)) for f in lint_markdown(copy["body"], lang, copy["title"])]
    categories = db.session.scalars(select(Category).order_by(Category.position)).all()
    return render_template("studio/edit.html", article=article, version=version, copy=copy, conflict=conflict,
                           findings=findings, preview_html=_preview(copy["body"]), categories=categories,
                           category_name=kb.category_name, has_draft=workflow.has_draft(version)), status


@bp.post("/preview")
@role_required("writer")
def preview():
    """Live preview: exactly the renderer customers get, with the lint findings (messages
    in the writer's UI language)."""

    body = request.form.get("body", "")[:200_000]
    lang = request.form.get("lang") or g.lang
    findings = lint_markdown(body, lang, request.form.get("title", ""))
    return jsonify({"html": _preview(body),
                    "findings": [{"rule": f.rule, "severity": f.severity, "line": f.line,
                                  "message": f.localized(gettext, g.lang)} for f in findings]})


def _step(slug: str, lang: str, action):
    # ``action(article, version)`` is a use case: it commits, or raises and the step is undone.
    article, version = _version(slug, lang)
    try:
        action(article, version)
    except workflow.WorkflowError as exc:
        db.session.rollback()
        return redirect(url_for("studio.edit", slug=slug, lang=lang, problem=exc.code) + "#workflow", code=303)
    return redirect(
        url_for("studio.edit", slug=slug, lang=lang, done=request.endpoint.rsplit(".", 1)[1]) + "#workflow", code=303
    )


@bp.post("/articles/<slug>/<lang>/submit")
@role_required("writer")
def submit(slug: str, lang: str):
    return _step(slug, lang, lambda a, v: actions.submit(db.session, v))


@bp.post("/articles/<slug>/<lang>/review")
@role_required("writer")
def review(slug: str, lang: str):
    approve = request.form.get("decision") == "approve"
    return _step(slug, lang, lambda a, v: actions.review(db.session, v, current_user.email,
                                                         has_role(current_user, "admin"), approve,
                                                         request.form.get("note", "")))


@bp.post("/articles/<slug>/<lang>/publish")
@role_required("writer")
def publish(slug: str, lang: str):
    def act(article, version):
        when = request.form.get("publish_at")
        if when:
            try:
                moment = datetime.fromisoformat(when[:40]).replace(tzinfo=UTC)
            except ValueError:
                raise workflow.WorkflowError("bad_date") from None
            schedule_publication(db.session(), version, moment)
        else:
            publish_now(db.session(), version)

    return _step(slug, lang, act)


@bp.post("/articles/<slug>/<lang>/unpublish")
@role_required("writer")
def unpublish(slug: str, lang: str):
    def act(article, version):
        unpublish_now(db.session(), version)

    return _step(slug, lang, act)


@bp.get("/articles/<slug>/<lang>/history")
@role_required("writer")
def history(slug: str, lang: str):
    article, version = _version(slug, lang)
    entries = []
    previous = ""
    for revision in version.revisions:
        entries.append((revision, workflow.diff(previous, revision.body)))
        previous = revision.body
    return render_template("studio/history.html", article=article, version=version, entries=list(reversed(entries)))


@bp.post("/articles/<slug>/<lang>/restore/<int:number>")
@role_required("writer")
def restore(slug: str, lang: str, number: int):
    return _step(slug, lang, lambda a, v: actions.restore(db.session, v, number, current_user.email))


@bp.post("/articles/<slug>/<lang>/images")
@role_required("writer")
def upload_image(slug: str, lang: str):
    """Upload an image with its alt text (or marked decorative); shows the Markdown to use."""

    article, version = _version(slug, lang)
    upload = request.files.get("image")
    data = upload.read(MAX_BYTES + 1) if upload else b""
    messages = {
        "empty": _("Choose an image file."),
        "too_large": _("The image is larger than 2 MB."),
        "wrong_type": _(
            "Only PNG, JPEG, GIF and WebP images are accepted (SVG is not, because it can contain scripts)."
        ),
        "alt_required": _("Describe the image for people who cannot see it, or mark it as decorative."),
    }
    return _upload_result(article, version, "image", messages, lambda media: store_image(
        media, data, request.form.get("alt", ""), bool(request.form.get("decorative"))))


def _upload_result(article, version, kind: str, messages: dict, store):
    """Store an upload with ``store(media_store)``; the result page, or its error in ``messages``."""

    try:
        stored = store(services().media)
    except UploadError as exc:
        return render_template("studio/upload_result.html", article=article, version=version, kind=kind,
                               error=messages[exc.code]), 413 if exc.code == "too_large" else 400
    return render_template("studio/upload_result.html", article=article, version=version, kind=kind,
                           stored=stored, error=None)


@bp.post("/articles/<slug>/<lang>/attachments")
@role_required("writer")
def upload_attachment(slug: str, lang: str):
    """Upload a PDF, text or office file with its link text; shows the Markdown link to use."""

    article, version = _version(slug, lang)
    upload = request.files.get("attachment")
    data = upload.read(ATTACHMENT_MAX_BYTES + 1) if upload else b""
    messages = {
        "empty": _("Choose a file to attach."),
        "too_large": _("The file is larger than 10 MB."),
        "wrong_type": _("Only PDF files, plain text (.txt or .csv) and OpenDocument or Microsoft Office documents "
                        "(.odt, .ods, .odp, .docx, .xlsx, .pptx) can be attached. Web pages, images, programs "
                        "and other archives are not accepted; add pictures with “Add an image”."),
        "description_required": _("Describe the file: the words become the link text readers see."),
        "description_vague": _("Describe what the file contains, for example “Refund request form”: words like "
                               "“click here” or “download”, a web address or a file name do not tell readers "
                               "what the link is."),
    }
    return _upload_result(article, version, "attachment", messages, lambda media: store_attachment(
        media, data, (upload.filename or "") if upload else "", request.form.get("description", "")))
