"""The ``portal`` command: ``portal kb import DIR``, ``portal db upgrade``, ``portal serve``...

Built on Flask's CLI so every command runs inside an app context made by
:func:`portal.create_app` (configuration from the environment / ``PORTAL_CONFIG``).
"""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext


def _create_app(*_args, **_kwargs) -> Flask:
    from portal import create_app

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
    from portal.db import db
    from portal.kb.transfer import import_directory

    report = import_directory(db.session, directory)
    for key in report.created if verbose else ():
        click.echo(f"created  {key}")
    for key in report.updated:
        click.echo(f"updated  {key}")
    for path, reason in report.errors:
        click.echo(f"rejected {path}: {reason}", err=True)
    click.echo(f"{report.summary()} in {report.seconds:.2f} s")
    if report.errors and not report.changed and not report.unchanged:
        sys.exit(1)


@kb_group.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--include-machine", is_flag=True, help="Also export machine translations.")
@with_appcontext
def kb_export(directory: Path, include_machine: bool) -> None:
    """Write every article version to DIRECTORY/<slug>/<lang>.md."""
    from portal.db import db
    from portal.kb.transfer import export_directory

    written = export_directory(db.session, directory, include_machine=include_machine)
    click.echo(f"{written} files written to {directory}")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def serve(host: str, port: int) -> None:
    """Serve the portal with a threaded development server (use gunicorn in production)."""
    from werkzeug.serving import run_simple

    click.echo(f"Serving the help portal on http://{host}:{port}/")
    run_simple(host, port, current_app._get_current_object(), threaded=True, use_reloader=False)


def register_cli(app: Flask) -> None:
    app.cli.add_command(kb_group)
    app.cli.add_command(serve)
