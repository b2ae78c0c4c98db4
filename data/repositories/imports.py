"""The import history: record each import (written or refused) and read the latest back."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from data.models import AUDIT_TEXT_LENGTH, DataImport, ImportVia, utcnow
from data.repositories._frames import read_frame


def record_import(
    session: Session,
    *,
    via: ImportVia,
    kind: str,
    source: str,
    actor: str,
    actor_id: int | None = None,
    rows: int = 0,
    rows_added: int = 0,
    rows_already_present: int = 0,
    problems: int = 0,
) -> None:
    """Add one import to the history (in the caller's transaction)."""
    session.execute(
        insert(DataImport).values(
            at=utcnow(),
            via=ImportVia(via).value,
            actor_id=actor_id,
            actor=actor[:320],
            kind=kind,
            source=source.replace("\x00", "")[:AUDIT_TEXT_LENGTH],
            rows=rows,
            rows_added=rows_added,
            rows_already_present=rows_already_present,
            problems=problems,
        )
    )


def imports_frame(session: Session, limit: int = 50) -> tuple[pd.DataFrame, int]:
    """(the latest ``limit`` imports, newest first; how many there are in all)."""
    table = DataImport.__table__
    query = select(table).order_by(table.c.at.desc(), table.c.id.desc()).limit(limit)
    total = session.scalar(select(func.count()).select_from(table)) or 0
    return read_frame(session, query), int(total)
