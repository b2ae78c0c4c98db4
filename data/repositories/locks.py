"""Job locks: one runner at a time for a scheduled job, across processes and app instances.

``acquire_job_lock`` works inside the caller's transaction. It takes the
job's row in ``job_locks`` when its ``locked_until`` has passed (or was never
set) and stamps it with the holder and a new expiry; the expiry both ends a
lock whose holder died and keeps a job that fired in several workers at the
same moment from running twice. On PostgreSQL an advisory lock held until the
transaction ends (``pg_try_advisory_xact_lock``) guards the check, so a second
runner gives up at once instead of waiting; on SQLite the write to the row
takes the database's single write lock, which serialises runners the same way.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import socket
import threading

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from data.models import utcnow
from data.models_reports import JobLock
from data.repositories._upsert import insert_missing_rows


def lock_key(name: str) -> int:
    """The signed 64-bit PostgreSQL advisory lock key of a job name (stable across processes)."""
    digest = hashlib.blake2b(f"csd-job:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def default_holder() -> str:
    """``host:pid:thread``: who holds a lock, for the status page and the logs."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def acquire_job_lock(
    session: Session,
    name: str,
    *,
    until: dt.datetime,
    holder: str | None = None,
    now: dt.datetime | None = None,
) -> bool:
    """Take the lock of job ``name`` until ``until`` in the current transaction; False when held.

    The caller commits (which makes the lock visible to others) or rolls back
    (which gives it up).
    """
    now = now or utcnow()
    if not take_turn(session, name):
        return False
    result = session.execute(
        update(JobLock)
        .where(
            JobLock.name == name,
            or_(JobLock.locked_until.is_(None), JobLock.locked_until <= now),
        )
        .values(holder=holder or default_holder(), locked_until=until)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def job_lock_held(session: Session, name: str, *, now: dt.datetime | None = None) -> bool:
    """Whether somebody holds the lock of job ``name`` now (read only)."""
    until = session.scalar(select(JobLock.locked_until).where(JobLock.name == name))
    return until is not None and until > (now or utcnow())


def take_turn(session: Session, name: str) -> bool:
    """Hold ``name`` until the current transaction ends; False when another transaction holds it.

    For work whose check and record fit in one transaction (start a run unless
    one is going): nothing outlives the transaction, so a process that dies
    holds nothing. PostgreSQL: ``pg_try_advisory_xact_lock`` (a second taker
    gives up at once). SQLite: a first write, to the job's row, which takes
    the database's single write lock (a second taker waits for it).
    """
    postgresql = session.get_bind().dialect.name == "postgresql"
    if postgresql and not session.scalar(select(func.pg_try_advisory_xact_lock(lock_key(name)))):
        return False
    # A write first: on SQLite it takes the write lock before anything is read.
    insert_missing_rows(
        session,
        JobLock.__table__,
        [{"name": name, "holder": None, "locked_until": None}],
        keys=["name"],
    )
    return True


def release_job_lock(
    session: Session, name: str, *, holder: str | None = None, now: dt.datetime | None = None
) -> bool:
    """End the lock of job ``name`` now, when ``holder`` (default: this thread) holds it."""
    result = session.execute(
        update(JobLock)
        .where(JobLock.name == name, JobLock.holder == (holder or default_holder()))
        .values(locked_until=now or utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def job_lock(session: Session, name: str) -> JobLock | None:
    """The lock row of job ``name`` (who holds it, until when), or None when never taken."""
    return session.get(JobLock, name)
