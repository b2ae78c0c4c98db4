"""The ``csd`` command line (DESIGN 3): operational tasks against ``DATABASE_URL``.

Every command exits non-zero with a one-line error on bad input and writes
nothing when it fails: each works in one transaction (``session_scope``).
``csd --debug`` shows the traceback of an unexpected error instead.

Adding a command: write it with ``@click.command(...)`` in its own module and
register it here, either eagerly with ``main.add_command(command)`` or
lazily with ``main.add_lazy_command("name", "package.module:attribute")``,
which imports the module only when that command runs or ``--help`` lists it
(so ``csd import`` never pays for importing Dash).
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import click
from sqlalchemy.exc import SQLAlchemyError

from data.db import (
    current_revision,
    database_url,
    display_url,
    schema_is_current,
    session_scope,
    upgrade_database,
)
from data.importer import IMPORT_KINDS, CsvImportError, import_csv
from data.repositories.users import UserError, create_user, generate_password
from scoring.enums import Role

from .progress import bars


class CsdGroup(click.Group):
    """A click group with lazily imported commands, turning failures into one-line errors."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands: dict[str, str] = {}

    def add_lazy_command(self, name: str, target: str) -> None:
        """Register command ``name`` as ``"module:attribute"``, imported on first use."""
        self.lazy_commands[name] = target

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy_commands:
            target = self.lazy_commands[cmd_name]
            module_name, _, attribute = target.partition(":")
            try:
                command = getattr(importlib.import_module(module_name), attribute)
            except (ImportError, AttributeError) as exc:
                raise click.ClickException(
                    f"command {cmd_name} ({target}) cannot be loaded: {exc}"
                ) from None
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:
            if ctx.params.get("debug"):
                raise
            kind = "database error" if isinstance(exc, SQLAlchemyError) else type(exc).__name__
            raise click.ClickException(f"{kind}: {first_line(exc)}") from None


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (SQLAlchemy's carry the SQL on later lines)."""
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def require_current_schema(url: str) -> None:
    """Fail with a one-line error unless the database schema is at the newest revision."""
    if not schema_is_current(url):
        raise click.ClickException(
            f"the database at {display_url(url)} is not initialised or is out of date; "
            "run `csd init-db` first"
        )


@click.group(cls=CsdGroup)
@click.option(
    "--debug", is_flag=True, envvar="CSD_DEBUG", help="Show tracebacks of unexpected errors."
)
@click.version_option(package_name="customer-success-dashboard", prog_name="csd")
def main(debug: bool) -> None:
    """Customer Success Dashboard: operational commands against DATABASE_URL."""


@main.command("init-db")
def init_db() -> None:
    """Create or migrate the database schema (safe to rerun)."""
    url = database_url()
    before = current_revision(url)
    revision = upgrade_database(url)
    if before == revision:
        click.echo(f"Database {display_url(url)} is up to date (revision {revision}).")
    else:
        click.echo(f"Database {display_url(url)} migrated to revision {revision}.")


@main.command("create-user")
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


@main.command("import")
@click.argument("kind", type=click.Choice(IMPORT_KINDS))
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def import_command(kind: str, file: Path) -> None:
    """Import a CSV FILE of KIND: all rows, or none when any row is bad.

    On a terminal, a progress bar shows reading, checking and writing.
    """
    url = database_url()
    require_current_schema(url)
    try:
        with session_scope(url) as session, bars() as progress:
            summary = import_csv(session, kind, file, progress=progress)
    except CsvImportError as exc:
        for line in exc.report():
            click.echo(line, err=True)
        raise click.ClickException(str(exc)) from None
    click.echo(summary.describe())


main.add_lazy_command("seed-demo", "dashboard.cli_jobs:seed_demo_command")
main.add_lazy_command("demo-admin", "dashboard.cli_jobs:demo_admin_command")
main.add_lazy_command("score", "dashboard.cli_jobs:score_command")
main.add_lazy_command("token", "dashboard.cli_token:token_command")
main.add_lazy_command("serve", "dashboard.serve:serve_command")
main.add_lazy_command("report", "dashboard.cli_report:report_command")
main.add_lazy_command("send-test-mail", "dashboard.cli_report:send_test_mail_command")
main.add_lazy_command("run-schedules", "dashboard.cli_report:run_schedules_command")
main.add_lazy_command("daily-job", "dashboard.cli_report:daily_job_command")
