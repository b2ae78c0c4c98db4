"""Engine and sessions: the configured URL, SQLite pragmas, UTC round trips, transactions,
constraints and optimistic locking."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from data import db
from data.models import Client, Intervention, Login
from scoring.enums import InterventionStatus


def test_database_url_defaults_to_the_sqlite_file_under_instance(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert db.database_url() == f"sqlite:///{db.PROJECT_ROOT / 'instance' / 'csd.sqlite3'}"
    assert (db.PROJECT_ROOT / "instance").is_dir()


def test_database_url_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u:secret@db.example:5432/csd")
    assert db.database_url() == "postgresql+psycopg://u:secret@db.example:5432/csd"
    assert "secret" not in db.display_url(db.database_url())


def test_sqlite_connections_use_wal_and_enforce_foreign_keys(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'nested' / 'x.sqlite3'}")
    try:
        with engine.connect() as connection:
            assert connection.scalar(text("PRAGMA journal_mode")) == "wal"
            assert connection.scalar(text("PRAGMA foreign_keys")) == 1
    finally:
        engine.dispose()


def test_timestamps_come_back_aware_utc(session, make_client):
    make_client("c1")
    paris = dt.timezone(dt.timedelta(hours=2))
    session.add_all(
        [
            Login(client_id="c1", ts=dt.datetime(2024, 5, 1, 10, 0)),
            Login(client_id="c1", ts=dt.datetime(2024, 5, 1, 14, 0, tzinfo=paris)),
        ]
    )
    session.commit()
    session.expire_all()
    stamps = session.scalars(select(Login.ts).order_by(Login.ts)).all()
    assert stamps == [
        dt.datetime(2024, 5, 1, 10, 0, tzinfo=dt.UTC),
        dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC),
    ]
    assert all(stamp.utcoffset() == dt.timedelta(0) for stamp in stamps)


def test_session_scope_commits_on_success_and_rolls_back_on_error(migrated_url):
    with db.session_scope(migrated_url) as session:
        session.add(Client(id="kept", name="Kept"))
    with pytest.raises(RuntimeError), db.session_scope(migrated_url) as session:
        session.add(Client(id="dropped", name="Dropped"))
        session.flush()
        raise RuntimeError("boom")
    with db.session_scope(migrated_url) as session:
        assert session.scalars(select(Client.id)).all() == ["kept"]


def test_enum_columns_reject_unknown_values(session, make_client):
    client = make_client("c1")
    client.status = "lost"
    with pytest.raises(StatementError, match="lost"):
        session.flush()
    session.rollback()


def test_check_constraint_guards_raw_sql(session, make_client):
    make_client("c1")
    session.commit()
    with pytest.raises(IntegrityError):
        session.execute(text("UPDATE clients SET status = 'lost' WHERE id = 'c1'"))
    session.rollback()


def test_events_need_a_known_client(session):
    session.add(Login(client_id="nobody", ts=dt.datetime(2024, 5, 1, tzinfo=dt.UTC)))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_concurrent_edits_of_an_intervention_are_detected(
    migrated_url, session, make_client, make_intervention
):
    make_client("c1")
    intervention_id = make_intervention("c1").id
    session.commit()

    engine = db.make_engine(migrated_url)
    try:
        with Session(engine) as first, Session(engine) as second:
            mine = first.get(Intervention, intervention_id)
            theirs = second.get(Intervention, intervention_id)
            assert mine.version == theirs.version == 1
            mine.status = InterventionStatus.IN_PROGRESS
            first.commit()
            assert mine.version == 2
            theirs.title = "A stale edit"
            with pytest.raises(StaleDataError):
                second.commit()
    finally:
        engine.dispose()


def test_a_database_error_never_shows_the_statements_values(migrated_url):
    engine = db.make_engine(migrated_url)
    try:
        with pytest.raises(Exception) as raised, engine.connect() as connection:
            connection.execute(
                text("SELECT * FROM no_such_table WHERE token = :secret"),
                {"secret": "s3cr3t-token-value"},
            )
    finally:
        engine.dispose()
    message = str(raised.value)
    assert "no_such_table" in message
    assert "s3cr3t-token-value" not in message
