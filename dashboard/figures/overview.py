"""Overview tab: how scores are spread and how many clients sit in each risk level."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard import theme
from scoring.columns import RISK_LEVEL, SCORE_INT
from scoring.enums import AT_RISK_LEVELS, RiskLevel
from scoring.kpis import CLIENTS

from ._base import (
    LEVELS_CRITICAL_FIRST,
    LEVELS_LOW_FIRST,
    LINE_EM,
    SCORE_MAX,
    add_risk_bands,
    band_label_lane,
    band_text,
    bar_end_text,
    category_axis,
    count_ticks,
    empty_figure,
    integer_scores,
    levels_of,
    percent,
    plural,
    titled,
)

DISTRIBUTION_TITLE = "Health score distribution"
BREAKDOWN_TITLE = "Clients by risk level"
# The y axis reaches this many times the tallest bar: room above it for its
# count and, above that, the target's label.
COUNT_HEADROOM = 1.4


def _score_counts(scores: pd.DataFrame | pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(integer scores, clients with each): one per client, or the ``clients`` column of counts."""
    column = scores[SCORE_INT] if isinstance(scores, pd.DataFrame) else scores
    values = integer_scores(column)
    if isinstance(scores, pd.DataFrame) and CLIENTS in scores.columns:
        weights = scores[CLIENTS].to_numpy(dtype=np.int64)
    else:
        weights = np.ones(len(values), dtype=np.int64)
    known = values.notna().to_numpy()
    return values.to_numpy()[known].astype(np.int64), weights[known]


