"""The metrics of a period and client segment: what the Analytics tab shows and ``GET /metrics`` returns.

``metrics_for(session, period, segment)`` reads aggregates the database
computes, never one row per client and day: the daily score summary
(``data.repositories.summaries``: per day, risk level and client creation
day), client and intervention counts and sums (``data.repositories.analytics``)
and the comparison of two days' scores (``data.repositories.comparisons``).
``scoring.kpis`` and ``scoring.explain`` hold the definitions (on whole frames)
and finish the aggregates with the same arithmetic; the tests prove both ways
give the same figures. The tab draws the frames with
``dashboard.figures.analytics`` and the API serialises the same result.

Decisions where DESIGN is silent:

- The period ends today (UTC) unless ``today`` says otherwise
  (``scoring.kpis.period_bounds``); segments are ``scoring.kpis.segment_clients``.
- Overview: ``total_clients`` counts the segment's clients whose status is
  active; ``scored_clients``, ``at_risk`` (high or critical) and
  ``average_health_score`` (mean integer score) are over the clients scored on
  the latest day of the period that has scores (``score_date``);
  ``active_interventions`` and ``overdue_interventions`` are counted now.
- Intervention measures cover the interventions of the segment's clients.
- Top risk factors compare each client's scores on the first and the last
  scored day of the period (none when the period has fewer than two scored days).
- The intervention activity series is per day for 7d and 30d, per week from
  Monday for 90d and 1y.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import User
from data.repositories import analytics, comparisons
from data.repositories.summaries import CLIENTS, SCORE_SUM, SCORED, day_summaries
from scoring import kpis
from scoring.columns import DAY, RISK_LEVEL
from scoring.enums import AT_RISK_LEVELS, Period, Segment
from scoring.events import day_number
from scoring.explain import (
    CLIENTS_AFFECTED,
    FACTOR,
    LABEL,
    MEAN_POINTS_LOST,
    TOTAL_POINTS_LOST,
)
from scoring.rules import ASSIGNED_TO, TYPE

DAILY_ACTIVITY_MAX_DAYS = 30
MEMBER = "member"


@dataclass(frozen=True)
class PeriodMetrics:
    """Everything the Analytics tab and ``GET /metrics`` show for one period and segment."""

    period: Period
    segment: Segment
    start: dt.date
    end: dt.date
    score_date: dt.date | None
    overview: dict[str, Any]
    retention: dict[str, Any]  # scoring.kpis.retention
    interventions: dict[str, Any]  # scoring.kpis.intervention_kpis
    interventions_by_type: (
        pd.DataFrame
    )  # scoring.kpis.intervention_kpis_by(..., "type"), indexed by type
    interventions_by_member: pd.DataFrame  # the same per assignee id, with ``member`` (name)
    top_risk_factors: pd.DataFrame  # scoring.explain.top_risk_factors
    daily_scores: pd.DataFrame | None  # scoring.kpis.daily_average_score (include_trends)
    daily_risk_counts: pd.DataFrame | None  # scoring.kpis.daily_risk_counts (include_trends)
    intervention_activity: (
        pd.DataFrame | None
    )  # scoring.kpis.interventions_over_time (include_trends)


def metrics_for(
    session: Session,
    period: Period | str,
    segment: Segment | str = Segment.ALL,
    *,
    include_trends: bool = True,
    include_factors: bool = True,
    today: dt.date | None = None,
    now: pd.Timestamp | None = None,
) -> PeriodMetrics:
    """The metrics of ``period`` ending ``today`` for the clients of ``segment`` (module docstring).

    ``include_factors`` False leaves the top risk factors empty (a previous
    period shown only beside the current one's cards does not need them).
    """
    period, segment = Period(period), Segment(segment)
    now = now if now is not None else pd.Timestamp.now(tz="UTC")
    today = today or now.date()
    start, end = kpis.period_bounds(period, today)
    analytics.without_jit(session)
    created_from, created_to = kpis.segment_created_days(segment, start, end)
    bounds = {"start": start, "end": end, "created_from": created_from, "created_to": created_to}

    summary = day_summaries(session, **bounds)
    days = pd.to_datetime(summary[DAY]).dt.date
    score_date = days.max() if len(summary) else None
    first_day = days.min() if len(summary) else None

    people = analytics.client_counts(
        session, **bounds, everyone_at_start=segment is Segment.NEW_CLIENTS
    )
    helped = analytics.helped_at_risk_clients(
        session, **bounds, at_risk=comparisons.at_risk_positions(session, start, end)
    )
    helped_clients, prevented = kpis.churn_prevention(
        helped[analytics.FIRST_HELP_DAY].to_numpy(),
        helped[analytics.CHURNED_DAY].to_numpy(),
        day_number(today),
    )
    compared, improved = comparisons.health_improvement(session, **bounds)
    scored = summary[summary[SCORED] > 0]
    latest = scored[days[scored.index] == days[scored.index].max()] if len(scored) else scored
    retention = kpis.retention_from_counts(
        {
            "clients_at_start": people["clients_at_start"],
            "churned": people["churned"],
            "revenue_at_start": people["revenue_at_start"],
            "revenue_churned": people["revenue_churned"],
            "at_risk_with_intervention": helped_clients,
            "churn_prevented": prevented,
            "compared_clients": compared,
            "improved_clients": improved,
            "score_sum": float(latest[SCORE_SUM].sum()),
            "risk_counts": latest.groupby(RISK_LEVEL)[SCORED].sum().to_dict(),
        }
    )

    sums = analytics.intervention_sums(session, **bounds, now=now.to_pydatetime())
    measures = kpis.intervention_kpis_from_sums(sums)
    by_type = kpis.intervention_kpis_by_from_sums(sums, TYPE)
    by_member = _with_member_names(session, kpis.intervention_kpis_by_from_sums(sums, ASSIGNED_TO))

    daily_scores = daily_risk = activity = None
    if include_trends:
        daily_scores, daily_risk = kpis.daily_series_from_summary(summary)
        freq = "D" if period.days <= DAILY_ACTIVITY_MAX_DAYS else "W"
        activity = kpis.activity_from_daily_counts(
            analytics.intervention_daily_counts(session, **bounds), start=start, end=end, freq=freq
        )

    factors = _no_factors()
    if include_factors and first_day is not None and first_day != score_date:
        factors = comparisons.top_risk_factors(
            session, first_day, score_date, created_from=created_from, created_to=created_to
        )

    return PeriodMetrics(
        period=period,
        segment=segment,
        start=start,
        end=end,
        score_date=score_date,
        overview=_overview(people, summary, days, score_date, sums),
        retention=retention,
        interventions=measures,
        interventions_by_type=by_type,
        interventions_by_member=by_member,
        top_risk_factors=factors,
        daily_scores=daily_scores,
        daily_risk_counts=daily_risk,
        intervention_activity=activity,
    )


def _overview(
    people: dict[str, int],
    summary: pd.DataFrame,
    days: pd.Series,
    score_date: dt.date | None,
    sums: pd.DataFrame,
) -> dict[str, Any]:
    latest = summary[days == score_date] if score_date else summary.iloc[0:0]
    rows, scored = int(latest[CLIENTS].sum()), int(latest[SCORED].sum())
    at_risk = latest[RISK_LEVEL].isin([level.value for level in AT_RISK_LEVELS])
    average = None
    if rows:
        average = float(latest[SCORE_SUM].sum()) / scored if scored else float("nan")
    return {
        "total_clients": people["active_clients"],
        "scored_clients": rows,
        "at_risk": int(latest.loc[at_risk, CLIENTS].sum()),
        "average_health_score": average,
        "active_interventions": int(sums[kpis.OPEN].sum()),
        "overdue_interventions": int(sums[kpis.OVERDUE].sum()),
        "score_date": score_date,
    }


def _no_factors() -> pd.DataFrame:
    return pd.DataFrame(
        {
            FACTOR: pd.Series([], dtype=object),
            LABEL: pd.Series([], dtype=object),
            CLIENTS_AFFECTED: pd.Series([], dtype="int64"),
            MEAN_POINTS_LOST: pd.Series([], dtype=float),
            TOTAL_POINTS_LOST: pd.Series([], dtype=float),
        }
    )


def _with_member_names(session: Session, by_member: pd.DataFrame) -> pd.DataFrame:
    names = {user_id: name for user_id, name in session.execute(select(User.id, User.name))}
    members = [
        names.get(int(assignee), "Unassigned") if pd.notna(assignee) else "Unassigned"
        for assignee in by_member.index
    ]
    return by_member.assign(**{MEMBER: members})
