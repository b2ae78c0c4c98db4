"""The Interventions tab's dialog for one intervention (``?iv=<id>``): status, outcome, notes, reassigning, cancelling.

Move the status on (completing asks for the outcome and whether the client
responded), reassign it, change its priority or due date, add a note to its
history (each note with its author and time), or cancel it. The dialog sends
only what the person changed, with the version it loaded; when someone else
changed the intervention in between, the rules refuse
(``InterventionConflict``), nothing is overwritten and the dialog says so,
with a button to reload.

Every change goes through ``dashboard.services.interventions``, the rules the
REST API applies, in one transaction; a refusal of those rules appears beside
the field it concerns. ``save`` checks the role first, so a viewer's direct
request is refused too; viewers see the dialog read-only. A completed
intervention still takes notes, its outcome and the client's response; a
cancelled one only notes.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.components import icon
from dashboard.ids import InterventionsIds
from dashboard.tabs.interventions import view_model as queue_view
from dashboard.tabs.interventions.form.layout import (
    HIDDEN,
    field_error,
)
from dashboard.tabs.interventions.manage import view_model as manage_view
from scoring.enums import Outcome, Priority

IDS = InterventionsIds


MANAGE = "manage"


def _manage_field(label: str, control: Any, field: str, control_id: str, **width: int) -> dbc.Col:
    return dbc.Col(
        [dbc.Label(label, html_for=control_id, class_name="fw-semibold mb-1 small"), control, field_error(MANAGE, field)],
        **width,
    )  # fmt: skip


def _outcome_block() -> html.Div:
    """The outcome and the client's response, shown once the status is completed."""
    return html.Div(
        dbc.Row(
            [
                _manage_field(
                    "Outcome",
                    dbc.RadioItems(
                        id=IDS.MANAGE_OUTCOME,
                        options=[
                            {"label": html.Span([html.Span(o.label, className="fw-semibold"), html.Span(f" · {manage_view.OUTCOME_HELP[o]}", className="text-muted small")]), "value": o.value}
                            for o in Outcome
                        ],
                    ),
                    "outcome",
                    IDS.MANAGE_OUTCOME,
                    md=7,
                ),
                _manage_field(
                    "Did the client respond?",
                    dbc.RadioItems(
                        id=IDS.MANAGE_RESPONDED,
                        options=[{"label": label, "value": key} for key, label in manage_view.RESPONDED_LABELS.items()],
                        inline=True,
                    ),
                    "responded",
                    IDS.MANAGE_RESPONDED,
                    md=5,
                ),
            ],
            class_name="g-3",
        ),
        id=IDS.MANAGE_OUTCOME_BLOCK,
        className="border rounded p-3 mb-3 bg-body-tertiary",
        style=HIDDEN,
    )  # fmt: skip


def _details_row() -> dbc.Row:
    """Status, priority, assignee and due date."""
    return dbc.Row(
        [
            _manage_field("Status", dbc.Select(id=IDS.MANAGE_STATUS, options=[]), "status", IDS.MANAGE_STATUS, md=3),
            _manage_field(
                "Priority",
                dbc.Select(id=IDS.MANAGE_PRIORITY, options=[{"label": p.label, "value": p.value} for p in Priority]),
                "priority",
                IDS.MANAGE_PRIORITY,
                md=3,
            ),
            _manage_field(
                "Assigned to",
                dcc.Dropdown(id=IDS.MANAGE_ASSIGNEE, options=[], placeholder="Unassigned"),
                "assignee",
                IDS.MANAGE_ASSIGNEE,
                md=6,
            ),
            _manage_field(
                "Due",
                dbc.Row(
                    [
                        dbc.Col(dbc.Input(id=IDS.MANAGE_DUE_DATE, type="date"), xs=7),
                        dbc.Col(dbc.Input(id=IDS.MANAGE_DUE_TIME, type="time"), xs=5),
                    ],
                    class_name="g-2",
                ),
                "due",
                IDS.MANAGE_DUE_DATE,
                md=6,
            ),
        ],
        class_name="g-3 mb-3",
    )  # fmt: skip


def _cancel_row() -> html.Div:
    """The confirmation asked before cancelling; shown and hidden by its outer box
    (Bootstrap's d-flex would win over an inline display: none)."""
    return html.Div(
        html.Div(
            [
                html.Span("Cancel this intervention? It stays in the history as cancelled.", className="fw-semibold me-2"),
                dbc.Button("Yes, cancel it", id=IDS.MANAGE_CANCEL_CONFIRM, n_clicks=0, color="danger", size="sm", class_name="me-2"),
                dbc.Button("Keep it", id=IDS.MANAGE_CANCEL_KEEP, n_clicks=0, color="secondary", outline=True, size="sm"),
            ],
            className="alert alert-warning d-flex align-items-center flex-wrap gap-1 py-2 mb-2",
        ),
        id=IDS.MANAGE_CANCEL_ROW,
        className="w-100",
        style=HIDDEN,
    )  # fmt: skip


