"""Sign-in, sessions, API tokens and roles.

Everything the server answers needs a signed-in team member, except:

- ``/login`` and ``/logout``;
- static files under ``/assets/`` (the stylesheets and icons the sign-in page uses);
- the public API endpoints (``POST /api/auth/token``, ``/api/openapi.json``
  and ``/api/docs``, and the API's 404/405 answer for paths and methods it
  does not have), which register themselves with ``mark_public``.

A browser that is not signed in is sent to ``/login?next=...``; Dash's own
requests (``/_dash-...``, ``/_reload-hash``, ``/_favicon.ico``) and anything
that is not a page request get 401 with a JSON body instead. The API under
``/api/`` takes only ``Authorization: Bearer <token>`` (``dashboard.tokens``),
never the session cookie, so cross-site requests cannot act with a
browser's sign-in.

Roles (``scoring.enums.Role``): admins and managers may change things; viewers
(the shared screen) only read. ``current_role_can_write`` and
``require_writer`` say and enforce it for Dash callbacks and the API.

Configuration (``init_auth``):

- ``SECRET_KEY`` signs session cookies and API tokens. It is required, at
  least 32 characters, whenever ``DATABASE_URL`` is set (a deployment).
  Without ``DATABASE_URL`` (local development on the embedded SQLite database,
  as ``make run`` does) a random key is generated once and kept in
  ``instance/secret_key`` (mode 0600), so sign-ins survive restarts and
  ``csd token`` signs tokens the server accepts. With ``TESTING`` a random key
  per process is used when none is given.
- The session cookie is HttpOnly and SameSite=Lax; ``SESSION_COOKIE_SECURE``
  (environment ``SESSION_COOKIE_SECURE=1``) marks it HTTPS-only behind TLS.
  A sign-in lasts ``PERMANENT_SESSION_LIFETIME`` (default 12 hours).
- ``LOGIN_DISABLED`` (only together with ``TESTING``) lets every request in
  as an admin stand-in: for browser tests of pages that do not test sign-in.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hmac
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    g,
    redirect,
    render_template_string,
    request,
    session,
    url_for,
)
from flask_login import (
    AnonymousUserMixin,
    LoginManager,
    UserMixin,
    current_user,
    login_user,
    logout_user,
)
from werkzeug.exceptions import Forbidden

from dashboard.api.errors import API_PREFIX, error_response
from dashboard.sessions import write_session
from dashboard.settings import Settings
from dashboard.tokens import TokenError, user_id_from_token
from data.db import DEFAULT_SQLITE_PATH, database_url, normalise_url
from data.models import User
from data.repositories.users import verify_password
from scoring.enums import Role

PRODUCT_NAME = "Customer Success Dashboard"
SECRET_KEY_FILE = DEFAULT_SQLITE_PATH.parent / "secret_key"
MIN_SECRET_KEY_LENGTH = 32
DEFAULT_SESSION_HOURS = 12
WRITER_ROLES = frozenset({Role.ADMIN, Role.MANAGER})
MAX_EMAIL_LENGTH = 320
MAX_PASSWORD_LENGTH = 1024

# Paths of Dash's own requests: never a page, so 401 rather than a redirect.
_DASH_REQUEST_PREFIXES = ("/_dash-", "/_reload-hash", "/_favicon.ico")
_EXTENSION_KEY = "csd_auth"
_LOGIN_CSRF_KEY = "login_csrf"


class AppUser(UserMixin):
    """The signed-in team member: ``id``, ``email``, ``name``, ``role`` (a ``Role``) and ``active``."""

    def __init__(self, user: User) -> None:
        self.id: int = user.id
        self.email: str = user.email
        self.name: str = user.name
        self.role: Role = Role(user.role)
        self._active: bool = bool(user.active)

    @property
    def is_active(self) -> bool:
        return self._active

    @property
    def can_write(self) -> bool:
        return self.role in WRITER_ROLES

    def __repr__(self) -> str:
        return f"AppUser(id={self.id}, email={self.email!r}, role={self.role.value})"


class Guest(AnonymousUserMixin):
    """Nobody signed in: a viewer without a name (the guard keeps such requests out anyway)."""

    id = None
    email = ""
    name = ""
    role = Role.VIEWER
    can_write = False


class TestingStandIn(AnonymousUserMixin):
    """Who ``LOGIN_DISABLED`` (tests only) lets in: an admin stand-in."""

    id = None
    email = ""
    name = "Test user"
    role = Role.ADMIN
    can_write = True


class WriteForbidden(Forbidden):
    """The signed-in member's role may only read (403)."""

    description = "Your role can view the dashboard but not change it."


# --------------------------------------------------------------------------- set-up


