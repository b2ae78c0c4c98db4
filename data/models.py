"""SQLAlchemy models of every table of DESIGN section 4.

Conventions:

- Timestamps are timezone-aware UTC (``UTCDateTime``): naive values are taken
  as UTC when written, and values always come back aware in UTC, on SQLite too.
- Calendar days (wedding dates, due dates of tasks, score days) are ``Date``.
- Money is an integer number of minor units (``contract_value``).
- Enumerated columns store the ``.value`` strings of ``scoring.enums`` and are
  guarded by a CHECK constraint; the ORM hands back the enum members.
- The score columns of ``health_scores`` are the engine's own names
  (``scoring.model.COMPONENTS``, ``scoring.columns.FEATURE_COLUMNS``); a test
  keeps them equal.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    func,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from data.row_hash import row_hash_default
from scoring.enums import (
    AlertKind,
    ClientStatus,
    InterventionStatus,
    InterventionType,
    Outcome,
    Priority,
    RiskLevel,
    Role,
    Source,
    TaskKind,
    Trend,
)

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

CLIENT_ID_LENGTH = 64
API_KEY_NAME_LENGTH = 100
SYNC_NAME_LENGTH = 100
RUN_HOLDER_LENGTH = 200
AUDIT_ACTION_LENGTH = 40
AUDIT_TEXT_LENGTH = 300
RATE_LIMIT_KEY_LENGTH = 64  # a digest (data.repositories.rate_limits.stored_key)
ENUM_LENGTH = 32


def utcnow() -> dt.datetime:
    """The current time, timezone-aware UTC."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC timestamp on every backend.

    Naive values are taken as UTC; aware values are converted to UTC. SQLite,
    which has no zone type, stores naive UTC and gets the zone back on read.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if not isinstance(value, dt.datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if hasattr(value, "to_pydatetime"):  # pandas.Timestamp
            value = value.to_pydatetime()
        value = value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def enum_type(enum_cls: type[StrEnum], name: str) -> Enum:
    """A VARCHAR column type holding ``enum_cls`` values, checked by a named CHECK constraint."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        length=ENUM_LENGTH,
        values_callable=lambda members: [member.value for member in members],
    )


# Surrogate keys of the large tables: 64-bit, except on SQLite where only
# INTEGER PRIMARY KEY auto-increments (and is 64-bit anyway).
BigIntKey = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    """Declarative base with constraint names that are stable across backends."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: dict[Any, Any] = {dt.datetime: UTCDateTime()}


class RunStatus(StrEnum):
    """State of one scoring run."""

    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    INTERRUPTED = "interrupted"  # its process died before it recorded an outcome; nothing was written


def _client_fk() -> Mapped[str]:
    return mapped_column(
        String(CLIENT_ID_LENGTH), ForeignKey("clients.id", ondelete="CASCADE"), nullable=False
    )


class User(Base):
    """A team member who signs in to the dashboard."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_type(Role, "role"))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Client(Base):
    """A client couple of the supplier; ``id`` is the external client id."""

    __tablename__ = "clients"
    __table_args__ = (
        CheckConstraint("length(id) > 0", name="id_not_empty"),
        # The client table sorted by name (lower case, as it sorts).
        Index("ix_clients_name_lower", func.lower(text("name"))),
    )

    id: Mapped[str] = mapped_column(String(CLIENT_ID_LENGTH), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    partner_names: Mapped[str | None] = mapped_column(String(300))
    wedding_date: Mapped[dt.date | None] = mapped_column(Date, index=True)
    venue: Mapped[str | None] = mapped_column(String(200))
    package: Mapped[str | None] = mapped_column(String(100))
    contract_value: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[ClientStatus] = mapped_column(
        enum_type(ClientStatus, "client_status"), default=ClientStatus.ACTIVE, index=True
    )
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    churned_at: Mapped[dt.datetime | None]
    # When a completed client stopped being scored (the wedding is done).
    completed_at: Mapped[dt.datetime | None]
    # The time of the client's latest interaction, kept by every write of interactions
    # (``data.repositories.events.insert_events``): the client table sorts on it.
    last_interaction_at: Mapped[dt.datetime | None] = mapped_column(index=True)

    owner: Mapped[User | None] = relationship()


class Login(Base):
    """One sign-in of a client to the planning platform."""

    __tablename__ = "logins"
    __table_args__ = (
        # Equal events are stored once; the index also serves reads by client and time.
        UniqueConstraint("client_id", "ts", "row_hash"),
    )

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)
    client_id: Mapped[str] = _client_fk()
    ts: Mapped[dt.datetime]
    # Hash of the other columns (data.row_hash), unique per client and time.
    row_hash: Mapped[int] = mapped_column(BigInteger, default=row_hash_default)


class Interaction(Base):
    """One message or contact with a client; ``response_hours`` when the client answered."""

    __tablename__ = "interactions"
    __table_args__ = (
        # Equal events are stored once; the index also serves reads by client and time.
        UniqueConstraint("client_id", "ts", "row_hash"),
        CheckConstraint("response_hours >= 0", name="response_hours_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)
    client_id: Mapped[str] = _client_fk()
    ts: Mapped[dt.datetime]
    channel: Mapped[str | None] = mapped_column(String(50))
    response_hours: Mapped[float | None] = mapped_column(Float)
    # Hash of the other columns (data.row_hash), unique per client and time.
    row_hash: Mapped[int] = mapped_column(BigInteger, default=row_hash_default)


class Task(Base):
    """A planning task or milestone of a client, due on a calendar day."""

    __tablename__ = "tasks"
    __table_args__ = (
        # Equal events are stored once; the index also serves reads by client and time.
        UniqueConstraint("client_id", "due_date", "row_hash"),
    )

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)
    client_id: Mapped[str] = _client_fk()
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[TaskKind] = mapped_column(enum_type(TaskKind, "task_kind"), default=TaskKind.TASK)
    due_date: Mapped[dt.date] = mapped_column(Date)
    completed_at: Mapped[dt.datetime | None]
    # Hash of the other columns (data.row_hash), unique per client and time.
    row_hash: Mapped[int] = mapped_column(BigInteger, default=row_hash_default)


class Feedback(Base):
    """One piece of client feedback: a 1-5 rating and/or a sentiment in -1..1."""

    __tablename__ = "feedback"
    __table_args__ = (
        # Equal events are stored once; the index also serves reads by client and time.
        UniqueConstraint("client_id", "ts", "row_hash"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
        CheckConstraint("sentiment BETWEEN -1 AND 1", name="sentiment_range"),
    )

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)
    client_id: Mapped[str] = _client_fk()
    ts: Mapped[dt.datetime]
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    sentiment: Mapped[float | None] = mapped_column(Float)
    comment: Mapped[str | None] = mapped_column(Text)
    # Hash of the other columns (data.row_hash), unique per client and time.
    row_hash: Mapped[int] = mapped_column(BigInteger, default=row_hash_default)


class Ticket(Base):
    """A support ticket of a client, with the client's rating of its resolution."""

    __tablename__ = "tickets"
    __table_args__ = (
        # Equal events are stored once; the index also serves reads by client and time.
        UniqueConstraint("client_id", "opened_at", "row_hash"),
        CheckConstraint("resolution_rating BETWEEN 1 AND 5", name="resolution_rating_range"),
    )

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)
    client_id: Mapped[str] = _client_fk()
    opened_at: Mapped[dt.datetime]
    resolved_at: Mapped[dt.datetime | None]
    resolution_rating: Mapped[int | None] = mapped_column(SmallInteger)
    # Hash of the other columns (data.row_hash), unique per client and time.
    row_hash: Mapped[int] = mapped_column(BigInteger, default=row_hash_default)


