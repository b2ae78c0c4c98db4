"""Work started in the background: a recalculation ("Recalculate now", the API's), a schedule's "Run now", a data quality check.

The request that starts the work returns at once (the API's with 202); the work runs in a daemon
thread of the process and records its outcome in the database (a row of
``scoring_runs``, or the schedule's last run), which the page polls. Nothing
about it lives only in this process's memory, so any worker can answer the
polling requests.

Each start takes a job lock in the database (``data.repositories.locks``)
first, so two clicks, in one worker or two, do not start the same work
twice: a report's thread gives its lock back when it is done. A
recalculation takes its turn (``take_turn``) only for the transaction that
checks that no scoring run (the daily job's included) is going and records
its own run; from then on its run's row refuses a second start, and a run
whose process died is settled as interrupted (``data.repositories.runs``)
instead of blocking the next one.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pandas as pd

from dashboard.formatting import local_time_text
from data.db import session_factory
from data.repositories.locks import acquire_job_lock, default_holder, release_job_lock, take_turn
from data.repositories.runs import fail_run, going_run, start_run
from data.repositories.schedules import schedule_by_id

log = logging.getLogger(__name__)

RECALCULATE_JOB = "manual-scoring"
REPORT_RUN_LEASE = dt.timedelta(minutes=10)
QUALITY_JOB = "data-quality-check"
QUALITY_LEASE = dt.timedelta(minutes=10)


def report_run_job(schedule_id: int) -> str:
    """The lock name of "Run now" for one schedule."""
    return f"report-run-{int(schedule_id)}"


@dataclass(frozen=True)
class Started:
    """Whether the work was started, and what to tell the person who asked.

    ``run_id`` is the scoring run a recalculation started, or the one already
    going that refused it.
    """

    started: bool
    message: str
    run_id: int | None = None


def start_recalculation(
    url: str,
    *,
    now: pd.Timestamp,
    zone: ZoneInfo,
    client_ids: list[str] | None = None,
    force: bool = True,
) -> Started:
    """Score active clients for today in a thread, unless a scoring run is going already.

    The run is recorded before this returns (its ``scoring_runs`` row starts at
    exactly ``now``, which is how the page finds it, and its id is returned),
    and carried on by the thread. ``client_ids`` limits it to those clients;
    with ``force`` (the app's button) clients already scored today are scored
    again. The new alerts are mailed as the daily job mails them. This is the
    one way a person starts a run: "Recalculate now" and the API's
    recalculation both come here.
    """
    sessions = session_factory(url)
    with sessions() as session, session.begin():
        # The check for a going run and the new run's row, one starter at a time; once
        # committed, the run's row itself refuses the next start.
        if not take_turn(session, RECALCULATE_JOB):
            return Started(
                False, "A recalculation is being started right now; try again in a moment."
            )
        going = going_run(session)
        if going is not None:
            return Started(
                False,
                "A scoring run is already going (started "
                f"{local_time_text(going.started_at, zone, now=now)}).",
                run_id=going.id,
            )
        run_id = start_run(
            session, now.date(), at=now.to_pydatetime(), all_clients=client_ids is None
        ).id
    thread = threading.Thread(
        target=_recalculate,
        args=(url, run_id, now.to_pydatetime(), client_ids, force),
        name="csd-recalculate",
        daemon=True,
    )
    thread.start()
    return Started(True, "Recalculation started.", run_id=run_id)


def _recalculate(
    url: str, run_id: int, now: dt.datetime, client_ids: list[str] | None, force: bool
) -> None:
    from dashboard.services.scheduler import mail_alerts
    from data.scoring_job import ScoringFailed, run_scoring

    sessions = session_factory(url)
    try:
        summary = run_scoring(sessions, now=now, force=force, client_ids=client_ids, run_id=run_id)
        mail_alerts(sessions, day=summary.as_of, url=url)
        log.info("recalculation: %s clients scored for %s", summary.clients_scored, summary.as_of)
    except ScoringFailed as error:  # recorded on the run row, which the page shows
        log.error("recalculation failed: %s", error)
    except Exception as error:  # noqa: BLE001 - a background thread has only the log and the run
        log.exception("recalculation failed")
        with sessions() as session, session.begin():
            fail_run(session, run_id, f"{type(error).__name__}: {error}")


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


def start_quality_check(url: str, *, now: pd.Timestamp, zone: ZoneInfo) -> Started:
    """Check the data quality in a thread (``dashboard.services.data_quality.run_quality_check``).

    One check at a time across workers: a second start while one is going is
    refused (the page waits for the one going).
    """
    sessions = session_factory(url)
    holder = f"{default_holder()}:quality"
    with sessions() as session, session.begin():
        locked = acquire_job_lock(
            session, QUALITY_JOB, until=(now + pd.Timedelta(QUALITY_LEASE)).to_pydatetime(),
            holder=holder, now=now.to_pydatetime(),
        )  # fmt: skip
    if not locked:
        return Started(False, "The data is being checked already.")
    thread = threading.Thread(
        target=_check_quality, args=(url, zone, holder), name="csd-quality-check", daemon=True
    )
    thread.start()
    return Started(True, "Checking the data…")


def _check_quality(url: str, zone: ZoneInfo, holder: str) -> None:
    from dashboard.services.data_quality import run_quality_check

    sessions = session_factory(url)
    try:
        run_quality_check(sessions, zone=zone)
    except Exception:  # noqa: BLE001 - a background thread has only the log to report to
        log.exception("the data quality check could not be stored")
    finally:
        _release(sessions, QUALITY_JOB, holder)
