"""Effective weights of the twelve components in the overall health score (DESIGN 5).

A component's effective weight on a row is its sub-score's weight times its
weight inside the sub-score, both rescaled over what has data on that row:
inside a sub-score the component weights are divided by the sum of the
weights of the components with a score (non-NaN); across sub-scores the
sub-score weights are divided by the sum of the weights of the sub-scores
with at least one such component. A component without a score weighs 0, and
a row without any component score weighs 0 everywhere. On every other row the
weights sum to 1, and ``overall = sum(effective weight x component score)``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .model import COMPONENT_COLUMNS, COMPONENTS, SUBSCORE_WEIGHTS, SUBSCORES

_COMPONENT_WEIGHTS = np.array([c.weight for c in COMPONENTS])
_SUBSCORE_WEIGHTS = np.array([SUBSCORE_WEIGHTS[s] for s in SUBSCORES])
# _MEMBERSHIP[i, j] is 1 when component i belongs to sub-score j.
_MEMBERSHIP = np.array([[float(c.subscore == s) for s in SUBSCORES] for c in COMPONENTS])


def component_score_array(frame: pd.DataFrame) -> np.ndarray:
    """The component scores of ``frame`` as a float array (rows x components), NaN where missing.

    A component column absent from ``frame`` counts as missing on every row.
    """
    return frame.reindex(columns=list(COMPONENT_COLUMNS)).to_numpy(dtype=float, na_value=np.nan)


def effective_weights(frame: pd.DataFrame) -> pd.DataFrame:
    """Effective weight of every component on every row of ``frame``.

    ``frame`` holds the component score columns (``c_logins`` ... ``c_resolution``,
    0-100, NaN = no data). Returns a frame with the same index and one column per
    component, named like the score columns so that ``weights * frame`` aligns;
    0 where the component has no score.
    """
    present = ~np.isnan(component_score_array(frame))
    weights = present * _COMPONENT_WEIGHTS
    within_total = weights @ _MEMBERSHIP  # rows x sub-scores: weight of present components
    subscore_weights = (within_total > 0) * _SUBSCORE_WEIGHTS
    across_total = subscore_weights.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        subscore_share = np.where(across_total > 0, subscore_weights / across_total, 0.0)
        component_share = np.where(weights > 0, weights / (within_total @ _MEMBERSHIP.T), 0.0)
    effective = component_share * (subscore_share @ _MEMBERSHIP.T)
    return pd.DataFrame(effective, index=frame.index, columns=list(COMPONENT_COLUMNS))
