"""Every response carries the security headers; the session cookie is Secure in a deployment."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

from tests.conftest import SECRET, TEST_PASSWORD

PAGES = ("/login", "/api/openapi.json", "/api/docs", "/assets/2-app/app.css", "/no-such-page")


@pytest.fixture
def member(session, make_user):
    user = make_user("lead@example.com", name="Lee Lead")
    session.commit()
    return user


def sign_in(client):
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post(
        "/login",
        data={"email": "lead@example.com", "password": TEST_PASSWORD, "csrf_token": csrf},
    )


def directives(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split("; ")}


@pytest.mark.parametrize("path", PAGES)
def test_every_response_has_the_security_headers(client, path):
    response = client.get(path)

    csp = directives(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_the_dashboards_one_inline_script_is_allowed_by_its_hash(client, member):
    sign_in(client)
    response = client.get("/")
    # Without Internet Explorer's conditional comment (no other browser runs what it holds).
    page = re.sub(
        r"<!--\[if IE\]>.*?<!\[endif\]-->", "", response.get_data(as_text=True), flags=re.S
    )

    # Inline scripts that run (not the JSON config block): only Dash's renderer start.
    inline = re.findall(
        r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>(.*?)</script>", page, re.S
    )
    assert len(inline) == 1 and "DashRenderer" in inline[0]
    digest = base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()
    assert directives(response)["script-src"] == ["'self'", f"'sha256-{digest}'"]
    # Every other script is a file of this server.
    assert all(src.startswith("/") for src in re.findall(r'<script[^>]*\bsrc="([^"]+)"', page))


def test_with_a_database_url_the_cookie_is_secure_and_hsts_is_sent(client, member):
    response = sign_in(client)

    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_plain_http_on_purpose_opts_out(migrated_url, member):
    from app import create_app

    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": migrated_url,
            "SECRET_KEY": SECRET,
            "SESSION_COOKIE_SECURE": False,
        }
    )
    response = sign_in(app.server.test_client())

    assert "Secure" not in response.headers["Set-Cookie"]
    assert "Strict-Transport-Security" not in response.headers


def test_the_environment_decides_when_not_configured(monkeypatch, migrated_url, member):
    from app import create_app

    monkeypatch.setenv("SESSION_COOKIE_SECURE", "0")
    app = create_app({"TESTING": True, "DATABASE_URL": migrated_url, "SECRET_KEY": SECRET})
    assert app.server.config["SESSION_COOKIE_SECURE"] is False
    monkeypatch.delenv("SESSION_COOKIE_SECURE")
    app = create_app({"TESTING": True, "DATABASE_URL": migrated_url, "SECRET_KEY": SECRET})
    assert app.server.config["SESSION_COOKIE_SECURE"] is True
