"""API keys (``?view=keys``, admins only): keys for the systems that send data, made, listed, revoked.

A key is made with a name (who uses it), a role (what it may do, as a member
of that role) and, optionally, the last day it works. It is shown once, with
a copy button; only its digest is stored (``data.repositories.api_keys``).
The list shows each key's first characters, role, maker, expiry, last use and
state. Revoking asks first, then takes effect on the key's next request.
Making and revoking keys go to the audit log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
from dash import ALL, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from dashboard.admin.frame import View, page_header, refresh_button
from dashboard.auth import permissions
from dashboard.auth.audit import audit
from dashboard.clock import display_zone, utc_now
from dashboard.components import (
    empty_state,
    error_state,
    guarded,
    icon,
    labelled,
    newest_first_card,
)
from dashboard.formatting import local_time_text
from dashboard.ids import API_KEY_REVOKE, ApiKeyIds, api_key_revoke_id
from dashboard.registry import Callbacks
from dashboard.sessions import read_session, write_session
from data.models import API_KEY_NAME_LENGTH, ApiKey, AuditAction
from data.repositories.api_keys import ApiKeyError, api_keys_frame, create_api_key, revoke_api_key
from scoring.enums import Role

ROLE_HELP = {
    Role.MANAGER.value: "Manager",
    Role.VIEWER.value: "Viewer (read only)",
    Role.ADMIN.value: "Admin",
}


def layout() -> html.Div:
    """The view's frame: the new-key form, the key shown once, the list and the revoke dialog."""
    refresh = refresh_button(ApiKeyIds.REFRESH)
    name = dbc.Input(
        id=ApiKeyIds.NAME, maxlength=API_KEY_NAME_LENGTH, placeholder="e.g. Booking system",
    )  # fmt: skip
    role = dbc.Select(
        id=ApiKeyIds.ROLE,
        options=[{"label": text, "value": value} for value, text in ROLE_HELP.items()],
        value=Role.MANAGER.value,
    )
    expires = dbc.Input(id=ApiKeyIds.EXPIRES, type="date")
    create = dbc.Button(
        [icon("bi-key", "me-1"), "Create key"], id=ApiKeyIds.CREATE, n_clicks=0, color="primary",
        class_name="w-100",
    )  # fmt: skip
    form = dbc.Card(
        [
            dbc.CardHeader("New key", class_name="fw-semibold"),
            dbc.CardBody(
                [
                    dbc.Row(
                        [
                            labelled("Name (who uses it)", name, ApiKeyIds.NAME, md=4),
                            labelled("Role", role, ApiKeyIds.ROLE, md=3),
                            labelled("Works until (optional)", expires, ApiKeyIds.EXPIRES, md=3),
                            dbc.Col(create, md=2, class_name="d-flex align-items-end"),
                        ],
                        class_name="g-3",
                    ),
                    html.Div(id=ApiKeyIds.CREATED, className="mt-3"),
                ]
            ),
        ],
        class_name="mb-3",
    )
    dialog = dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle("Revoke this key?")),
            dbc.ModalBody(id=ApiKeyIds.DIALOG_TEXT),
            dbc.ModalFooter(
                [
                    dbc.Button(
                        "Keep it", id=ApiKeyIds.CANCEL, n_clicks=0, color="secondary", outline=True
                    ),
                    dbc.Button(
                        [icon("bi-x-octagon", "me-1"), "Revoke"],
                        id=ApiKeyIds.CONFIRM,
                        n_clicks=0,
                        color="danger",
                    ),
                ]
            ),  # fmt: skip
        ],
        id=ApiKeyIds.DIALOG,
        is_open=False,
    )
    return html.Div(
        [
            page_header(
                View.KEYS,
                "Keys for the systems that send data, such as a booking system. "
                "A revoked key stops at its next request.",
                [refresh],
            ),
            form,
            html.Div(id=ApiKeyIds.FEEDBACK),
            html.Div(id=ApiKeyIds.TABLE),
            dcc.Store(id=ApiKeyIds.CHANGED, data=0),
            dcc.Store(id=ApiKeyIds.TARGET),
            dialog,
        ]
    )


@dataclass(frozen=True)
class KeyRow:
    id: int
    name: str
    prefix: str
    role: str
    created: str
    expires: str
    last_used: str
    state: str  # active, revoked, expired
    live: bool


