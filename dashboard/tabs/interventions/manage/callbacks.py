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
from dashboard.registry import Callbacks, unchanged
from dashboard.services import interventions
from dashboard.sessions import read_session, write_session
from dashboard.tabs.interventions import fields
from dashboard.tabs.interventions import view_model as queue_view
from dashboard.tabs.interventions.form.callbacks import errors_for
from dashboard.tabs.interventions.form.callbacks import unchanged as unchanged_fields
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


LOAD_OUTPUTS = {
    "field_errors": Output(
        {"type": IV_FIELD_ERROR, "form": MANAGE, "field": ALL}, "children", allow_duplicate=True
    ),
    "is_open": Output(IDS.MANAGE, "is_open"),
    "loaded": Output(IDS.MANAGE_LOADED, "data"),
    "url": Output(IDS.URL, "search", allow_duplicate=True),
    "alert": Output(IDS.MANAGE_ALERT, "children", allow_duplicate=True),
}


def _shown(**changed: Any) -> dict[str, Any]:
    """Every output of ``load_manage`` left as it is, but ``changed``."""
    return {**unchanged(LOAD_OUTPUTS), "field_errors": unchanged_fields(), **changed}


@CALLBACKS.callback(
    output=LOAD_OUTPUTS,
    inputs={
        "search": Input(IDS.URL, "search"),
        "_close": Input(IDS.MANAGE_CLOSE, "n_clicks"),
        "is_open": Input(IDS.MANAGE, "is_open"),
        "_reload": Input(IDS.MANAGE_RELOAD, "n_clicks"),
        "loaded": State(IDS.MANAGE_LOADED, "data"),
    },
    prevent_initial_call="initial_duplicate",
)
@guarded("the intervention", lambda: _shown(loaded=None))
def load_manage(search, _close, is_open, _reload, loaded) -> dict[str, Any]:
    """URL ``iv`` -> the dialog open with that intervention; closing it takes ``iv`` out of the URL."""
    state = state_of(search)
    wanted = queue_view.url_param(state, queue_view.OPEN_PARAM)
    trigger = ctx.triggered_id
    closed = queue_view.without_params(state, queue_view.OPEN_PARAM).to_search()
    if trigger == IDS.MANAGE_CLOSE or (trigger == IDS.MANAGE and not is_open):
        if wanted is None:
            return _shown(is_open=False if is_open else no_update)
        return _shown(is_open=False, url=closed)
    if trigger == IDS.MANAGE:
        raise PreventUpdate
    if wanted is None or not wanted.isdigit():
        return _shown(is_open=False if is_open else no_update)
    current = (loaded or {}).get("loaded", {}).get("id")
    if trigger != IDS.MANAGE_RELOAD and is_open and current == int(wanted):
        raise PreventUpdate
    view = _load(int(wanted))
    if view is None:
        return _shown(is_open=False, url=closed)
    return _shown(is_open=True, loaded=view, alert=None, field_errors=errors_for(MANAGE, {}))


FILL_OUTPUTS = {
    "title": Output(IDS.MANAGE_TITLE, "children"),
    "facts": Output(IDS.MANAGE_FACTS, "children"),
    "history": Output(IDS.MANAGE_HISTORY, "children"),
    "status_options": Output(IDS.MANAGE_STATUS, "options"),
    "assignee_options": Output(IDS.MANAGE_ASSIGNEE, "options"),
    "outcome_options": Output(IDS.MANAGE_OUTCOME, "options"),
    "values": {
        "status": Output(IDS.MANAGE_STATUS, "value"),
        "priority": Output(IDS.MANAGE_PRIORITY, "value"),
        "assigned_to": Output(IDS.MANAGE_ASSIGNEE, "value"),
        "due_date": Output(IDS.MANAGE_DUE_DATE, "value"),
        "due_time": Output(IDS.MANAGE_DUE_TIME, "value"),
        "outcome": Output(IDS.MANAGE_OUTCOME, "value"),
        "responded": Output(IDS.MANAGE_RESPONDED, "value"),
        "note": Output(IDS.MANAGE_NOTE, "value"),
    },
    "disabled": {
        "status": Output(IDS.MANAGE_STATUS, "disabled"),
        "priority": Output(IDS.MANAGE_PRIORITY, "disabled"),
        "assignee": Output(IDS.MANAGE_ASSIGNEE, "disabled"),
        "due_date": Output(IDS.MANAGE_DUE_DATE, "disabled"),
        "due_time": Output(IDS.MANAGE_DUE_TIME, "disabled"),
        "note": Output(IDS.MANAGE_NOTE, "disabled"),
    },
    "styles": {
        "save": Output(IDS.MANAGE_SAVE, "style"),
        "cancel": Output(IDS.MANAGE_CANCEL, "style"),
        "readonly": Output(IDS.MANAGE_READONLY, "style"),
        "reload": Output(IDS.MANAGE_RELOAD, "style"),
        "cancel_row": Output(IDS.MANAGE_CANCEL_ROW, "style"),
    },
}


