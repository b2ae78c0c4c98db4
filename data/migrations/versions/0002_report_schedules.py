"""Scheduled reports and job locks: report_schedules, job_locks.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27

A snapshot like 0001: names and enum values are written out as they are at
this revision (models in ``data.models_reports``).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamp(name: str, *, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _enum(name: str, type_name: str, *values: str, **kwargs) -> sa.Column:
    kind = sa.Enum(*values, name=type_name, native_enum=False, create_constraint=True, length=32)
    return sa.Column(name, kind, **kwargs)


def upgrade() -> None:
    op.create_table(
        "report_schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        _enum("frequency", "report_frequency", "weekly", "monthly", nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=True),
        sa.Column("day_of_month", sa.SmallInteger(), nullable=True),
        sa.Column("hour", sa.SmallInteger(), nullable=False),
        _enum("period", "report_period", "7d", "30d", "90d", "1y", nullable=False),
        _enum(
            "segment", "report_segment", "all", "new_clients", "existing_clients", nullable=False
        ),
        _enum("format", "report_format", "csv", "pdf", nullable=False),
        sa.Column("recipients", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        _timestamp("created_at", nullable=False),
        _timestamp("updated_at", nullable=False),
        _timestamp("last_run_at"),
        _enum("last_status", "report_status", "sent", "stored", "failed", nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        _timestamp("next_run_at"),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name="ck_report_schedules_weekday_range"),
        sa.CheckConstraint(
            "day_of_month BETWEEN 1 AND 31", name="ck_report_schedules_day_of_month_range"
        ),
        sa.CheckConstraint("hour BETWEEN 0 AND 23", name="ck_report_schedules_hour_range"),
        sa.CheckConstraint(
            "(frequency = 'weekly' AND weekday IS NOT NULL)"
            " OR (frequency = 'monthly' AND day_of_month IS NOT NULL)",
            name="ck_report_schedules_frequency_has_day",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name="fk_report_schedules_created_by_users",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_report_schedules"),
    )
    op.create_index("ix_report_schedules_next_run_at", "report_schedules", ["next_run_at"])

    op.create_table(
        "job_locks",
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("holder", sa.String(200), nullable=True),
        _timestamp("locked_until"),
        sa.PrimaryKeyConstraint("name", name="pk_job_locks"),
    )


def downgrade() -> None:
    op.drop_table("job_locks")
    op.drop_index("ix_report_schedules_next_run_at", table_name="report_schedules")
    op.drop_table("report_schedules")
