"""Limits on password guessing: the sign-in form and ``POST /api/auth/token``.

Flask-Limiter counts sign-in attempts in a moving window, for both ways in
together:

- per account (the email as typed, lower-cased, whether or not it exists):
  ``ACCOUNT_LIMIT``, 10 attempts in 5 minutes;
- per address (the connecting address): ``ADDRESS_LIMIT``, 30 in 5 minutes,
  so one machine cannot try many accounts either, while a team behind one
  office address still signs in.

Decisions:

- Every attempt counts, a successful one too. A count taken before the
  password is checked cannot be outrun by many requests at once (a count of
  failures only, taken after the check, lets every request already in flight
  through); a person signs in a few times a day, far below the limit.
- Past a limit the request is answered 429 with ``Retry-After`` (seconds)
  before any password is checked, so a guessing run also stops costing a
  worker a password hash per try: the form says how long to wait, the API
  answers its JSON error. Once the window has moved on, the right password
  works again; nothing is locked for longer.
- The counts are kept where every worker sees them: in Redis when
  ``REDIS_URL`` is set, else in the app's database
  (``data.repositories.rate_limits``), so the limit holds with any number of
  workers and needs nothing installed.
- Failed sign-ins are logged with the email and the address, never the
  password; so are refusals.
- The address is the connecting one (``request.remote_addr``). Behind a
  reverse proxy every request comes from the proxy: set
  ``CSD_TRUSTED_PROXIES`` to the number of proxies in front of the app, and
  the address is read from their ``X-Forwarded-For``.
"""

from __future__ import annotations

import logging
import math

from flask import Flask, Response, request
from flask_limiter import Limiter, RequestLimit
from werkzeug.middleware.proxy_fix import ProxyFix

from dashboard.api.errors import error_response, is_api_request
from dashboard.auth.audit import audit
from dashboard.auth.login import MAX_LOGIN_BODY_BYTES, refused_page
from dashboard.settings import Settings
from data.models import AuditAction
from data.repositories import rate_limits

log = logging.getLogger(__name__)

ACCOUNT_LIMIT = "10 per 5 minutes"
ADDRESS_LIMIT = "30 per 5 minutes"
EXTENSION_KEY = "csd.sign_in_limiter"


def account_key() -> str:
    """The account a sign-in attempt names: its email, lower-cased ('' when none is given).

    It reads the body before the view does, so it applies the sign-in body limit first.
    """
    request.max_content_length = MAX_LOGIN_BODY_BYTES
    request.get_data(cache=True)  # kept, so the view still reads the body (form or JSON) whole
    if request.is_json:
        body = request.get_json(silent=True)
        email = body.get("email") if isinstance(body, dict) else None
    else:
        email = request.form.get("email")
    return str(email or "").strip().lower()


def address_key() -> str:
    """The address an attempt comes from."""
    return request.remote_addr or "unknown"


def wait_text(seconds: int) -> str:
    """``1 minute``, ``4 minutes``, ``30 seconds``: how long to wait, for a person."""
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def _refused(limit: RequestLimit) -> Response:
    wait = max(1, limit.reset_at - math.floor(rate_limits.clock()))
    log.warning("sign-in refused (too many attempts) for %r from %s", account_key(), address_key())
    audit(
        AuditAction.SIGN_IN_REFUSED,
        actor=account_key(),
        detail=f"too many attempts ({'API' if is_api_request() else 'form'}); wait {wait} s",
    )
    message = f"Too many sign-in attempts. Try again in {wait_text(wait)}."
    headers = {"Retry-After": str(wait)}
    if is_api_request():
        return error_response(429, message, code="too_many_requests", headers=headers)
    return Response(refused_page(message), status=429, headers=headers)


def init_sign_in_limits(server: Flask, settings: Settings, *endpoints: str) -> Limiter:
    """Limit the sign-in attempts of ``endpoints`` (view names of ``server``), as the module says."""
    if settings.trusted_proxies:
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=settings.trusted_proxies)
    if settings.redis_url:
        storage_uri, options = settings.redis_url, {}
    else:
        storage_uri = f"{rate_limits.SCHEME}://"
        options = {"url": server.config["DATABASE_URL"]}
    limiter = Limiter(
        key_func=address_key,
        storage_uri=storage_uri,
        storage_options=options,
        strategy="moving-window",
        on_breach=_refused,
        key_prefix="csd-sign-in",
    )
    limiter.init_app(server)
    per_account = limiter.shared_limit(
        ACCOUNT_LIMIT, scope="account", key_func=account_key, methods=["POST"]
    )
    per_address = limiter.shared_limit(
        ADDRESS_LIMIT, scope="address", key_func=address_key, methods=["POST"]
    )
    for endpoint in endpoints:
        server.view_functions[endpoint] = per_account(per_address(server.view_functions[endpoint]))
    server.extensions[EXTENSION_KEY] = limiter
    return limiter
