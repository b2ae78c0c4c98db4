"""The Interventions tab's "New intervention" dialog, and the pieces both of its dialogs share.

The form follows the admin guide's steps: the client (a picker that searches
by name), the type, the priority, who does it, an optional due date (the
priority's default is spelled out beside it), then a title and notes. It opens
from the queue's button, or from a client's detail through
``?tab=interventions&new=1&client=<id>`` with that client chosen
(``new_intervention_link``).

Creating goes through ``dashboard.intervention_actions.create_intervention``,
the rules the REST API applies; the form's own checks and any refusal of those
rules appear beside the field concerned. ``create`` checks the role itself,
so a viewer's direct request to the callback is refused too.
"""

from __future__ import annotations

import logging
from typing import Any

import dash_bootstrap_components as dbc
from dash import ALL, Dash, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from dashboard import formatting, queries
from dashboard import intervention_actions as actions
from dashboard import queries_intervention_forms as qf
from dashboard import queries_interventions as qi
from dashboard.ids import IV_FIELD_ERROR, InterventionsIds, Tab, field_error_id
from dashboard.sessions import read_session, write_session
from dashboard.tabs import guarded, icon
from dashboard.view_state import ViewState, state_of
from scoring.enums import InterventionType, Priority

log = logging.getLogger(__name__)

IDS = InterventionsIds
NEW = "new"
NEW_FIELDS = ("client", "type", "priority", "assignee", "due", "title", "notes")
TYPE_HINTS: dict[InterventionType, str] = {
    InterventionType.CALL: "direct, personal outreach",
    InterventionType.EMAIL: "written follow-up or check-in",
    InterventionType.MEETING: "scheduled consultation",
    InterventionType.ACCOUNT_REVIEW: "full status assessment",
}
HIDDEN = {"display": "none"}
SHOWN: dict[str, str] = {}


def current_user() -> tuple[int | None, str, bool]:
    """``(id, name, can_write)`` of whoever makes the request (no id for the test stand-in)."""
    from dashboard.auth import current_role_can_write, signed_in_user

    user = signed_in_user()
    user_id = getattr(user, "id", None) if user is not None else None
    return (
        int(user_id) if isinstance(user_id, int) else None,
        str(getattr(user, "name", "") or ""),
        current_role_can_write(),
    )


def field_error(form: str, field: str) -> html.Div:
    """Where the message about one field appears, right under it."""
    return html.Div(
        id=field_error_id(form, field),
        className="small text-danger fw-semibold mt-1",
        role="alert",
        **{"aria-live": "polite"},
    )


def _step(
    number: int, label: str, control: Any, form_field: str, control_id: str, hint: Any = None
) -> html.Div:
    return html.Div(
        [
            html.Div(
                str(number),
                className="rounded-circle bg-primary text-white fw-semibold d-flex align-items-center "
                "justify-content-center flex-shrink-0 mt-1",
                style={"width": "1.6rem", "height": "1.6rem", "fontSize": "0.85rem"},
                **{"aria-hidden": "true"},
            ),
            html.Div(
                [
                    dbc.Label(label, html_for=control_id, class_name="fw-semibold mb-1"),
                    control,
                    html.Div(hint, className="small text-muted mt-1") if hint is not None else None,
                    field_error(NEW, form_field),
                ],
                className="flex-grow-1",
            ),
        ],
        className="d-flex gap-3 mb-3",
    )


def _type_options() -> list[dict]:
    return [
        {
            "label": html.Span([html.Span(t.label, className="fw-semibold"), html.Span(f" · {TYPE_HINTS[t]}", className="text-muted small")]),
            "value": t.value,
        }
        for t in InterventionType
    ]  # fmt: skip


def new_form(*, can_write: bool) -> dbc.Modal:
    """The "New intervention" dialog, closed; ``open_new_form`` opens and resets it."""
    date_row = dbc.Row(
        [
            dbc.Col(dbc.Input(id=IDS.FORM_DUE_DATE, type="date"), xs=7),
            dbc.Col(
                dbc.Input(id=IDS.FORM_DUE_TIME, type="time", value=qf.DEFAULT_DUE_TIME),
                xs=5,
            ),
        ],
        class_name="g-2",
    )  # fmt: skip
    body = [
        _step(
            1,
            "Client",
            dcc.Dropdown(
                id=IDS.FORM_CLIENT,
                options=[],
                placeholder="Type a name to search",
                searchable=True,
                clearable=True,
            ),
            "client",
            IDS.FORM_CLIENT,
            hint=html.Span(id=IDS.FORM_CLIENT_HINT),
        ),
        _step(
            2,
            "Type",
            dbc.RadioItems(
                id=IDS.FORM_TYPE, options=_type_options(), value=InterventionType.CALL.value
            ),
            "type",
            IDS.FORM_TYPE,
        ),
        _step(
            3,
            "Priority",
            dbc.RadioItems(
                id=IDS.FORM_PRIORITY,
                options=[{"label": p.label, "value": p.value} for p in Priority],
                value=Priority.MEDIUM.value,
                inline=True,
            ),
            "priority",
            IDS.FORM_PRIORITY,
        ),
        _step(
            4,
            "Assign to",
            dcc.Dropdown(id=IDS.FORM_ASSIGNEE, options=[], placeholder="Unassigned"),
            "assignee",
            IDS.FORM_ASSIGNEE,
            hint="Open work beside each name, to balance the load.",
        ),
        _step(
            5,
            "Due date (optional)",
            date_row,
            "due",
            IDS.FORM_DUE_DATE,
            hint=html.Span(id=IDS.FORM_DUE_HINT),
        ),
        _step(
            6,
            "Title and notes",
            html.Div(
                [
                    dbc.Input(
                        id=IDS.FORM_TITLE,
                        placeholder="What needs doing, e.g. Call about the missed planning tasks",
                        maxlength=qf.TITLE_MAX,
                    ),
                    field_error(NEW, "title"),
                    dbc.Textarea(
                        id=IDS.FORM_NOTES,
                        placeholder="Notes and context: what you know, what to ask, what to offer",
                        rows=3,
                        class_name="mt-2",
                    ),
                ]
            ),
            "notes",
            IDS.FORM_TITLE,
        ),
    ]
    return dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle("New intervention"), close_button=True),
            dbc.ModalBody([html.Div(id=IDS.FORM_ALERT), *body]),
            dbc.ModalFooter(
                [
                    dbc.Button("Cancel", id=IDS.FORM_CLOSE, n_clicks=0, color="secondary", outline=True),
                    dbc.Button(
                        [icon("bi-check-lg", "me-1"), "Create intervention"],
                        id=IDS.FORM_SAVE,
                        n_clicks=0,
                        color="primary",
                        disabled=not can_write,
                    ),
                ]
            ),
        ],
        id=IDS.FORM,
        is_open=False,
        size="lg",
        scrollable=True,
        backdrop="static",
    )  # fmt: skip


