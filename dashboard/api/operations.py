"""Declaring API operations: one decorator gives the route, its validation and its OpenAPI entry.

``@operation(...)`` records a handler with its method, path, query model, body
model, response model and possible errors in ``OPERATIONS``. ``build_blueprint``
turns the records into Flask routes that, before calling the handler:

1. refuse a viewer's write (403; the bearer token itself is checked by the
   guard of ``dashboard.auth`` before any of this);
2. parse the query string with the query model (an operation without one
   takes no parameters) and the body with the body model, answering 400 with
   every bad field named;

then serialise what the handler returns through the response model.
``dashboard.api.openapi`` reads the same records.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, request
from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule

from dashboard.api.errors import ApiError
from dashboard.auth.permissions import can_write

MAX_BODY_BYTES = 1_000_000
JSON_MIMETYPE = "application/json"


@dataclass(frozen=True)
class Operation:
    """One API operation: what the route does and what the spec says about it."""

    method: str
    rule: str  # Flask rule under the blueprint prefix, e.g. /admin/customer-success/interventions/<int:intervention_id>
    endpoint: str
    handler: Callable[..., Any]
    summary: str
    tag: str
    response: type[BaseModel] | None  # None: the handler returns a file download
    status: int = 200
    description: str = ""
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    body_required: bool = True
    public: bool = False
    write: bool = False
    errors: tuple[int, ...] = ()
    path_params: dict[str, str] = field(default_factory=dict)  # name -> description
    # JSON schemas of path parameters that are not integers: name -> schema.
    path_schemas: dict[str, dict[str, Any]] = field(default_factory=dict)
    # A body the handler reads itself (``read_body``): media type -> JSON schema, for the spec.
    raw_body: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: tuple[str, ...] = ()  # media types of a file download (``response`` is None)
    # OpenAPI links of the success answer: name -> (operationId, {parameter: runtime expression}).
    links: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)


OPERATIONS: list[Operation] = []
UNKNOWN_PATH_ENDPOINT = "unknown"


def operation(
    method: str,
    rule: str,
    *,
    summary: str,
    tag: str,
    response: type[BaseModel] | None,
    **options: Any,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Record the decorated handler as an API operation (see the module docstring).

    The handler gets the path parameters, and ``query`` and ``body`` (validated
    models) when the operation has them; it returns a response model instance,
    or ``(instance, headers)``.
    """

    def decorate(handler: Callable[..., Any]) -> Callable[..., Any]:
        OPERATIONS.append(
            Operation(
                method=method.upper(),
                rule=rule,
                endpoint=handler.__name__,
                handler=handler,
                summary=summary,
                tag=tag,
                response=response,
                **options,
            )
        )
        return handler

    return decorate


def build_blueprint(name: str, url_prefix: str) -> Blueprint:
    """A new blueprint with every recorded operation, and a JSON 404/405 for every other API path."""
    blueprint = Blueprint(name, __name__, url_prefix=url_prefix)
    for op in OPERATIONS:
        # No automatic OPTIONS answer: the spec documents none, so it is a 405 like any other.
        blueprint.add_url_rule(
            op.rule, op.endpoint, _view(op), methods=[op.method], provide_automatic_options=False
        )
    known = Map(
        [Rule(url_prefix + op.rule, endpoint=op.endpoint, methods=[op.method]) for op in OPERATIONS]
    )

    def unknown(unknown: str) -> Response:  # a named function: middleware reads views' names
        return _unknown_path(known, unknown)

    methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    blueprint.add_url_rule(
        "/", UNKNOWN_PATH_ENDPOINT, unknown, methods=methods, defaults={"unknown": ""}
    )
    blueprint.add_url_rule("/<path:unknown>", UNKNOWN_PATH_ENDPOINT, unknown, methods=methods)
    return blueprint


def _unknown_path(known: Map, unknown: str) -> Response:
    """404 for a path no operation has, 405 (with Allow) for a method a path does not take."""
    try:
        known.bind("localhost").match(request.path, method=request.method)
    except MethodNotAllowed as exc:
        # The methods the spec documents (HEAD, which werkzeug adds beside GET, is not one).
        allowed = sorted(set(exc.valid_methods or ()) - {"HEAD", "OPTIONS"})
        raise ApiError(
            405,
            f"{request.method} is not allowed here; use {', '.join(allowed)}.",
            headers={"Allow": ", ".join(allowed)},
        ) from None
    except NotFound:
        pass
    raise ApiError(404, "There is no such resource.")


