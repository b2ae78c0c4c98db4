"""Why a score is what it is, and why it changed (DESIGN 5).

- Points lost: a component's effective weight x (100 - its score); over the
  components with a score they add up to 100 - overall. The component that
  loses the most is the client's primary risk factor (none when no component
  loses anything, or the client has no score; ties go to the component listed
  first in the model).
- A change between two days is split component by component with the
  midpoint decomposition of ``W1*s1 - W0*s0``:
  ``score_effect = (W0 + W1) / 2 * (s1 - s0)`` (the component's own change) and
  ``coverage_effect = (s0 + s1) / 2 * (W1 - W0)`` (its weight moving because
  components gained or lost data). A score missing on one day is taken as
  equal to the other day's, so only the weight term remains. Summed over the
  components they give ``overall1 - overall0`` up to floating-point rounding.
- The stored overall scores have one decimal, so the contributions are also
  apportioned in whole tenths by largest remainder: each contribution is
  rounded down to a tenth and the tenths still missing to reach the change
  in the stored scores go to the largest remainders (taken back from the
  smallest when the change is below the rounded-down sum). Only components
  whose contribution is not zero take part, unless none has one. The
  displayed contributions then add up exactly to the displayed change.
- A client without any score on a day counts as overall 0 on that day.
- Top risk factors: over clients whose stored overall score fell between two
  days, the components whose contribution was negative, with how many clients
  each touched and the points it took from them (the contribution, negated).
  ``risk_factor_losses`` gives them per client, ``top_risk_factors_from_sums``
  finishes sums of them (the views add up sums kept per client creation day).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .columns import CLIENT_ID, OVERALL, PRIMARY_FACTOR
from .health import round_half_up
from .model import COMPONENT_BY_NAME, COMPONENT_COLUMNS, COMPONENTS
from .weights import component_score_array, effective_weights

COMPONENT = "component"
COMPONENT_NAMES: tuple[str, ...] = tuple(c.name for c in COMPONENTS)

SCORE_BEFORE = "score_before"
SCORE_AFTER = "score_after"
WEIGHT_BEFORE = "weight_before"
WEIGHT_AFTER = "weight_after"
SCORE_EFFECT = "score_effect"
COVERAGE_EFFECT = "coverage_effect"
CONTRIBUTION = "contribution"
CONTRIBUTION_TENTHS = "contribution_tenths"
CONTRIBUTION_SHOWN = "contribution_shown"

FACTOR = "factor"
LABEL = "label"
CLIENTS_AFFECTED = "clients_affected"
MEAN_POINTS_LOST = "mean_points_lost"
TOTAL_POINTS_LOST = "total_points_lost"
POINTS_LOST = "points_lost"


def points_lost(frame: pd.DataFrame) -> pd.DataFrame:
    """Points each component costs the overall score: effective weight x (100 - score), 0 without a score.

    Columns are the component score columns of ``frame``; the index is kept.
    """
    weights = effective_weights(frame)
    gaps = 100.0 - np.nan_to_num(component_score_array(frame), nan=100.0)
    return weights * gaps


def primary_risk_factor(frame: pd.DataFrame) -> pd.Series:
    """Name of the component with the largest points lost on each row (None when nothing is lost)."""
    lost = points_lost(frame).to_numpy()
    names = np.asarray(COMPONENT_NAMES, dtype=object)
    if lost.shape[0] == 0:
        return pd.Series([], index=frame.index, dtype=object, name=PRIMARY_FACTOR)
    factor = np.where(lost.max(axis=1) > 0, names[lost.argmax(axis=1)], None)
    return pd.Series(factor, index=frame.index, dtype=object, name=PRIMARY_FACTOR)


def apportion_tenths(values: np.ndarray, totals: np.ndarray) -> np.ndarray:
    """Whole numbers close to ``values`` (rows x items) whose rows add up to ``totals``.

    Largest remainder: every value is rounded down, then the units still needed
    by a row go one each to its largest remainders (ties to the larger
    magnitude, then to the first item), or are taken from its smallest ones
    when the row needs fewer. Items whose value is 0 are left alone unless the
    whole row is 0.
    """
    floors = np.floor(values)
    remainders = values - floors
    needed = np.asarray(totals, dtype=np.int64) - np.rint(floors.sum(axis=1)).astype(np.int64)
    eligible = values != 0
    eligible[~eligible.any(axis=1)] = True
    count = eligible.sum(axis=1)
    order = np.lexsort((-np.abs(values), -remainders, ~eligible), axis=1)
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.broadcast_to(np.arange(values.shape[1]), order.shape), axis=1)
    each, extra = np.divmod(needed, count)
    adjust = np.where(eligible, each[:, None] + (ranks < extra[:, None]), 0)
    return floors.astype(np.int64) + adjust


def day_terms(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """What a day's score rows bring to a comparison: component scores (NaN where missing),
    effective weights (rows x components) and the stored overall score (None without the column).

    A row's effective weights depend only on which of its components have a
    score, so they are worked out once per pattern of missing components.
    """
    overall = (
        frame[OVERALL].to_numpy(dtype=float, na_value=np.nan) if OVERALL in frame.columns else None
    )
    scores = component_score_array(frame)
    bits = 1 << np.arange(scores.shape[1], dtype=np.int64)
    codes, inverse = np.unique((~np.isnan(scores)) @ bits, return_inverse=True)
    patterns = (codes[:, None] & bits) > 0
    shapes = pd.DataFrame(np.where(patterns, 1.0, np.nan), columns=list(COMPONENT_COLUMNS))
    weights = effective_weights(shapes).to_numpy()[inverse.reshape(-1)]
    return scores, weights, overall


def _tenths(overall: np.ndarray | None, computed: np.ndarray) -> np.ndarray:
    """The stored overall score in tenths: ``overall`` when given, else ``computed`` rounded as stored."""
    stored = round_half_up(computed, 1) if overall is None else overall
    tenths = np.rint(stored * 10)
    return np.nan_to_num(tenths, nan=0.0).astype(np.int64)


def pair_terms(before: tuple, after: tuple) -> tuple:
    """The comparison of two days' ``day_terms`` for the same clients (rows aligned): the stored
    scores of both days, the effective weights of both days, the score and coverage effects,
    the contributions (clients x components), and per client the change of the stored overall
    score in tenths."""
    stored0, w0, overall0 = before
    stored1, w1, overall1 = after
    s0 = np.where(np.isnan(stored0), stored1, stored0)
    s1 = np.where(np.isnan(stored1), s0, stored1)
    s0, s1 = np.nan_to_num(s0), np.nan_to_num(s1)
    score_effect = (w0 + w1) / 2 * (s1 - s0)
    coverage_effect = (s0 + s1) / 2 * (w1 - w0)
    contribution = score_effect + coverage_effect

    change = _tenths(overall1, (w1 * s1).sum(axis=1)) - _tenths(overall0, (w0 * s0).sum(axis=1))
    return stored0, stored1, w0, w1, score_effect, coverage_effect, contribution, change


def factor_losses(before: tuple, after: tuple) -> np.ndarray:
    """Points each component took from each client whose stored overall score fell, from two
    days' ``day_terms`` (rows aligned): clients x components, 0 where it took none."""
    # A client's apportioned tenths add up to the change of its stored overall score
    # (``apportion_tenths``), so its score fell exactly when that change is negative.
    parts = pair_terms(before, after)
    contribution, change = parts[6], parts[7]
    lost = (change < 0)[:, None] & (contribution < 0)
    return np.where(lost, -contribution, 0.0)


