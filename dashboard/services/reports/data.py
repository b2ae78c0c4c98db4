"""What a report holds for a period and segment, assembled once for the CSV files and the PDF.

The figures are those of ``dashboard.services.metrics.metrics_for``, the function the
Analytics tab and ``GET /metrics`` use, for the period and for the period
just before it (same length, ending the day before it starts), so that each
KPI is shown beside its previous value.

Decisions where DESIGN is silent:

- KPI values are rounded as they are shown: counts whole, scores and
  durations to one decimal, rates as percentages to one decimal. The CSV
  carries the same rounded numbers as the PDF.
- Active clients, active interventions and overdue interventions are counted
  now, whatever the period (as in ``metrics_for``), so they have no previous
  value. Clients at risk has no value for a period in which nobody was scored
  (rather than 0).
- The clients of a report are those of the segment, with their scores of the
  latest scored day of the period (``score_date``); clients without a score
  that day are listed last, without one.
- The interventions of a report are those of the segment's clients that were
  open at some time in the period: created by its last day and not completed
  or cancelled before its first.
- A report "has no data" when nobody of the segment was scored in the period
  and none of their interventions was open in it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from dashboard import theme
from dashboard.figures import kpi_delta
from dashboard.formatting import hours_text
from dashboard.services.metrics import PeriodMetrics, metrics_for
from data.repositories.clients import clients_frame
from data.repositories.interventions import ASSIGNED_TO_NAME, interventions_frame
from data.repositories.interventions import CLIENT_NAME as INTERVENTION_CLIENT_NAME
from data.repositories.scores import scores_on
from data.repositories.users import team_frame
from scoring import kpis
from scoring.columns import (
    CLIENT_ID,
    COMPLETED_AT,
    COVERAGE,
    CREATED_AT,
    ENGAGEMENT,
    OVERALL,
    OWNER_ID,
    PRIMARY_FACTOR,
    PROGRESS,
    RISK_LEVEL,
    SATISFACTION,
    SCORE_INT,
    STATUS,
    TREND,
)
from scoring.enums import AT_RISK_LEVELS, OPEN_STATUSES, Period, RiskLevel, Segment, Trend
from scoring.model import COMPONENT_BY_NAME
from scoring.rules import CANCELLED_AT

Unit = Literal["count", "points", "percent", "hours"]

OWNER = "owner"
SCORE_DATE = "score_date"
OPEN_INTERVENTIONS = "open_interventions"
PRIMARY_FACTOR_LABEL = "primary_factor_label"

# Columns of the report's clients frame (and of clients.csv), in order.
CLIENT_COLUMNS = (
    CLIENT_ID, "name", "partner_names", "wedding_date", "venue", STATUS, OWNER, SCORE_DATE,
    SCORE_INT, OVERALL, RISK_LEVEL, TREND, ENGAGEMENT, PROGRESS, SATISFACTION, COVERAGE,
    PRIMARY_FACTOR, OPEN_INTERVENTIONS,
)  # fmt: skip

# Columns of the report's interventions frame (and of interventions.csv), in order.
INTERVENTION_COLUMNS = (
    "id", CLIENT_ID, INTERVENTION_CLIENT_NAME, "type", "priority", "status", "title",
    "assigned_to", ASSIGNED_TO_NAME, "due_date", "overdue", "source", "created_at", "started_at",
    "completed_at", "cancelled_at", "outcome", "client_responded", "score_at_creation",
)  # fmt: skip

# Columns of the KPI frame.
KPI_COLUMNS = (
    "section", "kpi", "label", "unit", "value", "previous_value", "value_text", "previous_text",
    "change_text", "change_colour", "counted_now",
)  # fmt: skip


@dataclass(frozen=True)
class Kpi:
    """One line of the KPI summary: where its value comes from and how to read its change."""

    key: str
    label: str
    section: str
    unit: Unit
    read: Callable[[PeriodMetrics], float | int | None]
    higher_is_better: bool | None = True  # None: a change is neither good nor bad
    counted_now: bool = False
    needs_scores: bool = False  # no value when nobody was scored in the period

    def value_of(self, metrics: PeriodMetrics) -> float | int | None:
        """The KPI's value in ``metrics``, rounded as shown."""
        if self.needs_scores and metrics.score_date is None:
            return None
        return shown_value(self.read(metrics), self.unit)


