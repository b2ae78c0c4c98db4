"""Bulk writes of frames: the one way a repository writes many rows at once.

A frame becomes rows without SQLAlchemy's per-row, per-value machinery: each
column is converted once, vectorised, to what the driver takes, then

- on PostgreSQL, the rows travel as CSV through ``COPY ... FROM STDIN``
  (straight into the table, or into a temporary staging table followed by
  one ``INSERT ... SELECT ... ON CONFLICT`` when duplicates are to be skipped
  or updated);
- on SQLite, one ``executemany`` of plain tuples, with ``ON CONFLICT`` in the
  statement.

Writes run on the session's own connection, inside its transaction: the
caller's commit or rollback covers them like any other statement. Values are
stored exactly as the ORM stores them (timestamps as naive UTC text with
microseconds on SQLite, enumerations as their values), so every reader sees
no difference between rows written here and rows written by the ORM.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from sqlalchemy import Boolean, Date, Enum, Float, Integer, Table, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine

from data.models import UTCDateTime

Conflict = Literal["error", "ignore", "update"]

_PG_NULL = "\\N"
ANALYZE_AFTER_ROWS = 10_000  # a bulk write of at least this many rows refreshes the planner's statistics
_SQLITE_BATCH = 50_000  # rows per executemany call, to bound the memory of the tuples


def insert_frame(
    session: Session,
    table: Table,
    frame: pd.DataFrame,
    *,
    columns: Sequence[str] | None = None,
    on_conflict: Conflict = "error",
    keys: Sequence[str] = (),
    update: Sequence[str] = (),
) -> int:
    """Insert the rows of ``frame`` into ``table``; returns how many rows were written.

    ``columns`` (default: the frame's columns) must name columns of ``table``.
    ``on_conflict``: ``"error"`` lets a duplicate key fail the statement (and
    so the caller's transaction); ``"ignore"`` skips rows whose ``keys``
    already exist; ``"update"`` overwrites the ``update`` columns of those
    rows. Missing values (NaN, NaT, None, ``pd.NA``) are stored as NULL.
    Columns of the table that the rows lack take the model's Python-side
    default, as an ORM insert would (e.g. a task's kind).
    """
    names = list(columns if columns is not None else frame.columns)
    unknown = [name for name in names if name not in table.c]
    if unknown:
        raise ValueError(f"{table.name} has no column {', '.join(unknown)}")
    if on_conflict != "error" and not keys:
        raise ValueError("on_conflict needs the key columns")
    if frame.empty:
        return 0
    defaults = _python_defaults(table, names)
    if defaults:
        frame = frame.assign(**defaults)
        names = [*names, *defaults]
    dialect = session.get_bind().dialect
    write = {"postgresql": _copy_into, "sqlite": _executemany}.get(dialect.name)
    if write is None:
        raise NotImplementedError(f"bulk writes are not implemented for {dialect.name}")
    driver_error = dialect.loaded_dbapi.Error
    try:
        return write(session, table, frame, names, on_conflict, keys, update)
    except driver_error as error:
        # The same exception classes as any other statement (IntegrityError, ...).
        raise DBAPIError.instance(
            f"bulk insert into {table.name}", None, error, driver_error
        ) from error


def _python_defaults(table: Table, names: Sequence[str]) -> dict[str, object]:
    """The Python-side defaults of the columns of ``table`` not in ``names`` (one value each)."""
    defaults: dict[str, object] = {}
    for column in table.columns:
        default = column.default
        if column.name in names or default is None or column.primary_key:
            continue
        if default.is_scalar:
            defaults[column.name] = default.arg
        elif default.is_callable:
            defaults[column.name] = default.arg(None)
    return defaults


def refresh_statistics(session: Session, *tables: Table) -> None:
    """After a large bulk write, the planner's statistics of ``tables`` (none: every table).

    On PostgreSQL, ``ANALYZE`` in the caller's transaction: the planner knows
    the new size of a table at once, not after autovacuum's next pass (or
    never, where autovacuum is off), so the views' plans fit the book from
    the first request. Nothing on SQLite: the queries that depend on a plan
    fix their join order themselves (``_join_order``).
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    names = ", ".join(_quoted(table.name) for table in tables)
    session.execute(text(f"ANALYZE {names}".rstrip()))


# --- SQLite: executemany of plain tuples ---------------------------------------------------


def _executemany(
    session: Session,
    table: Table,
    frame: pd.DataFrame,
    names: list[str],
    on_conflict: Conflict,
    keys: Sequence[str],
    update: Sequence[str],
) -> int:
    placeholders = ", ".join("?" for _ in names)
    sql = f"INSERT INTO {_quoted(table.name)} ({_column_list(names)}) VALUES ({placeholders})"
    sql += _conflict_clause(on_conflict, keys, update)
    arrays = [_sqlite_values(frame[name], table.c[name].type) for name in names]
    driver = session.connection().connection.driver_connection
    cursor = driver.cursor()
    written = 0
    try:
        rows = zip(*arrays, strict=True)
        while batch := list(itertools.islice(rows, _SQLITE_BATCH)):
            cursor.executemany(sql, batch)
            written += max(cursor.rowcount, 0)
    finally:
        cursor.close()
    return written


def _sqlite_values(series: pd.Series, sql_type: TypeEngine) -> np.ndarray:
    """The column as an object array of what sqlite3 stores for ``sql_type``; missing as None."""
    missing = series.isna().to_numpy()
    if isinstance(sql_type, UTCDateTime):
        values = _timestamp_text(series, missing, zone="")
    elif isinstance(sql_type, Date):
        values = _date_text(series, missing)
    elif isinstance(sql_type, Boolean):
        values = np.where(missing, 0, series.astype("boolean").fillna(False).to_numpy(dtype=bool))
        values = values.astype(np.int64).astype(object)
    elif isinstance(sql_type, Integer):
        values = series.astype("Int64").fillna(0).to_numpy(dtype=np.int64).astype(object)
    elif isinstance(sql_type, Float):
        values = pd.to_numeric(series).astype("float64").fillna(0.0).to_numpy().astype(object)
    elif isinstance(sql_type, Enum):
        values = series.map(str, na_action="ignore").to_numpy(dtype=object)
    else:
        values = series.to_numpy(dtype=object)
    values = np.array(values, dtype=object)  # a writable copy (pandas may hand out read-only views)
    values[missing] = None
    return values


# --- PostgreSQL: COPY ------------------------------------------------------------------------


def _copy_into(
    session: Session,
    table: Table,
    frame: pd.DataFrame,
    names: list[str],
    on_conflict: Conflict,
    keys: Sequence[str],
    update: Sequence[str],
) -> int:
    text = pd.DataFrame({name: _pg_text(frame[name], table.c[name].type) for name in names}).to_csv(
        index=False, header=False, na_rep=_PG_NULL
    )
    driver = session.connection().connection.driver_connection
    column_list = _column_list(names)
    with driver.cursor() as cursor:
        if on_conflict == "error":
            _copy(cursor, _quoted(table.name), column_list, text)
            return len(frame)
        staging = _quoted(f"staging_{table.name}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} "
            f"(LIKE {_quoted(table.name)} INCLUDING DEFAULTS) ON COMMIT DROP"
        )
        cursor.execute(f"TRUNCATE {staging}")
        _copy(cursor, staging, column_list, text)
        cursor.execute(
            f"INSERT INTO {_quoted(table.name)} ({column_list}) "
            f"SELECT {column_list} FROM {staging}" + _conflict_clause(on_conflict, keys, update)
        )
        written = max(cursor.rowcount, 0)
        cursor.execute(f"TRUNCATE {staging}")
        return written


def _copy(cursor, target: str, column_list: str, text: str) -> None:
    with cursor.copy(
        f"COPY {target} ({column_list}) FROM STDIN (FORMAT csv, NULL '{_PG_NULL}')"
    ) as copy:
        copy.write(text)


def _pg_text(series: pd.Series, sql_type: TypeEngine) -> pd.Series:
    """The column as PostgreSQL reads it from CSV; missing values stay missing (NULL)."""
    missing = series.isna().to_numpy()
    if isinstance(sql_type, UTCDateTime):
        values = _timestamp_text(series, missing, zone="+00:00")
    elif isinstance(sql_type, Date):
        values = _date_text(series, missing)
    elif isinstance(sql_type, Boolean):
        values = series.astype("boolean").map({True: "t", False: "f"}, na_action="ignore")
        return values.astype(object)
    elif isinstance(sql_type, Integer):
        return series.astype("Int64")
    elif isinstance(sql_type, Float):
        return pd.to_numeric(series).astype("float64")
    elif isinstance(sql_type, Enum):
        return series.map(str, na_action="ignore").astype(object)
    else:
        return series.astype(object)
    values = np.array(values, dtype=object)
    values[missing] = None
    return pd.Series(values, index=series.index, dtype=object)


# --- shared ----------------------------------------------------------------------------------


def _timestamp_text(series: pd.Series, missing: np.ndarray, *, zone: str) -> np.ndarray:
    """UTC timestamps as ``YYYY-MM-DD HH:MM:SS.ffffff`` (the ORM's SQLite text) plus ``zone``.

    numpy writes ``YYYY-MM-DDTHH:MM:SS.ffffff``; the ``T`` and the zone are set
    in the characters' code points, in place (years 1 to 9999, as Python's).
    """
    stamps = pd.to_datetime(series, utc=True).astype("datetime64[us, UTC]")
    micros = np.where(missing, 0, stamps.array.asi8).view("datetime64[us]")
    text = np.datetime_as_string(micros, unit="us")
    width = 26
    out = np.empty(len(text), dtype=f"U{width + len(zone)}")
    chars = out.view(np.uint32).reshape(len(text), width + len(zone))
    chars[:, :width] = text.view(np.uint32).reshape(len(text), text.itemsize // 4)[:, :width]
    chars[:, 10] = ord(" ")
    for offset, char in enumerate(zone):
        chars[:, width + offset] = ord(char)
    return out.astype(object)


def _date_text(series: pd.Series, missing: np.ndarray) -> np.ndarray:
    """Days as ``YYYY-MM-DD``; days repeat, so each distinct day is written once."""
    days = pd.to_datetime(series).to_numpy(dtype="datetime64[D]").view(np.int64)
    codes, distinct = pd.factorize(np.where(missing, 0, days))
    text = np.datetime_as_string(distinct.view("datetime64[D]"), unit="D").astype(object)
    return text[codes]


def _conflict_clause(on_conflict: Conflict, keys: Sequence[str], update: Sequence[str]) -> str:
    if on_conflict == "error":
        return ""
    target = f" ON CONFLICT ({_column_list(keys)})"
    if on_conflict == "ignore" or not update:
        return target + " DO NOTHING"
    assignments = ", ".join(f"{_quoted(name)} = excluded.{_quoted(name)}" for name in update)
    return target + f" DO UPDATE SET {assignments}"


def _column_list(names: Sequence[str]) -> str:
    return ", ".join(_quoted(name) for name in names)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