def resolve_secret_key(config: Mapping[str, Any], *, database_configured: bool) -> str:
    """The ``SECRET_KEY`` to use: the configured one, else a development or test key (module docstring).

    Raises RuntimeError when a deployment (``database_configured``) has none or a short one.
    """
    key = config.get("SECRET_KEY") or ""
    testing = bool(config.get("TESTING"))
    if key:
        if len(key) < MIN_SECRET_KEY_LENGTH and not testing:
            raise RuntimeError(
                f"SECRET_KEY must be at least {MIN_SECRET_KEY_LENGTH} characters; generate one with "
                "python -c 'import secrets; print(secrets.token_hex(32))'"
            )
        return key
    if testing:
        return secrets.token_hex(32)
    if database_configured:
        raise RuntimeError(
            "SECRET_KEY is not set: it is required when DATABASE_URL is set; generate one with "
            "python -c 'import secrets; print(secrets.token_hex(32))'"
        )
    return development_secret_key()


def development_secret_key(path: Path = SECRET_KEY_FILE) -> str:
    """The key kept in ``instance/secret_key``, created (mode 0600) by the first process that needs it."""
    try:
        existing = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        existing = ""
    if existing:
        return existing
    path.parent.mkdir(parents=True, exist_ok=True)
    candidate = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(32) + "\n")
        with contextlib.suppress(FileExistsError):
            os.link(candidate, path)  # atomic, and fails if another process got there first
    finally:
        candidate.unlink(missing_ok=True)
    return path.read_text(encoding="ascii").strip()


def secret_key_from_environment() -> str:
    """The key ``create_app`` would use with the environment's settings (for ``csd token``)."""
    configured = Settings.from_environ()
    return resolve_secret_key(
        {"SECRET_KEY": configured.secret_key or ""},
        database_configured=bool(configured.database_url),
    )


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
        server.config["SESSION_COOKIE_SECURE"] = Settings.from_environ().session_cookie_secure

    manager = LoginManager()
    manager.anonymous_user = TestingStandIn if server.config.get("LOGIN_DISABLED") else Guest
    manager.session_protection = "basic"
    manager.user_loader(_load_user)
    manager.init_app(server)

    server.extensions[_EXTENSION_KEY] = {"public": set()}
    blueprint = Blueprint("auth", __name__)
    blueprint.add_url_rule("/login", "login", login, methods=["GET", "POST"])
    blueprint.add_url_rule("/logout", "logout", logout, methods=["GET", "POST"])
    server.register_blueprint(blueprint)
    mark_public(server, "auth.login", "auth.logout", "_dash_assets.static")
    server.before_request(_guard)


def mark_public(server: Flask, *endpoints: str) -> None:
    """Let anyone reach these endpoints (by endpoint name), signed in or not."""
    server.extensions[_EXTENSION_KEY]["public"].update(endpoints)


def public_endpoints(server: Flask) -> frozenset[str]:
    """The endpoints anyone may reach."""
    return frozenset(server.extensions[_EXTENSION_KEY]["public"])


# --------------------------------------------------------------------------- sessions and users


def _load_user(user_id: str) -> AppUser | None:
    if not user_id.isdigit() or len(user_id) > 12:
        return None
    with write_session() as db:
        user = db.get(User, int(user_id))
        return AppUser(user) if user is not None and user.active else None


def signed_in_user() -> AppUser | TestingStandIn | None:
    """Who makes the current request: the API token's user, else the session's; None when nobody."""
    api_user = g.get("api_user")
    if api_user is not None:
        return api_user
    user = current_user._get_current_object()
    if isinstance(user, AppUser | TestingStandIn):
        return user
    return None


def current_role_can_write() -> bool:
    """Whether whoever makes the current request may change things (admins and managers)."""
    user = signed_in_user()
    return user is not None and user.can_write


def require_writer() -> None:
    """Refuse (403) unless whoever makes the current request may change things."""
    if not current_role_can_write():
        raise WriteForbidden()


# --------------------------------------------------------------------------- the guard


def _guard() -> Response | None:
    """Refuse every request that is neither public nor made by a signed-in member (module docstring)."""
    if request.endpoint in public_endpoints(current_app):
        return None
    if request.path.startswith(API_PREFIX):
        return _bearer_guard()
    if current_user.is_authenticated or current_app.config.get("LOGIN_DISABLED"):
        return None
    if _is_page_request():
        return redirect(url_for("auth.login", next=_requested_path()))
    return error_response(401, "Sign in to use the dashboard.", code="unauthorized")


def _is_page_request() -> bool:
    if request.method not in ("GET", "HEAD"):
        return False
    if request.path.startswith(_DASH_REQUEST_PREFIXES):
        return False
    if request.headers.get("X-Requested-With", "").lower() == "xmlhttprequest":
        return False
    accept = request.accept_mimetypes
    return accept.accept_html or not accept


def _requested_path() -> str:
    query = request.query_string.decode("latin-1")
    return request.path + (f"?{query}" if query else "")


def _bearer_guard() -> Response | None:
    """Let an API request in when it carries a valid bearer token of an active member."""
    if current_app.config.get("LOGIN_DISABLED"):
        g.api_user = TestingStandIn()
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        return _unauthorized(
            "unauthorized", "Send Authorization: Bearer <token>; get one from POST /api/auth/token."
        )
    if scheme.lower() != "bearer" or not token.strip():
        return _unauthorized("invalid_token", "The Authorization header must be: Bearer <token>.")
    try:
        user_id = user_id_from_token(token.strip(), secret_key=current_app.config["SECRET_KEY"])
    except TokenError as exc:
        code = "token_expired" if exc.reason == "expired" else "invalid_token"
        return _unauthorized(code, exc.message)
    user = _load_user(str(user_id))
    if user is None:
        return _unauthorized(
            "invalid_token", "The bearer token's user is not an active team member."
        )
    g.api_user = user
    return None


