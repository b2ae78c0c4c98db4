"""The new intervention form's callbacks: open it, check the fields, create the intervention."""

from __future__ import annotations

import logging
from typing import Any

import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from dashboard import formatting
from dashboard.auth import permissions
from dashboard.clock import display_zone, utc_now
from dashboard.components import guarded, icon
from dashboard.ids import IV_FIELD_ERROR
from dashboard.registry import Callbacks
from dashboard.registry import unchanged as unchanged_outputs
from dashboard.services import interventions
from dashboard.sessions import read_session, write_session
from dashboard.tabs.interventions import fields
from dashboard.tabs.interventions import view_model as queue_view
from dashboard.tabs.interventions.form import view_model as form_view
from dashboard.tabs.interventions.form.layout import IDS, NEW, message_alert
from dashboard.view_state import state_of
from scoring.enums import InterventionType, Priority

log = logging.getLogger(__name__)


NEW_FIELDS = ("client", "type", "priority", "assignee", "due", "title", "notes")


def unchanged() -> list:
    """``no_update`` for each of the callback's field-error (wildcard) outputs."""
    grouped = ctx.outputs_grouping
    outputs = grouped["field_errors"] if isinstance(grouped, dict) else ctx.outputs_list[-1]
    return [no_update] * len(outputs)


def errors_for(form: str, errors: dict[str, str]) -> list[str]:
    """The messages for the ``field_errors`` outputs of ``form``, in the order Dash lists them."""
    return [
        errors.get(output["id"]["field"], "") for output in ctx.outputs_grouping["field_errors"]
    ]


CALLBACKS = Callbacks()


OPEN_OUTPUTS = {
    "field_errors": Output(
        {"type": IV_FIELD_ERROR, "form": NEW, "field": ALL}, "children", allow_duplicate=True
    ),
    "is_open": Output(IDS.FORM, "is_open"),
    "values": {
        "client": Output(IDS.FORM_CLIENT, "value"),
        "type": Output(IDS.FORM_TYPE, "value"),
        "priority": Output(IDS.FORM_PRIORITY, "value"),
        "assignee": Output(IDS.FORM_ASSIGNEE, "value"),
        "due_date": Output(IDS.FORM_DUE_DATE, "value"),
        "due_time": Output(IDS.FORM_DUE_TIME, "value"),
        "title": Output(IDS.FORM_TITLE, "value"),
        "notes": Output(IDS.FORM_NOTES, "value"),
    },
    "options": {
        "client": Output(IDS.FORM_CLIENT, "options"),
        "assignee": Output(IDS.FORM_ASSIGNEE, "options"),
    },
    "alert": Output(IDS.FORM_ALERT, "children"),
    "url": Output(IDS.URL, "search", allow_duplicate=True),
}


def _kept(**changed: Any) -> dict[str, Any]:
    """Every output of ``open_new_form`` left as it is, but ``changed``."""
    kept = unchanged_outputs(OPEN_OUTPUTS)
    kept["field_errors"] = unchanged()
    return {**kept, **changed}


@CALLBACKS.callback(
    output=OPEN_OUTPUTS,
    inputs={
        "search": Input(IDS.URL, "search"),
        "_new": Input(IDS.NEW, "n_clicks"),
        "_close": Input(IDS.FORM_CLOSE, "n_clicks"),
    },
    prevent_initial_call="initial_duplicate",
)
@guarded("the new-intervention form", _kept)
def open_new_form(search: str | None, _new: int | None, _close: int | None) -> dict[str, Any]:
    """Open the form empty (button) or for the URL's client (``new=1``); close it (Cancel)."""
    trigger = ctx.triggered_id
    if trigger == IDS.FORM_CLOSE:
        return _kept(is_open=False)
    state = state_of(search)
    from_link = trigger in (None, IDS.URL)
    if from_link and queue_view.url_param(state, queue_view.NEW_PARAM) != "1":
        raise PreventUpdate
    if trigger == IDS.NEW and not _new:
        raise PreventUpdate
    me = permissions.requester()
    client = state.client if from_link else None
    with read_session() as session:
        client_options = queue_view.client_choices(session, None, selected=client) if client else []
        if client and all(o["value"] != client for o in client_options):
            client = None  # an unknown client in a hand-edited link
        members = queue_view.team_members(session)
    options = queue_view.assignee_options(members)
    cleaned = no_update
    if from_link:
        cleaned = (
            queue_view.without_params(state, queue_view.NEW_PARAM).replace(client=None).to_search()
        )
    return {
        "field_errors": errors_for(NEW, {}),
        "is_open": True,
        "values": {
            "client": client,
            "type": InterventionType.CALL.value,
            "priority": Priority.MEDIUM.value,
            "assignee": me.id if any(o["value"] == me.id for o in options) else None,
            "due_date": None,
            "due_time": fields.DEFAULT_DUE_TIME,
            "title": "",
            "notes": "",
        },
        "options": {"client": client_options, "assignee": options},
        "alert": None
        if me.can_write
        else message_alert(queue_view.WRITE_REFUSED, "secondary", "bi-eye"),
        "url": cleaned,
    }


