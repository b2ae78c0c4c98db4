"""The Interventions tab's "New intervention" dialog, and the pieces both of its dialogs share.

The form follows the admin guide's steps: the client (a picker that searches
by name), the type, the priority, who does it, an optional due date (the
priority's default is spelled out beside it), then a title and notes. It opens
from the queue's button, or from a client's detail through
``?tab=interventions&new=1&client=<id>`` with that client chosen
(``new_intervention_link``).

Creating goes through ``dashboard.services.interventions.create_intervention``,
the rules the REST API applies; the form's own checks and any refusal of those
rules appear beside the field concerned. ``create`` checks the role itself,
so a viewer's direct request to the callback is refused too.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.auth import permissions
from dashboard.components import icon
from dashboard.ids import InterventionsIds, Tab, field_error_id
from dashboard.tabs.interventions import fields, view_model
from dashboard.view_state import ViewState
from scoring.enums import InterventionType, Priority

IDS = InterventionsIds


NEW = "new"


TYPE_HINTS: dict[InterventionType, str] = {
    InterventionType.CALL: "direct, personal outreach",
    InterventionType.EMAIL: "written follow-up or check-in",
    InterventionType.MEETING: "scheduled consultation",
    InterventionType.ACCOUNT_REVIEW: "full status assessment",
}


HIDDEN = {"display": "none"}


SHOWN: dict[str, str] = {}


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


def _due_row() -> dbc.Row:
    """The due date and time pickers."""
    return dbc.Row(
        [
            dbc.Col(dbc.Input(id=IDS.FORM_DUE_DATE, type="date"), xs=7),
            dbc.Col(
                dbc.Input(id=IDS.FORM_DUE_TIME, type="time", value=fields.DEFAULT_DUE_TIME),
                xs=5,
            ),
        ],
        class_name="g-2",
    )  # fmt: skip


def _steps() -> list[html.Div]:
    """The six numbered steps of the form: client, type, priority, assignee, due date, title and notes."""
    return [
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
            _due_row(),
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
                        maxlength=fields.TITLE_MAX,
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


def new_form(*, can_write: bool) -> dbc.Modal:
    """The "New intervention" dialog, closed; ``open_new_form`` opens and resets it."""
    return dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle("New intervention"), close_button=True),
            dbc.ModalBody([html.Div(id=IDS.FORM_ALERT), *_steps()]),
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
    me = permissions.requester()
    if not me.can_write:
        return None
    target = ViewState(tab=Tab.INTERVENTIONS, presentation=presentation, client=client_id,
                       extra=((view_model.NEW_PARAM, "1"),))  # fmt: skip
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
