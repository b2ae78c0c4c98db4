"""Audit log (``?view=audit``, admins only): who signed in, exported, downloaded, changed schedules, recalculated.

The newest ``models.AUDIT_SHOWN`` events of the chosen kinds, member (part of an
email or an address) and period, newest first, with how many match in all.
Failed and refused sign-ins stand out. The events are recorded by
``dashboard.auth.audit`` where the work happens; nothing here writes, and no
event holds a password or a token.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Input, Output, dcc, html

from dashboard.admin.frame import View, page_header, refresh_button
from dashboard.admin.models import AUDIT_LABELS, AUDIT_PERIOD_LABELS, AuditModel, audit_model
from dashboard.auth import permissions
from dashboard.clock import display_zone, utc_now
from dashboard.components import (
    empty_state,
    error_state,
    guarded,
    labelled,
    newest_first_card,
)
from dashboard.ids import AuditIds
from dashboard.registry import Callbacks
from dashboard.sessions import read_session

DEFAULT_PERIOD = "7d"


def layout() -> html.Div:
    """The view's frame and filters; ``render`` fills in the events."""
    refresh = refresh_button(AuditIds.REFRESH)
    actions = dcc.Dropdown(
        id=AuditIds.ACTIONS,
        options=[{"label": label, "value": value} for value, label in AUDIT_LABELS.items()],
        multi=True,
        placeholder="Everything",
    )
    who = dbc.Input(
        id=AuditIds.WHO, type="search", debounce=True, maxlength=200,
        placeholder="Part of an email or an address",
    )  # fmt: skip
    period = dbc.Select(
        id=AuditIds.PERIOD,
        options=[{"label": label, "value": value} for value, label in AUDIT_PERIOD_LABELS.items()],
        value=DEFAULT_PERIOD,
    )
    filters = dbc.Row(
        [
            labelled("What", actions, AuditIds.ACTIONS, md=5),
            labelled("Who", who, AuditIds.WHO, md=4),
            labelled("When", period, AuditIds.PERIOD, md=3),
        ],
        class_name="g-3 mb-3",
    )
    return html.Div(
        [
            page_header(
                View.AUDIT,
                "Sign-ins, exports and report downloads, schedule changes and recalculations: "
                "who, when and from where.",
                [refresh],
            ),
            filters,
            html.Div(id=AuditIds.TABLE),
        ]
    )


def audit_table(model: AuditModel) -> Any:
    """The events, newest first; refused sign-ins marked."""
    if not model.rows:
        return dbc.Card(
            dbc.CardBody(
                empty_state(
                    "Nothing recorded for these filters.",
                    hint="Widen the period, or clear the other filters.",
                    icon_name="bi-journal",
                )
            )
        )
    body = [
        html.Tr(
            [
                html.Td(row.when, className="text-nowrap"),
                html.Td(
                    dbc.Badge(
                        row.action,
                        color="warning" if row.failed else "light",
                        text_color="dark",
                        class_name="border",
                    ),
                    className="text-nowrap",
                ),
                html.Td(row.actor, className="text-break"),
                html.Td(row.address, className="text-nowrap small text-muted"),
                html.Td(row.subject, className="text-break"),
                html.Td(row.detail, className="small text-muted text-break"),
            ],
            id=f"au-event-{row.id}",
        )  # fmt: skip
        for row in model.rows
    ]
    header = [html.Th("Time", style={"width": "8rem"}), html.Th("What"), html.Th("Who"),
              html.Th("From"), html.Th("About"), html.Th("Detail")]  # fmt: skip
    shown = len(model.rows)
    title = (
        f"Latest {shown:,} of {model.total:,} events"
        if model.total > shown
        else f"{model.total:,} event{'s' if model.total != 1 else ''}"
    )
    return newest_first_card(title, header, body)


CALLBACKS = Callbacks()


@CALLBACKS.callback(
    output=Output(AuditIds.TABLE, "children"),
    inputs={
        "_clicks": Input(AuditIds.REFRESH, "n_clicks"),
        "actions": Input(AuditIds.ACTIONS, "value"),
        "who": Input(AuditIds.WHO, "value"),
        "period": Input(AuditIds.PERIOD, "value"),
    },
)
@guarded("the audit log", lambda: error_state("the audit log"))
def render(_clicks: int | None, actions: list[str] | None, who: str | None, period: str | None):
    """The events of the filters (admins only)."""
    if not permissions.is_admin():
        return empty_state("Only admins can read the audit log.", icon_name="bi-lock")
    with read_session() as session:
        model = audit_model(
            session,
            actions=actions,
            who=who,
            period=period or DEFAULT_PERIOD,
            zone=display_zone(),
            now=utc_now(),
        )
    return audit_table(model)
