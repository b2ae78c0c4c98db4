"""Checks of the data quality worked out in the background: quality_checks.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04

The Data quality page reads the newest check instead of reading every
client's events while it opens.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "quality_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("stamp", sa.String(200), nullable=False),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_quality_checks"),
    )
    op.create_index("ix_quality_checks_started_at", "quality_checks", ["started_at"])


def downgrade() -> None:
    op.drop_index("ix_quality_checks_started_at", table_name="quality_checks")
    op.drop_table("quality_checks")
