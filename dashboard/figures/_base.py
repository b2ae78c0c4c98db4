"""Pieces every figure builder shares: the empty state, titles, risk bands and formatting."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
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


# Rough width of a character of the charts' sans-serif type, in ems: enough to
# keep text inside a half-width card without measuring it in a browser.
CHAR_EM = 0.56
BOLD_CHAR_EM = 0.62
LINE_EM = 1.3  # height of a line of text, in ems
LANE_GAP = 10  # pixels between the subtitle, a lane of labels or a legend, and the plot

_TAG = re.compile(r"<[^>]+>")
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """Estimated width in pixels of ``text`` (HTML tags dropped; the widest of its lines)."""
    lines = [_TAG.sub("", line) for line in _BREAK.split(text)]
    return max(len(line) for line in lines) * size * (BOLD_CHAR_EM if bold else CHAR_EM)


def wrap_text(text: str, size: float, width: float) -> list[str]:
    """``text`` in lines no wider than ``width`` pixels, broken after a " · " where possible."""
    per_line = max(8, int(width / (size * CHAR_EM)))
    lines: list[str] = []
    for part in text.split(" · "):
        if lines and len(lines[-1]) + 3 + len(part) <= per_line:
            lines[-1] += " · " + part
            continue
        words = part.split(" ")
        lines.append(words[0])
        for word in words[1:]:
            if len(lines[-1]) + 1 + len(word) <= per_line:
                lines[-1] += " " + word
            else:
                lines.append(word)
    return lines


def title_fits(text: str, presentation: bool = False) -> bool:
    """True when ``text`` fits on one line as a title across a half-screen card."""
    size = theme.type_scale(presentation).title
    return text_width(text, size) <= theme.CARD_WIDTH - 2 * theme.TITLE_PAD_LEFT


def title_height(presentation: bool = False, subtitle_lines: int = 0) -> float:
    """Pixels from the top of the figure to the bottom of its title and subtitle."""
    sizes = theme.type_scale(presentation)
    height = theme.TITLE_PAD_TOP + 1.1 * sizes.title
    if subtitle_lines:
        # plotly centres a subtitle of several lines on the place of the first one.
        height += 2.6 * sizes.subtitle + 0.7 * sizes.subtitle * (subtitle_lines - 1)
    return height


def legend_lane(
    presentation: bool = False, names: Sequence[str] = (), *, axis_width: float = 100
) -> float:
    """Height in pixels of the legend above the plot: one row, or as many as ``names`` need.

    A horizontal legend wraps at the width of the plot area, taken here as a
    half-screen card less ``axis_width`` pixels for the y axis labels.
    """
    size = theme.type_scale(presentation).legend
    rows, used, width = 1, 0.0, theme.CARD_WIDTH - axis_width - 60
    for name in names:
        item = text_width(name, size) + 2.6 * size + 10  # symbol, gap and text
        if used and used + item > width:
            rows, used = rows + 1, 0.0
        used += item
    return rows * (size * LINE_EM + 4) + 6


def titled(
    fig: go.Figure,
    *,
    title: str,
    subtitle: str | None = None,
    presentation: bool = False,
    top_lane: float = 0.0,
) -> go.Figure:
    """Apply the dashboard template, the title, a subtitle and the top margin they need.

    The title starts at the figure's left edge, not the plot area's, so long
    axis labels never push it off the card. The subtitle is wrapped to the
    width of a half-screen card (``theme.CARD_WIDTH``). ``top_lane`` reserves
    that many pixels between the subtitle and the plot, for a legend or for
    labels drawn above the plot.
    """
    sizes = theme.type_scale(presentation)
    lines = (
        wrap_text(subtitle, sizes.subtitle, theme.CARD_WIDTH - 2 * theme.TITLE_PAD_LEFT - 24)
        if subtitle
        else []
    )
    top = title_height(presentation, len(lines)) + LANE_GAP
    if top_lane:
        top += top_lane + LANE_GAP / 2
    fig.update_layout(
        template=theme.template(presentation),
        title={"text": title, "subtitle": {"text": "<br>".join(lines)}},
        margin={"t": math.ceil(top)},
    )
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


def band_label(level: RiskLevel) -> str:
    """``"<b>High risk</b>"``: a risk band's label, bold, on one line."""
    return f"<b>{level.label} risk</b>"


def band_label_margin(presentation: bool = False) -> int:
    """Right margin in pixels that holds the band labels drawn beside a score axis."""
    size = theme.type_scale(presentation).annotation
    widest = max(text_width(band_label(level), size, bold=True) for level in RiskLevel)
    return math.ceil(widest + 6 + 8)


def band_label_lane(presentation: bool = False) -> float:
    """Height in pixels of the band labels drawn above a chart (two lines: level and range)."""
    return 2 * LINE_EM * theme.type_scale(presentation).annotation + 4


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
    at the right edge of each band (``y``: one line, outside in the right
    margin, see ``band_label_margin``) or at its top (``x``: level and range,
    outside above the plot, see ``band_label_lane``); bands outside
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
        text = band_label(level)
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
                    text=text,
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
                    yshift=-4 if labels == "inside" else 2,
                    x=(start + end) / 2,
                    xref="x",
                    xanchor="center",
                    y=1.0,
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


