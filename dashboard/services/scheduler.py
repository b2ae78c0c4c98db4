"""The schedule inside the app: the daily scoring with its alert mail, and the report schedules.

``start_if_enabled(server)`` starts an APScheduler ``BackgroundScheduler`` in
the process when ``CSD_SCHEDULER=on`` (and not under tests), with three jobs:

- the daily job at ``CSD_SCORE_AT`` (``HH:MM``, default ``02:00``) in
  ``CSD_TIMEZONE``: ``data.scoring_job.run_scoring`` for today (UTC), then
  the run's new alerts mailed to their assignee or the client's owner and
  marked emailed (``run_daily_job``);
- every ``REPORT_CHECK_MINUTES`` minutes, the report schedules that are due
  are built and mailed (``run_due_reports``);
- every ``SYNC_CHECK_MINUTES`` minutes, the sync sources whose interval has
  passed (hourly by default) are pulled (``run_syncs``, ``data.sync``).

Every gunicorn worker and every app instance starts its own scheduler, so
each job first takes its lock in the database (``data.repositories.locks``):
only the runner that gets it does the work. The daily job keeps its lock for
``SCORING_LEASE``, so a worker whose timer fires a little later finds it
taken and does nothing; the report job claims the due schedules and moves
their ``next_run_at`` on in the same transaction as the lock, so a schedule
is sent once. With ``CSD_SCHEDULER=off``, cron can run ``csd daily-job`` and
``csd run-schedules`` (or ``csd score``) instead.

Scheduled reports go by mail through SMTP; without SMTP they are kept in the
outbox, and also written to ``CSD_REPORTS_DIR`` when it is set. Each due
schedule is delivered on its own: whatever goes wrong with one (its report
cannot be built, its mail cannot even be put together) is recorded as that
schedule's failed run, with the error, and the others due in the same check
still go. A failed schedule is not retried before its next occurrence.
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import os
import tempfile
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.orm import Session

from dashboard.formatting import date_text, first_line, range_text
from dashboard.services.mail import Attachment, MailResult, send_mail
from dashboard.services.reports.data import ReportData
from dashboard.settings import Settings, SmtpSettings, time_of_day
from dashboard.settings import current as current_settings
from data.db import database_url, session_factory
from data.models import utcnow
from data.models_reports import ReportFormat, ReportStatus
from data.repositories.alerts import mark_alerts_emailed
from data.repositories.locks import acquire_job_lock, default_holder, release_job_lock
from data.repositories.notifications import (
    CLIENT_NAME,
    RECIPIENT_EMAIL,
    RECIPIENT_ID,
    RECIPIENT_NAME,
    alerts_to_mail,
)
from data.repositories.schedules import (
    DueReport,
    claim_due_schedules,
    due_report_of,
    record_schedule_run,
    single_line,
)
from data.repositories.sync_sources import due_source_ids
from data.scoring_job import RunSummary, ScoringFailed, run_scoring
from data.sync import SyncOutcome, sync_source

log = logging.getLogger(__name__)

Sessions = Callable[[], Session]

SCORING_JOB = "daily-scoring"
REPORTS_JOB = "report-schedules"
SCORING_LEASE = dt.timedelta(hours=1)
REPORTS_LEASE = dt.timedelta(minutes=10)
REPORT_CHECK_MINUTES = 5
SYNC_JOB = "sync-sources"
SYNC_LEASE = dt.timedelta(minutes=30)
SYNC_CHECK_MINUTES = 5
MISFIRE_GRACE_SECONDS = 3600


# -- the daily job -----------------------------------------------------------------------


@dataclass(frozen=True)
class DailyJobOutcome:
    """What one call of the daily job did: nothing (another runner has it), or a run and its mail."""

    ran: bool
    summary: RunSummary | None = None
    alerts_mailed: int = 0
    error: str | None = None

    def describe(self) -> str:
        """One line for a log or a terminal."""
        if not self.ran:
            return "The daily job is running or has just run elsewhere; nothing done."
        if self.summary is None:
            return f"The daily scoring failed: {self.error}"
        s = self.summary
        return (
            f"Scored {s.clients_scored} clients for {s.as_of} in {s.seconds:.1f} s; "
            f"{s.alerts_created} new alerts, {self.alerts_mailed} alerts mailed; "
            f"{s.interventions_created} automatic interventions."
        )


def run_daily_job(
    sessions: Sessions,
    *,
    url: str | None = None,
    now: dt.datetime | None = None,
    holder: str | None = None,
    settings: SmtpSettings | None = None,
) -> DailyJobOutcome:
    """Score today and mail the new alerts, unless another runner holds the daily job's lock.

    ``sessions`` makes sessions on the database at ``url``; ``settings``
    default to the ``SMTP_*`` environment.
    """
    now = now or utcnow()
    with sessions() as session, session.begin():
        if not acquire_job_lock(
            session, SCORING_JOB, until=now + SCORING_LEASE, holder=holder, now=now
        ):
            return DailyJobOutcome(ran=False)
    try:
        summary = run_scoring(sessions, now=now)
    except ScoringFailed as exc:
        log.error("daily scoring failed: %s", exc)
        return DailyJobOutcome(ran=True, error=str(exc))
    mailed = mail_alerts(sessions, day=summary.as_of, url=url, settings=settings)
    return DailyJobOutcome(ran=True, summary=summary, alerts_mailed=mailed)


def mail_alerts(
    sessions: Sessions,
    *,
    day: dt.date,
    url: str | None = None,
    settings: SmtpSettings | None = None,
) -> int:
    """Mail the unmailed alerts of ``day``, one mail per recipient, and mark them emailed; returns how many.

    An alert whose mail could be neither sent nor kept in the outbox stays
    unmailed.
    """
    with sessions() as session:
        pending = alerts_to_mail(session, day=day)
    mailed = 0
    for _, group in pending.groupby(RECIPIENT_ID, sort=False):
        first = group.iloc[0]
        subject, body = alert_mail(first[RECIPIENT_NAME], day, group)
        result = send_mail(first[RECIPIENT_EMAIL], subject, body, url=url, settings=settings)
        if result.via == "none":
            continue
        with sessions() as session, session.begin():
            mailed += mark_alerts_emailed(session, group["id"].tolist())
    return mailed


def alert_mail(recipient_name: str, day: dt.date, alerts: pd.DataFrame) -> tuple[str, str]:
    """Subject and body of the mail that tells a team member about the alerts of their clients."""
    clients = alerts[CLIENT_NAME].nunique()
    needs = "client needs" if clients == 1 else "clients need"
    subject = f"{clients} {needs} attention: health score alerts of {date_text(day)}"
    lines = [f"Hello {recipient_name},", ""]
    lines.append(
        f"The daily scoring of {date_text(day)} raised {len(alerts)} "
        f"{'alert' if len(alerts) == 1 else 'alerts'} for clients you look after:"
    )
    lines.append("")
    lines.extend(f"- {row[CLIENT_NAME]}: {row['message']}" for _, row in alerts.iterrows())
    lines.append("")
    lines.append(
        "Open the Customer Success Dashboard to see why each score changed and to plan an "
        "intervention. The alerts are also under the bell in the navigation bar."
    )
    return subject, "\n".join(lines) + "\n"


# -- report schedules ----------------------------------------------------------------------


@dataclass(frozen=True)
class ReportRunResult:
    """How one run of a report schedule went."""

    schedule_id: int
    name: str
    status: ReportStatus
    detail: str
    error: str | None = None

    def describe(self) -> str:
        """One line for a log, a terminal or the schedules page."""
        return f"{self.name}: {self.detail}"


def run_syncs(
    sessions: Sessions,
    *,
    source_ids: list[int] | None = None,
    now: dt.datetime | None = None,
    holder: str | None = None,
) -> list[SyncOutcome] | None:
    """Pull ``source_ids`` (default: the sources that are due) once each; None when a sync runs already.

    The sync lock is held while the sources are pulled, so two runners never
    import the same dropped file or move it twice.
    """
    now = now or utcnow()
    holder = holder or default_holder()
    with sessions() as session, session.begin():
        if not acquire_job_lock(session, SYNC_JOB, until=now + SYNC_LEASE, holder=holder, now=now):
            return None
        if source_ids is None:
            source_ids = due_source_ids(session, now)
    try:
        return [sync_source(sessions, source_id, now=now) for source_id in source_ids]
    finally:
        with sessions() as session, session.begin():
            release_job_lock(session, SYNC_JOB, holder=holder)


def run_due_reports(
    sessions: Sessions,
    *,
    zone: ZoneInfo,
    url: str | None = None,
    now: dt.datetime | None = None,
    holder: str | None = None,
    settings: SmtpSettings | None = None,
    reports_dir: Path | None = None,
) -> list[ReportRunResult] | None:
    """Build and send every report schedule due at ``now``; None when another runner holds the lock.

    The due schedules are claimed (their next run moved on) in the lock's
    transaction, which is committed before any report is built.
    """
    now = now or utcnow()
    holder = holder or default_holder()
    with sessions() as session, session.begin():
        if not acquire_job_lock(
            session, REPORTS_JOB, until=now + REPORTS_LEASE, holder=holder, now=now
        ):
            return None
        due = claim_due_schedules(session, zone=zone, now=now)
        release_job_lock(session, REPORTS_JOB, holder=holder, now=now)
    return [
        _deliver_alone(
            sessions, item, zone=zone, url=url, now=now, settings=settings, reports_dir=reports_dir
        )
        for item in due
    ]


def _deliver_alone(
    sessions: Sessions, due: DueReport, *, now: dt.datetime, **options: Any
) -> ReportRunResult:
    """``deliver_report`` of one claimed schedule; anything it raises is recorded on that schedule alone."""
    try:
        return deliver_report(sessions, due, now=now, **options)
    except Exception as exc:  # noqa: BLE001 - recorded on the schedule; the other due ones still go
        log.exception("report schedule %s (%s) could not be delivered", due.schedule_id, due.name)
        error = f"the report could not be delivered: {type(exc).__name__}: {first_line(exc)}"
        return _record(sessions, due, ReportStatus.FAILED, error, error, now)


def run_schedule_now(
    sessions: Sessions,
    schedule_id: int,
    *,
    zone: ZoneInfo,
    url: str | None = None,
    now: dt.datetime | None = None,
    settings: SmtpSettings | None = None,
    reports_dir: Path | None = None,
) -> ReportRunResult:
    """Build and send one schedule's report now ("Run now"); its next run is unchanged.

    Raises LookupError for an unknown schedule.
    """
    now = now or utcnow()
    with sessions() as session:
        due = due_report_of(session, schedule_id, now=now)
    return deliver_report(
        sessions, due, zone=zone, url=url, now=now, settings=settings, reports_dir=reports_dir
    )


def deliver_report(
    sessions: Sessions,
    due: DueReport,
    *,
    zone: ZoneInfo,
    url: str | None = None,
    now: dt.datetime | None = None,
    settings: SmtpSettings | None = None,
    reports_dir: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> ReportRunResult:
    """Build the report of ``due``, mail it (or keep it), and record the result on the schedule."""
    from dashboard.services.reports import render_report

    now = now or utcnow()
    configured = Settings.from_environ(environ)
    settings = settings if settings is not None else configured.smtp
    reports_dir = reports_dir if reports_dir is not None else configured.reports_dir
    try:
        with sessions() as session:
            report = render_report(
                session, due.period, due.segment, due.format, zone=zone, now=pd.Timestamp(now)
            )
            session.rollback()
    except Exception as exc:  # noqa: BLE001 - recorded on the schedule, never raised to a page
        log.exception("report schedule %s (%s) could not be built", due.schedule_id, due.name)
        error = f"the report could not be built: {type(exc).__name__}: {first_line(exc)}"
        return _record(sessions, due, ReportStatus.FAILED, error, error, now)

    try:
        saved = None
        if settings is None and reports_dir is not None:
            saved = _save_copy(reports_dir, due, report.filename, report.content)
        subject, body = report_mail(due, report.data)
        attachment = Attachment(report.filename, report.content, report.mimetype)
        result = send_mail(due.recipients, subject, body, attachment, url=url, settings=settings)
    except Exception as exc:  # noqa: BLE001 - e.g. a header the mail library refuses; recorded
        log.exception("report schedule %s (%s) could not be sent", due.schedule_id, due.name)
        error = f"the report could not be sent: {type(exc).__name__}: {first_line(exc)}"
        return _record(sessions, due, ReportStatus.FAILED, error, error, now)
    status, detail = _delivery(result, saved)
    return _record(sessions, due, status, detail, result.error, now)


def _delivery(result: MailResult, saved: str | None) -> tuple[ReportStatus, str]:
    to = ", ".join(result.recipients)
    if result.via == "smtp":
        return ReportStatus.SENT, f"sent to {to}"
    copy = f"; saved as {saved}" if saved else ""
    if result.via == "outbox" and result.error is None:
        return ReportStatus.STORED, f"SMTP is not configured: kept in the outbox for {to}{copy}"
    if result.via == "outbox":
        return ReportStatus.FAILED, f"not sent ({result.error}); kept in the outbox for {to}{copy}"
    return ReportStatus.FAILED, f"not sent: {result.error}{copy}"


def _record(
    sessions: Sessions,
    due: DueReport,
    status: ReportStatus,
    detail: str,
    error: str | None,
    now: dt.datetime,
) -> ReportRunResult:
    try:
        with sessions() as session, session.begin():
            record_schedule_run(session, due.schedule_id, status=status, error=error, at=now)
    except Exception:  # noqa: BLE001 - the run happened; failing to note it must not stop the others
        log.exception("result of report schedule %s could not be recorded", due.schedule_id)
    return ReportRunResult(due.schedule_id, due.name, status, detail, error)


def _save_copy(folder: Path, due: DueReport, filename: str, content: bytes) -> str | None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"schedule-{due.schedule_id}-{filename}"
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".part")
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
        os.replace(temporary, target)
        return str(target)
    except OSError as exc:
        log.warning("report of schedule %s not saved in %s: %s", due.schedule_id, folder, exc)
        return None


def report_mail(due: DueReport, data: ReportData) -> tuple[str, str]:
    """Subject and body of a scheduled report's mail: the headline figures, and the file attached.

    The schedule's name is put on one line (``single_line``): a name stored
    before line breaks were refused still makes a subject the mail library
    accepts.
    """
    from dashboard.services.reports.data import HEADLINE_KPIS

    name = single_line(due.name)
    period = (
        f"{data.period.label}, {data.segment.label.lower()} ({range_text(data.start, data.end)})"
    )
    subject = f"{name}: {period}"
    lines = [f"Customer success report: {period}.", ""]
    if data.has_data:
        rows = data.kpis.set_index("kpi")
        for key in HEADLINE_KPIS:
            row = rows.loc[key]
            change = "" if row["counted_now"] else f" ({row['change_text']} vs previous period)"
            lines.append(f"{row['label']}: {row['value_text']}{change}")
    else:
        lines.append("No data for this period: no client of the segment was scored in it.")
    kind = "PDF" if due.format is ReportFormat.PDF else "CSV files (zip)"
    lines += [
        "",
        f"The full report is attached ({kind}).",
        f'Sent by the report schedule "{name}"; an admin or manager can change it in the dashboard.',
    ]
    return subject, "\n".join(lines) + "\n"


# -- the scheduler ---------------------------------------------------------------------------


def score_at(value: str | None = None) -> tuple[int, int]:
    """Hour and minute of ``value`` (``HH:MM``), by default of ``CSD_SCORE_AT``; 02:00 when unset or not a time."""
    return time_of_day(value) if value is not None else current_settings().score_at


def build_scheduler(url: str, *, zone: ZoneInfo, at: tuple[int, int]) -> BackgroundScheduler:
    """A scheduler (not started) with the daily job and the report-schedule check, in ``zone``."""
    scheduler = BackgroundScheduler(
        timezone=zone,
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": MISFIRE_GRACE_SECONDS,
        },
    )
    hour, minute = at
    scheduler.add_job(
        _daily_job,
        CronTrigger(hour=hour, minute=minute, timezone=zone),
        kwargs={"url": url},
        id=SCORING_JOB,
        name="Daily scoring and alert mail",
    )
    scheduler.add_job(
        _sync_job,
        IntervalTrigger(minutes=SYNC_CHECK_MINUTES, timezone=zone),
        kwargs={"url": url},
        id=SYNC_JOB,
        name="Sync sources",
        next_run_time=dt.datetime.now(zone),  # at start too: a source added while stopped is pulled
    )
    scheduler.add_job(
        _reports_job,
        IntervalTrigger(minutes=REPORT_CHECK_MINUTES, timezone=zone),
        kwargs={"url": url, "zone": zone},
        id=REPORTS_JOB,
        name="Scheduled reports",
    )
    return scheduler


def _daily_job(url: str) -> None:
    try:
        outcome = run_daily_job(session_factory(url), url=url)
    except Exception:  # noqa: BLE001 - a scheduler thread has nobody to report to but the log
        log.exception("daily job failed")
        return
    log.info("%s", outcome.describe())


def _sync_job(url: str) -> None:
    try:
        outcomes = run_syncs(session_factory(url))
    except Exception:  # noqa: BLE001 - a scheduler thread has nobody to report to but the log
        log.exception("sync failed")
        return
    for outcome in outcomes or ():
        log.info("%s", outcome.describe())


def _reports_job(url: str, zone: ZoneInfo) -> None:
    try:
        results = run_due_reports(session_factory(url), url=url, zone=zone)
    except Exception:  # noqa: BLE001
        log.exception("scheduled reports failed")
        return
    for result in results or ():
        log.info("scheduled report %s", result.describe())


_scheduler: BackgroundScheduler | None = None
_start_lock = threading.Lock()


def scheduler_enabled(config: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> bool:
    """True when ``CSD_SCHEDULER`` (app config, then environment) is ``on`` and this is not a test run."""
    configured = Settings.from_environ(environ, overrides=config)
    return configured.scheduler and not configured.test_run


def start_if_enabled(server) -> BackgroundScheduler | None:
    """Start this process's scheduler for the Flask ``server``'s database when it is enabled (once)."""
    global _scheduler
    if not scheduler_enabled(server.config):
        return None
    from dashboard.clock import display_zone

    with _start_lock:
        if _scheduler is None:
            url = server.config.get("DATABASE_URL") or database_url()
            with server.app_context():
                zone = display_zone()
            scheduler = build_scheduler(url, zone=zone, at=score_at())
            scheduler.start()
            atexit.register(_shutdown)
            _scheduler = scheduler
            log.info(
                "scheduler started: daily job at %02d:%02d %s, report schedules every %d minutes",
                *score_at(), zone.key, REPORT_CHECK_MINUTES,
            )  # fmt: skip
    return _scheduler


def _shutdown() -> None:
    global _scheduler
    if _scheduler is not None and _scheduler.running:
        _scheduler.shutdown(wait=False)
    _scheduler = None
