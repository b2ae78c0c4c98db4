"""``csd serve``: the development server.

Production runs ``gunicorn 'app:create_server()'`` instead (README).
"""

from __future__ import annotations

import ipaddress

import click

LOOPBACK_NAMES = ("localhost",)


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this machine only."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port", default=8050, show_default=True, type=click.IntRange(1, 65535), help="TCP port."
)
@click.option(
    "--debug",
    is_flag=True,
    help="Dash dev tools and reload on code changes (loopback hosts only).",
)
def serve_command(host: str, port: int, debug: bool) -> None:
    """Serve the dashboard with the development server on http://HOST:PORT.

    ``--debug`` runs Werkzeug's debugger, which executes code typed in the
    browser: it is refused unless HOST is a loopback address.
    """
    from dashboard.application import create_app

    if debug and not is_loopback(host):
        raise click.UsageError(
            f"--debug runs a debugger that executes code from the browser; it is only allowed "
            f"on a loopback host (127.0.0.1, ::1, localhost), not {host}."
        )
    create_app().run(host=host, port=port, debug=debug)
