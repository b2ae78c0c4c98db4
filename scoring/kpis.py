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

The functions on whole frames (``intervention_kpis``, ``retention``,
``daily_average_score`` ...) are the definitions. The views at scale work the
same figures out from aggregates the database computes (``summaries``,
``analytics`` and ``comparisons`` in ``data.repositories``); the ``*_from_*``
functions and ``measures_from_sums`` here finish those
aggregates with the same arithmetic (``intervention_kpis`` finishes with
``measures_from_sums`` too), and the tests prove both ways agree on random books.
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


# Sums per group of interventions that every measure is worked out from (``measures_from_sums``).
RESOLVED = "resolved"
RESPONDED = "responded"
COMMITTED = "committed"
COMMITTED_DONE = "committed_done"
RESOLUTION_HOURS_SUM = "resolution_hours_sum"
RESOLUTIONS = "resolutions"
TIME_TO_INTERVENTION_HOURS_SUM = "time_to_intervention_hours_sum"
TIMES_TO_INTERVENTION = "times_to_intervention"
SCORE_IMPROVEMENT_SUM = "score_improvement_sum"
SUM_COLUMNS = (
    CREATED,
    OPEN,
    OVERDUE,
    COMPLETED,
    CANCELLED,
    RESOLVED,
    RESPONDED,
    RESOLUTION_HOURS_SUM,
    RESOLUTIONS,
    TIME_TO_INTERVENTION_HOURS_SUM,
    TIMES_TO_INTERVENTION,
    SCORE_IMPROVEMENT_SUM,
    SCORE_IMPROVEMENTS,
    COMMITTED,
    COMMITTED_DONE,
)
_SUM_COUNTS = tuple(
    name
    for name in SUM_COLUMNS
    if name not in (RESOLUTION_HOURS_SUM, TIME_TO_INTERVENTION_HOURS_SUM, SCORE_IMPROVEMENT_SUM)
)
GROUP_KEYS = (TYPE, ASSIGNED_TO)


def intervention_sums(facts: pd.DataFrame, by: tuple[str, ...] = GROUP_KEYS) -> pd.DataFrame:
    """``SUM_COLUMNS`` per group of ``intervention_facts`` rows: one row per value of ``by``.

    Returns ``by`` as columns (missing values are a group of their own), then the sums.
    """
    grouped = facts.groupby(list(by), dropna=False, sort=True).agg(
        **{
            CREATED: (CREATED, "sum"),
            OPEN: (OPEN, "sum"),
            OVERDUE: (OVERDUE, "sum"),
            COMPLETED: (COMPLETED, "sum"),
            CANCELLED: (CANCELLED, "sum"),
            RESOLVED: (RESOLVED, "sum"),
            RESPONDED: (RESPONDED, "sum"),
            RESOLUTION_HOURS_SUM: ("resolution_hours", "sum"),
            RESOLUTIONS: ("resolution_hours", "count"),
            TIME_TO_INTERVENTION_HOURS_SUM: ("time_to_intervention_hours", "sum"),
            TIMES_TO_INTERVENTION: ("time_to_intervention_hours", "count"),
            SCORE_IMPROVEMENT_SUM: ("score_improvement", "sum"),
            SCORE_IMPROVEMENTS: ("score_improvement", "count"),
            COMMITTED: (COMMITTED, "sum"),
            COMMITTED_DONE: (COMMITTED_DONE, "sum"),
        }
    )
    return grouped.reset_index()


def _mean(total: pd.Series, count: pd.Series) -> pd.Series:
    return (total / count.where(count > 0)).astype(float)


