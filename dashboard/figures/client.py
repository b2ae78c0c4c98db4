"""Client detail: one client's score over time, what it is made of, and why it changed."""

from __future__ import annotations

from collections.abc import Mapping
from textwrap import wrap

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard import theme
from dashboard.formatting import date_text
from scoring.columns import COVERAGE, CREATED_AT, DAY, OVERALL, SCORE_INT, SUBSCORES
from scoring.enums import Trend
from scoring.explain import COMPONENT, CONTRIBUTION, CONTRIBUTION_SHOWN, LABEL
from scoring.model import COMPONENT_BY_NAME, COMPONENTS, SUBSCORE_WEIGHTS
from scoring.rules import TITLE

from ._base import (
    add_risk_bands,
    as_days,
    band_label_margin,
    bar_end_text,
    category_axis,
    date_axis,
    empty_figure,
    finite,
    integer_scores,
    is_missing,
    legend_lane,
    levels_of,
    no_data_markers,
    percent,
    score_axis,
    signed,
    text_width,
    title_fits,
    titled,
)

HISTORY_TITLE = "Health score over time"
COMPONENTS_TITLE = "Score components"
SUBSCORE_AXIS_END = 108  # past 100, for a label beside a bar of 100
ROUNDING_LABEL = "Rounding"
OTHER_LABEL = "Other changes"
# A gap between the components and the scores up to this many points is rounding
# (integer scores shown against contributions worked out on one-decimal scores).
ROUNDING_TOLERANCE = 1.0

RowLike = pd.Series | pd.DataFrame | Mapping[str, object]


def _as_row(row: RowLike) -> pd.Series:
    if isinstance(row, pd.DataFrame):
        return row.iloc[0] if len(row) else pd.Series(dtype=object)
    return pd.Series(row, dtype=object) if isinstance(row, Mapping) else row


def _scores_by_day(history: pd.DataFrame) -> pd.DataFrame:
    """Columns ``day`` (timestamp) and ``score`` (integer, NaN when not scored), sorted by day."""
    column = SCORE_INT if SCORE_INT in history.columns else OVERALL
    frame = pd.DataFrame(
        {
            DAY: as_days(history[DAY]).to_numpy(),
            SCORE_INT: integer_scores(history[column]).to_numpy(),
        }
    )
    return (
        frame.sort_values(DAY, kind="stable")
        .drop_duplicates(DAY, keep="last")
        .reset_index(drop=True)
    )


