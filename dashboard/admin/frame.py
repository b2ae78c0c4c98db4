"""The admin views' frame: which view the URL names, the gear menu, the area the views draw in, their page header."""

from __future__ import annotations

from enum import StrEnum
from typing import Any
from urllib.parse import parse_qsl

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.auth import permissions
from dashboard.auth.members import WRITER_ROLES
from dashboard.components import icon
from dashboard.ids import AdminIds, ShellIds, admin_view_link_id
from dashboard.view_state import state_of
from scoring.enums import Role

VIEW_PARAM = "view"


BACK = "back"  # the "view" of the back button's id: no view, the tabs


class View(StrEnum):
    """The admin views; the value is what the URL's ``view=`` holds."""

    STATUS = "status"
    SCHEDULES = "schedules"
    DATA = "data"
    QUALITY = "quality"
    KEYS = "keys"
    OUTBOX = "outbox"
    AUDIT = "audit"

    @property
    def label(self) -> str:
        return {
            "status": "System status",
            "schedules": "Scheduled reports",
            "data": "Import data",
            "quality": "Data quality",
            "keys": "API keys",
            "outbox": "Outbox",
            "audit": "Audit log",
        }[self.value]

    @property
    def icon_name(self) -> str:
        return {
            "status": "bi-activity",
            "schedules": "bi-calendar-week",
            "data": "bi-upload",
            "quality": "bi-clipboard-check",
            "keys": "bi-key",
            "outbox": "bi-envelope",
            "audit": "bi-journal-text",
        }[self.value]

    @property
    def roles(self) -> frozenset[Role]:
        """The roles that may open the view (the others read why not)."""
        if self in (View.DATA, View.KEYS, View.OUTBOX, View.AUDIT):
            return frozenset({Role.ADMIN})
        if self is View.QUALITY:
            return WRITER_ROLES
        return frozenset(Role)


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
    role = permissions.current_role()
    return [view for view in View if role in view.roles]


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


def refresh_button(button_id: str) -> dbc.Button:
    """A view's "Refresh": reads the view's data again."""
    return dbc.Button(
        [icon("bi-arrow-clockwise", "me-1"), "Refresh"],
        id=button_id,
        n_clicks=0,
        color="secondary",
        outline=True,
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