def measures_from_sums(sums: pd.DataFrame, by: str | None) -> pd.DataFrame:
    """The measures of ``INTERVENTION_MEASURES`` from group sums (``intervention_sums`` rows).

    ``by`` None: one row (index 0) over every group; else one row per value of
    the column ``by`` (missing values a row of their own), sorted. Means are
    sums over counts; a zero denominator gives NaN.
    """
    key = "_all" if by is None else by
    frame = sums.assign(_all=0) if by is None else sums
    grouped = frame.groupby(key, dropna=False, sort=True)[list(SUM_COLUMNS)].sum()
    grouped[list(_SUM_COUNTS)] = grouped[list(_SUM_COUNTS)].astype(np.int64)
    grouped[SUCCESS_RATE] = _ratio(grouped[RESOLVED], grouped[COMPLETED])
    grouped[RESPONSE_RATE] = _ratio(grouped[RESPONDED], grouped[COMPLETED])
    grouped[AVG_RESOLUTION_HOURS] = _mean(grouped[RESOLUTION_HOURS_SUM], grouped[RESOLUTIONS])
    grouped[AVG_TIME_TO_INTERVENTION_HOURS] = _mean(
        grouped[TIME_TO_INTERVENTION_HOURS_SUM], grouped[TIMES_TO_INTERVENTION]
    )
    grouped[AVG_SCORE_IMPROVEMENT] = _mean(
        grouped[SCORE_IMPROVEMENT_SUM], grouped[SCORE_IMPROVEMENTS]
    )
    grouped[COMPLETION_RATE] = _ratio(grouped[COMMITTED_DONE], grouped[COMMITTED])
    if by is None:
        grouped = grouped.rename_axis(None)
    return grouped[list(INTERVENTION_MEASURES)]


def intervention_kpis_from_sums(sums: pd.DataFrame) -> dict[str, Any]:
    """Intervention measures over every group of ``sums``: a dict keyed by ``INTERVENTION_MEASURES``."""
    measures = measures_from_sums(sums, None).reindex([0])
    measures[list(_COUNTS)] = measures[list(_COUNTS)].fillna(0).astype(np.int64)
    return {name: _plain(measures[name].iloc[0]) for name in INTERVENTION_MEASURES}


def intervention_kpis_by_from_sums(sums: pd.DataFrame, by: str) -> pd.DataFrame:
    """Intervention measures per ``type`` (every type, zero counts included) or per ``assigned_to``."""
    if by not in (TYPE, ASSIGNED_TO):
        raise ValueError(f"by must be {TYPE!r} or {ASSIGNED_TO!r}, not {by!r}")
    measures = measures_from_sums(sums, by)
    if by == TYPE:
        measures = measures.reindex([t.value for t in InterventionType])
        measures[list(_COUNTS)] = measures[list(_COUNTS)].fillna(0).astype(np.int64)
    return measures


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
    return intervention_kpis_from_sums(intervention_sums(facts))


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
    return intervention_kpis_by_from_sums(intervention_sums(facts), by)


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


def segment_created_days(
    segment: Segment | str, start: dt.date, end: dt.date
) -> tuple[dt.date | None, dt.date | None]:
    """The UTC creation days of the clients of ``segment`` for ``[start, end]``, as an inclusive
    range (None: open on that side): what ``segment_clients`` selects, for a query."""
    segment = Segment(segment)
    if segment is Segment.NEW_CLIENTS:
        return start, end
    if segment is Segment.EXISTING_CLIENTS:
        return None, start - dt.timedelta(days=1)
    return None, None


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

    scores = _history_in(history, ids, first_day, last_day)
    at_risk = scores.loc[scores[RISK_LEVEL].isin(AT_RISK_LEVELS), CLIENT_ID].unique()
    created_day = day_numbers(interventions[CREATED_AT])
    helped = (
        interventions[CLIENT_ID].isin(at_risk).to_numpy()
        & interventions[STATUS].ne(InterventionStatus.CANCELLED).to_numpy()
        & _within(created_day, first_day, last_day)
    )
    first_help = pd.Series(created_day[helped]).groupby(interventions.loc[helped, CLIENT_ID].to_numpy()).min()
    helped_clients, prevented = churn_prevention(
        first_help.to_numpy(),
        churned_day.reindex(first_help.index).fillna(NO_DAY).to_numpy(),
        today_day,
    )

    ordered = scores.sort_values("_day", kind="stable").groupby(CLIENT_ID)
    first, last = ordered.first(), ordered.last()
    compared, improved = health_improvement(
        first["_day"].to_numpy(),
        first[SCORE_INT].to_numpy(),
        last["_day"].to_numpy(),
        last[SCORE_INT].to_numpy(),
    )

    latest = scores.loc[scores["_day"] == scores["_day"].max()] if len(scores) else scores
    return retention_from_counts(
        {
            "clients_at_start": int(at_start.sum()),
            "churned": int(churned.sum()),
            "revenue_at_start": int(value[at_start].sum()),
            "revenue_churned": int(value[churned].sum()),
            "at_risk_with_intervention": helped_clients,
            "churn_prevented": prevented,
            "compared_clients": compared,
            "improved_clients": improved,
            "score_sum": float(latest[SCORE_INT].sum()),
            "risk_counts": {
                level.value: int(latest[RISK_LEVEL].eq(level).sum()) for level in RiskLevel
            },
        }
    )