def score_history(
    history: pd.DataFrame,
    *,
    client_name: str,
    interventions: pd.DataFrame | None = None,
    presentation: bool = False,
) -> go.Figure:
    """One client's daily overall score over time, over the four risk bands shaded in their colours.

    ``history``: columns ``day`` and ``score`` (the integer score; ``overall`` is
    used, rounded half up, when ``score`` is absent). Days without a score
    leave a gap in the line. ``interventions`` (optional): columns
    ``created_at`` and ``title``; each one created within the days shown is
    marked on the line on the day it was created (at the latest score on or
    before that day), with its title in the hover text. The title names the
    client when that fits a half-screen card, else it is "Health score over
    time". Date ticks are at least a day apart (see ``date_axis``).
    """
    title = f"{client_name}: health score over time"
    if not title_fits(title, presentation):
        # The dialog around the chart names the client; the title must not run off the card.
        title = HISTORY_TITLE
    scores = _scores_by_day(history) if len(history) else pd.DataFrame(columns=[DAY, SCORE_INT])
    scored = scores.dropna(subset=[SCORE_INT])
    if scored.empty:
        return empty_figure(title, presentation=presentation)

    levels = levels_of(scores[SCORE_INT])
    risk = [f"{level.label} risk" if level else "not scored" for level in levels]
    fig = go.Figure()
    add_risk_bands(fig, axis="y", presentation=presentation, labels="outside")
    fig.add_scatter(
        x=scores[DAY],
        y=scores[SCORE_INT],
        mode="lines+markers" if len(scores) <= 60 else "lines",
        name="Health score",
        line={"color": theme.PRIMARY_DARK, "width": 3},
        marker={"size": 6, "color": theme.PRIMARY_DARK},
        connectgaps=False,
        cliponaxis=False,  # a score of 0 or 100 keeps its whole marker
        customdata=risk,
        hovertemplate="%{x|%a %d %b %Y}<br>Score %{y:.0f} · %{customdata}<extra></extra>",
        showlegend=False,
    )

    marked = 0
    if interventions is not None and len(interventions):
        created = as_days(interventions[CREATED_AT])
        first, last = scores[DAY].min(), scores[DAY].max()
        shown = pd.DataFrame(
            {DAY: created.to_numpy(), TITLE: interventions[TITLE].astype(str).to_numpy()}
        )
        shown = shown[(shown[DAY] >= first) & (shown[DAY] <= last)].sort_values(DAY)
        if len(shown):
            # On the line: the score of that day, else the latest one before it.
            placed = pd.merge_asof(shown, scored[[DAY, SCORE_INT]], on=DAY, direction="backward")
            placed[SCORE_INT] = placed[SCORE_INT].fillna(scored[SCORE_INT].iloc[0])
            marked = len(placed)
            fig.add_scatter(
                x=placed[DAY],
                y=placed[SCORE_INT],
                mode="markers",
                name="Intervention created",
                marker={
                    "symbol": "diamond",
                    "size": 15,
                    "color": theme.PLUM,
                    "line": {"color": theme.SURFACE, "width": 2},
                },
                customdata=placed[TITLE],
                hovertemplate="Intervention created %{x|%d %b %Y}<br>%{customdata}<extra></extra>",
                showlegend=True,
            )

    latest = scored.iloc[-1]
    latest_level = levels_of([latest[SCORE_INT]])[0]
    subtitle = (
        f"Latest {latest[SCORE_INT]:.0f} ({latest_level.label.lower()} risk) on "
        f"{date_text(latest[DAY])} · {len(scored)} days scored"
    )
    if marked:
        subtitle += f" · {marked} intervention{'s' if marked != 1 else ''}"
    fig.update_layout(
        yaxis=score_axis("Score (points)", tick_step=20) | {"showgrid": False},
        xaxis=date_axis(scores[DAY]) | {"showgrid": True},
        hovermode="closest",
        margin={"r": band_label_margin(presentation)},
    )
    return titled(
        fig,
        title=title,
        subtitle=subtitle,
        presentation=presentation,
        top_lane=legend_lane(presentation) if marked else 0.0,
    )


def _bar_colours(values: pd.Series) -> list[str]:
    return [
        theme.NO_DATA if level is None else theme.risk_colour(level) for level in levels_of(values)
    ]


def _on_bar_colours(values: pd.Series) -> list[str]:
    """Colours of text drawn on the bars of ``_bar_colours``."""
    return [
        theme.TEXT if level is None else theme.RISK_ON_COLOURS[level] for level in levels_of(values)
    ]


def _coverage(row: pd.Series) -> float | None:
    value = row.get(COVERAGE)
    if finite(value):
        return float(value)
    present = [c for c in COMPONENTS if c.column in row.index]
    if not present:
        return None
    return sum(c.effective_weight for c in present if finite(row.get(c.column)))