DATE_TICKS = "%-d %b"
MONTH_TICKS = "%b"
MONTH_YEAR_TICKS = "%b %Y"
DAY_MS = 86_400_000
# Days between ticks for a span of up to so many days; longer spans tick by month.
_DAY_STEPS = ((6, 1), (13, 2), (48, 7), (100, 14))
# Months between ticks for a span of up to so many days.
_MONTH_STEPS = ((200, 1), (400, 2))


def date_axis(days: pd.Series, *, title: str = "Date") -> dict:
    """A date axis for ``days`` with ticks no closer than a day and labels that suit the span.

    Up to 100 days apart: every 1, 2, 7 or 14 days (weeks from a Monday),
    labelled "2 Mar"; longer: every 1, 2 or 3 months from the first of a
    month, labelled "Mar" (or "Mar 2026" when the span crosses a year). Spans
    of two weeks or less get half a day of room at each end, so a history of
    a few days shows each day once and a single day is not a point on an edge.
    """
    first, last = pd.Timestamp(days.min()), pd.Timestamp(days.max())
    span = (last - first).days
    axis: dict = {"title": {"text": title}, "type": "date"}
    step = next((days_ for limit, days_ in _DAY_STEPS if span <= limit), None)
    if step is not None:
        start = first if step < 7 else first - pd.Timedelta(days=first.weekday())
        axis |= {"tick0": start.normalize(), "dtick": step * DAY_MS, "tickformat": DATE_TICKS}
        if span <= 13:
            half = pd.Timedelta(hours=12)
            axis["range"] = [first - half, last + half]
        return axis
    months = next((m for limit, m in _MONTH_STEPS if span <= limit), 3)
    return axis | {
        "tick0": first.normalize().replace(day=1),
        "dtick": f"M{months}",
        "tickformat": MONTH_TICKS if first.year == last.year else MONTH_YEAR_TICKS,
    }


def score_axis(title: str = "Health score (points)", *, tick_step: int = 20) -> dict:
    """A 0-100 score axis with ticks every ``tick_step`` points."""
    return {
        "title": {"text": title},
        "range": [0, SCORE_MAX],
        "tickmode": "linear",
        "tick0": 0,
        "dtick": tick_step,
        "fixedrange": True,
    }


def bar_end_text(
    values: Sequence[float],
    texts: Sequence[str | None],
    *,
    inside_colours: Sequence[str] | str,
    axis_labels: Sequence[str],
    upper: float,
    grow: bool = True,
    presentation: bool = False,
) -> tuple[dict, float]:
    """Where each horizontal bar's label goes, so that none is cut off or shrunk: (trace properties, axis end).

    Laid out for the narrowest card (``theme.CARD_WIDTH`` less the widest of
    ``axis_labels``): a label goes inside the end of its bar when it fits there
    (in ``inside_colours``, one a bar or one for all, chosen to read on the bar)
    and just past the end otherwise. The value axis ends at ``upper`` or, when
    ``grow``, further out if a label past the end of its bar needs the room.
    On a wider card bars are longer, so the labels fit all the more.
    """
    size = theme.type_scale(presentation).base
    labels_width = max((text_width(label, size) for label in axis_labels), default=0)
    plot_width = max(theme.CARD_WIDTH - labels_width - 80, 120)
    needs = [None if not text else text_width(text, size) + 12 for text in texts]
    for _ in range(3):  # a longer axis shortens the bars: settle in a few rounds
        positions, wanted = [], upper
        for value, need in zip(values, needs, strict=True):
            if need is None or not finite(value) or value <= 0:
                positions.append("outside" if need else "none")
                continue
            if float(value) / upper * plot_width >= need:
                positions.append("inside")
            else:
                positions.append("outside")
                if need < plot_width:
                    wanted = max(wanted, float(value) / (1 - need / plot_width))
        if not grow or wanted <= upper:
            break
        upper = wanted
    colours = inside_colours if isinstance(inside_colours, str) else list(inside_colours)
    return {
        "textposition": positions,
        "insidetextanchor": "end",
        "constraintext": "none",
        "textangle": 0,
        "cliponaxis": False,
        "insidetextfont": {"size": size, "color": colours},
        "outsidetextfont": {"size": size, "color": theme.TEXT},
    }, upper


def count_ticks(upper: float) -> dict:
    """A count axis from 0 to ``upper``: whole numbers only, every one of them when there are few."""
    ticks: dict = {"range": [0, upper], "tickformat": ",d"}
    if upper <= 10:
        ticks |= {"tickmode": "linear", "tick0": 0, "dtick": 1}
    return ticks


def finite(value: object) -> bool:
    """True for a real, finite number."""
    try:
        return math.isfinite(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
