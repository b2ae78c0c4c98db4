"""Report schedules: create, change, list, and claim the due ones exactly once.

Times: a schedule fires at ``hour`` o'clock of the display zone given by the
caller (``CSD_TIMEZONE``) on its weekday (weekly, Monday = 0) or day of the
month (monthly; 29, 30 and 31 mean the last day of shorter months).
``next_run_at`` is stored in UTC. A runner that finds schedules due claims
them with ``claim_due_schedules`` while it holds the ``report-schedules`` job
lock (``data.repositories.locks``): their ``next_run_at`` moves to the next
occurrence in the same transaction, so another runner no longer sees them as
due. Occurrences missed while nothing ran are not caught up one by one: the
schedule runs once and moves on to its next occurrence after now.

Recipients are stored comma-separated; they may be given separated by commas,
semicolons or white space (line breaks included).

A schedule's name becomes the subject of its mail and each recipient a mail
header, where a line break would end the header: a name, or an address, with
a line break or a control character (Unicode categories Cc, Zl and Zp: ``\n``,
``\r``, a tab, U+2028 pasted from another program, ...) is refused, naming
the field and the character. Around the name they are trimmed like spaces.
Rows stored before this check are still mailed (``dashboard.services.scheduler``
puts spaces in their place).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from data.models import User, utcnow
from data.models_reports import (
    SCHEDULE_NAME_LENGTH,
    ReportFormat,
    ReportFrequency,
    ReportSchedule,
    ReportStatus,
)
from data.repositories._frames import read_frame
from scoring.enums import Period, Segment

MAX_RECIPIENTS = 50
MAX_ERROR_LENGTH = 4000
CREATED_BY_NAME = "created_by_name"
_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
_SEPARATORS = re.compile(r"[,;\s]+")
# Control characters, line separators and paragraph separators: never in a mail header.
_LINE_BREAKING = frozenset({"Cc", "Zl", "Zp"})
# Fields whose change moves the next run.
_TIMING_FIELDS = frozenset({"frequency", "weekday", "day_of_month", "hour", "active"})
EDITABLE_FIELDS = (
    "name",
    "frequency",
    "weekday",
    "day_of_month",
    "hour",
    "period",
    "segment",
    "format",
    "recipients",
    "active",
)


class ScheduleError(ValueError):
    """A schedule field is not acceptable; ``field`` names it and the message says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class DueReport:
    """A schedule claimed for one run: what to build and whom to send it to."""

    schedule_id: int
    name: str
    period: Period
    segment: Segment
    format: ReportFormat
    recipients: tuple[str, ...]
    due_at: dt.datetime


# -- times -----------------------------------------------------------------------------


def next_run_after(
    frequency: ReportFrequency | str,
    *,
    hour: int,
    after: dt.datetime,
    zone: ZoneInfo,
    weekday: int | None = None,
    day_of_month: int | None = None,
) -> dt.datetime:
    """The first occurrence of the schedule strictly after ``after``, in UTC."""
    frequency = ReportFrequency(frequency)
    after = after.astimezone(dt.UTC) if after.tzinfo else after.replace(tzinfo=dt.UTC)
    local_day = after.astimezone(zone).date()
    at = dt.time(hour)
    if frequency is ReportFrequency.WEEKLY:
        if weekday is None:
            raise ScheduleError("weekday", "is required for a weekly schedule")
        day = local_day + dt.timedelta(days=(weekday - local_day.weekday()) % 7)
        candidates = (day, day + dt.timedelta(days=7))
    else:
        if day_of_month is None:
            raise ScheduleError("day_of_month", "is required for a monthly schedule")
        candidates = tuple(
            _day_in_month(local_day.year, local_day.month + offset, day_of_month)
            for offset in (0, 1, 2)
        )
    for day in candidates:
        moment = dt.datetime.combine(day, at, tzinfo=zone).astimezone(dt.UTC)
        if moment > after:
            return moment
    raise AssertionError("a later occurrence always exists")  # pragma: no cover


def _day_in_month(year: int, month: int, day_of_month: int) -> dt.date:
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return dt.date(year, month, min(day_of_month, calendar.monthrange(year, month)[1]))


# -- validation ------------------------------------------------------------------------


def line_breaking_character(text: str) -> str | None:
    """The first line break or control character (category Cc, Zl or Zp) of ``text``, if any."""
    return next((ch for ch in text if unicodedata.category(ch) in _LINE_BREAKING), None)


