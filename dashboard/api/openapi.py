"""The OpenAPI 3.1 description of the API, built from the operations and their pydantic models.

``GET /api/openapi.json`` serves it and ``GET /api/docs`` renders it as a plain
page styled with the locally served Bootstrap (no CDN, no JavaScript). Both
are public. Query models become query parameters; body and response models
(and ``ErrorResponse``) go under ``components/schemas``, with the enumerations
of ``scoring.enums`` as their own schemas.
"""

from __future__ import annotations

import copy
import functools
import re
from typing import Any

from flask import Blueprint, Response, jsonify, render_template_string, url_for
from markupsafe import Markup, escape
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from dashboard.api.errors import STATUS_CODES
from dashboard.api.operations import OPERATIONS, Operation
from dashboard.api.schemas import ErrorResponse

API_TITLE = "Customer Success Dashboard API"
API_VERSION = "1.0.0"
REF_TEMPLATE = "#/components/schemas/{model}"
SECURITY_SCHEME = "bearerAuth"
_PATH_PARAM = re.compile(r"<(?:[a-z]+:)?([A-Za-z_][A-Za-z0-9_]*)>")

ERROR_DESCRIPTIONS = {
    400: "Bad input: `details` names each bad field or parameter",
    401: "No valid bearer token (missing, garbled or expired), or wrong credentials",
    403: "The role may only read",
    404: "No such resource",
    409: "Stale `version`, a status move that is not allowed, the intervention is closed, "
    "or (a recalculation) another scoring run is going: `details` has its `run_id` and `url`",
    413: "The body is over the size limit the message names",
    415: "The body is not application/json (or, for an import, text/csv)",
    429: "Too many sign-in attempts for this account or from this address; wait `Retry-After` seconds",
}
SUCCESS_DESCRIPTIONS = {
    200: "OK",
    201: "Created",
    202: "Accepted: the work goes on in the background",
}


