"""One way to write numbers, dates, times, durations and error lines (dashboard.formatting)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from dashboard import formatting as f

LONDON = ZoneInfo("Europe/London")


def test_times_are_shown_in_the_display_zone():
    now = pd.Timestamp("2026-11-26 12:00", tz="UTC")
    # 07:02 UTC is 07:02 in London in November (GMT) and 08:02 in July (BST).
    assert f.local_time_text(pd.Timestamp("2026-11-26 07:02", tz="UTC"), LONDON, now=now) == "26 Nov 07:02"
    assert f.local_time_text(pd.Timestamp("2026-07-01 07:02", tz="UTC"), LONDON, now=now) == "1 Jul 08:02"
    # Another year carries its year.
    assert (
        f.local_time_text(pd.Timestamp("2025-12-31 23:30", tz="UTC"), LONDON, now=now)
        == "31 Dec 2025 23:30"
    )
    assert f.local_time_text(None, LONDON, now=now) == ""


@pytest.mark.parametrize(
    ("days", "text"),
    [
        (0, "today"),
        (1, "yesterday"),
        (12, "12 days ago"),
        (1500, "1,500 days ago"),
        (np.nan, "never"),
    ],
)
def test_days_ago_text(days, text):
    assert f.days_ago_text(days) == text


def test_number_text():
    assert f.number_text(1234567) == "1,234,567"
    assert f.number_text(61.04, 1) == "61.0"
    assert f.number_text(None) == "–"


def test_dates_read_the_same_everywhere():
    assert f.date_text(dt.date(2026, 3, 2)) == "2 Mar 2026"
    assert f.date_text(pd.Timestamp("2026-03-02"), year=False) == "2 Mar"
    assert f.date_text(None) == ""
    assert f.date_text(pd.NaT, missing="–") == "–"
    assert f.range_text(dt.date(2026, 10, 29), dt.date(2026, 11, 27)) == "29 Oct – 27 Nov 2026"
    assert f.range_text(dt.date(2025, 12, 29), dt.date(2026, 1, 27)) == "29 Dec 2025 – 27 Jan 2026"


@pytest.mark.parametrize(
    ("hours", "text"), [(None, "–"), (np.nan, "–"), (3.4, "3 h"), (47.4, "47 h"), (84, "3.5 days")]
)
def test_hours_text(hours, text):
    assert f.hours_text(hours) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, "–"), (0.42, "0.4 s"), (14.2, "14 s"), (125, "2 min 5 s"), (120, "2 min")],
)
def test_seconds_text(seconds, text):
    assert f.seconds_text(seconds) == text


def test_first_line_never_shows_more_than_one_shortened_line():
    assert f.first_line("ValueError: bad\n  File x.py, line 3") == "ValueError: bad"
    assert f.first_line(None) == ""
    long = "x" * 300
    assert f.first_line(long, limit=10) == "x" * 9 + "…"
    assert f.first_line(long) == long


def test_first_line_of_an_exception_is_its_message_or_its_type():
    assert f.first_line(RuntimeError("disk full\n[SQL: INSERT ...]")) == "disk full"
    assert f.first_line(KeyError()) == "KeyError"
