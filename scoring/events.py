"""Event frames turned into flat numpy arrays keyed by client position.

The engine works on integer day numbers (days since 1970-01-01, UTC calendar
date) and on each client's position in the clients frame ("code"), so every
aggregation is a ``bincount`` or ``ufunc.at`` over flat arrays. Events of
clients not in the clients frame are dropped.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from . import columns as col

NO_DAY = np.iinfo(np.int64).max // 2  # "never": later than any real day


class EventFrames(NamedTuple):
    """The five event tables, as pandas frames with the import column names (DESIGN 4a)."""

    logins: pd.DataFrame
    interactions: pd.DataFrame
    tasks: pd.DataFrame
    feedback: pd.DataFrame
    tickets: pd.DataFrame

    @classmethod
    def empty(cls) -> EventFrames:
        ts = pd.Series([], dtype="datetime64[us, UTC]")
        ids = pd.Series([], dtype=object)
        return cls(
            logins=pd.DataFrame({col.CLIENT_ID: ids, col.TS: ts}),
            interactions=pd.DataFrame(
                {col.CLIENT_ID: ids, col.TS: ts, col.RESPONSE_HOURS: pd.Series([], dtype=float)}
            ),
            tasks=pd.DataFrame(
                {
                    col.CLIENT_ID: ids,
                    col.KIND: pd.Series([], dtype=object),
                    col.DUE_DATE: pd.Series([], dtype="datetime64[s]"),
                    col.COMPLETED_AT: ts,
                }
            ),
            feedback=pd.DataFrame(
                {
                    col.CLIENT_ID: ids,
                    col.TS: ts,
                    col.RATING: pd.Series([], dtype=float),
                    col.SENTIMENT: pd.Series([], dtype=float),
                }
            ),
            tickets=pd.DataFrame(
                {
                    col.CLIENT_ID: ids,
                    col.OPENED_AT: ts,
                    col.RESOLVED_AT: ts,
                    col.RESOLUTION_RATING: pd.Series([], dtype=float),
                }
            ),
        )


def day_number(value: dt.date | str | pd.Timestamp) -> int:
    """The UTC calendar day of a date or timestamp, as days since 1970-01-01."""
    ts = pd.Timestamp(value)
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    return int(np.datetime64(ts.normalize().date(), "D").astype(np.int64))


def day_date(number: int) -> dt.date:
    """Inverse of :func:`day_number`."""
    return (np.datetime64(int(number), "D")).astype(dt.date)


def day_numbers(values: pd.Series | pd.Index | np.ndarray) -> np.ndarray:
    """UTC calendar days of a column of timestamps or dates; missing values become ``NO_DAY``."""
    series = pd.Series(values, copy=False) if not isinstance(values, pd.Series) else values
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        raw = series.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy()
    elif pd.api.types.is_datetime64_dtype(series.dtype):
        raw = series.to_numpy()
    else:
        converted = pd.to_datetime(series, utc=True, errors="raise")
        raw = converted.dt.tz_localize(None).to_numpy()
    missing = np.isnat(raw)
    days = raw.astype("datetime64[D]").astype(np.int64)
    if missing.any():
        days[missing] = NO_DAY
    return days


def client_codes(ids: pd.Series, index: pd.Index) -> np.ndarray:
    """Position of each id in ``index`` (the clients), -1 for ids not there.

    Categorical ids map through their categories; a contiguous integer range of
    client ids (the usual surrogate key) maps by subtraction. Both avoid hashing
    every event.
    """
    if isinstance(ids.dtype, pd.CategoricalDtype):
        category_codes = index.get_indexer(ids.cat.categories)
        raw = ids.cat.codes.to_numpy()
        mapped = np.append(category_codes, -1)  # code -1 (missing) -> last slot
        return mapped[raw].astype(np.int64)
    if (
        len(index)
        and pd.api.types.is_integer_dtype(index.dtype)
        and pd.api.types.is_integer_dtype(ids.dtype)
        and index.is_monotonic_increasing
        and index.is_unique
        and int(index[-1]) - int(index[0]) == len(index) - 1
    ):
        codes = ids.to_numpy().astype(np.int64) - int(index[0])
        codes[(codes < 0) | (codes >= len(index))] = -1
        return codes
    return index.get_indexer(ids)


@dataclass(frozen=True)
class EventArrays:
    """Flat arrays of every event the engine reads, one set per table."""

    n_clients: int
    login_code: np.ndarray
    login_day: np.ndarray
    inter_code: np.ndarray
    inter_day: np.ndarray
    inter_response: np.ndarray  # NaN when the client did not answer
    task_code: np.ndarray
    task_is_milestone: np.ndarray
    task_due: np.ndarray
    task_done: np.ndarray  # NO_DAY when not completed
    fb_code: np.ndarray
    fb_day: np.ndarray
    fb_rating: np.ndarray
    fb_sentiment: np.ndarray
    tk_code: np.ndarray
    tk_opened: np.ndarray
    tk_resolved: np.ndarray
    tk_rating: np.ndarray

    @classmethod
    def from_frames(cls, client_index: pd.Index, events: EventFrames) -> EventArrays:
        def codes(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
            c = client_codes(frame[col.CLIENT_ID], client_index)
            keep = c >= 0
            return c, keep

        def floats(frame: pd.DataFrame, name: str) -> np.ndarray:
            return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float, na_value=np.nan)

        lc, lk = codes(events.logins)
        ic, ik = codes(events.interactions)
        tc, tk = codes(events.tasks)
        fc, fk = codes(events.feedback)
        kc, kk = codes(events.tickets)
        kind = events.tasks[col.KIND]
        return cls(
            n_clients=len(client_index),
            login_code=_keep(lc, lk),
            login_day=_keep(day_numbers(events.logins[col.TS]), lk),
            inter_code=_keep(ic, ik),
            inter_day=_keep(day_numbers(events.interactions[col.TS]), ik),
            inter_response=_keep(floats(events.interactions, col.RESPONSE_HOURS), ik),
            task_code=_keep(tc, tk),
            task_is_milestone=_keep((kind == "milestone").to_numpy(dtype=bool), tk),
            task_due=_keep(day_numbers(events.tasks[col.DUE_DATE]), tk),
            task_done=_keep(day_numbers(events.tasks[col.COMPLETED_AT]), tk),
            fb_code=_keep(fc, fk),
            fb_day=_keep(day_numbers(events.feedback[col.TS]), fk),
            fb_rating=_keep(floats(events.feedback, col.RATING), fk),
            fb_sentiment=_keep(floats(events.feedback, col.SENTIMENT), fk),
            tk_code=_keep(kc, kk),
            tk_opened=_keep(day_numbers(events.tickets[col.OPENED_AT]), kk),
            tk_resolved=_keep(day_numbers(events.tickets[col.RESOLVED_AT]), kk),
            tk_rating=_keep(floats(events.tickets, col.RESOLUTION_RATING), kk),
        )


def _keep(values: np.ndarray, keep: np.ndarray) -> np.ndarray:
    return values if keep.all() else values[keep]
