"""schemathesis against ``/api/openapi.json`` with every check it has: no 5xx, no answer the spec contradicts.

Runs on a seeded book with an admin's token, so reads return rows and
writes reach the rules; recalculations start real background runs.

- Each operation is fuzzed with valid data (every answer must conform) and
  with data the spec refuses (each must be refused with a 4xx).
- The stateful phase follows the spec's links, with valid data: a created
  intervention is read, changed and cancelled; a recalculation's run is read.
- Every check schemathesis has runs, except ``use_after_free``: a DELETE of an
  intervention cancels it and keeps it (the guide's "Cancel intervention"), so
  a GET afterwards rightly returns it, as the spec says.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.stateful import run_state_machine_as_test
from schemathesis.checks import CHECKS
from schemathesis.generation import GenerationMode

from dashboard.api import load_operations
from dashboard.api.openapi import openapi_path

MAX_EXAMPLES = 40
# A file download renders a whole report per example, over a handful of valid
# parameter combinations: a few examples cover it.
DOWNLOAD_EXAMPLES = 6
STATEFUL_EXAMPLES = 15
NOT_APPLICABLE = {"use_after_free"}  # see the module docstring
EVERY_CHECK = [check for check in CHECKS.get_all() if check.__name__ not in NOT_APPLICABLE]
SETTINGS = {
    "deadline": None,
    "database": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.filter_too_much],
}


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
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
@pytest.mark.parametrize(("method", "path", "examples"), operation_labels())
def test_api_conforms_to_its_spec(api_schema, headers, method, path, examples, mode):
    admin = headers("admin")
    operation = api_schema[path][method]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=examples, **SETTINGS)
    def check(case):
        case.call_and_validate(headers=admin, checks=EVERY_CHECK)

    check()


def test_linked_operations_conform_to_the_spec(api_schema, headers):
    admin = headers("admin")
    # Valid data only: mixing in invalid data makes Hypothesis see the strategy change between
    # runs (its draws depend on the answers), which it refuses as a flaky definition.
    api_schema.config.generation.update(modes=[GenerationMode.POSITIVE])

    class Links(api_schema.as_state_machine()):
        def get_call_kwargs(self, case):
            return {"headers": admin}

        def validate_response(self, response, case, **kwargs):
            case.validate_response(response, checks=EVERY_CHECK, headers=admin)

    run_state_machine_as_test(
        Links,
        settings=settings(max_examples=STATEFUL_EXAMPLES, stateful_step_count=6, **SETTINGS),
    )
