"""The data quality page's chart: how today's scores spread over coverage bands."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from dashboard import theme
from dashboard.figures._base import empty_figure, percent, plural, titled

COVERAGE_TITLE = "Data coverage of today's scores"


def coverage_distribution(
    bands: Sequence[tuple[str, int]],
    *,
    median: float | None,
    presentation: bool = False,
    title: str = COVERAGE_TITLE,
) -> go.Figure:
    """Clients per coverage band (``[("0–9%", 0), ..., ("90–100%", 157)]``) as columns, counts on top.

    Coverage is the share of the score's full weight that had data; the
    subtitle gives the median and how many scores there are. No scores: the
    empty state.
    """
    counts = [count for _, count in bands]
    total = sum(counts)
    if not total:
        return empty_figure(title, presentation=presentation, message="No scores today")
    labels = [label for label, _ in bands]
    fig = go.Figure()
    fig.add_bar(
        x=labels,
        y=counts,
        marker={"color": theme.PRIMARY},
        text=[f"{count:,}" if count else "" for count in counts],
        textposition="outside",
        cliponaxis=False,
        hovertemplate="Coverage %{x}: %{y:,} clients<extra></extra>",
        showlegend=False,
        name="Clients",
    )
    fig.update_layout(
        bargap=0.2,
        xaxis={
            "title": {"text": "Coverage (share of the score's weight with data)"},
            "fixedrange": True,
        },
        yaxis={"title": {"text": "Clients"}, "range": [0, max(counts) * 1.15], "fixedrange": True},
    )
    subtitle = f"{plural(total, 'client')} scored · median coverage {percent(median or 0)}"
    return titled(fig, title=title, subtitle=subtitle, presentation=presentation)
