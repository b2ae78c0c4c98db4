"""Initial schema: users, clients, events, health scores, interventions, alerts, runs, outbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-26

A migration is a snapshot: column names and enum values are written out here
as they were at this revision, not read from the live models, so later model
changes need a new revision (tests compare the migrated schema with the models).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCORE_COLUMNS = (
    "overall", "engagement", "progress", "satisfaction",
    "c_logins", "c_interactions", "c_recency", "c_responsiveness",
    "c_completion", "c_milestones", "c_overdue", "c_velocity",
    "c_rating", "c_sentiment", "c_tickets", "c_resolution",
    "logins_30d", "interactions_7d", "days_since_activity", "median_response_hours",
    "tasks_due", "tasks_done", "milestones_due", "milestones_on_time", "items_due",
    "overdue", "velocity_done", "velocity_due", "mean_rating", "mean_sentiment",
    "tickets_30d", "mean_resolution", "coverage",
)  # fmt: skip


def _timestamp(name: str, *, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _enum(name: str, type_name: str, *values: str, **kwargs) -> sa.Column:
    kind = sa.Enum(*values, name=type_name, native_enum=False, create_constraint=True, length=32)
    return sa.Column(name, kind, **kwargs)


def _big_id() -> sa.Column:
    return sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False)


def _client_fk(table: str) -> list:
    return [
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=f"fk_{table}_client_id_clients", ondelete="CASCADE"
        ),
    ]


def _user_fk(table: str, column: str) -> list:
    return [
        sa.Column(column, sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            [column], ["users.id"], name=f"fk_{table}_{column}_users", ondelete="SET NULL"
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        _enum("role", "role", "admin", "manager", "viewer", nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        _timestamp("created_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("email", name="uq_users_email"),
    )

    op.create_table(
        "clients",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("partner_names", sa.String(300), nullable=True),
        sa.Column("wedding_date", sa.Date(), nullable=True),
        sa.Column("venue", sa.String(200), nullable=True),
        sa.Column("package", sa.String(100), nullable=True),
        sa.Column("contract_value", sa.BigInteger(), nullable=True),
        _enum("status", "client_status", "active", "churned", "completed", nullable=False),
        *_user_fk("clients", "owner_id"),
        _timestamp("created_at", nullable=False),
        _timestamp("churned_at"),
        _timestamp("completed_at"),
        sa.CheckConstraint("length(id) > 0", name="ck_clients_id_not_empty"),
        sa.PrimaryKeyConstraint("id", name="pk_clients"),
    )
    op.create_index("ix_clients_owner_id", "clients", ["owner_id"])
    op.create_index("ix_clients_status", "clients", ["status"])
    op.create_index("ix_clients_wedding_date", "clients", ["wedding_date"])

    op.create_table(
        "logins",
        _big_id(),
        *_client_fk("logins"),
        _timestamp("ts", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_logins"),
    )
    op.create_index("ix_logins_client_id_ts", "logins", ["client_id", "ts"])

    op.create_table(
        "interactions",
        _big_id(),
        *_client_fk("interactions"),
        _timestamp("ts", nullable=False),
        sa.Column("channel", sa.String(50), nullable=True),
        sa.Column("response_hours", sa.Float(), nullable=True),
        sa.CheckConstraint(
            "response_hours >= 0", name="ck_interactions_response_hours_not_negative"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_interactions"),
    )
    op.create_index("ix_interactions_client_id_ts", "interactions", ["client_id", "ts"])

    op.create_table(
        "tasks",
        _big_id(),
        *_client_fk("tasks"),
        sa.Column("title", sa.String(300), nullable=False),
        _enum("kind", "task_kind", "task", "milestone", nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        _timestamp("completed_at"),
        sa.PrimaryKeyConstraint("id", name="pk_tasks"),
    )
    op.create_index("ix_tasks_client_id_due_date", "tasks", ["client_id", "due_date"])

    op.create_table(
        "feedback",
        _big_id(),
        *_client_fk("feedback"),
        _timestamp("ts", nullable=False),
        sa.Column("rating", sa.SmallInteger(), nullable=True),
        sa.Column("sentiment", sa.Float(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name="ck_feedback_rating_range"),
        sa.CheckConstraint("sentiment BETWEEN -1 AND 1", name="ck_feedback_sentiment_range"),
        sa.PrimaryKeyConstraint("id", name="pk_feedback"),
    )
    op.create_index("ix_feedback_client_id_ts", "feedback", ["client_id", "ts"])

    op.create_table(
        "tickets",
        _big_id(),
        *_client_fk("tickets"),
        _timestamp("opened_at", nullable=False),
        _timestamp("resolved_at"),
        sa.Column("resolution_rating", sa.SmallInteger(), nullable=True),
        sa.CheckConstraint(
            "resolution_rating BETWEEN 1 AND 5", name="ck_tickets_resolution_rating_range"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_tickets"),
    )
    op.create_index("ix_tickets_client_id_opened_at", "tickets", ["client_id", "opened_at"])

    op.create_table(
        "health_scores",
        _big_id(),
        *_client_fk("health_scores"),
        sa.Column("day", sa.Date(), nullable=False),
        *(sa.Column(name, sa.Float(), nullable=True) for name in SCORE_COLUMNS),
        _enum("risk_level", "risk_level", "low", "medium", "high", "critical", nullable=False),
        _enum(
            "trend",
            "trend",
            "improving",
            "stable",
            "declining",
            server_default="stable",
            nullable=False,
        ),  # fmt: skip
        sa.Column("primary_factor", sa.String(32), nullable=True),
        _timestamp("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_health_scores"),
        sa.UniqueConstraint("client_id", "day", name="uq_health_scores_client_id_day"),
    )
    op.create_index("ix_health_scores_day_overall", "health_scores", ["day", "overall"])
    op.create_index("ix_health_scores_day_risk_level", "health_scores", ["day", "risk_level"])

    op.create_table(
        "interventions",
        sa.Column("id", sa.Integer(), nullable=False),
        *_client_fk("interventions"),
        _enum(
            "type",
            "intervention_type",
            "call",
            "email",
            "meeting",
            "account_review",
            nullable=False,
        ),  # fmt: skip
        _enum("priority", "priority", "urgent", "high", "medium", "low", nullable=False),
        _enum(
            "status",
            "intervention_status",
            "pending",
            "in_progress",
            "completed",
            "cancelled",
            nullable=False,
        ),  # fmt: skip
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        *_user_fk("interventions", "assigned_to"),
        _timestamp("due_date", nullable=False),
        _enum("source", "source", "manual", "auto", nullable=False),
        *_user_fk("interventions", "created_by"),
        _timestamp("created_at", nullable=False),
        _timestamp("updated_at", nullable=False),
        _timestamp("started_at"),
        _timestamp("completed_at"),
        _timestamp("cancelled_at"),
        _enum("outcome", "outcome", "resolved", "unresolved", "no_response", nullable=True),
        sa.Column("client_responded", sa.Boolean(), nullable=True),
        sa.Column("score_at_creation", sa.Float(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status <> 'completed' OR outcome IS NOT NULL",
            name="ck_interventions_completed_has_outcome",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_interventions"),
    )
    op.create_index("ix_interventions_assigned_to", "interventions", ["assigned_to"])
    op.create_index("ix_interventions_client_id", "interventions", ["client_id"])
    op.create_index(
        "ix_interventions_status_priority_due_date",
        "interventions",
        ["status", "priority", "due_date"],
    )

    op.create_table(
        "intervention_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("intervention_id", sa.Integer(), nullable=False),
        *_user_fk("intervention_notes", "author_id"),
        sa.Column("body", sa.Text(), nullable=False),
        _timestamp("created_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["intervention_id"],
            ["interventions.id"],
            name="fk_intervention_notes_intervention_id_interventions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_intervention_notes"),
    )
    op.create_index(
        "ix_intervention_notes_intervention_id", "intervention_notes", ["intervention_id"]
    )

    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        *_client_fk("alerts"),
        _enum("kind", "alert_kind", "score_drop", "risk_worsened", nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        _timestamp("created_at", nullable=False),
        _timestamp("read_at"),
        _timestamp("emailed_at"),
        *_user_fk("alerts", "assignee_id"),
        sa.PrimaryKeyConstraint("id", name="pk_alerts"),
        sa.UniqueConstraint("client_id", "kind", "day", name="uq_alerts_client_id_kind_day"),
    )
    op.create_index("ix_alerts_assignee_id", "alerts", ["assignee_id"])
    op.create_index("ix_alerts_created_at", "alerts", ["created_at"])

    op.create_table(
        "scoring_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        _timestamp("started_at", nullable=False),
        _timestamp("finished_at"),
        _enum("status", "run_status", "running", "succeeded", "failed", nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("clients_scored", sa.Integer(), nullable=False),
        sa.Column("interventions_created", sa.Integer(), nullable=False),
        sa.Column("alerts_created", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("duration_seconds", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_scoring_runs"),
    )
    op.create_index("ix_scoring_runs_started_at", "scoring_runs", ["started_at"])

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("to_address", sa.String(320), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        _timestamp("created_at", nullable=False),
        sa.Column("attachment_name", sa.String(255), nullable=True),
        sa.Column("attachment", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
    )
    op.create_index("ix_outbox_created_at", "outbox", ["created_at"])


def downgrade() -> None:
    for table in (
        "outbox", "scoring_runs", "alerts", "intervention_notes", "interventions",
        "health_scores", "tickets", "feedback", "tasks", "interactions", "logins",
        "clients", "users",
    ):  # fmt: skip
        op.drop_table(table)