HEALTH = "Client health"
RETENTION = "Retention and business impact"
INTERVENTIONS = "Interventions"
# More clients at low risk is better, more at high or critical worse; medium is neither.
_SHARE_BETTER_WHEN_HIGHER = {
    RiskLevel.LOW: True,
    RiskLevel.MEDIUM: None,
    RiskLevel.HIGH: False,
    RiskLevel.CRITICAL: False,
}


def _overview(key: str) -> Callable[[PeriodMetrics], float | int | None]:
    return lambda m: m.overview.get(key)


def _retention(key: str) -> Callable[[PeriodMetrics], float | int | None]:
    return lambda m: m.retention.get(key)


def _measure(key: str) -> Callable[[PeriodMetrics], float | int | None]:
    return lambda m: m.interventions.get(key)


def _risk_share(level: RiskLevel) -> Callable[[PeriodMetrics], float | None]:
    return lambda m: m.retention["risk_shares"].get(level.value)


KPIS: tuple[Kpi, ...] = (
    Kpi("total_clients", "Active clients (now)", HEALTH, "count", _overview("total_clients"), None, True),
    Kpi("scored_clients", "Clients scored on the last scored day", HEALTH, "count", _overview("scored_clients"), None),
    Kpi("average_health_score", "Average health score", HEALTH, "points", _overview("average_health_score")),
    Kpi("at_risk", "Clients at risk (high or critical)", HEALTH, "count", _overview("at_risk"), False,
        needs_scores=True),
    *(
        Kpi(f"risk_share_{level.value}", f"Share of clients at {level.value} risk", HEALTH, "percent",
            _risk_share(level), _SHARE_BETTER_WHEN_HIGHER[level])
        for level in RiskLevel
    ),
    Kpi("health_improvement_rate", "Health improvement rate (score up 5 or more)", HEALTH, "percent",
        _retention("health_improvement_rate")),
    Kpi("retention_rate", "Client retention rate", RETENTION, "percent", _retention("retention_rate")),
    Kpi("churned", "Clients churned", RETENTION, "count", _retention("churned"), False),
    Kpi("revenue_retention_rate", "Revenue retention rate", RETENTION, "percent",
        _retention("revenue_retention_rate")),
    Kpi("churn_prevention_rate", "Churn prevention rate", RETENTION, "percent",
        _retention("churn_prevention_rate")),
    Kpi("created", "Interventions created", INTERVENTIONS, "count", _measure("created"), None),
    Kpi("completed", "Interventions completed", INTERVENTIONS, "count", _measure("completed"), None),
    Kpi("completion_rate", "Completion rate", INTERVENTIONS, "percent", _measure("completion_rate")),
    Kpi("success_rate", "Success rate (resolved / completed)", INTERVENTIONS, "percent",
        _measure("success_rate")),
    Kpi("response_rate", "Client response rate", INTERVENTIONS, "percent", _measure("response_rate")),
    Kpi("avg_time_to_intervention_hours", "Average time to intervention", INTERVENTIONS, "hours",
        _measure("avg_time_to_intervention_hours"), False),
    Kpi("avg_resolution_hours", "Average resolution time", INTERVENTIONS, "hours",
        _measure("avg_resolution_hours"), False),
    Kpi("avg_score_improvement", "Average score change 14 days after completion", INTERVENTIONS,
        "points", _measure("avg_score_improvement")),
    Kpi("active_interventions", "Active interventions (now)", INTERVENTIONS, "count",
        _overview("active_interventions"), None, True),
    Kpi("overdue_interventions", "Overdue interventions (now)", INTERVENTIONS, "count",
        _overview("overdue_interventions"), False, True),
)  # fmt: skip

# The figures on the cover of the PDF and in the scheduled report's mail.
HEADLINE_KPIS = (
    "average_health_score",
    "at_risk",
    "retention_rate",
    "success_rate",
    "active_interventions",
)


# -- numbers as shown ------------------------------------------------------------------


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float | np.floating) and np.isnan(value))