class HealthScore(Base):
    """A client's health score on one day, with its components and raw features."""

    __tablename__ = "health_scores"
    __table_args__ = (
        UniqueConstraint("client_id", "day"),
        Index("ix_health_scores_day_risk_level_overall", "day", "risk_level", "overall"),
        Index("ix_health_scores_day_overall", "day", "overall"),
    )

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)
    client_id: Mapped[str] = _client_fk()
    day: Mapped[dt.date] = mapped_column(Date)

    overall: Mapped[float | None] = mapped_column(Float)
    engagement: Mapped[float | None] = mapped_column(Float)
    progress: Mapped[float | None] = mapped_column(Float)
    satisfaction: Mapped[float | None] = mapped_column(Float)

    # Component scores 0-100 (scoring.model.COMPONENTS, column names c_<name>).
    c_logins: Mapped[float | None] = mapped_column(Float)
    c_interactions: Mapped[float | None] = mapped_column(Float)
    c_recency: Mapped[float | None] = mapped_column(Float)
    c_responsiveness: Mapped[float | None] = mapped_column(Float)
    c_completion: Mapped[float | None] = mapped_column(Float)
    c_milestones: Mapped[float | None] = mapped_column(Float)
    c_overdue: Mapped[float | None] = mapped_column(Float)
    c_velocity: Mapped[float | None] = mapped_column(Float)
    c_rating: Mapped[float | None] = mapped_column(Float)
    c_sentiment: Mapped[float | None] = mapped_column(Float)
    c_tickets: Mapped[float | None] = mapped_column(Float)
    c_resolution: Mapped[float | None] = mapped_column(Float)

    # Raw features behind the components (scoring.columns.FEATURE_COLUMNS).
    logins_30d: Mapped[float | None] = mapped_column(Float)
    interactions_7d: Mapped[float | None] = mapped_column(Float)
    days_since_activity: Mapped[float | None] = mapped_column(Float)
    median_response_hours: Mapped[float | None] = mapped_column(Float)
    tasks_due: Mapped[float | None] = mapped_column(Float)
    tasks_done: Mapped[float | None] = mapped_column(Float)
    milestones_due: Mapped[float | None] = mapped_column(Float)
    milestones_on_time: Mapped[float | None] = mapped_column(Float)
    items_due: Mapped[float | None] = mapped_column(Float)
    overdue: Mapped[float | None] = mapped_column(Float)
    velocity_done: Mapped[float | None] = mapped_column(Float)
    velocity_due: Mapped[float | None] = mapped_column(Float)
    mean_rating: Mapped[float | None] = mapped_column(Float)
    mean_sentiment: Mapped[float | None] = mapped_column(Float)
    tickets_30d: Mapped[float | None] = mapped_column(Float)
    mean_resolution: Mapped[float | None] = mapped_column(Float)

    coverage: Mapped[float | None] = mapped_column(Float)
    risk_level: Mapped[RiskLevel] = mapped_column(enum_type(RiskLevel, "risk_level"))
    trend: Mapped[Trend] = mapped_column(
        enum_type(Trend, "trend"), default=Trend.STABLE, server_default=Trend.STABLE.value
    )
    primary_factor: Mapped[str | None] = mapped_column(String(ENUM_LENGTH))
    # When this row was last written (the "last updated" of the API).
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Intervention(Base):
    """A piece of customer-success work on a client; ``version`` guards concurrent edits."""

    __tablename__ = "interventions"
    __table_args__ = (
        Index("ix_interventions_status_priority_due_date", "status", "priority", "due_date"),
        Index("ix_interventions_status_completed_at", "status", "completed_at"),
        Index("ix_interventions_assigned_to", "assigned_to"),
        Index("ix_interventions_client_id", "client_id"),
        CheckConstraint(
            "status <> 'completed' OR outcome IS NOT NULL", name="completed_has_outcome"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = _client_fk()
    type: Mapped[InterventionType] = mapped_column(enum_type(InterventionType, "intervention_type"))
    priority: Mapped[Priority] = mapped_column(enum_type(Priority, "priority"))
    status: Mapped[InterventionStatus] = mapped_column(
        enum_type(InterventionStatus, "intervention_status"), default=InterventionStatus.PENDING
    )
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    assigned_to: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    due_date: Mapped[dt.datetime]
    source: Mapped[Source] = mapped_column(enum_type(Source, "source"), default=Source.MANUAL)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    started_at: Mapped[dt.datetime | None]
    completed_at: Mapped[dt.datetime | None]
    cancelled_at: Mapped[dt.datetime | None]
    outcome: Mapped[Outcome | None] = mapped_column(enum_type(Outcome, "outcome"))
    client_responded: Mapped[bool | None] = mapped_column(Boolean)
    score_at_creation: Mapped[float | None] = mapped_column(Float)
    version: Mapped[int] = mapped_column(Integer)

    client: Mapped[Client] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assigned_to])
    notes: Mapped[list[InterventionNote]] = relationship(
        back_populates="intervention",
        cascade="all, delete-orphan",
        order_by="InterventionNote.created_at",
    )

    __mapper_args__ = {"version_id_col": version}


