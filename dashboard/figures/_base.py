"""Pieces every figure builder shares: the empty state, titles, risk bands and formatting."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Literal

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard import theme
from scoring.enums import RiskLevel
from scoring.health import risk_level_of, round_half_up

NO_DATA_MESSAGE = "No data for this selection"
NO_DATA_LABEL = "no data"

# Risk levels from the top of the score scale down: the order of legends and lists.
LEVELS_LOW_FIRST: tuple[RiskLevel, ...] = tuple(RiskLevel)
# From the bottom of the score scale up: the order of score axes and stacks.
LEVELS_CRITICAL_FIRST: tuple[RiskLevel, ...] = tuple(reversed(RiskLevel))

SCORE_MAX = 100


def band_edges(level: RiskLevel) -> tuple[int, int]:
    """Left and right edges of a risk band on a continuous 0-100 axis (critical: 0 to 40)."""
    low, high = level.band
    return low, min(high + 1, SCORE_MAX)


def band_text(level: RiskLevel) -> str:
    """``"Critical (0–39)"``: the level's label with its score range."""
    low, high = level.band
    return f"{level.label} ({low}–{high})"


def levels_of(scores: Iterable[float]) -> list[RiskLevel | None]:
    """Risk level of each integer score (None where there is no score)."""
    return [
        None if value is None else RiskLevel(value)
        for value in risk_level_of(np.asarray(scores, dtype=float))
    ]


def integer_scores(values: pd.Series) -> pd.Series:
    """Scores as shown: rounded half up to integers, clipped to 0-100; NaN stays NaN."""
    numbers = pd.to_numeric(values, errors="coerce").astype(float)
    return pd.Series(round_half_up(numbers.to_numpy()), index=values.index).clip(0, SCORE_MAX)


def as_days(values: pd.Series | pd.Index) -> pd.Series:
    """Dates or timestamps (any zone) as naive midnight timestamps, for a date axis."""
    stamps = pd.to_datetime(pd.Series(values), utc=True)
    return stamps.dt.tz_localize(None).dt.normalize().astype("datetime64[ns]")


