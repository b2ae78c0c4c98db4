"""Health scores for every day of a date range at once.

Instead of re-reading every event once per day, each event table is binned
into a client x day grid once; cumulative sums over the day axis then give
every window ("the last N days", "due by D") for every day by subtraction.
The features feed the same :func:`scoring.health.score_features` as the
one-day path, and a property test proves both give identical scores.

The grid starts ``LONGEST_WINDOW`` days before the range (its column 0 holds
everything older), so memory is clients x (days + 92) cells per array; large
books are processed in slices of clients.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from . import columns as col
from . import model as m
from .events import NO_DAY, EventArrays, EventFrames, day_number
from .health import score_features, scoring_window

_MAX_CELLS = 30_000_000  # grid cells per slice of clients


def health_history(
    clients: pd.DataFrame,
    events: EventFrames | EventArrays,
    start: dt.date | str,
    end: dt.date | str,
) -> pd.DataFrame:
    """Scores of every client on every day from ``start`` to ``end`` inclusive on which it is scored.

    Same columns as :func:`scoring.health.health_scores_for`, ordered by client then day.
    """
    index = pd.Index(clients[col.CLIENT_ID])
    arrays = (
        events if isinstance(events, EventArrays) else EventArrays.from_frames(index, events)
    )
    s, e = day_number(start), day_number(end)
    if e < s:
        raise ValueError(f"history range ends ({end}) before it starts ({start})")
    first, last = scoring_window(clients)
    grid = _Grid(s, e)
    per_slice = max(1, _MAX_CELLS // grid.width)
    frames = []
    for lo in range(0, len(index), per_slice):
        hi = min(len(index), lo + per_slice)
        features = grid.features(arrays, lo, hi)
        days = np.tile(np.arange(s, e + 1), hi - lo)
        codes = np.repeat(np.arange(lo, hi), e - s + 1)
        eligible = (first[codes] <= days) & (days <= last[codes])
        features = features[eligible].reset_index(drop=True)
        scores = score_features(features)
        frame = pd.concat([features, scores], axis=1)
        frame.insert(0, col.DAY, days[eligible].astype("datetime64[D]").astype(object))
        frame.insert(0, col.CLIENT_ID, index.to_numpy()[codes[eligible]])
        frames.append(frame[frame[col.OVERALL].notna()])
    if not frames:
        return score_features(pd.DataFrame(columns=list(col.FEATURE_COLUMNS)))
    return pd.concat(frames, ignore_index=True)


class _Grid:
    """A client x day grid from ``start - LONGEST_WINDOW`` to ``end``; column 0 = earlier."""

    def __init__(self, start: int, end: int) -> None:
        self.start, self.end = start, end
        self.origin = start - m.LONGEST_WINDOW
        self.width = end - self.origin + 2
        self.days = np.arange(start - self.origin + 1, self.width)  # columns of start..end

    def column(self, days: np.ndarray) -> np.ndarray:
        return np.clip(days - self.origin + 1, 0, None)

    def cumulative(
        self, codes: np.ndarray, days: np.ndarray, rows: int, weights: np.ndarray | None = None
    ) -> np.ndarray:
        """Running totals per client and column (events on or before each day)."""
        return np.cumsum(self.counts(codes, days, rows, weights), axis=1)

    def counts(
        self, codes: np.ndarray, days: np.ndarray, rows: int, weights: np.ndarray | None = None
    ) -> np.ndarray:
        keep = days <= self.end
        flat = codes[keep] * self.width + self.column(days[keep])
        w = None if weights is None else weights[keep]
        return np.bincount(flat, weights=w, minlength=rows * self.width).reshape(rows, self.width)

    def upto(self, running: np.ndarray) -> np.ndarray:
        """Totals of everything on or before each day of the range."""
        return running[:, self.days]

    def window(self, running: np.ndarray, length: int) -> np.ndarray:
        """Totals over the last ``length`` days ending at each day of the range."""
        return running[:, self.days] - running[:, self.days - length]

    def features(self, a: EventArrays, lo: int, hi: int) -> pd.DataFrame:
        """Features of clients lo..hi-1 for every day of the range, client-major rows."""
        rows = hi - lo

        def part(codes: np.ndarray, *arrays: np.ndarray) -> list[np.ndarray]:
            mine = (codes >= lo) & (codes < hi)
            return [codes[mine] - lo, *(x[mine] for x in arrays)]

        def mean(total: np.ndarray, number: np.ndarray) -> np.ndarray:
            with np.errstate(invalid="ignore", divide="ignore"):
                return np.where(number > 0, total / np.maximum(number, 1), np.nan)

        def ratio_inputs(codes, days, values, length):
            present = ~np.isnan(values)
            total = self.window(self.cumulative(codes[present], days[present], rows, values[present]), length)
            number = self.window(self.cumulative(codes[present], days[present], rows), length)
            return mean(total, number)

        lc, ld = part(a.login_code, a.login_day)
        ic, idays, iresp = part(a.inter_code, a.inter_day, a.inter_response)
        tc, tms, tdue, tdone = part(a.task_code, a.task_is_milestone, a.task_due, a.task_done)
        fc, fd, frate, fsent = part(a.fb_code, a.fb_day, a.fb_rating, a.fb_sentiment)
        kc, kopen, kres, krate = part(a.tk_code, a.tk_opened, a.tk_resolved, a.tk_rating)

        logins = self.cumulative(lc, ld, rows)
        inters = self.cumulative(ic, idays, rows)
        out = {
            col.F_LOGINS_30D: self.window(logins, m.LOGIN_WINDOW),
            col.F_INTERACTIONS_7D: self.window(inters, m.INTERACTION_WINDOW),
            col.F_DAYS_SINCE_ACTIVITY: self._days_since_activity(lc, ld, ic, idays, rows),
            col.F_MEDIAN_RESPONSE_HOURS: self._median_response(ic, idays, iresp, rows),
        }

        task, ms = ~tms, tms
        on_time = ms & (tdone <= tdue)
        done_day = np.maximum(tdue, tdone)  # day from which a task counts as "due and done"
        cleared_day = np.maximum(tdue + 1, tdone)  # day from which it is no longer overdue
        due_running = self.cumulative(tc, tdue, rows)
        out[col.F_TASKS_DUE] = self.upto(self.cumulative(tc[task], tdue[task], rows))
        out[col.F_TASKS_DONE] = self.upto(self.cumulative(tc[task], done_day[task], rows))
        out[col.F_MILESTONES_DUE] = self.upto(self.cumulative(tc[ms], tdue[ms], rows))
        out[col.F_MILESTONES_ON_TIME] = self.upto(self.cumulative(tc[on_time], tdue[on_time], rows))
        out[col.F_ITEMS_DUE] = self.upto(due_running)
        due_before = self.cumulative(tc, tdue + 1, rows)
        out[col.F_OVERDUE] = self.upto(due_before) - self.upto(self.cumulative(tc, cleared_day, rows))
        completed = task & (tdone != NO_DAY)
        out[col.F_VELOCITY_DONE] = self.window(
            self.cumulative(tc[completed], tdone[completed], rows), m.VELOCITY_WINDOW
        )
        out[col.F_VELOCITY_DUE] = self.window(self.cumulative(tc[task], tdue[task], rows), m.VELOCITY_WINDOW)

        out[col.F_MEAN_RATING] = ratio_inputs(fc, fd, frate, m.RATING_WINDOW)
        out[col.F_MEAN_SENTIMENT] = ratio_inputs(fc, fd, fsent, m.SENTIMENT_WINDOW)
        out[col.F_TICKETS_30D] = self.window(self.cumulative(kc, kopen, rows), m.TICKET_WINDOW)
        resolved = kres != NO_DAY
        out[col.F_MEAN_RESOLUTION] = ratio_inputs(
            kc[resolved], kres[resolved], krate[resolved], m.RESOLUTION_WINDOW
        )
        return pd.DataFrame(
            {name: np.asarray(out[name], dtype=float).ravel() for name in col.FEATURE_COLUMNS}
        )

    def _days_since_activity(self, lc, ld, ic, idays, rows) -> np.ndarray:
        active = (self.counts(lc, ld, rows) + self.counts(ic, idays, rows)) > 0
        columns = np.arange(self.width)
        last_column = np.maximum.accumulate(np.where(active, columns, -1), axis=1)[:, self.days]
        seed = np.full(rows, -1, dtype=np.int64)  # last activity before the grid's first day
        for codes, days in ((lc, ld), (ic, idays)):
            early = days < self.origin
            np.maximum.at(seed, codes[early], days[early])
        last_day = np.where(last_column >= 1, self.origin + last_column - 1, seed[:, None])
        today = self.origin + self.days - 1
        return np.where(last_day >= 0, today - last_day, np.nan)

    def _median_response(self, ic, idays, iresp, rows) -> np.ndarray:
        """Median reply time over the last 30 days, for every client and day of the range."""
        n_days = self.end - self.start + 1
        out = np.full((rows, n_days), np.nan)
        replied = (~np.isnan(iresp)) & (idays <= self.end) & (idays > self.start - m.RESPONSE_WINDOW)
        codes, days, hours = ic[replied], idays[replied], iresp[replied]
        if not len(codes):
            return out
        offsets = np.arange(m.RESPONSE_WINDOW)
        scored_day = (days[:, None] + offsets[None, :]).ravel()
        inside = (scored_day >= self.start) & (scored_day <= self.end)
        cell = (np.repeat(codes, m.RESPONSE_WINDOW) * n_days + scored_day - self.start)[inside]
        medians = pd.Series(np.repeat(hours, m.RESPONSE_WINDOW)[inside]).groupby(cell).median()
        out.ravel()[medians.index.to_numpy()] = medians.to_numpy()
        return out