class InterventionNote(Base):
    """One entry of an intervention's history: who wrote what, when."""

    __tablename__ = "intervention_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    intervention_id: Mapped[int] = mapped_column(
        ForeignKey("interventions.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    intervention: Mapped[Intervention] = relationship(back_populates="notes")
    author: Mapped[User | None] = relationship()


class Alert(Base):
    """A notice that a client's score fell or its risk worsened; one per client, kind and day."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("client_id", "kind", "day"),
        Index("ix_alerts_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = _client_fk()
    kind: Mapped[AlertKind] = mapped_column(enum_type(AlertKind, "alert_kind"))
    message: Mapped[str] = mapped_column(Text)
    day: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    read_at: Mapped[dt.datetime | None]
    emailed_at: Mapped[dt.datetime | None]
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )


class ScoringRun(Base):
    """One run of the daily scoring job: the "last refreshed" of the UI."""

    __tablename__ = "scoring_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    finished_at: Mapped[dt.datetime | None]
    status: Mapped[RunStatus] = mapped_column(
        enum_type(RunStatus, "run_status"), default=RunStatus.RUNNING
    )
    as_of: Mapped[dt.date] = mapped_column(Date)
    clients_scored: Mapped[int] = mapped_column(Integer, default=0)
    # Clients already scored that day and left as they were (a run without force).
    clients_skipped: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    interventions_created: Mapped[int] = mapped_column(Integer, default=0)
    alerts_created: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    # False for a run limited to some clients: its day is not "the latest day" of the book.
    all_clients: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # ``host:pid`` of the process running it, and the last time that process said it was alive.
    holder: Mapped[str | None] = mapped_column(String(RUN_HOLDER_LENGTH))
    heartbeat_at: Mapped[dt.datetime | None]


class QualityCheck(Base):
    """One check of the data quality, worked out in the background: the Data quality page reads the newest.

    ``result`` is the page's model as JSON (``dashboard.services.data_quality``),
    or None when the check failed (``error`` says why). ``stamp`` tells the
    data it read apart from newer data: the newest import, scoring run and
    client edit, and the number of clients, when it started.
    """

    __tablename__ = "quality_checks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(index=True)
    finished_at: Mapped[dt.datetime]
    seconds: Mapped[float] = mapped_column(Float)
    stamp: Mapped[str] = mapped_column(String(200))
    result: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)


class AuditAction(StrEnum):
    """What an audit event records. Stored as text: a new kind needs no migration."""

    SIGN_IN = "sign_in"
    SIGN_IN_FAILED = "sign_in_failed"
    SIGN_IN_REFUSED = "sign_in_refused"  # past the limit of attempts
    TOKEN_ISSUED = "token_issued"
    TOKEN_REFUSED = "token_refused"
    SIGN_OUT = "sign_out"
    EXPORT = "export"  # a CSV export of a tab
    REPORT_DOWNLOAD = "report_download"
    SCHEDULE_CREATED = "schedule_created"
    SCHEDULE_CHANGED = "schedule_changed"
    SCHEDULE_DELETED = "schedule_deleted"
    RECALCULATION = "recalculation"
    IMPORT = "import"  # rows imported (or refused) through the API or the app
    API_KEY_CREATED = "api_key_created"
    API_KEY_REVOKED = "api_key_revoked"
    SYNC_SOURCE_SAVED = "sync_source_saved"
    SYNC_SOURCE_DELETED = "sync_source_deleted"
    SYNC = "sync"  # a sync run started by hand
    CLIENT_EDITED = "client_edited"  # a client's record changed in the app


class AuditEvent(Base):
    """One thing a person did that the audit log keeps (``data.repositories.audit``).

    ``actor`` is who did it as typed or known then (a member's email; for a
    failed sign-in, the email that was typed), kept when the member is gone.
    ``detail`` is one line for a person. Never a password or a token.
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    action: Mapped[str] = mapped_column(String(AUDIT_ACTION_LENGTH), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(320), default="")
    address: Mapped[str | None] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(AUDIT_TEXT_LENGTH), default="")
    detail: Mapped[str] = mapped_column(Text, default="")


