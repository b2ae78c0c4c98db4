"""The content hash of an event row: the ``row_hash`` column behind idempotent imports.

Two events are the same event when every stored column is equal, so each event
table holds a 64-bit hash of its columns (``ALL_COLUMNS`` of the kind) and a
unique index on ``(client_id, row_hash)``: a writer inserts with "on conflict
do nothing" and never reads what is stored to find duplicates.

The scheme, fixed here and pinned by a unit test (change it only with a
migration that recomputes every stored hash):

1. Each column is normalised by its kind of value, so a frame from a CSV
   file, from the demo book or from the database hashes alike:

   - ``text``: the string; an empty string is no value;
   - ``timestamp``: microseconds since 1970-01-01 UTC (naive values are UTC);
   - ``date``: microseconds since 1970-01-01 of the day's midnight;
   - ``int``: the integer; ``float``: the IEEE 754 bits of the float64 value
     (``-0.0`` taken as ``0.0``).

2. A present value hashes to: text, ``pandas.util.hash_array`` of the string
   with ``hash_key=HASH_KEY``, that is SipHash-2-4 of its UTF-8 bytes keyed by
   the 16 bytes of ``HASH_KEY``, then mixed as ``z ^= z >> 30; z *= C1;
   z ^= z >> 27; z *= C2; z ^= z >> 31`` (the constants of ``splitmix64``);
   a number, ``splitmix64`` of its 64 bits XOR ``NUMBER_KEY``. A missing
   value hashes to ``MISSING``.

3. The row's hash folds the column hashes in column order:
   ``h = splitmix64(h XOR column_hash)``, starting from ``h = len(columns)``,
   and the unsigned result is stored as a signed 64-bit integer (BIGINT).

Everything is vectorised over numpy ``uint64`` arrays (products wrap modulo
2**64).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from sqlalchemy import Date, DateTime, Float, Integer, Table, TypeDecorator
from sqlalchemy.types import TypeEngine

ValueKind = Literal["text", "timestamp", "date", "int", "float"]

HASH_KEY = "csd-event-row-v1"  # 16 characters: the SipHash key of text values
NUMBER_KEY = np.uint64(0x6373645F726F7731)
MISSING = np.uint64(0x9AE16A3B2F90404F)

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2 = np.uint64(0x94D049BB133111EB)

assert len(HASH_KEY.encode("utf-8")) == 16


# Columns of an event table that its hash leaves out: the surrogate key, the client (the
# unique index holds it) and the hash itself.
NOT_HASHED = ("id", "client_id", "row_hash")


def value_kind(sql_type: TypeEngine) -> ValueKind:
    """How a column of ``sql_type`` is normalised before hashing."""
    if isinstance(sql_type, TypeDecorator):
        sql_type = sql_type.impl_instance
    if isinstance(sql_type, DateTime):
        return "timestamp"
    if isinstance(sql_type, Date):
        return "date"
    if isinstance(sql_type, Integer):
        return "int"
    if isinstance(sql_type, Float):
        return "float"
    return "text"


def hashed_columns(table: Table) -> tuple[tuple[str, ValueKind], ...]:
    """The (name, kind) pairs an event table's ``row_hash`` covers, in column order."""
    return tuple(
        (column.name, value_kind(column.type))
        for column in table.columns
        if column.name not in NOT_HASHED
    )


def row_hash_default(context: Any) -> int:
    """``row_hash`` of a row the ORM inserts without one (a SQLAlchemy column default).

    Bulk writers (``insert_events``) compute the hashes of all rows at once
    instead; this keeps a row added one at a time consistent with them.
    """
    hashed = hashed_columns(context.current_column.table)
    parameters = context.get_current_parameters()
    frame = pd.DataFrame({name: [parameters.get(name)] for name, _kind in hashed})
    return int(row_hashes(frame, hashed)[0])


def splitmix64(values: np.ndarray) -> np.ndarray:
    """The splitmix64 output function of each ``uint64`` in ``values`` (a new array)."""
    with np.errstate(over="ignore"):
        z = values + _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * _MIX_1
        z = (z ^ (z >> np.uint64(27))) * _MIX_2
        return z ^ (z >> np.uint64(31))


def row_hashes(frame: pd.DataFrame, columns: Sequence[tuple[str, ValueKind]]) -> np.ndarray:
    """The ``int64`` hash of each row of ``frame`` over ``columns`` ((name, kind) pairs, in order).

    A column of ``columns`` missing from ``frame`` counts as missing values.
    """
    count = len(frame)
    combined = np.full(count, len(columns), dtype=np.uint64)
    for name, kind in columns:
        if name in frame.columns:
            column_hash = _column_hash(frame[name], kind)
        else:
            column_hash = np.full(count, MISSING, dtype=np.uint64)
        combined = splitmix64(combined ^ column_hash)
    return combined.view(np.int64)


def _column_hash(series: pd.Series, kind: ValueKind) -> np.ndarray:
    if kind == "text":
        return _text_hash(series)
    bits, missing = _number_bits(series, kind)
    hashed = splitmix64(bits ^ NUMBER_KEY)
    hashed[missing] = MISSING
    return hashed


def _text_hash(series: pd.Series) -> np.ndarray:
    if isinstance(series.dtype, pd.CategoricalDtype):  # each category once
        categories = _text_hash(pd.Series(series.cat.categories, dtype=object))
        return np.append(categories, MISSING)[series.cat.codes.to_numpy()]
    values = series.to_numpy(dtype=object, na_value=None)
    missing = pd.isna(values) | (values == "")
    if missing.any():
        values = values.copy()
        values[missing] = ""
    hashed = pd.util.hash_array(values, encoding="utf8", hash_key=HASH_KEY, categorize=True)
    hashed = np.asarray(hashed, dtype=np.uint64).copy()
    hashed[missing] = MISSING
    return hashed


def _number_bits(series: pd.Series, kind: ValueKind) -> tuple[np.ndarray, np.ndarray]:
    """(the 64 bits of each value as uint64, the mask of missing values)."""
    if kind == "timestamp":
        stamps = pd.to_datetime(series, utc=True).astype("datetime64[us, UTC]")
        missing = stamps.isna().to_numpy()
        return stamps.array.asi8.view(np.uint64), missing
    if kind == "date":
        days = pd.to_datetime(series)
        if isinstance(days.dtype, pd.DatetimeTZDtype):
            days = days.dt.tz_convert("UTC").dt.tz_localize(None)
        days = days.dt.normalize().astype("datetime64[us]")
        missing = days.isna().to_numpy()
        return days.array.asi8.view(np.uint64), missing
    if kind == "int":
        numbers = pd.to_numeric(series).astype("Int64")
        missing = numbers.isna().to_numpy()
        return numbers.fillna(0).to_numpy(dtype=np.int64).view(np.uint64), missing
    if kind == "float":
        numbers = pd.to_numeric(series).astype("float64").to_numpy(copy=True)
        missing = np.isnan(numbers)
        numbers[missing] = 0.0
        numbers += 0.0  # -0.0 + 0.0 is 0.0
        return numbers.view(np.uint64), missing
    raise ValueError(f"unknown value kind {kind!r}")
