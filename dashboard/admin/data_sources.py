"""Sync sources in the app: their state on System status, and adding, pulling and deleting them.

System status shows every source (read only, for every role): its type and
place, its interval, its last run with the rows it added and its errors, and
a warning when it has brought nothing for longer than expected (three
intervals, ``data.repositories.sync_sources.is_silent``); and, per kind of
data, when rows were last added (by any import). The Import data view
(admins) shows the same list with "Sync now" and "Delete", and the form that
adds a source: a folder on the server, or a SQL database with one
``SELECT`` and its watermark column per kind (``data.sync`` says what each
does). A source is changed by deleting it and adding it again; its rows stay.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from dashboard.admin.models import SourceRow, every_text, newest_rows, source_rows
from dashboard.auth import permissions
from dashboard.auth.audit import audit
from dashboard.clock import display_zone, utc_now
from dashboard.components import empty_state, error_state, guarded, icon, labelled
from dashboard.ids import (
    SYNC_DELETE,
    SYNC_NOW,
    SYNC_QUERY,
    DataImportIds,
    StatusIds,
    SyncIds,
    sync_delete_id,
    sync_now_id,
    sync_query_id,
)
from dashboard.registry import Callbacks
from dashboard.services.scheduler import run_syncs
from dashboard.sessions import app_database_url, read_session, write_session
from data.db import session_factory
from data.importer import IMPORT_KINDS
from data.models import AuditAction, SyncKind
from data.repositories.sync_sources import (
    Query,
    SyncSourceError,
    delete_source,
    newest_rows_frame,
    save_source,
    sources_frame,
)

STATUS_COLORS = {"succeeded": "success", "partial": "warning", "failed": "danger", "never": "light"}
STATUS_LABELS = {
    "succeeded": "Succeeded",
    "partial": "Partly refused",
    "failed": "Failed",
    "never": "Not run yet",
}


def sources_card(rows: list[SourceRow], newest: list[tuple[str, str]], *, manage: bool) -> Any:
    """The sources (with "Sync now" and "Delete" when ``manage``) and when each kind last got rows."""
    items: list[Any] = []
    for row in rows:
        actions = []
        if manage:
            actions = [
                dbc.Button([icon("bi-arrow-repeat", "me-1"), "Sync now"], id=sync_now_id(row.id),
                           n_clicks=0, size="sm", color="primary", outline=True),
                dcc.ConfirmDialogProvider(
                    dbc.Button("Delete", size="sm", color="danger", outline=True),
                    id=sync_delete_id(row.id),
                    message=f"Delete the source {row.name}? Its rows stay; its run history goes.",
                ),
            ]  # fmt: skip
        outcome = (
            f"{row.last_run}: {row.added:,} rows added, {row.present:,} already there"
            + (f" ({row.per_kind})" if row.per_kind else "")
            if row.status != "never"
            else "Not run yet: the scheduler pulls it within minutes, or use Sync now."
        )
        items.append(
            dbc.ListGroupItem(
                [
                    html.Div(
                        [
                            html.Div(
                                [
                                    html.Span(row.name, className="fw-semibold me-2"),
                                    dbc.Badge(
                                        STATUS_LABELS[row.status],
                                        color=STATUS_COLORS[row.status],
                                        text_color="dark" if row.status == "never" else None,
                                        class_name="me-2 border",
                                    ),
                                    html.Span(
                                        f"{row.kind}, {row.every}: ", className="text-muted small"
                                    ),
                                    html.Code(row.location, className="small text-break"),
                                ]
                            ),  # fmt: skip
                            html.Div(actions, className="d-flex gap-2"),
                        ],
                        className="d-flex justify-content-between align-items-start gap-2",
                    ),
                    html.Div(outcome, className="small mt-1"),
                    html.Div(
                        [icon("bi-exclamation-triangle-fill", "me-1"), row.silent],
                        className="small text-danger fw-semibold mt-1 sync-silent",
                    )
                    if row.silent
                    else None,
                    html.Ul([html.Li(line) for line in row.errors], className="small mb-0 mt-1")
                    if row.errors
                    else None,
                ],
                id=f"sy-source-{row.id}",
            )
        )
    if not items:
        items = [
            dbc.ListGroupItem(
                empty_state(
                    "No sync source yet.",
                    hint="An admin adds one under Import data: a folder of CSV drops or a database.",
                    icon_name="bi-arrow-left-right",
                )
            )
        ]
    kinds = html.Div(
        [html.Span("Rows last added by an import: ", className="fw-semibold")]
        + [
            html.Span([f"{kind} ", html.Span(text, className="text-muted")], className="me-3")
            for kind, text in newest
        ],
        className="small",
    )
    return dbc.Card(
        [
            dbc.CardHeader(
                [icon("bi-arrow-left-right", "me-2"), "Data sources"], class_name="fw-semibold"
            ),  # fmt: skip
            dbc.ListGroup(items, flush=True),
            dbc.CardFooter(kinds),
        ],
        class_name="mb-3",
        id="sy-sources",
    )


def _card(*, manage: bool) -> Any:
    now = utc_now()
    zone = display_zone()
    with read_session() as session:
        rows = source_rows(sources_frame(session), zone=zone, now=now)
        newest = newest_rows(newest_rows_frame(session), zone=zone, now=now)
    return sources_card(rows, newest, manage=manage)


def source_form() -> dbc.Card:
    """Adding a source: its name, type, place and interval, and for a database its queries."""
    queries = [
        dbc.Row(
            [
                dbc.Col(html.Div(kind.capitalize(), className="small fw-semibold pt-2"), md=2),
                dbc.Col(
                    dbc.Textarea(
                        id=sync_query_id(kind, "query"),
                        rows=1,
                        placeholder=f"SELECT ... AS {'id' if kind == 'clients' else 'client_id'}, ...",
                    ),
                    md=7,
                ),
                dbc.Col(
                    dbc.Input(
                        id=sync_query_id(kind, "watermark"),
                        placeholder="watermark, e.g. updated_at",
                    ),
                    md=3,
                ),
            ],  # fmt: skip
            class_name="g-2 mb-2",
        )
        for kind in IMPORT_KINDS
    ]
    return dbc.Card(
        [
            dbc.CardHeader("Add a sync source", class_name="fw-semibold"),
            dbc.CardBody(
                [
                    dbc.Row(
                        [
                            labelled(
                                "Name",
                                dbc.Input(
                                    id=SyncIds.NAME,
                                    maxlength=100,
                                    placeholder="e.g. Booking system",
                                ),
                                SyncIds.NAME,
                                md=3,
                            ),
                            labelled(
                                "Type",
                                dbc.Select(
                                    id=SyncIds.KIND,
                                    value=SyncKind.FOLDER.value,
                                    options=[
                                        {"label": "CSV folder", "value": "folder"},
                                        {"label": "SQL database", "value": "sql"},
                                    ],
                                ),
                                SyncIds.KIND,
                                md=2,
                            ),
                            labelled(
                                "Folder on the server, or database URL",
                                dbc.Input(id=SyncIds.LOCATION),
                                SyncIds.LOCATION,
                                md=4,
                            ),
                            labelled(
                                "Every (hours)",
                                dbc.Input(
                                    id=SyncIds.EVERY, type="number", min=1, max=168, step=1, value=1
                                ),
                                SyncIds.EVERY,
                                md=1,
                            ),
                            dbc.Col(
                                dbc.Button(
                                    [icon("bi-plus-lg", "me-1"), "Add source"],
                                    id=SyncIds.SAVE,
                                    n_clicks=0,
                                    color="primary",
                                    class_name="w-100",
                                ),
                                md=2,
                                class_name="d-flex align-items-end",
                            ),
                        ],  # fmt: skip
                        class_name="g-3",
                    ),
                    html.Div(
                        [
                            html.P(
                                "One SELECT per kind of data you pull, with the kind's columns "
                                "(as in the CSV files) and a column that only grows, read to "
                                "pull only new rows. Leave a kind empty to skip it.",
                                className="small text-muted mt-3 mb-2",
                            ),
                            *queries,
                        ],
                        id=SyncIds.QUERIES,
                        hidden=True,
                    ),
                    html.P(
                        "A folder takes files named after a kind (clients.csv, "
                        "logins-2026-12-04.csv): imported ones move to done/, refused ones to "
                        "failed/ with their report.",
                        className="small text-muted mt-3 mb-0",
                        id=SyncIds.FOLDER_HELP,
                    ),
                    html.Div(id=SyncIds.FEEDBACK, className="mt-3"),
                ]
            ),
        ],
        class_name="mb-3",
    )


def manage_layout() -> html.Div:
    """The Import data view's part: the sources to manage and the form."""
    return html.Div(
        [
            html.H3("Sync sources", className="h5 mt-4 mb-3"),
            html.Div(id=SyncIds.LIST),
            dcc.Store(id=SyncIds.CHANGED, data=0),
            source_form(),
        ]
    )


