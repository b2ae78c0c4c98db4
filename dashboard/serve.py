"""``csd serve``: the development server.

The application factory lives in ``app.py`` at the project root (beside this
package, which is installed in editable mode), so the command puts that folder
on ``sys.path`` before importing it. Production runs ``gunicorn app:server``
instead.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click
import dash

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def load_app_factory() -> Callable[..., dash.Dash]:
    """Return ``create_app`` from the project's ``app.py``."""
    if not (PROJECT_ROOT / "app.py").is_file():
        raise click.ClickException(
            f"app.py not found in {PROJECT_ROOT}: run from a source checkout installed with `make venv`"
        )
    if str(PROJECT_ROOT) not in sys.path:
        sys.path.insert(0, str(PROJECT_ROOT))
    from app import create_app

    return create_app


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port", default=8050, show_default=True, type=click.IntRange(1, 65535), help="TCP port."
)
@click.option("--debug", is_flag=True, help="Dash dev tools and reload on code changes.")
def serve_command(host: str, port: int, debug: bool) -> None:
    """Serve the dashboard with the development server on http://HOST:PORT."""
    create_app = load_app_factory()
    create_app().run(host=host, port=port, debug=debug)
