"""Effective weights of the components, rescaled over what has data (DESIGN 5)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.model import COMPONENT_COLUMNS, COMPONENTS
from scoring.weights import effective_weights


def row(**scores: float) -> pd.DataFrame:
    """One row with every component at 50 unless given; ``None`` = no data."""
    values = {c: 50.0 for c in COMPONENT_COLUMNS}
    values.update({f"c_{name}": (np.nan if v is None else v) for name, v in scores.items()})
    return pd.DataFrame([values], index=pd.Index(["a"], name="client_id"))


def test_full_data_gives_the_model_weights():
    w = effective_weights(row()).loc["a"]
    assert w["c_logins"] == pytest.approx(0.12)  # 0.40 x 0.30
    assert w["c_completion"] == pytest.approx(0.1225)  # 0.35 x 0.35
    assert w["c_rating"] == pytest.approx(0.10)  # 0.25 x 0.40
    for c in COMPONENTS:
        assert w[c.column] == pytest.approx(c.effective_weight)
    assert w.sum() == pytest.approx(1.0)


def test_a_missing_component_is_rescaled_inside_its_subscore():
    w = effective_weights(row(responsiveness=None)).loc["a"]
    # engagement keeps 0.30 + 0.25 + 0.25 = 0.80 of its weight
    assert w["c_responsiveness"] == 0.0
    assert w["c_logins"] == pytest.approx(0.40 * 0.30 / 0.80)  # 0.15
    assert w["c_recency"] == pytest.approx(0.40 * 0.25 / 0.80)  # 0.125
    assert w["c_completion"] == pytest.approx(0.1225)  # other sub-scores untouched
    assert w.sum() == pytest.approx(1.0)


def test_a_missing_subscore_is_rescaled_across_subscores():
    w = effective_weights(row(rating=None, sentiment=None, resolution=None, tickets=None)).loc["a"]
    # engagement and progress keep 0.40 + 0.35 = 0.75
    assert w["c_logins"] == pytest.approx(0.30 * 0.40 / 0.75)  # 0.16
    assert w["c_completion"] == pytest.approx(0.35 * 0.35 / 0.75)  # 0.16333
    assert w[["c_rating", "c_sentiment", "c_tickets", "c_resolution"]].sum() == 0.0
    assert w.sum() == pytest.approx(1.0)


def test_both_rescalings_at_once():
    frame = row(responsiveness=None, rating=None, sentiment=None, resolution=None, tickets=None)
    w = effective_weights(frame).loc["a"]
    assert w["c_logins"] == pytest.approx(0.30 / 0.80 * 0.40 / 0.75)  # 0.2
    # overall of all 50s except logins 100: 50 + 0.2 x 50 = 60
    frame["c_logins"] = 100.0
    overall = (effective_weights(frame) * frame[list(COMPONENT_COLUMNS)]).sum(axis=1)
    assert overall.loc["a"] == pytest.approx(60.0)


def test_a_lone_component_weighs_one():
    frame = pd.DataFrame({"c_tickets": [75.0]})  # the other columns are absent: no data
    w = effective_weights(frame).iloc[0]
    assert w["c_tickets"] == pytest.approx(1.0)
    assert w.drop("c_tickets").sum() == 0.0


def test_no_data_weighs_nothing_and_the_index_is_kept():
    frame = pd.DataFrame(
        {c: [np.nan, 10.0] for c in COMPONENT_COLUMNS}, index=pd.Index(["none", "full"], name="client_id")
    )
    w = effective_weights(frame)
    assert list(w.columns) == list(COMPONENT_COLUMNS)
    assert list(w.index) == ["none", "full"]
    assert (w.loc["none"] == 0.0).all()
    assert w.loc["full"].sum() == pytest.approx(1.0)


def test_nullable_missing_values_count_as_no_data():
    frame = row().astype("Float64")
    frame.loc["a", "c_velocity"] = pd.NA
    w = effective_weights(frame).loc["a"]
    assert w["c_velocity"] == 0.0
    assert w["c_completion"] == pytest.approx(0.35 * 0.35 / 0.85)  # progress keeps 0.85


def test_an_empty_frame_gives_an_empty_frame():
    w = effective_weights(pd.DataFrame(columns=list(COMPONENT_COLUMNS), dtype=float))
    assert w.empty and list(w.columns) == list(COMPONENT_COLUMNS)


@given(st.lists(st.lists(st.booleans(), min_size=12, max_size=12), min_size=1, max_size=20))
def test_weights_are_non_negative_zero_where_missing_and_sum_to_one(masks):
    present = np.array(masks)
    frame = pd.DataFrame(np.where(present, 40.0, np.nan), columns=list(COMPONENT_COLUMNS))
    w = effective_weights(frame).to_numpy()
    assert (w >= 0).all()
    assert (w[~present] == 0).all()
    assert (w[present] > 0).all()
    sums = w.sum(axis=1)
    assert np.allclose(sums[present.any(axis=1)], 1.0, atol=1e-12)
    assert (sums[~present.any(axis=1)] == 0).all()
