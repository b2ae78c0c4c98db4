"""Migrations: an empty database is brought to head, rerunning changes nothing, and the
migrated schema is exactly the models'."""

from __future__ import annotations

import re

import pandas as pd
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from data.db import (
    alembic_config,
    current_revision,
    head_revision,
    make_engine,
    schema_is_current,
    upgrade_database,
)
from data.models import Base

TABLES = {
    "report_schedules",
    "job_locks",
    "api_keys",
    "sync_sources",
    "sync_runs",
    "data_imports",
    "client_changes",
    "quality_checks",
    "users",
    "clients",
    "logins",
    "interactions",
    "tasks",
    "feedback",
    "tickets",
    "health_scores",
    "score_day_summaries",
    "score_client_positions",
    "score_day_vectors",
    "score_periods",
    "score_period_summaries",
    "score_factor_summaries",
    "intervention_score_checks",
    "interventions",
    "intervention_notes",
    "alerts",
    "scoring_runs",
    "outbox",
    "rate_limit_entries",
    "audit_events",
    "alembic_version",
}


def _differences(url: str) -> list:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()


def test_upgrade_creates_every_table_on_an_empty_database(db_url):
    assert current_revision(db_url) is None
    assert not schema_is_current(db_url)

    assert upgrade_database(db_url) == head_revision()

    engine = make_engine(db_url)
    try:
        assert set(inspect(engine).get_table_names()) == TABLES
    finally:
        engine.dispose()
    assert schema_is_current(db_url)


def test_the_clients_name_index_is_on_the_lower_case_name(db_url):
    # SQLite cannot reflect an expression index, so the comparison with the models skips it there.
    upgrade_database(db_url)
    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                sql = "SELECT sql FROM sqlite_master WHERE name = 'ix_clients_name_lower'"
            else:
                sql = "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_clients_name_lower'"
            definition = connection.execute(text(sql)).scalar_one()
    finally:
        engine.dispose()
    # SQLite keeps the statement as written, PostgreSQL writes ``lower((name)::text)`` or ``lower((name))``.
    assert re.search(r"lower\(\(?name\)?(::text)?\)", definition.replace('"', ""))


def test_rerunning_the_upgrade_is_a_no_op(db_url):
    upgrade_database(db_url)
    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO users (email, name, password_hash, role, active, created_at) "
                    "VALUES ('a@example.com', 'A', 'x', 'admin', true, '2024-01-01 00:00:00+00')"
                )
            )
        assert upgrade_database(db_url) == head_revision()
        with engine.connect() as connection:
            assert connection.scalar(text("SELECT count(*) FROM users")) == 1
    finally:
        engine.dispose()


def test_migrated_schema_matches_the_models(db_url):
    upgrade_database(db_url)
    assert _differences(db_url) == []


def test_migration_0006_fills_each_clients_latest_interaction(db_url):
    cfg = alembic_config(db_url)
    command.upgrade(cfg, "0005")
    engine = make_engine(db_url)
    zone = "" if engine.dialect.name == "sqlite" else "+00"
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO clients (id, name, status, created_at) VALUES "
                    "('c1', 'Amy', 'active', '2024-01-01 00:00:00.000000'), "
                    "('c2', 'Bo', 'active', '2024-01-01 00:00:00.000000')"
                )
            )
            for ts in (
                "2024-05-01 10:00:00.000000",
                "2024-05-03 09:30:00.000000",
                "2024-04-28 16:00:00.000000",
            ):
                connection.execute(
                    text(
                        "INSERT INTO interactions (client_id, ts, channel, row_hash) VALUES ('c1', :ts, 'email', 0)"
                    ),
                    {"ts": ts + zone},
                )
        command.upgrade(cfg, "0006")
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT id, last_interaction_at FROM clients ORDER BY id")
            ).all()
    finally:
        engine.dispose()

    def naive_utc(value) -> pd.Timestamp | None:  # text on SQLite, an aware datetime on PostgreSQL
        if value is None:
            return None
        stamp = pd.Timestamp(value)
        return stamp.tz_convert(None) if stamp.tzinfo is not None else stamp

    assert [(client_id, naive_utc(at)) for client_id, at in rows] == [
        ("c1", pd.Timestamp("2024-05-03 09:30")),
        ("c2", None),
    ]
    command.downgrade(cfg, "0005")
    command.upgrade(cfg, "head")
