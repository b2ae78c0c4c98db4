"""Scoring runs: start, finish or fail a run, and the "last refreshed" the UI shows.

A run is started and committed before the work, so others see it running;
``finish_run`` or ``fail_run`` then records the outcome in its own transaction.

A run whose process dies (``kill -9``, a worker restarted) records no outcome.
So that it does not look alive, each run records its process (``holder``,
``host:pid``) and renews ``heartbeat_at`` every ``HEARTBEAT_SECONDS`` while it
works (``Heartbeat``). ``settle_dead_runs`` marks a running run
``interrupted`` when:

- its process ran on this host and no longer exists (found at once), or
- it ran on another host and its heartbeat is older than ``STALE_AFTER``.

The heartbeat is written beside the run's own transaction. On SQLite that
transaction holds the database's only write lock, so the heartbeat waits
while the run writes: that is why a run of this host is judged by its process
alone (an SQLite file is not shared across hosts anyway).
A run recorded before the holder existed is interrupted once it is older than
``LEGACY_LEASE``. The System status page, the API and every new run settle
dead runs before they look, so a dead run is shown as interrupted at the next
look, and "Recalculate now" is offered again.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
from collections.abc import Callable

import pandas as pd
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from data.models import RUN_HOLDER_LENGTH, RunStatus, ScoringRun, utcnow
from data.repositories._frames import read_frame

log = logging.getLogger(__name__)

MAX_ERROR_LENGTH = 4000
HEARTBEAT_SECONDS = 15.0
STALE_AFTER = dt.timedelta(seconds=60)
LEGACY_LEASE = dt.timedelta(hours=1)
INTERRUPTED_ERROR = "The process running it stopped before it finished; nothing of it was written."


def start_run(
    session: Session, as_of: dt.date, *, at: dt.datetime | None = None, all_clients: bool = True
) -> ScoringRun:
    """Record a scoring run for day ``as_of`` starting at ``at`` (default now).

    ``all_clients`` is False for a run limited to some clients (a recalculation).
    """
    started = at or utcnow()
    run = ScoringRun(
        as_of=as_of,
        started_at=started,
        status=RunStatus.RUNNING,
        all_clients=all_clients,
        holder=this_process()[:RUN_HOLDER_LENGTH],
        heartbeat_at=max(started, utcnow()),
    )
    session.add(run)
    session.flush()
    return run


def finish_run(
    session: Session,
    run_id: int,
    *,
    clients_scored: int,
    clients_skipped: int = 0,
    interventions_created: int = 0,
    alerts_created: int = 0,
    at: dt.datetime | None = None,
) -> ScoringRun:
    """Mark run ``run_id`` succeeded at ``at`` (default now), with its counts and duration."""
    run = _run(session, run_id)
    run.status = RunStatus.SUCCEEDED
    run.clients_scored = clients_scored
    run.clients_skipped = clients_skipped
    run.interventions_created = interventions_created
    run.alerts_created = alerts_created
    _close(run, at)
    return run


def fail_run(
    session: Session, run_id: int, error: str, *, at: dt.datetime | None = None
) -> ScoringRun:
    """Mark run ``run_id`` failed at ``at`` (default now) with the error text (trimmed to 4000 characters).

    A run that has succeeded already keeps its outcome.
    """
    run = _run(session, run_id)
    if run.status == RunStatus.SUCCEEDED:
        return run
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


def going_run(session: Session) -> ScoringRun | None:
    """The scoring run that is going now, or None; dead runs are settled first.

    Writes (the runs it marks interrupted): call it in a session that commits.
    """
    settle_dead_runs(session)
    latest = latest_run(session)
    return latest if latest is not None and latest.status == RunStatus.RUNNING else None


def runs_frame(
    session: Session, *, limit: int | None = 20, as_of: dt.date | None = None
) -> pd.DataFrame:
    """The latest ``limit`` runs (all with None), of the day ``as_of`` if given, newest first, every column."""
    table = ScoringRun.__table__
    stmt = select(*table.c).order_by(table.c.started_at.desc(), table.c.id.desc()).limit(limit)
    if as_of is not None:
        stmt = stmt.where(table.c.as_of == as_of)
    return read_frame(session, stmt)


def this_process() -> str:
    """``host:pid`` of this process, as a run records it."""
    return f"{socket.gethostname()}:{os.getpid()}"


def process_is_gone(holder: str | None) -> bool:
    """True when ``holder`` (``host:pid``) names a process of this host that no longer exists."""
    pid = (holder or "").rpartition(":")[2]
    if not _of_this_host(holder) or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # it exists but belongs to someone else
        return False
    return False


def settle_dead_runs(session: Session, *, now: dt.datetime | None = None) -> list[int]:
    """Mark ``interrupted`` every running run whose process is gone (see the module's rules).

    Returns the ids marked; the caller commits.
    """
    now = now or utcnow()
    running = session.execute(
        select(ScoringRun.id, ScoringRun.holder, ScoringRun.heartbeat_at, ScoringRun.started_at)
        .where(ScoringRun.status == RunStatus.RUNNING)
    ).all()  # fmt: skip
    dead = [
        run.id
        for run in running
        if (run.holder is None and now - run.started_at > LEGACY_LEASE)
        or process_is_gone(run.holder)
        or (
            not _of_this_host(run.holder)
            and run.heartbeat_at is not None
            and now - run.heartbeat_at > STALE_AFTER
        )
    ]
    if dead:
        session.execute(
            update(ScoringRun)
            .where(ScoringRun.id.in_(dead), ScoringRun.status == RunStatus.RUNNING)
            .values(status=RunStatus.INTERRUPTED, finished_at=now, error=INTERRUPTED_ERROR)
            .execution_options(synchronize_session="fetch")
        )
        log.warning("scoring runs %s marked interrupted: their process is gone", dead)
    return dead


def _of_this_host(holder: str | None) -> bool:
    return (holder or "").rpartition(":")[0] == socket.gethostname()


def beat(sessions: Callable[[], Session], run_id: int) -> None:
    """Renew the heartbeat of run ``run_id`` (while it is running), in a transaction of its own."""
    with sessions() as session, session.begin():
        session.execute(
            update(ScoringRun)
            .where(ScoringRun.id == run_id, ScoringRun.status == RunStatus.RUNNING)
            .values(heartbeat_at=utcnow())
            .execution_options(synchronize_session=False)
        )


class Heartbeat:
    """Renews a run's heartbeat every ``every`` seconds in a daemon thread, for a ``with`` block.

    A failed renewal (SQLite's write lock held by the run itself) is logged and
    tried again at the next beat.
    """

    def __init__(
        self, sessions: Callable[[], Session], run_id: int, *, every: float = HEARTBEAT_SECONDS
    ) -> None:
        self._sessions = sessions
        self._run_id = run_id
        self._every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._loop, name=f"csd-run-{run_id}-heartbeat", daemon=True
        )

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=self._every)

    def _loop(self) -> None:
        while not self._stop.wait(self._every):
            try:
                beat(self._sessions, self._run_id)
            except Exception as error:  # noqa: BLE001 - the next beat tries again
                log.debug("heartbeat of run %s not renewed: %s", self._run_id, error)


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
