"""The security headers of every response: CSP, framing, sniffing, referrer and HSTS.

- ``Content-Security-Policy``: everything from this server only (``'self'``):
  scripts, styles, fonts, images, connections. Dash's one inline script (the
  renderer's start) is allowed by its hash (``app.csp_hashes()``), no other
  inline script runs. Styles allow ``'unsafe-inline'`` because plotly and
  React set element styles and plotly adds ``<style>`` rules at run time;
  images allow ``data:`` and ``blob:`` for plotly's icons and its "download
  plot" button. ``frame-ancestors 'none'`` (and ``X-Frame-Options: DENY`` for
  older browsers): no other site can frame the dashboard. Forms post only here,
  ``<base>`` cannot be changed and no plugin loads.
- ``X-Content-Type-Options: nosniff``; ``Referrer-Policy: same-origin`` (a
  client's URL with its id never leaves the site in a Referer header).
- ``Strict-Transport-Security`` (a year) when the session cookie is
  ``Secure``, that is when the app is served over HTTPS.

A response that already carries one of these headers keeps its own.
"""

from __future__ import annotations

import dash
from flask import Response

HSTS = "max-age=31536000"


def content_security_policy(script_hashes: list[str]) -> str:
    """The policy, with the hashes of the inline scripts allowed."""
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *script_hashes],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def init_security_headers(app: dash.Dash) -> None:
    """Add the headers to every response of ``app``'s server (after its layout and callbacks are set)."""
    server = app.server
    headers = {
        "Content-Security-Policy": content_security_policy(list(app.csp_hashes())),
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    }
    if server.config.get("SESSION_COOKIE_SECURE"):
        headers["Strict-Transport-Security"] = HSTS

    @server.after_request
    def add_security_headers(response: Response) -> Response:
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response