def openapi_path(rule: str, prefix: str) -> str:
    """A Flask rule as an OpenAPI path: ``<int:id>`` becomes ``{id}``."""
    return prefix + _PATH_PARAM.sub(r"{\1}", rule)


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A parameter schema without the ``null`` branch of an optional field, its title or null default."""
    schema = {key: value for key, value in schema.items() if key != "title"}
    options = schema.get("anyOf")
    if options:
        kept = [option for option in options if option != {"type": "null"}]
        if len(kept) == 1:
            schema.pop("anyOf")
            schema = kept[0] | schema
        else:
            schema["anyOf"] = kept
    if schema.get("default", ...) is None:
        schema.pop("default")
    return schema


def _allows_null(schema: dict[str, Any]) -> bool:
    if schema.get("type") == "null" or (
        isinstance(schema.get("type"), list) and "null" in schema["type"]
    ):
        return True
    return any(_allows_null(option) for option in schema.get("anyOf", []) + schema.get("oneOf", []))


def _drop_impossible_null_defaults(schema: Any) -> None:
    """Remove ``"default": null`` from properties that do not accept null (it only means "not given")."""
    if isinstance(schema, dict):
        for prop in schema.get("properties", {}).values():
            if prop.get("default", ...) is None and not _allows_null(prop):
                prop.pop("default")
        for value in schema.values():
            _drop_impossible_null_defaults(value)
    elif isinstance(schema, list):
        for item in schema:
            _drop_impossible_null_defaults(item)


def _query_parameters(model: type[BaseModel], components: dict[str, Any]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template=REF_TEMPLATE, mode="validation")
    components.update(schema.get("$defs", {}))
    required = set(schema.get("required", []))
    parameters = []
    for name, prop in schema.get("properties", {}).items():
        prop = _without_null(prop)
        description = prop.pop("description", None)
        parameter: dict[str, Any] = {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": prop,
        }
        if description:
            parameter["description"] = description
        parameters.append(parameter)
    return parameters


def _json_content(model: type[BaseModel]) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": REF_TEMPLATE.format(model=model.__name__)}}}


def _operation_spec(op: Operation, components: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "operationId": op.endpoint,
        "summary": op.summary,
        "tags": [op.tag],
        "security": [] if op.public else [{SECURITY_SCHEME: []}],
    }
    if op.description:
        spec["description"] = op.description
    parameters = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "description": text,
            "schema": op.path_schemas.get(name, {"type": "integer"}),
        }
        for name, text in op.path_params.items()
    ]
    if op.query is not None:
        parameters += _query_parameters(op.query, components)
    if parameters:
        spec["parameters"] = parameters
    if op.body is not None:
        spec["requestBody"] = {"required": op.body_required, "content": _json_content(op.body)}
    elif op.raw_body:
        spec["requestBody"] = {
            "required": True,
            "content": {media: {"schema": schema} for media, schema in op.raw_body.items()},
        }
    content = (
        _json_content(op.response)
        if op.response is not None
        else {media: {"schema": {"type": "string", "format": "binary"}} for media in op.files}
    )
    responses: dict[str, Any] = {
        str(op.status): {
            "description": SUCCESS_DESCRIPTIONS.get(op.status, "OK"),
            "content": content,
        }
    }
    if op.links:
        responses[str(op.status)]["links"] = {
            name: {"operationId": target, "parameters": parameters}
            for name, (target, parameters) in op.links.items()
        }
    for status in op.errors:
        responses[str(status)] = {
            "description": ERROR_DESCRIPTIONS.get(status, STATUS_CODES.get(status, "Error")),
            "content": _json_content(ErrorResponse),
        }
    spec["responses"] = responses
    return spec


def _response_label(item: dict[str, Any]) -> str:
    """The response model's name, or the media types of a file download."""
    content = item["content"]
    if "application/json" in content:
        return content["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    return " or ".join(content)


def _model_schemas(operations: list[Operation]) -> dict[str, Any]:
    """Schemas of every body (as validated) and response (as serialised) model, by model name."""
    pairs: list[tuple[type[BaseModel], str]] = [(ErrorResponse, "serialization")]
    for op in operations:
        if op.body is not None:
            pairs.append((op.body, "validation"))
        if op.response is not None:
            pairs.append((op.response, "serialization"))
    unique = list(dict.fromkeys(pairs))
    _, definitions = models_json_schema(unique, ref_template=REF_TEMPLATE)
    return definitions.get("$defs", {})


@functools.cache
def openapi_spec(prefix: str = "/api") -> dict[str, Any]:
    """The OpenAPI document of every recorded operation (built once per process)."""
    components: dict[str, Any] = {}
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(openapi_path(op.rule, prefix), {})[op.method.lower()] = _operation_spec(
            op, components
        )
    components.update(_model_schemas(OPERATIONS))
    _drop_impossible_null_defaults(components)
    tags = list(dict.fromkeys(op.tag for op in OPERATIONS))
    return {
        "openapi": "3.1.0",
        "info": {
            "title": API_TITLE,
            "version": API_VERSION,
            "description": (
                "The customer-success API of the admin guide. JSON in and out. Get a token with "
                "`POST /api/auth/token` and send it as `Authorization: Bearer <token>`. Viewers "
                'may only read. Errors are `{"error": {"code", "message", "details"}}`.'
            ),
        },
        "servers": [{"url": "/"}],
        "tags": [{"name": tag} for tag in tags],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                SECURITY_SCHEME: {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
        },
    }


def spec_json() -> Response:
    """``GET /api/openapi.json``."""
    return jsonify(openapi_spec())


def docs_page() -> str:
    """``GET /api/docs``: the spec as a readable page."""
    spec = copy.deepcopy(openapi_spec())
    operations = []
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            body = (
                op.get("requestBody", {})
                .get("content", {})
                .get("application/json", {})
                .get("schema", {})
            )
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "op": op,
                    "body": body.get("$ref", "").rsplit("/", 1)[-1],
                    "media": list(op.get("requestBody", {}).get("content", {})),
                    "responses": [
                        (status, item["description"], _response_label(item))
                        for status, item in op["responses"].items()
                    ],
                }
            )
    return render_template_string(
        DOCS_TEMPLATE,
        spec=spec,
        operations=operations,
        schemas=spec["components"]["schemas"],
        describe=_schema_text,
        text=_inline_code,
        asset=lambda name: url_for("_dash_assets.static", filename=name),
    )


