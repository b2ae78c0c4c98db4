"""``init_auth(server)``: sessions, the sign-in pages and the guard on every route of the Flask server.

Configuration:


- ``SECRET_KEY`` signs session cookies and API tokens. It is required, at
  least 32 characters, whenever ``DATABASE_URL`` is set (a deployment).
  Without ``DATABASE_URL`` (local development on the embedded SQLite database,
  as ``make run`` does) a random key is generated once and kept in
  ``instance/secret_key`` (mode 0600), so sign-ins survive restarts and
  ``csd token`` signs tokens the server accepts. With ``TESTING`` a random key
  per process is used when none is given.
- The session cookie is HttpOnly and SameSite=Lax, and ``Secure`` (sent over
  HTTPS only) whenever ``DATABASE_URL`` is set, that is in a deployment; a
  deployment served over plain HTTP on purpose (a local trial) opts out with
  ``SESSION_COOKIE_SECURE=0``. Without ``DATABASE_URL`` (``make run``) it is
  not Secure unless ``SESSION_COOKIE_SECURE=1``.
  A sign-in lasts ``PERMANENT_SESSION_LIFETIME`` (default 12 hours).
- ``LOGIN_DISABLED`` (only together with ``TESTING``) lets every request in
  as an admin stand-in: for browser tests of pages that do not test sign-in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from flask import (
    Blueprint,
    Flask,
)
from flask_login import (
    LoginManager,
)

from dashboard.auth.guard import EXTENSION_KEY, guard_request, mark_public
from dashboard.auth.login import login, logout
from dashboard.auth.members import Guest, TestingStandIn, load_member
from dashboard.auth.secret_key import resolve_secret_key
from dashboard.settings import Settings
from data.db import database_url, normalise_url

DEFAULT_SESSION_HOURS = 12


def init_auth(server: Flask, config: Mapping[str, Any] | None = None) -> None:
    """Set up sessions, the sign-in pages and the guard on every route of ``server``.

    ``config`` holds the caller's explicit settings (``create_app``'s
    overrides); they win over ``server.config`` (which already holds the
    environment's). Whether ``DATABASE_URL`` is set decides whether
    ``SECRET_KEY`` is required.
    """
    given = dict(config or {})
    settings = dict(server.config) | given
    configured_url = settings.get("DATABASE_URL")
    server.config["SECRET_KEY"] = resolve_secret_key(
        settings, database_configured=bool(configured_url)
    )
    server.config["DATABASE_URL"] = (
        normalise_url(configured_url) if configured_url else database_url()
    )
    if server.config.get("LOGIN_DISABLED") and not server.config.get("TESTING"):
        raise RuntimeError("LOGIN_DISABLED is only allowed together with TESTING")

    server.config["SESSION_COOKIE_HTTPONLY"] = True
    server.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    if "PERMANENT_SESSION_LIFETIME" not in given:
        server.config["PERMANENT_SESSION_LIFETIME"] = dt.timedelta(hours=DEFAULT_SESSION_HOURS)
    if "SESSION_COOKIE_SECURE" not in given:
        server.config["SESSION_COOKIE_SECURE"] = Settings.from_environ(
            overrides={"DATABASE_URL": configured_url}
        ).session_cookie_secure

    manager = LoginManager()
    manager.anonymous_user = TestingStandIn if server.config.get("LOGIN_DISABLED") else Guest
    manager.session_protection = "basic"
    manager.user_loader(load_member)
    manager.init_app(server)

    server.extensions[EXTENSION_KEY] = {"public": set()}
    blueprint = Blueprint("auth", __name__)
    blueprint.add_url_rule("/login", "login", login, methods=["GET", "POST"])
    blueprint.add_url_rule("/logout", "logout", logout, methods=["GET", "POST"])
    server.register_blueprint(blueprint)
    mark_public(server, "auth.login", "auth.logout", "_dash_assets.static")
    server.before_request(guard_request)
