"""Score summaries the views read instead of every client's scores, filled from health_scores.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

- ``score_day_summaries``: per day, risk level and UTC creation day of the
  client, the score rows, of them the rows with an overall score, and the sum
  of their integer scores; the same added up over the creation days so far.
- ``score_client_positions`` and ``score_day_vectors``: every client's scores
  of a day, packed by client position.
- ``score_periods``: the periods summarised, with the clients at risk in each.
- ``score_period_summaries``: health improvement of a period per creation day.
- ``score_factor_summaries``: risk factor losses between two days per creation
  day and component.
- ``intervention_score_checks``: each completed intervention's client score 14
  days after completion.
- Indexes on the interventions' creation, completion and cancellation times
  and on the clients' creation time, status, end times and contract value.

The upgrade creates the tables and fills them for the scores already stored
with ``data.repositories.summaries.refresh_score_summaries`` over every stored
day (the code that keeps them from then on). The downgrade drops them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RISK_LEVELS = ("low", "medium", "high", "critical")


def upgrade() -> None:
    op.create_table(
        "score_day_summaries",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column(
            "risk_level",
            sa.Enum(
                *RISK_LEVELS,
                name="risk_level",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("created_day", sa.Date(), nullable=False),
        sa.Column("clients", sa.Integer(), nullable=False),
        sa.Column("scored", sa.Integer(), nullable=False),
        sa.Column("score_sum", sa.BigInteger(), nullable=False),
        sa.Column("clients_upto", sa.Integer(), nullable=False),
        sa.Column("scored_upto", sa.Integer(), nullable=False),
        sa.Column("score_sum_upto", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("day", "risk_level", "created_day", name="pk_score_day_summaries"),
    )
    op.create_table(
        "score_client_positions",
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name="fk_score_client_positions_client_id_clients",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("client_id", name="pk_score_client_positions"),
        sa.UniqueConstraint("position", name="uq_score_client_positions_position"),
    )
    op.create_table(
        "score_day_vectors",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("scores", sa.LargeBinary(), nullable=False),
        sa.Column("components", sa.LargeBinary(), nullable=False),
        sa.Column("tenths", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("day", name="pk_score_day_vectors"),
    )
    op.create_table(
        "score_periods",
        sa.Column("start_day", sa.Date(), nullable=False),
        sa.Column("end_day", sa.Date(), nullable=False),
        sa.Column("at_risk", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("start_day", "end_day", name="pk_score_periods"),
    )
    op.create_table(
        "score_period_summaries",
        sa.Column("start_day", sa.Date(), nullable=False),
        sa.Column("end_day", sa.Date(), nullable=False),
        sa.Column("created_day", sa.Date(), nullable=False),
        sa.Column("clients", sa.Integer(), nullable=False),
        sa.Column("compared", sa.Integer(), nullable=False),
        sa.Column("improved", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "start_day", "end_day", "created_day", name="pk_score_period_summaries"
        ),
    )
    op.create_table(
        "score_factor_summaries",
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("created_day", sa.Date(), nullable=False),
        sa.Column("factor", sa.String(32), nullable=False),
        sa.Column("clients", sa.Integer(), nullable=False),
        sa.Column("points_lost", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint(
            "first_day", "last_day", "created_day", "factor", name="pk_score_factor_summaries"
        ),
    )
    op.create_table(
        "intervention_score_checks",
        sa.Column("intervention_id", sa.Integer(), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("check_day", sa.Date(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["intervention_id"],
            ["interventions.id"],
            name="fk_intervention_score_checks_intervention_id_interventions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("intervention_id", name="pk_intervention_score_checks"),
    )
    op.create_index(
        "ix_intervention_score_checks_check_day", "intervention_score_checks", ["check_day"]
    )
    for column in ("created_at", "completed_at", "cancelled_at"):
        op.create_index(f"ix_interventions_{column}", "interventions", [column])
    op.create_index(
        "ix_clients_created_at_status",
        "clients",
        ["created_at", "status", "churned_at", "completed_at", "contract_value"],
    )
    bind = op.get_bind()
    first, last = bind.execute(sa.text("SELECT min(day), max(day) FROM health_scores")).one()
    if first is None:
        return
    from data.repositories.summaries import refresh_score_summaries

    session = Session(bind=bind)
    refresh_score_summaries(session, start=_date(first), end=_date(last))
    session.close()


def _date(value: dt.date | str) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def downgrade() -> None:
    op.drop_index("ix_clients_created_at_status", table_name="clients")
    for column in ("created_at", "completed_at", "cancelled_at"):
        op.drop_index(f"ix_interventions_{column}", table_name="interventions")
    for table in (
        "intervention_score_checks",
        "score_factor_summaries",
        "score_period_summaries",
        "score_periods",
        "score_day_vectors",
        "score_client_positions",
        "score_day_summaries",
    ):
        op.drop_table(table)
