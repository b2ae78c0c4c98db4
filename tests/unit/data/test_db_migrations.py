"""Migrations: an empty database is brought to head, rerunning changes nothing, and the
migrated schema is exactly the models'."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from data.db import (
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