class ApiKey(Base):
    """A named key an integration (the source system) sends as its bearer token.

    The key itself is shown once, when it is made; only its SHA-256 digest is
    kept (``key_hash``), with its first characters (``prefix``) so a person
    can tell keys apart. It acts with ``role``; it stops working when revoked
    or past ``expires_at``. ``last_used_at`` is kept to the minute.
    """

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(API_KEY_NAME_LENGTH))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[Role] = mapped_column(enum_type(Role, "role"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime | None] = mapped_column()
    revoked_at: Mapped[dt.datetime | None] = mapped_column()
    last_used_at: Mapped[dt.datetime | None] = mapped_column()


class ImportVia(StrEnum):
    """How rows came in."""

    COMMAND_LINE = "command_line"
    API = "api"
    APP = "app"
    SYNC = "sync"


class ClientChange(Base):
    """One edit of a client's record in the app: what changed, who changed it and why.

    ``changes`` is JSON: a list of ``{"field", "before", "after"}`` with the
    values as a person reads them (dates ``YYYY-MM-DD``, amounts in pounds,
    the owner's name). ``author`` is the member's name then, kept when the
    member is gone.
    """

    __tablename__ = "client_changes"
    __table_args__ = (Index("ix_client_changes_client_id_at", "client_id", "at"),)

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)
    client_id: Mapped[str] = _client_fk()
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author: Mapped[str] = mapped_column(String(320), default="")
    changes: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text, default="")


