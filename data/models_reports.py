"""Models of scheduled reports and of the job locks that keep scheduled work to one runner.

- ``report_schedules``: a report (period, segment, format) mailed to a list of
  recipients every week or every month at an hour of the display zone
  (``CSD_TIMEZONE``). ``next_run_at`` is the next time it is due, in UTC; the
  runner that claims a due schedule advances it in the same transaction, so
  several workers or app instances on one database send each report once.
- ``job_locks``: one row per scheduled job (``daily-scoring``,
  ``report-schedules``): who holds it and until when. A runner may take the
  lock only when ``locked_until`` has passed; on PostgreSQL an advisory lock
  guards the check as well (``data.repositories.locks``).

The tables share ``data.models.Base`` (and its metadata); the migration is
``0002_report_schedules``.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from data.models import Base, enum_type, utcnow
from scoring.enums import Period, Segment

SCHEDULE_NAME_LENGTH = 200
JOB_NAME_LENGTH = 100
HOLDER_LENGTH = 200


class ReportFrequency(StrEnum):
    """How often a scheduled report is sent."""

    WEEKLY = "weekly"
    MONTHLY = "monthly"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class ReportFormat(StrEnum):
    """File format of a report: a zip of CSV files, or a PDF."""

    CSV = "csv"
    PDF = "pdf"

    @property
    def label(self) -> str:
        return {"csv": "CSV (zip)", "pdf": "PDF"}[self.value]


class ReportStatus(StrEnum):
    """Result of the last run of a schedule."""

    SENT = "sent"  # mailed through SMTP
    STORED = "stored"  # no SMTP: kept in the outbox (and CSD_REPORTS_DIR when set)
    FAILED = "failed"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class ReportSchedule(Base):
    """A report sent on a weekly or monthly schedule to a list of recipients."""

    __tablename__ = "report_schedules"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("day_of_month BETWEEN 1 AND 31", name="day_of_month_range"),
        CheckConstraint("hour BETWEEN 0 AND 23", name="hour_range"),
        CheckConstraint(
            "(frequency = 'weekly' AND weekday IS NOT NULL)"
            " OR (frequency = 'monthly' AND day_of_month IS NOT NULL)",
            name="frequency_has_day",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(SCHEDULE_NAME_LENGTH))
    frequency: Mapped[ReportFrequency] = mapped_column(
        enum_type(ReportFrequency, "report_frequency")
    )
    # Monday = 0 ... Sunday = 6 (weekly); 1-31 (monthly; the last day of shorter months).
    weekday: Mapped[int | None] = mapped_column(SmallInteger)
    day_of_month: Mapped[int | None] = mapped_column(SmallInteger)
    hour: Mapped[int] = mapped_column(SmallInteger)
    period: Mapped[Period] = mapped_column(enum_type(Period, "report_period"))
    segment: Mapped[Segment] = mapped_column(
        enum_type(Segment, "report_segment"), default=Segment.ALL
    )
    format: Mapped[ReportFormat] = mapped_column(enum_type(ReportFormat, "report_format"))
    # Comma-separated email addresses.
    recipients: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    last_run_at: Mapped[dt.datetime | None]
    last_status: Mapped[ReportStatus | None] = mapped_column(
        enum_type(ReportStatus, "report_status")
    )
    last_error: Mapped[str | None] = mapped_column(Text)
    next_run_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    # Raised by each change a person saves (not by the runs): a save of an older version is refused.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    @property
    def recipient_list(self) -> list[str]:
        """The recipients as a list, in the order given."""
        return [address.strip() for address in self.recipients.split(",") if address.strip()]


class JobLock(Base):
    """Who runs a scheduled job, and until when nobody else may."""

    __tablename__ = "job_locks"

    name: Mapped[str] = mapped_column(String(JOB_NAME_LENGTH), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(HOLDER_LENGTH))
    locked_until: Mapped[dt.datetime | None]


__all__ = [
    "JobLock",
    "ReportFormat",
    "ReportFrequency",
    "ReportSchedule",
    "ReportStatus",
]
