"""Import data (``?view=data``, admins only): upload a CSV, see it checked line by line, then import it.

1. Choose what the file holds (clients, logins, ...; the columns of each are
   listed, required ones in bold) and drop the file on the upload area.
2. The file is checked as ``csd import`` checks it, client ids and owners
   looked up, and nothing is written: the first rows are shown, and every
   problem by line and column. A file named after another kind is pointed out.
3. "Import N rows" imports it, all rows or none (it is checked again as it is
   written, so a change meanwhile cannot slip through), through the same
   path as the API's import (``dashboard.services.imports``): the import
   history below and the audit log record it, refused or not.

Files up to ``MAX_UPLOAD_BYTES`` (10 MB): the browser sends an upload inside
the app's request, whose limit is 16 MB once encoded. Larger files go
through the API or ``csd import``.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate

from dashboard.admin import data_sources
from dashboard.admin.frame import View, page_header, refresh_button
from dashboard.auth import permissions
from dashboard.auth.audit import current_sender
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
from dashboard.ids import DataImportIds
from dashboard.registry import Callbacks
from dashboard.services.imports import import_sent
from dashboard.sessions import app_database_url, read_session
from data.importer import IMPORT_KINDS, KINDS, CsvImportError, ImportCheck, Problem, check_csv_text
from data.models import ImportVia
from data.repositories.imports import imports_frame

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
PROBLEMS_SHOWN = 200
SAMPLE_ROWS = 5
HISTORY_SHOWN = 50
VIA_LABELS = {
    ImportVia.APP.value: "Upload",
    ImportVia.API.value: "API",
    ImportVia.COMMAND_LINE.value: "Command line",
    ImportVia.SYNC.value: "Sync",
}


def layout() -> html.Div:
    """The view's frame: the form, the area of the check, and the history."""
    refresh = refresh_button(DataImportIds.REFRESH)
    kind = dbc.Select(
        id=DataImportIds.KIND,
        options=[{"label": name.capitalize(), "value": name} for name in IMPORT_KINDS],
        value=IMPORT_KINDS[0],
    )
    upload = dcc.Upload(
        [
            icon("bi-file-earmark-arrow-up", "me-2"),
            html.Span("Drop a CSV file here, or "),
            html.A("choose one", className="link-primary"),
            html.Div(
                f"UTF-8 with a header row, up to {MAX_UPLOAD_BYTES // (1024 * 1024)} MB. "
                "Nothing is written until you confirm.",
                className="small text-muted mt-1",
            ),
        ],
        id=DataImportIds.UPLOAD,
        accept=".csv,text/csv",
        max_size=MAX_UPLOAD_BYTES,
        multiple=False,
        className="upload-area",
    )
    form = dbc.Card(
        dbc.CardBody(
            [
                dbc.Row(
                    [
                        labelled("What the file holds", kind, DataImportIds.KIND, md=3),
                        dbc.Col(
                            [
                                dbc.Label("Columns", class_name="small fw-semibold mb-1"),
                                html.Div(id=DataImportIds.COLUMNS, className="small"),
                            ],
                            md=9,
                        ),
                    ],
                    class_name="g-3 mb-3",
                ),
                upload,
            ]
        ),
        class_name="mb-3",
    )
    confirm = dbc.Button(
        [icon("bi-check2-circle", "me-1"), "Import"], id=DataImportIds.CONFIRM, n_clicks=0,
        color="primary", disabled=True, class_name="d-none",
    )  # fmt: skip
    return html.Div(
        [
            page_header(
                View.DATA,
                "Add clients and their activity from CSV files, checked line by line before "
                "anything is written. Import clients before their events.",
                [refresh],
            ),
            form,
            html.Div(confirm, className="mb-3"),
            html.Div(id=DataImportIds.PREVIEW),
            html.Div(id=DataImportIds.RESULT),
            dcc.Store(id=DataImportIds.DONE, data=0),
            html.Div(id=DataImportIds.HISTORY),
            data_sources.manage_layout(),
        ]
    )


