"""The sign-in and sign-out pages (``/login``, ``/logout``)."""

from __future__ import annotations

import functools
import hmac
import logging
import secrets
from urllib.parse import urlsplit

from flask import (
    Response,
    redirect,
    render_template_string,
    request,
    session,
    url_for,
)
from flask_login import (
    current_user,
    login_user,
    logout_user,
)
from markupsafe import Markup

from dashboard.auth.audit import audit
from dashboard.auth.members import AppUser
from dashboard.sessions import write_session
from data.models import AuditAction
from data.repositories.users import verify_password

log = logging.getLogger(__name__)

PRODUCT_NAME = "Customer Success Dashboard"


MAX_EMAIL_LENGTH = 320


MAX_PASSWORD_LENGTH = 1024


_LOGIN_CSRF_KEY = "login_csrf"
_SESSION_CSRF_KEY = "csrf_token"
# The sign-in form is small: a larger body is refused (413) before it is read.
MAX_LOGIN_BODY_BYTES = 16 * 1024


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
    request.max_content_length = MAX_LOGIN_BODY_BYTES
    next_path = safe_next(request.values.get("next"))
    if current_user.is_authenticated:
        return redirect(next_path)
    if request.method == "GET":
        return _login_page(next_path)

    email = request.form.get("email", "").strip()
    password = request.form.get("password", "")
    expected = session.pop(_LOGIN_CSRF_KEY, None)
    if not tokens_match(expected, request.form.get("csrf_token", "")):
        return _login_page(next_path, email, "The sign-in form had expired. Please try again."), 400
    if not email or not password:
        return _login_page(next_path, email, "Enter your email and password."), 400
    if "\x00" in email or "\x00" in password:
        return _login_page(next_path, "", "The email or password holds a character that is not allowed."), 400
    user = None
    if len(email) <= MAX_EMAIL_LENGTH and len(password) <= MAX_PASSWORD_LENGTH:
        with write_session() as db:
            found = verify_password(db, email, password)
            user = AppUser(found) if found is not None else None
    if user is None:
        log.warning("sign-in failed for %r from %s", email, request.remote_addr)
        audit(AuditAction.SIGN_IN_FAILED, actor=email, detail="wrong email or password")
        return _login_page(next_path, email, "The email or password is not correct."), 401
    session.clear()  # a fresh session: nothing from before the sign-in carries over
    login_user(user)
    session.permanent = True
    audit(AuditAction.SIGN_IN, actor_id=user.id, actor=user.email, detail="sign-in form")
    return redirect(next_path)


def tokens_match(expected: object, sent: str) -> bool:
    """Whether a form's CSRF token is the one the session holds (compared as bytes, in constant time)."""
    if not expected:
        return False
    return hmac.compare_digest(str(expected).encode(), sent.encode("utf-8", "surrogatepass"))


def session_csrf_token() -> str:
    """The CSRF token of this session's forms other than sign-in (sign-out), made on first use."""
    token = session.get(_SESSION_CSRF_KEY)
    if not token:
        token = session[_SESSION_CSRF_KEY] = secrets.token_urlsafe(32)
    return str(token)


def logout() -> Response | str | tuple[str, int]:
    """Sign out (POST with the session's CSRF token) and go back to the sign-in page.

    A GET (a bookmarked or typed link) asks first, with a button that posts:
    a page of another site can neither sign the meeting screen out by a link
    nor post the form without the token.
    """
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    if request.method == "GET":
        return _logout_page()
    if not tokens_match(session.get(_SESSION_CSRF_KEY), request.form.get("csrf_token", "")):
        return _logout_page("The sign-out form had expired. Please try again."), 400
    audit(AuditAction.SIGN_OUT)
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


def _logout_page(error: str | None = None) -> str:
    name = getattr(current_user, "name", "") or "a team member"
    return _card_page(
        "Sign out",
        "Sign out?",
        f"You are signed in as {name}. Signing out ends your session in this browser.",
        LOGOUT_FORM,
        error=error,
        error_id="logout-error",
        csrf_token=session_csrf_token(),
    )


def _card_page(
    title: str,
    heading: str,
    subtitle: str,
    form: str,
    *,
    error: str | None,
    error_id: str,
    footer: str = "",
    **form_values: object,
) -> str:
    """A page of ``CARD_PAGE`` around ``form`` (a template, given ``form_values``)."""
    asset = functools.partial(url_for, "_dash_assets.static")
    body = Markup(render_template_string(form, **form_values))  # rendered, and escaped, already
    return render_template_string(
        CARD_PAGE,
        title=title,
        product=PRODUCT_NAME,
        heading=heading,
        subtitle=subtitle,
        error=error,
        error_id=error_id,
        footer=footer,
        body=body,
        asset=lambda name: asset(filename=name),
    )


def refused_page(message: str) -> str:
    """The sign-in page of a refused attempt (too many of them), with ``message`` and the email typed."""
    return _login_page(
        safe_next(request.values.get("next")), request.form.get("email", "").strip(), message
    )


def _login_page(next_path: str, email: str = "", error: str | None = None) -> str:
    token = secrets.token_urlsafe(32)
    session[_LOGIN_CSRF_KEY] = token
    return _card_page(
        "Sign in",
        PRODUCT_NAME,
        "Sign in with your team account.",
        LOGIN_FORM,
        error=error,
        error_id="login-error",
        footer="No account yet? Ask an admin of your team to add you.",
        csrf_token=token,
        next_path=next_path,
        email=email,
    )


# The frame of the sign-in and sign-out pages: the product's navbar and one card.
CARD_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{{ title }} · {{ product }}</title>
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
              <h1 class="page-title h3 mb-1">{{ heading }}</h1>
              <p class="page-subtitle mb-4">{{ subtitle }}</p>
              {% if error %}
              <div class="alert alert-danger d-flex align-items-center gap-2" role="alert" id="{{ error_id }}">
                <i class="bi bi-exclamation-triangle-fill" aria-hidden="true"></i><span>{{ error }}</span>
              </div>
              {% endif %}
              {{ body }}
            </div>
          </div>
          {% if footer %}
          <p class="text-body-secondary small text-center mt-3 mb-0">{{ footer }}</p>
          {% endif %}
        </div>
      </div>
    </main>
  </div>
</body>
</html>
"""

LOGIN_FORM = """
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
              </form>"""

LOGOUT_FORM = """
              <form method="post" action="{{ url_for('auth.logout') }}" id="logout-form" class="d-flex flex-wrap gap-2">
                <input type="hidden" name="csrf_token" value="{{ csrf_token }}">
                <button class="btn btn-primary text-nowrap" type="submit" id="logout-submit">
                  <i class="bi bi-box-arrow-right me-1" aria-hidden="true"></i>Sign out
                </button>
                <a class="btn btn-outline-secondary text-nowrap" href="/">Back to the dashboard</a>
              </form>"""