def key_rows(frame: pd.DataFrame, *, zone: Any, now: pd.Timestamp) -> list[KeyRow]:
    """The keys of ``api_keys_frame`` (newest first) as the list shows them."""
    rows = []
    for key in frame.itertuples(index=False):
        expired = pd.notna(key.expires_at) and key.expires_at <= now
        state = "revoked" if pd.notna(key.revoked_at) else "expired" if expired else "active"
        maker = key.created_by_name if isinstance(key.created_by_name, str) else "–"
        rows.append(
            KeyRow(
                id=int(key.id),
                name=str(key.name),
                prefix=f"{key.prefix}…",
                role=str(key.role).capitalize(),
                created=f"{local_time_text(key.created_at, zone, now=now)} by {maker}",
                expires=(
                    local_time_text(key.expires_at, zone, now=now)
                    if pd.notna(key.expires_at)
                    else "Never"
                ),
                last_used=(
                    local_time_text(key.last_used_at, zone, now=now)
                    if pd.notna(key.last_used_at)
                    else "Never"
                ),
                state=state,
                live=state == "active",
            )
        )
    return rows


STATE_COLORS = {"active": "success", "revoked": "secondary", "expired": "warning"}


def keys_table(rows: list[KeyRow]) -> Any:
    if not rows:
        return dbc.Card(
            dbc.CardBody(
                empty_state(
                    "No API keys yet.",
                    hint="Make one for each system that sends data, so each can be revoked alone.",
                    icon_name="bi-key",
                )
            )
        )
    body = [
        html.Tr(
            [
                html.Td(row.name, className="fw-semibold text-break"),
                html.Td(html.Code(row.prefix)),
                html.Td(row.role),
                html.Td(row.created),
                html.Td(row.expires, className="text-nowrap"),
                html.Td(row.last_used, className="text-nowrap"),
                html.Td(dbc.Badge(row.state.capitalize(), color=STATE_COLORS[row.state])),
                html.Td(
                    dbc.Button(
                        "Revoke",
                        id=api_key_revoke_id(row.id),
                        n_clicks=0,
                        size="sm",
                        color="danger",
                        outline=True,
                    )  # fmt: skip
                    if row.live
                    else None,
                    className="text-end",
                ),
            ],
            id=f"ak-key-{row.id}",
        )
        for row in rows
    ]
    header = [html.Th("Name"), html.Th("Key"), html.Th("Role"), html.Th("Created"),
              html.Th("Expires"), html.Th("Last used"), html.Th("State"), html.Th("")]  # fmt: skip
    return newest_first_card(f"{len(rows)} key{'s' if len(rows) != 1 else ''}", header, body)


def expiry_of(day: str | None, zone: Any) -> dt.datetime | None:
    """The end of ``day`` (``YYYY-MM-DD``) in the team's time zone, as UTC; None for no day."""
    if not day:
        return None
    end = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(23, 59, 59), tzinfo=zone)
    return end.astimezone(dt.UTC)


def shown_once(name: str, key: str) -> dbc.Alert:
    """The new key, with a copy button: the only time anyone sees it."""
    return dbc.Alert(
        [
            html.Div(
                [
                    icon("bi-shield-lock", "me-2"),
                    html.Strong(f"The key for {name}. Copy it now: it is not shown again."),
                ],
                className="mb-2",
            ),  # fmt: skip
            html.Div(
                [
                    html.Code(key, id="ak-new-key", className="api-key-once me-2"),
                    dcc.Clipboard(target_id="ak-new-key", title="Copy the key"),
                ],
                className="d-flex align-items-center",
            ),
            html.Div(
                "Send it as: Authorization: Bearer <key>. Store it in the sending system's "
                "secret settings, never in a file others can read.",
                className="small mt-2",
            ),
        ],
        color="success",
    )


CALLBACKS = Callbacks()


@CALLBACKS.callback(
    output={
        "created": Output(ApiKeyIds.CREATED, "children"),
        "changed": Output(ApiKeyIds.CHANGED, "data", allow_duplicate=True),
        "name": Output(ApiKeyIds.NAME, "value"),
    },
    inputs={
        "_clicks": Input(ApiKeyIds.CREATE, "n_clicks"),
        "name": State(ApiKeyIds.NAME, "value"),
        "role": State(ApiKeyIds.ROLE, "value"),
        "expires": State(ApiKeyIds.EXPIRES, "value"),
        "changed": State(ApiKeyIds.CHANGED, "data"),
    },
    prevent_initial_call=True,
)
@guarded(
    "a new API key",
    lambda: {"created": dbc.Alert("The key could not be made.", color="danger"),
             "changed": no_update, "name": no_update},
)  # fmt: skip
def create(_clicks: int, name: str | None, role: str | None, expires: str | None,
           changed: int | None):  # fmt: skip
    """Make a key and show it once (admins only)."""
    if not _clicks:
        raise PreventUpdate
    refused = {"changed": no_update, "name": no_update}
    if not permissions.is_admin():
        return {**refused, "created": dbc.Alert(permissions.NOT_AN_ADMIN, color="danger")}
    me = permissions.requester()
    try:
        expires_at = expiry_of(expires, display_zone())
    except ValueError:
        return {**refused, "created": dbc.Alert("The expiry is not a date.", color="danger")}
    try:
        with write_session() as session:
            stored, key = create_api_key(
                session, name or "", role or "", created_by=me.id, expires_at=expires_at
            )
            stored_name, stored_role = stored.name, stored.role
    except ApiKeyError as exc:
        return {**refused, "created": dbc.Alert(str(exc), color="danger", id="ak-refused")}
    audit(
        AuditAction.API_KEY_CREATED, subject=stored_name, detail=f"role {Role(stored_role).value}"
    )
    return {"created": shown_once(stored_name, key), "changed": (changed or 0) + 1, "name": ""}