def score_bins(scores: pd.DataFrame | pd.Series, *, bin_width: int = 10) -> pd.DataFrame:
    """Clients per score bin: columns ``start``, ``end`` (inclusive), ``clients``, ``risk_level``.

    Bins are ``bin_width`` points wide from 0; the last one also holds 100
    (90-100). ``bin_width`` must divide 20 so that no bin straddles a risk
    threshold (40, 60, 80).
    """
    if bin_width <= 0 or 20 % bin_width:
        raise ValueError(f"bin_width must divide 20 (1, 2, 4, 5, 10 or 20), not {bin_width}")
    values, weights = _score_counts(scores)
    starts = np.arange(0, SCORE_MAX, bin_width)
    index = np.minimum(values // bin_width, len(starts) - 1)
    counts = np.bincount(index, weights=weights, minlength=len(starts)).astype(np.int64)
    ends = starts + bin_width - 1
    ends[-1] = SCORE_MAX
    return pd.DataFrame(
        {
            "start": starts,
            "end": ends,
            "clients": counts,
            "risk_level": [level.value for level in levels_of(starts)],
        }
    )


# Points of the score axis a target's label covers beside its line (about a
# bin and a half on a half-width card).
TARGET_LABEL_SPAN = 15


def target_label_side(bins: pd.DataFrame, target: float) -> Literal["left", "right"]:
    """The side of the target line whose bars under its label are lower (``score_bins`` rows).

    Near either end of the axis, the side with room for the label.
    """
    if target < TARGET_LABEL_SPAN:
        return "right"
    if target > SCORE_MAX - TARGET_LABEL_SPAN:
        return "left"
    ends = bins["end"] + 1
    left = bins.loc[(ends > target - TARGET_LABEL_SPAN) & (bins["start"] < target), "clients"]
    right = bins.loc[(bins["start"] < target + TARGET_LABEL_SPAN) & (ends > target), "clients"]
    return "left" if left.to_numpy().max(initial=0) <= right.to_numpy().max(initial=0) else "right"


def _add_level_bars(fig: go.Figure, bins: pd.DataFrame, total: int) -> None:
    """One bar trace per risk level (critical first), each bar labelled with its count."""
    for level in LEVELS_CRITICAL_FIRST:
        part = bins[bins["risk_level"] == level.value]
        fig.add_bar(
            x=part["centre"],
            y=part["clients"],
            width=part["width"] * 0.92,
            name=band_text(level),
            marker={"color": theme.risk_colour(level)},
            text=[str(n) if n else "" for n in part["clients"]],
            textposition="outside",
            cliponaxis=False,
            customdata=np.column_stack(
                [
                    part["range"],
                    (part["clients"] / total * 100).round(1),
                    [f"{level.label} risk"] * len(part),
                ]
            ),
            hovertemplate=(
                "Scores %{customdata[0]}<br>%{y} clients (%{customdata[1]}% of "
                f"{total:,})<br>%{{customdata[2]}}<extra></extra>"
            ),
        )


def _add_target(fig: go.Figure, bins: pd.DataFrame, target: int, *, presentation: bool) -> None:
    """The dashed target line, labelled beside it on the side of the lower bars."""
    sizes = theme.type_scale(presentation)
    fig.add_shape(
        type="line",
        x0=target,
        x1=target,
        xref="x",
        y0=0,
        y1=1,
        yref="paper",
        line={"color": theme.TEXT, "width": 2, "dash": "dash"},
    )
    side = target_label_side(bins, target)
    fig.add_annotation(
        text=f"<b>Target {target}</b>",
        x=target,
        xref="x",
        xanchor="right" if side == "left" else "left",
        xshift=-4 if side == "left" else 4,
        y=1,
        yref="paper",
        yanchor="top",
        yshift=-2,
        showarrow=False,
        font={"size": sizes.annotation, "color": theme.TEXT},
        bgcolor=theme.rgba(theme.SURFACE, 0.85),
        borderpad=2,
    )


def score_distribution(
    scores: pd.DataFrame | pd.Series,
    *,
    target: int | None = 70,
    bin_width: int = 10,
    presentation: bool = False,
    title: str = DISTRIBUTION_TITLE,
) -> go.Figure:
    """Histogram of the clients' current integer health scores, 0-100.

    ``scores``: a frame with the column ``score`` (``scoring.columns.SCORE_INT``;
    unrounded scores are rounded half up), one row per client or with the
    number of ``clients`` at each score, or a Series of scores. Clients without
    a score are left out. Bars are ``bin_width`` points wide and coloured by the
    risk level they fall in, one trace per level; the four risk bands are shaded
    and labelled behind the bars, and a dashed line marks ``target`` (None for
    no target). The subtitle gives the number of clients, the average and the
    share at or above target.
    """
    bins = score_bins(scores, bin_width=bin_width)
    total = int(bins["clients"].sum())
    if total == 0:
        return empty_figure(title, presentation=presentation)

    values, weights = _score_counts(scores)
    bins["centre"] = bins["start"] + (bins["end"] + 1 - bins["start"]) / 2
    bins["width"] = bins["end"] + 1 - bins["start"]
    bins.loc[bins.index[-1], ["centre", "width"]] = [
        (bins["start"].iloc[-1] + SCORE_MAX) / 2,
        SCORE_MAX - bins["start"].iloc[-1],
    ]
    bins["range"] = bins["start"].astype(str) + "–" + bins["end"].astype(str)

    fig = go.Figure()
    _add_level_bars(fig, bins, total)

    # Three lanes, so nothing overlaps: the band labels above the plot, the
    # target's label along the top of the plot, and the bars with their counts
    # below it (the y axis leaves room above the tallest bar). The target's
    # label sits beside its line, on the side of the lower bars.
    add_risk_bands(fig, axis="x", presentation=presentation, labels="outside")
    if target is not None:
        _add_target(fig, bins, target, presentation=presentation)

    top = int(bins["clients"].max())
    fig.update_layout(
        showlegend=False,
        bargap=0,
        xaxis={
            # Ticks on the bin edges (short labels that never need turning);
            # the hover text gives each bar's range.
            "tickmode": "linear",
            "tick0": 0,
            "dtick": 10,
            "range": [0, SCORE_MAX],
            "title": {"text": "Health score (points)"},
            "showgrid": False,
        },
        yaxis={
            "title": {"text": "Clients"},
            **count_ticks(top * COUNT_HEADROOM + 1),
            "rangemode": "tozero",
        },
    )
    subtitle = f"{plural(total, 'client')} scored · average {(values * weights).sum() / total:.1f}"
    if target is not None:
        subtitle += f" · {percent(weights[values >= target].sum() / total)} at or above the target of {target}"
    return titled(
        fig,
        title=title,
        subtitle=subtitle,
        presentation=presentation,
        top_lane=band_label_lane(presentation),
    )


def _risk_counts(counts: Mapping[str, int] | pd.Series | pd.DataFrame) -> pd.Series:
    """Counts per risk level value, low to critical, missing levels as 0."""
    if isinstance(counts, pd.DataFrame):
        if RISK_LEVEL in counts.columns:
            value_column = (
                CLIENTS if CLIENTS in counts.columns else counts.columns.drop(RISK_LEVEL)[0]
            )
            counts = counts.groupby(counts[RISK_LEVEL].map(str))[value_column].sum()
        else:  # one column per level, one row per day: the latest day
            counts = counts.iloc[-1][
                [lvl.value for lvl in RiskLevel if lvl.value in counts.columns]
            ]
    series = pd.Series(counts, dtype=float) if isinstance(counts, Mapping) else counts.astype(float)
    series.index = [str(RiskLevel(level)) for level in series.index]
    series = series.groupby(level=0).sum()
    return (
        series.reindex([level.value for level in LEVELS_LOW_FIRST], fill_value=0)
        .fillna(0)
        .astype(int)
    )


def risk_breakdown(
    counts: Mapping[str, int] | pd.Series | pd.DataFrame,
    *,
    kind: Literal["bar", "donut"] = "bar",
    presentation: bool = False,
    title: str = BREAKDOWN_TITLE,
) -> go.Figure:
    """Number and share of clients in each risk level, low to critical, in the risk colours.

    ``counts``: a mapping or Series from risk level (``"low"`` .. ``"critical"``
    or ``RiskLevel``) to a number of clients, or a frame with the columns
    ``risk_level`` and ``clients`` (or one row with one column per level, as in
    ``scoring.kpis.daily_risk_counts``). Levels not given count 0. ``kind``:
    horizontal bars (default) or a donut with the total in the middle.
    """
    series = _risk_counts(counts)
    total = int(series.sum())
    if total == 0:
        return empty_figure(title, presentation=presentation)

    levels = [RiskLevel(value) for value in series.index]
    labels = [band_text(level).replace(" (", " risk (") for level in levels]
    shares = series / total
    text = [f"{n:,} · {percent(s, 1)}" for n, s in zip(series, shares, strict=True)]
    hover = "%{label}<br>%{value} of " + f"{total:,}" + " clients (%{customdata}%)<extra></extra>"
    colours = [theme.risk_colour(level) for level in levels]
    sizes = theme.type_scale(presentation)

    if kind == "donut":
        fig = go.Figure(
            go.Pie(
                labels=labels,
                values=series.to_numpy(),
                customdata=(shares * 100).round(1),
                hole=0.58,
                sort=False,
                direction="clockwise",
                rotation=0,
                marker={"colors": colours, "line": {"color": theme.SURFACE, "width": 2}},
                text=text,
                texttemplate="%{label}<br>%{text}",
                textposition="outside",
                textfont={"size": sizes.base},
                automargin=True,
                hovertemplate=hover,
                showlegend=False,
            )
        )
        fig.add_annotation(
            text=f"<b>{total:,}</b><br>clients",
            x=0.5,
            y=0.5,
            xref="paper",
            yref="paper",
            showarrow=False,
            font={"size": sizes.title, "color": theme.TEXT},
        )
        fig.update_layout(margin={"l": 24, "r": 24, "b": 24})
    else:
        placed, upper = bar_end_text(
            series.to_numpy(),
            text,
            inside_colours=[theme.RISK_ON_COLOURS[level] for level in levels],
            axis_labels=labels,
            upper=series.max() * 1.05,
            presentation=presentation,
        )
        fig = go.Figure(
            go.Bar(
                x=series.to_numpy(),
                y=labels,
                orientation="h",
                marker={"color": colours},
                customdata=(shares * 100).round(1),
                text=text,
                **placed,
                hovertemplate=hover.replace("%{label}", "%{y}").replace("%{value}", "%{x}"),
                showlegend=False,
            )
        )
        fig.update_layout(
            bargap=0.35,
            xaxis={
                "title": {"text": "Clients"},
                **count_ticks(upper),
                "rangemode": "tozero",
            },
            yaxis=category_axis(presentation, autorange="reversed"),
        )

    at_risk = int(series[[level.value for level in AT_RISK_LEVELS]].sum())
    subtitle = f"{plural(total, 'client')} · {at_risk:,} at high or critical risk ({percent(at_risk / total)})"
    # A donut's labels (two lines) may sit above the ring: keep them clear of the subtitle.
    lane = 2 * LINE_EM * sizes.base if kind == "donut" else 0.0
    return titled(fig, title=title, subtitle=subtitle, presentation=presentation, top_lane=lane)