CALLBACKS = Callbacks()


@CALLBACKS.callback(
    Output(StatusIds.SOURCES, "children"),
    Input(StatusIds.POLL, "n_intervals"),
    Input(StatusIds.REQUEST, "data"),
)
@guarded("the data sources", lambda: error_state("the data sources"))
def status_sources(_ticks: int | None, _request: Any):
    """System status: every source's state (any role)."""
    return _card(manage=False)


@CALLBACKS.callback(
    Output(SyncIds.LIST, "children"),
    Input(SyncIds.CHANGED, "data"),
    Input(DataImportIds.REFRESH, "n_clicks"),
)
@guarded("the sync sources", lambda: error_state("the sync sources"))
def manage_sources(_changed: int | None, _refresh: int | None):
    """Import data: the sources with their actions (admins only)."""
    if not permissions.is_admin():
        return empty_state("Only admins can manage sync sources.", icon_name="bi-lock")
    return _card(manage=True)


@CALLBACKS.callback(
    Output(SyncIds.QUERIES, "hidden"),
    Output(SyncIds.FOLDER_HELP, "hidden"),
    Output(SyncIds.LOCATION, "placeholder"),
    Input(SyncIds.KIND, "value"),
)
def show_fields(kind: str | None):
    """The queries for a database; the folder's help for a folder."""
    if kind == SyncKind.SQL.value:
        return False, True, "postgresql+psycopg://reader@host/bookings"
    return True, False, "/srv/csd/drop"


