"""Intervention measures (DESIGN 6), retention analytics (DESIGN 7) and chart series.

Periods are inclusive ranges of UTC calendar dates ``[start, end]``
(``period_bounds``: the last N days ending on the day given); an event is in
the period when the UTC date of its timestamp is. ``start`` or ``end`` None
leaves that side open. Interventions are frames of the interventions table
(column names in ``scoring.rules``); the score history has ``client_id``,
``day``, ``score`` (the integer score) and, when available, ``risk_level``.

A rate or mean whose denominator is zero is None in a dict and NaN in a frame,
never a division error.

Intervention measures (``intervention_kpis``, ``intervention_kpis_by``), where
DESIGN is silent:

- ``completed``: completed in the period. Success rate (outcome ``resolved``),
  response rate (``client_responded``), average resolution time
  (``completed_at - created_at``) and score improvement are over these.
- Score improvement: the integer score stored for the client on the date of
  completion + 14 days minus ``score_at_creation``, over the completed
  interventions that have both.
- ``created``: created in the period. Average time to intervention
  (``started_at``, else ``completed_at``, minus ``created_at``) is over those of
  them that have been started or completed. Completion rate = those of them not
  cancelled that were completed by the end of the period / those not cancelled.
- ``open`` and ``overdue`` are counts at ``now``, whatever the period. Times are
  in hours.
- By type, every intervention type has a row; by team member, every assignee
  present (unassigned ones under a missing id).

Retention (``retention``) for a segment, where DESIGN is silent:

- Segments by the UTC date of ``created_at``: new clients were created in the
  period, existing clients before its first day, all is both.
- Clients active at the start: for all and existing clients, those created
  before the first day that had not ended (churned or completed) before it; for
  new clients, each is active at its own start, so all of them. Retention rate
  = 1 - those of them churned in the period / their number; revenue retention
  the same weighted by contract value. A client whose status is churned or
  completed without a time for it has ended before any period.
- Churn prevention: clients with a stored high or critical risk level on a day
  of the period and an intervention created in the period and not cancelled;
  prevented when the client had not churned by 60 days after the first such
  intervention, or by ``today`` when that comes first.
- Health improvement: over clients with stored scores on at least two days of
  the period, the share whose last score is 5 or more above their first.
- Average score and risk shares: over the clients scored on the last day of the
  period that has stored scores.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from .columns import (
    CHURNED_AT,
    CLIENT_ID,
    COMPLETED_AT,
    CONTRACT_VALUE,
    CREATED_AT,
    DAY,
    RISK_LEVEL,
    SCORE_INT,
    STATUS,
)
from .enums import (
    AT_RISK_LEVELS,
    OPEN_STATUSES,
    ClientStatus,
    InterventionStatus,
    InterventionType,
    Outcome,
    Period,
    RiskLevel,
    Segment,
)
from .events import NO_DAY, day_date, day_number, day_numbers
from .model import TREND_THRESHOLD
from .rules import (
    ASSIGNED_TO,
    CANCELLED_AT,
    CLIENT_RESPONDED,
    OUTCOME,
    SCORE_AT_CREATION,
    STARTED_AT,
    TYPE,
    is_overdue,
    risk_levels,
)
from .trend import DayLike, by_client, to_utc

SCORE_CHECK_DAYS = 14
CHURN_PREVENTION_DAYS = 60
HEALTH_IMPROVEMENT_POINTS = TREND_THRESHOLD

# Intervention measures (keys of intervention_kpis, columns of intervention_kpis_by).
CREATED = "created"
OPEN = "open"
OVERDUE = "overdue"
COMPLETED = "completed"
CANCELLED = "cancelled"
SUCCESS_RATE = "success_rate"
RESPONSE_RATE = "response_rate"
AVG_RESOLUTION_HOURS = "avg_resolution_hours"
AVG_TIME_TO_INTERVENTION_HOURS = "avg_time_to_intervention_hours"
AVG_SCORE_IMPROVEMENT = "avg_score_improvement"
SCORE_IMPROVEMENTS = "score_improvements"
COMPLETION_RATE = "completion_rate"
INTERVENTION_MEASURES = (
    CREATED, OPEN, OVERDUE, COMPLETED, CANCELLED, SUCCESS_RATE, RESPONSE_RATE,
    AVG_RESOLUTION_HOURS, AVG_TIME_TO_INTERVENTION_HOURS, AVG_SCORE_IMPROVEMENT,
    SCORE_IMPROVEMENTS, COMPLETION_RATE,
)
_COUNTS = (CREATED, OPEN, OVERDUE, COMPLETED, CANCELLED, SCORE_IMPROVEMENTS)

# Chart series.
AVERAGE_SCORE = "average_score"
CLIENTS = "clients"
PERIOD_START = "period_start"

_HOUR = pd.Timedelta(hours=1)


def period_bounds(period: Period | str, as_of: DayLike) -> tuple[dt.date, dt.date]:
    """First and last day of the period of ``period`` ending on ``as_of`` (both included)."""
    end = day_number(as_of)
    return day_date(end - Period(period).days + 1), day_date(end)


def _day_or_none(value: DayLike | None) -> int | None:
    return None if value is None else day_number(value)


def _within(days: np.ndarray, start: int | None, end: int | None) -> np.ndarray:
    """Whether each day number (``NO_DAY`` = none) lies in ``[start, end]``; None leaves a side open."""
    inside = days != NO_DAY
    if start is not None:
        inside &= days >= start
    if end is not None:
        inside &= days <= end
    return inside


def _as_dates(days: np.ndarray) -> np.ndarray:
    return np.asarray(days, dtype=np.int64).astype("datetime64[D]")


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    return (numerator / denominator.where(denominator > 0)).astype(float)


def _plain(value: Any) -> Any:
    """A dict value as plain Python: None for missing, int or float for numbers."""
    if value is None or (isinstance(value, float | np.floating) and np.isnan(value)):
        return None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def _scores_on(history: pd.DataFrame, clients: pd.Series, days: np.ndarray) -> np.ndarray:
    """The integer score stored for each (client, day number) pair, NaN where there is none."""
    stored = history.loc[history[SCORE_INT].notna()]
    stored = pd.Series(
        stored[SCORE_INT].to_numpy(dtype=float),
        index=pd.MultiIndex.from_arrays([stored[CLIENT_ID], day_numbers(stored[DAY])]),
    )
    stored = stored[~stored.index.duplicated(keep="last")]
    return stored.reindex(pd.MultiIndex.from_arrays([clients, days])).to_numpy()


def intervention_facts(
    interventions: pd.DataFrame,
    history: pd.DataFrame,
    *,
    now: DayLike,
    start: DayLike | None = None,
    end: DayLike | None = None,
) -> pd.DataFrame:
    """Per intervention, what each measure counts: flags, durations in hours and score improvement.

    Same index as ``interventions``; see the module docstring for the rules.
    """
    start, end = _day_or_none(start), _day_or_none(end)
    status = interventions[STATUS]
    created_at = to_utc(interventions[CREATED_AT])
    completed_at = to_utc(interventions[COMPLETED_AT])
    created = _within(day_numbers(created_at), start, end)
    completed_day = day_numbers(completed_at)
    completed = status.eq(InterventionStatus.COMPLETED) & _within(completed_day, start, end)
    cancelled = status.eq(InterventionStatus.CANCELLED) & _within(
        day_numbers(interventions[CANCELLED_AT]), start, end
    )
    committed = created & status.ne(InterventionStatus.CANCELLED)
    acted_at = to_utc(interventions[STARTED_AT]).fillna(completed_at)

    check_day = np.where(completed_day == NO_DAY, NO_DAY, completed_day + SCORE_CHECK_DAYS)
    later_score = _scores_on(history, interventions[CLIENT_ID], check_day)
    improvement = later_score - interventions[SCORE_AT_CREATION].to_numpy(dtype=float, na_value=np.nan)

    return pd.DataFrame(
        {
            TYPE: interventions[TYPE],
            ASSIGNED_TO: interventions[ASSIGNED_TO],
            CREATED: created,
            OPEN: status.isin(OPEN_STATUSES),
            OVERDUE: is_overdue(interventions, now),
            COMPLETED: completed,
            CANCELLED: cancelled,
            "resolved": completed & interventions[OUTCOME].eq(Outcome.RESOLVED),
            "responded": completed & interventions[CLIENT_RESPONDED].eq(True),
            "resolution_hours": ((completed_at - created_at) / _HOUR).where(completed),
            "time_to_intervention_hours": ((acted_at - created_at) / _HOUR).where(created),
            "score_improvement": pd.Series(improvement, index=interventions.index).where(completed),
            "committed": committed,
            "committed_done": committed
            & status.eq(InterventionStatus.COMPLETED)
            & _within(completed_day, None, end),
        },
        index=interventions.index,
    )


def _measures(facts: pd.DataFrame, by: str) -> pd.DataFrame:
    grouped = facts.groupby(by, dropna=False, sort=True).agg(
        **{
            CREATED: (CREATED, "sum"),
            OPEN: (OPEN, "sum"),
            OVERDUE: (OVERDUE, "sum"),
            COMPLETED: (COMPLETED, "sum"),
            CANCELLED: (CANCELLED, "sum"),
            "resolved": ("resolved", "sum"),
            "responded": ("responded", "sum"),
            AVG_RESOLUTION_HOURS: ("resolution_hours", "mean"),
            AVG_TIME_TO_INTERVENTION_HOURS: ("time_to_intervention_hours", "mean"),
            AVG_SCORE_IMPROVEMENT: ("score_improvement", "mean"),
            SCORE_IMPROVEMENTS: ("score_improvement", "count"),
            "committed": ("committed", "sum"),
            "committed_done": ("committed_done", "sum"),
        }
    )
    grouped[SUCCESS_RATE] = _ratio(grouped["resolved"], grouped[COMPLETED])
    grouped[RESPONSE_RATE] = _ratio(grouped["responded"], grouped[COMPLETED])
    grouped[COMPLETION_RATE] = _ratio(grouped["committed_done"], grouped["committed"])
    return grouped[list(INTERVENTION_MEASURES)]


def intervention_kpis(
    interventions: pd.DataFrame,
    history: pd.DataFrame,
    *,
    now: DayLike,
    start: DayLike | None = None,
    end: DayLike | None = None,
) -> dict[str, Any]:
    """Intervention measures of DESIGN 6 over all interventions: a dict keyed by ``INTERVENTION_MEASURES``."""
    facts = intervention_facts(interventions, history, now=now, start=start, end=end)
    measures = _measures(facts.assign(_all=0), "_all").reindex([0])
    measures[list(_COUNTS)] = measures[list(_COUNTS)].fillna(0).astype(np.int64)
    return {name: _plain(measures[name].iloc[0]) for name in INTERVENTION_MEASURES}


def intervention_kpis_by(
    interventions: pd.DataFrame,
    history: pd.DataFrame,
    by: str,
    *,
    now: DayLike,
    start: DayLike | None = None,
    end: DayLike | None = None,
) -> pd.DataFrame:
    """Intervention measures per ``type`` or per ``assigned_to`` (team member), one row each.

    Indexed by the type (every type, zero counts included) or the assignee id.
    """
    if by not in (TYPE, ASSIGNED_TO):
        raise ValueError(f"by must be {TYPE!r} or {ASSIGNED_TO!r}, not {by!r}")
    facts = intervention_facts(interventions, history, now=now, start=start, end=end)
    measures = _measures(facts, by)
    if by == TYPE:
        measures = measures.reindex([t.value for t in InterventionType])
        measures[list(_COUNTS)] = measures[list(_COUNTS)].fillna(0).astype(np.int64)
    return measures


def segment_clients(
    clients: pd.DataFrame, segment: Segment | str, start: DayLike, end: DayLike
) -> pd.Index:
    """Ids of the clients of ``segment`` for the period ``[start, end]``."""
    people = by_client(clients)
    created = day_numbers(people[CREATED_AT])
    segment = Segment(segment)
    if segment is Segment.NEW_CLIENTS:
        return people.index[_within(created, day_number(start), day_number(end))]
    if segment is Segment.EXISTING_CLIENTS:
        return people.index[created < day_number(start)]
    return people.index


def _day_column(frame: pd.DataFrame, column: str) -> np.ndarray:
    """Day numbers of a column, all ``NO_DAY`` when the frame lacks it."""
    return day_numbers(frame[column]) if column in frame else np.full(len(frame), NO_DAY)


def _ended_day(people: pd.DataFrame) -> np.ndarray:
    """The day each client churned or completed (``NO_DAY``: still going); long ago when its status
    says it ended without a time."""
    ended = np.minimum(_day_column(people, CHURNED_AT), _day_column(people, COMPLETED_AT))
    if STATUS in people:
        ended[(ended == NO_DAY) & people[STATUS].ne(ClientStatus.ACTIVE).to_numpy()] = -NO_DAY
    return ended


def _history_in(history: pd.DataFrame, ids: pd.Index, start: int | None, end: int | None) -> pd.DataFrame:
    """Stored scores of clients ``ids`` in ``[start, end]``, with ``_day`` (day number) and a risk level."""
    days = day_numbers(history[DAY])
    keep = _within(days, start, end) & history[CLIENT_ID].isin(ids).to_numpy() & history[SCORE_INT].notna().to_numpy()
    rows = history.loc[keep].assign(_day=days[keep])
    if RISK_LEVEL not in rows:
        rows = rows.assign(**{RISK_LEVEL: risk_levels(rows[SCORE_INT])})
    return rows


def retention(
    clients: pd.DataFrame,
    history: pd.DataFrame,
    interventions: pd.DataFrame,
    *,
    start: DayLike,
    end: DayLike,
    segment: Segment | str = Segment.ALL,
    today: DayLike | None = None,
) -> dict[str, Any]:
    """Client health and retention measures of DESIGN 7 for a period and segment.

    ``clients`` has ``client_id``, ``created_at``, ``status``, ``churned_at`` and
    ``contract_value`` (minor units); ``today`` (default: ``end``) caps the
    60-day churn check. Returns a dict: ``clients_at_start``, ``churned``,
    ``retention_rate``, ``revenue_at_start``, ``revenue_churned``,
    ``revenue_retention_rate``, ``at_risk_with_intervention``,
    ``churn_prevented``, ``churn_prevention_rate``, ``compared_clients``,
    ``improved_clients``, ``health_improvement_rate``, ``scored_clients``,
    ``average_score``, ``risk_counts`` and ``risk_shares`` (dicts keyed by risk
    level value, low to critical).
    """
    first_day, last_day = day_number(start), day_number(end)
    today_day = last_day if today is None else day_number(today)
    segment = Segment(segment)
    ids = segment_clients(clients, segment, start, end)
    people = by_client(clients).loc[ids]
    churned_day = pd.Series(_day_column(people, CHURNED_AT), index=ids)

    if segment is Segment.NEW_CLIENTS:
        at_start = np.ones(len(ids), dtype=bool)
    else:
        at_start = (day_numbers(people[CREATED_AT]) < first_day) & ~(_ended_day(people) < first_day)
    churned = at_start & _within(churned_day.to_numpy(), first_day, last_day)
    value = people[CONTRACT_VALUE].fillna(0) if CONTRACT_VALUE in people else pd.Series(0, index=ids)
    revenue_at_start, revenue_churned = int(value[at_start].sum()), int(value[churned].sum())

    scores = _history_in(history, ids, first_day, last_day)
    at_risk = scores.loc[scores[RISK_LEVEL].isin(AT_RISK_LEVELS), CLIENT_ID].unique()
    created_day = day_numbers(interventions[CREATED_AT])
    helped = (
        interventions[CLIENT_ID].isin(at_risk).to_numpy()
        & interventions[STATUS].ne(InterventionStatus.CANCELLED).to_numpy()
        & _within(created_day, first_day, last_day)
    )
    first_help = pd.Series(created_day[helped]).groupby(interventions.loc[helped, CLIENT_ID].to_numpy()).min()
    horizon = np.minimum(first_help.to_numpy() + CHURN_PREVENTION_DAYS, today_day)
    lost = churned_day.reindex(first_help.index).fillna(NO_DAY).to_numpy() <= horizon
    prevented = int((~lost).sum())

    ordered = scores.sort_values("_day", kind="stable").groupby(CLIENT_ID)
    first, last = ordered.first(), ordered.last()
    compared = last["_day"] > first["_day"]
    improved = compared & (last[SCORE_INT] - first[SCORE_INT] >= HEALTH_IMPROVEMENT_POINTS)

    latest = scores.loc[scores["_day"] == scores["_day"].max()] if len(scores) else scores
    risk_counts = {level.value: int(latest[RISK_LEVEL].eq(level).sum()) for level in RiskLevel}

    def share(numerator: float, denominator: float) -> float | None:
        return None if denominator == 0 else float(numerator) / float(denominator)

    clients_at_start, churned_count = int(at_start.sum()), int(churned.sum())
    return {
        "clients_at_start": clients_at_start,
        "churned": churned_count,
        "retention_rate": share(clients_at_start - churned_count, clients_at_start),
        "revenue_at_start": revenue_at_start,
        "revenue_churned": revenue_churned,
        "revenue_retention_rate": share(revenue_at_start - revenue_churned, revenue_at_start),
        "at_risk_with_intervention": len(first_help),
        "churn_prevented": prevented,
        "churn_prevention_rate": share(prevented, len(first_help)),
        "compared_clients": int(compared.sum()),
        "improved_clients": int(improved.sum()),
        "health_improvement_rate": share(int(improved.sum()), int(compared.sum())),
        "scored_clients": len(latest),
        "average_score": float(latest[SCORE_INT].mean()) if len(latest) else None,
        "risk_counts": risk_counts,
        "risk_shares": {level: share(n, len(latest)) for level, n in risk_counts.items()},
    }


def _all_or(history: pd.DataFrame, clients: pd.Index | None) -> pd.Index:
    return pd.Index(history[CLIENT_ID].unique()) if clients is None else pd.Index(clients)


def daily_average_score(
    history: pd.DataFrame,
    *,
    start: DayLike | None = None,
    end: DayLike | None = None,
    clients: pd.Index | None = None,
) -> pd.DataFrame:
    """Average integer score per scored day: columns ``day`` (datetime), ``average_score``, ``clients``.

    ``clients`` restricts it to those client ids (a segment); days without scores have no row.
    """
    rows = _history_in(history, _all_or(history, clients), _day_or_none(start), _day_or_none(end))
    daily = rows.groupby("_day")[SCORE_INT].agg(["mean", "count"])
    return pd.DataFrame(
        {
            DAY: _as_dates(daily.index.to_numpy()),
            AVERAGE_SCORE: daily["mean"].to_numpy(dtype=float),
            CLIENTS: daily["count"].to_numpy(dtype=np.int64),
        }
    )


def daily_risk_counts(
    history: pd.DataFrame,
    *,
    start: DayLike | None = None,
    end: DayLike | None = None,
    clients: pd.Index | None = None,
) -> pd.DataFrame:
    """Clients per risk level per scored day: ``day`` (datetime) and one column per level, low to critical."""
    rows = _history_in(history, _all_or(history, clients), _day_or_none(start), _day_or_none(end))
    levels = [level.value for level in RiskLevel]
    counts = pd.crosstab(rows["_day"], rows[RISK_LEVEL].astype(object).map(str)).reindex(
        columns=levels, fill_value=0
    )
    result = pd.DataFrame({DAY: _as_dates(counts.index.to_numpy())})
    for level in levels:
        result[level] = counts[level].to_numpy(dtype=np.int64)
    return result


def interventions_over_time(
    interventions: pd.DataFrame,
    *,
    start: DayLike,
    end: DayLike,
    freq: str = "D",
) -> pd.DataFrame:
    """Interventions created and completed per day (``freq="D"``) or per week from Monday (``"W"``).

    Every day or week from ``start`` to ``end`` has a row: ``period_start`` (datetime),
    ``created``, ``completed``; only events inside ``[start, end]`` count.
    """
    if freq not in ("D", "W"):
        raise ValueError(f"freq must be 'D' or 'W', not {freq!r}")
    first_day, last_day = day_number(start), day_number(end)
    step = 7 if freq == "W" else 1
    # Day 0 (1970-01-01) was a Thursday: day + 3 counts from a Monday.
    origin = first_day - (first_day + 3) % 7 if freq == "W" else first_day
    buckets = np.arange(origin, last_day + 1, step)

    def count(days: np.ndarray) -> np.ndarray:
        days = days[_within(days, first_day, last_day)]
        return np.bincount((days - origin) // step, minlength=len(buckets))

    done = interventions[STATUS].eq(InterventionStatus.COMPLETED).to_numpy()
    completed_day = day_numbers(interventions[COMPLETED_AT])
    return pd.DataFrame(
        {
            PERIOD_START: _as_dates(buckets),
            CREATED: count(day_numbers(interventions[CREATED_AT])).astype(np.int64),
            COMPLETED: count(completed_day[done]).astype(np.int64),
        }
    )