def _outcome_options(locked: bool) -> list[dict[str, Any]]:
    return [
        {"label": html.Span([html.Span(o.label, className="fw-semibold"), html.Span(f" · {manage_view.OUTCOME_HELP[o]}", className="text-muted small")]),
         "value": o.value, "disabled": locked}
        for o in Outcome
    ]  # fmt: skip


@CALLBACKS.callback(output=FILL_OUTPUTS, inputs={"data": Input(IDS.MANAGE_LOADED, "data")})
@guarded("the intervention", lambda: unchanged(FILL_OUTPUTS))
def fill_manage(data: dict | None) -> dict[str, Any]:
    """Set every field of the dialog from the intervention as loaded."""
    if not data:
        raise PreventUpdate
    loaded, view = data["loaded"], data["view"]
    writer = permissions.requester().can_write
    final = view["final"]
    cancelled = loaded["status"] == InterventionStatus.CANCELLED.value
    with read_session() as session:
        members = queue_view.team_members(session)
    locked = not writer or final
    title = html.Span(
        [view["title"], html.Span(f" #{loaded['id']}", className="text-muted fw-normal ms-1")]
    )
    values = {name: loaded[name] for name in FILL_OUTPUTS["values"] if name != "note"}
    return {
        "title": title,
        "facts": facts_list(view),
        "history": history_list(view["notes"]),
        "status_options": view["status_options"],
        "assignee_options": queue_view.assignee_options(members, current=loaded["assigned_to"]),
        "outcome_options": _outcome_options(not writer or cancelled),
        "values": {**values, "note": ""},
        "disabled": {**dict.fromkeys(FILL_OUTPUTS["disabled"], locked), "note": not writer},
        "styles": {
            "save": SHOWN if writer and not (final and cancelled) else HIDDEN,
            "cancel": SHOWN if writer and not final else HIDDEN,
            "readonly": HIDDEN if writer else SHOWN,
            "reload": HIDDEN,
            "cancel_row": HIDDEN,
        },
    }


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


def _saved(
    *,
    field_errors: dict[str, str] | None = None,
    alert: Any = None,
    reload: dict[str, str] = HIDDEN,
    loaded: Any = no_update,
    changed: Any = no_update,
    cancel_row: Any = no_update,
) -> dict[str, Any]:
    """The outputs of ``save``, by name: the field errors, the alert, the reload link, ..."""
    return {
        "field_errors": errors_for(MANAGE, field_errors or {}),
        "alert": alert,
        "reload": reload,
        "loaded": loaded,
        "changed": changed,
        "cancel_row": cancel_row,
    }


