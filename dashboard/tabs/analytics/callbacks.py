"""The Analytics tab's callbacks: period and segment to the URL, the data of both periods, the figures."""

from __future__ import annotations

from typing import Any

from dash import Input, Output, State, ctx, dcc, no_update
from dash.exceptions import PreventUpdate

from dashboard import figures
from dashboard.auth.audit import audit
from dashboard.clock import display_zone, utc_now
from dashboard.components import error_state, guarded, if_changed
from dashboard.registry import Callbacks
from dashboard.sessions import read_session
from dashboard.tabs.analytics import view_model
from dashboard.tabs.analytics.layout import (
    CHART_HEIGHT,
    IDS,
    TAB_URL,
    kpi_grid,
    selection_key,
    team_table,
)
from dashboard.view_state import state_of
from data.models import AuditAction
from data.models_reports import ReportFormat
from scoring.enums import Period, Segment

CHART_HEIGHT_PRESENTATION = 480


# The tab's charts by name.
CHARTS = {
    "trend": IDS.TREND,
    "risk": IDS.RISK,
    "activity": IDS.ACTIVITY,
    "by_type": IDS.BY_TYPE,
    "team": IDS.TEAM,
    "factors": IDS.FACTORS,
}


CALLBACKS = Callbacks()


@CALLBACKS.callback(
    output={
        "url": Output(TAB_URL, "search"),
        "period": Output(IDS.PERIOD, "value"),
        "segment": Output(IDS.SEGMENT, "value"),
        "key": Output(IDS.KEY, "data"),
        "presentation": Output(IDS.PRESENTATION, "data"),
    },
    inputs={
        "search": Input(TAB_URL, "search"),
        "period_value": Input(IDS.PERIOD, "value"),
        "segment_value": Input(IDS.SEGMENT, "value"),
        "key": State(IDS.KEY, "data"),
        "presentation_shown": State(IDS.PRESENTATION, "data"),
    },
    prevent_initial_call=True,
)
def sync_selection(search, period_value, segment_value, key, presentation_shown):
    """Period and segment -> URL when chosen; URL -> the selectors on navigation."""
    state = state_of(search)
    period, segment = view_model.selection(state)
    if ctx.triggered_id == IDS.PERIOD and period_value:
        period = Period(period_value)
    elif ctx.triggered_id == IDS.SEGMENT and segment_value:
        segment = Segment(segment_value)
    new_state = view_model.with_selection(state, period, segment)
    new_key = selection_key(period, segment)
    return {
        "url": new_state.to_search() if new_state != state else no_update,
        "period": period.value if period.value != period_value else no_update,
        "segment": segment.value if segment.value != segment_value else no_update,
        "key": new_key if new_key != key else no_update,
        "presentation": if_changed(state.presentation, bool(presentation_shown)),
    }


@CALLBACKS.callback(
    Output(IDS.METRICS, "data"),
    Input(IDS.KEY, "data"),
)
@guarded("the analytics", lambda: {"error": True})
def load_metrics(key: dict | None):
    """Read the period's and the previous period's metrics once; every chart draws from this."""
    key = key or {}
    period = Period(key.get("period", view_model.DEFAULT_PERIOD.value))
    segment = Segment(key.get("segment", view_model.DEFAULT_SEGMENT.value))
    with read_session() as session:
        return view_model.analytics_data(session, period, segment, now=utc_now())


@CALLBACKS.callback(
    output={
        "range": Output(IDS.RANGE, "children"),
        "cards": Output(IDS.CARDS, "children"),
        "team": Output(IDS.TEAM_TABLE, "children"),
    },
    inputs={"data": Input(IDS.METRICS, "data"), "presentation": Input(IDS.PRESENTATION, "data")},
)
@guarded("the analytics", lambda: {"range": "", "cards": error_state("the analytics"), "team": ""})
def draw_cards(data: dict | None, presentation: bool | None) -> dict[str, Any]:
    """The period's dates, the KPI cards and the team table."""
    if not data:
        raise PreventUpdate
    if data.get("error"):
        return {"range": "", "cards": error_state("the analytics"), "team": ""}
    frames = view_model.frames(data)
    return {
        "range": view_model.range_caption(data),
        "cards": kpi_grid(data, presentation=bool(presentation)),
        "team": team_table(view_model.team_rows(frames.by_member)),
    }


def _no_figures() -> dict[str, Any]:
    blank = figures.empty_figure("", message="")
    return {"figures": dict.fromkeys(CHARTS, blank), "styles": dict.fromkeys(CHARTS, no_update)}


@CALLBACKS.callback(
    output={
        "figures": {name: Output(chart, "figure") for name, chart in CHARTS.items()},
        "styles": {name: Output(chart, "style") for name, chart in CHARTS.items()},
    },
    inputs={"data": Input(IDS.METRICS, "data"), "presentation": Input(IDS.PRESENTATION, "data")},
)
@guarded("the analytics charts", _no_figures)
def draw_charts(data: dict | None, presentation: bool | None) -> dict[str, Any]:
    """Every chart from the stored aggregates (and again, larger, for presentation mode)."""
    if not data or data.get("error"):
        return _no_figures()
    presentation = bool(presentation)
    frames = view_model.frames(data)
    period_label = "Week starting" if data.get("weekly") else "Day"
    charts = {
        "trend": figures.score_trend(
            frames.daily_scores, previous=frames.previous_daily_scores, presentation=presentation
        ),
        "risk": figures.risk_distribution_over_time(frames.daily_risk_counts, presentation=presentation),
        "activity": figures.interventions_created_vs_completed(
            frames.activity, period_label=period_label, presentation=presentation
        ),
        "by_type": figures.success_rate_by_type(frames.by_type, presentation=presentation),
        "team": figures.team_performance(frames.by_member, presentation=presentation),
        "factors": figures.top_risk_factors(frames.factors, presentation=presentation),
    }  # fmt: skip
    height = {"height": f"{CHART_HEIGHT_PRESENTATION if presentation else CHART_HEIGHT}px"}
    return {"figures": charts, "styles": dict.fromkeys(CHARTS, height)}


@CALLBACKS.callback(
    Output(IDS.DOWNLOAD, "data"),
    Output(IDS.DOWNLOAD_STATUS, "children"),
    Input(IDS.DOWNLOAD_PDF, "n_clicks"),
    Input(IDS.DOWNLOAD_CSV, "n_clicks"),
    State(IDS.KEY, "data"),
    prevent_initial_call=True,
)
@guarded("the report", lambda: (no_update, "The report could not be made; please try again."))
def download_report(_pdf: int | None, _csv: int | None, key: dict | None):
    """The report of the selected period and segment, as a PDF or a zip of CSV files."""
    if not ctx.triggered or not any(t["value"] for t in ctx.triggered):
        raise PreventUpdate
    from dashboard.services.reports import render_report

    fmt = ReportFormat.PDF if ctx.triggered_id == IDS.DOWNLOAD_PDF else ReportFormat.CSV
    key = key or {}
    with read_session() as session:
        report = render_report(
            session,
            key.get("period", view_model.DEFAULT_PERIOD.value),
            key.get("segment", view_model.DEFAULT_SEGMENT.value),
            fmt,
            zone=display_zone(),
        )
    audit(AuditAction.REPORT_DOWNLOAD, subject=report.filename, detail="Analytics tab")
    return dcc.send_bytes(report.content, report.filename), f"Downloaded {report.filename}"
