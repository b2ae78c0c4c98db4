"""The admin frame's callbacks: ``?view=`` shows a view instead of the tabs; the gear menu and the pills switch views."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, ctx, html, no_update
from dash.exceptions import PreventUpdate

from dashboard.admin import (
    api_keys,
    audit_log,
    data_import,
    data_quality,
    outbox,
    schedules,
    status,
)
from dashboard.admin.frame import BACK, View, page_header, view_of, with_view
from dashboard.auth import permissions
from dashboard.components import empty_state, guarded
from dashboard.ids import ADMIN_VIEW_LINK, AdminIds, ShellIds
from dashboard.registry import Callbacks

# What a member whose role may not open a view reads in its place.
_ADMINS_ONLY = {
    View.DATA: (
        "Add clients and their activity from CSV files.",
        "Only admins can import data.",
        "Ask an admin of your team to import a file, or to give you an API key.",
    ),
    View.KEYS: (
        "Keys for the systems that send data to the dashboard.",
        "Only admins can manage API keys.",
        "Ask an admin of your team for a key for your system.",
    ),
    View.QUALITY: (
        "Why a client is missing from today's scores, or has odd data.",
        "Only admins and managers can check the data quality.",
        "Ask a manager of your team if a client's score looks wrong.",
    ),
    View.OUTBOX: (
        "Mail that went to the outbox instead of a mail server.",
        "Only admins can read the outbox.",
        "Ask an admin of your team if a mail you expected is missing.",
    ),
    View.AUDIT: (
        "Who signed in, exported, downloaded, changed schedules or recalculated.",
        "Only admins can read the audit log.",
        "Ask an admin of your team if you need to know who did something.",
    ),
}


def _render(view: View) -> Any:
    if permissions.current_role() not in view.roles:
        subtitle, text, hint = _ADMINS_ONLY[view]
        return html.Div(
            [
                page_header(view, subtitle),
                dbc.Card(dbc.CardBody(empty_state(text, hint=hint, icon_name="bi-lock"))),
            ],
            id=f"admin-{view.value}",
        )
    module = {
        View.STATUS: status,
        View.SCHEDULES: schedules,
        View.DATA: data_import,
        View.QUALITY: data_quality,
        View.KEYS: api_keys,
        View.OUTBOX: outbox,
        View.AUDIT: audit_log,
    }[view]
    return html.Div(module.layout(), id=f"admin-{view.value}")


CALLBACKS = Callbacks()


def _area(view: View | None, drawn: Any = no_update) -> dict[str, Any]:
    """The outputs of ``show_view``: the tabs or ``view`` shown, and what it draws."""
    return {
        "tabs_hidden": view is not None,
        "view_hidden": view is None,
        "view": drawn,
        "shown": view.value if view is not None else None,
    }


@CALLBACKS.callback(
    output={
        "tabs_hidden": Output(ShellIds.TAB_AREA, "hidden"),
        "view_hidden": Output(AdminIds.WRAP, "hidden"),
        "view": Output(AdminIds.AREA, "children"),
        "shown": Output(AdminIds.VIEW_KEY, "data"),
    },
    inputs={"search": Input(ShellIds.URL, "search"), "shown": State(AdminIds.VIEW_KEY, "data")},
)
@guarded("the admin view", lambda: _area(None, []))
def show_view(search: str | None, shown: str | None) -> dict[str, Any]:
    """``?view=`` -> the admin view instead of the tabs; drawn again only when the view changes."""
    view = view_of(search)
    if view is None:
        return _area(None, [] if shown else no_update)
    if shown == view.value:
        raise PreventUpdate
    return _area(view, _render(view))


@CALLBACKS.callback(
    Output(ShellIds.URL, "search", allow_duplicate=True),
    Input({"type": ADMIN_VIEW_LINK, "view": ALL, "source": ALL}, "n_clicks"),
    State(ShellIds.URL, "search"),
    prevent_initial_call=True,
)
def open_view(_links: list[int | None], search: str | None):
    """A gear-menu item or a view pill opens its view; "Back to the dashboard" closes it."""
    trigger = ctx.triggered_id
    if not isinstance(trigger, dict) or not any(t["value"] for t in ctx.triggered):
        raise PreventUpdate
    view = None if trigger["view"] == BACK else View(trigger["view"])
    new = with_view(search, view)
    return new if new != (search or "") else no_update