def single_line(text: str) -> str:
    """``text`` with each run of line breaks, control characters and spaces made one space, trimmed.

    For names stored before they were checked: their mail still has a one-line subject.
    """
    if line_breaking_character(text) is None:
        return text
    cleaned = "".join(" " if unicodedata.category(ch) in _LINE_BREAKING else ch for ch in text)
    return " ".join(cleaned.split())


def _refuse_line_breaks(field: str, text: str) -> None:
    found = line_breaking_character(text)
    if found is not None:
        raise ScheduleError(
            field, f"remove the line break or control character (U+{ord(found):04X})"
        )


def parse_recipients(recipients: str | list[str] | tuple[str, ...]) -> list[str]:
    """Email addresses from a string (commas, semicolons or spaces) or a list; lower-cased, no repeats."""
    text = recipients if isinstance(recipients, str) else ",".join(recipients)
    addresses = [part.strip().lower() for part in _SEPARATORS.split(text) if part.strip()]
    if not addresses:
        raise ScheduleError("recipients", "give at least one email address")
    for address in addresses:
        _refuse_line_breaks("recipients", address)
    bad = [address for address in addresses if not _EMAIL.match(address)]
    if bad:
        raise ScheduleError("recipients", f"not an email address: {', '.join(bad[:5])}")
    unique = list(dict.fromkeys(addresses))
    if len(unique) > MAX_RECIPIENTS:
        raise ScheduleError("recipients", f"at most {MAX_RECIPIENTS} addresses")
    return unique


def _choice(field: str, value: Any, kind: type) -> Any:
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise ScheduleError(field, f"must be one of {allowed}") from None


