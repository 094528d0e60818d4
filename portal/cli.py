"""The ``portal`` command: ``portal kb import DIR``, ``portal db upgrade``, ``portal serve``...

Built on Flask's CLI so every command runs inside an app context made by
:func:`portal.create_app` (configuration from the environment / ``PORTAL_CONFIG``).
"""
from __future__ import annotations

import logging
import signal
import subprocess
import sys
import time
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import select
from werkzeug.serving import run_simple

from accessibility import lint_markdown
from portal import create_app
from portal.accounts.models import User
from portal.accounts.service import AccountError, create_user, list_users, normalize_email, reads, set_password
from portal.db import db
from portal.jobs import failed_jobs, run_pending, work_forever
from portal.kb.files import ArticleFileError, read_article
from portal.kb.transfer import export_directory
from portal.publishing import import_knowledge_base
from portal.search.embedding import articles_needing_vectors, embedding_status, sync_articles
from portal.search.jobs import enqueue_embedding, rebuild_index
from portal.server import SERVE_THREADS, default_workers
from portal.server import serve as serve_gunicorn
from portal.services import services
from portal.support.actions import set_agent_skills
from portal.support.routing import known_topics
from portal.translation.engines.argos import PackageError, install_package, installed_packages, remove_package
from portal.trends.actions import start_periodic_detection
from portal.worker_tasks import load_all


def _create_app(*_args, **_kwargs) -> Flask:
    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True,
             help="Helpdesk portal management.")
def main() -> None:
    """Entry point of the ``portal`` console script."""


kb_group = click.Group("kb", help="Knowledge base: import, export.")


@kb_group.command("import")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--verbose", "-v", is_flag=True, help="List every created/updated file.")
@with_appcontext
def kb_import(directory: Path, verbose: bool) -> None:
    """Import DIRECTORY/<slug>/<lang>.md (idempotent; bad files are reported, not fatal)."""

    report, jobs = import_knowledge_base(db.session, directory)
    for key in report.created if verbose else ():
        click.echo(f"created  {key}")
    for key in report.updated:
        click.echo(f"updated  {key}")
    for path, reason in report.errors:
        click.echo(f"rejected {path}: {reason}", err=True)
    click.echo(f"{report.summary()} in {report.seconds:.2f} s; {jobs} translation jobs queued")
    if report.errors and not report.changed and not report.unchanged:
        sys.exit(1)


@kb_group.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--include-machine", is_flag=True, help="Also export machine translations.")
@with_appcontext
def kb_export(directory: Path, include_machine: bool) -> None:
    """Write every article version to DIRECTORY/<slug>/<lang>.md."""

    written = export_directory(db.session, directory, include_machine=include_machine)
    click.echo(f"{written} files written to {directory}")


# --- accessibility lint ---
@kb_group.command("lint")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--lang-only", "lang_only", default=None, metavar="LANG",
              help="Only check files in this language (e.g. es; 'pt' also matches pt-BR).")
@click.option("--warnings-as-errors", is_flag=True, help="Exit 1 on warnings too.")
def kb_lint(directory: Path, lang_only: str | None, warnings_as_errors: bool) -> None:
    """Check DIRECTORY/<slug>/<lang>.md for accessibility problems.

    Prints "path:line: severity rule: message" lines (line numbers in the file,
    so editors can jump to them) and exits 1 when there are errors (or, with
    --warnings-as-errors, warnings). Needs no database.
    """

    wanted = lang_only.replace("_", "-").lower() if lang_only else None
    files = errors = warnings = 0
    for path in sorted(directory.glob("*/*.md")):
        file_lang = path.stem.lower()
        if wanted and file_lang != wanted and file_lang.split("-", 1)[0] != wanted:
            continue
        files += 1
        try:
            article = read_article(path)
            text = path.read_text(encoding="utf-8")
        except (ArticleFileError, OSError) as exc:
            click.echo(f"{path}:1: error invalid-file: {exc}")
            errors += 1
            continue
        # Findings count lines in the body; the file has the front matter before it.
        offset = text[: len(text) - len(article.body)].count("\n") if text.endswith(article.body) else 0
        for finding in lint_markdown(article.body, article.lang, article.title):
            click.echo(f"{path}:{finding.line + offset}: {finding.severity} {finding.rule}: {finding.message}")
            if finding.severity == "error":
                errors += 1
            else:
                warnings += 1

    def count(n: int, word: str) -> str:
        return f"{n} {word}" + ("" if n == 1 else "s")

    click.echo(f"{count(files, 'file')} checked: {count(errors, 'error')}, {count(warnings, 'warning')}")
    if errors or (warnings_as_errors and warnings):
        sys.exit(1)
# --- end accessibility lint ---


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=None, type=click.IntRange(1, 64),
              help="Web worker processes (default: one per core).")
@click.option("--threads", default=SERVE_THREADS, show_default=True, type=click.IntRange(1, 64),
              help="Request threads per web worker.")
