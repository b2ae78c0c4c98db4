"""The Customer Success Dashboard application.

``create_app(config)`` builds a fresh Flask server and Dash app; tests call it
once per test with their own configuration. ``server`` (and ``app``) are the
default application for ``gunicorn app:server``: they are built from the
environment on first access (PEP 562 module ``__getattr__``), so importing
``create_app`` from here builds nothing.

Styles come from ``assets/``, served locally (no CDN is reachable): Bootstrap
and bootstrap-icons in ``assets/1-vendor/``, the application's stylesheet in
``assets/2-app/``; Dash links them in that order.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dash
from flask import Flask

from dashboard import shell
from dashboard.api import register_api
from dashboard.auth import init_auth
from dashboard.callbacks import register_callbacks
from dashboard.scheduler import start_if_enabled

TITLE = "Customer Success Dashboard"
ASSETS_DIR = Path(__file__).resolve().parent / "assets"


def _settings_from_environment() -> dict[str, Any]:
    """The Flask settings that come from the environment (DESIGN section 2)."""
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY") or None,
        "DATABASE_URL": os.environ.get("DATABASE_URL", "").strip() or None,
    }


def create_app(config: Mapping[str, Any] | None = None) -> dash.Dash:
    """Build the Dash app and its Flask server.

    ``config`` entries override the settings read from the environment and end
    up in ``app.server.config``. Every page needs a signed-in team member and
    the API a bearer token (``dashboard.auth``, ``dashboard.api``).
    ``SECRET_KEY`` is required when ``DATABASE_URL`` is set; without either
    (local development) a key kept in ``instance/secret_key`` is used.
    """
    server = Flask(__name__)
    server.config.update(_settings_from_environment())
    server.config.update(config or {})
    init_auth(server, config)

    app = dash.Dash(
        __name__,
        server=server,
        title=TITLE,
        update_title=None,
        assets_folder=str(ASSETS_DIR),
        external_stylesheets=[],
        serve_locally=True,
        suppress_callback_exceptions=True,
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
    )
    app.layout = shell.layout
    register_callbacks(app)
    register_api(server)
    start_if_enabled(server)  # CSD_SCHEDULER=on: the daily job and report schedules
    return app


@functools.cache
def _default_app() -> dash.Dash:
    return create_app()


def __getattr__(name: str) -> Any:
    """``app`` and ``server``: the default application, built on first use."""
    if name == "app":
        return _default_app()
    if name == "server":
        return _default_app().server
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


if __name__ == "__main__":
    create_app().run(debug=True)
