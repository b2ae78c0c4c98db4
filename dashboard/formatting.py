"""Numbers, dates, times, durations and error lines as people read them: one version of each.

Screens, figures, reports, mail and commands all write through these, so a
date reads ``3 Dec 2026`` everywhere and a missing number is an en dash
everywhere. Pure functions, no Dash or Flask.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd

DASH = "–"  # shown for a missing number or duration
MAX_ERROR_SHOWN = 240  # characters of an error shown in a page


def is_missing(value: object) -> bool:
    """True for None, NaN and pandas' missing markers (never for text)."""
    if value is None:
        return True
    if isinstance(value, str):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def number_text(value: float | int | None, digits: int = 0) -> str:
    """``1,234`` / ``67.4``; an en dash when there is no value."""
    if is_missing(value):
        return DASH
    return f"{value:,.{digits}f}"


def money_text(pence: int | None) -> str:
    """A contract value kept in pence as ``£4,250`` (``£4,250.50`` with pence); an en dash when missing."""
    if is_missing(pence):
        return DASH
    pounds, rest = divmod(int(pence), 100)
    return f"£{pounds:,}" + (f".{rest:02d}" if rest else "")


def date_text(value: dt.date | pd.Timestamp | None, *, year: bool = True, missing: str = "") -> str:
    """``3 Dec 2026`` (or ``3 Dec``); ``missing`` (default empty) when there is no date."""
    if is_missing(value):
        return missing
    day = pd.Timestamp(value)
    return f"{day.day} {day:%b}" + (f" {day:%Y}" if year else "")


def range_text(start: dt.date, end: dt.date) -> str:
    """``29 Oct – 27 Nov 2026`` (both years when they differ)."""
    return f"{date_text(start, year=start.year != end.year)} – {date_text(end)}"


def local_time_text(
    value: dt.datetime | pd.Timestamp | None, zone: ZoneInfo, *, now: pd.Timestamp
) -> str:
    """A UTC time in ``zone`` as ``26 Nov 07:02``, with the year when it is not this year's."""
    if is_missing(value):
        return ""
    local = pd.Timestamp(value).tz_convert(zone)
    text = f"{local.day} {local:%b}"
    if local.year != now.tz_convert(zone).year:
        text += f" {local:%Y}"
    return f"{text} {local:%H:%M}"


def age_text(then: pd.Timestamp, now: pd.Timestamp) -> str:
    """How long ago ``then`` was: ``25 min``, ``7 h`` up to two days, else ``3 days``."""
    hours = (now - then).total_seconds() / 3600
    if hours < 1:
        return f"{max(int(hours * 60), 0)} min"
    if hours < 48:
        return f"{int(hours)} h"
    return f"{int(hours // 24)} days"


def days_ago_text(days: float | None) -> str:
    """``today`` / ``yesterday`` / ``12 days ago`` / ``never``."""
    if is_missing(days):
        return "never"
    days = int(days)
    if days <= 0:
        return "today"
    return "yesterday" if days == 1 else f"{days:,} days ago"


def hours_text(hours: float | None) -> str:
    """A duration in hours as ``26 h`` up to two days, else ``3.5 days``; an en dash when missing."""
    if is_missing(hours):
        return DASH
    if hours < 48:
        return f"{hours:.0f} h"
    return f"{hours / 24:.1f} days"


def seconds_text(seconds: float | None) -> str:
    """A run's duration as ``0.4 s``, ``14 s``, ``2 min 5 s``; an en dash when unknown."""
    if is_missing(seconds):
        return DASH
    seconds = float(seconds)
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"


def first_line(error: object, limit: int | None = None) -> str:
    """The first line of an error or its text (never a trace), cut to ``limit`` characters.

    An exception without a message gives its type's name; no error gives "".
    """
    if isinstance(error, BaseException):
        text = str(error).strip() or type(error).__name__
    else:
        text = "" if is_missing(error) else str(error)
    lines = text.strip().splitlines()
    line = lines[0].strip() if lines else ""
    if limit is not None and len(line) > limit:
        return line[: limit - 1].rstrip() + "…"
    return line