@click.option("--worker/--no-worker", default=True, show_default=True,
              help="Also start a background worker process for jobs.")
@click.option("--dev", is_flag=True, help="Werkzeug's development server instead of gunicorn.")
@with_appcontext
def serve(host: str, port: int, workers: int | None, threads: int, worker: bool, dev: bool) -> None:
    """Serve the portal under gunicorn with a job worker beside it (--dev: development server)."""
    if not dev:
        serve_gunicorn(current_app._get_current_object(), host, port, workers or default_workers(), threads, worker)
        return

    process = None
    if worker:
        process = subprocess.Popen([sys.executable, "-m", "portal.cli", "worker"])
        click.echo(f"Started the job worker (pid {process.pid})")
    click.echo(f"Serving the help portal on http://{host}:{port}/")
    try:
        run_simple(host, port, current_app._get_current_object(), threaded=True, use_reloader=False)
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)


@click.command("worker")
@click.option("--poll", default=1.0, show_default=True, help="Seconds between polls when idle.")
@click.option("--once", is_flag=True, help="Run the jobs due now, then exit.")
@with_appcontext
def worker(poll: float, once: bool) -> None:
    """Run background jobs (translation, indexing, notifications) until stopped."""

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    load_all()
    start_periodic_detection(db.session)
    if once:
        click.echo(f"{run_pending(db.session)} jobs run")
        return
    stopping = {"flag": False}

    def stop(*_):
        stopping["flag"] = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    work_forever(lambda: db.session, poll_seconds=poll, should_stop=lambda: stopping["flag"])


translations_group = click.Group("translations", help="Machine-translation language packs and jobs.")


@translations_group.command("install")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def translations_install(files: tuple[Path, ...]) -> None:
    """Install Argos .argosmodel language packs (given by an operator; never downloaded)."""

    packages_dir = current_app.config["SETTINGS"].resolved_argos_packages_dir
    failed = False
    for file in files:
        try:
            package = install_package(packages_dir, file)
        except PackageError as exc:
            click.echo(f"error: {exc}", err=True)
            failed = True
            continue
        click.echo(
            f"installed {package.pair} ({package.from_name} -> {package.to_name}, version {package.package_version})"
        )
    if failed:
        sys.exit(1)


@translations_group.command("list")
@with_appcontext
def translations_list() -> None:
    """Installed language packs and the pairs every configured engine can translate."""

    packages = installed_packages(current_app.config["SETTINGS"].resolved_argos_packages_dir)
    click.echo("Argos language packs:" if packages else "Argos language packs: none installed")
    for package in packages:
        click.echo(f"  {package.pair:12} {package.from_name} -> {package.to_name} (version {package.package_version})")
    click.echo("Available pairs:")
    for engine in services().translation.engines:
        pairs = ", ".join(f"{a}->{b}" for a, b in sorted(engine.pairs())) or "none"
        click.echo(f"  {engine.name}: {pairs}")


@translations_group.command("remove")
@click.argument("pair")
@with_appcontext
def translations_remove(pair: str) -> None:
    """Remove the language pack for PAIR (e.g. en-es)."""

    try:
        package = remove_package(current_app.config["SETTINGS"].resolved_argos_packages_dir, pair)
    except PackageError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"removed {package.pair}")


index_group = click.Group("index", help="The search index.")


@index_group.command("rebuild")
@click.option("--vectors", type=click.Choice(["queue", "now", "skip"]), default="queue", show_default=True,
              help="Passage vectors: queue the articles whose vectors are missing or from another model "
                   "for the worker, embed them now, or leave them.")
@with_appcontext
def index_rebuild(vectors: str) -> None:
    """Rebuild the keyword index from the database, and bring passage vectors up to date."""

    started = time.perf_counter()
    count = rebuild_index(db.session, services().search.backend)
    db.session.commit()  # the PostgreSQL backend writes through the session
    click.echo(f"indexed {count} documents in {time.perf_counter() - started:.2f} s")
    embedder = services().embedder
    if embedder is None or vectors == "skip":
        click.echo("passage vectors: " + ("embeddings are off (PORTAL_EMBEDDINGS=none)" if embedder is None
                                          else "left as they are"))
        return
    if vectors == "now":
        started = time.perf_counter()
        report = sync_articles(db.session, embedder)
        db.session.commit()
        click.echo(f"passage vectors: {report.passages} passages in {report.versions} versions, "
                   f"{report.encoded} newly encoded, in {time.perf_counter() - started:.1f} s")
        return
    ids = articles_needing_vectors(db.session, embedder.model_id)
    for article_id in ids:
        enqueue_embedding(db.session, article_id)
    db.session.commit()
    click.echo(f"passage vectors: {len(ids)} articles queued for the worker")


embeddings_group = click.Group("embeddings", help="Passage vectors for semantic search.")


