"""Pure figure builders: DataFrame in, ``plotly.graph_objects.Figure`` out.

No Dash and no database here: each builder takes the frame a callback got from
the repositories and ``scoring``, with keyword-only options, and returns a
figure; the tests assert on ``fig.data`` and ``fig.layout``. Every builder

- is laid out for a 1280x720 screen and stays readable on a half-screen card
  (``theme.CARD_WIDTH``): a title in plain words at the card's left edge, a
  subtitle of one or two lines with the figure's key numbers, axis titles
  with units and exact values in the hover text; no label is cut off, shrunk
  or drawn over another;
- colours anything that is a risk level with ``dashboard.theme.RISK_COLOURS``
  (and nothing else with them), in the order low to critical in lists and
  critical at the bottom of score axes and stacks;
- returns the empty state (the title and "No data for this selection" in
  the middle, no axes) when there is nothing to draw;
- takes ``presentation=True`` for the larger type of the weekly review.

Decisions where DESIGN.md is silent: scores on a histogram are binned in
10-point bins aligned with the risk thresholds, so no bar straddles two
levels; a component or sub-score without data is written "no data" and never
drawn as 0; the change waterfall lists components largest change first and,
when integer scores are shown against contributions worked out on one-decimal
scores, adds a "Rounding" step so that the bars always add up to the change;
top risk factors are ranked and drawn by total points lost (clients affected
x mean points lost). A horizontal bar's label goes inside the end of the bar
when it fits there on a half-screen card and past the end otherwise; date
axes tick no closer than a day; the distribution's target label sits beside
its line, over the lower bars.
"""

from __future__ import annotations

from ._base import NO_DATA_MESSAGE, empty_figure
from .analytics import (
    interventions_created_vs_completed,
    risk_distribution_over_time,
    score_trend,
    success_rate_by_type,
    team_performance,
    top_risk_factors,
)
from .client import change_waterfall, component_bars, score_history, subscore_bars, waterfall_steps
from .kpi import KpiDelta, kpi_delta
from .overview import risk_breakdown, score_bins, score_distribution

__all__ = [
    "NO_DATA_MESSAGE",
    "KpiDelta",
    "change_waterfall",
    "component_bars",
    "empty_figure",
    "interventions_created_vs_completed",
    "kpi_delta",
    "risk_breakdown",
    "risk_distribution_over_time",
    "score_bins",
    "score_distribution",
    "score_history",
    "score_trend",
    "subscore_bars",
    "success_rate_by_type",
    "team_performance",
    "top_risk_factors",
    "waterfall_steps",
]