def columns_text(kind: str) -> list[Any]:
    """The columns of ``kind``, required ones in bold."""
    parts: list[Any] = []
    for position, column in enumerate(KINDS[kind]):
        if position:
            parts.append(", ")
        parts.append(html.Strong(column.name) if column.required else column.name)
    return [*parts, html.Span(" (bold: required)", className="text-muted")]


def decoded_upload(contents: str) -> bytes | None:
    """The bytes of a ``dcc.Upload`` value (``data:...;base64,...``), None when it is not one."""
    _, _, data = contents.partition(",")
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return None


def named_after_other_kind(filename: str | None, kind: str) -> str | None:
    """The kind a file is named after when that is not ``kind`` (``logins.csv`` chosen as clients)."""
    stem = PurePath(filename or "").stem.strip().lower()
    return stem if stem in KINDS and stem != kind else None


def _table(header: list[str], rows: list[list[Any]], **options: Any) -> dbc.Table:
    return dbc.Table(
        [
            html.Thead(html.Tr([html.Th(name) for name in header])),
            html.Tbody([html.Tr([html.Td(cell) for cell in row]) for row in rows]),
        ],
        size="sm",
        responsive=True,
        class_name="mb-0",
        **options,
    )


def _problem_rows(problems: list[Problem]) -> list[list[Any]]:
    return [
        [problem.line if problem.line is not None else "–", problem.column or "–", problem.message]
        for problem in problems[:PROBLEMS_SHOWN]
    ]


def problems_card(problems: list[Problem], heading: str) -> dbc.Card:
    """Every problem (the first ``PROBLEMS_SHOWN``) by line and column, under ``heading``."""
    more = len(problems) - PROBLEMS_SHOWN
    return dbc.Card(
        [
            dbc.CardHeader(
                [icon("bi-exclamation-octagon", "me-2 text-danger"), heading],
                class_name="fw-semibold",
            ),
            _table(["Line", "Column", "Problem"], _problem_rows(problems), id="di-problems"),
            dbc.CardFooter(f"... and {more:,} more", class_name="small") if more > 0 else None,
        ],
        class_name="mb-3 border-danger",
    )


def preview(check: ImportCheck, filename: str) -> list[Any]:
    """What the check found: the problems (nothing will be written) or that every row passed."""
    shown: list[Any] = []
    other = named_after_other_kind(filename, check.kind)
    if other:
        shown.append(
            dbc.Alert(
                [
                    icon("bi-question-circle", "me-2"),
                    f"The file is named {filename} but is checked as {check.kind}: "
                    f"choose {other.capitalize()} above if it holds {other}.",
                ],
                color="warning",
            )  # fmt: skip
        )
    rows = f"{check.rows:,} row{'s' if check.rows != 1 else ''}"
    if check.problems:
        count = len(check.problems)
        shown.append(
            problems_card(
                check.problems,
                f"{filename}: {count:,} problem{'s' if count != 1 else ''} in {rows} of "
                f"{check.kind}. Nothing will be imported; fix the file and choose it again.",
            )
        )
    else:
        shown.append(
            dbc.Alert(
                [
                    icon("bi-check-circle", "me-2"),
                    f"{filename}: all {rows} of {check.kind} passed every check. "
                    "Nothing is written until you import them.",
                ],
                color="success",
                id="di-passed",
            )  # fmt: skip
        )
    if check.sample:
        title = f"First {len(check.sample)} of {rows}"
        shown.append(
            dbc.Card(
                [
                    dbc.CardHeader(title, class_name="fw-semibold"),
                    _table(check.header, check.sample, striped=True, id="di-sample"),
                ],
                class_name="mb-3",
            )
        )
    return shown


@dataclass(frozen=True)
class HistoryRow:
    id: int
    when: str
    who: str
    via: str
    kind: str
    source: str
    added: str
    present: str
    outcome: str
    refused: bool


