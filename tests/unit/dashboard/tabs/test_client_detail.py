"""The client detail's view model: why the score changed, an unknown client.

Tiny hand-made books; every expected value is worked out by hand beside the test."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from dashboard.tabs.client_detail import view_model as detail_view
from dashboard.tabs.client_detail.layout import change_note
from scoring.model import COMPONENTS

D = dt.date(2026, 3, 10)


def _history_row(day: dt.date, recency: float) -> dict:
    """Every component at 100 but recency; recency's effective weight is 0.40 x 0.25 = 0.10."""
    row = {"client_id": "c1", "day": pd.Timestamp(day), **{c.column: 100.0 for c in COMPONENTS}}
    row["c_recency"] = recency
    row["overall"] = 100.0 - 0.10 * (100.0 - recency)
    return row


def test_change_explanation_splits_the_change_by_component():
    history = pd.DataFrame(
        [
            _history_row(D - dt.timedelta(days=9), 80.0),  # overall 98.0
            _history_row(D - dt.timedelta(days=7), 50.0),  # overall 95.0
            _history_row(D - dt.timedelta(days=3), 20.0),
            _history_row(D, 0.0),  # overall 90.0
        ]
    )
    change = detail_view.change_explanation(history, end_day=D, window=7)
    assert (change.start_day, change.end_day) == (D - dt.timedelta(days=7), D)
    assert (change.start_score, change.end_score, change.change) == (95.0, 90.0, -5.0)
    parts = change.parts.set_index("component")["contribution_shown"]
    # Only recency moved: 0.10 x (0 - 50) = -5.0 points; the bars add up to the change.
    assert parts["recency"] == pytest.approx(-5.0)
    assert parts.drop("recency").abs().sum() == 0
    assert parts.sum() == pytest.approx(change.change)
    assert change.parts.set_index("component").loc["recency", "label"] == "Recency"

    # 30 days back there is no score: the change since the first one (D - 9, overall 98.0).
    month = detail_view.change_explanation(history, end_day=D, window=30)
    assert (month.start_day, month.start_score, month.change) == (
        D - dt.timedelta(days=9),
        98.0,
        -8.0,
    )
    assert month.parts["contribution_shown"].sum() == pytest.approx(-8.0)
    assert "scored for 9 days" in change_note(month, 30)


def test_no_change_explanation_without_two_days():
    one_day = pd.DataFrame([_history_row(D, 0.0)])
    assert detail_view.change_explanation(one_day, end_day=D, window=7) is None
    assert detail_view.change_explanation(one_day.iloc[0:0], end_day=D, window=7) is None
    assert "Not enough score history" in change_note(None, 7)


def test_client_detail_model_of_an_unknown_client(session):
    assert (
        detail_view.client_detail_model(session, "nobody", window=7, now=pd.Timestamp.now(tz="UTC"))
        is None
    )
