"""Conversions between query results and DataFrames, shared by the repositories.

Frames use one set of dtypes whatever the backend:

- timestamps: ``datetime64[us, UTC]``;
- calendar days: ``datetime64[us]`` at midnight (naive);
- integers: nullable ``Int64``; floats: ``float64``; booleans: nullable ``boolean``;
- enumerations and text: plain strings (the ``.value`` of the enum), missing as NaN.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd
from sqlalchemy import (
    Boolean,
    ColumnElement,
    Date,
    Enum,
    Float,
    Integer,
    Select,
    String,
    Table,
)
from sqlalchemy.engine import Result
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine

from data.models import UTCDateTime

TIMESTAMP_DTYPE = "datetime64[us, UTC]"
DATE_DTYPE = "datetime64[us]"


def read_frame(session: Session, stmt: Select) -> pd.DataFrame:
    """Run ``stmt`` and return its rows as a frame, typed from the selected columns' SQL types."""
    result: Result = session.execute(stmt)
    columns = list(result.keys())
    rows = result.all()
    frame = (
        pd.DataFrame.from_records(rows, columns=columns)
        if rows
        else pd.DataFrame({name: pd.Series([], dtype=object) for name in columns})
    )
    types = {column.key: column.type for column in stmt.selected_columns}
    for name in columns:
        frame[name] = typed_series(frame[name], types.get(name))
    return frame


def typed_series(series: pd.Series, sql_type: TypeEngine | None) -> pd.Series:
    """``series`` converted to the frame dtype of ``sql_type`` (see the module docstring)."""
    if sql_type is None:
        return series
    if isinstance(sql_type, UTCDateTime):
        return pd.to_datetime(series, utc=True).astype(TIMESTAMP_DTYPE)
    if isinstance(sql_type, Date):
        return pd.to_datetime(series).astype(DATE_DTYPE)
    if isinstance(sql_type, Enum):
        return series.map(str, na_action="ignore").astype("str")
    if isinstance(sql_type, Boolean):
        return series.astype("boolean")
    if isinstance(sql_type, Integer):
        return series.astype("Int64")
    if isinstance(sql_type, Float):
        return series.astype("float64")
    if isinstance(sql_type, String):
        return series.astype("str")
    return series


def to_records(frame: pd.DataFrame, table: Table, columns: Sequence[str]) -> list[dict[str, Any]]:
    """Rows of ``frame`` as parameter dicts for ``table``: missing values as None, Python types."""
    arrays = []
    for name in columns:
        series = _bindable(frame[name], table.c[name].type)
        arrays.append(series.astype(object).where(series.notna(), None).to_numpy())
    return [dict(zip(columns, row, strict=True)) for row in zip(*arrays, strict=True)]


def _bindable(series: pd.Series, sql_type: TypeEngine) -> pd.Series:
    if isinstance(sql_type, UTCDateTime):
        stamps = pd.to_datetime(series, utc=True)
        return pd.Series(stamps.dt.to_pydatetime(), index=series.index, dtype=object).where(
            stamps.notna(), None
        )
    if isinstance(sql_type, Date):
        days = pd.to_datetime(series)
        return pd.Series(days.dt.date, index=series.index, dtype=object).where(days.notna(), None)
    if isinstance(sql_type, Enum):
        return series.map(str, na_action="ignore")
    if isinstance(sql_type, Boolean):
        return series.astype("boolean")
    if isinstance(sql_type, Integer):
        return series.astype("Int64")
    if isinstance(sql_type, Float):
        return pd.to_numeric(series).astype("float64")
    return series


def as_list(values: str | Iterable[str] | None) -> list[str] | None:
    """One value or several as a list of strings; None stays None (no filter)."""
    if values is None:
        return None
    if isinstance(values, str):
        return [values]
    return [str(value) for value in values]


def day_start(day: dt.date | dt.datetime) -> dt.datetime:
    """The UTC midnight starting ``day``; a datetime is returned as aware UTC unchanged."""
    if isinstance(day, dt.datetime):
        return day.replace(tzinfo=dt.UTC) if day.tzinfo is None else day.astimezone(dt.UTC)
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def day_end_exclusive(day: dt.date | dt.datetime) -> dt.datetime:
    """The first instant after ``day`` (a date) or just after ``day`` (a datetime), UTC."""
    if isinstance(day, dt.datetime):
        return day_start(day) + dt.timedelta(microseconds=1)
    return day_start(day) + dt.timedelta(days=1)


def read_frame_for_keys(
    session: Session,
    stmt: Select,
    key: ColumnElement,
    values: Iterable[str],
    *,
    key_label: str,
    order_by: Sequence[ColumnElement],
    chunk: int = 5000,
) -> pd.DataFrame:
    """``read_frame`` of ``stmt`` restricted to ``key IN values``, in chunks every backend takes.

    ``key_label`` is the key's column name in the frame; rows come back
    ordered by ``order_by``, whose first term must be ``key``.
    """
    wanted = list(dict.fromkeys(values))
    if len(wanted) <= chunk:
        return read_frame(session, stmt.where(key.in_(wanted)).order_by(*order_by))
    parts = [
        read_frame(session, stmt.where(key.in_(wanted[start : start + chunk])).order_by(*order_by))
        for start in range(0, len(wanted), chunk)
    ]
    # Chunks hold disjoint keys, each in order: a stable sort on the key keeps the rest of the order.
    merged = pd.concat(parts, ignore_index=True)
    return merged.sort_values(key_label, kind="stable", ignore_index=True)


def page_bounds(page: int, limit: int) -> tuple[int, int]:
    """(offset, limit) of a 1-based page; raises ValueError on a page or limit below 1."""
    if page < 1:
        raise ValueError("page must be 1 or more")
    if limit < 1:
        raise ValueError("limit must be 1 or more")
    return (page - 1) * limit, limit
