"""Outbox (``?view=outbox``, admins only): the mail kept in the app because SMTP is not configured.

Alerts, scheduled reports and test notifications land here when there is no
mail server (``dashboard.services.mail``); a mail the SMTP server refused is kept here
too. The newest come first: who it was for, the subject, when, the message
itself (folded away) and its attachment to download. Only admins see the
view, and the download checks the role again on the server.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from dashboard.admin.frame import View, page_header, refresh_button
from dashboard.admin.models import OUTBOX_SHOWN, OutboxRow, outbox_model
from dashboard.auth import permissions
from dashboard.clock import display_zone, utc_now
from dashboard.components import empty_state, error_state, guarded, icon, newest_first_card
from dashboard.ids import OUTBOX_ATTACHMENT, OutboxIds, outbox_attachment_id
from dashboard.registry import Callbacks
from dashboard.sessions import read_session
from data.repositories.outbox import outbox_attachment


def layout() -> html.Div:
    """The view's frame; ``render`` fills in the mails."""
    refresh = refresh_button(OutboxIds.REFRESH)
    return html.Div(
        [
            page_header(
                View.OUTBOX,
                "Mail kept in the app because SMTP is not configured (or the mail server refused it).",
                [refresh],
            ),
            dcc.Download(id=OutboxIds.DOWNLOAD),
            html.Div(id=OutboxIds.FEEDBACK, role="status"),
            html.Div(id=OutboxIds.TABLE),
        ]
    )


def _message(row: OutboxRow) -> html.Details:
    return html.Details(
        [
            html.Summary(row.subject, className="fw-semibold"),
            html.Pre(row.body, className="small mb-0 mt-2 p-2 bg-light border rounded", style={"whiteSpace": "pre-wrap"}),
        ]
    )  # fmt: skip


def outbox_table(rows: list[OutboxRow]) -> Any:
    """The mails, newest first; a click on a subject shows the message."""
    if not rows:
        return dbc.Card(
            dbc.CardBody(
                empty_state(
                    "The outbox is empty.",
                    hint="Mail lands here when SMTP is not configured: alerts, scheduled reports, test notifications.",
                    icon_name="bi-envelope-open",
                )
            )
        )
    body = []
    for row in rows:
        attachment: Any = html.Span("–", className="text-muted")
        if row.attachment:
            attachment = dbc.Button(
                [icon("bi-download", "me-1"), row.attachment],
                id=outbox_attachment_id(row.id), n_clicks=0, size="sm", color="primary", outline=True,
                title=f"Download {row.attachment}",
            )  # fmt: skip
        body.append(
            html.Tr(
                [
                    html.Td(row.when, className="text-nowrap"),
                    html.Td(row.to, className="text-break"),
                    html.Td(_message(row)),
                    html.Td(attachment, className="text-nowrap"),
                ],
                id=f"ob-mail-{row.id}",
            )
        )
    header = [html.Th("Time", style={"width": "9rem"}), html.Th("To", style={"width": "16rem"}),
              html.Th("Subject (click to read)"), html.Th("Attachment")]  # fmt: skip
    title = (
        f"Latest {len(rows)} mails"
        if len(rows) >= OUTBOX_SHOWN
        else f"{len(rows)} mail{'s' if len(rows) != 1 else ''}"
    )
    return newest_first_card(title, header, body)


CALLBACKS = Callbacks()


@CALLBACKS.callback(
    Output(OutboxIds.TABLE, "children"),
    Input(OutboxIds.REFRESH, "n_clicks"),
)
@guarded("the outbox", lambda: error_state("the outbox"))
def render(_clicks: int | None):
    """The latest mails of the outbox (admins only)."""
    if not permissions.is_admin():
        return empty_state("Only admins can read the outbox.", icon_name="bi-lock")
    with read_session() as session:
        rows = outbox_model(session, zone=display_zone(), now=utc_now())
    return outbox_table(rows)


@CALLBACKS.callback(
    Output(OutboxIds.DOWNLOAD, "data"),
    Output(OutboxIds.FEEDBACK, "children"),
    Input({"type": OUTBOX_ATTACHMENT, "mail": ALL}, "n_clicks"),
    prevent_initial_call=True,
)
@guarded(
    "an outbox attachment",
    lambda: (no_update, dbc.Alert("The attachment could not be read.", color="danger")),
)
def download(_clicks: list[int | None]):
    """Send one mail's attachment to the browser (admins only)."""
    trigger = ctx.triggered_id
    if not isinstance(trigger, dict) or not any(t["value"] for t in ctx.triggered):
        raise PreventUpdate
    if not permissions.is_admin():
        return no_update, dbc.Alert(permissions.NOT_AN_ADMIN, color="danger")
    with read_session() as session:
        found = outbox_attachment(session, int(trigger["mail"]))
    if found is None:
        return no_update, dbc.Alert("That mail has no attachment any more.", color="warning")
    name, content = found
    return dcc.send_bytes(content, name), None
