"""Checks of the data quality: store one, read the newest, and the stamp of the data they read."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from data.models import Client, ClientChange, DataImport, QualityCheck, ScoringRun

KEPT = 20  # the newest checks kept; older ones are deleted as a new one is saved


def data_stamp(session: Session) -> str:
    """What tells the data apart from newer data: the newest import, scoring run (and its state),
    client edit, and the number of clients. Four index reads."""
    newest_run = session.execute(
        select(ScoringRun.id, ScoringRun.status).order_by(ScoringRun.id.desc()).limit(1)
    ).first()
    return "-".join(
        str(value)
        for value in (
            session.scalar(select(func.max(DataImport.id))) or 0,
            f"{newest_run.id}{newest_run.status}" if newest_run else 0,
            session.scalar(select(func.max(ClientChange.id))) or 0,
            session.scalar(select(func.count()).select_from(Client)),
        )
    )


def save_check(
    session: Session,
    *,
    started_at: dt.datetime,
    finished_at: dt.datetime,
    stamp: str,
    result: str | None,
    error: str | None = None,
) -> QualityCheck:
    """Record a finished check (``result`` JSON, or the ``error`` that stopped it); keep the newest ``KEPT``."""
    check = QualityCheck(
        started_at=started_at,
        finished_at=finished_at,
        seconds=(finished_at - started_at).total_seconds(),
        stamp=stamp,
        result=result,
        error=error,
    )
    session.add(check)
    session.flush()
    kept = select(QualityCheck.id).order_by(QualityCheck.id.desc()).limit(KEPT).scalar_subquery()
    session.execute(delete(QualityCheck).where(QualityCheck.id.not_in(kept)))
    return check


def latest_check(session: Session) -> QualityCheck | None:
    """The newest check, or None before the first."""
    return session.scalar(
        select(QualityCheck)
        .order_by(QualityCheck.started_at.desc(), QualityCheck.id.desc())
        .limit(1)
    )