class DataImport(Base):
    """One import of a file or a body of rows, accepted or refused: the import history.

    ``problems`` is 0 for an import that was written, else how many problems
    refused it (and nothing was written). ``actor`` is who sent it (a
    member's email, an API key's name, a sync source's name).
    """

    __tablename__ = "data_imports"

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    via: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(320), default="")
    kind: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(AUDIT_TEXT_LENGTH), default="")
    rows: Mapped[int] = mapped_column(Integer, default=0)
    rows_added: Mapped[int] = mapped_column(Integer, default=0)
    rows_already_present: Mapped[int] = mapped_column(Integer, default=0)
    problems: Mapped[int] = mapped_column(Integer, default=0)


class SyncKind(StrEnum):
    """Where a sync source reads from."""

    FOLDER = "folder"  # CSV files dropped in a folder, named by kind
    SQL = "sql"  # one SELECT per kind on a database, with a watermark column


class SyncSource(Base):
    """A place the dashboard pulls data from on a schedule (``data.sync``).

    ``location`` is the folder, or the SQLAlchemy URL of the source database.
    ``queries`` (SQL sources) is JSON: kind -> ``{"query": "SELECT ...",
    "watermark": "column"}``; ``watermarks`` is JSON: kind -> the highest
    watermark value read so far (as text), so each run reads only what is new.
    A source with no successful run for ``3 x every_hours`` is silent.
    """

    __tablename__ = "sync_sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(SYNC_NAME_LENGTH), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    location: Mapped[str] = mapped_column(Text)
    queries: Mapped[str] = mapped_column(Text, default="{}")
    watermarks: Mapped[str] = mapped_column(Text, default="{}")
    every_hours: Mapped[int] = mapped_column(Integer, default=1)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class SyncRun(Base):
    """One pull of a sync source: what it added per kind, how long it took, what went wrong.

    ``status``: ``succeeded`` (every file or query imported), ``partial``
    (some refused, the rest imported), ``failed`` (nothing imported).
    ``detail`` is JSON: kind -> ``{"added", "present"}``; ``errors`` one
    line per problem.
    """

    __tablename__ = "sync_runs"
    __table_args__ = (Index("ix_sync_runs_source_id_started_at", "source_id", "started_at"),)

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sync_sources.id", ondelete="CASCADE"))
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]
    status: Mapped[str] = mapped_column(String(20))
    rows_added: Mapped[int] = mapped_column(Integer, default=0)
    rows_already_present: Mapped[int] = mapped_column(Integer, default=0)
    detail: Mapped[str] = mapped_column(Text, default="{}")
    errors: Mapped[str] = mapped_column(Text, default="")


