"""The metrics of a period and client segment: what the Analytics tab shows and ``GET /metrics`` returns.

``metrics_for(session, period, segment)`` reads the clients, the stored score
history of the period and every intervention, and hands them to
``scoring.kpis`` and ``scoring.explain``; the tab draws the frames with
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
from sqlalchemy.orm import Session

from data.repositories.clients import clients_frame
from data.repositories.interventions import interventions_frame
from data.repositories.scores import score_history, scores_on
from data.repositories.users import team_frame
from scoring import kpis
from scoring.columns import CLIENT_ID, DAY, OVERALL, RISK_LEVEL, SCORE_INT, STATUS
from scoring.enums import AT_RISK_LEVELS, OPEN_STATUSES, ClientStatus, Period, Segment
from scoring.explain import (
    CLIENTS_AFFECTED,
    FACTOR,
    LABEL,
    MEAN_POINTS_LOST,
    TOTAL_POINTS_LOST,
    top_risk_factors,
)
from scoring.health import round_half_up
from scoring.rules import DUE_AT

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
    today: dt.date | None = None,
    now: pd.Timestamp | None = None,
) -> PeriodMetrics:
    """The metrics of ``period`` ending ``today`` for the clients of ``segment`` (module docstring)."""
    period, segment = Period(period), Segment(segment)
    now = now if now is not None else pd.Timestamp.now(tz="UTC")
    today = today or now.date()
    start, end = kpis.period_bounds(period, today)

    clients = clients_frame(session)
    ids = kpis.segment_clients(clients, segment, start, end)
    history = _history(session, start, end)
    interventions = interventions_frame(session, now=now.to_pydatetime()).rename(
        columns={"due_date": DUE_AT}
    )
    interventions = interventions[interventions[CLIENT_ID].isin(ids)]
    in_segment = history[history[CLIENT_ID].isin(ids)]

    scored_days = pd.to_datetime(in_segment[DAY]).dt.date
    score_date = scored_days.max() if len(scored_days) else None
    first_day = scored_days.min() if len(scored_days) else None

    retention = kpis.retention(
        clients, history, interventions, start=start, end=end, segment=segment, today=today
    )
    measures = kpis.intervention_kpis(interventions, history, now=now, start=start, end=end)
    by_type = kpis.intervention_kpis_by(
        interventions, history, "type", now=now, start=start, end=end
    )
    by_member = kpis.intervention_kpis_by(
        interventions, history, "assigned_to", now=now, start=start, end=end
    )
    by_member = _with_member_names(session, by_member)

    daily_scores = daily_risk = activity = None
    if include_trends:
        daily_scores = kpis.daily_average_score(history, start=start, end=end, clients=ids)
        daily_risk = kpis.daily_risk_counts(history, start=start, end=end, clients=ids)
        freq = "D" if period.days <= DAILY_ACTIVITY_MAX_DAYS else "W"
        activity = kpis.interventions_over_time(interventions, start=start, end=end, freq=freq)

    return PeriodMetrics(
        period=period,
        segment=segment,
        start=start,
        end=end,
        score_date=score_date,
        overview=_overview(clients, ids, in_segment, score_date, interventions, now),
        retention=retention,
        interventions=measures,
        interventions_by_type=by_type,
        interventions_by_member=by_member,
        top_risk_factors=_top_risk_factors(session, ids, first_day, score_date),
        daily_scores=daily_scores,
        daily_risk_counts=daily_risk,
        intervention_activity=activity,
    )


def _history(session: Session, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Stored scores of the period with the integer ``score``: the history the KPIs read."""
    history = score_history(session, start=start, end=end, columns=[OVERALL, RISK_LEVEL])
    score = pd.Series(round_half_up(history[OVERALL].to_numpy(dtype=float)), index=history.index)
    return history.assign(**{SCORE_INT: score})


def _overview(
    clients: pd.DataFrame,
    ids: pd.Index,
    history: pd.DataFrame,
    score_date: dt.date | None,
    interventions: pd.DataFrame,
    now: pd.Timestamp,
) -> dict[str, Any]:
    people = clients[clients[CLIENT_ID].isin(ids)]
    latest = (
        history[pd.to_datetime(history[DAY]).dt.date == score_date]
        if score_date
        else history.iloc[0:0]
    )
    open_ = interventions[interventions[STATUS].isin([s.value for s in OPEN_STATUSES])]
    overdue = kpis.is_overdue(open_, now) if len(open_) else pd.Series([], dtype=bool)
    return {
        "total_clients": int(people[STATUS].eq(ClientStatus.ACTIVE.value).sum()),
        "scored_clients": len(latest),
        "at_risk": int(latest[RISK_LEVEL].isin([level.value for level in AT_RISK_LEVELS]).sum()),
        "average_health_score": float(latest[SCORE_INT].mean()) if len(latest) else None,
        "active_interventions": len(open_),
        "overdue_interventions": int(overdue.sum()),
        "score_date": score_date,
    }


def _top_risk_factors(
    session: Session, ids: pd.Index, first_day: dt.date | None, last_day: dt.date | None
) -> pd.DataFrame:
    if first_day is None or last_day is None or first_day == last_day:
        return _no_factors()
    before = scores_on(session, first_day)
    after = scores_on(session, last_day)
    before = before[before[CLIENT_ID].isin(ids)].set_index(CLIENT_ID)
    after = after[after[CLIENT_ID].isin(ids)].set_index(CLIENT_ID)
    return top_risk_factors(before, after)


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
    team = team_frame(session, include_inactive=True)
    names = dict(zip(team["id"].astype("Int64"), team["name"], strict=True))
    members = [
        names.get(assignee, "Unassigned") if pd.notna(assignee) else "Unassigned"
        for assignee in by_member.index
    ]
    return by_member.assign(**{MEMBER: members})
