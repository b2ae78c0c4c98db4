"""``/api/openapi.json`` and ``/api/docs``: generated from the models the handlers validate with."""

from __future__ import annotations

import pytest

from dashboard.api.operations import OPERATIONS
from dashboard.api.schemas import HealthScoresQuery, InterventionCreate, InterventionsQuery

SPEC_URL = "/api/openapi.json"


@pytest.fixture
def spec(client) -> dict:
    response = client.get(SPEC_URL)
    assert response.status_code == 200
    return response.get_json()


def test_spec_is_public_openapi_3(spec):
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] == "Customer Success Dashboard API"
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }


def test_spec_lists_every_operation(spec):
    operations = {(path, method) for path, item in spec["paths"].items() for method in item}
    base = "/api/admin/customer-success"
    assert operations == {
        ("/api/auth/token", "post"),
        (f"{base}/health-scores", "get"),
        (f"{base}/health-scores", "post"),
        (f"{base}/interventions", "get"),
        (f"{base}/interventions", "post"),
        (f"{base}/interventions/{{intervention_id}}", "get"),
        (f"{base}/interventions/{{intervention_id}}", "put"),
        (f"{base}/interventions/{{intervention_id}}", "delete"),
        (f"{base}/metrics", "get"),
        (f"{base}/risk-segments", "get"),
        (f"{base}/reports", "get"),
        (f"{base}/runs/{{run_id}}", "get"),
        (f"{base}/import/{{kind}}", "post"),
    }
    assert len(operations) == len(OPERATIONS)


def test_only_the_token_endpoint_is_public(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            expected = [] if path == "/api/auth/token" else [{"bearerAuth": []}]
            assert operation["security"] == expected, (method, path)


@pytest.mark.parametrize(
    ("path", "model"),
    [
        ("/api/admin/customer-success/health-scores", HealthScoresQuery),
        ("/api/admin/customer-success/interventions", InterventionsQuery),
    ],
)
def test_query_parameters_come_from_the_query_models(spec, path, model):
    parameters = {p["name"]: p for p in spec["paths"][path]["get"]["parameters"]}
    assert list(parameters) == list(model.model_fields)
    assert parameters["limit"]["schema"] == {
        "default": 20,
        "maximum": 100,
        "minimum": 1,
        "type": "integer",
    }
    assert all(p["in"] == "query" and p["required"] is False for p in parameters.values())


def test_body_and_response_schemas_come_from_the_models(spec):
    create = spec["paths"]["/api/admin/customer-success/interventions"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/InterventionCreate"
    }
    schema = spec["components"]["schemas"]["InterventionCreate"]
    assert set(schema["properties"]) == set(InterventionCreate.model_fields)
    assert schema["additionalProperties"] is False
    assert sorted(schema["required"]) == ["client_id", "title", "type"]
    assert spec["components"]["schemas"]["RiskLevel"]["enum"] == [
        "low",
        "medium",
        "high",
        "critical",
    ]
    assert set(create["responses"]) == {"201", "400", "401", "403", "415"}
    row = spec["components"]["schemas"]["HealthScoreRow"]
    assert row["properties"]["last_updated"]["format"] == "date-time"


def test_every_error_response_is_the_error_schema(spec):
    for item in spec["paths"].values():
        for operation in item.values():
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    assert response["content"]["application/json"]["schema"] == {
                        "$ref": "#/components/schemas/ErrorResponse"
                    }


def test_non_nullable_update_fields_have_no_null_default(spec):
    update = spec["components"]["schemas"]["InterventionUpdate"]["properties"]
    assert "default" not in update["status"]
    assert update["assigned_to"]["default"] is None  # null unassigns


def test_docs_page_is_served_without_a_cdn(client):
    response = client.get("/api/docs")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Customer Success Dashboard API" in page
    assert "/api/admin/customer-success/interventions/{intervention_id}" in page
    assert "/assets/1-vendor/bootstrap/bootstrap.min.css" in page
    assert "http://" not in page and "https://" not in page
