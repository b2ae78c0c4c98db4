"""Failed sign-ins are counted in the database: rate_limit_entries.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03

Every worker of the app sees the same count, so the limit on password
guessing holds however many workers serve (``data.repositories.rate_limits``).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_limit_entries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_rate_limit_entries"),
    )
    op.create_index("ix_rate_limit_entries_key_at", "rate_limit_entries", ["key", "at"])


def downgrade() -> None:
    op.drop_index("ix_rate_limit_entries_key_at", table_name="rate_limit_entries")
    op.drop_table("rate_limit_entries")
