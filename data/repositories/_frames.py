"""Conversions between query results and DataFrames, shared by the repositories.

Frames use one set of dtypes whatever the backend:

- timestamps: ``datetime64[us, UTC]``;
- calendar days: ``datetime64[us]`` at midnight (naive);
- integers: nullable ``Int64``; floats: ``float64``; booleans: nullable ``boolean``;
- enumerations and text: plain strings (the ``.value`` of the enum), missing as NaN.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import (
    BigInteger,
    Boolean,
    ColumnElement,
    Date,
    Enum,
    Float,
    Integer,
    Numeric,
    Select,
    String,
    Table,
    cast,
    extract,
    func,
    literal,
    type_coerce,
)
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import CompileError
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine

from data.models import UTCDateTime

TIMESTAMP_DTYPE = "datetime64[us, UTC]"
DATE_DTYPE = "datetime64[us]"


def read_frame(session: Session, stmt: Select) -> pd.DataFrame:
    """Run ``stmt`` and return its rows as a frame, typed from the selected columns' SQL types.

    The one read path of every repository. Rows never become ORM or ``Row``
    objects and no value passes through a per-value type processor:

    - timestamps and dates travel as integers (microseconds and days since
      1970-01-01, computed by the database), so no text is parsed;
    - on PostgreSQL the query runs as ``COPY (...) TO STDOUT`` in CSV, read by
      pandas' C parser; elsewhere the DBAPI cursor's plain tuples become a
      frame at once;
    - each column is then converted in one vectorised step (:func:`typed_series`).
    """
    connection = session.connection()
    dialect = connection.dialect.name
    names = [column.key for column in stmt.selected_columns]
    types = {column.key: column.type for column in stmt.selected_columns}
    stmt = _with_integer_times(stmt, dialect)
    raw = _copy_frame(connection, stmt, names, types) if dialect == "postgresql" else None
    if raw is None:
        result: CursorResult = connection.execute(stmt)
        try:
            rows = result.cursor.fetchall() if result.cursor is not None else []
        finally:
            result.close()
        # One 2-D object array from the tuples, sliced into columns: no per-value inference.
        matrix = np.empty((len(rows), len(names)), dtype=object)
        if rows:
            matrix[:] = rows
        raw = {name: pd.Series(matrix[:, i], dtype=object) for i, name in enumerate(names)}
    return pd.DataFrame(
        {name: typed_series(raw[name], types.get(name), as_integers=True) for name in names}
    )


def _with_integer_times(stmt: Select, dialect: str) -> Select:
    """``stmt`` with each timestamp column as microseconds and each date as days since 1970-01-01.

    Exact on both backends: SQLite keeps timestamps as ``YYYY-MM-DD
    HH:MM:SS.ffffff`` text (whole seconds from ``strftime('%s')``, the
    microseconds from the text) and dates as ``YYYY-MM-DD``; PostgreSQL's
    ``EXTRACT(EPOCH ...)`` is an exact numeric.
    """
    columns = []
    changed = False
    for column in stmt.selected_columns:
        if isinstance(column.type, UTCDateTime):
            if dialect == "sqlite":
                # Whole seconds from the text without its fraction, which strftime would round.
                seconds = cast(func.strftime(literal("%s"), func.substr(column, 1, 19)), BigInteger)
                micros = cast(func.substr(column, 21, 6), BigInteger)
                value = seconds * 1_000_000 + micros
            else:
                value = cast(extract("epoch", column) * 1_000_000, BigInteger)
        elif isinstance(column.type, Date):
            if dialect == "sqlite":
                value = cast(func.julianday(column) - _UNIX_EPOCH_JULIAN_DAY, Integer)
            else:
                value = type_coerce(column - cast(literal("1970-01-01"), Date), Integer)
        else:
            columns.append(column)
            continue
        columns.append(type_coerce(value, BigInteger).label(column.key))
        changed = True
    return stmt.with_only_columns(*columns, maintain_column_froms=True) if changed else stmt


_UNIX_EPOCH_JULIAN_DAY = 2440587.5


_COPY_NULL = "\\N"


def _copy_frame(
    connection, stmt: Select, names: list[str], types: dict[str, TypeEngine]
) -> pd.DataFrame | None:
    """``stmt`` read with PostgreSQL's ``COPY ... TO STDOUT`` (CSV) and pandas' C parser.

    Numbers (timestamps and dates among them, see :func:`_with_integer_times`)
    are parsed by the CSV reader itself; the rest stays text for
    :func:`typed_series`.
    None when the statement cannot be rendered with literal values (then the
    caller reads it through the cursor). Literal values are rendered by
    SQLAlchemy's own quoting.
    """
    try:
        sql = str(
            stmt.compile(
                dialect=connection.dialect,
                compile_kwargs={"literal_binds": True, "render_postcompile": True},
            )
        )
    except (CompileError, NotImplementedError):
        return None
    driver = connection.connection.driver_connection
    buffer = io.BytesIO()
    with (
        driver.cursor() as cursor,
        cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv, NULL '{_COPY_NULL}')") as copy,
    ):
        for block in copy:
            buffer.write(block)
    if not buffer.tell():
        return pd.DataFrame({name: pd.Series([], dtype=object) for name in names})
    buffer.seek(0)
    return pd.read_csv(
        buffer,
        header=None,
        names=names,
        dtype={name: _csv_dtype(types.get(name)) for name in names},
        keep_default_na=False,
        na_values=[_COPY_NULL],
    )


def _csv_dtype(sql_type: TypeEngine | None) -> str | type:
    if isinstance(sql_type, UTCDateTime | Date | Integer):
        return "Int64"
    if isinstance(sql_type, Float | Numeric):
        return "float64"
    return object


def typed_series(
    series: pd.Series, sql_type: TypeEngine | None, *, as_integers: bool = False
) -> pd.Series:
    """``series`` converted to the frame dtype of ``sql_type`` (see the module docstring).

    Values come as the driver gives them (Python objects, or text from
    ``COPY``); with ``as_integers``, timestamps and dates come as integers
    (see :func:`read_frame`). One vectorised conversion per column.
    """
    if sql_type is None:
        return series
    if isinstance(sql_type, UTCDateTime):
        if as_integers:
            return _from_integers(series, "us").dt.tz_localize("UTC")
        return pd.to_datetime(series, utc=True, format="ISO8601").astype(TIMESTAMP_DTYPE)
    if isinstance(sql_type, Date):
        if as_integers:
            return _from_integers(series, "D").astype(DATE_DTYPE)
        return pd.to_datetime(series, format="ISO8601").astype(DATE_DTYPE)
    if isinstance(sql_type, Enum | String):
        return series.astype("str")
    if isinstance(sql_type, Boolean):
        return _booleans(series)
    if isinstance(sql_type, Integer):
        return pd.to_numeric(series, dtype_backend="numpy_nullable").astype("Int64")
    if isinstance(sql_type, Float | Numeric):
        return pd.to_numeric(series).astype("float64")
    return series


def _from_integers(series: pd.Series, unit: str) -> pd.Series:
    """Integers since 1970-01-01 in ``unit`` (``us`` or ``D``) as naive datetimes; missing as NaT."""
    numbers = pd.to_numeric(series, dtype_backend="numpy_nullable").astype("Int64")
    raw = numbers.to_numpy(dtype=np.int64, na_value=0).astype(f"datetime64[{unit}]")
    raw = raw.astype("datetime64[us]")
    raw[numbers.isna().to_numpy()] = np.datetime64("NaT")
    return pd.Series(raw, index=series.index)


_TRUTH = {"t": True, "f": False, "true": True, "false": False, "1": True, "0": False}


def _booleans(series: pd.Series) -> pd.Series:
    """Booleans from the driver (bool, 0/1) or from ``COPY`` text (``t``/``f``)."""
    if series.dtype == object and series.map(type, na_action="ignore").eq(str).any():
        series = series.map(_TRUTH, na_action="ignore")
    return series.astype("boolean")


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
