"""Scoring runs record whether they scored every client: scoring_runs.all_clients.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27

A recalculation of a few clients writes scores for a day the daily run may
not have reached yet; the dashboard's "latest day" is the latest day a run
scored every client, so such a day never shows a partial book.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("scoring_runs") as batch:
        batch.add_column(
            sa.Column("all_clients", sa.Boolean(), nullable=False, server_default=sa.true())
        )


def downgrade() -> None:
    with op.batch_alter_table("scoring_runs") as batch:
        batch.drop_column("all_clients")
