"""Work the admin views start in the background: "Recalculate now" and a schedule's "Run now".

The request that starts the work returns at once; the work runs in a daemon
thread of the process and records its outcome in the database (a row of
``scoring_runs``, or the schedule's last run), which the page polls. Nothing
about it lives only in this process's memory, so any worker can answer the
polling requests.

Each start takes a job lock in the database (``data.repositories.locks``)
first, so two clicks, in one worker or two, do not start the same work
twice; the thread gives the lock back when it is done. "Recalculate now" is
also refused while any scoring run (the daily job's included) is going.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pandas as pd

from dashboard.admin.models import SCORING_LEASE, going_run
from dashboard.formatting import local_time_text
from data.db import session_factory
from data.repositories.locks import acquire_job_lock, default_holder, release_job_lock
from data.repositories.schedules import schedule_by_id

log = logging.getLogger(__name__)

RECALCULATE_JOB = "manual-scoring"
REPORT_RUN_LEASE = dt.timedelta(minutes=10)


def report_run_job(schedule_id: int) -> str:
    """The lock name of "Run now" for one schedule."""
    return f"report-run-{int(schedule_id)}"


@dataclass(frozen=True)
class Started:
    """Whether the work was started, and what to tell the person who asked."""

    started: bool
    message: str


def start_recalculation(url: str, *, now: pd.Timestamp, zone: ZoneInfo) -> Started:
    """Score every active client for today in a thread, unless a scoring run is going already.

    The run starts at exactly ``now`` (its ``scoring_runs.started_at``), which
    is how the page finds it. Clients already scored today are scored again
    (``force``); the new alerts are mailed as the daily job mails them.
    """
    sessions = session_factory(url)
    holder = f"{default_holder()}:recalculate"
    with sessions() as session, session.begin():
        going = going_run(session, now=now)
        if going is not None:
            return Started(
                False,
                f"A scoring run is already going (started {local_time_text(going, zone, now=now)}); "
                "its result appears here when it finishes.",
            )
        locked = acquire_job_lock(
            session, RECALCULATE_JOB, until=(now + pd.Timedelta(SCORING_LEASE)).to_pydatetime(),
            holder=holder, now=now.to_pydatetime(),
        )  # fmt: skip
        if not locked:
            return Started(False, "A recalculation has just been started; wait for it to finish.")
    thread = threading.Thread(
        target=_recalculate,
        args=(url, now.to_pydatetime(), holder),
        name="csd-recalculate",
        daemon=True,
    )
    thread.start()
    return Started(True, "Recalculation started.")


def _recalculate(url: str, now: dt.datetime, holder: str) -> None:
    from dashboard.services.scheduler import mail_alerts
    from data.scoring_job import ScoringFailed, run_scoring

    sessions = session_factory(url)
    try:
        summary = run_scoring(sessions, now=now, force=True)
        mail_alerts(sessions, day=summary.as_of, url=url)
        log.info("recalculation: %s clients scored for %s", summary.clients_scored, summary.as_of)
    except ScoringFailed as error:  # recorded on the run row, which the page shows
        log.error("recalculation failed: %s", error)
    except Exception:  # noqa: BLE001 - a background thread has only the log to report to
        log.exception("recalculation failed")
    finally:
        _release(sessions, RECALCULATE_JOB, holder)


def start_report_run(url: str, schedule_id: int, *, now: pd.Timestamp, zone: ZoneInfo) -> Started:
    """Build and deliver one schedule's report in a thread ("Run now"); its next run is unchanged.

    The run's result is recorded on the schedule with ``last_run_at`` = ``now``.
    """
    sessions = session_factory(url)
    holder = f"{default_holder()}:report-{schedule_id}"
    with sessions() as session, session.begin():
        try:
            name = schedule_by_id(session, schedule_id).name
        except LookupError:
            return Started(False, "That schedule no longer exists.")
        locked = acquire_job_lock(
            session, report_run_job(schedule_id),
            until=(now + pd.Timedelta(REPORT_RUN_LEASE)).to_pydatetime(), holder=holder,
            now=now.to_pydatetime(),
        )  # fmt: skip
        if not locked:
            return Started(
                False, f"“{name}” is being built already; its result appears when it is done."
            )
    thread = threading.Thread(
        target=_run_report,
        args=(url, schedule_id, now.to_pydatetime(), zone, holder),
        name=f"csd-report-{schedule_id}",
        daemon=True,
    )
    thread.start()
    return Started(True, f"Building “{name}”…")


def _run_report(url: str, schedule_id: int, now: dt.datetime, zone: ZoneInfo, holder: str) -> None:
    from dashboard.services.scheduler import run_schedule_now

    sessions = session_factory(url)
    try:
        result = run_schedule_now(sessions, schedule_id, zone=zone, url=url, now=now)
        log.info("report run now: %s", result.describe())
    except LookupError:
        log.info("report schedule %s was deleted before it ran", schedule_id)
    except Exception:  # noqa: BLE001 - a background thread has only the log to report to
        log.exception("report schedule %s could not be run", schedule_id)
    finally:
        _release(sessions, report_run_job(schedule_id), holder)


def _release(sessions, name: str, holder: str) -> None:
    try:
        with sessions() as session, session.begin():
            release_job_lock(session, name, holder=holder)
    except Exception:  # noqa: BLE001 - the lease ends by itself
        log.exception("job lock %s could not be released", name)
