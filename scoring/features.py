"""Raw inputs of the twelve components, one row per client, as of a day D.

Windows follow DESIGN 5: "the last N days" is D-N+1 to D inclusive, by UTC
calendar date, and nothing after D is read, so scoring an earlier day
reproduces that day's score. Counts are always data (zero is data); means and
ratios are NaN when there is nothing to average or divide by.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import columns as col
from . import model as m
from .events import NO_DAY, EventArrays


def features_on_day(a: EventArrays, d: int) -> pd.DataFrame:
    """Features for every client position 0..n-1 on day number ``d``."""
    n = a.n_clients

    def count(codes: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return np.bincount(codes[mask], minlength=n).astype(float)

    def mean(codes: np.ndarray, values: np.ndarray, mask: np.ndarray) -> np.ndarray:
        mask = mask & ~np.isnan(values)
        total = np.bincount(codes[mask], weights=values[mask], minlength=n)
        number = np.bincount(codes[mask], minlength=n)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(number > 0, total / np.maximum(number, 1), np.nan)

    def within(days: np.ndarray, window: int) -> np.ndarray:
        return (days <= d) & (days > d - window)

    # Engagement
    logins_30d = count(a.login_code, within(a.login_day, m.LOGIN_WINDOW))
    interactions_7d = count(a.inter_code, within(a.inter_day, m.INTERACTION_WINDOW))
    last_active = np.full(n, -1, dtype=np.int64)
    seen = a.login_day <= d
    np.maximum.at(last_active, a.login_code[seen], a.login_day[seen])
    seen = a.inter_day <= d
    np.maximum.at(last_active, a.inter_code[seen], a.inter_day[seen])
    days_since = np.where(last_active >= 0, d - last_active, np.nan).astype(float)
    replied = within(a.inter_day, m.RESPONSE_WINDOW) & ~np.isnan(a.inter_response)
    median_response = _median_by_code(a.inter_code[replied], a.inter_response[replied], n)

    # Progress
    due = a.task_due <= d
    done = a.task_done <= d
    task = ~a.task_is_milestone
    ms = a.task_is_milestone
    velocity_due = count(a.task_code, task & within(a.task_due, m.VELOCITY_WINDOW))
    velocity_done = count(a.task_code, task & within(a.task_done, m.VELOCITY_WINDOW))

    # Satisfaction
    resolved = within(a.tk_resolved, m.RESOLUTION_WINDOW)

    return pd.DataFrame(
        {
            col.F_LOGINS_30D: logins_30d,
            col.F_INTERACTIONS_7D: interactions_7d,
            col.F_DAYS_SINCE_ACTIVITY: days_since,
            col.F_MEDIAN_RESPONSE_HOURS: median_response,
            col.F_TASKS_DUE: count(a.task_code, task & due),
            col.F_TASKS_DONE: count(a.task_code, task & due & done),
            col.F_MILESTONES_DUE: count(a.task_code, ms & due),
            col.F_MILESTONES_ON_TIME: count(a.task_code, ms & due & (a.task_done <= a.task_due)),
            col.F_ITEMS_DUE: count(a.task_code, due),
            col.F_OVERDUE: count(a.task_code, (a.task_due < d) & ~done),
            col.F_VELOCITY_DONE: velocity_done,
            col.F_VELOCITY_DUE: velocity_due,
            col.F_MEAN_RATING: mean(a.fb_code, a.fb_rating, within(a.fb_day, m.RATING_WINDOW)),
            col.F_MEAN_SENTIMENT: mean(
                a.fb_code, a.fb_sentiment, within(a.fb_day, m.SENTIMENT_WINDOW)
            ),
            col.F_TICKETS_30D: count(a.tk_code, within(a.tk_opened, m.TICKET_WINDOW)),
            col.F_MEAN_RESOLUTION: mean(a.tk_code, a.tk_rating, resolved & (a.tk_resolved != NO_DAY)),
        }
    )


def _median_by_code(codes: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Median of ``values`` per client position; NaN for clients with none."""
    out = np.full(n, np.nan)
    if len(codes):
        medians = pd.Series(values).groupby(codes, sort=False).median()
        out[medians.index.to_numpy()] = medians.to_numpy()
    return out
