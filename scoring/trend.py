"""Score trend against the week before (DESIGN 5), and small helpers shared by the scoring modules.

The trend compares today's integer score with the latest stored score 7 to 10
days back: +5 or more is improving, -5 or less declining, anything else (and no
such score) stable.

Days are UTC calendar dates (``scoring.events.day_number``): "n days back" is
the difference of two such dates, so a score stored at any time on the date
seven days before ``as_of`` is 7 days back. Timestamps are handled as
timezone-aware UTC (``to_utc``); frames keyed by client may carry ``client_id``
as a column or as their index (``by_client``).
"""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd

from .columns import CLIENT_ID, DAY, SCORE_INT, TREND
from .enums import Trend
from .events import day_number, day_numbers
from .model import TREND_LOOKBACK_MAX, TREND_LOOKBACK_MIN, TREND_THRESHOLD

DayLike = date | datetime | pd.Timestamp | str


def to_utc(values: pd.Series | DayLike) -> pd.Series | pd.Timestamp:
    """Timezone-aware UTC timestamps from aware or naive-UTC values (Series or scalar)."""
    if isinstance(values, pd.Series):
        return pd.to_datetime(values, utc=True, format="ISO8601")
    stamp = pd.Timestamp(values)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def by_client(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` indexed by client id: its ``client_id`` column, or its index when there is none."""
    if CLIENT_ID in frame.columns:
        return frame.set_index(CLIENT_ID)
    return frame.rename_axis(CLIENT_ID)


def score_days_back(
    history: pd.DataFrame,
    as_of: DayLike,
    min_days: int = TREND_LOOKBACK_MIN,
    max_days: int = TREND_LOOKBACK_MAX,
    column: str = SCORE_INT,
) -> pd.Series:
    """Each client's latest stored score between ``min_days`` and ``max_days`` days before ``as_of``.

    ``history`` has ``client_id``, ``day`` and ``column`` (the integer score by
    default); both ends of the window are included and rows without a score
    are skipped. Returns a Series indexed by client id holding only the clients
    that have such a score.
    """
    days_back = day_number(as_of) - day_numbers(history[DAY])
    keep = (days_back >= min_days) & (days_back <= max_days) & history[column].notna().to_numpy()
    rows = history.loc[keep].assign(_back=days_back[keep])
    latest = rows.sort_values("_back", ascending=False, kind="stable")
    return latest.groupby(CLIENT_ID, sort=True)[column].last().rename(column)


def trend_of_change(change: pd.Series) -> pd.Series:
    """Trend of each integer score change: improving at +5 or more, declining at -5 or less.

    A missing change (no score to compare with) is stable.
    """
    trend = np.select(
        [change >= TREND_THRESHOLD, change <= -TREND_THRESHOLD],
        [Trend.IMPROVING, Trend.DECLINING],
        default=Trend.STABLE,
    )
    return pd.Series(trend, index=change.index, name=TREND)


def trend_for(today: pd.DataFrame, history: pd.DataFrame, as_of: DayLike) -> pd.Series:
    """Trend of each client's integer score on ``as_of`` (DESIGN 5).

    ``today`` has ``client_id`` and ``score``; ``history`` has ``client_id``,
    ``day`` and ``score``. Returns a Series of ``Trend`` values indexed by the
    clients of ``today``, compared with ``score_days_back(history, as_of)``.
    """
    scores = by_client(today)[SCORE_INT]
    reference = score_days_back(history, as_of).reindex(scores.index)
    return trend_of_change(scores - reference)
