"""Trend against the latest stored score 7 to 10 days back (DESIGN 5).

As of 2026-06-15: 7 days back is 06-08, 10 days back is 06-05; 06-09 (6 days)
and 06-04 (11 days) are outside the window.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from scoring.enums import Trend
from scoring.trend import by_client, score_days_back, to_utc, trend_for, trend_of_change

AS_OF = "2026-06-15"


def history(*rows: tuple[str, object, float]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=["client_id", "day", "score"])


def today(**scores: int) -> pd.DataFrame:
    return pd.DataFrame({"client_id": list(scores), "score": list(scores.values())})


def test_window_is_7_to_10_days_back_inclusive_and_the_latest_day_wins():
    h = history(
        ("a", dt.date(2026, 6, 5), 50),  # 10 days back
        ("a", dt.date(2026, 6, 8), 60),  # 7 days back: the latest in the window
        ("a", dt.date(2026, 6, 9), 70),  # 6 days back: too recent
        ("b", dt.date(2026, 6, 5), 40),  # exactly 10 days back: in
        ("c", dt.date(2026, 6, 4), 30),  # 11 days back: too old
        ("c", dt.date(2026, 6, 9), 35),  # 6 days back: too recent
        ("d", dt.date(2026, 6, 7), 20),  # 8 days back
        ("d", dt.date(2026, 6, 6), 25),  # 9 days back: older than 06-07
    )
    ref = score_days_back(h, AS_OF)
    assert ref.to_dict() == {"a": 60, "b": 40, "d": 20}


def test_days_are_utc_calendar_dates_not_elapsed_time():
    # 2026-06-08 02:24 UTC is 6.9 days of elapsed time before 2026-06-15 00:00,
    # but its date is 06-08: 7 days back, so it counts.
    # 2026-06-09 01:00+02:00 is 06-08 23:00 UTC: also 7 days back.
    # 2026-06-04 23:59 UTC is 10.0007 days before 06-15 00:00 but its date is 06-04: 11 days back.
    h = history(
        ("a", pd.Timestamp("2026-06-08 02:24", tz="UTC"), 61),
        ("b", "2026-06-09T01:00:00+02:00", 62),
        ("c", pd.Timestamp("2026-06-04 23:59", tz="UTC"), 63),
    )
    assert score_days_back(h, AS_OF).to_dict() == {"a": 61, "b": 62}
    # as_of given as a late timestamp of the same day changes nothing
    assert score_days_back(h, pd.Timestamp("2026-06-15 23:00", tz="UTC")).to_dict() == {"a": 61, "b": 62}


def test_rows_without_a_score_are_skipped():
    h = history(("a", "2026-06-08", np.nan), ("a", "2026-06-06", 55))
    assert score_days_back(h, AS_OF).to_dict() == {"a": 55}


def test_other_windows_and_columns():
    h = pd.DataFrame(
        {"client_id": ["a", "a"], "day": ["2026-06-14", "2026-06-01"], "overall": [71.4, 70.0]}
    )
    assert score_days_back(h, AS_OF, 1, 1, column="overall").to_dict() == {"a": 71.4}
    assert score_days_back(h, AS_OF, 14, 14, column="overall").to_dict() == {"a": 70.0}


@pytest.mark.parametrize(
    ("now", "before", "expected"),
    [
        (65, 60, Trend.IMPROVING),  # +5
        (64, 60, Trend.STABLE),  # +4
        (55, 60, Trend.DECLINING),  # -5
        (56, 60, Trend.STABLE),  # -4
        (60, 60, Trend.STABLE),
        (100, 0, Trend.IMPROVING),
    ],
)
def test_thresholds(now, before, expected):
    h = history(("a", "2026-06-08", before))
    assert trend_for(today(a=now), h, AS_OF).loc["a"] == expected


def test_no_reference_score_is_stable_and_every_client_of_today_is_returned():
    h = history(("a", "2026-06-08", 50), ("b", "2026-06-10", 10))  # b: only 5 days back
    trend = trend_for(today(a=40, b=90, c=70), h, AS_OF)
    assert trend.to_dict() == {"a": Trend.DECLINING, "b": Trend.STABLE, "c": Trend.STABLE}
    assert trend.name == "trend"


def test_trend_of_change_handles_missing_and_empty():
    change = pd.Series([5.0, -5.0, np.nan, 0.0])
    assert list(trend_of_change(change)) == ["improving", "declining", "stable", "stable"]
    assert trend_of_change(pd.Series([], dtype=float)).empty


def test_helpers():
    assert to_utc("2026-06-15 10:00") == pd.Timestamp("2026-06-15 10:00", tz="UTC")
    assert to_utc(pd.Timestamp("2026-06-15 12:00", tz="Europe/London")).hour == 11
    frame = pd.DataFrame({"client_id": ["x"], "score": [1]})
    assert by_client(frame).index.name == "client_id"
    assert by_client(frame.set_index("client_id")).loc["x", "score"] == 1
