"""Points lost, primary risk factor, contributions of a change and top risk factors (DESIGN 5).

Full-data effective weights used below: logins 0.40 x 0.30 = 0.12, interactions
and recency 0.40 x 0.25 = 0.10, completion 0.35 x 0.35 = 0.1225, rating
0.25 x 0.40 = 0.10, sentiment 0.25 x 0.25 = 0.0625, tickets 0.25 x 0.15 =
0.0375, resolution 0.25 x 0.20 = 0.05.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from scoring.explain import (
    apportion_tenths,
    contributions,
    points_lost,
    primary_risk_factor,
    top_risk_factors,
)
from scoring.health import round_half_up
from scoring.model import COMPONENT_COLUMNS
from scoring.weights import effective_weights


def scores(base: float = 80.0, **overrides: float | None) -> dict[str, float]:
    values = {c: base for c in COMPONENT_COLUMNS}
    values.update({f"c_{k}": (np.nan if v is None else v) for k, v in overrides.items()})
    return values


def frame(**rows: dict[str, float]) -> pd.DataFrame:
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("client_id")


def raw_overall(f: pd.DataFrame) -> pd.Series:
    return (effective_weights(f) * f[list(COMPONENT_COLUMNS)].fillna(0)).sum(axis=1)


# -- points lost and primary factor -------------------------------------------------------


def test_points_lost_is_weight_times_the_gap_to_100():
    f = frame(a=scores(100, completion=0))
    lost = points_lost(f).loc["a"]
    assert lost["c_completion"] == pytest.approx(12.25)  # 0.1225 x (100 - 0)
    assert lost.drop("c_completion").abs().sum() == 0
    assert lost.sum() == pytest.approx(100 - raw_overall(f).loc["a"])  # overall 87.75
    assert primary_risk_factor(f).loc["a"] == "completion"


def test_points_lost_uses_the_rescaled_weights_and_ignores_missing_components():
    f = frame(a=scores(80, rating=None))
    lost = points_lost(f).loc["a"]
    # satisfaction keeps 0.60: sentiment 0.25 x 0.25 / 0.60 = 0.104167, x (100 - 80) = 2.0833
    assert lost["c_sentiment"] == pytest.approx(0.25 * 0.25 / 0.60 * 20)
    assert lost["c_rating"] == 0
    assert lost.sum() == pytest.approx(20.0)  # 100 - 80


def test_primary_factor_ties_go_to_the_component_listed_first():
    # interactions and recency both weigh 0.10 and lose 0.10 x 60 = 6.0
    f = frame(a=scores(100, interactions=40, recency=40))
    assert primary_risk_factor(f).loc["a"] == "interactions"


def test_primary_factor_is_none_without_a_score_or_a_loss():
    f = frame(empty=scores(None), perfect=scores(100), low=scores(100, tickets=0))
    factor = primary_risk_factor(f)
    assert factor.loc["empty"] is None
    assert factor.loc["perfect"] is None
    assert factor.loc["low"] == "tickets"
    assert factor.name == "primary_factor"
    assert primary_risk_factor(f.iloc[:0]).empty


# -- contributions -------------------------------------------------------------------------


def test_a_single_component_change_and_its_tenths():
    before = frame(a=scores(80, completion=50))
    after = frame(a=scores(80, completion=70))
    parts = contributions(before, after).loc["a"]
    # 0.1225 x (70 - 50) = 2.45, weights unchanged so no coverage effect
    assert parts.loc["completion", "score_effect"] == pytest.approx(2.45)
    assert parts.loc["completion", "coverage_effect"] == pytest.approx(0.0)
    assert parts["contribution"].sum() == pytest.approx(2.45)
    # stored overall: 80 - 0.1225 x 30 = 76.325 -> 76.3 and 80 - 0.1225 x 10 = 78.775 -> 78.8,
    # a change of 2.5: the tenths round 24.5 to 25 so the displayed parts add up to 2.5
    assert parts.loc["completion", "contribution_tenths"] == 25
    assert parts.loc["completion", "contribution_shown"] == 2.5
    assert parts.drop("completion")["contribution_tenths"].abs().sum() == 0


def test_stored_overall_columns_are_used_for_the_tenths_when_present():
    before = frame(a=scores(80, completion=50) | {"overall": 76.3})
    after = frame(a=scores(80, completion=70) | {"overall": 78.8})
    assert contributions(before, after).loc[("a", "completion"), "contribution_tenths"] == 25


def test_a_component_gaining_data_moves_the_others_weights():
    before = frame(a=scores(60, rating=None))
    after = frame(a=scores(60, rating=20))
    parts = contributions(before, after).loc["a"]
    # before: satisfaction keeps 0.60, sentiment 0.0625/0.6 = 0.104167, tickets 0.0375/0.6 = 0.0625,
    # resolution 0.05/0.6 = 0.083333; overall 60.
    # after: full weights; overall 60 - 0.10 x 40 = 56, a change of -4.
    # rating: missing before so taken as 20: score effect 0, coverage (20+20)/2 x (0.10 - 0) = +2.0
    assert parts.loc["rating", "score_effect"] == 0
    assert parts.loc["rating", "coverage_effect"] == pytest.approx(2.0)
    # sentiment 60 x (0.0625 - 0.104167) = -2.5; tickets 60 x (0.0375 - 0.0625) = -1.5;
    # resolution 60 x (0.05 - 0.083333) = -2.0
    assert parts.loc["sentiment", "contribution"] == pytest.approx(-2.5)
    assert parts.loc["tickets", "contribution"] == pytest.approx(-1.5)
    assert parts.loc["resolution", "contribution"] == pytest.approx(-2.0)
    assert parts["contribution"].sum() == pytest.approx(-4.0)  # 2.0 - 2.5 - 1.5 - 2.0
    assert parts.loc[["rating", "sentiment", "tickets", "resolution"], "contribution_tenths"].tolist() == [
        20, -25, -15, -20,
    ]
    assert parts["contribution_tenths"].sum() == -40


def test_a_component_losing_data_is_the_same_change_reversed():
    before = frame(a=scores(60, rating=20))
    after = frame(a=scores(60, rating=None))
    parts = contributions(before, after).loc["a"]
    assert parts.loc["rating", "contribution"] == pytest.approx(-2.0)
    assert parts.loc["sentiment", "contribution"] == pytest.approx(2.5)
    assert parts["contribution"].sum() == pytest.approx(4.0)


def test_two_rows_as_series_and_clients_in_one_frame_only():
    parts = contributions(pd.Series(scores(80, logins=50)), pd.Series(scores(80, logins=100)))
    assert parts.index.name == "component"
    assert parts.loc["logins", "contribution"] == pytest.approx(6.0)  # 0.12 x 50

    before = frame(a=scores(80), gone=scores(10))
    after = frame(a=scores(80), new=scores(90))
    assert set(contributions(before, after).index.get_level_values("client_id")) == {"a"}


def test_a_client_without_any_score_counts_as_zero():
    parts = contributions(frame(a=scores(None)), frame(a=scores(None, logins=50)))
    # after: logins alone weighs 1, overall 50; before: 0
    assert parts["contribution"].sum() == pytest.approx(50.0)
    assert parts["contribution_tenths"].sum() == 500


# -- largest remainder --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "total", "expected"),
    [
        ([3.4, 3.3, 3.3], 10, [4, 3, 3]),  # floors 3+3+3 = 9, one more to the largest remainder .4
        ([2.0, 3.0, 0.0], 4, [1, 3, 0]),  # floors sum 5, one back from the smaller; 0 left alone
        ([-0.25, -0.25, 0.6], 0, [0, 0, 0]),  # floors -1, -1, 0: two more to remainders .75, .75
        ([0.5, 0.5], 1, [1, 0]),  # a tie goes to the first
        ([0.0, 0.0], 1, [1, 0]),  # a row of zeros still reaches its total
        ([1.0, -1.0], 2, [2, 0]),  # floors 1, -1 (sum 0), two more: one each
        ([0.2, 0.3], -1, [-1, 0]),  # floors 0, 0, one back from the smaller remainder .2
    ],
)
def test_largest_remainder(values, total, expected):
    got = apportion_tenths(np.array([values]), np.array([total]))
    assert got[0].tolist() == expected


# -- top risk factors ---------------------------------------------------------------------


def test_top_risk_factors_over_clients_whose_score_fell():
    start = frame(a=scores(80), b=scores(80), c=scores(80), d=scores(80))
    end = frame(
        a=scores(80, completion=60),  # 0.1225 x -20 = -2.45: fell
        b=scores(80, logins=100, rating=70),  # +2.4 - 1.0 = +1.4: rose, left out
        c=scores(80, completion=40, rating=60, logins=90),  # -4.9 - 2.0 + 1.2 = -5.7: fell
        d=scores(80),  # unchanged
    )
    top = top_risk_factors(start, end)
    assert list(top.columns) == ["factor", "label", "clients_affected", "mean_points_lost", "total_points_lost"]
    assert top["factor"].tolist() == ["completion", "rating"]
    assert top["label"].tolist() == ["Task completion", "Feedback rating"]
    assert top["clients_affected"].tolist() == [2, 1]
    assert top["total_points_lost"].tolist() == pytest.approx([7.35, 2.0])  # 2.45 + 4.9; 2.0
    assert top["mean_points_lost"].tolist() == pytest.approx([3.675, 2.0])


def test_top_risk_factors_with_nothing_falling_is_empty():
    top = top_risk_factors(frame(a=scores(50)), frame(a=scores(60)))
    assert top.empty
    assert list(top.columns) == ["factor", "label", "clients_affected", "mean_points_lost", "total_points_lost"]


# -- properties ---------------------------------------------------------------------------

SCORE_OR_MISSING = st.one_of(st.just(np.nan), st.floats(0, 100), st.integers(0, 1000).map(lambda n: n / 10))
component_rows = hnp.arrays(float, st.tuples(st.integers(1, 8), st.just(12)), elements=SCORE_OR_MISSING)


def as_frame(values: np.ndarray, stored: bool) -> pd.DataFrame:
    f = pd.DataFrame(values, columns=list(COMPONENT_COLUMNS))
    if stored:  # the overall column the engine stores, one decimal rounded half up
        overall = raw_overall(f).to_numpy(copy=True)
        overall[np.isnan(values).all(axis=1)] = np.nan
        f["overall"] = round_half_up(overall, 1)
    return f


@settings(max_examples=300, deadline=None)
@given(data=st.data(), stored=st.booleans())
def test_contributions_always_add_up_to_the_change(data, stored):
    a = data.draw(component_rows)
    b = data.draw(hnp.arrays(float, a.shape, elements=SCORE_OR_MISSING))
    before, after = as_frame(a, stored), as_frame(b, stored)
    parts = contributions(before, after)
    by_client = parts.groupby(level="client_id")
    change = raw_overall(after) - raw_overall(before)
    assert np.allclose(by_client["contribution"].sum(), change, atol=1e-9)
    assert np.allclose(
        by_client["score_effect"].sum() + by_client["coverage_effect"].sum(), change, atol=1e-9
    )
    stored_change = (
        np.rint(np.nan_to_num(round_half_up(raw_overall(after), 1)) * 10)
        - np.rint(np.nan_to_num(round_half_up(raw_overall(before), 1)) * 10)
    )
    assert (by_client["contribution_tenths"].sum().to_numpy() == stored_change).all()
    assert (np.abs(parts["contribution_tenths"] - 10 * parts["contribution"]) < 2).all()


@settings(max_examples=200, deadline=None)
@given(values=component_rows)
def test_points_lost_are_non_negative_and_add_up_to_100_minus_overall(values):
    f = as_frame(values, stored=False)
    lost = points_lost(f)
    assert (lost.to_numpy() >= 0).all()
    has_data = ~np.isnan(values).all(axis=1)
    expected = 100 - raw_overall(f)
    assert np.allclose(lost.sum(axis=1)[has_data], expected[has_data], atol=1e-9)
    assert (lost.sum(axis=1)[~has_data] == 0).all()
