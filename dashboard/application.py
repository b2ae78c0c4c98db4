"""The application factory: ``create_app(config)`` builds a fresh Flask server and Dash app.

Tests call it once per test with their own configuration; ``csd serve`` and
gunicorn (``gunicorn 'app:create_server()'``, through ``app.py``) call it once
per process. Importing this module builds nothing.

Styles come from ``assets/``, served locally (no CDN is reachable): Bootstrap
and bootstrap-icons in ``assets/1-vendor/``, the application's stylesheet in
``assets/2-app/``; Dash links them in that order.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dash
from flask import Flask

from dashboard.api import API_BLUEPRINT, register_api
from dashboard.api.token_endpoint import issue_api_token
from dashboard.auth.server import init_auth
from dashboard.auth.throttle import init_sign_in_limits
from dashboard.callbacks import register_callbacks
from dashboard.security_headers import init_security_headers
from dashboard.services.scheduler import start_if_enabled
from dashboard.settings import init_settings
from dashboard.shell import layout as shell_layout

TITLE = "Customer Success Dashboard"
ASSETS_DIR = Path(__file__).resolve().parents[1] / "assets"
# No request body of any route may be larger (the API's and the sign-in's are smaller still).
MAX_REQUEST_BYTES = 16 * 1024 * 1024


def create_app(config: Mapping[str, Any] | None = None) -> dash.Dash:
    """Build the Dash app and its Flask server.

    ``config`` entries override the settings read from the environment and end
    up in ``app.server.config``. Every page needs a signed-in team member and
    the API a bearer token (``dashboard.auth``, ``dashboard.api``).
    ``SECRET_KEY`` is required when ``DATABASE_URL`` is set; without either
    (local development) a key kept in ``instance/secret_key`` is used.
    """
    server = Flask(__name__)
    settings = init_settings(server, config)
    server.config.update({"SECRET_KEY": settings.secret_key, "DATABASE_URL": settings.database_url})
    server.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
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
    app.layout = shell_layout.layout
    register_callbacks(app)
    register_api(server)
    init_sign_in_limits(
        server, settings, "auth.login", f"{API_BLUEPRINT}.{issue_api_token.__name__}"
    )
    init_security_headers(app)
    start_if_enabled(server)  # CSD_SCHEDULER=on: the daily job and report schedules
    return app


def create_server(config: Mapping[str, Any] | None = None) -> Flask:
    """The WSGI application of ``create_app(config)``: what gunicorn serves."""
    return create_app(config).server
