"""``csd serve``: the development server.

Production runs ``gunicorn 'app:create_server()'`` instead (README).
"""

from __future__ import annotations

import click


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port", default=8050, show_default=True, type=click.IntRange(1, 65535), help="TCP port."
)
@click.option("--debug", is_flag=True, help="Dash dev tools and reload on code changes.")
def serve_command(host: str, port: int, debug: bool) -> None:
    """Serve the dashboard with the development server on http://HOST:PORT."""
    from dashboard.application import create_app

    create_app().run(host=host, port=port, debug=debug)
