"""The Risk Segments tab's callbacks: cards, filters, sort and page to the URL, and the table from it."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import parse_qsl, urlencode

from dash import ALL, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from dashboard import formatting
from dashboard.auth.audit import audit
from dashboard.clock import display_zone, utc_now
from dashboard.components import error_state, guarded, if_changed
from dashboard.ids import (
    SEGMENT_CARD,
    SEGMENT_COUNT,
    RiskSegmentsIds,
)
from dashboard.registry import Callbacks
from dashboard.sessions import read_session
from dashboard.tabs.risk_segments import view_model
from dashboard.tabs.risk_segments.layout import (
    ANY_ACTIVITY,
    TAB_URL,
    TABLE_KEY,
    _segment_class,
    _table_key,
    column_defs,
    filters_text,
)
from dashboard.tabs.risk_segments.view_model import segment_export
from dashboard.view_state import (
    ACTIVITY_LEVELS,
    ViewState,
    parse_sort_value,
    state_of,
)
from data.models import AuditAction
from scoring.enums import RiskLevel


def state_from_controls(
    state: ViewState,
    trigger: Any,
    *,
    search: str | None,
    risk: list[str] | None,
    wedding_from: str | None,
    wedding_to: str | None,
    activity: str | None,
    sort: str | None,
    page: int | None,
) -> ViewState:
    """The view state after the control ``trigger`` changed (pure: unit-tested)."""
    if isinstance(trigger, dict) and trigger.get("type") == SEGMENT_CARD:
        level = RiskLevel(trigger["level"])
        return state.with_filters(risk=() if state.risk == (level,) else (level,))
    if trigger == RiskSegmentsIds.CLEAR:
        return state.with_filters(
            risk=(), search="", wedding_from=None, wedding_to=None, activity=None
        )
    if trigger == RiskSegmentsIds.SEARCH:
        return state.with_filters(search=(search or "").strip()[:100])
    if trigger == RiskSegmentsIds.RISK:
        wanted = set(risk or [])
        return state.with_filters(risk=tuple(level for level in RiskLevel if level.value in wanted))
    if trigger == RiskSegmentsIds.WEDDING:
        start, end = (
            dt.date.fromisoformat(v[:10]) if v else None for v in (wedding_from, wedding_to)
        )
        if start and end and start > end:
            start, end = end, start
        return state.with_filters(wedding_from=start, wedding_to=end)
    if trigger == RiskSegmentsIds.ACTIVITY:
        return state.with_filters(activity=activity if activity in ACTIVITY_LEVELS else None)
    if trigger == RiskSegmentsIds.SORT:
        key, order = parse_sort_value(sort)
        return state.with_filters(sort=key, order=order)
    if trigger == RiskSegmentsIds.PAGER:
        return state.replace(page=max(1, int(page or 1)))
    return state


def control_values(state: ViewState) -> dict[str, Any]:
    """What each filter control shows for ``state`` (pure: unit-tested)."""
    return {
        "search": state.search,
        "risk": [level.value for level in state.risk],
        "wedding_from": state.wedding_from.isoformat() if state.wedding_from else None,
        "wedding_to": state.wedding_to.isoformat() if state.wedding_to else None,
        "activity": state.activity or ANY_ACTIVITY,
        "sort": state.sort_value,
        "page": state.page,
    }


def _plain(name: str, value: Any) -> Any:
    """A control's current value in the form of ``control_values`` (so equal values compare equal)."""
    if name == "search":
        return value or ""
    if name == "risk":
        return list(value or [])
    if name in ("wedding_from", "wedding_to"):
        return value[:10] if value else None
    return value


CALLBACKS = Callbacks()


# Each filter control's component property, by the name ``control_values`` gives it.
CONTROLS = {
    "search": (RiskSegmentsIds.SEARCH, "value"),
    "risk": (RiskSegmentsIds.RISK, "value"),
    "wedding_from": (RiskSegmentsIds.WEDDING, "start_date"),
    "wedding_to": (RiskSegmentsIds.WEDDING, "end_date"),
    "activity": (RiskSegmentsIds.ACTIVITY, "value"),
    "sort": (RiskSegmentsIds.SORT, "value"),
    "page": (RiskSegmentsIds.PAGER, "active_page"),
}