def _footer() -> dbc.ModalFooter:
    """Cancel (with its confirmation row), Close and Save."""
    return dbc.ModalFooter(
        [
            _cancel_row(),
            html.Div(
                [
                    dbc.Button(
                        [icon("bi-x-octagon", "me-1"), "Cancel intervention"],
                        id=IDS.MANAGE_CANCEL,
                        n_clicks=0,
                        color="danger",
                        outline=True,
                    ),
                    html.Div(
                        [
                            dbc.Button("Close", id=IDS.MANAGE_CLOSE, n_clicks=0, color="secondary", outline=True),
                            dbc.Button([icon("bi-check-lg", "me-1"), "Save changes"], id=IDS.MANAGE_SAVE, n_clicks=0, color="primary"),
                        ],
                        className="d-flex gap-2 ms-auto",
                    ),
                ],
                className="d-flex w-100 align-items-center",
            ),
        ]
    )  # fmt: skip


def manage_dialog() -> dbc.Modal:
    """The dialog of one intervention, closed; ``load_manage`` and ``fill_manage`` fill it."""
    return dbc.Modal(
        [
            dcc.Store(id=IDS.MANAGE_LOADED),
            dbc.ModalHeader(dbc.ModalTitle(id=IDS.MANAGE_TITLE), close_button=True),
            dbc.ModalBody(
                [
                    html.Div(id=IDS.MANAGE_FACTS, className="mb-3"),
                    html.Div(
                        [
                            html.Div(id=IDS.MANAGE_ALERT),
                            dbc.Button(
                                [icon("bi-arrow-clockwise", "me-1"), "Reload it"],
                                id=IDS.MANAGE_RELOAD,
                                n_clicks=0,
                                color="warning",
                                size="sm",
                                style=HIDDEN,
                                class_name="mb-3",
                            ),
                        ]
                    ),
                    html.Div(
                        [icon("bi-eye", "me-1"), queue_view.WRITE_REFUSED],
                        id=IDS.MANAGE_READONLY,
                        className="alert alert-secondary py-2",
                        style=HIDDEN,
                    ),
                    _details_row(),
                    _outcome_block(),
                    dbc.Label("Add a note", html_for=IDS.MANAGE_NOTE, class_name="fw-semibold mb-1 small"),
                    dbc.Textarea(
                        id=IDS.MANAGE_NOTE,
                        rows=2,
                        placeholder="What happened, what was agreed, what comes next",
                    ),
                    field_error(MANAGE, "note"),
                    html.H6("History", className="mt-3 mb-2"),
                    html.Div(id=IDS.MANAGE_HISTORY),
                ]
            ),
            _footer(),
        ],
        id=IDS.MANAGE,
        is_open=False,
        size="lg",
        scrollable=True,
    )  # fmt: skip


def facts_list(view: dict[str, Any]) -> html.Div:
    due_class = {"overdue": "text-danger fw-semibold", "soon": "text-warning-emphasis fw-semibold"}.get(
        view["due_tone"], "text-muted"
    )  # fmt: skip
    children: list[Any] = [
        html.Div(
            [
                html.Span(view["client_name"], className="fw-semibold"),
                html.Span(f" · {view['type_label']} · {view['source_label']} · created {view['created_text']}", className="text-muted"),
            ]
        ),
    ]  # fmt: skip
    if view["due_note"]:
        icon_name = {"overdue": "bi-exclamation-triangle-fill", "soon": "bi-alarm"}.get(
            view["due_tone"], "bi-calendar-event"
        )
        children.append(
            html.Div([icon(icon_name, "me-1"), f"Due {view['due_text']}, {view['due_note']}"], className=due_class)
        )  # fmt: skip
    if view["description"]:
        children.append(
            html.Div(view["description"], className="mt-1", style={"whiteSpace": "pre-line"})
        )
    return html.Div(children)


def history_list(notes: list[dict[str, str]]) -> Any:
    """The notes, newest first, each with its author and time."""
    if not notes:
        return html.Div("No notes yet.", className="text-muted small")
    return html.Ul(
        [
            html.Li(
                [
                    html.Div([html.Span(n["author"], className="fw-semibold"), html.Span(f" · {n['when']}", className="text-muted")], className="small"),
                    html.Div(n["body"], style={"whiteSpace": "pre-line"}),
                ],
                className="list-group-item px-2 py-2",
            )
            for n in notes
        ],
        className="list-group list-group-flush border rounded",
        id="iv-history-list",
    )  # fmt: skip