def _integer(field: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or value is None:
        raise ScheduleError(field, f"must be a whole number from {low} to {high}")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ScheduleError(field, f"must be a whole number from {low} to {high}") from None
    if number != value and str(number) != str(value).strip():
        raise ScheduleError(field, f"must be a whole number from {low} to {high}")
    if not low <= number <= high:
        raise ScheduleError(field, f"must be from {low} to {high}")
    return number


def validated_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """The schedule ``fields`` checked and normalised; raises ScheduleError naming the first bad one.

    ``fields`` holds every editable field (``EDITABLE_FIELDS``). A weekly
    schedule keeps its weekday and drops any day of the month, and the other
    way round.
    """
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ScheduleError(sorted(unknown)[0], "is not a schedule field")
    name = str(fields.get("name") or "").strip()
    if not name:
        raise ScheduleError("name", "must not be empty")
    _refuse_line_breaks("name", name)
    if len(name) > SCHEDULE_NAME_LENGTH:
        raise ScheduleError("name", f"at most {SCHEDULE_NAME_LENGTH} characters")
    frequency = _choice("frequency", fields.get("frequency"), ReportFrequency)
    weekday = day_of_month = None
    if frequency is ReportFrequency.WEEKLY:
        weekday = _integer("weekday", fields.get("weekday"), 0, 6)
    else:
        day_of_month = _integer("day_of_month", fields.get("day_of_month"), 1, 31)
    return {
        "name": name,
        "frequency": frequency,
        "weekday": weekday,
        "day_of_month": day_of_month,
        "hour": _integer("hour", fields.get("hour"), 0, 23),
        "period": _choice("period", fields.get("period"), Period),
        "segment": _choice("segment", fields.get("segment") or Segment.ALL.value, Segment),
        "format": _choice("format", fields.get("format"), ReportFormat),
        "recipients": ", ".join(parse_recipients(fields.get("recipients") or "")),
        "active": bool(fields.get("active", True)),
    }


# -- writes ----------------------------------------------------------------------------


def create_schedule(
    session: Session,
    *,
    zone: ZoneInfo,
    created_by: int | None = None,
    now: dt.datetime | None = None,
    **fields: Any,
) -> ReportSchedule:
    """Add a schedule from ``fields`` (see ``validated_fields``); its first run is the next occurrence."""
    values = validated_fields(fields)
    schedule = ReportSchedule(**values, created_by=created_by)
    schedule.next_run_at = _next_run(schedule, now or utcnow(), zone)
    session.add(schedule)
    session.flush()
    return schedule


class ScheduleChanged(Exception):
    """The schedule was changed by someone else since the version the change was made on."""

    def __init__(self, current_version: int) -> None:
        super().__init__(
            "Someone else changed this schedule since you opened it; open it again to see "
            "their change, then make yours."
        )
        self.current_version = current_version


def update_schedule(
    session: Session,
    schedule_id: int,
    *,
    zone: ZoneInfo,
    now: dt.datetime | None = None,
    version: int | None = None,
    **changes: Any,
) -> ReportSchedule:
    """Change some fields of a schedule; a change of timing or activity moves its next run.

    ``version`` is the version the change was made on (the one the form was
    opened with): when the schedule has moved on since, ``ScheduleChanged`` is
    raised and nothing is written. Each saved change raises the version (runs
    do not). Raises LookupError for an unknown id and ScheduleError for a bad value.
    """
    schedule = schedule_by_id(session, schedule_id)
    if version is not None:
        claimed = session.execute(
            update(ReportSchedule)
            .where(ReportSchedule.id == schedule_id, ReportSchedule.version == version)
            .values(version=ReportSchedule.version + 1)
            .execution_options(synchronize_session=False)
        )
        session.refresh(schedule)
        if claimed.rowcount != 1:
            raise ScheduleChanged(schedule.version)
    else:
        schedule.version = schedule.version + 1
    current = {name: getattr(schedule, name) for name in EDITABLE_FIELDS}
    values = validated_fields(current | changes)
    timing_changed = any(values[name] != current[name] for name in _TIMING_FIELDS)
    for name, value in values.items():
        setattr(schedule, name, value)
    if timing_changed:
        schedule.next_run_at = _next_run(schedule, now or utcnow(), zone)
    session.flush()
    return schedule


def delete_schedule(session: Session, schedule_id: int) -> bool:
    """Remove a schedule; False when there was none with that id."""
    schedule = session.get(ReportSchedule, schedule_id)
    if schedule is None:
        return False
    session.delete(schedule)
    session.flush()
    return True


def _next_run(schedule: ReportSchedule, now: dt.datetime, zone: ZoneInfo) -> dt.datetime | None:
    if not schedule.active:
        return None
    return next_run_after(
        schedule.frequency,
        hour=schedule.hour,
        weekday=schedule.weekday,
        day_of_month=schedule.day_of_month,
        after=now,
        zone=zone,
    )


# -- reads -----------------------------------------------------------------------------


def schedule_by_id(session: Session, schedule_id: int) -> ReportSchedule:
    """The schedule with ``schedule_id``; LookupError when there is none."""
    schedule = session.get(ReportSchedule, schedule_id)
    if schedule is None:
        raise LookupError(f"no report schedule {schedule_id}")
    return schedule


def schedules_frame(session: Session) -> pd.DataFrame:
    """Every schedule by name, every column, with ``created_by_name``."""
    table = ReportSchedule.__table__
    stmt = (
        select(*table.c, User.name.label(CREATED_BY_NAME))
        .outerjoin(User, User.id == table.c.created_by)
        .order_by(table.c.name, table.c.id)
    )
    return read_frame(session, stmt)


# -- runs ------------------------------------------------------------------------------


def claim_due_schedules(
    session: Session, *, zone: ZoneInfo, now: dt.datetime | None = None
) -> list[DueReport]:
    """The active schedules due at ``now``, each moved on to its next occurrence in this transaction.

    Call it while holding the ``report-schedules`` job lock, and commit before
    building the reports, so that no other runner claims them again.
    """
    now = now or utcnow()
    due = session.scalars(
        select(ReportSchedule)
        .where(ReportSchedule.active.is_(True), ReportSchedule.next_run_at <= now)
        .order_by(ReportSchedule.next_run_at, ReportSchedule.id)
        .with_for_update()
    ).all()
    claimed = []
    for schedule in due:
        claimed.append(_due_report(schedule, due_at=schedule.next_run_at))
        schedule.next_run_at = _next_run(schedule, now, zone)
    session.flush()
    return claimed


def due_report_of(
    session: Session, schedule_id: int, *, now: dt.datetime | None = None
) -> DueReport:
    """A schedule as a report to build now ("Run now"); its next run stays as it is."""
    return _due_report(schedule_by_id(session, schedule_id), due_at=now or utcnow())


def _due_report(schedule: ReportSchedule, *, due_at: dt.datetime) -> DueReport:
    return DueReport(
        schedule_id=schedule.id,
        name=schedule.name,
        period=Period(schedule.period),
        segment=Segment(schedule.segment),
        format=ReportFormat(schedule.format),
        recipients=tuple(schedule.recipient_list),
        due_at=due_at,
    )


def record_schedule_run(
    session: Session,
    schedule_id: int,
    *,
    status: ReportStatus,
    error: str | None = None,
    at: dt.datetime | None = None,
) -> None:
    """Record the result of a run of the schedule: when, how it went, and the error if any."""
    schedule = session.get(ReportSchedule, schedule_id)
    if schedule is None:  # deleted while its report was being built
        return
    schedule.last_run_at = at or utcnow()
    schedule.last_status = status
    schedule.last_error = error[:MAX_ERROR_LENGTH] if error else None
    session.flush()
