"""Errors of the REST API, always as JSON: ``{"error": {"code", "message", "details"}}``.

``code`` is a short machine-readable word, ``message`` one sentence for a
person, ``details`` a list of ``{"field", "message"}`` for bad input (one per
bad field or parameter), or an object with more facts (for example the
current ``version`` on a conflict), or null.

Every error of a request under ``/api/`` takes this shape, including those
raised before a view runs (unknown path, wrong method) and unexpected ones,
which answer 500 without any detail of the failure; the failure itself is
logged.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Flask, Response, current_app, request
from werkzeug.exceptions import HTTPException

API_PREFIX = "/api/"
# gunicorn.conf.py lets request lines up to 8 KB through, so the API answers these in JSON.
MAX_URL_LENGTH = 4096

# The code of each HTTP status that the API may answer with, when no better one is given.
STATUS_CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    414: "uri_too_long",
    415: "unsupported_media_type",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}


class ApiError(Exception):
    """An error answer of the API: raise it from a view or a helper to answer with it."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        details: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or STATUS_CODES.get(status, "error")
        self.message = message
        self.details = details
        self.headers = headers or {}


def field_error(
    field: str, message: str, *, code: str = "invalid_value", status: int = 400
) -> ApiError:
    """A 400 naming one bad field (a body field or a query parameter)."""
    return ApiError(
        status,
        f"{field}: {message}",
        code=code,
        details=[{"field": field, "message": message}],
    )


def error_response(
    status: int,
    message: str,
    *,
    code: str | None = None,
    details: Any = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """The JSON response of an error."""
    body = {
        "error": {
            "code": code or STATUS_CODES.get(status, "error"),
            "message": message,
            "details": details,
        }
    }
    return Response(json.dumps(body), status=status, mimetype="application/json", headers=headers)


def api_error_response(error: ApiError) -> Response:
    return error_response(
        error.status, error.message, code=error.code, details=error.details, headers=error.headers
    )


def is_api_request() -> bool:
    """True when the current request is for the API (its path starts with ``/api/``)."""
    return request.path.startswith(API_PREFIX)


_HTTP_MESSAGES: dict[int, str] = {
    400: "The request could not be understood.",
    404: "There is no such resource.",
    405: "This method is not allowed here.",
    413: "The request body is too large.",
    415: "Send the body as application/json.",
}


def _http_error(error: HTTPException) -> Response | HTTPException:
    """HTTP errors under /api/ as JSON; elsewhere, Flask's own answer."""
    if not is_api_request():
        return error
    if error.response is not None:  # an answer made already, e.g. the sign-in limit's 429
        return error.response
    status = error.code or 500
    headers = {}
    if status == 405:
        allowed = getattr(error, "valid_methods", None) or []
        headers["Allow"] = ", ".join(sorted(allowed))
    message = _HTTP_MESSAGES.get(status, "The request failed.")
    return error_response(status, message, headers=headers)


def refuse_long_url() -> Response | None:
    """414 in JSON for an API URL longer than ``MAX_URL_LENGTH`` (run before anything else)."""
    if is_api_request() and len(request.full_path) > MAX_URL_LENGTH:
        return error_response(
            414, f"The URL is longer than {MAX_URL_LENGTH:,} characters; send fewer parameters."
        )
    return None


def _unexpected_error(error: Exception) -> Response:
    """Any other failure of an API view: logged, and answered 500 without details."""
    current_app.logger.exception("API request %s %s failed", request.method, request.path)
    return error_response(500, "Something went wrong on the server; the error has been logged.")


def register_error_handlers(server: Flask, blueprint: Blueprint) -> None:
    """JSON answers for every error of an API request (see the module docstring).

    Call before ``blueprint`` is registered on ``server``: its own handlers
    answer for every request routed to it, and the server's for API paths that
    no rule matched.
    """
    server.before_request_funcs.setdefault(None, []).insert(0, refuse_long_url)
    blueprint.register_error_handler(ApiError, api_error_response)
    blueprint.register_error_handler(HTTPException, _http_error)
    blueprint.register_error_handler(Exception, _unexpected_error)
    server.register_error_handler(ApiError, api_error_response)
    server.register_error_handler(HTTPException, _http_error)
