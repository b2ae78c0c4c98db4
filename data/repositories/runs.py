"""Scoring runs: start, finish or fail a run, and the "last refreshed" the UI shows.

A run is started and committed before the work, so others see it running;
``finish_run`` or ``fail_run`` then records the outcome in its own transaction.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import RunStatus, ScoringRun, utcnow
from data.repositories._frames import read_frame

MAX_ERROR_LENGTH = 4000


def start_run(
    session: Session, as_of: dt.date, *, at: dt.datetime | None = None, all_clients: bool = True
) -> ScoringRun:
    """Record a scoring run for day ``as_of`` starting at ``at`` (default now).

    ``all_clients`` is False for a run limited to some clients (a recalculation).
    """
    run = ScoringRun(
        as_of=as_of, started_at=at or utcnow(), status=RunStatus.RUNNING, all_clients=all_clients
    )
    session.add(run)
    session.flush()
    return run


def finish_run(
    session: Session,
    run_id: int,
    *,
    clients_scored: int,
    interventions_created: int = 0,
    alerts_created: int = 0,
    at: dt.datetime | None = None,
) -> ScoringRun:
    """Mark run ``run_id`` succeeded at ``at`` (default now), with its counts and duration."""
    run = _run(session, run_id)
    run.status = RunStatus.SUCCEEDED
    run.clients_scored = clients_scored
    run.interventions_created = interventions_created
    run.alerts_created = alerts_created
    _close(run, at)
    return run


def fail_run(
    session: Session, run_id: int, error: str, *, at: dt.datetime | None = None
) -> ScoringRun:
    """Mark run ``run_id`` failed at ``at`` (default now) with the error text (trimmed to 4000 characters)."""
    run = _run(session, run_id)
    run.status = RunStatus.FAILED
    run.error = error[:MAX_ERROR_LENGTH]
    _close(run, at)
    return run


def last_successful_run(session: Session) -> ScoringRun | None:
    """The most recently finished successful run, or None."""
    return session.scalar(
        select(ScoringRun)
        .where(ScoringRun.status == RunStatus.SUCCEEDED)
        .order_by(ScoringRun.finished_at.desc(), ScoringRun.id.desc())
        .limit(1)
    )


def latest_run(session: Session) -> ScoringRun | None:
    """The most recently started run, whatever its status, or None."""
    return session.scalar(
        select(ScoringRun).order_by(ScoringRun.started_at.desc(), ScoringRun.id.desc()).limit(1)
    )


def runs_frame(session: Session, *, limit: int = 20) -> pd.DataFrame:
    """The latest ``limit`` runs, newest first, every column."""
    table = ScoringRun.__table__
    stmt = select(*table.c).order_by(table.c.started_at.desc(), table.c.id.desc()).limit(limit)
    return read_frame(session, stmt)


def _run(session: Session, run_id: int) -> ScoringRun:
    run = session.get(ScoringRun, run_id)
    if run is None:
        raise LookupError(f"no scoring run {run_id}")
    return run


def _close(run: ScoringRun, at: dt.datetime | None) -> None:
    run.finished_at = at or utcnow()
    run.duration_seconds = (run.finished_at - run.started_at).total_seconds()
    session = Session.object_session(run)
    if session is not None:
        session.flush()
