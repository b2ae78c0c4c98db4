"""The sign-in and sign-out pages (``/login``, ``/logout``)."""

from __future__ import annotations

import hmac
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

from dashboard.auth.members import AppUser
from dashboard.sessions import write_session
from data.repositories.users import verify_password

PRODUCT_NAME = "Customer Success Dashboard"


MAX_EMAIL_LENGTH = 320


MAX_PASSWORD_LENGTH = 1024


_LOGIN_CSRF_KEY = "login_csrf"


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