def _contribution_arrays(before: pd.DataFrame, after: pd.DataFrame) -> tuple[pd.Index, tuple]:
    """The clients in both frames and their ``pair_terms``."""
    clients = before.index.intersection(after.index, sort=False)
    before, after = before.loc[clients], after.loc[clients]
    return clients, pair_terms(day_terms(before), day_terms(after))


def contributions(
    before: pd.DataFrame | pd.Series, after: pd.DataFrame | pd.Series
) -> pd.DataFrame:
    """Component-by-component contributions to the change of the overall score from ``before`` to ``after``.

    ``before`` and ``after`` are frames of component scores indexed by client
    (with ``overall`` when available: the stored 1-decimal score), or two
    single rows as Series. Clients in only one of them are left out. Returns
    one row per client and component (index ``client_id``, ``component``; just
    ``component`` for Series input) with the scores and effective weights of
    both days, ``score_effect``, ``coverage_effect``, ``contribution`` (their
    sum), ``contribution_tenths`` (int) and ``contribution_shown`` (tenths / 10).
    A client's contributions add up to the change of its computed overall
    score, and its tenths to the change of its stored overall score.
    """
    single = isinstance(before, pd.Series)
    if single:
        before, after = before.to_frame().T, after.to_frame().T
    clients, parts = _contribution_arrays(before, after)
    stored0, stored1, w0, w1, score_effect, coverage_effect, contribution, change = parts
    tenths = apportion_tenths(contribution * 10, change)

    index = pd.MultiIndex.from_product(
        [clients, list(COMPONENT_NAMES)], names=[clients.name or CLIENT_ID, COMPONENT]
    )
    result = pd.DataFrame(
        {
            SCORE_BEFORE: stored0.ravel(),
            SCORE_AFTER: stored1.ravel(),
            WEIGHT_BEFORE: w0.ravel(),
            WEIGHT_AFTER: w1.ravel(),
            SCORE_EFFECT: score_effect.ravel(),
            COVERAGE_EFFECT: coverage_effect.ravel(),
            CONTRIBUTION: contribution.ravel(),
            CONTRIBUTION_TENTHS: tenths.ravel(),
            CONTRIBUTION_SHOWN: tenths.ravel() / 10,
        },
        index=index,
    )
    return result.droplevel(0) if single else result


