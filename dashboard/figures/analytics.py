"""Analytics tab: trends over the period, intervention results and what drives scores down."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard import theme
from dashboard.formatting import date_text, hours_text
from scoring.columns import DAY, RISK_LEVEL
from scoring.enums import AT_RISK_LEVELS, InterventionType, RiskLevel
from scoring.explain import CLIENTS_AFFECTED, FACTOR, LABEL, MEAN_POINTS_LOST, TOTAL_POINTS_LOST
from scoring.kpis import (
    AVERAGE_SCORE,
    AVG_RESOLUTION_HOURS,
    CLIENTS,
    COMPLETED,
    CREATED,
    OPEN,
    OVERDUE,
    PERIOD_START,
    SUCCESS_RATE,
)
from scoring.model import COMPONENT_BY_NAME
from scoring.rules import TYPE

from ._base import (
    LEVELS_CRITICAL_FIRST,
    add_risk_bands,
    as_days,
    band_label_margin,
    bar_end_text,
    category_axis,
    count_ticks,
    date_axis,
    empty_figure,
    finite,
    legend_lane,
    no_data_markers,
    percent,
    plural,
    signed,
    text_width,
    titled,
)

PERIOD = "period"
RESOLVED = "resolved"
MEMBER = "member"
UNASSIGNED = "Unassigned"


def score_trend(
    daily: pd.DataFrame,
    *,
    previous: pd.DataFrame | None = None,
    previous_shift_days: int | None = None,
    presentation: bool = False,
    title: str = "Average health score over time",
) -> go.Figure:
    """The average health score of the clients scored each day, over the risk bands of the score axis.

    ``daily``: columns ``day`` and ``average_score`` (``scoring.kpis.daily_average_score``),
    and ``clients`` (how many were scored) for the hover text when present.
    ``previous`` (optional): the same columns for the period before, drawn
    dashed and moved forward by ``previous_shift_days`` (default: the gap
    between the two periods' first days) so the two periods line up; its hover
    text gives its own dates.
    """
    frame = daily.dropna(subset=[AVERAGE_SCORE]) if len(daily) else daily
    if frame.empty:
        return empty_figure(title, presentation=presentation)
    frame = frame.assign(**{DAY: as_days(frame[DAY]).to_numpy()}).sort_values(DAY, kind="stable")
    days = frame[DAY].reset_index(drop=True)
    values = frame[AVERAGE_SCORE].astype(float).to_numpy()
    clients = frame[CLIENTS].to_numpy() if CLIENTS in frame.columns else None

    fig = go.Figure()
    lows, highs = [values.min()], [values.max()]
    subtitle = (
        f"{values[0]:.1f} on {date_text(days.iloc[0], year=False)} → {values[-1]:.1f} on {date_text(days.iloc[-1], year=False)} "
        f"({signed(values[-1] - values[0])} points)"
    )
    if previous is not None and len(previous.dropna(subset=[AVERAGE_SCORE])):
        before = previous.dropna(subset=[AVERAGE_SCORE])
        before_days = as_days(before[DAY])
        shift = (
            pd.Timedelta(days=previous_shift_days)
            if previous_shift_days is not None
            else days.min() - before_days.min()
        )
        before_values = before[AVERAGE_SCORE].astype(float).to_numpy()
        lows.append(before_values.min())
        highs.append(before_values.max())
        fig.add_scatter(
            x=before_days + shift,
            y=before_values,
            mode="lines",
            name="Previous period",
            line={"color": theme.NO_DATA, "width": 2, "dash": "dash"},
            legendrank=2,
            customdata=before_days.dt.strftime("%d %b %Y"),
            hovertemplate="Previous period, %{customdata}<br>Average %{y:.1f} points<extra></extra>",
        )
        subtitle += f" · previous period averaged {before_values.mean():.1f}"
    fig.add_scatter(
        x=days,
        y=values,
        mode="lines+markers" if len(values) <= 45 else "lines",
        name="This period",
        line={"color": theme.PRIMARY_DARK, "width": 3},
        marker={"size": 6},
        legendrank=1,
        customdata=clients,
        hovertemplate="%{x|%a %d %b %Y}<br>Average %{y:.1f} points"
        + ("<br>%{customdata:,} clients scored" if clients is not None else "")
        + "<extra></extra>",
    )
    # Zoom on the data, to whole multiples of 5, without leaving 0-100.
    low = max(0.0, np.floor((min(lows) - 5) / 5) * 5)
    high = min(100.0, np.ceil((max(highs) + 5) / 5) * 5)
    add_risk_bands(
        fig, axis="y", presentation=presentation, labels="outside", visible_range=(low, high)
    )
    fig.update_layout(
        showlegend=previous is not None,
        hovermode="x unified" if previous is not None else "closest",
        yaxis={
            "title": {"text": "Average health score (points)"},
            "range": [low, high],
            "showgrid": False,
        },
        xaxis=date_axis(days),
        margin={"r": band_label_margin(presentation)},
    )
    lane = legend_lane(presentation, [t.name for t in fig.data]) if previous is not None else 0.0
    return titled(fig, title=title, subtitle=subtitle, presentation=presentation, top_lane=lane)


def _risk_counts_wide(daily_counts: pd.DataFrame) -> pd.DataFrame:
    """Clients per day (index) and risk level value (columns, low to critical)."""
    if RISK_LEVEL in daily_counts.columns:
        long = daily_counts.assign(**{DAY: as_days(daily_counts[DAY]).to_numpy()})
        wide = long.pivot_table(
            index=DAY,
            columns=long[RISK_LEVEL].map(str),
            values=CLIENTS,
            aggfunc="sum",
            fill_value=0,
        )
    else:
        wide = daily_counts.set_index(as_days(daily_counts[DAY]).to_numpy()).drop(columns=DAY)
    wide = wide.reindex(columns=[level.value for level in RiskLevel], fill_value=0).fillna(0)
    return wide.sort_index()


def risk_distribution_over_time(
    daily_counts: pd.DataFrame,
    *,
    as_share: bool = False,
    presentation: bool = False,
    title: str = "Clients by risk level over time",
) -> go.Figure:
    """How many clients were in each risk level each day, as areas stacked in the risk colours.

    ``daily_counts``: long (columns ``day``, ``risk_level``, ``clients``) or wide
    (``day`` and one column per level, as ``scoring.kpis.daily_risk_counts``
    returns). Critical is at the bottom of the stack and low at the top, and
    the legend lists them in the same order. ``as_share`` stacks percentages
    of the clients scored that day instead of counts.
    """
    wide = _risk_counts_wide(daily_counts) if len(daily_counts) else pd.DataFrame()
    if wide.empty or wide.to_numpy().sum() == 0:
        return empty_figure(title, presentation=presentation)
    totals = wide.sum(axis=1)
    fig = go.Figure()
    for level in LEVELS_CRITICAL_FIRST:
        counts = wide[level.value]
        shares = (counts / totals.where(totals > 0) * 100).round(1)
        fig.add_scatter(
            x=wide.index,
            y=counts,
            name=f"{level.label} ({level.band[0]}–{level.band[1]})",
            mode="lines",
            stackgroup="risk",
            groupnorm="percent" if as_share and level is LEVELS_CRITICAL_FIRST[0] else None,
            line={"color": theme.risk_colour(level), "width": 1},
            fillcolor=theme.rgba(theme.risk_colour(level), 0.8),
            customdata=np.column_stack([counts, shares.fillna(0)]),
            hovertemplate=f"{level.label}: "
            + "%{customdata[0]:,} clients (%{customdata[1]}%)<extra></extra>",
        )
    last_day = wide.index[-1]
    at_risk = int(wide.loc[last_day, [level.value for level in AT_RISK_LEVELS]].sum())
    total = int(totals.iloc[-1])
    subtitle = (
        f"{date_text(last_day, year=False)}: {at_risk:,} of {total:,} clients at high or critical risk"
        + (f" ({percent(at_risk / total)})" if total else "")
    )
    fig.update_layout(
        hovermode="x unified",
        legend={"traceorder": "reversed"},
        yaxis={
            "title": {"text": "Share of clients scored (%)" if as_share else "Clients"},
            "range": [0, 100] if as_share else None,
            "ticksuffix": "%" if as_share else "",
            "rangemode": "tozero",
        },
        xaxis=date_axis(pd.Series(wide.index)) | {"showgrid": False},
    )
    lane = legend_lane(presentation, [t.name for t in fig.data])
    return titled(fig, title=title, subtitle=subtitle, presentation=presentation, top_lane=lane)


def interventions_created_vs_completed(
    weekly: pd.DataFrame,
    *,
    period_label: str = "Week starting",
    presentation: bool = False,
    title: str = "Interventions created and completed",
) -> go.Figure:
    """Interventions created against interventions completed in each week (or day), as paired bars.

    ``weekly``: columns ``period`` (or ``period_start``, as
    ``scoring.kpis.interventions_over_time`` returns: the first day of each
    week or day), ``created`` and ``completed``. ``period_label`` names the
    periods in the hover text and on the axis.
    """
    if weekly.empty or weekly[[CREATED, COMPLETED]].to_numpy().sum() == 0:
        return empty_figure(title, presentation=presentation)
    column = PERIOD if PERIOD in weekly.columns else PERIOD_START
    periods = as_days(weekly[column])
    # Counts on the bars while they have room for them (two bars a period).
    show_text = len(weekly) <= 8
    fig = go.Figure()
    for name, colour in ((CREATED, theme.PRIMARY_LIGHT), (COMPLETED, theme.PRIMARY)):
        counts = weekly[name].astype(int)
        fig.add_bar(
            x=periods,
            y=counts,
            name=name.capitalize(),
            marker={"color": colour},
            text=[f"{n:,}" for n in counts] if show_text else None,
            textposition="outside",
            constraintext="none",
            cliponaxis=False,
            hovertemplate=f"{period_label} "
            + "%{x|%d %b %Y}<br>"
            + f"{name.capitalize()}: "
            + "%{y:,}<extra></extra>",
        )
    created, completed = int(weekly[CREATED].sum()), int(weekly[COMPLETED].sum())
    top = weekly[[CREATED, COMPLETED]].to_numpy().max()
    fig.update_layout(
        barmode="group",
        yaxis={
            "title": {"text": "Interventions"},
            **count_ticks(top * 1.18 + 1),
            "rangemode": "tozero",
        },
        xaxis=date_axis(periods, title=period_label) | {"showgrid": False},
    )
    subtitle = f"Over the period: {created:,} created, {completed:,} completed"
    lane = legend_lane(presentation, [t.name for t in fig.data])
    return titled(fig, title=title, subtitle=subtitle, presentation=presentation, top_lane=lane)


def _type_label(value: object) -> str:
    try:
        return InterventionType(str(value)).label
    except ValueError:
        return str(value).replace("_", " ").capitalize()


def success_rate_by_type(
    frame: pd.DataFrame,
    *,
    presentation: bool = False,
    title: str = "Success rate by intervention type",
) -> go.Figure:
    """Share of completed interventions that resolved the issue, per intervention type, as bars in percent.

    ``frame``: one row per type, with ``type`` as a column or the index (as
    ``scoring.kpis.intervention_kpis_by(..., "type")`` returns), ``completed``,
    ``success_rate`` (0-1, NaN when none was completed) and ``resolved`` (worked
    out from the rate when absent). The bar text gives the percentage and the
    counts; a type with nothing completed says so instead of showing 0%.
    """
    data = frame.reset_index() if TYPE not in frame.columns else frame
    if data.empty or data[COMPLETED].fillna(0).sum() == 0:
        return empty_figure(title, presentation=presentation)
    completed = data[COMPLETED].fillna(0).astype(int).to_numpy()
    rates = pd.to_numeric(data[SUCCESS_RATE], errors="coerce").to_numpy(dtype=float)
    resolved = (
        data[RESOLVED].fillna(0).astype(int).to_numpy()
        if RESOLVED in data.columns
        else np.rint(np.nan_to_num(rates) * completed).astype(int)
    )
    labels = [_type_label(value) for value in data[TYPE]]
    has_rate = ~np.isnan(rates) & (completed > 0)
    shown = np.where(has_rate, rates * 100, np.nan)
    text = [
        f"{r * 100:.0f}% · {s} of {c}" if ok else None
        for r, s, c, ok in zip(rates, resolved, completed, has_rate, strict=True)
    ]
    placed, upper = bar_end_text(
        shown,
        text,
        inside_colours=theme.SURFACE,
        axis_labels=labels,
        upper=105,
        presentation=presentation,
    )
    fig = go.Figure()
    fig.add_bar(
        x=shown,
        y=labels,
        orientation="h",
        marker={"color": theme.PRIMARY},
        text=text,
        **placed,
        customdata=np.column_stack([resolved, completed]),
        hovertemplate="%{y}<br>Success rate %{x:.1f}%<br>%{customdata[0]} resolved of %{customdata[1]} completed<extra></extra>",
        showlegend=False,
        name="Success rate",
    )
    missing = [label for label, ok in zip(labels, has_rate, strict=True) if not ok]
    if missing:
        marker = no_data_markers(missing, presentation=presentation)
        marker.update(
            text=["<i>none completed</i>"] * len(missing),
            hovertemplate="%{y}: none completed in the period<extra></extra>",
        )
        fig.add_trace(marker)
    total_completed, total_resolved = int(completed.sum()), int(resolved.sum())
    fig.update_layout(
        bargap=0.35,
        xaxis={
            "title": {"text": "Resolved (% of completed)"},
            "range": [0, upper],
            "tickvals": [0, 20, 40, 60, 80, 100],
            "ticksuffix": "%",
            "fixedrange": True,
        },
        yaxis=category_axis(
            presentation, autorange="reversed", categoryorder="array", categoryarray=labels
        ),
    )
    subtitle = f"All types: {percent(total_resolved / total_completed)} ({total_resolved:,} of {total_completed:,} completed resolved)"
    return titled(fig, title=title, subtitle=subtitle, presentation=presentation)


def team_performance(
    frame: pd.DataFrame,
    *,
    presentation: bool = False,
    title: str = "Team workload and results",
) -> go.Figure:
    """Open, overdue and completed interventions per team member, as grouped horizontal bars.

    ``frame``: one row per member with ``member`` (the name shown; the index is
    used when there is no such column), ``open``, ``overdue``, ``completed``,
    ``success_rate`` (0-1) and ``avg_resolution_hours``. Members are listed by
    open work, most first; each name carries its success rate and average time
    to resolve, so the chart reads without hovering.
    """
    data = (
        frame.reset_index().rename(columns={"index": MEMBER})
        if MEMBER not in frame.columns
        else frame
    )
    if data.empty:
        return empty_figure(title, presentation=presentation)
    data = data.assign(_open=data[OPEN].fillna(0)).sort_values(
        ["_open", MEMBER], ascending=[False, True], kind="stable"
    )
    sizes = theme.type_scale(presentation)
    members = data[MEMBER].fillna(UNASSIGNED).astype(str).tolist()
    notes = [
        f"{percent(rate)} success · {hours_text(hours)} to resolve"
        if finite(rate)
        else "none completed"
        for rate, hours in zip(data[SUCCESS_RATE], data[AVG_RESOLUTION_HOURS], strict=True)
    ]
    names = [
        f"<b>{name}</b><br><span style='font-size:{sizes.small}px;color:{theme.TEXT_MUTED}'>{note}</span>"
        for name, note in zip(members, notes, strict=True)
    ]
    fig = go.Figure()
    for column, colour in (
        (OPEN, theme.PRIMARY_LIGHT),
        (OVERDUE, theme.PLUM),
        (COMPLETED, theme.PRIMARY),
    ):
        counts = data[column].fillna(0).astype(int)
        fig.add_bar(
            x=counts,
            y=names,
            orientation="h",
            name=column.capitalize(),
            marker={"color": colour},
            text=[f"{n:,}" for n in counts],
            textposition="outside",
            constraintext="none",
            # Three bars a member: counts in the small type, so neighbours do not touch.
            textfont={"size": sizes.small},
            cliponaxis=False,
            customdata=members,
            hovertemplate="%{customdata}<br>" + column.capitalize() + ": %{x:,}<extra></extra>",
        )
    top = data[[OPEN, OVERDUE, COMPLETED]].fillna(0).to_numpy().max()
    fig.update_layout(
        barmode="group",
        bargap=0.15,
        bargroupgap=0,
        legend={"traceorder": "normal"},
        xaxis={
            "title": {"text": "Interventions"},
            **count_ticks(top * 1.15 + 1),
            "rangemode": "tozero",
        },
        yaxis=category_axis(presentation, autorange="reversed"),
    )
    open_total, overdue_total = int(data[OPEN].fillna(0).sum()), int(data[OVERDUE].fillna(0).sum())
    subtitle = (
        f"{open_total:,} open now, {overdue_total:,} of them overdue; completed in the period"
    )
    axis_width = max(
        max(text_width(name, sizes.base, bold=True) for name in members),
        max(text_width(note, sizes.small) for note in notes),
    )
    lane = legend_lane(presentation, [t.name for t in fig.data], axis_width=axis_width)
    return titled(fig, title=title, subtitle=subtitle, presentation=presentation, top_lane=lane)


def top_risk_factors(
    frame: pd.DataFrame,
    *,
    limit: int = 8,
    presentation: bool = False,
    title: str = "Top risk factors",
) -> go.Figure:
    """The components behind falling scores, by points lost across all clients they touched, largest on top.

    ``frame``: one row per factor with ``label`` (or ``factor``, a component
    name), ``clients_affected`` and ``mean_points_lost`` (as
    ``scoring.explain.top_risk_factors`` returns); ``total_points_lost`` is
    their product when absent. The bar length is the total points lost and its
    text the clients affected and the mean per client. At most ``limit`` bars.
    """
    if frame.empty:
        return empty_figure(title, presentation=presentation)
    data = frame.copy()
    if LABEL not in data.columns:
        data[LABEL] = [
            COMPONENT_BY_NAME[n].label if n in COMPONENT_BY_NAME else str(n) for n in data[FACTOR]
        ]
    if TOTAL_POINTS_LOST not in data.columns:
        data[TOTAL_POINTS_LOST] = data[CLIENTS_AFFECTED] * data[MEAN_POINTS_LOST]
    data = data[data[TOTAL_POINTS_LOST] > 0]
    if data.empty:
        return empty_figure(title, presentation=presentation)
    data = data.sort_values(
        [TOTAL_POINTS_LOST, CLIENTS_AFFECTED], ascending=False, kind="stable"
    ).head(limit)
    text = [
        f"{plural(n, 'client')} · {m:.1f} points each"
        for n, m in zip(data[CLIENTS_AFFECTED], data[MEAN_POINTS_LOST], strict=True)
    ]
    placed, upper = bar_end_text(
        data[TOTAL_POINTS_LOST].to_numpy(dtype=float),
        text,
        inside_colours=theme.SURFACE,
        axis_labels=list(data[LABEL]),
        upper=float(data[TOTAL_POINTS_LOST].max()) * 1.05,
        presentation=presentation,
    )
    fig = go.Figure(
        go.Bar(
            x=data[TOTAL_POINTS_LOST],
            y=data[LABEL],
            orientation="h",
            marker={"color": theme.PRIMARY},
            text=text,
            **placed,
            customdata=np.column_stack([data[CLIENTS_AFFECTED], data[MEAN_POINTS_LOST]]),
            hovertemplate=(
                "%{y}<br>%{customdata[0]:,} clients affected<br>%{customdata[1]:.2f} points lost on average"
                "<br>%{x:.1f} points lost in total<extra></extra>"
            ),
            showlegend=False,
            name="Points lost",
        )
    )
    fig.update_layout(
        bargap=0.3,
        xaxis={
            "title": {"text": "Points lost, all affected clients together"},
            "range": [0, upper],
            "rangemode": "tozero",
        },
        yaxis=category_axis(presentation, autorange="reversed"),
    )
    subtitle = "Points lost by clients whose score fell in the period"
    return titled(fig, title=title, subtitle=subtitle, presentation=presentation)
