"""The clock of the app: now in UTC, the zone times are shown in, and dates from values."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd

from dashboard import settings


def display_zone() -> ZoneInfo:
    """The zone times are shown in: ``CSD_TIMEZONE`` (``dashboard.settings``), default Europe/London."""
    return settings.current().timezone


def utc_now() -> pd.Timestamp:
    return pd.Timestamp.now(tz="UTC")


def as_date(value: object) -> dt.date | None:
    """A date from a date, timestamp or ISO string; None when missing."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return pd.Timestamp(value).date()
