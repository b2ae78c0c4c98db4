"""The manage dialog's callbacks: open an intervention, save a change, cancel it."""

from __future__ import annotations

import logging
from typing import Any

from dash import ALL, Input, Output, State, ctx, html, no_update
from dash.exceptions import PreventUpdate

from dashboard.auth import permissions
from dashboard.clock import display_zone, utc_now
from dashboard.components import guarded
from dashboard.ids import IV_FIELD_ERROR
from dashboard.registry import Callbacks
from dashboard.services import interventions
from dashboard.sessions import read_session, write_session
from dashboard.tabs.interventions import fields
from dashboard.tabs.interventions import view_model as queue_view
from dashboard.tabs.interventions.form.callbacks import errors_for, unchanged
from dashboard.tabs.interventions.form.layout import (
    HIDDEN,
    SHOWN,
    message_alert,
)
from dashboard.tabs.interventions.manage import view_model as manage_view
from dashboard.tabs.interventions.manage.layout import IDS, MANAGE, facts_list, history_list
from dashboard.view_state import state_of
from scoring.enums import InterventionStatus, Outcome

log = logging.getLogger(__name__)


MANAGE_FIELDS = ("status", "outcome", "responded", "priority", "assignee", "due", "note")


def _view(model: manage_view.ManageModel) -> dict[str, Any]:
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
    now, zone = utc_now(), display_zone()
    with read_session() as session:
        try:
            record = manage_view.manage_record(session, intervention_id)
        except interventions.InterventionNotFound:
            return None
    return _view(manage_view.manage_model(record, now=now, zone=zone))


CALLBACKS = Callbacks()


@CALLBACKS.callback(
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
    wanted = queue_view.url_param(state, queue_view.OPEN_PARAM)
    trigger = ctx.triggered_id
    keep = (no_update, unchanged())
    if trigger == IDS.MANAGE_CLOSE or (trigger == IDS.MANAGE and not is_open):
        if wanted is None:
            return (False if is_open else no_update), no_update, no_update, *keep
        return (
            False,
            no_update,
            queue_view.without_params(state, queue_view.OPEN_PARAM).to_search(),
            *keep,
        )
    if trigger == IDS.MANAGE:
        raise PreventUpdate
    if wanted is None or not wanted.isdigit():
        return (False if is_open else no_update), no_update, no_update, *keep
    current = (loaded or {}).get("loaded", {}).get("id")
    if trigger != IDS.MANAGE_RELOAD and is_open and current == int(wanted):
        raise PreventUpdate
    view = _load(int(wanted))
    if view is None:
        return (
            False,
            no_update,
            queue_view.without_params(state, queue_view.OPEN_PARAM).to_search(),
            *keep,
        )
    return True, view, no_update, None, [""] * len(ctx.outputs_list[-1])

@CALLBACKS.callback(
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
    me = permissions.requester()
    final = view["final"]
    with read_session() as session:
        members = queue_view.team_members(session)
    locked = not me.can_write or final
    outcome_locked = not me.can_write or loaded["status"] == InterventionStatus.CANCELLED.value
    outcome_options = [
        {**option, "disabled": outcome_locked}
        for option in [
            {"label": html.Span([html.Span(o.label, className="fw-semibold"), html.Span(f" · {manage_view.OUTCOME_HELP[o]}", className="text-muted small")]), "value": o.value}
            for o in Outcome
        ]
    ]  # fmt: skip
    title = html.Span(
        [view["title"], html.Span(f" #{loaded['id']}", className="text-muted fw-normal ms-1")]
    )
    return (
        title,
        facts_list(view),
        history_list(view["notes"]),
        view["status_options"],
        loaded["status"],
        loaded["priority"],
        queue_view.assignee_options(members, current=loaded["assigned_to"]),
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
        not me.can_write,
        SHOWN if me.can_write and not (final and loaded["status"] == InterventionStatus.CANCELLED.value) else HIDDEN,
        SHOWN if me.can_write and not final else HIDDEN,
        HIDDEN if me.can_write else SHOWN,
        HIDDEN,
        HIDDEN,
    )  # fmt: skip

@CALLBACKS.callback(
    Output(IDS.MANAGE_OUTCOME_BLOCK, "style"),
    Input(IDS.MANAGE_STATUS, "value"),
    State(IDS.MANAGE_LOADED, "data"),
)
def show_outcome(status: str | None, data: dict | None):
    """The outcome and the client's response, asked when completing (and kept once completed)."""
    loaded = (data or {}).get("loaded", {})
    completing = InterventionStatus.COMPLETED.value in (status, loaded.get("status"))
    return SHOWN if completing else HIDDEN

@CALLBACKS.callback(
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

@CALLBACKS.callback(
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
    me = permissions.requester()
    if not me.can_write:
        return _refused(queue_view.WRITE_REFUSED)
    loaded = data["loaded"]
    zone = display_zone()
    text, note_error = manage_view.check_note(note)
    errors = {"note": note_error} if note_error else {}
    changes: dict[str, Any] = {}
    if not cancelling:
        changes, change_errors = manage_view.manage_changes(
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
                interventions.cancel_intervention(
                    session,
                    loaded["id"],
                    actor_id=me.id,
                    version=loaded["version"],
                    note=text,
                )
            else:
                interventions.update_intervention(
                    session, loaded["id"], actor_id=me.id, version=loaded["version"],
                    changes=changes, note=text,
                )  # fmt: skip
    except interventions.InterventionError as exc:
        field, message = fields.refusal(exc, {"assigned_to": "assignee", "outcome": "outcome"})
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