def shown_value(value: float | int | None, unit: Unit) -> float | int | None:
    """A KPI value rounded as the report shows it: percentages 0-100 to one decimal, counts whole."""
    if _missing(value):
        return None
    if unit == "count":
        return int(round(float(value)))
    if unit == "percent":
        return round(float(value) * 100, 1)
    return round(float(value), 1)


def value_text(value: float | int | None, unit: Unit) -> str:
    """A shown value as text: ``1,234``, ``64.6``, ``72.4%``, ``26 h`` or ``3.5 days``; ``–`` when missing."""
    if _missing(value):
        return "–"
    if unit == "count":
        return f"{int(value):,}"
    if unit == "percent":
        return f"{value:.1f}%"
    if unit == "hours":
        return hours_text(float(value))
    return f"{value:.1f}"


def _change_format(unit: Unit) -> Callable[[float], str]:
    if unit == "count":
        return lambda x: f"{x:,.0f}"
    if unit == "percent":
        return lambda x: f"{x:.1f} pts"
    if unit == "hours":
        return hours_text
    return lambda x: f"{x:.1f}"


def kpi_frame(current: PeriodMetrics, previous: PeriodMetrics | None) -> pd.DataFrame:
    """One row per KPI of ``KPIS``: the value this period and the previous one, as numbers and text."""
    rows = []
    for kpi in KPIS:
        value = kpi.value_of(current)
        before = None
        if previous is not None and not kpi.counted_now:
            before = kpi.value_of(previous)
        if kpi.counted_now:
            change, colour = "counted now", theme.TEXT_MUTED
        else:
            delta = kpi_delta(
                value, before, higher_is_better=bool(kpi.higher_is_better),
                fmt=_change_format(kpi.unit), comparison="",
            )  # fmt: skip
            change = delta.text.strip()
            colour = theme.TEXT_MUTED if kpi.higher_is_better is None else delta.colour
        rows.append(
            {
                "section": kpi.section,
                "kpi": kpi.key,
                "label": kpi.label,
                "unit": kpi.unit,
                "value": value,
                "previous_value": before,
                "value_text": value_text(value, kpi.unit),
                "previous_text": "–" if kpi.counted_now else value_text(before, kpi.unit),
                "change_text": change,
                "change_colour": colour,
                "counted_now": kpi.counted_now,
            }
        )
    frame = pd.DataFrame(rows, columns=list(KPI_COLUMNS))
    # Object columns keep counts as integers beside the one-decimal numbers.
    for name in ("value", "previous_value"):
        frame[name] = pd.Series([row[name] for row in rows], index=frame.index, dtype=object)
    return frame


# -- the report ------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportData:
    """Everything one report shows, for a period and segment."""

    metrics: PeriodMetrics
    previous: PeriodMetrics
    kpis: pd.DataFrame  # kpi_frame
    clients: pd.DataFrame  # CLIENT_COLUMNS, lowest score first
    interventions: pd.DataFrame  # INTERVENTION_COLUMNS, by id
    generated_at: pd.Timestamp  # UTC
    zone: ZoneInfo

    @property
    def period(self) -> Period:
        return self.metrics.period

    @property
    def segment(self) -> Segment:
        return self.metrics.segment

    @property
    def start(self) -> dt.date:
        return self.metrics.start

    @property
    def end(self) -> dt.date:
        return self.metrics.end

    @property
    def has_data(self) -> bool:
        """False when nobody of the segment was scored in the period and no intervention was open in it."""
        return self.metrics.score_date is not None or len(self.interventions) > 0

    @property
    def at_risk(self) -> pd.DataFrame:
        """The clients at high or critical risk on the score date, lowest score first."""
        levels = [level.value for level in AT_RISK_LEVELS]
        return self.clients[self.clients[RISK_LEVEL].isin(levels)].reset_index(drop=True)

    def file_stem(self) -> str:
        """``customer-success-30d-all-2026-10-29-to-2026-11-27``: the name of the report's files."""
        return (
            f"customer-success-{self.period.value}-{self.segment.value}-{self.start}-to-{self.end}"
        )


