"""The new intervention form's callbacks: open it, check the fields, create the intervention."""

from __future__ import annotations

import logging

import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from dashboard import formatting
from dashboard.auth import permissions
from dashboard.clock import display_zone, utc_now
from dashboard.components import guarded, icon
from dashboard.ids import IV_FIELD_ERROR
from dashboard.registry import Callbacks
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
    """``no_update`` for each output of the callback's last (wildcard) output."""
    return [no_update] * len(ctx.outputs_list[-1])


def errors_for(form: str, errors: dict[str, str]) -> list[str]:
    """The messages for the field-error outputs of ``form``, in the order Dash lists them."""
    return [errors.get(output["id"]["field"], "") for output in ctx.outputs_list[0]]


CALLBACKS = Callbacks()


@CALLBACKS.callback(
    Output(IDS.FORM, "is_open"),
    Output(IDS.FORM_CLIENT, "value"),
    Output(IDS.FORM_CLIENT, "options"),
    Output(IDS.FORM_TYPE, "value"),
    Output(IDS.FORM_PRIORITY, "value"),
    Output(IDS.FORM_ASSIGNEE, "value"),
    Output(IDS.FORM_ASSIGNEE, "options"),
    Output(IDS.FORM_DUE_DATE, "value"),
    Output(IDS.FORM_DUE_TIME, "value"),
    Output(IDS.FORM_TITLE, "value"),
    Output(IDS.FORM_NOTES, "value"),
    Output(IDS.FORM_ALERT, "children"),
    Output(IDS.URL, "search", allow_duplicate=True),
    Output(
        {"type": IV_FIELD_ERROR, "form": NEW, "field": ALL}, "children", allow_duplicate=True
    ),
    Input(IDS.URL, "search"),
    Input(IDS.NEW, "n_clicks"),
    Input(IDS.FORM_CLOSE, "n_clicks"),
    prevent_initial_call="initial_duplicate",
)
@guarded("the new-intervention form", lambda: (no_update,) * 13 + (unchanged(),))
def open_new_form(search: str | None, _new: int | None, _close: int | None):
    """Open the form empty (button) or for the URL's client (``new=1``); close it (Cancel)."""
    trigger = ctx.triggered_id
    if trigger == IDS.FORM_CLOSE:
        return (False, *(no_update,) * 12, unchanged())
    state = state_of(search)
    from_link = trigger in (None, IDS.URL)
    if from_link and queue_view.url_param(state, queue_view.NEW_PARAM) != "1":
        raise PreventUpdate
    if trigger == IDS.NEW and not _new:
        raise PreventUpdate
    me = permissions.requester()
    client = state.client if from_link else None
    with read_session() as session:
        client_options = (
            queue_view.client_choices(session, None, selected=client) if client else []
        )
        if client and all(o["value"] != client for o in client_options):
            client = None  # an unknown client in a hand-edited link
        members = queue_view.team_members(session)
    options = queue_view.assignee_options(members)
    assignee = me.id if any(o["value"] == me.id for o in options) else None
    cleaned = no_update
    if from_link:
        cleaned = (
            queue_view.without_params(state, queue_view.NEW_PARAM)
            .replace(client=None)
            .to_search()
        )
    alert = (
        None if me.can_write else message_alert(queue_view.WRITE_REFUSED, "secondary", "bi-eye")
    )
    return (
        True, client, client_options, InterventionType.CALL.value, Priority.MEDIUM.value,
        assignee, options, None, fields.DEFAULT_DUE_TIME, "", "", alert, cleaned,
        [""] * len(ctx.outputs_list[-1]),
    )  # fmt: skip

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

@CALLBACKS.callback(
    Output({"type": IV_FIELD_ERROR, "form": NEW, "field": ALL}, "children"),
    Output(IDS.FORM_ALERT, "children", allow_duplicate=True),
    Output(IDS.FORM, "is_open", allow_duplicate=True),
    Output(IDS.CHANGED, "data"),
    Output(IDS.NOTICE, "children"),
    Input(IDS.FORM_SAVE, "n_clicks"),
    State(IDS.FORM_CLIENT, "value"),
    State(IDS.FORM_TYPE, "value"),
    State(IDS.FORM_PRIORITY, "value"),
    State(IDS.FORM_ASSIGNEE, "value"),
    State(IDS.FORM_DUE_DATE, "value"),
    State(IDS.FORM_DUE_TIME, "value"),
    State(IDS.FORM_TITLE, "value"),
    State(IDS.FORM_NOTES, "value"),
    State(IDS.CHANGED, "data"),
    prevent_initial_call=True,
)
def create(clicks, client, kind, priority, assignee, due_date, due_time, title, notes, changed):
    """Check the form, then create the intervention through the shared rules (writers only)."""
    if not clicks:
        raise PreventUpdate
    no_errors = errors_for(NEW, {})
    me = permissions.requester()
    if not me.can_write:
        return (
            no_errors,
            message_alert(queue_view.WRITE_REFUSED, "danger", "bi-slash-circle"),
            no_update,
            no_update,
            no_update,
        )
    zone = display_zone()
    checked, errors = form_view.check_new(
        client=client, type=kind, priority=priority, assignee=assignee, due_date=due_date,
        due_time=due_time, title=title, notes=notes, zone=zone,
    )  # fmt: skip
    if checked is None:
        return errors_for(NEW, errors), None, no_update, no_update, no_update
    try:
        with write_session() as session:
            created = interventions.create_intervention(
                session,
                actor_id=me.id,
                client_id=checked.client_id,
                type=checked.type,
                title=checked.title,
                priority=checked.priority,
                description=checked.description,
                assigned_to=checked.assigned_to,
                due_date=checked.due_date,
            )
            summary = f"Created “{created.title}” for {created.client.name}, due {formatting.local_time_text(created.due_date, zone, now=utc_now())}."
    except interventions.InterventionError as exc:
        field, message = fields.refusal(exc)
        if field in NEW_FIELDS:
            return errors_for(NEW, {field: message}), None, no_update, no_update, no_update
        return (
            no_errors,
            message_alert(message, "danger", "bi-exclamation-triangle-fill"),
            no_update,
            no_update,
            no_update,
        )
    except Exception:
        log.exception("creating an intervention failed")
        message = "The intervention could not be saved. Please try again in a moment."
        return (
            no_errors,
            message_alert(message, "danger", "bi-exclamation-triangle-fill"),
            no_update,
            no_update,
            no_update,
        )
    notice = dbc.Alert(
        [icon("bi-check-circle-fill", "me-2"), summary],
        color="success",
        dismissable=True,
        duration=8000,
        class_name="py-2",
        id="iv-created",
    )
    return no_errors, None, False, int(changed or 0) + 1, notice  # fmt: skip
