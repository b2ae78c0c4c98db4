"""Shared fixtures: throwaway databases on SQLite and PostgreSQL, sessions and factories.

- ``db_url``: the URL of a new, empty database, once per backend: an SQLite
  file under ``tmp_path``, and a PostgreSQL database of its own created on the
  server of ``TEST_POSTGRES_URL`` (skipped when that is not set) and dropped
  afterwards. Each test gets its own database, so parallel runs never collide.
- ``migrated_url``: a new database at the newest migration, on the same two
  backends: a copy of a database migrated once per session.
- ``session``: a session on ``migrated_url``; the test commits when it needs to.
- factories bound to ``session``: ``make_user``, ``make_client``,
  ``add_events``, ``make_score``, ``make_intervention``. They flush, so ids are set.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import itertools
import os
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from data.db import dispose_engines, make_engine, upgrade_database
from data.models import Client, HealthScore, Intervention, User
from data.repositories.events import insert_events
from data.repositories.summaries import refresh_score_summaries
from data.repositories.users import normalise_email
from scoring.enums import (
    ClientStatus,
    InterventionStatus,
    InterventionType,
    Priority,
    RiskLevel,
    Role,
    Source,
)

POSTGRES_ENV = "TEST_POSTGRES_URL"
TEST_PASSWORD = "correct horse battery"
SECRET = "test-secret-key-0123456789abcdef0123456789"
T0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def _postgres_server() -> str:
    server_url = os.environ.get(POSTGRES_ENV)
    if not server_url:
        pytest.skip(
            f"PostgreSQL tests need {POSTGRES_ENV} (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)"
        )
    return server_url


def _postgres_database(server_url: str, template: str | None = None) -> Iterator[str]:
    """A new PostgreSQL database (a copy of ``template`` when given), dropped afterwards."""
    name = f"csd_test_{uuid.uuid4().hex[:16]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    clause = f' TEMPLATE "{template}"' if template else ""
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"{clause}'))
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        dispose_engines()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory) -> Path:
    """An SQLite file migrated to the newest revision once per test session."""
    path = tmp_path_factory.mktemp("template") / "migrated.sqlite3"
    upgrade_database(f"sqlite:///{path}")
    dispose_engines()
    return path


@pytest.fixture(scope="session")
def _postgres_template() -> Iterator[str]:
    """A PostgreSQL database migrated once per test session; each test clones it."""
    databases = _postgres_database(_postgres_server())
    url = next(databases)
    upgrade_database(url)
    dispose_engines()
    yield make_url(url).database
    with contextlib.suppress(StopIteration):
        next(databases)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path) -> Iterator[str]:
    """The URL of a new empty database: SQLite, then PostgreSQL when ``TEST_POSTGRES_URL`` is set."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'csd-test.sqlite3'}"
        dispose_engines()
    else:
        yield from _postgres_database(_postgres_server())


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def migrated_url(request, tmp_path) -> Iterator[str]:
    """A new database at the newest schema revision, on each backend like ``db_url``.

    Each test gets its own copy of a database migrated once per session: the
    same schema as migrating per test, at a fraction of the time.
    """
    if request.param == "sqlite":
        path = tmp_path / "csd-test.sqlite3"
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
        yield f"sqlite:///{path}"
        dispose_engines()
    else:
        template = request.getfixturevalue("_postgres_template")
        yield from _postgres_database(_postgres_server(), template)


@pytest.fixture
def session(migrated_url) -> Iterator[Session]:
    """A session on a migrated database; rolled back and closed after the test."""
    engine = make_engine(migrated_url)
    db_session = Session(engine, expire_on_commit=False)
    try:
        yield db_session
    finally:
        db_session.rollback()
        db_session.close()
        engine.dispose()


@functools.cache
def _quick_hash(password: str) -> str:
    """A password hash that is cheap to make (tests only; real users get the slow default)."""
    return generate_password_hash(password, method="pbkdf2:sha256:1000")