def _unauthorized(code: str, message: str) -> Response:
    challenge = (
        'Bearer realm="api"'
        if code == "unauthorized"
        else 'Bearer realm="api", error="invalid_token"'
    )
    return error_response(401, message, code=code, headers={"WWW-Authenticate": challenge})


# --------------------------------------------------------------------------- pages


def safe_next(target: str | None) -> str:
    """``target`` when it is a path on this site, else ``/`` (never a redirect elsewhere)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(ch) < 32 for ch in target):
        return "/"
    return target


def login() -> Response | str | tuple[str, int]:
    """The sign-in page (GET) and the sign-in itself (POST)."""
    next_path = safe_next(request.values.get("next"))
    if current_user.is_authenticated:
        return redirect(next_path)
    if request.method == "GET":
        return _login_page(next_path)

    email = request.form.get("email", "").strip()
    password = request.form.get("password", "")
    expected = session.pop(_LOGIN_CSRF_KEY, None)
    sent = request.form.get("csrf_token", "")
    if not expected or not hmac.compare_digest(str(expected), sent):
        return _login_page(next_path, email, "The sign-in form had expired. Please try again."), 400
    if not email or not password:
        return _login_page(next_path, email, "Enter your email and password."), 400
    user = None
    if len(email) <= MAX_EMAIL_LENGTH and len(password) <= MAX_PASSWORD_LENGTH:
        with write_session() as db:
            found = verify_password(db, email, password)
            user = AppUser(found) if found is not None else None
    if user is None:
        return _login_page(next_path, email, "The email or password is not correct."), 401
    session.clear()  # a fresh session: nothing from before the sign-in carries over
    login_user(user)
    session.permanent = True
    return redirect(next_path)


def logout() -> Response:
    """Sign out and go back to the sign-in page."""
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


def _login_page(next_path: str, email: str = "", error: str | None = None) -> str:
    token = secrets.token_urlsafe(32)
    session[_LOGIN_CSRF_KEY] = token
    return render_template_string(
        LOGIN_TEMPLATE,
        product=PRODUCT_NAME,
        csrf_token=token,
        next_path=next_path,
        email=email,
        error=error,
        asset=lambda name: url_for("_dash_assets.static", filename=name),
    )


LOGIN_TEMPLATE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Sign in · {{ product }}</title>
  <link rel="icon" href="{{ asset('favicon.ico') }}">
  <link rel="stylesheet" href="{{ asset('1-vendor/bootstrap/bootstrap.min.css') }}">
  <link rel="stylesheet" href="{{ asset('1-vendor/bootstrap-icons/bootstrap-icons.min.css') }}">
  <link rel="stylesheet" href="{{ asset('2-app/app.css') }}">
</head>
<body>
  <div class="app-root">
    <nav class="navbar navbar-dark bg-primary app-navbar">
      <div class="container-fluid">
        <span class="navbar-brand"><i class="bi bi-heart-pulse-fill" aria-hidden="true"></i>{{ product }}</span>
      </div>
    </nav>
    <main class="container app-main py-5">
      <div class="row justify-content-center">
        <div class="col-12 col-sm-9 col-md-7 col-lg-5 col-xl-4">
          <div class="card">
            <div class="card-body p-4">
              <h1 class="page-title h3 mb-1">{{ product }}</h1>
              <p class="page-subtitle mb-4">Sign in with your team account.</p>
              {% if error %}
              <div class="alert alert-danger d-flex align-items-center gap-2" role="alert" id="login-error">
                <i class="bi bi-exclamation-triangle-fill" aria-hidden="true"></i><span>{{ error }}</span>
              </div>
              {% endif %}
              <form method="post" action="{{ url_for('auth.login') }}" id="login-form">
                <input type="hidden" name="csrf_token" value="{{ csrf_token }}">
                <input type="hidden" name="next" value="{{ next_path }}">
                <div class="mb-3">
                  <label class="form-label" for="email">Email</label>
                  <input class="form-control" type="email" id="email" name="email" value="{{ email }}"
                         autocomplete="username" maxlength="320" required {% if not email %}autofocus{% endif %}>
                </div>
                <div class="mb-4">
                  <label class="form-label" for="password">Password</label>
                  <input class="form-control" type="password" id="password" name="password"
                         autocomplete="current-password" required {% if email %}autofocus{% endif %}>
                </div>
                <button class="btn btn-primary w-100" type="submit" id="login-submit">
                  <i class="bi bi-box-arrow-in-right me-1" aria-hidden="true"></i>Sign in
                </button>
              </form>
            </div>
          </div>
          <p class="text-body-secondary small text-center mt-3 mb-0">
            No account yet? Ask an admin of your team to add you.
          </p>
        </div>
      </div>
    </main>
  </div>
</body>
</html>
"""
