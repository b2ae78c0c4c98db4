"""Sign-in pages, sessions, the guard's decisions, roles, secret keys and ``csd token``."""

from __future__ import annotations

import datetime as dt
import os
import re
import stat

import pytest
from click.testing import CliRunner
from flask import Flask

from app import create_app
from dashboard.auth import permissions, secret_key
from dashboard.auth.login import safe_next
from dashboard.auth.members import Guest, TestingStandIn
from dashboard.auth.permissions import can_write, require_writer
from dashboard.auth.secret_key import development_secret_key, resolve_secret_key
from dashboard.auth.server import init_auth
from dashboard.auth.tokens import user_id_from_token
from dashboard.cli.token import token_command
from scoring.enums import Role
from tests.conftest import SECRET, TEST_PASSWORD


@pytest.fixture
def members(session, make_user):
    found = {
        "admin": make_user("ann@example.com", name="Ann Admin", role=Role.ADMIN),
        "viewer": make_user("vic@example.com", name="Vic Viewer", role=Role.VIEWER),
        "inactive": make_user(
            "ivy@example.com", name="Ivy Inactive", role=Role.MANAGER, active=False
        ),
    }
    session.commit()
    return found


def csrf_token(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def sign_in(client, email: str, password: str = TEST_PASSWORD, next_path: str | None = None):
    page = client.get("/login" + (f"?next={next_path}" if next_path else "")).get_data(as_text=True)
    form = {"email": email, "password": password, "csrf_token": csrf_token(page)}
    if next_path:
        form["next"] = next_path
    return client.post("/login", data=form)


# --------------------------------------------------------------------------- pages


def test_login_page_in_the_products_style(client):
    response = client.get("/login")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<title>Sign in · Customer Success Dashboard</title>" in page
    assert '<h1 class="page-title h3 mb-1">Customer Success Dashboard</h1>' in page
    for sheet in (
        "1-vendor/bootstrap/bootstrap.min.css",
        "1-vendor/bootstrap-icons/bootstrap-icons.min.css",
        "2-app/app.css",
    ):
        assert f'href="/assets/{sheet}"' in page
    assert 'type="email" id="email" name="email"' in page
    assert 'type="password" id="password" name="password"' in page
    assert "https://" not in page and "http://" not in page
    # The stylesheets it links are served without a sign-in.
    assert client.get("/assets/1-vendor/bootstrap/bootstrap.min.css").status_code == 200


def test_sign_in_and_out(client, members):
    response = sign_in(client, "ann@example.com", next_path="/?tab=risk")

    assert response.status_code == 302
    assert response.headers["Location"] == "/?tab=risk"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert client.get("/").status_code == 200
    assert client.get("/_dash-layout").status_code == 200
    assert client.get("/login").headers["Location"] == "/"  # already signed in

    # A GET of /logout (a link, or a page of another site) only asks.
    asked = client.get("/logout")
    assert asked.status_code == 200
    assert client.get("/_dash-layout").status_code == 200
    # The form posts with the session's token; without it nothing happens.
    assert client.post("/logout").status_code == 400
    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 400
    assert client.get("/_dash-layout").status_code == 200
    out = client.post("/logout", data={"csrf_token": csrf_token(asked.get_data(as_text=True))})
    assert out.status_code == 302
    assert out.headers["Location"] == "/login"
    assert client.get("/_dash-layout").status_code == 401
    # Signed out, /logout goes to the sign-in page.
    assert client.get("/logout").headers["Location"] == "/login"


def test_the_navbar_signs_out_with_a_form_that_carries_the_token(client, members):
    sign_in(client, "ann@example.com")
    layout = client.get("/_dash-layout").get_json()

    def find(node, wanted):
        if isinstance(node, dict):
            props = node.get("props", {})
            if wanted(node, props):
                return node
            node = list(props.values())
        for child in node if isinstance(node, list) else []:
            found = find(child, wanted)
            if found is not None:
                return found
        return None

    form = find(layout, lambda node, props: node.get("type") == "Form")
    assert (form["props"]["action"], form["props"]["method"]) == ("/logout", "POST")
    hidden = find(form, lambda node, props: props.get("name") == "csrf_token")
    assert hidden["props"]["type"] == "hidden"
    assert client.post("/logout", data={"csrf_token": hidden["props"]["value"]}).status_code == 302
    assert client.get("/_dash-layout").status_code == 401


def test_a_non_ascii_form_token_is_refused_not_a_500(client, members):
    client.get("/login")
    response = client.post(
        "/login", data={"email": "ann@example.com", "password": "x", "csrf_token": "jeton-é→✓"}
    )
    assert response.status_code == 400
    assert "The sign-in form had expired." in response.get_data(as_text=True)


def test_a_nul_in_the_email_or_password_is_refused_not_a_500(client, members):
    for email, password in (("ann\x00@example.com", "x"), ("ann@example.com", "pass\x00word")):
        page = client.get("/login").get_data(as_text=True)
        response = client.post(
            "/login", data={"email": email, "password": password, "csrf_token": csrf_token(page)}
        )
        assert response.status_code == 400
        assert "a character that is not allowed" in response.get_data(as_text=True)


def test_no_route_takes_a_body_over_16_mb(client, members):
    sign_in(client, "ann@example.com")
    response = client.post(
        "/_dash-update-component",
        data=b"x" * (16 * 1024 * 1024 + 1),
        content_type="application/json",
    )
    assert response.status_code == 413


def test_a_sign_in_body_over_16_kb_is_refused_before_it_is_read(client, members):
    response = client.post(
        "/login", data={"email": "ann@example.com", "password": "x" * 20_000, "csrf_token": "t"}
    )
    assert response.status_code == 413


def test_sign_in_without_next_goes_home(client, members):
    assert sign_in(client, "ann@example.com").headers["Location"] == "/"


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("ann@example.com", "wrong password"),
        ("nobody@example.com", TEST_PASSWORD),
        ("ivy@example.com", TEST_PASSWORD),
    ],
    ids=["wrong-password", "unknown-email", "inactive"],
)
def test_refused_sign_in_does_not_say_which_part_was_wrong(client, members, email, password):
    response = sign_in(client, email, password)

    assert response.status_code == 401
    page = response.get_data(as_text=True)
    assert "The email or password is not correct." in page
    assert f'value="{email}"' in page  # the email is kept, the password is not
    assert client.get("/_dash-layout").status_code == 401