def build_report_data(
    session: Session,
    period: Period | str,
    segment: Segment | str = Segment.ALL,
    *,
    zone: ZoneInfo,
    today: dt.date | None = None,
    now: pd.Timestamp | None = None,
) -> ReportData:
    """The report of ``period`` ending ``today`` (default: today, UTC) for the clients of ``segment``."""
    period, segment = Period(period), Segment(segment)
    now = now if now is not None else pd.Timestamp.now(tz="UTC")
    today = today or now.date()
    current = metrics_for(session, period, segment, today=today, now=now)
    previous = metrics_for(
        session, period, segment, include_factors=False,
        today=current.start - dt.timedelta(days=1), now=now,
    )  # fmt: skip
    people = clients_frame(session)
    ids = kpis.segment_clients(people, segment, current.start, current.end)
    interventions = interventions_frame(session, now=now.to_pydatetime())
    interventions = interventions[interventions[CLIENT_ID].isin(ids)]
    return ReportData(
        metrics=current,
        previous=previous,
        kpis=kpi_frame(current, previous),
        clients=_clients(
            session, people[people[CLIENT_ID].isin(ids)], current.score_date, interventions
        ),
        interventions=_open_in_period(interventions, current.start, current.end),
        generated_at=now,
        zone=zone,
    )


def _clients(
    session: Session, people: pd.DataFrame, score_date: dt.date | None, interventions: pd.DataFrame
) -> pd.DataFrame:
    team = team_frame(session, include_inactive=True)
    owners = dict(zip(team["id"].astype("Int64"), team["name"], strict=True))
    frame = people.assign(
        **{OWNER: [owners.get(owner) if pd.notna(owner) else None for owner in people[OWNER_ID]]}
    )
    columns = [
        SCORE_INT,
        OVERALL,
        RISK_LEVEL,
        TREND,
        ENGAGEMENT,
        PROGRESS,
        SATISFACTION,
        COVERAGE,
        PRIMARY_FACTOR,
    ]
    if score_date is not None:
        scores = scores_on(session, score_date, client_ids=frame[CLIENT_ID].tolist())
        frame = frame.merge(scores[[CLIENT_ID, *columns]], on=CLIENT_ID, how="left")
        scored = frame[OVERALL].notna()
        frame[SCORE_DATE] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[us]")
        frame.loc[scored, SCORE_DATE] = pd.Timestamp(score_date)
    else:
        frame = frame.assign(**{name: np.nan for name in columns})
        frame[SCORE_DATE] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[us]")
    open_ = interventions[interventions[STATUS].isin([s.value for s in OPEN_STATUSES])]
    counts = open_.groupby(CLIENT_ID).size()
    frame[OPEN_INTERVENTIONS] = frame[CLIENT_ID].map(counts).fillna(0).astype(int)
    frame = frame.sort_values(
        [OVERALL, "name", CLIENT_ID], ascending=True, na_position="last", kind="stable"
    )
    return frame[list(CLIENT_COLUMNS)].reset_index(drop=True)


def _open_in_period(interventions: pd.DataFrame, start: dt.date, end: dt.date) -> pd.DataFrame:
    first = pd.Timestamp(start, tz="UTC")
    after_last = pd.Timestamp(end, tz="UTC") + pd.Timedelta(days=1)
    created = pd.to_datetime(interventions[CREATED_AT], utc=True)
    closed = pd.to_datetime(interventions[COMPLETED_AT], utc=True).fillna(
        pd.to_datetime(interventions[CANCELLED_AT], utc=True)
    )
    keep = (created < after_last) & (closed.isna() | (closed >= first))
    return (
        interventions.loc[keep, list(INTERVENTION_COLUMNS)].sort_values("id").reset_index(drop=True)
    )


def factor_label(name: object) -> str:
    """The label of a component name (``"logins"`` -> ``"Logins"``); empty when missing."""
    if _missing(name) or name is pd.NA or name == "":
        return ""
    component = COMPONENT_BY_NAME.get(str(name))
    return component.label if component else str(name)


def trend_label(value: object) -> str:
    """``Improving`` / ``Stable`` / ``Declining``; empty when missing."""
    try:
        return Trend(str(value)).label
    except ValueError:
        return ""
