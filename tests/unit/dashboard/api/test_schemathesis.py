"""Property-based run of schemathesis against ``/api/openapi.json``: no 5xx, no answer the spec contradicts.

Runs on a seeded book with an admin's token, so reads return rows and
writes reach the rules; recalculations run the real scoring job.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from dashboard.api import load_operations
from dashboard.api.openapi import openapi_path

MAX_EXAMPLES = 40
# A file download renders a whole report per example, over a handful of valid
# parameter combinations: a few examples cover it.
DOWNLOAD_EXAMPLES = 6


@pytest.fixture
def api_schema(app, book):
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app.server)


def operation_labels() -> list[tuple[str, str, int]]:
    """(method, OpenAPI path, examples) of every operation, from the records the spec is built from."""
    return [
        (op.method, openapi_path(op.rule, "/api"), MAX_EXAMPLES if op.response else DOWNLOAD_EXAMPLES)
        for op in load_operations()
    ]


# ``schemathesis.pytest.from_fixture`` does not work with pytest 9 (it reads a removed
# ``_nodeid``), so each operation's strategy is driven with Hypothesis directly.
@pytest.mark.parametrize(("method", "path", "examples"), operation_labels())
def test_api_conforms_to_its_spec(api_schema, headers, method, path, examples):
    admin = headers("admin")
    operation = api_schema[path][method]

    @given(case=operation.as_strategy())
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def check(case):
        case.call_and_validate(
            headers=admin,
            checks=[
                not_a_server_error,
                response_schema_conformance,
                status_code_conformance,
                content_type_conformance,
            ],
        )

    check()