@CALLBACKS.callback(
    output={
        "feedback": Output(SyncIds.FEEDBACK, "children"),
        "changed": Output(SyncIds.CHANGED, "data", allow_duplicate=True),
    },
    inputs={
        "_clicks": Input(SyncIds.SAVE, "n_clicks"),
        "name": State(SyncIds.NAME, "value"),
        "kind": State(SyncIds.KIND, "value"),
        "location": State(SyncIds.LOCATION, "value"),
        "every": State(SyncIds.EVERY, "value"),
        "queries": State({"type": SYNC_QUERY, "kind": ALL, "part": "query"}, "value"),
        "marks": State({"type": SYNC_QUERY, "kind": ALL, "part": "watermark"}, "value"),
        "changed": State(SyncIds.CHANGED, "data"),
    },
    prevent_initial_call=True,
)
@guarded(
    "a new sync source",
    lambda: {"feedback": dbc.Alert("The source could not be saved.", color="danger"),
             "changed": no_update},
)  # fmt: skip
def add_source(_clicks: int, name: str | None, kind: str | None, location: str | None,
               every: Any, queries: list[str | None], marks: list[str | None],
               changed: int | None):  # fmt: skip
    """Save a new source (admins only)."""
    if not _clicks:
        raise PreventUpdate
    if not permissions.is_admin():
        return {
            "feedback": dbc.Alert(permissions.NOT_AN_ADMIN, color="danger"),
            "changed": no_update,
        }
    given = {
        kind_: Query(query or "", mark or "")
        for kind_, query, mark in zip(IMPORT_KINDS, queries, marks, strict=True)
    }
    try:
        hours = int(every or 0)
    except (TypeError, ValueError):
        hours = 0
    try:
        with write_session() as session:
            saved = save_source(session, name=name or "", kind=kind or "", location=location or "",
                                every_hours=hours, queries=given,
                                created_by=permissions.requester().id)  # fmt: skip
            saved_name, saved_kind = saved.name, saved.kind
    except SyncSourceError as exc:
        return {"feedback": dbc.Alert(str(exc), color="danger", id="sy-refused"),
                "changed": no_update}  # fmt: skip
    audit(
        AuditAction.SYNC_SOURCE_SAVED, subject=saved_name, detail=f"{saved_kind}, every {hours} h"
    )
    text = f"Added {saved_name}: the scheduler pulls it {every_text(hours)}; Sync now pulls it at once."
    return {"feedback": dbc.Alert(text, color="success", id="sy-saved", dismissable=True),
            "changed": (changed or 0) + 1}  # fmt: skip


