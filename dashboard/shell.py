"""The frame around the tabs: navbar, tabs, the URL's view state and presentation mode.

- The navbar shows the product, the time of the last successful scoring run
  (in ``CSD_TIMEZONE``), an alerts bell with the unread count and the latest
  unread alerts (each opens its client; ``dashboard.admin.alerts``), the gear
  menu of the admin views, the presentation switch and the signed-in user. It
  refreshes every minute, and at once when ``ShellIds.NAVBAR_CHANGED`` is
  bumped (alerts marked read, a recalculation finished); when a new scoring
  run has finished, ``ShellIds.DATA_VERSION`` changes and the active tab is
  drawn again.
- The admin views (System status, Scheduled reports, Outbox) open from the
  gear menu as ``?view=...`` and replace the tabs while open
  (``dashboard.admin``).
- The view state lives in the URL (``dashboard.view_state``). ``sync_shell``
  is the one callback that keeps the tabs and the presentation switch and the
  URL in step, in both directions (a circular callback, as Dash allows within
  one callback); the tabs' own controls do the same in their modules, each
  through its own ``dcc.Location``. Every Location uses
  ``refresh="callback-nav"``, so a change written by one is announced to the
  others and they never disagree about the address.
- Presentation mode puts ``presentation`` on the root element: app.css then
  raises the type size and contrast and hides everything marked
  ``presentation-hidden``; the charts switch to their larger type.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import ALL, Dash, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate
from flask import current_app, has_request_context

from dashboard import admin, queries
from dashboard.admin import access
from dashboard.admin import alerts as admin_alerts
from dashboard.admin.models import bell_model
from dashboard.ids import OPEN_CLIENT, AlertIds, ShellIds, Tab
from dashboard.sessions import read_session
from dashboard.tabs import (
    analytics,
    client_detail,
    empty_state,
    guarded,
    icon,
    interventions,
    overview,
    risk_segments,
)
from dashboard.view_state import state_of

PRODUCT_NAME = "Customer Success Dashboard"
REFRESH_MS = 60_000
NOT_YET = "not-yet"  # no scoring-run version has been read since the page loaded
ROOT_CLASS = "app-root"

# Each tab's module: ``layout(state)`` draws it, ``register(app)`` adds its callbacks.
TAB_MODULES: dict[Tab, Any] = {
    Tab.OVERVIEW: overview,
    Tab.RISK_SEGMENTS: risk_segments,
    Tab.INTERVENTIONS: interventions,
    Tab.ANALYTICS: analytics,
}


def root_class(presentation: bool) -> str:
    return f"{ROOT_CLASS} presentation" if presentation else ROOT_CLASS


def _signed_in_user() -> Any | None:
    """The signed-in user when sign-in is set up and someone is signed in, else None."""
    if not has_request_context() or not hasattr(current_app, "login_manager"):
        return None
    from dashboard.auth import signed_in_user

    return signed_in_user()


def _has_route(path: str) -> bool:
    return has_request_context() and any(
        rule.rule == path for rule in current_app.url_map.iter_rules()
    )


def _user_block() -> list[Any]:
    user = _signed_in_user()
    if user is None:
        return []
    role = getattr(user, "role", None)
    role_label = getattr(role, "label", str(role or "")).strip()
    parts: list[Any] = [
        html.Span(
            [icon("bi-person-circle"), html.Span(str(getattr(user, "name", "")), className="ms-1 fw-semibold"),
             html.Span(f" · {role_label}" if role_label else "", className="opacity-75")],
            id=ShellIds.USER,
            className="navbar-text text-white text-nowrap",
        )
    ]  # fmt: skip
    if _has_route("/logout"):
        parts.append(
            html.A(
                [icon("bi-box-arrow-right"), html.Span("Sign out", className="ms-1")],
                href="/logout",
                className="nav-link text-white text-nowrap",
            )  # fmt: skip
        )
    return parts


def navbar() -> dbc.Navbar:
    """The top bar; the run time and the alerts are filled in by ``update_status``."""
    return dbc.Navbar(
        dbc.Container(
            [
                html.H1([icon("bi-heart-pulse-fill"), PRODUCT_NAME], className="navbar-brand mb-0"),
                html.Div(
                    [
                        html.Span(
                            [
                                icon("bi-clock-history"),
                                html.Span(id=ShellIds.LAST_RUN, className="ms-1"),
                            ],
                            className="navbar-text text-white text-nowrap",
                            id=ShellIds.LAST_RUN_WRAP,
                        ),
                        admin_alerts.bell(),
                        admin.gear_menu(),
                        dbc.Switch(
                            id=ShellIds.PRESENTATION,
                            label="Presentation",
                            value=False,
                            class_name="text-white mb-0 text-nowrap",
                            label_class_name="text-white",
                            input_style={"borderColor": "rgba(255, 255, 255, 0.9)"},
                        ),
                        html.Div(
                            _user_block(),
                            className="d-flex align-items-center gap-2 presentation-hidden",
                        ),
                    ],
                    className="d-flex align-items-center gap-3 ms-auto",
                ),
            ],
            fluid=True,
        ),
        class_name="app-navbar",
        color="primary",
        dark=True,
    )


def layout() -> html.Div:
    """The page: navbar, tabs, the active tab (drawn by ``render_tab``) and the client detail."""
    return html.Div(
        [
            dcc.Location(id=ShellIds.URL, refresh="callback-nav"),
            dcc.Interval(id=ShellIds.REFRESH, interval=REFRESH_MS),
            dcc.Store(id=ShellIds.DATA_VERSION),
            dcc.Store(id=ShellIds.RENDERED_VERSION, data=NOT_YET),
            dcc.Store(id=ShellIds.NAVBAR_CHANGED, data=0),
            navbar(),
            html.Div(
                dbc.Container(
                    [
                        dbc.Tabs(
                            [dbc.Tab(label=tab.label, tab_id=tab.value) for tab in Tab],
                            id=ShellIds.TABS,
                            active_tab=Tab.OVERVIEW.value,
                        ),
                        html.Main(
                            empty_state(
                                "Loading client health data…", icon_name="bi-hourglass-split"
                            ),
                            id=ShellIds.CONTENT,
                        ),
                    ],
                    class_name="app-main",
                    fluid=True,
                ),
                id=ShellIds.TAB_AREA,
            ),
            admin.area(),
            client_detail.layout(),
        ],
        id=ShellIds.ROOT,
        className=ROOT_CLASS,
    )


def register(app: Dash) -> None:
    """The shell's callbacks: URL sync, tab rendering, navbar status and opening a client."""

    @app.callback(
        Output(ShellIds.URL, "search"),
        Output(ShellIds.TABS, "active_tab"),
        Output(ShellIds.PRESENTATION, "value"),
        Output(ShellIds.ROOT, "className"),
        Input(ShellIds.URL, "search"),
        Input(ShellIds.TABS, "active_tab"),
        Input(ShellIds.PRESENTATION, "value"),
    )
    def sync_shell(search: str | None, active_tab: str | None, presentation: bool | None):
        """URL -> tabs and switch on load and navigation; tabs and switch -> URL when clicked."""
        state = state_of(search)
        if ctx.triggered_id == ShellIds.TABS:
            new = state.replace(tab=Tab(active_tab))
            return (new.to_search() if new != state else no_update), no_update, no_update, no_update
        if ctx.triggered_id == ShellIds.PRESENTATION:
            new = state.replace(presentation=bool(presentation))
            return (
                (new.to_search() if new != state else no_update),
                no_update,
                no_update,
                root_class(new.presentation),
            )
        return (
            no_update,
            state.tab.value if state.tab.value != active_tab else no_update,
            state.presentation if state.presentation != bool(presentation) else no_update,
            root_class(state.presentation),
        )

    @app.callback(
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
        return TAB_MODULES[tab].layout(state), version

    @app.callback(
        Output(ShellIds.LAST_RUN, "children"),
        Output(ShellIds.LAST_RUN_WRAP, "title"),
        Output(ShellIds.ALERTS_MENU, "label"),
        Output(AlertIds.HEADER, "children"),
        Output(AlertIds.LIST, "children"),
        Output(ShellIds.DATA_VERSION, "data"),
        Input(ShellIds.REFRESH, "n_intervals"),
        Input(ShellIds.NAVBAR_CHANGED, "data"),
        State(ShellIds.DATA_VERSION, "data"),
    )
    @guarded(
        "the navbar status",
        lambda: (
            "Scores: status unavailable",
            "",
            admin_alerts.bell_label(0),
            "Alerts unavailable",
            [],
            no_update,
        ),
    )
    def update_status(_ticks: int | None, _changed: int | None, version: int | None):
        """The last run, the unread alerts and the data version, now, every minute and on a change."""
        now = queries.utc_now()
        zone = queries.display_zone()
        with read_session() as session:
            status = queries.shell_status(session, zone=zone, now=now)
            bell = bell_model(session, zone=zone, now=now)
        items = admin_alerts.bell_items(bell, can_write=access.can_write())
        run_text = (
            [icon("bi-exclamation-triangle-fill", "text-warning me-1"), status.run_text]
            if status.run_failed
            else status.run_text
        )
        new_version = status.data_version if status.data_version != version else no_update
        return (
            run_text,
            status.run_detail,
            admin_alerts.bell_label(bell.unread),
            bell.header,
            items,
            new_version,
        )

    @app.callback(
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

    admin.register(app)  # the admin views of the gear menu and the bell's actions