def subscore_bars(row: RowLike, *, presentation: bool = False) -> go.Figure:
    """The client's three sub-scores (engagement, progress, satisfaction), 0-100, coloured by risk band.

    ``row``: one score row (a Series, a one-row frame or a mapping) with the
    columns ``engagement``, ``progress`` and ``satisfaction``; ``overall`` and
    ``coverage`` are used in the subtitle when present. A sub-score without
    data is written "no data" instead of a bar.
    """
    title = "Sub-scores"
    row = _as_row(row)
    values = pd.Series(
        [row.get(name, np.nan) for name in SUBSCORES], index=list(SUBSCORES), dtype=float
    )
    if values.isna().all():
        return empty_figure(title, presentation=presentation)

    labels = [
        f"{name.capitalize()} ({percent(SUBSCORE_WEIGHTS[name])} of score)" for name in SUBSCORES
    ]
    shown = integer_scores(values)
    # Whole points, like the overall score; the hover text has the tenth.
    text = [None if is_missing(v) else f"{v:.0f}" for v in shown]
    placed, _ = bar_end_text(
        values.to_numpy(),
        text,
        inside_colours=_on_bar_colours(shown),
        axis_labels=labels,
        upper=SUBSCORE_AXIS_END,
        grow=False,
        presentation=presentation,
    )
    fig = go.Figure()
    fig.add_bar(
        x=values.to_numpy(),
        y=labels,
        orientation="h",
        marker={"color": _bar_colours(shown)},
        text=text,
        **placed,
        hovertemplate="%{y}<br>%{x:.1f} points out of 100<extra></extra>",
        showlegend=False,
        name="Sub-score",
    )
    missing = [label for label, value in zip(labels, values, strict=True) if is_missing(value)]
    if missing:
        fig.add_trace(no_data_markers(missing, presentation=presentation))

    parts = []
    if finite(row.get(OVERALL)):
        parts.append(f"Overall {integer_scores(pd.Series([row[OVERALL]])).iloc[0]:.0f}")
    coverage = _coverage(row)
    if coverage is not None:
        parts.append(f"data coverage {percent(coverage)}")
    fig.update_layout(
        bargap=0.5,
        xaxis=score_axis("Sub-score (points)") | {"range": [0, SUBSCORE_AXIS_END]},
        yaxis=category_axis(
            presentation, autorange="reversed", categoryorder="array", categoryarray=labels
        ),
    )
    return titled(fig, title=title, subtitle=" · ".join(parts) or None, presentation=presentation)


def component_bars(row: RowLike, *, presentation: bool = False) -> go.Figure:
    """The twelve component scores, 0-100, grouped by sub-score and coloured by risk band.

    ``row``: one score row with the component columns ``c_logins`` ..
    ``c_resolution`` (``scoring.model.COMPONENTS``) and, when known,
    ``coverage`` (0-1; otherwise it is worked out from which components have
    data). A component without data is written "no data", never drawn as 0.
    The subtitle gives the coverage and how many components have data; the
    hover text what each component measures and its weight.
    """
    row = _as_row(row)
    values = pd.Series([row.get(c.column, np.nan) for c in COMPONENTS], dtype=float)
    coverage = _coverage(row)
    title = COMPONENTS_TITLE
    if values.isna().all():
        return empty_figure(title, presentation=presentation)

    groups = [f"<b>{c.subscore.capitalize()}</b>" for c in COMPONENTS]
    labels = [c.label for c in COMPONENTS]
    hover = [
        f"{c.label} ({c.subscore}): "
        + ("no data" if is_missing(v) else f"{v:.1f} points")
        + f"<br>{c.explains}<br>{percent(c.effective_weight, 1)} of the overall score when every component has data"
        for c, v in zip(COMPONENTS, values, strict=True)
    ]
    shown = integer_scores(values)
    fig = go.Figure()
    fig.add_bar(
        x=values.to_numpy(),
        y=[groups, labels],
        orientation="h",
        marker={"color": _bar_colours(shown)},
        text=[None if is_missing(v) else f"{v:.0f}" for v in shown],
        # Twelve thin bars: the score just past the end of each, at full size.
        textposition="outside",
        constraintext="none",
        textfont={"size": theme.type_scale(presentation).base},
        cliponaxis=False,
        hovertext=hover,
        hovertemplate="%{hovertext}<extra></extra>",
        showlegend=False,
        name="Component score",
    )
    missing = values.isna().to_numpy()
    if missing.any():
        sizes = theme.type_scale(presentation)
        fig.add_scatter(
            x=[1.0] * int(missing.sum()),
            y=[list(np.asarray(groups)[missing]), list(np.asarray(labels)[missing])],
            mode="text",
            text=["<i>no data</i>"] * int(missing.sum()),
            textposition="middle right",
            textfont={"size": sizes.base, "color": theme.NO_DATA},
            hovertext=list(np.asarray(hover, dtype=object)[missing]),
            hovertemplate="%{hovertext}<extra></extra>",
            name="No data",
            showlegend=False,
        )
    fig.update_layout(
        bargap=0.3,
        xaxis=score_axis("Component score (points)") | {"range": [0, 110]},
        yaxis=category_axis(
            presentation, autorange="reversed", showdividers=True, dividercolor=theme.BORDER
        ),
    )
    subtitle = f"{int((~missing).sum())} of {len(COMPONENTS)} with data"
    if coverage is not None:
        subtitle = f"Data coverage {percent(coverage)} · {subtitle}"
    return titled(fig, title=title, subtitle=subtitle, presentation=presentation)


