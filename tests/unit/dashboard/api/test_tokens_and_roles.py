"""Bearer tokens: getting one, and the 401 and 403 answers of every protected endpoint."""

from __future__ import annotations

import datetime as dt

import jwt
import pytest

from dashboard.auth.tokens import TokenError, issue_token, user_id_from_token
from tests.conftest import TEST_PASSWORD
from tests.unit.dashboard.api.conftest import BASE, SECRET

TOKEN_URL = "/api/auth/token"

READS = [
    ("GET", f"{BASE}/health-scores"),
    ("GET", f"{BASE}/interventions"),
    ("GET", f"{BASE}/interventions/1"),
    ("GET", f"{BASE}/metrics"),
    ("GET", f"{BASE}/risk-segments"),
]
WRITES = [
    ("POST", f"{BASE}/health-scores", {"force_recalculate": True}),
    ("POST", f"{BASE}/interventions", {"client_id": "c-ash", "type": "call", "title": "Call"}),
    ("PUT", f"{BASE}/interventions/1", {"version": 1, "note": "hello"}),
    ("DELETE", f"{BASE}/interventions/1", None),
]
PROTECTED = [(method, path) for method, path in READS] + [
    (method, path) for method, path, _ in WRITES
]


def test_token_for_email_and_password(client, team):
    response = client.post(TOKEN_URL, json={"email": "ann@example.com", "password": TEST_PASSWORD})

    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 24 * 3600
    assert user_id_from_token(body["access_token"], secret_key=SECRET) == team.admin.id
    listed = client.get(
        f"{BASE}/interventions", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert listed.status_code == 200


def test_token_email_is_case_insensitive(client, team):
    response = client.post(TOKEN_URL, json={"email": " ANN@Example.com", "password": TEST_PASSWORD})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("ann@example.com", "wrong password"),
        ("nobody@example.com", TEST_PASSWORD),
        ("ivy@example.com", TEST_PASSWORD),
    ],
    ids=["wrong-password", "unknown-email", "inactive-user"],
)
def test_token_refused_without_saying_which_part_was_wrong(client, team, email, password):
    response = client.post(TOKEN_URL, json={"email": email, "password": password})

    assert response.status_code == 401
    assert response.get_json()["error"] == {
        "code": "invalid_credentials",
        "message": "The email or password is not correct.",
        "details": None,
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "ann@example.com"}, "password"),
        ({"password": TEST_PASSWORD}, "email"),
        ({"email": "ann@example.com", "password": TEST_PASSWORD, "remember": True}, "remember"),
        ({"email": 42, "password": TEST_PASSWORD}, "email"),
        ({"email": "", "password": TEST_PASSWORD}, "email"),
        ({"email": "ann@example.com", "password": "x" * 1025}, "password"),
        ({"email": "ann\x00@example.com", "password": TEST_PASSWORD}, "email"),
    ],
    ids=["no-password", "no-email", "unknown-field", "number", "empty", "too-long", "nul"],
)
def test_token_bad_body_names_the_field(client, team, body, field):
    response = client.post(TOKEN_URL, json=body)

    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_body"
    assert [item["field"] for item in error["details"]] == [field]
    assert field in error["message"]


def test_token_malformed_json(client, team):
    response = client.post(
        TOKEN_URL, data='{"email": "ann@example.com",', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_json"


def test_token_body_must_be_an_object(client, team):
    response = client.post(TOKEN_URL, json=["ann@example.com", TEST_PASSWORD])
    assert response.status_code == 400
    assert response.get_json()["error"]["details"] == [
        {"field": "body", "message": "must be a JSON object"}
    ]


def test_token_form_body_is_unsupported(client, team):
    response = client.post(TOKEN_URL, data={"email": "ann@example.com", "password": TEST_PASSWORD})
    assert response.status_code == 415
    assert response.get_json()["error"]["code"] == "unsupported_media_type"


def test_token_get_is_not_allowed(client):
    response = client.get(TOKEN_URL)
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"
    assert response.get_json()["error"]["code"] == "method_not_allowed"


# --------------------------------------------------------------------------- 401


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_no_token_is_401(client, team, method, path):
    response = client.open(path, method=method, json={} if method in ("POST", "PUT") else None)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.get_json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize(
    "header",
    ["Bearer not.a.token", "Bearer ", "Basic YW5uOnB3", "Bearer abc def", "bearer"],
    ids=["garbled", "empty", "basic", "two-words", "scheme-only"],
)
def test_garbled_authorization_is_401(client, team, header):
    response = client.get(f"{BASE}/health-scores", headers={"Authorization": header})

    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_token"
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_expired_token_is_401(client, team, token_for):
    token = token_for(team.admin, hours=1, now=dt.datetime.now(dt.UTC) - dt.timedelta(hours=2))

    response = client.get(f"{BASE}/health-scores", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "token_expired"


def test_token_signed_with_another_key_is_401(client, team):
    forged = issue_token(
        team.admin, 1, secret_key="another-key-0123456789abcdef0123456789"
    ).access_token
    response = client.get(f"{BASE}/health-scores", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_token"


def test_unsigned_token_is_401(client, team):
    claims = {
        "sub": str(team.admin.id),
        "iss": "customer-success-dashboard",
        "iat": 0,
        "exp": 4_000_000_000,
    }
    unsigned = jwt.encode(claims, key=None, algorithm="none")
    response = client.get(f"{BASE}/health-scores", headers={"Authorization": f"Bearer {unsigned}"})
    assert response.status_code == 401


def test_token_of_a_deactivated_member_is_401(client, team, token_for, session):
    token = token_for(team.manager)
    team.manager.active = False
    session.commit()

    response = client.get(f"{BASE}/health-scores", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_token"


def test_session_cookie_does_not_open_the_api(client, team):
    page = client.get("/login")
    assert page.status_code == 200
    with client.session_transaction() as browser_session:
        browser_session["_user_id"] = str(team.admin.id)
        browser_session["_fresh"] = True
    assert client.get("/_dash-layout").status_code == 200  # signed in for the dashboard
    assert client.get(f"{BASE}/health-scores").status_code == 401  # but the API wants a token


def test_user_id_from_token_rejects_a_non_numeric_subject():
    token = jwt.encode(
        {"sub": "admin", "iss": "customer-success-dashboard", "iat": 0, "exp": 4_000_000_000},
        SECRET,
        algorithm="HS256",
    )
    with pytest.raises(TokenError) as caught:
        user_id_from_token(token, secret_key=SECRET)
    assert caught.value.reason == "invalid"


# --------------------------------------------------------------------------- 403


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_viewer_cannot_write(client, book, headers, method, path, body):
    path = path.replace("/1", f"/{book.ids['urgent']}")
    response = client.open(path, method=method, json=body, headers=headers("viewer"))

    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize(("method", "path"), READS)
def test_viewer_can_read(client, book, headers, method, path):
    path = path.replace("/1", f"/{book.ids['urgent']}")
    assert client.open(path, method=method, headers=headers("viewer")).status_code == 200


def test_manager_can_write(client, book, headers):
    response = client.put(
        f"{BASE}/interventions/{book.ids['urgent']}",
        json={"version": 1, "note": "Left a voicemail"},
        headers=headers("manager"),
    )
    assert response.status_code == 200
