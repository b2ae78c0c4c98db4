"""Interventions: the team's work queue, with its filters, counts and CSV export.

The queue lists interventions by priority (urgent first), overdue ones before
the rest, then by due date (``data.repositories.interventions.intervention_queue``,
in SQL, one page of ``PAGE_SIZE`` at a time). Overdue rows are tinted and say
by how long; those due within 48 hours say when. Above the queue: how many
are open, overdue and due soon among the filtered interventions (every page).

State: the filters and the page live in the URL (``view_model.QueueFilters``);
every control writes to it and follows it through the tab's own
``dcc.Location``, as on Risk Segments. ``iv=<id>`` opens an intervention in the
manage dialog and ``new=1`` the new-intervention form (``form/``).

Roles: everyone sees the queue and can export it; viewers find "New
intervention" disabled (it says why) and the dialog read-only, and every
callback that writes checks the role itself
(``dashboard.auth.permissions.can_write``), so a viewer's request to
``/_dash-update-component`` is refused too. In presentation mode the filters,
buttons and each row's type line are hidden; the header says which filters
apply.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.auth import permissions
from dashboard.components import icon, labelled, table_header
from dashboard.ids import InterventionsIds, intervention_open_id, open_client_id
from dashboard.sessions import read_session
from dashboard.tabs.interventions import view_model
from dashboard.tabs.interventions.form import layout as form_layout
from dashboard.tabs.interventions.manage import layout as manage_layout
from dashboard.view_state import ViewState
from scoring.enums import InterventionStatus, InterventionType, Priority

IDS = InterventionsIds


TAB_URL = IDS.URL


ANY = "any"


# Bootstrap's classes for a priority: urgent stands out most, low least.
PRIORITY_COLOURS: dict[str, tuple[str, str]] = {
    Priority.URGENT.value: ("dark", "text-white"),
    Priority.HIGH.value: ("primary", "text-white"),
    Priority.MEDIUM.value: (
        "secondary-subtle",
        "text-secondary-emphasis border border-secondary-subtle",
    ),
    Priority.LOW.value: ("light", "text-secondary border"),
}


STATUS_COLOURS: dict[str, str] = {
    InterventionStatus.PENDING.value: "text-secondary-emphasis",
    InterventionStatus.IN_PROGRESS.value: "text-primary fw-semibold",
    InterventionStatus.COMPLETED.value: "text-success",
    InterventionStatus.CANCELLED.value: "text-muted",
}


def queue_key(filters: view_model.QueueFilters) -> str:
    """The part of the URL that shapes the queue (so opening a dialog does not redraw it)."""
    return "&".join(f"{k}={v}" for k, v in filters.params())


def priority_badge(priority: str, label: str) -> dbc.Badge:
    colour, text = PRIORITY_COLOURS.get(priority, ("light", "text-dark"))
    return dbc.Badge(label, color=colour, class_name=f"{text} fs-6 fw-semibold", pill=False)


def _due_cell(row: view_model.QueueRow) -> list[Any]:
    parts: list[Any] = [html.Div(row.due_text, className="text-nowrap")]
    if row.due_tone == "overdue":
        parts.append(
            html.Div(
                [icon("bi-exclamation-triangle-fill", "me-1"), row.due_note],
                className="small fw-semibold text-danger text-nowrap",
            )
        )
    elif row.due_tone == "soon":
        parts.append(
            html.Div(
                [icon("bi-alarm", "me-1"), row.due_note],
                className="small fw-semibold text-warning-emphasis text-nowrap",
            )
        )
    elif row.due_note:
        parts.append(html.Div(row.due_note, className="small text-muted text-nowrap"))
    return parts


def _status_cell(row: view_model.QueueRow) -> list[Any]:
    parts: list[Any] = [
        html.Span(row.status_label, className=f"text-nowrap {STATUS_COLOURS.get(row.status, '')}")
    ]
    if row.outcome_label:
        parts.append(html.Div(row.outcome_label, className="small text-muted"))
    return parts


def queue_table(rows: list[view_model.QueueRow]) -> Any:
    """The queue's page as a table; the title opens the manage dialog, the client its detail."""
    if not rows:
        return html.Div(
            [icon("bi-check2-circle"), html.Div("No interventions match these filters", className="fw-semibold")],
            className="empty-state",
        )  # fmt: skip
    head = html.Thead(
        html.Tr(
            [
                html.Th("Priority", style={"width": "8%"}),
                html.Th("Intervention"),
                html.Th("Client", style={"width": "21%"}),
                html.Th("Assigned to", style={"width": "11%"}),
                html.Th("Due", style={"width": "14%"}),
                html.Th("Status", style={"width": "10%"}),
            ]
        )
    )
    body = []
    for row in rows:
        tint = {"overdue": "table-danger", "soon": "table-warning"}.get(row.due_tone, "")
        body.append(
            html.Tr(
                [
                    html.Td(priority_badge(row.priority, row.priority_label)),
                    html.Td(
                        [
                            html.Button(
                                row.title,
                                id=intervention_open_id(row.id),
                                n_clicks=0,
                                className="btn btn-link p-0 text-start fw-semibold text-decoration-none queue-title",
                                title="Open to update status, notes, assignee or due date",
                            ),
                            html.Div(
                                f"{row.type_label} · {row.source_label}",
                                className="small text-muted presentation-hidden",
                            ),
                        ]
                    ),
                    html.Td(
                        html.Button(
                            row.client_name,
                            id=open_client_id(row.client_id, f"iv-{row.id}"),
                            n_clicks=0,
                            className="btn btn-link p-0 text-start text-body link-offset-2 link-underline-opacity-25",
                            title="Open the client's health detail",
                        )
                    ),
                    html.Td(
                        row.assignee, className="" if row.assignee != "Unassigned" else "text-muted"
                    ),
                    html.Td(_due_cell(row)),
                    html.Td(_status_cell(row)),
                ],
                className=tint,
                id=f"iv-row-{row.id}",
            )
        )
    return dbc.Table(
        [head, html.Tbody(body)], hover=True, size="sm", class_name="mb-0 align-middle queue-table"
    )