def history_rows(frame: pd.DataFrame, *, zone: Any, now: pd.Timestamp) -> list[HistoryRow]:
    """The imports of ``imports_frame`` (newest first) as the history lists them."""
    return [
        HistoryRow(
            id=int(item.id),
            when=local_time_text(item.at, zone, now=now),
            who=str(item.actor) or "–",
            via=VIA_LABELS.get(str(item.via), str(item.via)),
            kind=str(item.kind),
            source=str(item.source),
            added=f"{int(item.rows_added):,}" if not item.problems else "–",
            present=f"{int(item.rows_already_present):,}" if not item.problems else "–",
            outcome=(
                f"Refused: {int(item.problems):,} problem{'s' if item.problems != 1 else ''}"
                if item.problems
                else f"Imported {int(item.rows):,} rows"
            ),
            refused=bool(item.problems),
        )
        for item in frame.itertuples(index=False)
    ]


def history_table(rows: list[HistoryRow], total: int) -> Any:
    if not rows:
        return dbc.Card(
            dbc.CardBody(
                empty_state(
                    "Nothing imported yet.",
                    hint="Imports from this page, the API, csd import and syncs are listed here.",
                    icon_name="bi-clock-history",
                )
            )
        )
    body = [
        html.Tr(
            [
                html.Td(row.when, className="text-nowrap"),
                html.Td(row.who, className="text-break"),
                html.Td(row.via),
                html.Td(row.kind),
                html.Td(row.source, className="text-break"),
                html.Td(row.added, className="text-end"),
                html.Td(row.present, className="text-end"),
                html.Td(
                    dbc.Badge(
                        row.outcome,
                        color="warning" if row.refused else "light",
                        text_color="dark",
                        class_name="border",
                    )
                ),
            ],
            id=f"di-import-{row.id}",
        )
        for row in rows
    ]
    header = [html.Th("Time"), html.Th("Who"), html.Th("How"), html.Th("What"), html.Th("File"),
              html.Th("Added", className="text-end"), html.Th("Already there", className="text-end"),
              html.Th("Outcome")]  # fmt: skip
    title = f"Latest {len(rows)} of {total:,} imports" if total > len(rows) else "Imports"
    return newest_first_card(title, header, body)


CALLBACKS = Callbacks()


@CALLBACKS.callback(Output(DataImportIds.COLUMNS, "children"), Input(DataImportIds.KIND, "value"))
def show_columns(kind: str | None):
    """The columns of the chosen kind."""
    return columns_text(kind if kind in KINDS else IMPORT_KINDS[0])


@CALLBACKS.callback(
    output={
        "preview": Output(DataImportIds.PREVIEW, "children"),
        "disabled": Output(DataImportIds.CONFIRM, "disabled"),
        "label": Output(DataImportIds.CONFIRM, "children"),
        "shown": Output(DataImportIds.CONFIRM, "class_name"),
        "result": Output(DataImportIds.RESULT, "children", allow_duplicate=True),
    },
    inputs={
        "contents": Input(DataImportIds.UPLOAD, "contents"),
        "kind": Input(DataImportIds.KIND, "value"),
        "filename": State(DataImportIds.UPLOAD, "filename"),
    },
    prevent_initial_call=True,
)
@guarded(
    "the import check",
    lambda: {"preview": error_state("the check of the file"), "disabled": True,
             "label": no_update, "shown": "d-none", "result": None},
)  # fmt: skip
def check_upload(contents: str | None, kind: str | None, filename: str | None):
    """Check the chosen file as it would be imported, writing nothing (admins only)."""
    hidden = {"disabled": True, "label": no_update, "shown": "d-none", "result": None}
    if not contents:
        raise PreventUpdate
    if not permissions.is_admin():
        return {**hidden, "preview": dbc.Alert(permissions.NOT_AN_ADMIN, color="danger")}
    if kind not in KINDS:
        raise PreventUpdate
    data = decoded_upload(contents)
    if data is None:
        return {**hidden, "preview": dbc.Alert("The file could not be read.", color="danger")}
    name = filename or "the file"
    with read_session() as session:
        check = check_csv_text(session, kind, data, name, sample_rows=SAMPLE_ROWS)
    if check.problems or not check.rows:
        if not check.rows and not check.problems:
            message = f"{name} has a header but no rows: there is nothing to import."
            return {**hidden, "preview": dbc.Alert(message, color="warning")}
        return {**hidden, "preview": preview(check, name)}
    label = [icon("bi-check2-circle", "me-1"), f"Import {check.rows:,} rows of {kind}"]
    return {"preview": preview(check, name), "disabled": False, "label": label, "shown": "",
            "result": None}  # fmt: skip