class RateLimitEntry(Base):
    """One counted event of a rate limit (a failed sign-in, per account and per address).

    The moving window of ``data.repositories.rate_limits``: a limit of N per
    window is reached when N entries of its key are younger than the window.
    """

    __tablename__ = "rate_limit_entries"

    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True)
    key: Mapped[str] = mapped_column(String(RATE_LIMIT_KEY_LENGTH))
    at: Mapped[float] = mapped_column(Float)  # seconds since the epoch, as ``limits`` counts
    __table_args__ = (Index("ix_rate_limit_entries_key_at", "key", "at"),)


class OutboxMail(Base):
    """Mail that was not sent because SMTP is not configured; shown in the app instead."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    attachment_name: Mapped[str | None] = mapped_column(String(255))
    attachment: Mapped[bytes | None] = mapped_column(LargeBinary)


class ScoreDaySummary(Base):
    """The stored scores of one day, counted per risk level and client creation day.

    Maintained from ``health_scores`` by ``data.repositories.summaries`` (the
    scoring run refreshes the day it scores), so the views read a few hundred
    rows per day of a period instead of one row per client and day. ``created_day`` (the
    UTC day the client was created) keeps the new and existing client segments
    of any period exact.
    """

    __tablename__ = "score_day_summaries"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    risk_level: Mapped[RiskLevel] = mapped_column(
        enum_type(RiskLevel, "risk_level"), primary_key=True
    )
    created_day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    # Score rows stored; of them, rows with an overall score, and the sum of their integer scores.
    clients: Mapped[int] = mapped_column(Integer)
    scored: Mapped[int] = mapped_column(Integer)
    score_sum: Mapped[int] = mapped_column(BigInteger)
    # The same over this and every earlier creation day (of the day and risk level), so that a
    # segment of clients created up to some day is one row per day and risk level.
    clients_upto: Mapped[int] = mapped_column(Integer)
    scored_upto: Mapped[int] = mapped_column(Integer)
    score_sum_upto: Mapped[int] = mapped_column(BigInteger)


class ScoreClientPosition(Base):
    """A client's fixed position in the day vectors of ``score_day_vectors``."""

    __tablename__ = "score_client_positions"

    client_id: Mapped[str] = mapped_column(
        String(CLIENT_ID_LENGTH), ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, unique=True)


