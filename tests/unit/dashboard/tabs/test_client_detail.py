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


def test_the_figures_behind_a_score_share_out_missing_weight_and_add_up_to_the_score():
    """Logins 50, interactions 100 and rating 75 have data; nothing else does.

    Engagement keeps logins 0.30 and interactions 0.25 of its weight: shares 0.30/0.55 and
    0.25/0.55. Engagement (0.40) and satisfaction (0.25) share the whole: 0.40/0.65, 0.25/0.65.
    Effective: logins 0.61538 x 0.54545 = 0.33566, interactions 0.61538 x 0.45455 = 0.27972,
    rating 0.38462. Points: 16.783 + 27.972 + 28.846 = 73.601, stored as 73.6; in tenths
    167.83, 279.72, 288.46 round down to 734, and the two tenths missing to reach 736 go to
    the largest remainders (.83 logins, .72 interactions): 16.8 + 28.0 + 28.8 = 73.6.
    """
    latest = pd.Series({c.column: float("nan") for c in COMPONENTS})
    latest[["c_logins", "c_interactions", "c_rating"]] = [50.0, 100.0, 75.0]
    latest["overall"] = 73.6
    latest["logins_30d"], latest["interactions_7d"], latest["mean_rating"] = 6.0, 3.0, 4.0
    latest["tasks_due"], latest["days_since_activity"] = 0.0, float("nan")
    figures = detail_view.score_figures(latest).set_index("component")
    assert figures.loc[["logins", "interactions", "rating"], "weight"].round(5).tolist() == [
        0.33566, 0.27972, 0.38462]  # fmt: skip
    assert figures.loc[["logins", "interactions", "rating"], "points"].tolist() == [
        16.8, 28.0, 28.8]  # fmt: skip
    assert round(figures["points"].sum(), 1) == 73.6
    assert figures.loc["recency", "weight"] == 0.0 and pd.isna(figures.loc["recency", "points"])
    assert figures.loc["logins", "input"] == "6 logins in 30 days"
    assert figures.loc["interactions", "input"] == "3 interactions in 7 days"
    assert figures.loc["rating", "input"] == "mean rating 4.0 of 5 (90 days)"
    assert figures.loc["recency", "input"] == "never active"
    assert figures.loc["completion", "input"] == "no tasks due yet"
    assert figures.loc["logins", "full"].round(2) == 33.57