def is_missing(value: object) -> bool:
    """True for None, NaN and pandas' missing markers."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def signed(value: float, digits: int = 1) -> str:
    """``+3.2`` / ``−1.5`` / ``0.0`` with a true minus sign."""
    text = f"{abs(value):.{digits}f}"
    if float(text) == 0:
        return text
    return f"+{text}" if value > 0 else f"−{text}"


def percent(share: float, digits: int = 0) -> str:
    """A 0-1 share as ``"72%"``."""
    return f"{share * 100:.{digits}f}%"


def plural(count: int | float, singular: str, many: str | None = None) -> str:
    """``"1 client"`` / ``"3 clients"``."""
    number = int(count)
    word = singular if number == 1 else (many or f"{singular}s")
    return f"{number:,} {word}"


def duration_text(hours: float | None) -> str:
    """Hours as ``"26 h"`` up to two days, else ``"3.5 days"``; ``"–"`` when missing."""
    if is_missing(hours):
        return "–"
    if hours < 48:
        return f"{hours:.0f} h"
    return f"{hours / 24:.1f} days"


def titled(
    fig: go.Figure,
    *,
    title: str,
    subtitle: str | None = None,
    presentation: bool = False,
) -> go.Figure:
    """Apply the dashboard template, the title and an optional one-line subtitle."""
    fig.update_layout(
        template=theme.template(presentation),
        title={"text": title, "subtitle": {"text": subtitle or ""}},
    )
    if not subtitle:
        # Without a subtitle the plot can move up.
        fig.update_layout(margin={"t": 84 if presentation else 70})
    return fig


def empty_figure(
    title: str, *, presentation: bool = False, message: str = NO_DATA_MESSAGE
) -> go.Figure:
    """A figure with the title, no axes and ``message`` centred: the empty state of every chart."""
    fig = go.Figure()
    titled(fig, title=title, presentation=presentation)
    sizes = theme.type_scale(presentation)
    fig.update_layout(
        xaxis={"visible": False},
        yaxis={"visible": False},
        showlegend=False,
        annotations=[
            {
                "text": message,
                "x": 0.5,
                "y": 0.5,
                "xref": "paper",
                "yref": "paper",
                "xanchor": "center",
                "yanchor": "middle",
                "showarrow": False,
                "font": {"size": sizes.title, "color": theme.TEXT_MUTED},
            }
        ],
    )
    return fig


def add_risk_bands(
    fig: go.Figure,
    *,
    axis: Literal["x", "y"],
    presentation: bool = False,
    labels: Literal["inside", "outside", "none"] = "inside",
    visible_range: tuple[float, float] | None = None,
    opacity: float = theme.BAND_OPACITY,
) -> None:
    """Shade the four risk bands behind the data along the score axis, each in its risk colour.

    ``axis="y"`` puts the bands across a chart whose y axis is the score (a line
    over time); ``axis="x"`` down a chart whose x axis is the score. Labels sit
    at the right edge of each band (``y``) or above it (``x``); bands outside
    ``visible_range`` are neither shaded nor labelled.
    """
    sizes = theme.type_scale(presentation)
    lowest, highest = visible_range or (0, SCORE_MAX)
    for level in LEVELS_CRITICAL_FIRST:
        start, end = band_edges(level)
        start, end = max(start, lowest), min(end, highest)
        if start >= end:
            continue
        shade = {
            "fillcolor": theme.risk_colour(level),
            "opacity": opacity,
            "line_width": 0,
            "layer": "below",
        }
        font = {"size": sizes.annotation, "color": theme.RISK_TEXT_COLOURS[level]}
        text = f"<b>{level.label} risk</b>"
        if axis == "y":
            fig.add_hrect(y0=start, y1=end, **shade)
            if start > lowest:
                # The threshold itself, so neighbouring pale bands stay apart on a projector.
                fig.add_hline(
                    y=start,
                    line={"color": theme.risk_colour(level), "width": 1, "dash": "dot"},
                    opacity=0.6,
                    layer="below",
                )
            if labels != "none":
                fig.add_annotation(
                    text=text.replace(" risk", "<br>risk") if labels == "outside" else text,
                    x=1.0,
                    xref="paper",
                    xanchor="right" if labels == "inside" else "left",
                    xshift=-4 if labels == "inside" else 6,
                    align="left",
                    y=(start + end) / 2,
                    yref="y",
                    yanchor="middle",
                    showarrow=False,
                    font=font,
                )
        else:
            fig.add_vrect(x0=start, x1=end, **shade)
            if labels != "none":
                fig.add_annotation(
                    text=f"{text}<br>{level.band[0]}–{level.band[1]}",
                    yshift=-4 if labels == "inside" else 0,
                    x=(start + end) / 2,
                    xref="x",
                    xanchor="center",
                    y=1.0 if labels == "inside" else 1.01,
                    yref="paper",
                    yanchor="top" if labels == "inside" else "bottom",
                    showarrow=False,
                    font=font,
                )


def no_data_markers(
    labels: list[str], *, presentation: bool = False, axis_value: float = 1.0
) -> go.Scatter:
    """Italic "no data" text at the start of each listed row of a horizontal bar chart."""
    sizes = theme.type_scale(presentation)
    return go.Scatter(
        x=[axis_value] * len(labels),
        y=labels,
        mode="text",
        text=[f"<i>{NO_DATA_LABEL}</i>"] * len(labels),
        textposition="middle right",
        textfont={"size": sizes.base, "color": theme.NO_DATA},
        name="No data",
        showlegend=False,
        hovertemplate="%{y}: no data in its window<extra></extra>",
    )


def category_axis(presentation: bool = False, **extra: object) -> dict:
    """An axis of named categories (types, members, levels): labels in full-size, dark type."""
    sizes = theme.type_scale(presentation)
    return {
        "showgrid": False,
        "ticks": "",
        "tickfont": {"size": sizes.base, "color": theme.TEXT},
        **extra,
    }


# Room on the right for band labels drawn outside the plot (``labels="outside"``).
OUTSIDE_LABEL_MARGIN = {False: 78, True: 100}

DATE_TICKS = "%-d %b"


def day_text(day: pd.Timestamp, *, year: bool = False) -> str:
    """``"2 Mar"`` (or ``"2 Mar 2026"``): a day as people write it, without a leading zero."""
    return f"{day.day} {day:%b}" + (f" {day:%Y}" if year else "")


def score_axis(title: str = "Health score (points, 0–100)", *, tick_step: int = 20) -> dict:
    """A 0-100 score axis with ticks every ``tick_step`` points."""
    return {
        "title": {"text": title},
        "range": [0, SCORE_MAX],
        "tickmode": "linear",
        "tick0": 0,
        "dtick": tick_step,
        "fixedrange": True,
    }


def finite(value: object) -> bool:
    """True for a real, finite number."""
    try:
        return math.isfinite(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