def test_sign_in_needs_the_forms_token(client, members):
    client.get("/login")
    response = client.post("/login", data={"email": "ann@example.com", "password": TEST_PASSWORD})

    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
    assert client.get("/_dash-layout").status_code == 401


def test_sign_in_with_empty_fields(client, members):
    page = client.get("/login").get_data(as_text=True)
    response = client.post(
        "/login", data={"email": "", "password": "", "csrf_token": csrf_token(page)}
    )
    assert response.status_code == 400
    assert "Enter your email and password." in response.get_data(as_text=True)


def test_login_page_escapes_what_was_typed(client, members):
    response = sign_in(client, '"><script>alert(1)</script>', "x")
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/?tab=risk", "/?tab=risk"),
        ("/interventions", "/interventions"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("", "/"),
        (None, "/"),
        ("/ok\r\nSet-Cookie: x=1", "/"),
    ],
)
def test_safe_next_never_leaves_the_site(target, expected):
    assert safe_next(target) == expected


def test_sign_in_ignores_a_foreign_next(client, members):
    assert (
        sign_in(client, "ann@example.com", next_path="//evil.example/").headers["Location"] == "/"
    )


def test_deactivated_member_is_signed_out(client, members, session):
    sign_in(client, "ann@example.com")
    members["admin"].active = False
    session.commit()
    assert client.get("/_dash-layout").status_code == 401


# --------------------------------------------------------------------------- roles


@pytest.mark.parametrize(
    ("email", "writer"), [("ann@example.com", True), ("vic@example.com", False)]
)
def test_role_decides_writes(app, members, email, writer):
    client = app.server.test_client()
    sign_in(client, email)
    with client:
        client.get("/_dash-layout")
        assert can_write() is writer
        if writer:
            require_writer()
        else:
            with pytest.raises(permissions.WriteForbidden) as refused:
                require_writer()
            assert refused.value.code == 403


