"""The REST API of the admin guide under ``/api/`` (DESIGN 8): a blueprint on the Dash server.

- ``POST /api/auth/token``: a bearer token for an email and password (public);
- ``/api/admin/customer-success/health-scores`` (GET, POST),
  ``.../interventions`` (GET, POST), ``.../interventions/{id}`` (GET, PUT,
  DELETE), ``.../runs/{id}`` (GET, a scoring run's state), ``.../metrics`` (GET), ``.../risk-segments`` (GET), ``.../import/{kind}`` (POST, CSV or JSON rows) and ``.../reports`` (GET,
  a PDF or a zip of CSV files): bearer token
  required, viewers read only;
- ``GET /api/openapi.json`` and ``GET /api/docs``: the spec (public).

Modules: ``schemas`` (pydantic models), ``operations`` (the decorator that
routes, validates and documents), ``errors`` (the JSON error answers),
``openapi`` (the spec), and one module of handlers per resource.
"""

from __future__ import annotations

from flask import Flask

API_BLUEPRINT = "api"
API_URL_PREFIX = "/api"


def load_operations() -> list:
    """Every API operation (``dashboard.api.operations.Operation``), in the order they are declared."""
    # The handler modules record their operations when imported.
    from dashboard.api import (  # noqa: F401
        health_scores,
        imports,
        interventions,
        metrics,
        reports,
        risk_segments,
        runs,
        token_endpoint,
    )
    from dashboard.api.operations import OPERATIONS

    return list(OPERATIONS)


def register_api(server: Flask) -> None:
    """Add the API to ``server``; ``dashboard.auth.server.init_auth`` must have run on it first."""
    from dashboard.api.errors import register_error_handlers
    from dashboard.api.openapi import add_spec_routes
    from dashboard.api.operations import UNKNOWN_PATH_ENDPOINT, build_blueprint
    from dashboard.auth.guard import mark_public

    operations = load_operations()
    blueprint = build_blueprint(API_BLUEPRINT, API_URL_PREFIX)
    spec_endpoints = add_spec_routes(blueprint)
    register_error_handlers(server, blueprint)
    server.register_blueprint(blueprint)
    public = [f"{API_BLUEPRINT}.{op.endpoint}" for op in operations if op.public]
    # The catch-all only ever answers 404 or 405: the spec tells anyone the same.
    mark_public(server, *public, *spec_endpoints, f"{API_BLUEPRINT}.{UNKNOWN_PATH_ENDPOINT}")
