"""Pydantic models of every request and response of the API.

The handlers validate with these models and serialise through them, and
``dashboard.api.openapi`` builds the OpenAPI description from them, so the
spec and the behaviour cannot drift apart.

- Query models are lax (query values are strings: ``page=2`` is the number 2,
  ``include_trends=true`` a boolean) and reject unknown parameters.
- Body models are strict JSON: no ``"3"`` for a number, no ``"true"`` for a
  boolean, no unknown fields.
- Times in responses are ISO 8601 in UTC with a ``Z``, to the second; times
  in requests may carry any offset (none means UTC).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
)

from scoring.enums import (
    InterventionStatus,
    InterventionType,
    Outcome,
    Period,
    Priority,
    RiskLevel,
    Segment,
    Source,
    Trend,
)

MAX_LIMIT = 100
MAX_PAGE = 1_000_000
MAX_ID = 2_147_483_647
CLIENT_ID_MAX = 64
EARLIEST_DUE = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
LATEST_DUE = dt.datetime(2200, 1, 1, tzinfo=dt.UTC)


# --------------------------------------------------------------------------- field types


def _clean_text(value: str) -> str:
    """Refuse text the database cannot store: NUL characters and lone surrogates."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text") from None
    return value


def _utc(value: dt.datetime) -> dt.datetime:
    """An aware UTC datetime (naive input is taken as UTC), between 2000 and 2199."""
    try:
        value = value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    except OverflowError:
        raise ValueError("is out of range") from None
    if not EARLIEST_DUE <= value < LATEST_DUE:
        raise ValueError("must be between 2000-01-01 and 2199-12-31")
    return value


def _iso_date(value: Any) -> Any:
    """A query's day as ISO 8601 ``YYYY-MM-DD`` only (not a number of seconds, as pydantic also takes)."""
    if isinstance(value, str) and not _ISO_DAY.fullmatch(value):
        raise ValueError("must be a date as YYYY-MM-DD")
    return value


def _iso_z(value: dt.datetime) -> str:
    value = value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