def churn_prevention(
    first_help: np.ndarray, churned_day: np.ndarray, today: int
) -> tuple[int, int]:
    """(clients helped, churn prevented) from the day numbers of each helped client's first
    intervention and of its churn (``NO_DAY``: never): prevented when it had not churned by 60
    days after that first intervention, or by ``today`` when that comes first."""
    horizon = np.minimum(np.asarray(first_help, dtype=np.int64) + CHURN_PREVENTION_DAYS, today)
    lost = np.asarray(churned_day, dtype=np.int64) <= horizon
    return len(lost), int((~lost).sum())


def improvement_by_client(
    first_day: np.ndarray, first_score: np.ndarray, last_day: np.ndarray, last_score: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per client, (compared, improved) from its first and last scored day of a period and its
    integer scores on them: compared when the days differ, improved when compared and the score
    rose by ``HEALTH_IMPROVEMENT_POINTS`` or more."""
    compared = np.asarray(last_day) > np.asarray(first_day)
    rise = np.asarray(last_score, dtype=float) - np.asarray(first_score, dtype=float)
    return compared, compared & (rise >= HEALTH_IMPROVEMENT_POINTS)


def health_improvement(
    first_day: np.ndarray, first_score: np.ndarray, last_day: np.ndarray, last_score: np.ndarray
) -> tuple[int, int]:
    """(clients compared, clients improved) of ``improvement_by_client``."""
    compared, improved = improvement_by_client(first_day, first_score, last_day, last_score)
    return int(compared.sum()), int(improved.sum())


def _share(numerator: float, denominator: float) -> float | None:
    return None if denominator == 0 else float(numerator) / float(denominator)


def retention_from_counts(counts: dict[str, Any]) -> dict[str, Any]:
    """The dict of ``retention`` from its counts: ``clients_at_start``, ``churned``,
    ``revenue_at_start``, ``revenue_churned``, ``at_risk_with_intervention``, ``churn_prevented``,
    ``compared_clients``, ``improved_clients``, ``score_sum`` (integer scores of the latest
    scored day) and ``risk_counts`` (clients per risk level value that day)."""
    risk_counts = {
        level.value: int(counts["risk_counts"].get(level.value, 0)) for level in RiskLevel
    }
    scored = sum(risk_counts.values())
    at_start, churned = int(counts["clients_at_start"]), int(counts["churned"])
    revenue, revenue_churned = int(counts["revenue_at_start"]), int(counts["revenue_churned"])
    helped, prevented = int(counts["at_risk_with_intervention"]), int(counts["churn_prevented"])
    compared, improved = int(counts["compared_clients"]), int(counts["improved_clients"])
    return {
        "clients_at_start": at_start,
        "churned": churned,
        "retention_rate": _share(at_start - churned, at_start),
        "revenue_at_start": revenue,
        "revenue_churned": revenue_churned,
        "revenue_retention_rate": _share(revenue - revenue_churned, revenue),
        "at_risk_with_intervention": helped,
        "churn_prevented": prevented,
        "churn_prevention_rate": _share(prevented, helped),
        "compared_clients": compared,
        "improved_clients": improved,
        "health_improvement_rate": _share(improved, compared),
        "scored_clients": scored,
        "average_score": float(counts["score_sum"]) / scored if scored else None,
        "risk_counts": risk_counts,
        "risk_shares": {level: _share(n, scored) for level, n in risk_counts.items()},
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


def daily_series_from_summary(summary: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``daily_average_score`` and ``daily_risk_counts`` from per-day counts of scored clients.

    ``summary``: one row per day and risk level with ``day``, ``risk_level``,
    ``scored`` (clients with an integer score that day) and ``score_sum`` (the sum
    of their scores), already restricted to a period and segment.
    """
    scored = summary.loc[summary["scored"] > 0]
    days = day_numbers(scored[DAY])
    daily = (
        pd.DataFrame(
            {
                "_day": days,
                "scored": scored["scored"].to_numpy(),
                "score_sum": scored["score_sum"].to_numpy(),
            }
        )
        .groupby("_day", sort=True)
        .sum()
    )
    average = pd.DataFrame(
        {
            DAY: _as_dates(daily.index.to_numpy()),
            AVERAGE_SCORE: (
                daily["score_sum"].to_numpy(dtype=float) / daily["scored"].to_numpy(dtype=float)
            ),
            CLIENTS: daily["scored"].to_numpy(dtype=np.int64),
        }
    )
    levels = [level.value for level in RiskLevel]
    counts = (
        pd.DataFrame(
            {
                "_day": days,
                RISK_LEVEL: scored[RISK_LEVEL].astype(str).to_numpy(),
                "n": scored["scored"].to_numpy(),
            }
        )
        .pivot_table(index="_day", columns=RISK_LEVEL, values="n", aggfunc="sum", fill_value=0)
        .reindex(index=daily.index, columns=levels, fill_value=0)
    )
    risk = pd.DataFrame({DAY: _as_dates(daily.index.to_numpy())})
    for level in levels:
        risk[level] = counts[level].to_numpy(dtype=np.int64)
    return average, risk


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
    done = interventions[STATUS].eq(InterventionStatus.COMPLETED).to_numpy()
    return _activity(
        day_numbers(interventions[CREATED_AT]), None,
        day_numbers(interventions[COMPLETED_AT])[done], None,
        start=start, end=end, freq=freq,
    )  # fmt: skip


def activity_from_daily_counts(
    daily: pd.DataFrame, *, start: DayLike, end: DayLike, freq: str = "D"
) -> pd.DataFrame:
    """``interventions_over_time`` from counts per day: ``day``, ``created`` (interventions
    created that day) and ``completed`` (completed interventions completed that day)."""
    days = day_numbers(daily[DAY])
    return _activity(
        days, daily[CREATED].to_numpy(dtype=float), days, daily[COMPLETED].to_numpy(dtype=float),
        start=start, end=end, freq=freq,
    )  # fmt: skip


def _activity(
    created_days: np.ndarray,
    created_weights: np.ndarray | None,
    completed_days: np.ndarray,
    completed_weights: np.ndarray | None,
    *,
    start: DayLike,
    end: DayLike,
    freq: str,
) -> pd.DataFrame:
    if freq not in ("D", "W"):
        raise ValueError(f"freq must be 'D' or 'W', not {freq!r}")
    first_day, last_day = day_number(start), day_number(end)
    step = 7 if freq == "W" else 1
    # Day 0 (1970-01-01) was a Thursday: day + 3 counts from a Monday.
    origin = first_day - (first_day + 3) % 7 if freq == "W" else first_day
    buckets = np.arange(origin, last_day + 1, step)

    def count(days: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
        inside = _within(days, first_day, last_day)
        chosen = None if weights is None else weights[inside]
        counts = np.bincount(
            (days[inside] - origin) // step, weights=chosen, minlength=len(buckets)
        )
        return np.rint(counts).astype(np.int64)

    return pd.DataFrame(
        {
            PERIOD_START: _as_dates(buckets),
            CREATED: count(created_days, created_weights),
            COMPLETED: count(completed_days, completed_weights),
        }
    )
