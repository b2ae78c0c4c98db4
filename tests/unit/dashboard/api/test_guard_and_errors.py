"""Every route refuses strangers; API errors are JSON and never leak a traceback."""

from __future__ import annotations

import io
import re

import pytest

from dashboard.api import metrics as metrics_handlers
from tests.unit.dashboard.api.conftest import BASE

# Endpoints anyone may reach, and what each answers without a session or token.
PUBLIC = {
    "auth.login": {200, 400},  # the page; a POST without its form token
    "auth.logout": {302},  # to the sign-in page: nobody is signed in
    "_dash_assets.static": {200},
    "api.issue_api_token": {400},  # reached: the empty body is refused
    "api.openapi_json": {200},
    "api.api_docs": {200},
    "api.unknown": {404},
}
SAMPLE_VALUES = {
    "path:filename": "2-app/app.css",
    "path": "some/page",
    "int": "1",
    "string": "dash",
}


def sample_url(rule) -> str:
    def value(match: re.Match) -> str:
        converter = match.group(1) or "string"
        name = match.group(2)
        return SAMPLE_VALUES.get(f"{converter}:{name}", SAMPLE_VALUES.get(converter, "x"))

    return re.sub(r"<(?:([a-z]+):)?([a-z_]+)>", value, rule.rule)


def test_every_route_refuses_strangers(app):
    server = app.server
    client = server.test_client()
    seen_public = set()
    checked = 0
    for rule in server.url_map.iter_rules():
        url = sample_url(rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, headers={"Accept": "text/html"})
            checked += 1
            if rule.endpoint in PUBLIC:
                seen_public.add(rule.endpoint)
                assert response.status_code in PUBLIC[rule.endpoint], (
                    method,
                    url,
                    response.status_code,
                )
                continue
            if response.status_code == 302:
                assert response.headers["Location"].startswith("/login?next="), (method, url)
            else:
                assert response.status_code == 401, (method, url, response.status_code)
                assert response.get_json()["error"]["code"] == "unauthorized"
    assert seen_public == set(PUBLIC)
    assert checked > 20


@pytest.mark.parametrize(
    "path",
    [
        "/_dash-layout",
        "/_dash-dependencies",
        "/_reload-hash",
        "/_favicon.ico",
        "/_dash-component-suites/dash/dash-renderer/build/dash_renderer.min.js",
    ],
)
def test_dash_requests_get_401_json_not_a_redirect(client, path):
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_dash_update_component_gets_401(client):
    response = client.post("/_dash-update-component", json={"output": "x.children", "inputs": []})
    assert response.status_code == 401


def test_pages_redirect_to_login_with_next(client):
    response = client.get(
        "/?tab=risk&client=c-ash", headers={"Accept": "text/html,application/xhtml+xml"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/?tab%3Drisk%26client%3Dc-ash"


def test_xhr_gets_401_even_for_a_page(client):
    response = client.get("/", headers={"X-Requested-With": "XMLHttpRequest"})
    assert response.status_code == 401


def test_json_client_gets_401(client):
    assert client.get("/anything", headers={"Accept": "application/json"}).status_code == 401


# --------------------------------------------------------------------------- API errors


def test_unknown_api_path_is_404_json(client, headers):
    for path in ("/api/nothing", f"{BASE}/clients", f"{BASE}/interventions/1/notes", "/api/"):
        response = client.get(path, headers=headers())
        assert response.status_code == 404, path
        assert response.get_json()["error"]["code"] == "not_found"


def test_wrong_method_is_405_json(client, headers):
    response = client.delete(f"{BASE}/health-scores", headers=headers())
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, POST"  # what the spec documents
    assert response.get_json()["error"]["code"] == "method_not_allowed"


def test_unknown_method_is_405_json(client, headers):
    response = client.open(f"{BASE}/health-scores", method="TRACE", headers=headers())
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"


def test_body_too_large_is_413(client, team, headers):
    body = '{"client_ids": [' + ",".join(['"c"'] * 300_000) + "]}"
    response = client.post(
        f"{BASE}/health-scores", data=body, content_type="application/json", headers=headers()
    )
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"


def test_invalid_utf8_body_is_400(client, team, headers):
    response = client.post(
        f"{BASE}/health-scores",
        data=b'{"client_ids": ["\xff"]}',
        content_type="application/json",
        headers=headers(),
    )
    assert response.status_code == 400


def test_unexpected_failure_is_500_without_details(client, team, headers, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr(metrics_handlers, "metrics_for", broken)
    response = client.get(f"{BASE}/metrics", headers=headers())

    assert response.status_code == 500
    assert response.get_json() == {
        "error": {
            "code": "internal_error",
            "message": "Something went wrong on the server; the error has been logged.",
            "details": None,
        }
    }
    assert b"hunter2" not in response.data
    assert b"Traceback" not in response.data


def test_errors_are_json_with_code_message_details(client, team, headers):
    response = client.get(f"{BASE}/health-scores?limit=101", headers=headers())
    assert response.mimetype == "application/json"
    assert list(response.get_json()["error"]) == ["code", "message", "details"]
    assert response.get_json()["error"]["details"] == [
        {"field": "limit", "message": "input should be less than or equal to 100"}
    ]


def test_a_chunked_body_over_the_limit_is_413_not_cut_and_parsed(client, team, headers):
    # No Content-Length: the server terminates the stream (gunicorn's chunked requests).
    body = b'{"client_ids": [' + b",".join([b'"c"'] * 300_000) + b"]}"
    response = client.post(
        f"{BASE}/health-scores",
        headers=headers(),
        environ_overrides={
            "wsgi.input": io.BytesIO(body),
            "wsgi.input_terminated": True,
            "CONTENT_TYPE": "application/json",
            "HTTP_TRANSFER_ENCODING": "chunked",
        },
    )
    assert response.status_code == 413
    assert response.get_json()["error"]["message"] == (
        "The request body is over the limit of 1,000,000 bytes."
    )


def test_an_api_url_over_4_kb_is_414_in_json(client, team, headers):
    response = client.get(f"{BASE}/health-scores?search={'a' * 4100}", headers=headers())
    assert response.status_code == 414
    assert response.get_json()["error"]["code"] == "uri_too_long"
    # Without a token as well: the length is refused first.
    assert client.get(f"{BASE}/health-scores?search={'a' * 4100}").status_code == 414



def test_an_undocumented_method_is_405_allowing_what_the_spec_documents(client, team, headers):
    spec = client.get("/api/openapi.json").get_json()
    for path, item in spec["paths"].items():
        url = path.replace("{intervention_id}", "1").replace("{run_id}", "1")
        documented = sorted(method.upper() for method in item)
        for method in ("OPTIONS", "PATCH"):
            if method in documented:
                continue
            response = client.open(url, method=method, headers=headers())
            assert response.status_code == 405, (method, path)
            assert response.headers["Allow"] == ", ".join(documented), (method, path)
            assert response.get_json()["error"]["code"] == "method_not_allowed"


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("metrics", "period=", "period"),
        ("metrics", "segment=", "segment"),
        ("reports", "period=30d&format=", "format"),
        ("interventions", "client_id=", "client_id"),
        ("risk-segments", "wedding_to=0", "wedding_to"),
        ("risk-segments", "wedding_from=1714521600", "wedding_from"),
    ],
)
def test_a_value_the_spec_refuses_is_400_not_taken_for_the_default(
    client, team, headers, path, query, field
):
    response = client.get(f"{BASE}/{path}?{query}", headers=headers())
    assert response.status_code == 400
    assert [item["field"] for item in response.get_json()["error"]["details"]] == [field]
