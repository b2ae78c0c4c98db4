"""Event rows carry a content hash: row_hash, unique per client and time, on every event table.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01

An import skips events already stored by inserting with "on conflict do
nothing" against a unique index on ``(client_id, <time column>, row_hash)``,
instead of reading what is stored. That index replaces the plain index on
``(client_id, <time column>)``, whose reads it serves as well.

``row_hash`` is ``data.row_hash.row_hashes`` over the columns of each table
listed below (a snapshot of the columns at this revision; ``client_id`` is
not hashed, the index holds it). The upgrade adds the column, fills it for
the stored rows (read in chunks, in id order), deletes all but the first
(lowest id) of rows that are equal, then makes the column NOT NULL and swaps
the indexes. The downgrade restores the plain index and drops the column.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import sqlalchemy as sa
from alembic import op

from data.row_hash import ValueKind, row_hashes

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHUNK = 50_000

# Per table: its time column, and the hashed columns with how each is normalised.
HASHED_COLUMNS: dict[str, tuple[str, tuple[tuple[str, ValueKind], ...]]] = {
    "logins": ("ts", (("ts", "timestamp"),)),
    "interactions": (
        "ts",
        (("ts", "timestamp"), ("channel", "text"), ("response_hours", "float")),
    ),
    "tasks": (
        "due_date",
        (("title", "text"), ("kind", "text"), ("due_date", "date"), ("completed_at", "timestamp")),
    ),
    "feedback": (
        "ts",
        (("ts", "timestamp"), ("rating", "int"), ("sentiment", "float"), ("comment", "text")),
    ),
    "tickets": (
        "opened_at",
        (("opened_at", "timestamp"), ("resolved_at", "timestamp"), ("resolution_rating", "int")),
    ),
}

_SQL_TYPES: dict[str, sa.types.TypeEngine] = {
    "text": sa.Text(),
    "timestamp": sa.DateTime(timezone=True),
    "date": sa.Date(),
    "int": sa.BigInteger(),
    "float": sa.Float(),
}


def _backfill(connection: sa.Connection, name: str) -> None:
    """Fill ``row_hash`` of every stored row, ``CHUNK`` rows at a time in id order."""
    _time, hashed = HASHED_COLUMNS[name]
    table = sa.table(
        name,
        sa.column("id", sa.BigInteger()),
        sa.column("row_hash", sa.BigInteger()),
        *(sa.column(column, _SQL_TYPES[kind]) for column, kind in hashed),
    )
    names = [column for column, _kind in hashed]
    update = (
        sa.update(table)
        .where(table.c.id == sa.bindparam("row_id"))
        .values(row_hash=sa.bindparam("hash"))
    )
    last_id = None
    while True:
        stmt = sa.select(table.c.id, *(table.c[column] for column in names)).order_by(table.c.id)
        if last_id is not None:
            stmt = stmt.where(table.c.id > last_id)
        rows = connection.execute(stmt.limit(CHUNK)).all()
        if not rows:
            return
        frame = pd.DataFrame.from_records(rows, columns=["id", *names])
        hashes = row_hashes(frame, hashed)
        connection.execute(
            update,
            [
                {"row_id": row_id, "hash": row_hash}
                for row_id, row_hash in zip(frame["id"].tolist(), hashes.tolist(), strict=True)
            ],
        )
        last_id = rows[-1][0]


def upgrade() -> None:
    connection = op.get_bind()
    for name, (time_column, _hashed) in HASHED_COLUMNS.items():
        with op.batch_alter_table(name) as batch:
            batch.add_column(sa.Column("row_hash", sa.BigInteger(), nullable=True))
        _backfill(connection, name)
        # Equal rows have equal hashes: keep the first of each.
        op.execute(
            f"DELETE FROM {name} WHERE id NOT IN "
            f"(SELECT min(id) FROM {name} GROUP BY client_id, {time_column}, row_hash)"
        )
        with op.batch_alter_table(name) as batch:
            batch.alter_column("row_hash", existing_type=sa.BigInteger(), nullable=False)
            batch.drop_index(f"ix_{name}_client_id_{time_column}")
            batch.create_unique_constraint(
                f"uq_{name}_client_id_{time_column}_row_hash",
                ["client_id", time_column, "row_hash"],
            )


def downgrade() -> None:
    for name, (time_column, _hashed) in HASHED_COLUMNS.items():
        with op.batch_alter_table(name) as batch:
            batch.drop_constraint(f"uq_{name}_client_id_{time_column}_row_hash", type_="unique")
            batch.drop_column("row_hash")
            batch.create_index(f"ix_{name}_client_id_{time_column}", ["client_id", time_column])