def add_spec_routes(blueprint: Blueprint) -> tuple[str, str]:
    """Add the spec and docs routes; returns their endpoint names (to be made public)."""
    blueprint.add_url_rule("/openapi.json", "openapi_json", spec_json, methods=["GET"])
    blueprint.add_url_rule("/docs", "api_docs", docs_page, methods=["GET"])
    return f"{blueprint.name}.openapi_json", f"{blueprint.name}.api_docs"


def _inline_code(text: str) -> Markup:
    """``text`` escaped, with `backticked` parts set as code."""
    parts = str(escape(text)).split("`")
    return Markup(
        "".join(f"<code>{part}</code>" if i % 2 else part for i, part in enumerate(parts))
    )


def _schema_text(schema: dict[str, Any]) -> str:
    """A short description of a property's type, for the docs page."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " or ".join(_schema_text(option) for option in schema["anyOf"])
    if "enum" in schema:
        return " | ".join(str(value) for value in schema["enum"])
    if "const" in schema:
        return repr(schema["const"])
    kind = schema.get("type", "any")
    if kind == "array":
        return f"array of {_schema_text(schema.get('items', {}))}"
    fmt = schema.get("format")
    return f"{kind} ({fmt})" if fmt else str(kind)


DOCS_TEMPLATE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{{ spec.info.title }}</title>
  <link rel="icon" href="{{ asset('favicon.ico') }}">
  <link rel="stylesheet" href="{{ asset('1-vendor/bootstrap/bootstrap.min.css') }}">
  <link rel="stylesheet" href="{{ asset('2-app/app.css') }}">
</head>
<body>
<main class="container py-4">
  <h1 class="page-title">{{ spec.info.title }}</h1>
  <p class="page-subtitle">{{ text(spec.info.description) }}</p>
  <p>Machine-readable: <a href="openapi.json">/api/openapi.json</a> (OpenAPI {{ spec.openapi }}).</p>
  {% for item in operations %}
  <section class="card mb-3" id="{{ item.op.operationId }}">
    <div class="card-header">
      <span class="badge text-bg-primary me-2">{{ item.method }}</span><code>{{ item.path }}</code>
      <span class="ms-2">{{ item.op.summary }}</span>
      {% if not item.op.security %}<span class="badge text-bg-secondary ms-2">public</span>{% endif %}
    </div>
    <div class="card-body">
      {% if item.op.description %}<p>{{ text(item.op.description) }}</p>{% endif %}
      {% if item.op.parameters %}
      <table class="table table-sm">
        <thead><tr><th>Parameter</th><th>In</th><th>Type</th><th>Default</th><th>Description</th></tr></thead>
        <tbody>
        {% for p in item.op.parameters %}
          <tr><td><code>{{ p.name }}</code></td><td>{{ p['in'] }}</td><td>{{ describe(p.schema) }}</td>
              <td>{{ p.schema.get('default', '') }}</td><td>{{ text(p.get('description', '')) }}</td></tr>
        {% endfor %}
        </tbody>
      </table>
      {% endif %}
      {% if item.body %}<p class="mb-1">Body: <a href="#schema-{{ item.body }}">{{ item.body }}</a></p>
      {% elif item.media %}<p class="mb-1">Body: {{ item.media|join(' or ') }}</p>{% endif %}
      <p class="mb-0">Responses:
        {% for status, description, model in item.responses %}
          <span class="me-2"><strong>{{ status }}</strong> {{ text(description) }} (<a href="#schema-{{ model }}">{{ model }}</a>){% if not loop.last %};{% endif %}</span>
        {% endfor %}
      </p>
    </div>
  </section>
  {% endfor %}
  <h2 class="h4 mt-4">Schemas</h2>
  {% for name, schema in schemas.items() %}
  <section class="card mb-2" id="schema-{{ name }}">
    <div class="card-header"><code>{{ name }}</code></div>
    <div class="card-body">
      {% if schema.properties %}
      <table class="table table-sm mb-0">
        <tbody>
        {% for prop, body in schema.properties.items() %}
          <tr><td><code>{{ prop }}</code>{% if prop in schema.get('required', []) %} <span class="text-danger">*</span>{% endif %}</td>
              <td>{{ describe(body) }}</td><td>{{ text(body.get('description', '')) }}</td></tr>
        {% endfor %}
        </tbody>
      </table>
      {% else %}{{ describe(schema) }}{% endif %}
    </div>
  </section>
  {% endfor %}
</main>
</body>
</html>
"""