@CALLBACKS.callback(
    Output(ApiKeyIds.TABLE, "children"),
    Input(ApiKeyIds.REFRESH, "n_clicks"),
    Input(ApiKeyIds.CHANGED, "data"),
)
@guarded("the API keys", lambda: error_state("the API keys"))
def render(_clicks: int | None, _changed: int | None):
    """Every key, newest first (admins only)."""
    if not permissions.is_admin():
        return empty_state("Only admins can manage API keys.", icon_name="bi-lock")
    with read_session() as session:
        frame = api_keys_frame(session)
    return keys_table(key_rows(frame, zone=display_zone(), now=utc_now()))


@CALLBACKS.callback(
    output={
        "open": Output(ApiKeyIds.DIALOG, "is_open"),
        "text": Output(ApiKeyIds.DIALOG_TEXT, "children"),
        "target": Output(ApiKeyIds.TARGET, "data"),
    },
    inputs={
        "_revoke": Input({"type": API_KEY_REVOKE, "key": ALL}, "n_clicks"),
        "_cancel": Input(ApiKeyIds.CANCEL, "n_clicks"),
    },
    prevent_initial_call=True,
)
def ask(_revoke: list[int | None], _cancel: int | None):
    """A key's Revoke asks first; "Keep it" closes the question."""
    trigger = ctx.triggered_id
    if trigger == ApiKeyIds.CANCEL:
        return {"open": False, "text": no_update, "target": None}
    if not isinstance(trigger, dict) or not any(t["value"] for t in ctx.triggered):
        raise PreventUpdate
    key_id = int(trigger["key"])
    with read_session() as session:
        stored = session.get(ApiKey, key_id)
        which = f"{stored.name} ({stored.prefix}…)" if stored is not None else "This key"
    text = [
        html.Strong(which),
        ": the system that uses it gets 401 from its next request on. A revoked key cannot "
        "be restored; make a new key for that system if it still needs one.",
    ]
    return {"open": True, "text": text, "target": key_id}


@CALLBACKS.callback(
    output={
        "open": Output(ApiKeyIds.DIALOG, "is_open", allow_duplicate=True),
        "feedback": Output(ApiKeyIds.FEEDBACK, "children"),
        "changed": Output(ApiKeyIds.CHANGED, "data", allow_duplicate=True),
        "created": Output(ApiKeyIds.CREATED, "children", allow_duplicate=True),
    },
    inputs={
        "_clicks": Input(ApiKeyIds.CONFIRM, "n_clicks"),
        "target": State(ApiKeyIds.TARGET, "data"),
        "changed": State(ApiKeyIds.CHANGED, "data"),
    },
    prevent_initial_call=True,
)
@guarded(
    "revoking an API key",
    lambda: {"open": False, "feedback": dbc.Alert("The key could not be revoked.", color="danger"),
             "changed": no_update, "created": no_update},
)  # fmt: skip
def revoke(_clicks: int, target: int | None, changed: int | None):
    """Revoke the key asked about (admins only)."""
    if not _clicks or target is None:
        raise PreventUpdate
    if not permissions.is_admin():
        return {"open": False, "feedback": dbc.Alert(permissions.NOT_AN_ADMIN, color="danger"),
                "changed": no_update, "created": no_update}  # fmt: skip
    with write_session() as session:
        stored = revoke_api_key(session, int(target))
        name = stored.name if stored is not None else None
    if name is None:
        return {"open": False, "changed": (changed or 0) + 1, "created": None,
                "feedback": dbc.Alert("That key is gone.", color="warning")}  # fmt: skip
    audit(AuditAction.API_KEY_REVOKED, subject=name)
    feedback = dbc.Alert(f"Revoked the key {name}: its next request gets 401.", color="success",
                         dismissable=True, id="ak-revoked")  # fmt: skip
    return {"open": False, "feedback": feedback, "changed": (changed or 0) + 1, "created": None}