@CALLBACKS.callback(
    output={
        "url": Output(TAB_URL, "search"),
        "controls": {name: Output(*control) for name, control in CONTROLS.items()},
        "card_classes": Output({"type": SEGMENT_CARD, "level": ALL}, "className"),
        "table_key": Output(TABLE_KEY, "data"),
        "column_defs": Output(RiskSegmentsIds.GRID, "columnDefs"),
        "presentation": Output(RiskSegmentsIds.PRESENTATION, "data"),
    },
    inputs={
        "search_url": Input(TAB_URL, "search"),
        "current": {name: Input(*control) for name, control in CONTROLS.items()},
        "_cards": Input({"type": SEGMENT_CARD, "level": ALL}, "n_clicks"),
        "_clear": Input(RiskSegmentsIds.CLEAR, "n_clicks"),
        "table_key": State(TABLE_KEY, "data"),
        "presentation_shown": State(RiskSegmentsIds.PRESENTATION, "data"),
    },
    prevent_initial_call=True,
)
def sync_controls(search_url, current, _cards, _clear, table_key, presentation_shown):
    """Controls -> URL when one changes; URL -> controls on navigation (back, links)."""
    trigger = ctx.triggered_id
    if isinstance(trigger, dict) and not any(t["value"] for t in ctx.triggered):
        raise PreventUpdate
    state = state_of(search_url)
    new = state if trigger == TAB_URL else state_from_controls(state, trigger, **current)
    controls = control_values(new)
    levels = [output["id"]["level"] for output in ctx.outputs_grouping["card_classes"]]
    presentation_changed = new.presentation != bool(presentation_shown)
    return {
        "url": new.to_search() if new != state else no_update,
        "controls": {
            name: if_changed(controls[name], _plain(name, current[name])) for name in CONTROLS
        },
        "card_classes": [
            _segment_class(RiskLevel(level), RiskLevel(level) in new.risk) for level in levels
        ],
        "table_key": if_changed(_table_key(new), table_key),
        "column_defs": column_defs(new.presentation) if presentation_changed else no_update,
        "presentation": new.presentation if presentation_changed else no_update,
    }


def _count_levels() -> list[str]:
    """The risk levels of the segment cards' counts, in the order Dash lists them."""
    return [output["id"]["level"] for output in ctx.outputs_grouping["counts"]]


def _failed() -> dict[str, Any]:
    return {
        "rows": [],
        "pages": 1,
        "summary": error_state("the client table"),
        "counts": ["–"] * len(_count_levels()),
    }


@CALLBACKS.callback(
    output={
        "rows": Output(RiskSegmentsIds.GRID, "rowData"),
        "pages": Output(RiskSegmentsIds.PAGER, "max_value"),
        "summary": Output(RiskSegmentsIds.SUMMARY, "children"),
        "counts": Output({"type": SEGMENT_COUNT, "level": ALL}, "children"),
    },
    inputs={"table_key": Input(TABLE_KEY, "data")},
)
@guarded("the client table", _failed)
def update_table(table_key: str | None) -> dict[str, Any]:
    """One page of clients for the URL's filters, and the segment counts."""
    state = state_of(table_key)
    with read_session() as session:
        page = view_model.client_page(session, state, zone=display_zone(), now=utc_now())
        counts = view_model.segment_counts(session)
    summary: list[Any] = [page.summary]
    if page.day is not None:
        summary.append(
            html.Span(
                f" · scores of {formatting.date_text(page.day)}",
                className="text-muted fw-normal",
            )
        )
    summary.append(
        html.Div(filters_text(state), className="small fw-normal", id=RiskSegmentsIds.FILTERS_TEXT)
    )
    return {
        "rows": page.rows,
        "pages": page.pages,
        "summary": summary,
        "counts": [f"{counts.get(level, 0):,}" for level in _count_levels()],
    }


@CALLBACKS.callback(
    Output(RiskSegmentsIds.EXPORT_DOWNLOAD, "data"),
    Input(RiskSegmentsIds.EXPORT, "n_clicks"),
    State(TABLE_KEY, "data"),
    prevent_initial_call=True,
)
@guarded("the CSV export", lambda: no_update)
def export_csv(clicks: int | None, table_key: str | None):
    """The table exactly as filtered and sorted on screen, every page, as a CSV file."""
    if not clicks:
        raise PreventUpdate
    with read_session() as session:
        export = segment_export(session, state_of(table_key))
    if export is None:
        raise PreventUpdate
    filename, content = export
    audit(AuditAction.EXPORT, subject=filename, detail=f"Risk Segments, {_query_text(table_key)}")
    return dcc.send_bytes(content, filename, type="text/csv")


def _query_text(key: str | None) -> str:
    """The filters and sort of an export as the URL holds them (the tab aside), for the audit log."""
    pairs = [(name, value) for name, value in parse_qsl((key or "").lstrip("?")) if name != "tab"]
    return f"filters {urlencode(pairs)}" if pairs else "no filters"


@CALLBACKS.callback(
    Output(TAB_URL, "search", allow_duplicate=True),
    Input(RiskSegmentsIds.GRID, "cellClicked"),
    State(TAB_URL, "search"),
    prevent_initial_call=True,
)
def open_from_grid(cell: dict | None, search: str | None):
    """A click on a row opens that client's detail."""
    if not cell or not cell.get("rowId"):
        raise PreventUpdate
    return state_of(search).replace(client=str(cell["rowId"])).to_search()