def counts_strip(counts: view_model.QueueCounts) -> list[Any]:
    """Open, overdue and due-soon interventions among the filtered ones, large enough for a projector."""

    def count(value: int, label: str, tone: str, icon_name: str, key: str) -> html.Div:
        return html.Div(
            [
                icon(icon_name, f"fs-4 {tone}"),
                html.Span(f"{value:,}", className=f"fs-3 fw-bold {tone}", id=f"iv-count-{key}"),
                html.Span(label, className="text-muted fw-semibold"),
            ],
            className="d-flex align-items-center gap-2",
        )

    return [
        count(counts.open, "open", "text-body", "bi-list-check", "open"),
        count(
            counts.overdue,
            "overdue",
            "text-danger" if counts.overdue else "text-muted",
            "bi-exclamation-triangle-fill",
            "overdue",
        ),
        count(
            counts.due_soon,
            "due within 48 hours",
            "text-warning-emphasis" if counts.due_soon else "text-muted",
            "bi-alarm",
            "due-soon",
        ),
    ]


def _choices(label: str, control_id: str, kind: type, value: Any, placeholder: str) -> dbc.Col:
    """A filter of several values of an enumeration (priority, type)."""
    dropdown = dcc.Dropdown(
        id=control_id,
        options=[{"label": member.label, "value": member.value} for member in kind],
        value=value,
        multi=True,
        searchable=False,
        placeholder=placeholder,
    )
    return labelled(label, dropdown, control_id, lg=2, xs=6)


