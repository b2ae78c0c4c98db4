"""View model of the Analytics tab: one reading of ``metrics_for`` per period and segment, as small aggregates.

``analytics_data(session, period, segment)`` calls ``dashboard.services.metrics.metrics_for``
(the figures of ``GET /metrics`` and of the PDF and CSV reports) for the
period and for the period before it, and returns plain JSON: the KPI cards
with their previous values, and the daily, weekly and per-type/per-member
series the charts draw. The tab keeps it in a ``dcc.Store``; every chart is
drawn from that store, so the database is read once per (period, segment)
and only aggregates reach the browser. ``frames(data)`` turns it back into the
frames the figure builders take.

Decisions where DESIGN is silent:

- The previous period has the same length and ends the day before the
  period starts (``metrics_for(..., today=start - 1 day)``), exactly as the
  reports compare (``dashboard.services.reports.data.build_report_data``); the KPI
  values and their rounding are the reports' (``reports.data.kpi_frame``), so
  a card and the PDF never disagree.
- The URL holds ``period`` (``7d``/``30d``/``90d``/``1y``, default ``30d``) and
  ``segment`` (``all``/``new_clients``/``existing_clients``, default ``all``).
- Counts that are "now" whatever the period (open and overdue work) are
  shown on the team chart, not as period KPIs.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from dashboard.formatting import DASH, date_text, hours_text, range_text
from dashboard.services.metrics import MEMBER, PeriodMetrics, metrics_for
from dashboard.services.reports.data import kpi_frame
from dashboard.view_state import ViewState
from scoring.columns import DAY
from scoring.enums import Period, RiskLevel, Segment
from scoring.explain import CLIENTS_AFFECTED, FACTOR, LABEL, MEAN_POINTS_LOST, TOTAL_POINTS_LOST
from scoring.kpis import (
    AVERAGE_SCORE,
    AVG_RESOLUTION_HOURS,
    CLIENTS,
    COMPLETED,
    CREATED,
    OPEN,
    OVERDUE,
    PERIOD_START,
    SUCCESS_RATE,
)
from scoring.rules import TYPE

DEFAULT_PERIOD = Period.D30
DEFAULT_SEGMENT = Segment.ALL
URL_PARAMS = ("period", "segment")
RESOLVED = "resolved"
RISK_SHARE_KEYS = tuple(f"risk_share_{level.value}" for level in RiskLevel)

PERIOD_CHOICES: dict[Period, str] = {
    Period.D7: "7 days",
    Period.D30: "30 days",
    Period.D90: "90 days",
    Period.Y1: "1 year",
}
SEGMENT_CHOICES: dict[Segment, str] = {
    Segment.ALL: "All clients",
    Segment.NEW_CLIENTS: "New clients",
    Segment.EXISTING_CLIENTS: "Existing clients",
}


@dataclass(frozen=True)
class CardSpec:
    """A KPI card: its key in ``reports.data.KPIS``, a short label and what it means."""

    key: str
    label: str
    help: str


HEALTH_CARDS: tuple[CardSpec, ...] = (
    CardSpec("average_health_score", "Avg health score",
             "Mean score of the clients scored on the last scored day of the period."),
    CardSpec("health_improvement_rate", "Health improving",
             "Share of clients scored on two or more days of the period whose score rose 5 points or more."),
    CardSpec("retention_rate", "Client retention",
             "1 − clients who churned in the period / clients active at its start."),
    CardSpec("revenue_retention_rate", "Revenue retention",
             "The same on contract value: 1 − value of churned clients / value active at the start."),
)  # fmt: skip
INTERVENTION_CARDS: tuple[CardSpec, ...] = (
    CardSpec("churn_prevention_rate", "Churn prevention",
             "Clients at high or critical risk with an intervention who had not churned 60 days later (or by today)."),
    CardSpec("success_rate", "Intervention success",
             "Resolved / completed, over interventions completed in the period."),
    CardSpec("response_rate", "Client response",
             "Client responded / completed, over interventions completed in the period."),
    CardSpec("avg_resolution_hours", "Time to resolve",
             "Completed minus created, over interventions completed in the period."),
    CardSpec("avg_time_to_intervention_hours", "Time to intervention",
             "Started (or completed) minus created, over interventions created in the period."),
)  # fmt: skip
RISK_CARD = CardSpec(
    "risk_shares", "Clients by risk level",
    "Share of the clients scored on the last scored day of the period in each risk level.",
)  # fmt: skip


# -- the URL ---------------------------------------------------------------------------


def selection(state: ViewState) -> tuple[Period, Segment]:
    """The period and segment of the URL's view state; anything unknown gives the default."""
    params = dict(state.extra)
    try:
        period = Period(params.get("period", DEFAULT_PERIOD.value))
    except ValueError:
        period = DEFAULT_PERIOD
    try:
        segment = Segment(params.get("segment", DEFAULT_SEGMENT.value))
    except ValueError:
        segment = DEFAULT_SEGMENT
    return period, segment


