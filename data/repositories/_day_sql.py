"""SQL expressions over days and scores that read the same on SQLite and PostgreSQL.

The aggregates of the views (``summaries``, ``aggregates``) compute in the
database what ``scoring`` computes on frames; these expressions are the
pieces whose SQL differs between the backends:

- ``utc_day(ts)``: the UTC calendar day of a timestamp (``scoring.events.day_numbers``).
  SQLite stores naive UTC text, so it is ``date(ts)``; PostgreSQL converts the
  ``timestamptz`` to UTC first, whatever the session's time zone.
- ``integer_score(overall)``: the score as shown, ``floor(overall + 0.5 + 1e-9)``,
  exactly ``scoring.health.round_half_up`` (same double arithmetic, same
  tolerance). SQLite may lack ``floor``, so it is written with ``CAST``.
- ``plus_days(day, n)``: a day ``n`` calendar days later (``n`` an integer literal).
- ``epoch_microseconds(ts)``: whole microseconds since 1970-01-01 UTC, so durations
  are summed as exact integers on both backends.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import BigInteger, Date, Float, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from scoring.health import _ROUNDING_TOLERANCE


class utc_day(FunctionElement):  # noqa: N801 (an SQL function)
    """The UTC calendar day of a timestamp column."""

    type = Date()
    name = "utc_day"
    inherit_cache = True


@compiles(utc_day)
def _utc_day(element: utc_day, compiler: Any, **kw: Any) -> str:
    (arg,) = element.clauses
    return f"CAST(({compiler.process(arg, **kw)}) AT TIME ZONE 'UTC' AS DATE)"


@compiles(utc_day, "sqlite")
def _utc_day_sqlite(element: utc_day, compiler: Any, **kw: Any) -> str:
    (arg,) = element.clauses
    return f"date({compiler.process(arg, **kw)})"


class _floor(FunctionElement):
    type = BigInteger()
    name = "floor_int"
    inherit_cache = True


@compiles(_floor)
def _floor_default(element: _floor, compiler: Any, **kw: Any) -> str:
    (arg,) = element.clauses
    return f"CAST(floor({compiler.process(arg, **kw)}) AS BIGINT)"


@compiles(_floor, "sqlite")
def _floor_sqlite(element: _floor, compiler: Any, **kw: Any) -> str:
    (arg,) = element.clauses
    value = compiler.process(arg, **kw)
    return f"(CAST(({value}) AS INTEGER) - (({value}) < CAST(({value}) AS INTEGER)))"


def integer_score(overall: ColumnElement) -> ColumnElement:
    """``overall`` rounded half up to an integer, as ``scoring.health.round_half_up``; NULL stays NULL."""
    return _floor(overall + literal(0.5, Float) + literal(_ROUNDING_TOLERANCE, Float))


class plus_days(FunctionElement):  # noqa: N801 (an SQL function)
    """``plus_days(day, n)``: the day ``n`` (an integer literal) calendar days after ``day``."""

    type = Date()
    name = "plus_days"
    inherit_cache = True


def _days_literal(element: plus_days) -> tuple[Any, int]:
    day, count = element.clauses
    value = getattr(count, "value", None)
    if not isinstance(value, int):
        raise TypeError("plus_days takes a whole number of days as a Python int")
    return day, value


@compiles(plus_days)
def _plus_days(element: plus_days, compiler: Any, **kw: Any) -> str:
    day, count = _days_literal(element)
    return f"(CAST(({compiler.process(day, **kw)}) AS DATE) + {count:d})"


@compiles(plus_days, "sqlite")
def _plus_days_sqlite(element: plus_days, compiler: Any, **kw: Any) -> str:
    day, count = _days_literal(element)
    return f"date({compiler.process(day, **kw)}, '{count:+d} days')"


class epoch_microseconds(FunctionElement):  # noqa: N801 (an SQL function)
    """Whole microseconds from 1970-01-01 UTC to a timestamp column."""

    type = BigInteger()
    name = "epoch_microseconds"
    inherit_cache = True


@compiles(epoch_microseconds)
def _epoch(element: epoch_microseconds, compiler: Any, **kw: Any) -> str:
    (arg,) = element.clauses
    value = compiler.process(arg, **kw)
    return f"CAST(round(EXTRACT(EPOCH FROM ({value})) * 1000000) AS BIGINT)"


@compiles(epoch_microseconds, "sqlite")
def _epoch_sqlite(element: epoch_microseconds, compiler: Any, **kw: Any) -> str:
    # Stored as 'YYYY-MM-DD HH:MM:SS.ffffff' (naive UTC): the whole seconds of the text without
    # its fraction (which SQLite would round), then the fraction. unixepoch() (SQLite 3.38) is
    # five times faster than strftime('%s').
    (arg,) = element.clauses
    value = compiler.process(arg, **kw)
    text = f"substr({value}, 1, 19)"
    whole = (
        f"unixepoch({text})"
        if sqlite3.sqlite_version_info >= (3, 38)
        else f"strftime('%s', {text})"
    )
    return (
        f"(CAST({whole} AS INTEGER) * 1000000"
        f" + CAST(substr(substr({value}, 21) || '000000', 1, 6) AS INTEGER))"
    )