Text = Annotated[str, AfterValidator(_clean_text)]
ClientId = Annotated[
    str, StringConstraints(min_length=1, max_length=CLIENT_ID_MAX), AfterValidator(_clean_text)
]
Title = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(_clean_text),
]
Description = Annotated[str, StringConstraints(max_length=5000), AfterValidator(_clean_text)]
NoteText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=5000),
    AfterValidator(_clean_text),
]
SearchText = Annotated[str, StringConstraints(max_length=200), AfterValidator(_clean_text)]
RecordId = Annotated[int, Field(ge=1, le=MAX_ID)]
InputDateTime = Annotated[
    dt.datetime,
    AfterValidator(_utc),
    Field(description="ISO 8601 date and time; without an offset it is taken as UTC"),
]
UtcDateTime = Annotated[
    dt.datetime,
    PlainSerializer(_iso_z, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time", "examples": ["2024-01-20T10:30:00Z"]}),
]
QueryDay = Annotated[dt.date, BeforeValidator(_iso_date)]
Score = Annotated[float, Field(ge=0, le=100)]
Share = Annotated[float, Field(ge=0, le=1)]


class QueryModel(BaseModel):
    """Query parameters: lax parsing of strings, unknown parameters refused."""

    model_config = ConfigDict(extra="forbid")


class BodyModel(BaseModel):
    """A JSON request body: strict types, unknown fields refused."""

    model_config = ConfigDict(extra="forbid", strict=True)


class ResponseModel(BaseModel):
    model_config = ConfigDict(use_enum_values=False)


# --------------------------------------------------------------------------- common


class FieldProblem(ResponseModel):
    field: str = Field(
        description="The body field or query parameter, e.g. `limit` or `client_ids[2]`"
    )
    message: str


class RowProblem(ResponseModel):
    line: int | None = Field(
        description="The CSV line (the header is line 1) or the JSON row (from 1); "
        "null for the whole body"
    )
    column: str | None = Field(description="The column or field, when the problem is in one")
    message: str


class ErrorBody(ResponseModel):
    code: str = Field(
        description="Machine-readable reason, e.g. `invalid_parameter`, `version_conflict`"
    )
    message: str
    details: list[FieldProblem] | list[RowProblem] | dict[str, Any] | None = None


class ErrorResponse(ResponseModel):
    """Every error answer: ``{"error": {"code", "message", "details"}}``."""

    error: ErrorBody


class Pagination(ResponseModel):
    page: int = Field(ge=1)
    limit: int = Field(ge=1, le=MAX_LIMIT)
    total: int = Field(ge=0)
    has_next: bool


class PageQuery(QueryModel):
    page: int = Field(1, ge=1, le=MAX_PAGE, description="Page number, from 1")
    limit: int = Field(20, ge=1, le=MAX_LIMIT, description="Results per page (1-100)")


SortOrder = Literal["asc", "desc"]


# --------------------------------------------------------------------------- tokens


class TokenRequest(BodyModel):
    email: Annotated[
        str, StringConstraints(min_length=1, max_length=320), AfterValidator(_clean_text)
    ]
    password: Annotated[
        str, StringConstraints(min_length=1, max_length=1024), AfterValidator(_clean_text)
    ]


class TokenResponse(ResponseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(ge=1, description="Seconds until the token expires")


# --------------------------------------------------------------------------- health scores


class HealthScoresQuery(PageQuery):
    risk_level: RiskLevel | None = Field(None, description="Only clients at this risk level")
    search: SearchText | None = Field(
        None, description="Part of the client's or partners' names (or venue), any case"
    )
    sort_by: Literal["score", "last_updated", "client_name"] = "score"
    sort_order: SortOrder = "asc"


class HealthScoreRow(ResponseModel):
    id: int = Field(description="Id of the stored score")
    client_id: str
    client_name: str
    current_score: int = Field(ge=0, le=100, description="The overall score as shown: an integer")
    risk_level: RiskLevel
    last_updated: UtcDateTime
    trend_direction: Trend
    score_date: dt.date = Field(description="The day the score is for")
    overall: Score = Field(description="The stored overall score, one decimal")
    engagement: Score | None
    progress: Score | None
    satisfaction: Score | None
    coverage: Share | None = Field(description="Share of the full weight that had data")
    primary_factor: str | None = Field(description="The component that costs the most points")
    wedding_date: dt.date | None


class HealthScoresPage(ResponseModel):
    data: list[HealthScoreRow]
    pagination: Pagination


class RecalculateRequest(BodyModel):
    client_ids: list[ClientId] | None = Field(
        None,
        min_length=1,
        max_length=10_000,
        description="Clients to score; every client when omitted",
    )
    force_recalculate: bool = Field(False, description="Score again clients already scored today")


class RunStarted(ResponseModel):
    run_id: RecordId
    status: Literal["running"] = "running"
    url: str = Field(description="Where the run's state is read: GET runs/{id}")


class RecalculateResponse(ResponseModel):
    data: RunStarted


class RunState(ResponseModel):
    id: RecordId
    status: Literal["running", "succeeded", "failed", "interrupted"] = Field(
        description="running; succeeded; failed (nothing written); interrupted (its process "
        "stopped before it finished, nothing written)"
    )
    as_of: dt.date = Field(description="The day scored")
    all_clients: bool = Field(description="False for a run limited to some clients")
    started_at: UtcDateTime
    finished_at: UtcDateTime | None
    duration_seconds: float | None
    clients_scored: int = Field(ge=0)
    clients_skipped: int = Field(
        ge=0, description="Already scored that day and left as they were (without force)"
    )
    interventions_created: int = Field(ge=0)
    alerts_created: int = Field(ge=0)
    error: str | None = Field(
        description="Why it failed: the recorded error for admins, a plain sentence for the rest"
    )


class RunResponse(ResponseModel):
    data: RunState


# --------------------------------------------------------------------------- imports


class ImportResult(ResponseModel):
    kind: str = Field(description="What was imported: clients, logins, interactions, ...")
    rows_added: int = Field(ge=0, description="New rows (for clients: new clients)")
    rows_already_present: int = Field(
        ge=0,
        description="Rows stored already, so not added again (for clients: clients that "
        "existed, updated with the values sent)",
    )


class ImportResponse(ResponseModel):
    data: ImportResult


# --------------------------------------------------------------------------- interventions


class InterventionsQuery(PageQuery):
    status: InterventionStatus | None = None
    priority: Priority | None = None
    type: InterventionType | None = None
    source: Source | None = None
    assigned_to: RecordId | None = Field(None, description="User id of the assignee")
    client_id: ClientId | None = None
    overdue: bool | None = Field(
        None, description="Open and past the due date (true) or not (false)"
    )
    sort_by: Literal["queue", "due_date", "priority", "created_at", "updated_at"] = Field(
        "queue", description="queue: priority (urgent first), overdue first, then due date"
    )
    sort_order: SortOrder = "asc"


class InterventionCreate(BodyModel):
    client_id: ClientId
    type: InterventionType
    priority: Priority = Priority.MEDIUM
    title: Title
    description: Description = ""
    assigned_to: RecordId | None = Field(None, description="User id of an active admin or manager")
    due_date: InputDateTime | None = Field(
        None, description="Default by priority: urgent 24 h, high 48 h, medium 7 days, low 30 days"
    )
    note: NoteText | None = Field(None, description="A first note for the history")


class InterventionUpdate(BodyModel):
    version: RecordId = Field(description="The version read; 409 when the record changed since")
    # Fields that cannot be null default to None only to mean "not given".
    status: InterventionStatus = Field(
        None, description="pending -> in_progress -> completed, any open status -> cancelled"
    )
    priority: Priority = None
    assigned_to: RecordId | None = Field(None, description="null unassigns")
    due_date: InputDateTime = None
    title: Title = None
    description: Description = None
    outcome: Outcome | None = Field(None, description="Needed to complete")
    client_responded: bool | None = None
    note: NoteText | None = Field(None, description="Appended to the history")


class CancelQuery(QueryModel):
    version: RecordId | None = Field(
        None, description="When given, 409 unless it is the current version"
    )


class InterventionNoteOut(ResponseModel):
    id: int
    author: str | None = Field(description="Name of who wrote it; null for the daily scoring run")
    author_id: int | None
    author_name: str | None
    body: str
    created_at: UtcDateTime


class InterventionOut(ResponseModel):
    id: int
    client_id: str
    client_name: str
    type: InterventionType
    priority: Priority
    status: InterventionStatus
    title: str
    description: str
    assigned_to: int | None
    assigned_to_name: str | None
    due_date: UtcDateTime
    overdue: bool
    source: Source
    created_by: int | None
    created_at: UtcDateTime
    updated_at: UtcDateTime
    started_at: UtcDateTime | None
    completed_at: UtcDateTime | None
    cancelled_at: UtcDateTime | None
    outcome: Outcome | None
    client_responded: bool | None
    score_at_creation: float | None
    version: int


class InterventionDetail(InterventionOut):
    notes: list[InterventionNoteOut]


class InterventionResponse(ResponseModel):
    data: InterventionDetail


class InterventionsPage(ResponseModel):
    data: list[InterventionOut]
    pagination: Pagination


# --------------------------------------------------------------------------- metrics


class MetricsQuery(QueryModel):
    period: Period = Period.D30
    include_trends: bool = False
    segment: Segment = Segment.ALL


class OverviewMetrics(ResponseModel):
    total_clients: int = Field(description="Active clients")
    scored_clients: int = Field(description="Clients with a score on score_date")
    at_risk: int = Field(description="Clients at high or critical risk on score_date")
    average_health_score: float | None
    active_interventions: int = Field(description="Pending or in progress")
    overdue_interventions: int
    score_date: dt.date | None = Field(description="The latest day with scores in the period")


class RetentionMetrics(ResponseModel):
    clients_at_start: int
    churned: int
    retention_rate: Share | None
    revenue_at_start: int = Field(description="Contract value, minor units")
    revenue_churned: int
    revenue_retention_rate: Share | None
    at_risk_with_intervention: int
    churn_prevented: int
    churn_prevention_rate: Share | None
    compared_clients: int
    improved_clients: int
    health_improvement_rate: Share | None
    scored_clients: int
    average_score: float | None
    risk_counts: dict[str, int]
    risk_shares: dict[str, Share | None]


class InterventionMetrics(ResponseModel):
    created: int
    open: int
    overdue: int
    completed: int
    cancelled: int
    success_rate: Share | None
    response_rate: Share | None
    avg_resolution_hours: float | None
    avg_time_to_intervention_hours: float | None
    avg_score_improvement: float | None
    score_improvements: int
    completion_rate: Share | None


class InterventionTypeMetrics(InterventionMetrics):
    type: InterventionType


class RiskFactor(ResponseModel):
    factor: str
    label: str
    clients_affected: int
    mean_points_lost: float
    total_points_lost: float


class DailyScore(ResponseModel):
    day: dt.date
    average_score: float
    clients: int


class DailyRiskCounts(ResponseModel):
    day: dt.date
    low: int
    medium: int
    high: int
    critical: int


class InterventionActivity(ResponseModel):
    period_start: dt.date
    created: int
    completed: int


class Trends(ResponseModel):
    average_score: list[DailyScore]
    risk_distribution: list[DailyRiskCounts]
    interventions: list[InterventionActivity] = Field(
        description="Per day for 7d and 30d, per week (from Monday) for 90d and 1y"
    )


class Metrics(ResponseModel):
    period: Period
    segment: Segment
    start: dt.date
    end: dt.date
    overview: OverviewMetrics
    retention: RetentionMetrics
    interventions: InterventionMetrics
    interventions_by_type: list[InterventionTypeMetrics]
    top_risk_factors: list[RiskFactor]
    trends: Trends | None = Field(description="Only with include_trends=true")


class MetricsResponse(ResponseModel):
    data: Metrics


# --------------------------------------------------------------------------- risk segments


class RiskSegmentsQuery(PageQuery):
    risk_level: RiskLevel | None = None
    search: SearchText | None = Field(
        None, description="Part of the client's or partners' names, or venue, any case"
    )
    wedding_from: QueryDay | None = Field(None, description="Wedding on or after this day")
    wedding_to: QueryDay | None = Field(None, description="Wedding on or before this day")
    activity: Literal["active", "idle", "dormant"] | None = Field(
        None,
        description="Last login or interaction: active up to 7 days ago, idle 8-30, dormant longer or never",
    )
    sort_by: Literal["score", "last_updated", "client_name", "wedding_date", "last_interaction"] = (
        "score"
    )
    sort_order: SortOrder = "asc"


class RiskSegment(ResponseModel):
    risk_level: RiskLevel
    label: str
    min_score: int
    max_score: int
    action: str
    count: int
    average_score: float | None


class RiskClientRow(ResponseModel):
    client_id: str
    client_name: str
    partner_names: str | None
    venue: str | None
    wedding_date: dt.date | None
    days_to_wedding: int | None
    current_score: int = Field(ge=0, le=100)
    risk_level: RiskLevel
    trend_direction: Trend
    coverage: Share | None
    primary_factor: str | None
    last_interaction: UtcDateTime | None
    open_interventions: int
    owner_id: int | None
    owner_name: str | None
    last_updated: UtcDateTime


class RiskSegmentsResponse(ResponseModel):
    score_date: dt.date | None = Field(
        description="The day of the scores shown (the latest scored)"
    )
    segments: list[RiskSegment] = Field(
        description="Every risk level, over all clients scored that day"
    )
    data: list[RiskClientRow] = Field(description="The clients matching the filters, one page")
    pagination: Pagination