def test_current_user_for_the_ui(app, members):
    from flask_login import current_user

    client = app.server.test_client()
    sign_in(client, "vic@example.com")
    with client:
        client.get("/_dash-layout")
        assert (current_user.name, current_user.role, current_user.id) == (
            "Vic Viewer",
            Role.VIEWER,
            members["viewer"].id,
        )


def test_nobody_cannot_write(app):
    with app.server.test_request_context("/"):
        assert can_write() is False
    assert Guest.role == Role.VIEWER


def test_login_disabled_lets_tests_in_as_an_admin_stand_in(migrated_url):
    app = create_app({"TESTING": True, "LOGIN_DISABLED": True, "DATABASE_URL": migrated_url})
    client = app.server.test_client()
    assert client.get("/").status_code == 200
    with client:
        client.get("/_dash-layout")
        assert can_write() is True
    assert TestingStandIn.role == Role.ADMIN


def test_login_disabled_is_refused_outside_tests(migrated_url):
    with pytest.raises(RuntimeError, match="LOGIN_DISABLED"):
        create_app({"LOGIN_DISABLED": True, "DATABASE_URL": migrated_url, "SECRET_KEY": SECRET})


# --------------------------------------------------------------------------- secret keys


def test_deployment_needs_a_secret_key():
    with pytest.raises(RuntimeError, match="SECRET_KEY is not set"):
        resolve_secret_key({}, database_configured=True)


def test_deployment_refuses_a_short_secret_key():
    with pytest.raises(RuntimeError, match="at least 32 characters"):
        resolve_secret_key({"SECRET_KEY": "short"}, database_configured=True)


def test_configured_key_is_used():
    assert resolve_secret_key({"SECRET_KEY": SECRET}, database_configured=True) == SECRET


def test_testing_gets_a_random_key():
    first = resolve_secret_key({"TESTING": True}, database_configured=True)
    assert len(first) == 64
    assert first != resolve_secret_key({"TESTING": True}, database_configured=True)


def test_development_key_is_created_once_and_private(tmp_path):
    path = tmp_path / "instance" / "secret_key"
    first = development_secret_key(path)

    assert len(first) == 64
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert development_secret_key(path) == first
    assert [p.name for p in path.parent.iterdir()] == ["secret_key"]


def test_development_uses_the_instance_key(monkeypatch, tmp_path):
    path = tmp_path / "secret_key"
    monkeypatch.setattr(secret_key, "SECRET_KEY_FILE", path)
    monkeypatch.setattr(secret_key, "development_secret_key", lambda: development_secret_key(path))
    key = resolve_secret_key({}, database_configured=False)
    assert path.read_text().strip() == key


def test_create_app_without_key_in_a_deployment_fails(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite:///unused.sqlite3")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


def test_session_cookie_settings(app):
    config = app.server.config
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert config["PERMANENT_SESSION_LIFETIME"] == dt.timedelta(hours=12)


def test_init_auth_on_a_bare_server_keeps_its_database(migrated_url):
    server = Flask("bare")
    init_auth(server, {"TESTING": True, "DATABASE_URL": migrated_url})
    assert server.config["DATABASE_URL"] == migrated_url


# --------------------------------------------------------------------------- csd token


def test_csd_token_prints_a_token_the_server_accepts(migrated_url, members, runner):
    result = runner.invoke(token_command, ["ANN@example.com", "--hours", "2"])

    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert user_id_from_token(token, secret_key=SECRET) == members["admin"].id
    app = create_app({"TESTING": True, "DATABASE_URL": migrated_url, "SECRET_KEY": SECRET})
    response = app.server.test_client().get(
        "/api/admin/customer-success/interventions", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["nobody@example.com"], "no team member with email nobody@example.com"),
        (["ivy@example.com"], "ivy@example.com is not active"),
        (["ann@example.com", "--hours", "0"], "Invalid value for '--hours'"),
        (["ann@example.com", "--hours", "abc"], "Invalid value for '--hours'"),
    ],
)
def test_csd_token_errors(members, runner, arguments, message):
    result = runner.invoke(token_command, arguments)

    assert result.exit_code != 0
    assert message in result.output


def test_csd_token_needs_a_key_in_a_deployment(migrated_url, members, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", migrated_url)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    result = CliRunner().invoke(token_command, ["ann@example.com"])
    assert result.exit_code == 1
    assert "SECRET_KEY is not set" in result.output
