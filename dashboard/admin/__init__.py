"""The admin views: System status, Scheduled reports and the Outbox, and the alerts bell's actions.

The views open from the gear menu of the navbar and live in the URL as
``?view=status``, ``?view=schedules`` or ``?view=outbox`` (beside the tab and
the other parameters of ``dashboard.view_state``, which keeps them as they
are). While a view is open it replaces the tabs; "Back to the dashboard"
takes ``view`` out of the URL and shows the tab the URL still names. A
client's detail (``?client=``) opens over a view as over a tab.

Who sees and may do what is in ``dashboard.admin.access``; every callback
that changes something checks it on the server. The Outbox is for admins
only: the gear menu does not offer it to others, and the view refuses them.

Modules: ``status``, ``schedules``, ``outbox`` (one view each), ``alerts``
(the bell's list, mark as read, the test notification), ``models`` (their
view models), ``jobs`` (the background work of "Recalculate now" and "Run
now"), ``access`` (roles).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any
from urllib.parse import parse_qsl

import dash_bootstrap_components as dbc
from dash import ALL, Dash, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from dashboard.admin import access
from dashboard.components import empty_state, guarded, icon
from dashboard.ids import ADMIN_VIEW_LINK, AdminIds, ShellIds, admin_view_link_id
from dashboard.view_state import state_of

VIEW_PARAM = "view"
BACK = "back"  # the "view" of the back button's id: no view, the tabs


class View(StrEnum):
    """The admin views; the value is what the URL's ``view=`` holds."""

    STATUS = "status"
    SCHEDULES = "schedules"
    OUTBOX = "outbox"

    @property
    def label(self) -> str:
        return {"status": "System status", "schedules": "Scheduled reports", "outbox": "Outbox"}[
            self.value
        ]

    @property
    def icon_name(self) -> str:
        return {"status": "bi-activity", "schedules": "bi-calendar-week", "outbox": "bi-envelope"}[
            self.value
        ]

    @property
    def admin_only(self) -> bool:
        return self is View.OUTBOX


def view_of(search: str | None) -> View | None:
    """The admin view the query string names, or None (the tabs); unknown values are ignored."""
    value = dict(parse_qsl((search or "").lstrip("?"))).get(VIEW_PARAM)
    try:
        return View(value) if value else None
    except ValueError:
        return None


def with_view(search: str | None, view: View | None) -> str:
    """``search`` with ``view=`` set to ``view`` (or removed for None), every other parameter kept."""
    state = state_of(search)
    extra = tuple((key, value) for key, value in state.extra if key != VIEW_PARAM)
    if view is not None:
        extra += ((VIEW_PARAM, view.value),)
    return state.replace(extra=extra).to_search()


def views_for_current_role() -> list[View]:
    """The views the gear menu offers to whoever makes the request."""
    admin = access.is_admin()
    return [view for view in View if admin or not view.admin_only]


def gear_menu() -> dbc.DropdownMenu:
    """The gear menu of the navbar: one item per admin view the current role may open."""
    return dbc.DropdownMenu(
        [
            dbc.DropdownMenuItem(
                [icon(view.icon_name, "me-2"), view.label],
                id=admin_view_link_id(view.value, "menu"),
                n_clicks=0,
            )
            for view in views_for_current_role()
        ],
        id=ShellIds.ADMIN_MENU,
        label=[icon("bi-gear-fill"), html.Span("Administration", className="visually-hidden")],
        nav=True,
        in_navbar=True,
        align_end=True,
        caret=False,
        toggle_class_name="text-white",
        class_name="presentation-hidden",
    )


def area() -> html.Div:
    """Where an admin view is drawn (hidden while the tabs are shown)."""
    return html.Div(
        [dcc.Store(id=AdminIds.VIEW_KEY), html.Div(id=AdminIds.AREA)],
        className="app-main container-fluid",
        hidden=True,
        id=AdminIds.WRAP,
    )


def page_header(view: View, subtitle: str, actions: list[Any] | None = None) -> html.Div:
    """The heading of a view: back link, view pills, title, subtitle and the view's buttons."""
    pills = html.Nav(
        [
            html.Button(
                [icon(item.icon_name, "me-1"), item.label],
                id=admin_view_link_id(item.value, "pill"),
                n_clicks=0,
                className=f"btn btn-sm {'btn-primary' if item is view else 'btn-outline-primary'}",
                **({"aria-current": "page"} if item is view else {}),
            )
            for item in views_for_current_role()
        ],
        className="d-flex gap-2",
        **{"aria-label": "Administration"},
    )
    back = dbc.Button(
        [icon("bi-arrow-left", "me-1"), "Back to the dashboard"],
        id=admin_view_link_id(BACK, "back"),
        n_clicks=0,
        color="secondary",
        outline=True,
        size="sm",
    )
    return html.Div(
        [
            html.Div([back, pills], className="d-flex align-items-center gap-3 flex-wrap mb-3"),
            html.Div(
                [
                    html.Div(
                        [
                            html.H2(
                                [icon(view.icon_name, "me-2"), view.label],
                                className="page-title h3 mb-1",
                            ),
                            html.P(subtitle, className="page-subtitle mb-0"),
                        ]
                    ),
                    html.Div(actions or [], className="d-flex gap-2 align-items-center flex-wrap"),
                ],
                className="d-flex justify-content-between align-items-end gap-3 flex-wrap",
            ),
        ],
        className="mb-3",
    )


def _render(view: View) -> Any:
    from dashboard.admin import outbox, schedules, status

    if view.admin_only and not access.is_admin():
        return html.Div(
            [
                page_header(view, "Mail that went to the outbox instead of a mail server."),
                dbc.Card(
                    dbc.CardBody(
                        empty_state(
                            "Only admins can read the outbox.",
                            hint="Ask an admin of your team if a mail you expected is missing.",
                            icon_name="bi-lock",
                        )
                    )
                ),
            ],
            id=f"admin-{view.value}",
        )
    module = {View.STATUS: status, View.SCHEDULES: schedules, View.OUTBOX: outbox}[view]
    return html.Div(module.layout(), id=f"admin-{view.value}")


def register(app: Dash) -> None:
    """The callbacks of the admin frame, of each view and of the alerts bell."""
    from dashboard.admin import alerts, outbox, schedules, status

    @app.callback(
        Output(ShellIds.TAB_AREA, "hidden"),
        Output(AdminIds.WRAP, "hidden"),
        Output(AdminIds.AREA, "children"),
        Output(AdminIds.VIEW_KEY, "data"),
        Input(ShellIds.URL, "search"),
        State(AdminIds.VIEW_KEY, "data"),
    )
    @guarded("the admin view", lambda: (False, True, [], None))
    def show_view(search: str | None, shown: str | None):
        """``?view=`` -> the admin view instead of the tabs; drawn again only when the view changes."""
        view = view_of(search)
        if view is None:
            return False, True, ([] if shown else no_update), None
        if shown == view.value:
            raise PreventUpdate
        return True, False, _render(view), view.value

    @app.callback(
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

    alerts.register(app)
    status.register(app)
    schedules.register(app)
    outbox.register(app)