@CALLBACKS.callback(
    Output(IDS.FORM_CLIENT, "options", allow_duplicate=True),
    Input(IDS.FORM_CLIENT, "search_value"),
    State(IDS.FORM_CLIENT, "value"),
    prevent_initial_call=True,
)
@guarded("the client search", lambda: no_update)
def search_clients(search: str | None, selected: str | None):
    """The clients whose name contains what was typed (and the chosen one)."""
    if not search:
        raise PreventUpdate
    with read_session() as session:
        return queue_view.client_choices(session, search, selected=selected)


@CALLBACKS.callback(
    Output(IDS.FORM_CLIENT_HINT, "children"),
    Output(IDS.FORM_PRIORITY, "value", allow_duplicate=True),
    Input(IDS.FORM_CLIENT, "value"),
    prevent_initial_call=True,
)
@guarded("the client's risk", lambda: ("", no_update))
def suggest_priority(client: str | None):
    """The chosen client's risk, and the priority it suggests."""
    if not client:
        return "", no_update
    with read_session() as session:
        text, priority = form_view.client_hint(form_view.client_risk(session, client))
    return text, priority.value if priority else no_update


@CALLBACKS.callback(
    Output(IDS.FORM_DUE_HINT, "children"),
    Input(IDS.FORM_PRIORITY, "value"),
    Input(IDS.FORM, "is_open"),
)
def due_hint(priority: str | None, _open: bool | None):
    """The default due date of the chosen priority, spelled out."""
    return fields.default_due_text(priority, now=utc_now(), zone=display_zone())


def _created(
    *,
    field_errors: dict[str, str] | None = None,
    alert: Any = None,
    is_open: Any = no_update,
    changed: Any = no_update,
    notice: Any = no_update,
) -> dict[str, Any]:
    """The outputs of ``create``, by name."""
    return {
        "field_errors": errors_for(NEW, field_errors or {}),
        "alert": alert,
        "is_open": is_open,
        "changed": changed,
        "notice": notice,
    }


def _failure(message: str) -> dict[str, Any]:
    return _created(alert=message_alert(message, "danger", "bi-exclamation-triangle-fill"))


def _write(
    checked: form_view.NewIntervention, actor_id: int | None
) -> tuple[str | None, dict | None]:
    """Create the checked intervention: what to say it was created, or what to show instead."""
    try:
        with write_session() as session:
            created = interventions.create_intervention(
                session,
                actor_id=actor_id,
                client_id=checked.client_id,
                type=checked.type,
                title=checked.title,
                priority=checked.priority,
                description=checked.description,
                assigned_to=checked.assigned_to,
                due_date=checked.due_date,
            )
            due = formatting.local_time_text(created.due_date, display_zone(), now=utc_now())
            return f"Created “{created.title}” for {created.client.name}, due {due}.", None
    except interventions.InterventionError as exc:
        field, message = fields.refusal(exc)
        if field in NEW_FIELDS:
            return None, _created(field_errors={field: message})
        return None, _failure(message)
    except Exception:
        log.exception("creating an intervention failed")
        return None, _failure("The intervention could not be saved. Please try again in a moment.")


@CALLBACKS.callback(
    output={
        "field_errors": Output({"type": IV_FIELD_ERROR, "form": NEW, "field": ALL}, "children"),
        "alert": Output(IDS.FORM_ALERT, "children", allow_duplicate=True),
        "is_open": Output(IDS.FORM, "is_open", allow_duplicate=True),
        "changed": Output(IDS.CHANGED, "data"),
        "notice": Output(IDS.NOTICE, "children"),
    },
    inputs={
        "clicks": Input(IDS.FORM_SAVE, "n_clicks"),
        "client": State(IDS.FORM_CLIENT, "value"),
        "kind": State(IDS.FORM_TYPE, "value"),
        "priority": State(IDS.FORM_PRIORITY, "value"),
        "assignee": State(IDS.FORM_ASSIGNEE, "value"),
        "due_date": State(IDS.FORM_DUE_DATE, "value"),
        "due_time": State(IDS.FORM_DUE_TIME, "value"),
        "title": State(IDS.FORM_TITLE, "value"),
        "notes": State(IDS.FORM_NOTES, "value"),
        "changed": State(IDS.CHANGED, "data"),
    },
    prevent_initial_call=True,
)
def create(clicks, client, kind, priority, assignee, due_date, due_time, title, notes, changed):
    """Check the form, then create the intervention through the shared rules (writers only)."""
    if not clicks:
        raise PreventUpdate
    me = permissions.requester()
    if not me.can_write:
        return _created(alert=message_alert(queue_view.WRITE_REFUSED, "danger", "bi-slash-circle"))
    checked, errors = form_view.check_new(
        client=client, type=kind, priority=priority, assignee=assignee, due_date=due_date,
        due_time=due_time, title=title, notes=notes, zone=display_zone(),
    )  # fmt: skip
    if checked is None:
        return _created(field_errors=errors)
    summary, refused = _write(checked, me.id)
    if refused is not None:
        return refused
    notice = dbc.Alert(
        [icon("bi-check-circle-fill", "me-2"), summary],
        color="success",
        dismissable=True,
        duration=8000,
        class_name="py-2",
        id="iv-created",
    )
    return _created(is_open=False, changed=int(changed or 0) + 1, notice=notice)