def with_selection(state: ViewState, period: Period, segment: Segment) -> ViewState:
    """``state`` with ``period`` and ``segment`` in its URL (defaults left out; other parameters kept)."""
    kept = tuple((k, v) for k, v in state.extra if k not in URL_PARAMS)
    params = []
    if period != DEFAULT_PERIOD:
        params.append(("period", period.value))
    if segment != DEFAULT_SEGMENT:
        params.append(("segment", segment.value))
    return state.replace(extra=(*kept, *params))


# -- the aggregates --------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A JSON value: None for missing, Python numbers, ISO dates."""
    if value is None:
        return None
    if isinstance(value, pd.Timestamp | dt.datetime):
        return None if pd.isna(value) else pd.Timestamp(value).date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None if pd.isna(value) else str(value)
    if math.isnan(number):
        return None
    return int(number) if float(number).is_integer() and not isinstance(value, float) else number


def columns_of(frame: pd.DataFrame | None, names: tuple[str, ...]) -> dict[str, list]:
    """The named columns of ``frame`` as JSON lists (empty lists for an empty or missing frame)."""
    if frame is None or frame.empty:
        return {name: [] for name in names}
    return {name: [_plain(v) for v in frame[name].tolist()] for name in names}


def _cards(current: PeriodMetrics, previous: PeriodMetrics) -> dict[str, dict[str, Any]]:
    table = kpi_frame(current, previous).set_index("kpi")
    wanted = [spec.key for spec in (*HEALTH_CARDS, *INTERVENTION_CARDS)] + list(RISK_SHARE_KEYS)
    cards = {}
    for key in wanted:
        row = table.loc[key]
        cards[key] = {
            "value": _plain(row["value"]),
            "previous": _plain(row["previous_value"]),
            "value_text": str(row["value_text"]),
            "previous_text": str(row["previous_text"]),
            "change_text": str(row["change_text"]),
            "change_colour": str(row["change_colour"]),
        }
    return cards


def basis_texts(current: PeriodMetrics) -> dict[str, str]:
    """What each card's value counts, in a few words (pure)."""
    retention, measures = current.retention, current.interventions
    completed = int(measures.get(COMPLETED) or 0)
    success = measures.get(SUCCESS_RATE)
    response = measures.get("response_rate")
    resolved = round(success * completed) if success is not None else 0
    responded = round(response * completed) if response is not None else 0
    scored = current.overview.get("scored_clients") or 0
    return {
        "average_health_score": (
            f"{scored:,} scored {date_text(current.score_date, year=False, missing=DASH)}"
            if current.score_date else "nobody scored in the period"
        ),
        "health_improvement_rate": (
            f"{retention['improved_clients']:,} of {retention['compared_clients']:,} up 5+ points"
        ),
        "retention_rate": f"{retention['churned']:,} of {retention['clients_at_start']:,} churned",
        "revenue_retention_rate": "by contract value",
        "churn_prevention_rate": (
            f"{retention['churn_prevented']:,} of {retention['at_risk_with_intervention']:,} at-risk kept"
        ),
        "success_rate": f"{resolved:,} of {completed:,} resolved",
        "response_rate": f"{responded:,} of {completed:,} responded",
        "avg_resolution_hours": f"{completed:,} completed in the period",
        "avg_time_to_intervention_hours": f"{int(measures.get(CREATED) or 0):,} created in the period",
        "risk_shares": f"{scored:,} clients scored",
    }  # fmt: skip


def _by_type(current: PeriodMetrics) -> dict[str, list]:
    frame = current.interventions_by_type.rename_axis(TYPE).reset_index()
    completed = frame[COMPLETED].fillna(0).astype(int)
    rates = pd.to_numeric(frame[SUCCESS_RATE], errors="coerce")
    frame[RESOLVED] = (rates.fillna(0) * completed).round().astype(int)
    return columns_of(frame, (TYPE, COMPLETED, SUCCESS_RATE, RESOLVED))


def _by_member(current: PeriodMetrics) -> dict[str, list]:
    frame = current.interventions_by_member
    return columns_of(frame, (MEMBER, OPEN, OVERDUE, COMPLETED, SUCCESS_RATE, AVG_RESOLUTION_HOURS))


