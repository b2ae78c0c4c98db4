"""Scoring runs say who runs them and that they are alive: holder, heartbeat_at, "interrupted".

They also record how many clients they left as they were (``clients_skipped``),
which the API's run state reports.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03

A run killed mid-way (``kill -9``, a worker restart) used to stay "running"
for an hour. Now its process is recorded (``holder``: ``host:pid``) and renews
``heartbeat_at`` while it works, so a dead run is found and marked
``interrupted`` (``data.repositories.runs.settle_dead_runs``).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHECK = "ck_scoring_runs_run_status"


def _statuses(*values: str) -> str:
    return "status IN (" + ", ".join(f"'{value}'" for value in values) + ")"


def upgrade() -> None:
    with op.batch_alter_table("scoring_runs") as batch:
        batch.add_column(
            sa.Column("clients_skipped", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("holder", sa.String(200), nullable=True))
        batch.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
        batch.drop_constraint(op.f(CHECK), type_="check")
        batch.create_check_constraint(
            op.f(CHECK), _statuses("running", "succeeded", "failed", "interrupted")
        )


def downgrade() -> None:
    op.execute("UPDATE scoring_runs SET status = 'failed' WHERE status = 'interrupted'")
    with op.batch_alter_table("scoring_runs") as batch:
        batch.drop_constraint(op.f(CHECK), type_="check")
        batch.create_check_constraint(op.f(CHECK), _statuses("running", "succeeded", "failed"))
        batch.drop_column("heartbeat_at")
        batch.drop_column("holder")
        batch.drop_column("clients_skipped")
