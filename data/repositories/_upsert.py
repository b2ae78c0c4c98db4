"""Bulk "insert or update" and "insert unless present" that work on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def _dialect_insert(session: Session, table: Table):
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"bulk upsert is not implemented for {name}")


def upsert_rows(
    session: Session,
    table: Table,
    records: list[dict[str, Any]],
    *,
    keys: Sequence[str],
    update: Sequence[str],
) -> None:
    """Insert ``records``; where a row with the same ``keys`` exists, overwrite its ``update`` columns."""
    if not records:
        return
    stmt = _dialect_insert(session, table)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(keys), set_={name: stmt.excluded[name] for name in update}
    )
    session.execute(stmt, records)


def insert_missing_rows(
    session: Session, table: Table, records: list[dict[str, Any]], *, keys: Sequence[str]
) -> None:
    """Insert ``records``, skipping those whose ``keys`` already exist."""
    if not records:
        return
    stmt = _dialect_insert(session, table).on_conflict_do_nothing(index_elements=list(keys))
    session.execute(stmt, records)
