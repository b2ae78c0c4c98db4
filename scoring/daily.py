"""One day of the daily job, on frames: trends, primary factors, alerts and automatic interventions.

Alerts compare today's risk level with the worst level of the 7 days before
(see :func:`_worst_level_of_week`), and the score with the one 7 days before.

Both the scheduled scoring run (``data.scoring_job``) and the demo backfill
(``data.demo_seed``) call :func:`daily_outcome`, so a day replayed in the demo
is decided exactly as the real job would decide it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from . import columns as col
from .enums import RiskLevel
from .events import day_number, day_numbers
from .explain import primary_risk_factor
from .rules import alerts as alerts_for
from .rules import automatic_interventions
from .trend import score_days_back, trend_for

INTERVENTION_COLUMNS = (
    "client_id", "status", "source", "assigned_to", "created_at", "completed_at",
    "cancelled_at", "score_at_creation",
)


_SEVERITY = {level.value: level.severity for level in RiskLevel}


def _worst_level_of_week(earlier: pd.DataFrame, d: int) -> pd.DataFrame:
    """Each client's worst risk level over the 7 days before day ``d``.

    A risk alert is raised when today's level is worse than every level of the
    week before, so a score wavering across a band boundary raises one alert
    when it first crosses, not one every other day.
    """
    week = earlier[(d - day_numbers(earlier[col.DAY])) <= 7]
    if week.empty:
        return pd.DataFrame(columns=[col.RISK_LEVEL]).rename_axis(col.CLIENT_ID)
    severity = week[col.RISK_LEVEL].map(_SEVERITY)
    worst = severity.groupby(week[col.CLIENT_ID]).idxmax()
    return week.loc[worst.to_numpy(), [col.CLIENT_ID, col.RISK_LEVEL]].set_index(col.CLIENT_ID)


@dataclass(frozen=True)
class DailyOutcome:
    scores: pd.DataFrame  # the day's scores with trend and primary_factor
    interventions: pd.DataFrame  # new automatic interventions (rules.AUTO_INTERVENTION_COLUMNS)
    alerts: pd.DataFrame  # new alerts (rules.ALERT_COLUMNS)


def daily_outcome(
    scores_today: pd.DataFrame,
    history: pd.DataFrame,
    clients: pd.DataFrame,
    interventions: pd.DataFrame,
    alerts: pd.DataFrame,
    team: pd.DataFrame,
    as_of: dt.date,
    now: pd.Timestamp,
) -> DailyOutcome:
    """Decide what the scoring run of ``as_of`` adds besides the scores.

    ``history``: earlier stored scores (client_id, day, score, risk_level), at
    least the 10 days before ``as_of``; rows of ``as_of`` itself are ignored.
    ``interventions``: every intervention that may be open or was closed lately
    (columns of ``INTERVENTION_COLUMNS``). ``alerts``: the alerts of the last 7
    days. ``team``: users (id, role, active).
    """
    d = day_number(as_of)
    earlier = history[day_numbers(history[col.DAY]) < d]
    scores = scores_today.copy()
    scores[col.TREND] = trend_for(scores, earlier, as_of).to_numpy()
    scores[col.PRIMARY_FACTOR] = primary_risk_factor(scores).to_numpy()

    reference = score_days_back(earlier, as_of)
    new_alerts = alerts_for(scores, reference, _worst_level_of_week(earlier, d), alerts, clients, as_of)

    # The rules pick the open ones, and the automatic ones closed in the last 7 days, themselves.
    new_interventions = automatic_interventions(
        scores, reference, clients, interventions, interventions, team, as_of, now
    )
    return DailyOutcome(scores, new_interventions, new_alerts)