def waterfall_steps(
    contributions: pd.DataFrame, *, start_score: float, end_score: float
) -> pd.DataFrame:
    """The relative steps of the change waterfall: columns ``label`` and ``points``.

    One row per component whose contribution, to a tenth of a point, is not
    zero, largest first; when those do not add up to ``end_score -
    start_score`` (integer scores against contributions on one-decimal scores)
    a last row ("Rounding", or "Other changes" beyond a point) takes up the
    difference, so the steps always add up to the change, to the tenth.
    """
    frame = contributions
    if COMPONENT not in frame.columns and LABEL not in frame.columns:
        # scoring.explain.contributions of one client is indexed by component.
        frame = frame.reset_index()
    column = CONTRIBUTION_SHOWN if CONTRIBUTION_SHOWN in frame.columns else CONTRIBUTION
    tenths = np.rint(
        pd.to_numeric(frame[column], errors="coerce").fillna(0).to_numpy(dtype=float) * 10
    )
    if COMPONENT in frame.columns:
        names = frame[COMPONENT].astype(str)
        fallback = frame[LABEL].astype(str) if LABEL in frame.columns else names
        labels = [
            COMPONENT_BY_NAME[name].label if name in COMPONENT_BY_NAME else other
            for name, other in zip(names, fallback, strict=True)
        ]
    else:
        labels = frame[LABEL].astype(str).tolist()
    order = {c.label: i for i, c in enumerate(COMPONENTS)}
    steps = pd.DataFrame({"label": labels, "tenths": tenths.astype(np.int64)})
    steps = steps[steps["tenths"] != 0]
    steps = steps.assign(_size=-steps["tenths"].abs(), _order=steps["label"].map(order))
    steps = steps.sort_values(["_size", "_order"], kind="stable")[["label", "tenths"]]

    gap = int(np.rint((float(end_score) - float(start_score)) * 10)) - int(steps["tenths"].sum())
    if gap:
        label = ROUNDING_LABEL if abs(gap) <= ROUNDING_TOLERANCE * 10 else OTHER_LABEL
        steps = pd.concat([steps, pd.DataFrame({"label": [label], "tenths": [gap]})])
    return pd.DataFrame(
        {"label": steps["label"].to_numpy(), "points": steps["tenths"].to_numpy() / 10}
    )


def _step_note(label: str, period: str) -> str:
    """What a waterfall step is, for its hover text (``period``: "from 1 Mar to 8 Mar")."""
    if label == ROUNDING_LABEL:
        return "Whole scores against components worked out to the tenth"
    if label == OTHER_LABEL:
        return f"Change {period} that the components do not explain"
    return f"This component's share of the change {period}"


def _wrapped(label: str, width: int = 12) -> str:
    return "<br>".join(wrap(label, width, break_long_words=False)) or label


