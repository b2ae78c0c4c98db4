"""The alerts bell of the navbar: unread alerts, mark as read, and the test notification.

The bell lists the latest unread alerts of the whole team (client, message,
time in ``CSD_TIMEZONE``); a click on one opens the client's detail
(``?client=<id>``). Admins and managers also see "Mark read" beside each
alert, "Mark all read" (every unread alert the bell counted, not only those
listed; an alert raised since it was drawn stays unread) and "Send
test notification", which mails the signed-in member through
``dashboard.services.mail.send_mail`` and says where the mail went: the SMTP server,
or the outbox when SMTP is not configured. Viewers see the list only.

The list and the count are drawn by the shell's ``update_status`` (every
minute, and at once when ``ShellIds.NAVBAR_CHANGED`` is bumped, which these
callbacks do after marking alerts read).
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from dashboard.admin.models import BellModel, test_mail, unread_alert_ids
from dashboard.auth import permissions
from dashboard.clock import display_zone, utc_now
from dashboard.components import guarded, icon
from dashboard.ids import (
    ALERT_ACTION,
    ALERT_READ,
    AlertIds,
    ShellIds,
    alert_action_id,
    alert_read_id,
    open_client_id,
)
from dashboard.registry import Callbacks
from dashboard.services.mail import send_mail
from dashboard.sessions import app_database_url, write_session
from data.repositories.alerts import mark_alerts_read

MENU_WIDTH = "30rem"
MARK_ALL = "mark-all"
TEST_MAIL = "test-mail"


def bell_label(count: int) -> list[Any]:
    """The bell with the unread count (a red pill when there are any)."""
    badge = dbc.Badge(f"{count:,}", color="danger", pill=True, class_name="ms-1") if count else None
    return [
        icon("bi-bell-fill"),
        html.Span(f"{count:,} unread alerts", className="visually-hidden"),
        badge,
    ]


def bell() -> dbc.DropdownMenu:
    """The bell's menu; its header and list are filled in by the shell's ``update_status``."""
    writer = permissions.can_write()
    footer: list[Any] = []
    if writer:
        footer = [
            dbc.DropdownMenuItem(divider=True),
            html.Div(
                [
                    dbc.Button(
                        [icon("bi-check2-all", "me-1"), "Mark all read"],
                        id=alert_action_id(MARK_ALL), n_clicks=0, size="sm", color="primary", outline=True,
                    ),
                    dbc.Button(
                        [icon("bi-send", "me-1"), "Send test notification"],
                        id=alert_action_id(TEST_MAIL), n_clicks=0, size="sm", color="secondary", outline=True,
                        title="Send a test mail to yourself, to check that notifications reach you",
                    ),
                ],
                className="d-flex gap-2 px-3 py-1",
            ),
        ]  # fmt: skip
    return dbc.DropdownMenu(
        [
            html.H6("Loading alerts…", className="dropdown-header", id=AlertIds.HEADER),
            html.Div(id=AlertIds.LIST, style={"maxHeight": "55vh", "overflowY": "auto"}),
            dcc.Store(id=AlertIds.SHOWN_UP_TO),
            *footer,
            html.Div(id=AlertIds.FEEDBACK, className="px-3 small", role="status"),
        ],
        id=ShellIds.ALERTS_MENU,
        label=bell_label(0),
        nav=True,
        in_navbar=True,
        align_end=True,
        caret=False,
        toggle_class_name="text-white",
        class_name="presentation-hidden",
    )


def bell_items(model: BellModel, *, can_write: bool) -> list[Any]:
    """Silent data sources first, then one row per listed alert: the alert (opens the client) and,
    for writers, "Mark read"."""
    rows: list[Any] = [
        html.Div(
            [icon("bi-exclamation-triangle-fill", "text-danger me-2"), html.Span(notice)],
            className="d-flex align-items-start small px-3 py-2 border-bottom text-wrap bell-notice",
            style={"width": MENU_WIDTH},
        )
        for notice in model.notices
    ]
    if not model.alerts:
        return rows or [dbc.DropdownMenuItem("Nothing needs your attention.", disabled=True)]
    for i, alert in enumerate(model.alerts):
        item = dbc.DropdownMenuItem(
            [
                html.Div(alert.client_name, className="fw-semibold"),
                html.Div(alert.message, className="small text-wrap"),
                html.Div(alert.when, className="small text-muted"),
            ],
            id=open_client_id(alert.client_id, f"alert-{i}"),
            n_clicks=0,
            class_name="alert-item flex-grow-1",
            style={"whiteSpace": "normal", "minWidth": 0},
        )
        parts: list[Any] = [item]
        if can_write:
            parts.append(
                dbc.Button(
                    [icon("bi-check2", "me-1"), "Mark read"],
                    id=alert_read_id(alert.id),
                    n_clicks=0,
                    size="sm",
                    color="link",
                    class_name="text-nowrap me-2 mt-1 alert-read",
                    title=f"Mark the alert about {alert.client_name} as read",
                )
            )
        rows.append(
            html.Div(
                parts,
                className="d-flex align-items-start border-bottom",
                style={"width": MENU_WIDTH},
            )
        )
    return rows


def _test_notification() -> html.Div:
    """Mail a test notification to the signed-in member; where it went, as a line for the menu."""
    me = permissions.requester()
    if not me.email:
        return html.Div("Your account has no email address, so there is nowhere to send a test to.")
    zone, now = display_zone(), utc_now()
    subject, body = test_mail(me.name, zone=zone, now=now)
    result = send_mail(me.email, subject, body, url=app_database_url())
    text = result.describe()
    if result.via == "outbox":
        text += (
            " Admins read it under the gear menu: Outbox."
            if not permissions.is_admin()
            else " Open it from the gear menu: Outbox."
        )
    return html.Div(
        [icon("bi-envelope-check" if result.ok else "bi-exclamation-triangle", "me-1"), text],
        className="text-success" if result.ok else "text-danger",
        id="al-test-result",
    )


CALLBACKS = Callbacks()


@CALLBACKS.callback(
    Output(ShellIds.NAVBAR_CHANGED, "data"),
    Output(AlertIds.FEEDBACK, "children"),
    Input({"type": ALERT_READ, "alert": ALL}, "n_clicks"),
    Input({"type": ALERT_ACTION, "action": ALL}, "n_clicks"),
    State(ShellIds.NAVBAR_CHANGED, "data"),
    State(AlertIds.SHOWN_UP_TO, "data"),
    prevent_initial_call=True,
)
@guarded("an alerts action", lambda: (no_update, "That did not work; please try again."))
def act(
    _read: list[int | None],
    _actions: list[int | None],
    changed: int | None,
    shown_up_to: int | None,
):
    """Mark one alert or all unread alerts read, or send a test notification (admins and managers)."""
    trigger = ctx.triggered_id
    if not isinstance(trigger, dict) or not any(t["value"] for t in ctx.triggered):
        raise PreventUpdate
    if not permissions.can_write():
        return no_update, permissions.NOT_A_WRITER
    if trigger.get("action") == TEST_MAIL:
        return no_update, _test_notification()
    with write_session() as session:
        ids = (
            unread_alert_ids(session, up_to=shown_up_to)
            if trigger.get("action") == MARK_ALL
            else [int(trigger["alert"])]
        )
        marked = mark_alerts_read(session, ids)
    message = f"{marked:,} alerts marked read." if trigger.get("action") == MARK_ALL else ""
    return (changed or 0) + 1, message
