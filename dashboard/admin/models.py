"""View models of the admin views, the alerts bell and the Risk Segments export.

Pure functions on frames (``run_rows``, ``schedule_rows``, ``outbox_rows``,
``schedule_field_errors`` ...) are unit-tested on hand-made frames; the
``*_model(session, ...)`` functions read through ``data.repositories`` and
call them. Nothing here imports Dash. Every time is shown in the display zone
(``CSD_TIMEZONE``) as the rest of the dashboard shows it (``26 Nov 07:02``).

Decisions where the brief was open:

- A run whose process died without recording an outcome is stored as
  "interrupted" (``data.repositories.runs.settle_dead_runs``, called before
  the page and "Recalculate now" look), so it no longer blocks
  "Recalculate now" and is listed as "Interrupted".
- The progress of a running recalculation is its elapsed time against the
  duration of the last successful run (capped at 95% until it finishes);
  without an earlier run it is shown as an animated bar without a share.
- The schedule form reports every bad field at once: each field is checked
  with the repository's own validation (``validated_fields``), the bad one
  replaced by a good value, until no error is left.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy.orm import Session

from dashboard.formatting import (
    MAX_ERROR_SHOWN,
    age_text,
    date_text,
    first_line,
    local_time_text,
    seconds_text,
)
from data.db import display_url
from data.importer import IMPORT_KINDS
from data.models import AuditAction, RunStatus, SyncKind
from data.models_reports import ReportFormat, ReportFrequency, ReportStatus
from data.repositories import alerts as alerts_repo
from data.repositories import audit as audit_repo
from data.repositories import outbox as outbox_repo
from data.repositories import runs as runs_repo
from data.repositories import schedules as schedules_repo
from data.repositories import sync_sources as sync_repo
from data.repositories.schedules import ScheduleError, validated_fields
from data.repositories.sync_sources import is_silent
from scoring.enums import Period, Segment

RUNS_SHOWN = 15
BELL_LIMIT = 10
OUTBOX_SHOWN = 50
PROGRESS_CAP = 95

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
HOURS = tuple(range(24))

# The schedule form's fields, in the order of the form, with the labels the errors use.
FIELD_LABELS: dict[str, str] = {
    "name": "Name",
    "frequency": "Frequency",
    "weekday": "Day of the week",
    "day_of_month": "Day of the month",
    "hour": "Time",
    "period": "Period",
    "segment": "Segment",
    "format": "Format",
    "recipients": "Recipients",
    "active": "Active",
}
# Values that pass validation, put in place of a bad field to find the next bad one.
_GOOD_VALUES: dict[str, Any] = {
    "name": "schedule",
    "frequency": ReportFrequency.WEEKLY.value,
    "weekday": 0,
    "day_of_month": 1,
    "hour": 0,
    "period": Period.D7.value,
    "segment": Segment.ALL.value,
    "format": ReportFormat.CSV.value,
    "recipients": "team@example.com",
    "active": True,
}


def _missing(value: object) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value))


def _int(value: object) -> int:
    return 0 if _missing(value) else int(value)


def _text(value: object) -> str:
    return "" if _missing(value) else str(value)


# -- System status ------------------------------------------------------------------------


@dataclass(frozen=True)
class RunRow:
    """One scoring run as the status page lists it."""

    id: int
    started: str
    as_of: str
    state: str  # succeeded, failed, running, interrupted
    state_label: str
    duration: str
    clients_scored: int
    interventions_created: int
    alerts_created: int
    error: str
    started_at: pd.Timestamp


_STATE_LABELS = {
    RunStatus.SUCCEEDED.value: "Succeeded",
    RunStatus.FAILED.value: "Failed",
    RunStatus.RUNNING.value: "Running",
    RunStatus.INTERRUPTED.value: "Interrupted",
}


FAILED_FOR_NON_ADMINS = "The run failed; an admin can see why."


def run_rows(
    frame: pd.DataFrame, *, zone: ZoneInfo, now: pd.Timestamp, show_errors: bool = True
) -> list[RunRow]:
    """The runs of ``runs.runs_frame`` (newest first) as the status page lists them.

    A failed run's recorded error (a database error's SQL text, file paths) is
    shown when ``show_errors`` (to admins); the others read a plain sentence.
    """
    rows = []
    for run in frame.itertuples(index=False):
        started = pd.Timestamp(run.started_at)
        state = str(run.status)
        if state == RunStatus.RUNNING.value:
            duration = f"{seconds_text((now - started).total_seconds())} so far"
        else:
            duration = seconds_text(run.duration_seconds)
        rows.append(
            RunRow(
                id=int(run.id),
                started=local_time_text(started, zone, now=now),
                as_of=date_text(run.as_of),
                state=state,
                state_label=_STATE_LABELS.get(state, state.capitalize()),
                duration=duration,
                clients_scored=_int(run.clients_scored),
                interventions_created=_int(run.interventions_created),
                alerts_created=_int(run.alerts_created),
                error=first_line(run.error, MAX_ERROR_SHOWN)
                if show_errors or state != RunStatus.FAILED.value or _missing(run.error)
                else FAILED_FOR_NON_ADMINS,
                started_at=started,
            )
        )
    return rows


def next_daily_run(now: pd.Timestamp, at: tuple[int, int], zone: ZoneInfo) -> pd.Timestamp:
    """The next time of day ``at`` (hour, minute) in ``zone`` strictly after ``now``, in UTC."""
    local = now.tz_convert(zone)
    for offset in (0, 1, 2):
        day = (local + pd.Timedelta(days=offset)).date()
        moment = pd.Timestamp(dt.datetime.combine(day, dt.time(*at), tzinfo=zone))
        if moment > now:
            return moment.tz_convert("UTC")
    raise AssertionError("a later time of day always exists")  # pragma: no cover


def progress(elapsed: float, expected: float | None) -> tuple[int | None, str]:
    """(percent or None, label) of a run going for ``elapsed`` s that last took ``expected`` s."""
    label = f"Scoring the clients: {seconds_text(elapsed)} so far"
    if _missing(expected) or not expected or expected <= 0:
        return None, label
    percent = min(PROGRESS_CAP, int(100 * elapsed / float(expected)))
    return percent, f"{label} (the last run took {seconds_text(expected)})"


def finished_run_text(row: RunRow) -> tuple[bool, str]:
    """(succeeded, one line) for a recalculation that has just finished."""
    if row.state == RunStatus.SUCCEEDED.value:
        return True, (
            f"Recalculation finished in {row.duration}: {row.clients_scored:,} clients scored, "
            f"{row.alerts_created:,} new alerts, {row.interventions_created:,} automatic interventions."
        )
    if row.state == RunStatus.INTERRUPTED.value:
        return False, f"The recalculation was interrupted: {row.error or 'its process stopped.'}"
    return (
        False,
        f"The recalculation failed after {row.duration}: {row.error or 'no reason recorded'}",
    )


@dataclass(frozen=True)
class StatusModel:
    """What the System status view shows."""

    refreshed: str  # "26 Nov 07:02", or "" before the first successful run
    refreshed_day: str  # the day the last successful run scored
    latest: RunRow | None
    running: RunRow | None
    expected_seconds: float | None
    scheduler_on: bool
    score_at: str  # "02:00"
    next_daily: str  # "27 Nov 02:00", or "" when the scheduler is off
    mail_text: str
    rows: list[RunRow]
    zone: str


def status_model(
    session: Session,
    *,
    zone: ZoneInfo,
    now: pd.Timestamp,
    scheduler_on: bool,
    score_at: tuple[int, int],
    smtp_host: str | None,
    show_errors: bool = True,
) -> StatusModel:
    """The System status: the last runs, the data refresh time, the scheduler and the mail route.

    ``show_errors``: the failed runs' recorded errors (admins); else a plain sentence.
    """
    rows = run_rows(
        runs_repo.runs_frame(session, limit=RUNS_SHOWN), zone=zone, now=now, show_errors=show_errors
    )
    success = runs_repo.last_successful_run(session)
    refreshed = refreshed_day = ""
    expected = None
    if success is not None and success.finished_at is not None:
        refreshed = local_time_text(success.finished_at, zone, now=now)
        refreshed_day = date_text(success.as_of)
        expected = success.duration_seconds
    running = next((row for row in rows if row.state == RunStatus.RUNNING.value), None)
    mail_text = (
        f"Mail is sent through SMTP ({smtp_host})."
        if smtp_host
        else "SMTP is not configured: mail is kept in the outbox."
    )
    return StatusModel(
        refreshed=refreshed,
        refreshed_day=refreshed_day,
        latest=rows[0] if rows else None,
        running=running,
        expected_seconds=expected,
        scheduler_on=scheduler_on,
        score_at=f"{score_at[0]:02d}:{score_at[1]:02d}",
        next_daily=local_time_text(next_daily_run(now, score_at, zone), zone, now=now)
        if scheduler_on
        else "",
        mail_text=mail_text,
        rows=rows,
        zone=zone.key,
    )


def run_started_at(
    session: Session,
    at: pd.Timestamp,
    *,
    zone: ZoneInfo,
    now: pd.Timestamp,
    show_errors: bool = True,
) -> RunRow | None:
    """The run that started exactly at ``at`` (a recalculation's request time), or None yet."""
    frame = runs_repo.runs_frame(session, limit=RUNS_SHOWN)
    if frame.empty:
        return None
    match = frame[pd.to_datetime(frame["started_at"], utc=True) == at]
    rows = run_rows(match, zone=zone, now=now, show_errors=show_errors)
    return rows[0] if rows else None


# -- Scheduled reports --------------------------------------------------------------------


def with_weekday(value: object, zone: ZoneInfo, *, now: pd.Timestamp) -> str:
    """A UTC time in ``zone`` with its weekday: ``Mon 30 Nov 08:00``; empty when missing."""
    if _missing(value):
        return ""
    local = pd.Timestamp(value).tz_convert(zone)
    return f"{local:%a} {local_time_text(value, zone, now=now)}"


def timing_text(frequency: str, weekday: object, day_of_month: object, hour: object) -> str:
    """``Weekly, Mondays at 08:00`` / ``Monthly, day 1 at 07:00``."""
    at = f"{_int(hour):02d}:00"
    if frequency == ReportFrequency.WEEKLY.value and not _missing(weekday):
        return f"Weekly, {WEEKDAYS[int(weekday)]}s at {at}"
    if frequency == ReportFrequency.MONTHLY.value and not _missing(day_of_month):
        day = int(day_of_month)
        last = " (or the month's last day)" if day > 28 else ""
        return f"Monthly, day {day}{last} at {at}"
    return f"{_text(frequency).capitalize()} at {at}"


# How a schedule's last run went, in the words of the list (``Stored`` = kept in the outbox).
REPORT_STATUS_LABELS = {
    ReportStatus.SENT.value: "Mailed",
    ReportStatus.STORED.value: "In the outbox",
    ReportStatus.FAILED.value: "Failed",
}


def _label(kind: type, value: object) -> str:
    try:
        return kind(value).label
    except ValueError:
        return _text(value)


@dataclass(frozen=True)
class ScheduleRow:
    """One report schedule as the Scheduled reports view lists it."""

    id: int
    name: str
    timing: str
    period: str
    segment: str
    format: str
    recipients: list[str]
    active: bool
    next_run: str
    last_run: str
    last_status: str  # sent, stored, failed or "" (never ran)
    last_status_label: str
    last_error: str
    created_by: str
    last_run_at: pd.Timestamp | None = None


def schedule_rows(frame: pd.DataFrame, *, zone: ZoneInfo, now: pd.Timestamp) -> list[ScheduleRow]:
    """The schedules of ``schedules.schedules_frame`` as the view lists them, by name."""
    rows = []
    for item in frame.itertuples(index=False):
        active = bool(item.active) if not _missing(item.active) else False
        status = _text(item.last_status)
        rows.append(
            ScheduleRow(
                id=int(item.id),
                name=_text(item.name),
                timing=timing_text(
                    _text(item.frequency), item.weekday, item.day_of_month, item.hour
                ),
                period=_label(Period, item.period),
                segment=_label(Segment, item.segment),
                format=_label(ReportFormat, item.format),
                recipients=[a.strip() for a in _text(item.recipients).split(",") if a.strip()],
                active=active,
                next_run=with_weekday(item.next_run_at, zone, now=now) if active else "Paused",
                last_run=local_time_text(item.last_run_at, zone, now=now),
                last_status=status,
                last_status_label=REPORT_STATUS_LABELS.get(status, status.capitalize())
                if status
                else "Never run",
                last_error=first_line(item.last_error, MAX_ERROR_SHOWN),
                created_by=_text(item.created_by_name),
                last_run_at=None if _missing(item.last_run_at) else pd.Timestamp(item.last_run_at),
            )
        )
    return rows


def schedules_model(session: Session, *, zone: ZoneInfo, now: pd.Timestamp) -> list[ScheduleRow]:
    """Every schedule, by name."""
    return schedule_rows(schedules_repo.schedules_frame(session), zone=zone, now=now)


def schedule_form_values(row: Mapping[str, Any] | None) -> dict[str, Any]:
    """What the schedule form shows: a stored schedule's fields, or a new schedule's defaults."""
    if row is None:
        return {
            "name": "",
            "frequency": ReportFrequency.WEEKLY.value,
            "weekday": "0",
            "day_of_month": 1,
            "hour": "8",
            "period": Period.D7.value,
            "segment": Segment.ALL.value,
            "format": ReportFormat.PDF.value,
            "recipients": "",
            "active": True,
        }
    return {
        "name": _text(row.get("name")),
        "frequency": _text(row.get("frequency")),
        "weekday": str(_int(row.get("weekday"))),
        "day_of_month": None if _missing(row.get("day_of_month")) else int(row["day_of_month"]),
        "hour": str(_int(row.get("hour"))),
        "period": _text(row.get("period")),
        "segment": _text(row.get("segment")) or Segment.ALL.value,
        "format": _text(row.get("format")),
        "recipients": ", ".join(
            a.strip() for a in _text(row.get("recipients")).split(",") if a.strip()
        ),
        "active": bool(row.get("active")) if not _missing(row.get("active")) else True,
    }


def schedule_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    """The repository's schedule fields from the form's values (a weekly one drops its day of month)."""
    fields = {name: values.get(name) for name in FIELD_LABELS}
    fields["name"] = _text(fields["name"])
    fields["recipients"] = _text(fields["recipients"])
    fields["active"] = bool(fields["active"])
    if fields["frequency"] == ReportFrequency.WEEKLY.value:
        fields["day_of_month"] = None
    else:
        fields["weekday"] = None
    return fields


def error_text(error: ScheduleError) -> str:
    """A ScheduleError as shown beside the field it names: ``Not an email address: bob@``."""
    message = error.message.strip()
    return message[:1].upper() + message[1:]


def schedule_field_errors(fields: Mapping[str, Any]) -> dict[str, str]:
    """Every bad field of ``fields`` with its message (empty when the schedule is acceptable)."""
    trial = dict(fields)
    errors: dict[str, str] = {}
    for _ in FIELD_LABELS:
        try:
            validated_fields(trial)
            break
        except ScheduleError as error:
            if error.field in errors or error.field not in _GOOD_VALUES:
                errors.setdefault(error.field, error_text(error))
                break
            errors[error.field] = error_text(error)
            trial[error.field] = _GOOD_VALUES[error.field]
            if error.field == "frequency" and trial.get("weekday") is None:
                trial["weekday"] = _GOOD_VALUES["weekday"]
    return errors


def run_result_text(row: ScheduleRow) -> tuple[bool, str]:
    """(succeeded, one line) for a schedule whose report has just been built and delivered."""
    to = ", ".join(row.recipients)
    if row.last_status == ReportStatus.SENT.value:
        return True, f"“{row.name}” was mailed to {to}."
    if row.last_status == ReportStatus.STORED.value:
        return True, (
            f"“{row.name}” was built. SMTP is not configured, so the mail to {to} is in the outbox."
        )
    reason = row.last_error or "no reason recorded"
    return False, f"“{row.name}” could not be delivered: {reason}"


# -- Outbox -------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutboxRow:
    id: int
    to: str
    subject: str
    when: str
    body: str
    attachment: str | None  # its file name


def outbox_rows(frame: pd.DataFrame, *, zone: ZoneInfo, now: pd.Timestamp) -> list[OutboxRow]:
    """The mails of ``outbox.outbox_frame`` (newest first) as the Outbox view lists them."""
    return [
        OutboxRow(
            id=int(mail.id),
            to=_text(mail.to_address),
            subject=_text(mail.subject),
            when=local_time_text(mail.created_at, zone, now=now),
            body=_text(mail.body),
            attachment=(_text(mail.attachment_name) or "attachment")
            if bool(mail.has_attachment)
            else None,
        )
        for mail in frame.itertuples(index=False)
    ]


def outbox_model(session: Session, *, zone: ZoneInfo, now: pd.Timestamp) -> list[OutboxRow]:
    """The latest mails in the outbox, newest first."""
    return outbox_rows(outbox_repo.outbox_frame(session, limit=OUTBOX_SHOWN), zone=zone, now=now)


# -- the audit log ------------------------------------------------------------------------

AUDIT_SHOWN = 200
AUDIT_LABELS: dict[str, str] = {
    AuditAction.SIGN_IN.value: "Signed in",
    AuditAction.SIGN_IN_FAILED.value: "Sign-in failed",
    AuditAction.SIGN_IN_REFUSED.value: "Sign-in refused (too many)",
    AuditAction.TOKEN_ISSUED.value: "API token issued",
    AuditAction.TOKEN_REFUSED.value: "API token refused",
    AuditAction.SIGN_OUT.value: "Signed out",
    AuditAction.EXPORT.value: "Exported",
    AuditAction.REPORT_DOWNLOAD.value: "Report downloaded",
    AuditAction.SCHEDULE_CREATED.value: "Schedule created",
    AuditAction.SCHEDULE_CHANGED.value: "Schedule changed",
    AuditAction.SCHEDULE_DELETED.value: "Schedule deleted",
    AuditAction.RECALCULATION.value: "Recalculation",
    AuditAction.IMPORT.value: "Data imported",
    AuditAction.API_KEY_CREATED.value: "API key created",
    AuditAction.API_KEY_REVOKED.value: "API key revoked",
}
# The audit log's "When" choices: how far back, None for all.
AUDIT_PERIODS: dict[str, pd.Timedelta | None] = {
    "24h": pd.Timedelta(hours=24),
    "7d": pd.Timedelta(days=7),
    "30d": pd.Timedelta(days=30),
    "all": None,
}
AUDIT_PERIOD_LABELS = {
    "24h": "Last 24 hours",
    "7d": "Last 7 days",
    "30d": "Last 30 days",
    "all": "All time",
}
FAILED_ACTIONS = frozenset(
    {
        AuditAction.SIGN_IN_FAILED.value,
        AuditAction.SIGN_IN_REFUSED.value,
        AuditAction.TOKEN_REFUSED.value,
    }
)


@dataclass(frozen=True)
class AuditRow:
    id: int
    when: str
    action: str  # its label
    failed: bool  # a refused sign-in or token, shown as a warning
    actor: str
    address: str
    subject: str
    detail: str


@dataclass(frozen=True)
class AuditModel:
    rows: list[AuditRow]
    total: int  # events matching the filters, of which ``rows`` are the latest


def audit_rows(frame: pd.DataFrame, *, zone: ZoneInfo, now: pd.Timestamp) -> list[AuditRow]:
    """The events of ``audit.audit_frame`` (newest first) as the Audit log lists them."""
    return [
        AuditRow(
            id=int(event.id),
            when=local_time_text(event.at, zone, now=now),
            action=AUDIT_LABELS.get(str(event.action), str(event.action)),
            failed=str(event.action) in FAILED_ACTIONS,
            actor=_text(event.actor) or "–",
            address=_text(event.address) or "–",
            subject=_text(event.subject),
            detail=_text(event.detail),
        )
        for event in frame.itertuples(index=False)
    ]


def audit_model(
    session: Session,
    *,
    actions: list[str] | None,
    who: str | None,
    period: str,
    zone: ZoneInfo,
    now: pd.Timestamp,
) -> AuditModel:
    """The latest ``AUDIT_SHOWN`` events of the kinds, member and period chosen, and how many match."""
    span = AUDIT_PERIODS.get(period, AUDIT_PERIODS["7d"])
    since = (now - span).to_pydatetime() if span is not None else None
    frame, total = audit_repo.audit_frame(
        session,
        actions=[action for action in actions or [] if action in AUDIT_LABELS] or None,
        who=(who or "").strip() or None,
        since=since,
        limit=AUDIT_SHOWN,
    )
    return AuditModel(audit_rows(frame, zone=zone, now=now), total)


# -- sync sources ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceRow:
    id: int
    name: str
    kind: str  # "Folder" or "SQL database"
    location: str  # the folder, or the URL with its password hidden
    every: str  # "every hour", "every 6 hours"
    last_run: str
    status: str  # succeeded, partial, failed, never
    added: int
    present: int
    per_kind: str  # "clients 2, logins 140"
    errors: list[str]
    silent: str  # "" or the warning


def every_text(hours: int) -> str:
    """``every hour``, ``every 6 hours``."""
    return "every hour" if hours == 1 else f"every {hours} hours"


def source_rows(frame: pd.DataFrame, *, zone: Any, now: pd.Timestamp) -> list[SourceRow]:
    """The sources of ``sources_frame`` as the lists show them."""
    rows = []
    for item in frame.itertuples(index=False):
        ran = pd.notna(item.run_started_at)
        last_good = item.last_good_at if pd.notna(item.last_good_at) else None
        silent = ""
        if is_silent(every_hours=int(item.every_hours), last_good_at=last_good,
                     created_at=item.created_at, now=now):  # fmt: skip
            since = last_good if last_good is not None else item.created_at
            silent = f"Nothing brought in for {age_text(since, now)}; expected {every_text(int(item.every_hours))}."
        detail = json.loads(item.run_detail) if ran and isinstance(item.run_detail, str) else {}
        rows.append(
            SourceRow(
                id=int(item.id),
                name=str(item.name),
                kind="Folder" if item.kind == SyncKind.FOLDER.value else "SQL database",
                location=str(item.location)
                if item.kind == SyncKind.FOLDER.value
                else display_url(str(item.location)),
                every=every_text(int(item.every_hours)),
                last_run=local_time_text(item.run_started_at, zone, now=now) if ran else "",
                status=str(item.run_status) if ran else "never",
                added=int(item.run_rows_added) if ran else 0,
                present=int(item.run_rows_present) if ran else 0,
                per_kind=", ".join(
                    f"{kind} {counts['added']:,}"
                    for kind, counts in detail.items()
                    if counts["added"]
                ),
                errors=[line for line in str(item.run_errors or "").splitlines() if line][:10]
                if ran
                else [],
                silent=silent,
            )
        )
    return rows


def newest_rows(frame: pd.DataFrame, *, zone: Any, now: pd.Timestamp) -> list[tuple[str, str]]:
    """(kind, "4 Dec 09:00, 2 h ago" or "never") for every kind, in import order."""
    last = dict(zip(frame["kind"], frame["last_added_at"], strict=True)) if len(frame) else {}
    return [
        (
            kind,
            f"{local_time_text(last[kind], zone, now=now)}, {age_text(last[kind], now)} ago"
            if kind in last
            else "never",
        )
        for kind in IMPORT_KINDS
    ]


# -- the alerts bell ----------------------------------------------------------------------


@dataclass(frozen=True)
class BellAlert:
    id: int
    client_id: str
    client_name: str
    message: str
    when: str


@dataclass(frozen=True)
class BellModel:
    unread: int
    alerts: list[BellAlert]
    newest_id: int | None = None  # the newest unread alert when the bell was drawn
    # Data sources that have brought nothing for longer than expected: one sentence each.
    notices: tuple[str, ...] = ()

    @property
    def count(self) -> int:
        """What the bell's badge shows: unread alerts and silent data sources."""
        return self.unread + len(self.notices)

    @property
    def header(self) -> str:
        silent = (
            f"; {len(self.notices)} data source{'s' if len(self.notices) != 1 else ''} silent"
            if self.notices
            else ""
        )
        if not self.unread:
            return f"No unread alerts{silent}"
        shown = f" (latest {len(self.alerts)})" if self.unread > len(self.alerts) else ""
        return f"Unread alerts: {self.unread:,}{shown}{silent}"


def bell_alerts(frame: pd.DataFrame, *, zone: ZoneInfo, now: pd.Timestamp) -> list[BellAlert]:
    """Alerts of ``alerts.alerts_frame`` as the bell lists them."""
    return [
        BellAlert(
            id=int(row.id),
            client_id=str(row.client_id),
            client_name=_text(row.client_name),
            message=_text(row.message),
            when=local_time_text(row.created_at, zone, now=now),
        )
        for row in frame.itertuples(index=False)
    ]


def bell_model(
    session: Session, *, zone: ZoneInfo, now: pd.Timestamp, limit: int = BELL_LIMIT
) -> BellModel:
    """The unread count and the latest ``limit`` unread alerts, newest first."""
    frame = alerts_repo.alerts_frame(session, unread_only=True, limit=limit)
    sources = sync_repo.sources_frame(session)
    notices = tuple(
        f"Data source {row.name}: {row.silent}"
        for row in source_rows(sources, zone=zone, now=now)
        if row.silent
    )
    return BellModel(
        alerts_repo.unread_alert_count(session),
        bell_alerts(frame, zone=zone, now=now),
        int(frame["id"].max()) if len(frame) else None,
        notices,
    )


def unread_alert_ids(session: Session, *, up_to: int | None) -> list[int]:
    """The ids of the unread alerts up to alert ``up_to``, the newest the member was shown.

    "Mark all read" marks what the bell counted when it was drawn; an alert
    raised since (a higher id) stays unread until it has been seen. Nothing
    when the bell showed none (``up_to`` None).
    """
    if up_to is None:
        return []
    frame = alerts_repo.alerts_frame(session, unread_only=True, limit=None)
    return [int(value) for value in frame["id"] if int(value) <= up_to]


def test_mail(name: str, *, zone: ZoneInfo, now: pd.Timestamp) -> tuple[str, str]:
    """Subject and body of the test notification a team member sends to themselves."""
    when = f"{local_time_text(now, zone, now=now)} ({zone.key})"
    subject = "Test notification from the Customer Success Dashboard"
    body = (
        f"Hello {name or 'there'},\n\n"
        f"This is the test notification you sent from the dashboard on {when}.\n"
        "Alerts about your clients' health scores and scheduled reports reach you the same way.\n"
    )
    return subject, body