@CALLBACKS.callback(
    output={
        "feedback": Output(SyncIds.FEEDBACK, "children", allow_duplicate=True),
        "changed": Output(SyncIds.CHANGED, "data", allow_duplicate=True),
        "done": Output(DataImportIds.DONE, "data", allow_duplicate=True),
    },
    inputs={
        "_now": Input({"type": SYNC_NOW, "source": ALL}, "n_clicks"),
        "_delete": Input({"type": SYNC_DELETE, "source": ALL}, "submit_n_clicks"),
        "changed": State(SyncIds.CHANGED, "data"),
        "done": State(DataImportIds.DONE, "data"),
    },
    prevent_initial_call=True,
)
@guarded(
    "a sync source",
    lambda: {"feedback": dbc.Alert("That did not work; the server log says why.", color="danger"),
             "changed": no_update, "done": no_update},
)  # fmt: skip
def act_on_source(_now: list[int | None], _delete: list[int | None], changed: int | None,
                  done: int | None):  # fmt: skip
    """Sync now pulls a source at once; Delete removes it after the browser's confirmation (admins)."""
    trigger = ctx.triggered_id
    if not isinstance(trigger, dict) or not any(t["value"] for t in ctx.triggered):
        raise PreventUpdate
    if not permissions.is_admin():
        return {"feedback": dbc.Alert(permissions.NOT_AN_ADMIN, color="danger"),
                "changed": no_update, "done": no_update}  # fmt: skip
    source_id = int(trigger["source"])
    if trigger["type"] == SYNC_DELETE:
        with write_session() as session:
            name = delete_source(session, source_id)
        if name is not None:
            audit(AuditAction.SYNC_SOURCE_DELETED, subject=name)
        text = f"Deleted the source {name}." if name else "That source was deleted already."
        return {"feedback": dbc.Alert(text, color="secondary", dismissable=True),
                "changed": (changed or 0) + 1, "done": no_update}  # fmt: skip
    outcomes = run_syncs(session_factory(app_database_url()), source_ids=[source_id])
    if outcomes is None:
        return {"feedback": dbc.Alert("A sync is running already; try again in a minute.",
                                      color="warning"), "changed": no_update, "done": no_update}  # fmt: skip
    outcome = outcomes[0]
    audit(AuditAction.SYNC, subject=outcome.source, detail=outcome.status)
    color = {"succeeded": "success", "partial": "warning"}.get(outcome.status, "danger")
    added = sum(item["added"] for item in outcome.detail.values())
    text = (
        f"Synced {outcome.source}: {STATUS_LABELS[outcome.status].lower()}, {added:,} rows added."
    )
    return {"feedback": dbc.Alert(text, color=color, dismissable=True, id="sy-synced"),
            "changed": (changed or 0) + 1, "done": (done or 0) + 1}  # fmt: skip
