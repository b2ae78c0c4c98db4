"""Rows of repository DataFrames as plain Python values, for the response models."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd


def plain(value: Any) -> Any:
    """``value`` as a plain Python value: None for any missing value, int/float/bool/datetime otherwise."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float | np.floating) and np.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Each row of ``frame`` as a dict of plain values."""
    return [{name: plain(value) for name, value in row.items()} for row in frame.to_dict("records")]


def as_date(value: Any) -> dt.date | None:
    """A calendar day from a date, a datetime or a timestamp at midnight; None when missing."""
    value = plain(value)
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    return value