class ScoreDayVector(Base):
    """Every client's score of one day, packed by client position: what the summaries are made of.

    ``scores``: little-endian 16-bit integers, one per client position
    (``score_client_positions``): -1 without a score row, else the risk level's
    code (low 0 ... critical 3) x 256 + the integer score (255 without an
    overall score). ``components``: the overall and the twelve component
    scores, one run of positions each, as 16-bit tenths (-32768 for none) when
    ``tenths`` (every stored value a whole number of tenths, as the engine
    stores them), else as 64-bit floats. See ``data.repositories.comparisons``.
    """

    __tablename__ = "score_day_vectors"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    scores: Mapped[bytes] = mapped_column(LargeBinary)
    components: Mapped[bytes] = mapped_column(LargeBinary)
    tenths: Mapped[bool] = mapped_column(Boolean)


class ScorePeriod(Base):
    """A period whose comparisons are summarised, with the clients at risk on a day of it.

    ``at_risk`` is a bit per client position (``numpy.packbits``, little bit
    order): set when the client has a stored high or critical risk level on a
    day of the period (churn prevention, ``scoring.kpis.retention``).
    """

    __tablename__ = "score_periods"

    start_day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    end_day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    at_risk: Mapped[bytes] = mapped_column(LargeBinary)


class ScorePeriodSummary(Base):
    """Health improvement over a period, per client creation day (``scoring.kpis.retention``)."""

    __tablename__ = "score_period_summaries"

    start_day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    end_day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    created_day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    # Clients scored in the period; of them, on two days or more; of those, up 5 points or more.
    clients: Mapped[int] = mapped_column(Integer)
    compared: Mapped[int] = mapped_column(Integer)
    improved: Mapped[int] = mapped_column(Integer)


class ScoreFactorSummary(Base):
    """Top risk factors between two days, per client creation day (``scoring.explain``).

    Per component (``factor``): the clients whose score fell that it took
    points from, and the points. The row with an empty ``factor`` counts the
    clients scored on both days, so a pair of days nobody fell between is
    still known to be summarised.
    """

    __tablename__ = "score_factor_summaries"

    first_day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    last_day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    created_day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    factor: Mapped[str] = mapped_column(String(ENUM_LENGTH), primary_key=True)
    clients: Mapped[int] = mapped_column(Integer)
    points_lost: Mapped[float] = mapped_column(Float)


class InterventionScoreCheck(Base):
    """An intervention's client score 14 days after its completion, looked up once.

    Written when the scores of ``check_day`` are summarised
    (``data.repositories.summaries``) for every intervention completed 14 days
    before; ``score`` is the integer score that day, None without one. The
    intervention measures read it instead of probing ``health_scores`` per
    intervention; a row whose ``completed_at`` is no longer the intervention's
    is ignored.
    """

    __tablename__ = "intervention_score_checks"

    intervention_id: Mapped[int] = mapped_column(
        ForeignKey("interventions.id", ondelete="CASCADE"), primary_key=True
    )
    completed_at: Mapped[dt.datetime]
    check_day: Mapped[dt.date] = mapped_column(Date, index=True)
    score: Mapped[int | None] = mapped_column(Integer)


# Indexes the views' aggregates read (``data.repositories.analytics``): the interventions of a
# period, and the client columns of the retention counts (read from the index alone).
Index("ix_interventions_created_at", Intervention.created_at)
Index("ix_interventions_completed_at", Intervention.completed_at)
Index("ix_interventions_cancelled_at", Intervention.cancelled_at)
Index(
    "ix_clients_created_at_status",
    Client.created_at,
    Client.status,
    Client.churned_at,
    Client.completed_at,
    Client.contract_value,
)

__all__ = [
    "Alert",
    "AuditAction",
    "AuditEvent",
    "Base",
    "Client",
    "Feedback",
    "HealthScore",
    "Intervention",
    "InterventionNote",
    "Interaction",
    "InterventionScoreCheck",
    "Login",
    "OutboxMail",
    "QualityCheck",
    "RateLimitEntry",
    "RunStatus",
    "ScoreClientPosition",
    "ScoreDaySummary",
    "ScoreDayVector",
    "ScoreFactorSummary",
    "ScorePeriod",
    "ScorePeriodSummary",
    "ScoringRun",
    "Task",
    "Ticket",
    "UTCDateTime",
    "User",
    "enum_type",
    "utcnow",
]