def _view(op: Operation) -> Callable[..., Response]:
    def view(**path_args: Any) -> Response:
        if op.write and not can_write():
            raise ApiError(
                403, "Your role can only read; ask an admin or manager to make this change."
            )
        kwargs = dict(path_args)
        query = parse_query(op.query)
        if op.query is not None:
            kwargs["query"] = query
        if op.body is not None:
            kwargs["body"] = parse_body(op.body, required=op.body_required)
        result = op.handler(**kwargs)
        if op.response is None:
            return result
        headers: dict[str, str] = {}
        if isinstance(result, tuple):
            result, headers = result
        if not isinstance(result, op.response):
            raise TypeError(
                f"{op.endpoint} returned {type(result).__name__}, not {op.response.__name__}"
            )
        return Response(
            result.model_dump_json(), status=op.status, mimetype=JSON_MIMETYPE, headers=headers
        )

    view.__name__ = op.endpoint
    view.__doc__ = op.summary
    return view


def parse_query(model: type[BaseModel] | None) -> BaseModel | None:
    """The query string validated by ``model``. 400 on any bad parameter.

    An empty value is a value: ``period=`` is refused as an unknown period, as
    the spec says, rather than taken for the default; an empty ``search`` is
    text, and searches for nothing in particular.
    """
    values: dict[str, str] = {}
    for key in request.args:
        given = request.args.getlist(key)
        if len(given) > 1:
            raise _invalid("query", [(key, "give this parameter once")])
        values[key] = given[0]
    if model is None:
        if values:
            raise _invalid("query", [(key, "unknown parameter") for key in values])
        return None
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise _from_validation("query", exc) from None


def parse_body(model: type[BaseModel], *, required: bool) -> BaseModel:
    """The JSON body validated by ``model``: 400 when malformed or invalid, 415 when not JSON, 413 when too big."""
    raw = read_body(MAX_BODY_BYTES)
    if not raw.strip():
        if required:
            raise ApiError(
                400,
                "Send a JSON object in the request body.",
                code="invalid_body",
                details=[{"field": "body", "message": "is required"}],
            )
        raw = b"{}"
    mimetype = request.mimetype
    if mimetype and mimetype != JSON_MIMETYPE and not mimetype.endswith("+json"):
        raise ApiError(415, "Send the body as application/json.")
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        raise _from_validation("body", exc) from None


def read_body(limit: int) -> bytes:
    """The request body, at most ``limit`` bytes: 413, naming the limit, when it is longer."""
    # One byte more than allowed is read: a chunked body (no Content-Length) is cut at the
    # limit by the stream, and a cut body would otherwise be parsed as if it were whole.
    too_large = ApiError(413, f"The request body is over the limit of {limit:,} bytes.")
    if (request.content_length or 0) > limit:
        raise too_large
    request.max_content_length = limit + 1
    raw = request.get_data(cache=True)
    if len(raw) > limit:
        raise too_large
    return raw


_MESSAGES = {
    "missing": "is required",
    "json_invalid": "is not valid JSON",
    "model_type": "must be a JSON object",
    "model_attributes_type": "must be a JSON object",
}


def _from_validation(location: str, exc: ValidationError) -> ApiError:
    problems: list[tuple[str, str]] = []
    for error in exc.errors(include_url=False, include_input=False, include_context=False):
        name = _field_name(error["loc"]) or "body"
        kind = error["type"]
        if kind == "extra_forbidden":
            message = "unknown parameter" if location == "query" else "unknown field"
        elif kind == "json_invalid":
            return ApiError(
                400,
                "The request body is not valid JSON.",
                code="invalid_json",
                details=[{"field": "body", "message": "is not valid JSON"}],
            )
        else:
            message = _MESSAGES.get(kind) or _lower_first(error["msg"])
        problems.append((name, message))
    return _invalid(location, problems)


def _field_name(loc: tuple[Any, ...]) -> str:
    name = ""
    for part in loc:
        if isinstance(part, int):
            name += f"[{part}]"
        elif not name:
            name = str(part)
        elif str(part).startswith(("function-", "constrained-")):
            continue  # pydantic's names for validator steps, not fields
        else:
            name += f".{part}"
    return name


def _lower_first(text: str) -> str:
    text = text.removeprefix("Value error, ")
    return text[:1].lower() + text[1:]


def _invalid(location: str, problems: list[tuple[str, str]]) -> ApiError:
    what = "parameter" if location == "query" else "field"
    first_field, first_message = problems[0]
    message = f"Invalid {what} {first_field}: {first_message}"
    if len(problems) > 1:
        message += f" (and {len(problems) - 1} more)"
    return ApiError(
        400,
        message + ".",
        code="invalid_parameter" if location == "query" else "invalid_body",
        details=[{"field": name, "message": text} for name, text in problems],
    )