def analytics_data(
    session: Session,
    period: Period | str,
    segment: Segment | str,
    *,
    now: pd.Timestamp,
) -> dict[str, Any]:
    """Everything the Analytics tab draws for ``period`` and ``segment``, as plain JSON (module docstring)."""
    current = metrics_for(session, period, segment, include_trends=True, now=now)
    previous = metrics_for(
        session, period, segment, include_trends=True, include_factors=False, now=now,
        today=current.start - dt.timedelta(days=1),
    )  # fmt: skip
    levels = tuple(level.value for level in RiskLevel)
    return {
        "period": current.period.value,
        "segment": current.segment.value,
        "start": current.start.isoformat(),
        "end": current.end.isoformat(),
        "previous_start": previous.start.isoformat(),
        "previous_end": previous.end.isoformat(),
        "score_date": _plain(current.score_date),
        "cards": _cards(current, previous),
        "basis": basis_texts(current),
        "daily_scores": columns_of(current.daily_scores, (DAY, AVERAGE_SCORE, CLIENTS)),
        "previous_daily_scores": columns_of(previous.daily_scores, (DAY, AVERAGE_SCORE, CLIENTS)),
        "daily_risk_counts": columns_of(current.daily_risk_counts, (DAY, *levels)),
        "activity": columns_of(current.intervention_activity, (PERIOD_START, CREATED, COMPLETED)),
        "weekly": current.period.days > 30,
        "by_type": _by_type(current),
        "by_member": _by_member(current),
        "factors": columns_of(
            current.top_risk_factors,
            (FACTOR, LABEL, CLIENTS_AFFECTED, MEAN_POINTS_LOST, TOTAL_POINTS_LOST),
        ),
    }


# -- back to frames for the figure builders --------------------------------------------


@dataclass(frozen=True)
class AnalyticsFrames:
    daily_scores: pd.DataFrame
    previous_daily_scores: pd.DataFrame
    daily_risk_counts: pd.DataFrame
    activity: pd.DataFrame
    by_type: pd.DataFrame
    by_member: pd.DataFrame
    factors: pd.DataFrame


def _frame(columns: Mapping[str, list], dates: tuple[str, ...] = ()) -> pd.DataFrame:
    frame = pd.DataFrame(dict(columns))
    for name in dates:
        if name in frame:
            frame[name] = pd.to_datetime(frame[name])
    return frame


def frames(data: Mapping[str, Any]) -> AnalyticsFrames:
    """The stored aggregates as the frames ``dashboard.figures`` takes (pure)."""
    by_type = _frame(data["by_type"])
    if not by_type.empty:
        by_type[SUCCESS_RATE] = pd.to_numeric(by_type[SUCCESS_RATE], errors="coerce")
    by_member = _frame(data["by_member"])
    for column in (SUCCESS_RATE, AVG_RESOLUTION_HOURS):
        if column in by_member:
            by_member[column] = pd.to_numeric(by_member[column], errors="coerce")
    return AnalyticsFrames(
        daily_scores=_frame(data["daily_scores"], (DAY,)),
        previous_daily_scores=_frame(data["previous_daily_scores"], (DAY,)),
        daily_risk_counts=_frame(data["daily_risk_counts"], (DAY,)),
        activity=_frame(data["activity"], (PERIOD_START,)),
        by_type=by_type,
        by_member=by_member,
        factors=_frame(data["factors"]),
    )


def range_caption(data: Mapping[str, Any]) -> str:
    """The dates in words: "28 Oct – 26 Nov 2026, compared with 28 Sep – 27 Oct 2026 · …" (pure)."""
    start, end = (dt.date.fromisoformat(data[k]) for k in ("start", "end"))
    before = (dt.date.fromisoformat(data[k]) for k in ("previous_start", "previous_end"))
    text = f"{range_text(start, end)}, compared with {range_text(*before)}"
    if data.get("score_date"):
        text += (
            f" · latest scores {date_text(dt.date.fromisoformat(data['score_date']), year=False)}"
        )
    return text


@dataclass(frozen=True)
class TeamRow:
    member: str
    open: int
    overdue: int
    completed: int
    success: str
    resolution: str


def team_rows(by_member: pd.DataFrame) -> list[TeamRow]:
    """The team table: most open work first (pure)."""
    from dashboard.figures._base import percent

    if by_member.empty:
        return []
    ordered = by_member.assign(_open=by_member[OPEN].fillna(0)).sort_values(
        ["_open", MEMBER], ascending=[False, True], kind="stable"
    )
    rows = []
    for row in ordered.to_dict("records"):
        rate, hours = row.get(SUCCESS_RATE), row.get(AVG_RESOLUTION_HOURS)
        rows.append(
            TeamRow(
                member=str(row.get(MEMBER) or "Unassigned"),
                open=int(row.get(OPEN) or 0),
                overdue=int(row.get(OVERDUE) or 0),
                completed=int(row.get(COMPLETED) or 0),
                success=percent(rate) if rate is not None and not pd.isna(rate) else "–",
                resolution=hours_text(hours) if hours is not None and not pd.isna(hours) else "–",
            )
        )
    return rows