def _step_labels(labels: list[str], presentation: bool) -> tuple[list[str], int]:
    """Labels of the waterfall's steps and their angle: wrapped and level while they fit
    a half-screen card side by side, else on one line each at 45 degrees."""
    size = theme.type_scale(presentation).base
    slot = (theme.CARD_WIDTH - 100) / (len(labels) + 2)
    wrapped = [_wrapped(label) for label in labels]
    if max((text_width(label, size) for label in wrapped), default=0) <= slot * 0.9:
        return wrapped, 0
    return labels, -45


def change_waterfall(
    contributions: pd.DataFrame,
    *,
    start_score: float,
    end_score: float,
    start_label: str,
    end_label: str,
    presentation: bool = False,
) -> go.Figure:
    """How each component moved the client's score from one day to another, as a waterfall.

    ``contributions``: one row per component with ``component`` (name from
    ``scoring.model``), ``label`` and ``contribution`` in points (the output of
    ``scoring.explain.contributions``, whose ``contribution_shown`` is used when
    present). The first bar is ``start_score`` (absolute), then one bar per
    component with a non-zero contribution (gains green, losses red, largest
    first), then ``end_score`` as the total; the relative bars add up exactly to
    ``end_score - start_score`` (see ``waterfall_steps``). ``start_label`` and
    ``end_label`` name the two days, e.g. "1 Mar".
    """
    title = "Why the score changed"
    if (
        contributions is None
        or contributions.empty
        or not (finite(start_score) and finite(end_score))
    ):
        return empty_figure(title, presentation=presentation)

    steps = waterfall_steps(contributions, start_score=start_score, end_score=end_score)
    change = float(end_score) - float(start_score)
    start_text, end_text = f"{float(start_score):g}", f"{float(end_score):g}"
    whole = float(start_score).is_integer() and float(end_score).is_integer()
    step_labels, angle = _step_labels(list(steps["label"]), presentation)
    labels = [f"<b>{start_label}</b>", *step_labels, f"<b>{end_label}</b>"]
    values = [float(start_score), *steps["points"], float(end_score)]
    period = f"from {start_label} to {end_label}"
    hover = [
        f"Score on {start_label}: {start_text}",
        *(
            f"{label}: {signed(p)} points<br>{_step_note(label, period)}"
            for label, p in zip(steps["label"], steps["points"], strict=True)
        ),
        f"Score on {end_label}: {end_text} ({signed(change, 0 if whole else 1)} points)"
        "<br>each bar between is one component's share of the change",
    ]
    fig = go.Figure(
        go.Waterfall(
            x=labels,
            y=values,
            measure=["absolute", *["relative"] * len(steps), "total"],
            text=[start_text, *(signed(p) for p in steps["points"]), end_text],
            textposition="outside",
            constraintext="none",
            cliponaxis=False,
            hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>",
            increasing={"marker": {"color": theme.TREND_COLOURS[Trend.IMPROVING]}},
            decreasing={"marker": {"color": theme.TREND_COLOURS[Trend.DECLINING]}},
            totals={"marker": {"color": theme.PRIMARY}},
            connector={"line": {"color": theme.NO_DATA, "width": 1, "dash": "dot"}},
            showlegend=False,
            name="Score change",
        )
    )
    running = np.cumsum([float(start_score), *steps["points"]])
    low, high = min(running.min(), end_score), max(running.max(), end_score)
    pad = max(3.0, (high - low) * 0.25)
    fig.update_layout(
        yaxis={
            "title": {"text": "Score (points)"},
            "range": [max(0.0, np.floor(low - pad)), min(100.0, np.ceil(high + pad))],
        },
        xaxis=category_axis(presentation, tickangle=angle),
    )
    subtitle = (
        f"{signed(change, 0 if whole else 1)} points: {start_text} on {start_label} → "
        f"{end_text} on {end_label}"
    )
    return titled(fig, title=title, subtitle=subtitle, presentation=presentation)
