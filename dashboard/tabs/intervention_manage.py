"""The Interventions tab's dialog for one intervention (``?iv=<id>``): status, outcome, notes, reassigning, cancelling.

Move the status on (completing asks for the outcome and whether the client
responded), reassign it, change its priority or due date, add a note to its
history (each note with its author and time), or cancel it. The dialog sends
only what the person changed, with the version it loaded; when someone else
changed the intervention in between, the rules refuse
(``InterventionConflict``), nothing is overwritten and the dialog says so,
with a button to reload.

Every change goes through ``dashboard.intervention_actions``, the rules the
REST API applies, in one transaction; a refusal of those rules appears beside
the field it concerns. ``save`` checks the role first, so a viewer's direct
request is refused too; viewers see the dialog read-only. A completed
intervention still takes notes, its outcome and the client's response; a
cancelled one only notes.
"""

from __future__ import annotations

import logging
from typing import Any

import dash_bootstrap_components as dbc
from dash import ALL, Dash, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from dashboard import intervention_actions as actions
from dashboard import queries
from dashboard import queries_intervention_forms as qf
from dashboard import queries_interventions as qi
from dashboard.ids import IV_FIELD_ERROR, InterventionsIds
from dashboard.sessions import read_session, write_session
from dashboard.tabs import guarded, icon
from dashboard.tabs.intervention_form import (
    HIDDEN,
    SHOWN,
    current_user,
    errors_for,
    field_error,
    message_alert,
    unchanged,
)
from dashboard.view_state import state_of
from scoring.enums import InterventionStatus, Outcome, Priority

log = logging.getLogger(__name__)

IDS = InterventionsIds
MANAGE = "manage"
MANAGE_FIELDS = ("status", "outcome", "responded", "priority", "assignee", "due", "note")


def _manage_field(label: str, control: Any, field: str, control_id: str, **width: int) -> dbc.Col:
    return dbc.Col(
        [dbc.Label(label, html_for=control_id, class_name="fw-semibold mb-1 small"), control, field_error(MANAGE, field)],
        **width,
    )  # fmt: skip