@pytest.fixture
def make_user(session) -> Callable[..., User]:
    """Create a team member: ``make_user(email=None, *, name, role, password, active)``.

    The password hash is a cheap one so that tests stay fast; ``verify_password`` accepts it.
    """
    counter = itertools.count(1)

    def make(
        email: str | None = None,
        *,
        name: str | None = None,
        role: Role = Role.MANAGER,
        password: str = TEST_PASSWORD,
        active: bool = True,
    ) -> User:
        n = next(counter)
        user = User(
            email=normalise_email(email or f"member{n}@example.com"),
            name=name or f"Member {n}",
            role=role,
            password_hash=_quick_hash(password),
            active=active,
        )
        session.add(user)
        session.flush()
        return user

    return make


@pytest.fixture
def make_client(session) -> Callable[..., Client]:
    """Create a client: ``make_client(client_id=None, *, name, created_at, status, **other fields)``."""
    counter = itertools.count(1)

    def make(client_id: str | None = None, **fields: Any) -> Client:
        n = next(counter)
        fields.setdefault("name", f"Client {n}")
        fields.setdefault("created_at", T0)
        fields.setdefault("status", ClientStatus.ACTIVE)
        client = Client(id=client_id or f"client-{n:03d}", **fields)
        session.add(client)
        session.flush()
        return client

    return make


@pytest.fixture
def add_events(session) -> Callable[[str, list[dict[str, Any]]], int]:
    """Insert events: ``add_events("logins", [{"client_id": ..., "ts": ...}, ...])``."""

    def add(kind: str, rows: list[dict[str, Any]]) -> int:
        count = insert_events(session, kind, pd.DataFrame(rows))
        session.flush()
        return count

    return add


@pytest.fixture
def make_score(session) -> Callable[..., HealthScore]:
    """Store one score: ``make_score(client_id, day, overall, *, risk_level=None, **columns)``.

    The risk level defaults to the band of the integer score. The day's score
    summary is refreshed, as the scoring run does.
    """

    def make(client_id: str, day: dt.date, overall: float, **columns: Any) -> HealthScore:
        if "risk_level" not in columns:
            score = int(overall + 0.5)
            columns["risk_level"] = next(
                level for level in RiskLevel if level.band[0] <= score <= level.band[1]
            )
        row = HealthScore(client_id=client_id, day=day, overall=overall, **columns)
        session.add(row)
        session.flush()
        refresh_score_summaries(session, [day])
        return row

    return make


@pytest.fixture
def make_intervention(session) -> Callable[..., Intervention]:
    """Create an intervention: ``make_intervention(client_id, *, priority, status, due_date, ...)``."""
    counter = itertools.count(1)

    def make(client_id: str, **fields: Any) -> Intervention:
        n = next(counter)
        fields.setdefault("type", InterventionType.CALL)
        fields.setdefault("priority", Priority.MEDIUM)
        fields.setdefault("status", InterventionStatus.PENDING)
        fields.setdefault("title", f"Intervention {n}")
        fields.setdefault("due_date", T0 + dt.timedelta(days=7))
        fields.setdefault("source", Source.MANUAL)
        intervention = Intervention(client_id=client_id, **fields)
        session.add(intervention)
        session.flush()
        return intervention

    return make


# -- the app -------------------------------------------------------------------------------


@pytest.fixture
def app(migrated_url):
    """The Dash app built by ``create_app`` on the test database (its Flask server: ``app.server``)."""
    from app import create_app

    yield create_app({"TESTING": True, "DATABASE_URL": migrated_url, "SECRET_KEY": SECRET})
    # A recalculation the test started finishes before its database is dropped.
    for thread in threading.enumerate():
        if thread.name == "csd-recalculate":
            thread.join(timeout=120)


@pytest.fixture
def client(app):
    """A Flask test client of ``app``."""
    return app.server.test_client()


@pytest.fixture
def runner(migrated_url, monkeypatch):
    """A Click runner for ``csd`` commands on the test database."""
    from click.testing import CliRunner

    monkeypatch.setenv("DATABASE_URL", migrated_url)
    monkeypatch.setenv("SECRET_KEY", SECRET)
    return CliRunner()
