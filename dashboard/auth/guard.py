"""The guard in front of every route: public endpoints, the signed-in browser, the API's bearer token.

Everything the server answers needs a signed-in team member, except:

- ``/login`` and ``/logout``;
- static files under ``/assets/`` (the stylesheets and icons the sign-in page uses);
- the public API endpoints (``POST /api/auth/token``, ``/api/openapi.json``
  and ``/api/docs``, and the API's 404/405 answer for paths and methods it
  does not have), which register themselves with ``mark_public``.

A browser that is not signed in is sent to ``/login?next=...``; Dash's own
requests (``/_dash-...``, ``/_reload-hash``, ``/_favicon.ico``) and anything
that is not a page request get 401 with a JSON body instead. The API under
``/api/`` takes only ``Authorization: Bearer <token>`` (a signed token of
``dashboard.auth.tokens``, or an API key of ``data.repositories.api_keys``,
looked up on every request so a revoked key stops at once), never the session cookie, so cross-site requests cannot act with a
browser's sign-in.
"""

from __future__ import annotations

from flask import (
    Flask,
    Response,
    current_app,
    g,
    redirect,
    request,
    url_for,
)
from flask_login import (
    current_user,
)

from dashboard.api.errors import API_PREFIX, error_response
from dashboard.auth.members import TestingStandIn, load_key_holder, load_member
from dashboard.auth.tokens import TokenError, user_id_from_token
from data.repositories.api_keys import is_api_key

# Paths of Dash's own requests: never a page, so 401 rather than a redirect.
_DASH_REQUEST_PREFIXES = ("/_dash-", "/_reload-hash", "/_favicon.ico")


EXTENSION_KEY = "csd_auth"


def mark_public(server: Flask, *endpoints: str) -> None:
    """Let anyone reach these endpoints (by endpoint name), signed in or not."""
    server.extensions[EXTENSION_KEY]["public"].update(endpoints)


def public_endpoints(server: Flask) -> frozenset[str]:
    """The endpoints anyone may reach."""
    return frozenset(server.extensions[EXTENSION_KEY]["public"])


def guard_request() -> Response | None:
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
    token = token.strip()
    if is_api_key(token):
        holder = load_key_holder(token)
        if holder is None:
            return _unauthorized(
                "invalid_token", "The API key is not valid: it is unknown, revoked or expired."
            )
        g.api_user = holder
        return None
    try:
        user_id = user_id_from_token(token, secret_key=current_app.config["SECRET_KEY"])
    except TokenError as exc:
        code = "token_expired" if exc.reason == "expired" else "invalid_token"
        return _unauthorized(code, exc.message)
    user = load_member(str(user_id))
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