def _filters(
    filters: view_model.QueueFilters, members: list[view_model.Member], user_id: int | None
) -> dbc.Card:
    values = control_values(filters)
    return dbc.Card(
        dbc.CardBody(
            dbc.Row(
                [
                    labelled(
                        "Status",
                        dbc.Select(
                            id=IDS.STATUS,
                            options=view_model.status_filter_options(filters.statuses),
                            value=values["status"],
                        ),
                        IDS.STATUS,
                        lg=2,
                        xs=6,
                    ),
                    _choices("Priority", IDS.PRIORITY, Priority, values["priority"], "All priorities"),
                    _choices("Type", IDS.TYPE, InterventionType, values["type"], "All types"),
                    labelled(
                        "Assigned to",
                        dcc.Dropdown(
                            id=IDS.ASSIGNEE,
                            options=view_model.assignee_filter_options(members),
                            value=values["assignee"],
                            placeholder="Anyone",
                            disabled=filters.mine,
                        ),
                        IDS.ASSIGNEE,
                        lg=2,
                        xs=6,
                    ),
                    labelled(
                        "Source",
                        dbc.Select(
                            id=IDS.SOURCE,
                            options=[{"label": "Any source", "value": ANY}]
                            + [{"label": f"{label} only", "value": s.value} for s, label in view_model.SOURCE_LABELS.items()],
                            value=values["source"],
                        ),
                        IDS.SOURCE,
                        lg=2,
                        xs=6,
                    ),
                    dbc.Col(
                        [
                            dbc.Switch(
                                id=IDS.MINE,
                                label="Mine only",
                                value=values["mine"],
                                disabled=user_id is None,
                                class_name="mb-1",
                            ),
                            dbc.Switch(id=IDS.OVERDUE_ONLY, label="Overdue only", value=values["overdue"], class_name="mb-0"),
                        ],
                        lg=2,
                        xs=6,
                        class_name="small text-nowrap ps-lg-3",
                    ),
                ],
                class_name="g-2 align-items-end",
            ),
            class_name="py-2",
        ),
        class_name="mb-3 presentation-hidden",
    )  # fmt: skip


def layout(state: ViewState) -> html.Div:
    """The tab's frame with its controls set from ``state``; ``update_queue`` fills in the queue."""
    filters = view_model.QueueFilters.from_state(state)
    me = permissions.requester()
    with read_session() as session:
        members = view_model.team_members(session)
    actions: list[Any] = [
        dbc.Button(
            [icon("bi-plus-lg", "me-1"), "New intervention"],
            id=IDS.NEW,
            n_clicks=0,
            color="primary",
            disabled=not me.can_write,
            title=None if me.can_write else view_model.WRITE_REFUSED,
        )
    ]
    actions.append(
        dbc.Button(
            [icon("bi-download", "me-1"), "Export CSV"],
            id=IDS.EXPORT,
            n_clicks=0,
            color="secondary",
            outline=True,
            title="Every intervention of the filtered queue, all pages",
        )
    )
    return html.Div(
        [
            dcc.Location(id=TAB_URL, refresh="callback-nav"),
            dcc.Store(id=IDS.QUEUE_KEY, data=queue_key(filters)),
            dcc.Store(id=IDS.CHANGED, data=0),
            dcc.Store(id=IDS.PRESENTATION, data=state.presentation),
            dcc.Download(id=IDS.DOWNLOAD),
            html.Div(
                [
                    html.Div(id=IDS.COUNTS, className="d-flex align-items-center gap-4 flex-wrap"),
                    html.Div(actions, className="d-flex gap-2 presentation-hidden"),
                ],
                className="d-flex justify-content-between align-items-center flex-wrap gap-2 mb-2",
            ),
            html.Div(id=IDS.NOTICE),
            _filters(filters, members, me.id),
            dbc.Card(
                [
                    dbc.CardHeader(
                        table_header(
                            html.Div(id=IDS.SUMMARY),
                            clear_id=IDS.CLEAR,
                            pager_id=IDS.PAGER,
                            page=filters.page,
                        ),
                        class_name="py-2",
                    ),
                    html.Div(id=IDS.TABLE, className="table-responsive"),
                ],
                class_name="mb-3",
            ),
            form_layout.new_form(can_write=me.can_write),
            manage_layout.manage_dialog(),
        ],
        id="interventions-tab",
    )


def control_values(filters: view_model.QueueFilters) -> dict[str, Any]:
    """What each filter control shows for ``filters`` (pure: unit-tested)."""
    return {
        "status": view_model.status_choice(filters.statuses),
        "priority": [p.value for p in filters.priorities],
        "type": [t.value for t in filters.types],
        "assignee": filters.assignee,
        "source": filters.source.value if filters.source else ANY,
        "mine": filters.mine,
        "overdue": filters.overdue_only,
        "page": filters.page,
    }