def risk_factor_losses(start_scores: pd.DataFrame, end_scores: pd.DataFrame) -> pd.DataFrame:
    """Per client whose stored overall score fell, the points each component took from it.

    One row per such client and component with a negative contribution:
    ``client_id`` (the index of the frames, as for ``contributions``),
    ``factor`` (component name) and ``points_lost`` (the negated contribution),
    by client, then model order.
    """
    clients = start_scores.index.intersection(end_scores.index, sort=False)
    points = factor_losses(day_terms(start_scores.loc[clients]), day_terms(end_scores.loc[clients]))
    lost = points > 0
    names = np.broadcast_to(np.asarray(COMPONENT_NAMES, dtype=object), points.shape)
    rows = np.broadcast_to(np.arange(len(clients))[:, None], points.shape)
    return pd.DataFrame(
        {
            CLIENT_ID: clients.to_numpy()[rows[lost]],
            FACTOR: names[lost],
            POINTS_LOST: points[lost],
        }
    )


def top_risk_factors(start_scores: pd.DataFrame, end_scores: pd.DataFrame) -> pd.DataFrame:
    """The components behind falling scores between two days, most damaging first.

    ``start_scores`` and ``end_scores`` are score frames indexed by client (as
    for ``contributions``). Over the clients whose stored overall score fell,
    returns one row per component with a negative contribution for at least
    one of them: ``factor`` (component name), ``label``, ``clients_affected``,
    ``mean_points_lost`` and ``total_points_lost`` (the negated contributions),
    sorted by total points lost, then clients affected, then model order.
    """
    losses = risk_factor_losses(start_scores, end_scores)
    grouped = losses.groupby(FACTOR)[POINTS_LOST].agg(["count", "sum"])
    return top_risk_factors_from_sums(
        pd.DataFrame(
            {
                FACTOR: grouped.index.to_numpy(dtype=object),
                CLIENTS_AFFECTED: grouped["count"].to_numpy(),
                TOTAL_POINTS_LOST: grouped["sum"].to_numpy(),
            }
        )
    )


def top_risk_factors_from_sums(sums: pd.DataFrame) -> pd.DataFrame:
    """``top_risk_factors`` from per-component sums: ``factor``, ``clients_affected`` and
    ``total_points_lost`` (several rows of a factor are added up; factors nobody lost to are
    left out)."""
    grouped = sums.groupby(FACTOR, sort=True)[[CLIENTS_AFFECTED, TOTAL_POINTS_LOST]].sum()
    grouped = grouped[grouped[CLIENTS_AFFECTED] > 0]
    count = grouped[CLIENTS_AFFECTED].to_numpy(dtype=np.int64)
    total = grouped[TOTAL_POINTS_LOST].to_numpy(dtype=float)
    result = pd.DataFrame(
        {
            FACTOR: grouped.index.to_numpy(dtype=object),
            LABEL: [COMPONENT_BY_NAME[name].label for name in grouped.index],
            CLIENTS_AFFECTED: count,
            MEAN_POINTS_LOST: total / count,
            TOTAL_POINTS_LOST: total,
        }
    )
    result["_order"] = result[FACTOR].map({name: i for i, name in enumerate(COMPONENT_NAMES)})
    result = result.sort_values(
        [TOTAL_POINTS_LOST, CLIENTS_AFFECTED, "_order"],
        ascending=[False, False, True],
        kind="stable",
    )
    return result.drop(columns="_order").reset_index(drop=True)
