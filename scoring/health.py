"""Features -> component scores, sub-scores, overall score, coverage and risk level.

DESIGN 5: each component is 0-100; a component without data is left out and
the remaining weights are rescaled (inside its sub-score, and across sub-scores
when a whole sub-score has no data). ``coverage`` is the share of the full
weight that had data. Scores are stored to one decimal and the overall score is
shown and banded as an integer, rounding half up. A client with no data at all
has no score: its row is left out, never shown as 0 or 50.

Rounding: values are rounded half up at the stated decimal with a tolerance of
1e-9, so a value such as 79.45 that binary floating point holds as
79.4499999... still rounds to 79.5 as a person would expect.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from . import columns as col
from . import model as m
from .enums import RiskLevel
from .events import NO_DAY, EventArrays, EventFrames, day_number, day_numbers
from .features import features_on_day
from .weights import effective_weights

_ROUNDING_TOLERANCE = 1e-9
_OPEN_END = NO_DAY  # last day of a client that is still being scored


def round_half_up(values: np.ndarray | pd.Series | float, decimals: int = 0):
    """Round half up (not to even) at ``decimals`` places; NaN stays NaN."""
    factor = 10.0**decimals
    return np.floor(np.asarray(values, dtype=float) * factor + 0.5 + _ROUNDING_TOLERANCE) / factor


def risk_level_of(score: np.ndarray | pd.Series) -> np.ndarray:
    """Risk level of integer scores (80-100 low, 60-79 medium, 40-59 high, 0-39 critical)."""
    score = np.asarray(score, dtype=float)
    levels = np.select(
        [score >= 80, score >= 60, score >= 40, score >= 0],
        [RiskLevel.LOW.value, RiskLevel.MEDIUM.value, RiskLevel.HIGH.value, RiskLevel.CRITICAL.value],
        default="",
    ).astype(object)
    levels[np.isnan(score)] = None
    return levels


def component_scores(features: pd.DataFrame) -> pd.DataFrame:
    """The twelve 0-100 component scores (columns ``c_<name>``) from raw features; NaN = no data."""
    f = {name: features[name].to_numpy(dtype=float) for name in col.FEATURE_COLUMNS}

    def ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(denominator > 0, numerator / np.where(denominator > 0, denominator, 1), np.nan)

    days = f[col.F_DAYS_SINCE_ACTIVITY]
    hours = f[col.F_MEDIAN_RESPONSE_HOURS]
    span = m.RESPONSE_WORST_HOURS - m.RESPONSE_BEST_HOURS
    scores = {
        "logins": np.minimum(f[col.F_LOGINS_30D] / m.LOGINS_FOR_FULL, 1) * 100,
        "interactions": np.minimum(f[col.F_INTERACTIONS_7D] / m.INTERACTIONS_FOR_FULL, 1) * 100,
        "recency": np.where(np.isnan(days), 0.0, 100 * 0.5 ** (np.nan_to_num(days) / m.RECENCY_HALF_LIFE_DAYS)),
        "responsiveness": np.clip((m.RESPONSE_WORST_HOURS - hours) / span, 0, 1) * 100,
        "completion": ratio(f[col.F_TASKS_DONE], f[col.F_TASKS_DUE]) * 100,
        "milestones": ratio(f[col.F_MILESTONES_ON_TIME], f[col.F_MILESTONES_DUE]) * 100,
        "overdue": np.where(
            f[col.F_ITEMS_DUE] > 0, np.maximum(0, 100 - m.OVERDUE_PENALTY * f[col.F_OVERDUE]), np.nan
        ),
        "velocity": np.minimum(ratio(f[col.F_VELOCITY_DONE], f[col.F_VELOCITY_DUE]), 1) * 100,
        "rating": (f[col.F_MEAN_RATING] - 1) / 4 * 100,
        "sentiment": (f[col.F_MEAN_SENTIMENT] + 1) / 2 * 100,
        "tickets": np.maximum(0, 100 - m.TICKET_PENALTY * f[col.F_TICKETS_30D]),
        "resolution": (f[col.F_MEAN_RESOLUTION] - 1) / 4 * 100,
    }
    return pd.DataFrame(
        {c.column: scores[c.name] for c in m.COMPONENTS}, index=features.index
    )


def score_features(features: pd.DataFrame) -> pd.DataFrame:
    """Scores from features: components, sub-scores, overall, coverage, integer score, risk level.

    Rows keep the index of ``features``. Values are rounded for storage: scores
    to one decimal, coverage to three.
    """
    components = component_scores(features)
    weights = effective_weights(components)
    values = components.to_numpy()
    w = weights[list(m.COMPONENT_COLUMNS)].to_numpy()
    present = ~np.isnan(values)
    contributions = np.where(present, w * np.nan_to_num(values), 0.0)
    out = pd.DataFrame(index=features.index)
    overall = contributions.sum(axis=1)
    overall[~present.any(axis=1)] = np.nan
    out[col.OVERALL] = round_half_up(overall, 1)
    for sub in m.SUBSCORES:
        idx = [i for i, c in enumerate(m.COMPONENTS) if c.subscore == sub]
        sub_weight = w[:, idx].sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            sub_score = np.where(sub_weight > 0, contributions[:, idx].sum(axis=1) / sub_weight, np.nan)
        out[sub] = round_half_up(sub_score, 1)
    for i, c in enumerate(m.COMPONENTS):
        out[c.column] = round_half_up(values[:, i], 1)
    full = np.array([c.effective_weight for c in m.COMPONENTS])
    out[col.COVERAGE] = round_half_up((present * full).sum(axis=1), 3)
    out[col.SCORE_INT] = round_half_up(out[col.OVERALL].to_numpy(), 0)
    out[col.RISK_LEVEL] = risk_level_of(out[col.SCORE_INT].to_numpy())
    return out


def scoring_window(clients: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """First and last day number on which each client is scored.

    A client is scored from the day it was created until the day before it
    churned or completed (its engagement ended); a churned or completed client
    without an end time is not scored at all.
    """
    first = day_numbers(clients[col.CREATED_AT])
    last = np.full(len(clients), _OPEN_END, dtype=np.int64)
    for end_column in (col.CHURNED_AT, col.COMPLETED_AT):
        if end_column in clients:
            end = day_numbers(clients[end_column])
            last = np.minimum(last, np.where(end < _OPEN_END, end - 1, last))
    if col.STATUS in clients:
        status = clients[col.STATUS].astype(object).to_numpy()
        last[(status != "active") & (last == _OPEN_END)] = -_OPEN_END
    return first, last


def health_scores_for(
    clients: pd.DataFrame, events: EventFrames | EventArrays, as_of: dt.date | str
) -> pd.DataFrame:
    """Health scores of every client being scored on ``as_of`` (see :func:`scoring_window`).

    Returns one row per scored client: client_id, day, the raw features, the
    component scores, the three sub-scores, overall, coverage, score and
    risk_level.
    """
    d = day_number(as_of)
    index = pd.Index(clients[col.CLIENT_ID])
    arrays = (
        events if isinstance(events, EventArrays) else EventArrays.from_frames(index, events)
    )
    first, last = scoring_window(clients)
    eligible = (first <= d) & (d <= last)
    features = features_on_day(arrays, d)
    scores = score_features(features)
    frame = pd.concat([features, scores], axis=1)[eligible]
    frame.insert(0, col.DAY, pd.Timestamp(np.datetime64(d, "D")).date())
    frame.insert(0, col.CLIENT_ID, index.to_numpy()[eligible])
    frame = frame[frame[col.OVERALL].notna()]
    return frame.reset_index(drop=True)