def new_intervention_link(client_id: str, *, presentation: bool = False) -> Any:
    """The client detail's "New intervention" button: the Interventions tab's form with this client.

    Only for members who may change things; nothing for viewers.
    """
    _id, _name, can_write = current_user()
    if not can_write:
        return None
    target = ViewState(tab=Tab.INTERVENTIONS, presentation=presentation, client=client_id,
                       extra=((qi.NEW_PARAM, "1"),))  # fmt: skip
    return html.Div(
        dbc.Button(
            [icon("bi-plus-lg", "me-1"), "New intervention"],
            href=f"/{target.to_search()}",
            id="cd-new-intervention",
            color="primary",
            size="sm",
            external_link=False,
        ),
        className="d-flex justify-content-end mb-2 presentation-hidden",
    )


def message_alert(message: Any, colour: str, icon_name: str) -> dbc.Alert:
    return dbc.Alert(
        [icon(icon_name, "me-2"), message],
        color=colour,
        class_name="d-flex align-items-start py-2",
        id="iv-alert",
    )


def unchanged() -> list:
    """``no_update`` for each output of the callback's last (wildcard) output."""
    return [no_update] * len(ctx.outputs_list[-1])


def errors_for(form: str, errors: dict[str, str]) -> list[str]:
    """The messages for the field-error outputs of ``form``, in the order Dash lists them."""
    return [errors.get(output["id"]["field"], "") for output in ctx.outputs_list[0]]


# -- callbacks -------------------------------------------------------------------------


def register(app: Dash) -> None:
    """The new-intervention form's callbacks."""

    @app.callback(
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
        if from_link and qi.url_param(state, qi.NEW_PARAM) != "1":
            raise PreventUpdate
        if trigger == IDS.NEW and not _new:
            raise PreventUpdate
        user_id, _name, can_write = current_user()
        client = state.client if from_link else None
        with read_session() as session:
            client_options = qi.client_choices(session, None, selected=client) if client else []
            if client and all(o["value"] != client for o in client_options):
                client = None  # an unknown client in a hand-edited link
            members = qi.team_members(session)
        options = qi.assignee_options(members)
        assignee = user_id if any(o["value"] == user_id for o in options) else None
        cleaned = no_update
        if from_link:
            cleaned = qi.without_params(state, qi.NEW_PARAM).replace(client=None).to_search()
        alert = None if can_write else message_alert(qi.WRITE_REFUSED, "secondary", "bi-eye")
        return (
            True, client, client_options, InterventionType.CALL.value, Priority.MEDIUM.value,
            assignee, options, None, qf.DEFAULT_DUE_TIME, "", "", alert, cleaned,
            [""] * len(ctx.outputs_list[-1]),
        )  # fmt: skip

    @app.callback(
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
            return qi.client_choices(session, search, selected=selected)

    @app.callback(
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
            text, priority = qf.client_hint(qf.client_risk(session, client))
        return text, priority.value if priority else no_update

    @app.callback(
        Output(IDS.FORM_DUE_HINT, "children"),
        Input(IDS.FORM_PRIORITY, "value"),
        Input(IDS.FORM, "is_open"),
    )
    def due_hint(priority: str | None, _open: bool | None):
        """The default due date of the chosen priority, spelled out."""
        return qf.default_due_text(priority, now=queries.utc_now(), zone=queries.display_zone())

    @app.callback(
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
        user_id, name, can_write = current_user()
        if not can_write:
            return (
                no_errors,
                message_alert(qi.WRITE_REFUSED, "danger", "bi-slash-circle"),
                no_update,
                no_update,
                no_update,
            )
        zone = queries.display_zone()
        checked, errors = qf.check_new(
            client=client, type=kind, priority=priority, assignee=assignee, due_date=due_date,
            due_time=due_time, title=title, notes=notes, zone=zone,
        )  # fmt: skip
        if checked is None:
            return errors_for(NEW, errors), None, no_update, no_update, no_update
        try:

            with write_session() as session:
                created = actions.create_intervention(
                    session,
                    actor_id=user_id,
                    client_id=checked.client_id,
                    type=checked.type,
                    title=checked.title,
                    priority=checked.priority,
                    description=checked.description,
                    assigned_to=checked.assigned_to,
                    due_date=checked.due_date,
                )
                summary = f"Created “{created.title}” for {created.client.name}, due {formatting.local_time_text(created.due_date, zone, now=queries.utc_now())}."
        except actions.InterventionError as exc:
            field, message = qf.refusal(exc)
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
