"""The ``csd`` group: lazily imported commands, failures as one-line errors.

``csd --debug`` shows the traceback of an unexpected error instead.
"""

from __future__ import annotations

import importlib

import click
from sqlalchemy.exc import SQLAlchemyError

from dashboard.formatting import first_line
from data.db import display_url, schema_is_current


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