@CALLBACKS.callback(
    output={
        "result": Output(DataImportIds.RESULT, "children", allow_duplicate=True),
        "preview": Output(DataImportIds.PREVIEW, "children", allow_duplicate=True),
        "shown": Output(DataImportIds.CONFIRM, "class_name", allow_duplicate=True),
        "done": Output(DataImportIds.DONE, "data"),
    },
    inputs={
        "_clicks": Input(DataImportIds.CONFIRM, "n_clicks"),
        "contents": State(DataImportIds.UPLOAD, "contents"),
        "filename": State(DataImportIds.UPLOAD, "filename"),
        "kind": State(DataImportIds.KIND, "value"),
        "done": State(DataImportIds.DONE, "data"),
    },
    prevent_initial_call=True,
)
@guarded(
    "an import",
    lambda: {"result": dbc.Alert("The import failed; nothing was written.", color="danger"),
             "preview": no_update, "shown": no_update, "done": no_update},
)  # fmt: skip
def confirm_import(_clicks: int, contents: str | None, filename: str | None, kind: str | None,
                   done: int | None):  # fmt: skip
    """Import the checked file: every row or none (admins only)."""
    if not _clicks or not contents or kind not in KINDS:
        raise PreventUpdate
    if not permissions.is_admin():
        return {"result": dbc.Alert(permissions.NOT_AN_ADMIN, color="danger"),
                "preview": no_update, "shown": no_update, "done": no_update}  # fmt: skip
    data = decoded_upload(contents)
    if data is None:
        raise PreventUpdate
    name = filename or "upload.csv"
    try:
        summary = import_sent(
            kind, database_url=app_database_url(), via=ImportVia.APP, source=name,
            sender=current_sender(), csv=data,
        )  # fmt: skip
    except CsvImportError as exc:
        count = len(exc.details)
        result = problems_card(
            exc.details,
            f"{name} was refused when it was written ({count:,} problem"
            f"{'s' if count != 1 else ''}): the book changed since the check. Nothing was imported.",
        )
        return {"result": result, "preview": [], "shown": "d-none", "done": (done or 0) + 1}
    text = (
        f"Imported {name}: {summary.inserted:,} {kind} added, "
        f"{summary.already_present:,} already there. The next scoring run uses them."
    )
    result = dbc.Alert([icon("bi-check-circle-fill", "me-2"), text], color="success",
                       id="di-imported")  # fmt: skip
    return {"result": result, "preview": [], "shown": "d-none", "done": (done or 0) + 1}


@CALLBACKS.callback(
    Output(DataImportIds.HISTORY, "children"),
    Input(DataImportIds.REFRESH, "n_clicks"),
    Input(DataImportIds.DONE, "data"),
)
@guarded("the import history", lambda: error_state("the import history"))
def render_history(_clicks: int | None, _done: int | None):
    """The latest imports, newest first (admins only)."""
    if not permissions.is_admin():
        return empty_state("Only admins can import data.", icon_name="bi-lock")
    with read_session() as session:
        frame, total = imports_frame(session, limit=HISTORY_SHOWN)
    return history_table(history_rows(frame, zone=display_zone(), now=utc_now()), total)