@embeddings_group.command("status")
@with_appcontext
def embeddings_status() -> None:
    """How many passages are embedded, and how many article versions still wait."""

    embedder = services().embedder
    if embedder is None:
        click.echo("embeddings are off (PORTAL_EMBEDDINGS=none): search is keyword only")
        return
    status = embedding_status(db.session, embedder.model_id)
    click.echo(f"model: {status.model_id}")
    click.echo(f"passages embedded: {status.passages}")
    click.echo(f"published versions: {status.published_versions}, waiting for vectors: {status.pending_versions}")
    if status.other_model:
        click.echo(f"passages of another model: {status.other_model} (re-embedded by 'portal index rebuild')")


# --- accounts: ``portal users create|list`` (staff accounts; see portal/accounts) ---
users_group = click.Group("users", help="Staff accounts (agents, writers, admins).")


@users_group.command("create")
@click.option("--email", required=True, help="Sign-in email address (stored lower-cased).")
@click.option("--name", required=True, help="The person's name.")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice(["agent", "writer", "admin"]), help="Role; repeat for several.")
@click.option("--language", default=None, help="Desk UI language (BCP-47); default: the portal's.")
@click.option("--languages", default="", help="Languages read and written, comma-separated (routing); "
              "default: the desk language only.")
@click.option("--topics", default="", help="Topics covered: knowledge-base category slugs, comma-separated "
              "(routing); default: any.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@with_appcontext
def users_create(email: str, name: str, roles: tuple[str, ...], language: str | None, languages: str, topics: str,
                 password_stdin: bool) -> None:
    """Create a staff account. The password is prompted for (hidden) unless --password-stdin."""

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(db.session, email, name, password, list(roles), language, _listed(languages),
                           _listed(topics), known_topics(db.session))
    except AccountError as exc:
        db.session.rollback()
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"created user {user.id} <{user.email}> roles: {', '.join(user.roles)}; language: {user.language}"
               f"; {_skills(user)}")


def _listed(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _skills(user: User) -> str:
    return (f"reads: {', '.join(reads(user))}{'' if user.languages else ' (desk language)'}; "
            f"topics: {', '.join(user.topics or ()) or 'any'}")


@users_group.command("update")
@click.argument("email")
@click.option("--languages", default=None, help="Languages read and written, comma-separated; \"\" for the "
              "desk language only.")
@click.option("--topics", default=None, help="Topics covered (knowledge-base category slugs), comma-separated; "
              "\"\" for any.")
@with_appcontext
def users_update(email: str, languages: str | None, topics: str | None) -> None:
    """Change the languages a staff member reads and writes and the topics they cover (routing)."""

    if languages is None and topics is None:
        raise click.UsageError("nothing to change: give --languages and/or --topics")
    user = db.session.scalar(select(User).where(User.email == normalize_email(email)))
    if user is None:
        click.echo(f"error: no account has the address {email}", err=True)
        sys.exit(1)
    try:
        set_agent_skills(db.session, user, _listed(languages) if languages is not None else None,
                         _listed(topics) if topics is not None else None)
    except AccountError as exc:
        db.session.rollback()
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"updated user {user.id}; {_skills(user)}")


@users_group.command("set-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@with_appcontext
def users_set_password(email: str, password_stdin: bool) -> None:
    """Change a staff member's password; every session of theirs is signed out."""

    user = db.session.scalar(select(User).where(User.email == normalize_email(email)))
    if user is None:
        click.echo(f"error: no account has the address {email}", err=True)
        sys.exit(1)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    try:
        set_password(db.session, user, password)
    except AccountError as exc:
        db.session.rollback()
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"password changed for user {user.id}; all of their sessions were signed out")


@users_group.command("list")
@with_appcontext
def users_list() -> None:
    """List staff accounts (never their passwords)."""

    users = list_users(db.session)
    if not users:
        click.echo("no users")
    for user in users:
        state = "active" if user.active else "inactive"
        last = user.last_login_at.strftime("%Y-%m-%d %H:%M") if user.last_login_at else "never"
        click.echo(f"{user.id:>4}  {user.email}  {user.name}  [{', '.join(user.roles)}]  "
                   f"{user.language}  {state}  last sign-in: {last}; {_skills(user)}")
# --- end accounts ---


jobs_group = click.Group("jobs", help="The background job queue.")


@jobs_group.command("failed")
@with_appcontext
def jobs_failed() -> None:
    """Jobs that gave up, with their last error."""

    rows = failed_jobs(db.session)
    for job in rows:
        error = (job.last_error or "").strip().splitlines()
        click.echo(f"#{job.id} {job.kind} after {job.attempts} attempts: {error[0] if error else ''}")
    click.echo(f"{len(rows)} failed jobs")


# The commands belong to the ``portal`` command, not to the app: the CLI depends on
# the app factory, never the other way round (tests invoke ``main`` with their app).
for _command in (jobs_group, index_group, embeddings_group, kb_group, serve, worker, translations_group,
                 users_group):
    main.add_command(_command)


if __name__ == "__main__":
    main()
