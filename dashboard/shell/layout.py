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
from dash import dcc, html
from flask import current_app, has_request_context

from dashboard.admin import alerts as admin_alerts
from dashboard.admin import frame as admin_frame
from dashboard.auth import permissions
from dashboard.auth.login import session_csrf_token
from dashboard.components import empty_state, icon
from dashboard.ids import ShellIds, Tab
from dashboard.tabs.client_detail import layout as detail_layout

PRODUCT_NAME = "Customer Success Dashboard"


REFRESH_MS = 60_000


NOT_YET = "not-yet"  # no scoring-run version has been read since the page loaded


ROOT_CLASS = "app-root"


def _has_route(path: str) -> bool:
    return has_request_context() and any(
        rule.rule == path for rule in current_app.url_map.iter_rules()
    )


def _user_block() -> list[Any]:
    me = permissions.requester()
    if me == permissions.NOBODY:
        return []
    role_label = me.role.label
    parts: list[Any] = [
        html.Span(
            [icon("bi-person-circle"), html.Span(me.name, className="ms-1 fw-semibold"),
             html.Span(f" · {role_label}" if role_label else "", className="opacity-75")],
            id=ShellIds.USER,
            className="navbar-text text-white text-nowrap",
        )
    ]  # fmt: skip
    if _has_route("/logout"):
        # A form that posts with the session's token: a link (a GET) would let any page sign out.
        parts.append(
            html.Form(
                [
                    dcc.Input(type="hidden", name="csrf_token", value=session_csrf_token()),
                    html.Button(
                        [icon("bi-box-arrow-right"), html.Span("Sign out", className="ms-1")],
                        type="submit",
                        id=ShellIds.SIGN_OUT,
                        className="btn btn-link nav-link text-white text-nowrap p-0",
                    ),
                ],
                action="/logout",
                method="POST",
                className="d-flex align-items-center mb-0",
            )
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
                        admin_frame.gear_menu(),
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
            admin_frame.area(),
            detail_layout.layout(),
        ],
        id=ShellIds.ROOT,
        className=ROOT_CLASS,
    )