def _write(
    loaded: dict, actor_id: int | None, *, cancelling: bool, changes: dict, note: str | None
):
    """Cancel or change the loaded intervention; what to show when the rules refuse, else None."""
    try:
        with write_session() as session:
            if cancelling:
                interventions.cancel_intervention(
                    session, loaded["id"], actor_id=actor_id, version=loaded["version"], note=note
                )
            else:
                interventions.update_intervention(
                    session, loaded["id"], actor_id=actor_id, version=loaded["version"],
                    changes=changes, note=note,
                )  # fmt: skip
    except interventions.InterventionError as exc:
        field, message = fields.refusal(exc, {"assigned_to": "assignee", "outcome": "outcome"})
        if field in MANAGE_FIELDS:
            return _saved(field_errors={field: message}, cancel_row=HIDDEN)
        conflict = exc.code == "version_conflict"
        if conflict:
            latest = _load(int(loaded["id"]))
            if latest is not None:
                message = f"{message} {latest['view']['last_change']}"
        alert = message_alert(
            message, "warning" if conflict else "danger", "bi-exclamation-triangle-fill"
        )
        return _saved(alert=alert, reload=SHOWN if conflict else HIDDEN, cancel_row=HIDDEN)
    except Exception:
        log.exception("changing intervention %s failed", loaded.get("id"))
        alert = message_alert(
            "The change could not be saved. Please try again in a moment.",
            "danger",
            "bi-exclamation-triangle-fill",
        )
        return _saved(alert=alert, cancel_row=HIDDEN)
    return None


@CALLBACKS.callback(
    output={
        "field_errors": Output({"type": IV_FIELD_ERROR, "form": MANAGE, "field": ALL}, "children"),
        "alert": Output(IDS.MANAGE_ALERT, "children"),
        "reload": Output(IDS.MANAGE_RELOAD, "style", allow_duplicate=True),
        "loaded": Output(IDS.MANAGE_LOADED, "data", allow_duplicate=True),
        "changed": Output(IDS.CHANGED, "data", allow_duplicate=True),
        "cancel_row": Output(IDS.MANAGE_CANCEL_ROW, "style", allow_duplicate=True),
    },
    inputs={
        "save_clicks": Input(IDS.MANAGE_SAVE, "n_clicks"),
        "cancel_clicks": Input(IDS.MANAGE_CANCEL_CONFIRM, "n_clicks"),
        "data": State(IDS.MANAGE_LOADED, "data"),
        "status": State(IDS.MANAGE_STATUS, "value"),
        "priority": State(IDS.MANAGE_PRIORITY, "value"),
        "assignee": State(IDS.MANAGE_ASSIGNEE, "value"),
        "due_date": State(IDS.MANAGE_DUE_DATE, "value"),
        "due_time": State(IDS.MANAGE_DUE_TIME, "value"),
        "outcome": State(IDS.MANAGE_OUTCOME, "value"),
        "responded": State(IDS.MANAGE_RESPONDED, "value"),
        "note": State(IDS.MANAGE_NOTE, "value"),
        "changed": State(IDS.CHANGED, "data"),
    },
    prevent_initial_call=True,
)
def save(save_clicks, cancel_clicks, data, status, priority, assignee, due_date, due_time,
         outcome, responded, note, changed) -> dict[str, Any]:  # fmt: skip
    """Save the changes, or cancel the intervention, with the version loaded (writers only)."""
    cancelling = ctx.triggered_id == IDS.MANAGE_CANCEL_CONFIRM
    if not (cancel_clicks if cancelling else save_clicks) or not data:
        raise PreventUpdate
    me = permissions.requester()
    if not me.can_write:
        return _saved(alert=message_alert(queue_view.WRITE_REFUSED, "danger", "bi-slash-circle"))
    loaded = data["loaded"]
    text, note_error = manage_view.check_note(note)
    errors = {"note": note_error} if note_error else {}
    changes: dict[str, Any] = {}
    if not cancelling:
        changes, change_errors = manage_view.manage_changes(
            loaded, status=status, priority=priority, assignee=assignee, due_date=due_date,
            due_time=due_time, outcome=outcome, responded=responded, zone=display_zone(),
        )  # fmt: skip
        errors.update(change_errors)
    if errors:
        return _saved(field_errors=errors)
    if not cancelling and not changes and text is None:
        message = "Nothing to save: change a field or write a note first."
        return _saved(alert=message_alert(message, "info", "bi-info-circle"))
    refused = _write(loaded, me.id, cancelling=cancelling, changes=changes, note=text)
    if refused is not None:
        return refused
    done = "Cancelled." if cancelling else "Saved."
    return _saved(
        alert=message_alert(done, "success", "bi-check-circle-fill"),
        loaded=_load(int(loaded["id"])),
        changed=int(changed or 0) + 1,
        cancel_row=HIDDEN,
    )
