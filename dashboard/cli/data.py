"""``csd init-db``, ``csd create-user`` and ``csd import``: the database, the team and the book."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

import click

from data.db import current_revision, database_url, display_url, session_scope, upgrade_database
from data.importer import IMPORT_KINDS, CsvImportError, import_csv
from data.models import ImportVia
from data.repositories.imports import record_import
from data.repositories.users import UserError, create_user, generate_password
from scoring.enums import Role

from .group import require_current_schema
from .progress import bars


@click.command("init-db")
def init_db() -> None:
    """Create or migrate the database schema (safe to rerun)."""
    url = database_url()
    before = current_revision(url)
    revision = upgrade_database(url)
    if before == revision:
        click.echo(f"Database {display_url(url)} is up to date (revision {revision}).")
    else:
        click.echo(f"Database {display_url(url)} migrated to revision {revision}.")


@click.command("create-user")
@click.argument("email")
@click.option("--name", required=True, help="The member's name as the team sees it.")
@click.option(
    "--role",
    required=True,
    type=click.Choice([role.value for role in Role]),
    help="admin: everything; manager: all but user admin; viewer: read only.",
)
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input (else one is generated).",
)
def create_user_command(email: str, name: str, role: str, password_stdin: bool) -> None:
    """Add a team member who can sign in with EMAIL."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise click.ClickException("no password on standard input")
    else:
        password = generate_password()
    url = database_url()
    require_current_schema(url)
    with session_scope(url) as session:
        try:
            user = create_user(session, email, name=name, role=role, password=password)
        except UserError as exc:
            raise click.ClickException(str(exc)) from None
        user_id, stored_email = user.id, user.email
    click.echo(f"Created {role} {stored_email} (user id {user_id}).")
    if not password_stdin:
        click.echo(f"Password (shown only now): {password}")


def _shell_user() -> str:
    """Who runs the command, for the import history: the shell's user name when it has one."""
    try:
        return f"command line ({getpass.getuser()})"
    except (KeyError, OSError):  # no user name in the environment or the password database
        return "command line"


@click.command("import")
@click.argument("kind", type=click.Choice(IMPORT_KINDS))
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def import_command(kind: str, file: Path) -> None:
    """Import a CSV FILE of KIND: all rows, or none when any row is bad.

    On a terminal, a progress bar shows reading, checking and writing. The
    import (or its refusal) is added to the import history the app lists.
    """
    url = database_url()
    require_current_schema(url)
    actor = _shell_user()
    history = {"via": ImportVia.COMMAND_LINE, "kind": kind, "source": file.name, "actor": actor}
    try:
        with session_scope(url) as session, bars() as progress:
            summary = import_csv(session, kind, file, progress=progress)
            record_import(
                session,
                **history,
                rows=summary.rows,
                rows_added=summary.inserted,
                rows_already_present=summary.already_present,
            )
    except CsvImportError as exc:
        with session_scope(url) as session:
            record_import(session, **history, problems=len(exc.details))
        for line in exc.report():
            click.echo(line, err=True)
        raise click.ClickException(str(exc)) from None
    click.echo(summary.describe())