def manage_dialog() -> dbc.Modal:
    """The dialog of one intervention, closed; ``load_manage`` and ``fill_manage`` fill it."""
    outcome_block = html.Div(
        dbc.Row(
            [
                _manage_field(
                    "Outcome",
                    dbc.RadioItems(
                        id=IDS.MANAGE_OUTCOME,
                        options=[
                            {"label": html.Span([html.Span(o.label, className="fw-semibold"), html.Span(f" · {qf.OUTCOME_HELP[o]}", className="text-muted small")]), "value": o.value}
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
                        options=[{"label": label, "value": key} for key, label in qf.RESPONDED_LABELS.items()],
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
    details = dbc.Row(
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
    # Shown and hidden by its outer box: Bootstrap's d-flex would win over an inline display: none.
    cancel_row = html.Div(
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
                        [icon("bi-eye", "me-1"), qi.WRITE_REFUSED],
                        id=IDS.MANAGE_READONLY,
                        className="alert alert-secondary py-2",
                        style=HIDDEN,
                    ),
                    details,
                    outcome_block,
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
            dbc.ModalFooter(
                [
                    cancel_row,
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
            ),
        ],
        id=IDS.MANAGE,
        is_open=False,
        size="lg",
        scrollable=True,
    )  # fmt: skip


# -- pieces drawn from the loaded intervention ------------------------------------------


def _facts(view: dict[str, Any]) -> html.Div:
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


def _view(model: qf.ManageModel) -> dict[str, Any]:
    """The loaded intervention as the dialog's store keeps it (plain JSON)."""
    return {
        "loaded": model.loaded,
        "view": {
            "title": model.title,
            "client_name": model.client_name,
            "type_label": model.type_label,
            "source_label": model.source_label,
            "created_text": model.created_text,
            "description": model.description,
            "due_text": model.due_text,
            "due_note": model.due_note,
            "due_tone": model.due_tone,
            "status_options": model.status_options,
            "final": model.status.is_final,
            "notes": [{"author": n.author, "when": n.when, "body": n.body} for n in model.notes],
            "last_change": model.last_change,
        },
    }


def _load(intervention_id: int) -> dict[str, Any] | None:
    now, zone = queries.utc_now(), queries.display_zone()
    with read_session() as session:
        try:
            record = qf.manage_record(session, intervention_id)
        except actions.InterventionNotFound:
            return None
    return _view(qf.manage_model(record, now=now, zone=zone))


# -- callbacks -------------------------------------------------------------------------


def register(app: Dash) -> None:
    """The manage dialog's callbacks."""

    @app.callback(
        Output(IDS.MANAGE, "is_open"),
        Output(IDS.MANAGE_LOADED, "data"),
        Output(IDS.URL, "search", allow_duplicate=True),
        Output(IDS.MANAGE_ALERT, "children", allow_duplicate=True),
        Output(
            {"type": IV_FIELD_ERROR, "form": MANAGE, "field": ALL}, "children", allow_duplicate=True
        ),
        Input(IDS.URL, "search"),
        Input(IDS.MANAGE_CLOSE, "n_clicks"),
        Input(IDS.MANAGE, "is_open"),
        Input(IDS.MANAGE_RELOAD, "n_clicks"),
        State(IDS.MANAGE_LOADED, "data"),
        prevent_initial_call="initial_duplicate",
    )
    @guarded("the intervention", lambda: (no_update, None, no_update, no_update, unchanged()))
    def load_manage(search, _close, is_open, _reload, loaded):
        """URL ``iv`` -> the dialog open with that intervention; closing it takes ``iv`` out of the URL."""
        state = state_of(search)
        wanted = qi.url_param(state, qi.OPEN_PARAM)
        trigger = ctx.triggered_id
        keep = (no_update, unchanged())
        if trigger == IDS.MANAGE_CLOSE or (trigger == IDS.MANAGE and not is_open):
            if wanted is None:
                return (False if is_open else no_update), no_update, no_update, *keep
            return False, no_update, qi.without_params(state, qi.OPEN_PARAM).to_search(), *keep
        if trigger == IDS.MANAGE:
            raise PreventUpdate
        if wanted is None or not wanted.isdigit():
            return (False if is_open else no_update), no_update, no_update, *keep
        current = (loaded or {}).get("loaded", {}).get("id")
        if trigger != IDS.MANAGE_RELOAD and is_open and current == int(wanted):
            raise PreventUpdate
        view = _load(int(wanted))
        if view is None:
            return False, no_update, qi.without_params(state, qi.OPEN_PARAM).to_search(), *keep
        return True, view, no_update, None, [""] * len(ctx.outputs_list[-1])

    @app.callback(
        Output(IDS.MANAGE_TITLE, "children"),
        Output(IDS.MANAGE_FACTS, "children"),
        Output(IDS.MANAGE_HISTORY, "children"),
        Output(IDS.MANAGE_STATUS, "options"),
        Output(IDS.MANAGE_STATUS, "value"),
        Output(IDS.MANAGE_PRIORITY, "value"),
        Output(IDS.MANAGE_ASSIGNEE, "options"),
        Output(IDS.MANAGE_ASSIGNEE, "value"),
        Output(IDS.MANAGE_DUE_DATE, "value"),
        Output(IDS.MANAGE_DUE_TIME, "value"),
        Output(IDS.MANAGE_OUTCOME, "value"),
        Output(IDS.MANAGE_RESPONDED, "value"),
        Output(IDS.MANAGE_NOTE, "value"),
        Output(IDS.MANAGE_STATUS, "disabled"),
        Output(IDS.MANAGE_PRIORITY, "disabled"),
        Output(IDS.MANAGE_ASSIGNEE, "disabled"),
        Output(IDS.MANAGE_DUE_DATE, "disabled"),
        Output(IDS.MANAGE_DUE_TIME, "disabled"),
        Output(IDS.MANAGE_OUTCOME, "options"),
        Output(IDS.MANAGE_NOTE, "disabled"),
        Output(IDS.MANAGE_SAVE, "style"),
        Output(IDS.MANAGE_CANCEL, "style"),
        Output(IDS.MANAGE_READONLY, "style"),
        Output(IDS.MANAGE_RELOAD, "style"),
        Output(IDS.MANAGE_CANCEL_ROW, "style"),
        Input(IDS.MANAGE_LOADED, "data"),
    )
    @guarded("the intervention", lambda: (no_update,) * 25)
    def fill_manage(data: dict | None):
        """Set every field of the dialog from the intervention as loaded."""
        if not data:
            raise PreventUpdate
        loaded, view = data["loaded"], data["view"]
        _id, _name, can_write = current_user()
        final = view["final"]
        with read_session() as session:
            members = qi.team_members(session)
        locked = not can_write or final
        outcome_locked = not can_write or loaded["status"] == InterventionStatus.CANCELLED.value
        outcome_options = [
            {**option, "disabled": outcome_locked}
            for option in [
                {"label": html.Span([html.Span(o.label, className="fw-semibold"), html.Span(f" · {qf.OUTCOME_HELP[o]}", className="text-muted small")]), "value": o.value}
                for o in Outcome
            ]
        ]  # fmt: skip
        title = html.Span(
            [view["title"], html.Span(f" #{loaded['id']}", className="text-muted fw-normal ms-1")]
        )
        return (
            title,
            _facts(view),
            history_list(view["notes"]),
            view["status_options"],
            loaded["status"],
            loaded["priority"],
            qi.assignee_options(members, current=loaded["assigned_to"]),
            loaded["assigned_to"],
            loaded["due_date"],
            loaded["due_time"],
            loaded["outcome"],
            loaded["responded"],
            "",
            locked,
            locked,
            locked,
            locked,
            locked,
            outcome_options,
            not can_write,
            SHOWN if can_write and not (final and loaded["status"] == InterventionStatus.CANCELLED.value) else HIDDEN,
            SHOWN if can_write and not final else HIDDEN,
            HIDDEN if can_write else SHOWN,
            HIDDEN,
            HIDDEN,
        )  # fmt: skip

    @app.callback(
        Output(IDS.MANAGE_OUTCOME_BLOCK, "style"),
        Input(IDS.MANAGE_STATUS, "value"),
        State(IDS.MANAGE_LOADED, "data"),
    )
    def show_outcome(status: str | None, data: dict | None):
        """The outcome and the client's response, asked when completing (and kept once completed)."""
        loaded = (data or {}).get("loaded", {})
        completing = InterventionStatus.COMPLETED.value in (status, loaded.get("status"))
        return SHOWN if completing else HIDDEN

    @app.callback(
        Output(IDS.MANAGE_CANCEL_ROW, "style", allow_duplicate=True),
        Input(IDS.MANAGE_CANCEL, "n_clicks"),
        Input(IDS.MANAGE_CANCEL_KEEP, "n_clicks"),
        prevent_initial_call=True,
    )
    def ask_cancel(asked: int | None, _keep: int | None):
        """Ask before cancelling."""
        if ctx.triggered_id == IDS.MANAGE_CANCEL and asked:
            return SHOWN
        return HIDDEN

    def _refused(message: str) -> tuple:
        return (
            errors_for(MANAGE, {}),
            message_alert(message, "danger", "bi-slash-circle"),
            HIDDEN,
            no_update,
            no_update,
            no_update,
        )

    @app.callback(
        Output({"type": IV_FIELD_ERROR, "form": MANAGE, "field": ALL}, "children"),
        Output(IDS.MANAGE_ALERT, "children"),
        Output(IDS.MANAGE_RELOAD, "style", allow_duplicate=True),
        Output(IDS.MANAGE_LOADED, "data", allow_duplicate=True),
        Output(IDS.CHANGED, "data", allow_duplicate=True),
        Output(IDS.MANAGE_CANCEL_ROW, "style", allow_duplicate=True),
        Input(IDS.MANAGE_SAVE, "n_clicks"),
        Input(IDS.MANAGE_CANCEL_CONFIRM, "n_clicks"),
        State(IDS.MANAGE_LOADED, "data"),
        State(IDS.MANAGE_STATUS, "value"),
        State(IDS.MANAGE_PRIORITY, "value"),
        State(IDS.MANAGE_ASSIGNEE, "value"),
        State(IDS.MANAGE_DUE_DATE, "value"),
        State(IDS.MANAGE_DUE_TIME, "value"),
        State(IDS.MANAGE_OUTCOME, "value"),
        State(IDS.MANAGE_RESPONDED, "value"),
        State(IDS.MANAGE_NOTE, "value"),
        State(IDS.CHANGED, "data"),
        prevent_initial_call=True,
    )
    def save(save_clicks, cancel_clicks, data, status, priority, assignee, due_date, due_time,
             outcome, responded, note, changed):  # fmt: skip
        """Save the changes, or cancel the intervention, with the version loaded (writers only)."""
        cancelling = ctx.triggered_id == IDS.MANAGE_CANCEL_CONFIRM
        if not (cancel_clicks if cancelling else save_clicks) or not data:
            raise PreventUpdate
        user_id, _name, can_write = current_user()
        if not can_write:
            return _refused(qi.WRITE_REFUSED)
        loaded = data["loaded"]
        zone = queries.display_zone()
        text, note_error = qf.check_note(note)
        errors = {"note": note_error} if note_error else {}
        changes: dict[str, Any] = {}
        if not cancelling:
            changes, change_errors = qf.manage_changes(
                loaded, status=status, priority=priority, assignee=assignee, due_date=due_date,
                due_time=due_time, outcome=outcome, responded=responded, zone=zone,
            )  # fmt: skip
            errors.update(change_errors)
        if errors:
            return errors_for(MANAGE, errors), None, HIDDEN, no_update, no_update, no_update
        if not cancelling and not changes and text is None:
            message = message_alert(
                "Nothing to save: change a field or write a note first.", "info", "bi-info-circle"
            )
            return errors_for(MANAGE, {}), message, HIDDEN, no_update, no_update, no_update
        try:

            with write_session() as session:
                if cancelling:
                    actions.cancel_intervention(
                        session,
                        loaded["id"],
                        actor_id=user_id,
                        version=loaded["version"],
                        note=text,
                    )
                else:
                    actions.update_intervention(
                        session, loaded["id"], actor_id=user_id, version=loaded["version"],
                        changes=changes, note=text,
                    )  # fmt: skip
        except actions.InterventionError as exc:
            field, message = qf.refusal(exc, {"assigned_to": "assignee", "outcome": "outcome"})
            if field in MANAGE_FIELDS:
                return (
                    errors_for(MANAGE, {field: message}),
                    None,
                    HIDDEN,
                    no_update,
                    no_update,
                    HIDDEN,
                )
            conflict = exc.code == "version_conflict"
            if conflict:
                latest = _load(int(loaded["id"]))
                if latest is not None:
                    message = f"{message} {latest['view']['last_change']}"
            alert = message_alert(
                message, "warning" if conflict else "danger", "bi-exclamation-triangle-fill"
            )
            return (
                errors_for(MANAGE, {}),
                alert,
                SHOWN if conflict else HIDDEN,
                no_update,
                no_update,
                HIDDEN,
            )
        except Exception:
            log.exception("changing intervention %s failed", loaded.get("id"))
            alert = message_alert(
                "The change could not be saved. Please try again in a moment.",
                "danger",
                "bi-exclamation-triangle-fill",
            )
            return errors_for(MANAGE, {}), alert, HIDDEN, no_update, no_update, HIDDEN
        done = "Cancelled." if cancelling else "Saved."
        return (
            errors_for(MANAGE, {}),
            message_alert(done, "success", "bi-check-circle-fill"),
            HIDDEN,
            _load(int(loaded["id"])),
            int(changed or 0) + 1,
            HIDDEN,
        )  # fmt: skip
