"""The shell's callbacks: URL sync, tab rendering, navbar status and opening a client."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dash import ALL, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from dashboard.admin import alerts as admin_alerts
from dashboard.admin.models import bell_model
from dashboard.auth import permissions
from dashboard.clock import display_zone, utc_now
from dashboard.components import empty_state, guarded, icon, if_changed
from dashboard.ids import OPEN_CLIENT, AlertIds, ShellIds, Tab
from dashboard.registry import Callbacks, unchanged
from dashboard.sessions import read_session
from dashboard.shell import view_model
from dashboard.shell.layout import ROOT_CLASS
from dashboard.tabs.analytics import layout as analytics_layout
from dashboard.tabs.interventions import layout as queue_layout
from dashboard.tabs.overview import layout as overview_layout
from dashboard.tabs.risk_segments import layout as segments_layout
from dashboard.view_state import ViewState, state_of

# Each tab's ``layout(state)``: its frame with the controls set from the URL's view state.
TAB_LAYOUTS: dict[Tab, Callable[[ViewState], Any]] = {
    Tab.OVERVIEW: overview_layout.layout,
    Tab.RISK_SEGMENTS: segments_layout.layout,
    Tab.INTERVENTIONS: queue_layout.layout,
    Tab.ANALYTICS: analytics_layout.layout,
}


def root_class(presentation: bool) -> str:
    return f"{ROOT_CLASS} presentation" if presentation else ROOT_CLASS


CALLBACKS = Callbacks()


SYNC_OUTPUTS = {
    "url": Output(ShellIds.URL, "search"),
    "tab": Output(ShellIds.TABS, "active_tab"),
    "presentation": Output(ShellIds.PRESENTATION, "value"),
    "root_class": Output(ShellIds.ROOT, "className"),
}


@CALLBACKS.callback(
    output=SYNC_OUTPUTS,
    inputs={
        "search": Input(ShellIds.URL, "search"),
        "active_tab": Input(ShellIds.TABS, "active_tab"),
        "presentation": Input(ShellIds.PRESENTATION, "value"),
    },
)
def sync_shell(search: str | None, active_tab: str | None, presentation: bool | None):
    """URL -> tabs and switch on load and navigation; tabs and switch -> URL when clicked."""
    state = state_of(search)
    if ctx.triggered_id in (ShellIds.TABS, ShellIds.PRESENTATION):
        if ctx.triggered_id == ShellIds.TABS:
            new, shown = state.replace(tab=Tab(active_tab)), no_update
        else:
            new = state.replace(presentation=bool(presentation))
            shown = root_class(new.presentation)
        url = new.to_search() if new != state else no_update
        return {**unchanged(SYNC_OUTPUTS), "url": url, "root_class": shown}
    return {
        "url": no_update,
        "tab": if_changed(state.tab.value, active_tab),
        "presentation": if_changed(state.presentation, bool(presentation)),
        "root_class": root_class(state.presentation),
    }


@CALLBACKS.callback(
    Output(ShellIds.CONTENT, "children"),
    Output(ShellIds.RENDERED_VERSION, "data"),
    Input(ShellIds.TABS, "active_tab"),
    Input(ShellIds.DATA_VERSION, "data"),
    State(ShellIds.URL, "search"),
    State(ShellIds.RENDERED_VERSION, "data"),
)
@guarded(
    "the tab",
    lambda: (
        empty_state("This tab could not be shown.", icon_name="bi-exclamation-triangle"),
        no_update,
    ),
)
def render_tab(active_tab: str | None, version: int | None, search: str | None, shown: Any):
    """Draw the active tab, its controls set from the URL; again after a new scoring run."""
    if ctx.triggered_id == ShellIds.DATA_VERSION and shown == version:
        return no_update, no_update
    try:
        tab = Tab(active_tab)
    except ValueError:
        tab = Tab.OVERVIEW
    state = state_of(search).replace(tab=tab)
    return TAB_LAYOUTS[tab](state), version


@CALLBACKS.callback(
    output={
        "run_text": Output(ShellIds.LAST_RUN, "children"),
        "run_detail": Output(ShellIds.LAST_RUN_WRAP, "title"),
        "bell_label": Output(ShellIds.ALERTS_MENU, "label"),
        "bell_header": Output(AlertIds.HEADER, "children"),
        "bell_items": Output(AlertIds.LIST, "children"),
        "bell_shown_up_to": Output(AlertIds.SHOWN_UP_TO, "data"),
        "data_version": Output(ShellIds.DATA_VERSION, "data"),
    },
    inputs={
        "_ticks": Input(ShellIds.REFRESH, "n_intervals"),
        "_changed": Input(ShellIds.NAVBAR_CHANGED, "data"),
        "version": State(ShellIds.DATA_VERSION, "data"),
    },
)
@guarded(
    "the navbar status",
    lambda: {
        "run_text": "Scores: status unavailable",
        "run_detail": "",
        "bell_label": admin_alerts.bell_label(0),
        "bell_header": "Alerts unavailable",
        "bell_items": [],
        "bell_shown_up_to": None,
        "data_version": no_update,
    },
)
def update_status(_ticks: int | None, _changed: int | None, version: int | None):
    """The last run, the unread alerts and the data version, now, every minute and on a change."""
    now = utc_now()
    zone = display_zone()
    with read_session() as session:
        status = view_model.shell_status(session, zone=zone, now=now)
        bell = bell_model(session, zone=zone, now=now)
    items = admin_alerts.bell_items(bell, can_write=permissions.can_write())
    run_text = (
        [icon("bi-exclamation-triangle-fill", "text-warning me-1"), status.run_text]
        if status.run_failed
        else status.run_text
    )
    return {
        "run_text": run_text,
        "run_detail": status.run_detail,
        "bell_label": admin_alerts.bell_label(bell.count),
        "bell_header": bell.header,
        "bell_items": items,
        "bell_shown_up_to": bell.newest_id,
        "data_version": status.data_version if status.data_version != version else no_update,
    }


@CALLBACKS.callback(
    Output(ShellIds.URL, "search", allow_duplicate=True),
    Input({"type": OPEN_CLIENT, "client": ALL, "source": ALL}, "n_clicks"),
    State(ShellIds.URL, "search"),
    prevent_initial_call=True,
)
def open_client(_clicks: list[int | None], search: str | None):
    """Open the detail of the client whose row, list item or alert was clicked."""
    if not isinstance(ctx.triggered_id, dict) or not any(t["value"] for t in ctx.triggered):
        raise PreventUpdate
    return state_of(search).replace(client=ctx.triggered_id["client"]).to_search()
