"""The client's record and the figures behind its score, in the client detail.

- **Client record**: the client's own data (email, package, contract value,
  owner, created, status, wedding date) and the changes made to it in the
  app, newest first. Managers and admins see "Edit record" (a form under
  the facts: owner, status with the day it ended, wedding date, package,
  contract value and a note; ``dashboard.services.client_records`` says
  what a save does) and "Recalculate this client". Viewers see the facts
  and the changes only. Both buttons are hidden in presentation mode.
- **The figures behind the score**: a row per component, grouped by
  sub-score: the raw input on the scored day in words, the component's
  score, its weight that day and the points it earns, which add up to the
  health score (``view_model.score_figures``).
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from dashboard import formatting
from dashboard.components import icon
from dashboard.ids import ClientDetailIds as Ids
from dashboard.services.client_records import OWNER_ROLES, UNASSIGNED, ClientRecord
from dashboard.tabs.client_detail import view_model as detail_view
from scoring.enums import ClientStatus
from scoring.model import SUBSCORE_WEIGHTS

# Form fields by the name the service gives them, and their controls.
FIELD_IDS = {
    "owner_id": Ids.RECORD_OWNER,
    "status": Ids.RECORD_STATUS,
    "ended_on": Ids.RECORD_ENDED,
    "wedding_date": Ids.RECORD_WEDDING,
    "package": Ids.RECORD_PACKAGE,
    "contract_value": Ids.RECORD_VALUE,
    "note": Ids.RECORD_NOTE,
}


def _fact(label: str, value: Any) -> html.Div:
    return html.Div(
        [html.Dt(label, className="small text-muted fw-normal"), html.Dd(value, className="mb-2")],
        className="record-fact",
    )


def _money_form_text(pence: int | None) -> str:
    """The contract value as the form shows it: ``4250.00``."""
    if pence is None:
        return ""
    pounds, rest = divmod(int(pence), 100)
    return f"{pounds}.{rest:02d}"


def _status_text(record: ClientRecord) -> str:
    if record.status == ClientStatus.ACTIVE or record.ended_on is None:
        return record.status.label
    return f"{record.status.label} on {formatting.date_text(record.ended_on)}"


def record_form(detail: detail_view.ClientDetail, team: pd.DataFrame) -> html.Div:
    """The edit form, filled with the record as it is now (hidden until "Edit record")."""
    record = detail.record
    members = team[team["active"].astype(bool) & team["role"].astype(str).isin(OWNER_ROLES)]
    owners = [{"label": "Unassigned", "value": UNASSIGNED}] + [
        {"label": str(row["name"]), "value": str(int(row["id"]))}
        for row in members.to_dict("records")
    ]
    if record.owner_id is not None and str(record.owner_id) not in {o["value"] for o in owners}:
        owners.append({"label": f"{detail.owner_name or 'member'} (inactive)",
                       "value": str(record.owner_id)})  # fmt: skip

    def field(label: str, control: Any, name: str, width: int = 6) -> dbc.Col:
        return dbc.Col(
            [dbc.Label(label, html_for=FIELD_IDS[name], class_name="small fw-semibold mb-1"),
             control],
            md=width,
        )  # fmt: skip

    return dbc.Form(
        [
            dbc.Row(
                [
                    field(
                        "Owner",
                        dbc.Select(
                            id=Ids.RECORD_OWNER, options=owners, value=str(record.owner_id or "")
                        ),
                        "owner_id",
                    ),
                    field(
                        "Status",
                        dbc.Select(
                            id=Ids.RECORD_STATUS,
                            options=[{"label": s.label, "value": s.value} for s in ClientStatus],
                            value=record.status.value,
                        ),
                        "status",
                        3,
                    ),
                    field(
                        "Ended on",
                        dbc.Input(
                            id=Ids.RECORD_ENDED,
                            type="date",
                            value=record.ended_on.isoformat() if record.ended_on else "",
                            disabled=record.status == ClientStatus.ACTIVE,
                        ),
                        "ended_on",
                        3,
                    ),
                    field(
                        "Wedding date",
                        dbc.Input(
                            id=Ids.RECORD_WEDDING,
                            type="date",
                            value=record.wedding_date.isoformat() if record.wedding_date else "",
                        ),
                        "wedding_date",
                        4,
                    ),
                    field(
                        "Package",
                        dbc.Input(id=Ids.RECORD_PACKAGE, maxLength=100, value=record.package or ""),
                        "package",
                        4,
                    ),
                    field(
                        "Contract value (£)",
                        dbc.Input(
                            id=Ids.RECORD_VALUE,
                            inputmode="decimal",
                            placeholder="e.g. 4250.00",
                            value=_money_form_text(record.contract_value),
                        ),
                        "contract_value",
                        4,
                    ),
                    field(
                        "Note (why; kept with the change)",
                        dbc.Textarea(
                            id=Ids.RECORD_NOTE,
                            rows=2,
                            maxLength=2000,
                            placeholder="e.g. Owner moved after the team change of 1 Dec",
                        ),
                        "note",
                        12,
                    ),
                ],
                class_name="g-2 mb-2",
            ),
            html.Div(
                [
                    dbc.Button(
                        [icon("bi-check-lg", "me-1"), "Save changes"],
                        id=Ids.RECORD_SAVE,
                        n_clicks=0,
                        color="primary",
                        size="sm",
                    ),
                    dbc.Button(
                        "Cancel",
                        id=Ids.RECORD_CANCEL,
                        n_clicks=0,
                        color="secondary",
                        outline=True,
                        size="sm",
                    ),
                ],
                className="d-flex gap-2",
            ),
        ],  # fmt: skip
        class_name="border rounded p-2 mb-2 bg-body-tertiary",
    )


def _changes_list(changes: list[dict], zone, now: pd.Timestamp) -> Any:
    if not changes:
        return html.Div("No changes made in the app yet.", className="small text-muted")
    items = []
    for change in changes:
        parts = "; ".join(f"{c.field} {c.before} → {c.after}" for c in change["changes"])
        items.append(
            html.Li(
                [
                    html.Span(
                        f"{formatting.local_time_text(change['at'], zone, now=now)} · "
                        f"{change['author'] or 'someone'}: ",
                        className="text-muted",
                    ),
                    parts or "note",
                    html.Div(f"“{change['note']}”", className="fst-italic")
                    if change["note"]
                    else None,
                ],
                className="small mb-1",
            )
        )
    return html.Ul(items, className="mb-0 ps-3", id=Ids.RECORD_CHANGES)


def record_card(
    detail: detail_view.ClientDetail,
    team: pd.DataFrame,
    *,
    can_write: bool,
    zone,
    now: pd.Timestamp,
) -> dbc.Card:
    """The client's own data, the edit form for writers, and the changes made in the app."""
    record, facts = detail.record, detail.record_facts or {}
    created = facts.get("created_at")
    rows = [
        _fact("Email", facts.get("email") or formatting.DASH),
        _fact("Package", record.package or formatting.DASH),
        _fact("Contract value", formatting.money_text(record.contract_value)),
        _fact("Owner", detail.owner_name or "unassigned"),
        _fact("Created", formatting.date_text(created, missing=formatting.DASH)),
        _fact("Status", _status_text(record)),
        _fact(
            "Wedding date", formatting.date_text(record.wedding_date, missing=formatting.DASH)
        ),  # fmt: skip
    ]
    buttons = (
        html.Div(
            [
                dbc.Button(
                    [icon("bi-pencil", "me-1"), "Edit record"],
                    id=Ids.RECORD_EDIT,
                    n_clicks=0,
                    color="secondary",
                    outline=True,
                    size="sm",
                ),
                dbc.Button(
                    [icon("bi-arrow-repeat", "me-1"), "Recalculate this client"],
                    id=Ids.RECALCULATE,
                    n_clicks=0,
                    color="secondary",
                    outline=True,
                    size="sm",
                ),
            ],  # fmt: skip
            className="d-flex gap-2 flex-wrap mb-2 presentation-hidden",
        )
        if can_write
        else None
    )
    body = [
        html.Dl(rows, className="record-facts mb-2"),
        buttons,
        dbc.Collapse(record_form(detail, team), id=Ids.RECORD_FORM, is_open=False)
        if can_write
        else None,
        html.Div("Changes made in the app", className="small fw-semibold mt-2 mb-1"),
        _changes_list(detail.changes or [], zone, now),
    ]
    return dbc.Card(
        [dbc.CardHeader(html.Span("Client record", className="fw-semibold")), dbc.CardBody(body)],
        class_name="h-100",
    )


def _points_text(value: float) -> str:
    return formatting.DASH if pd.isna(value) else f"{value:.1f}"


def figures_card(detail: detail_view.ClientDetail) -> dbc.Card:
    """The figures behind the score of the scored day, grouped by sub-score."""
    header = dbc.CardHeader(html.Span("The figures behind the score", className="fw-semibold"))
    if detail.latest is None:
        return dbc.Card(
            [header, dbc.CardBody(html.Div("Not scored yet: there is nothing to show.",
                                           className="text-muted small"))],
            class_name="h-100",
        )  # fmt: skip
    figures = detail_view.score_figures(detail.latest)
    head = html.Thead(
        html.Tr(
            [
                html.Th("Component"),
                html.Th(f"On {formatting.date_text(detail.day)}"),
                html.Th("Score", className="text-end"),
                html.Th("Weight", className="text-end"),
                html.Th("Points", className="text-end"),
            ]
        )
    )
    body: list[Any] = []
    for subscore, group in figures.groupby("subscore", sort=False):
        body.append(
            html.Tr(
                html.Td(
                    f"{subscore.capitalize()} (weight {SUBSCORE_WEIGHTS[subscore]:.0%} "
                    "when every part has data)",
                    colSpan=5,
                    className="small fw-semibold text-muted bg-body-tertiary",
                )
            )
        )
        for row in group.itertuples(index=False):
            missing = pd.isna(row.score)
            body.append(
                html.Tr(
                    [
                        html.Td(row.label),
                        html.Td(row.input, className="small"),
                        html.Td(
                            "no data" if missing else f"{row.score:.0f}",
                            className="text-end text-muted" if missing else "text-end",
                        ),
                        html.Td(
                            formatting.DASH if missing else f"{row.weight:.1%}",
                            className="text-end",
                        ),
                        html.Td(
                            formatting.DASH
                            if missing
                            else f"{_points_text(row.points)} of {row.full:.1f}",
                            className="text-end",
                        ),
                    ],  # fmt: skip
                    className="text-muted" if missing else None,
                )
            )
    overall = float(detail.latest["overall"])
    foot = html.Tfoot(
        html.Tr(
            [
                html.Td("Health score", colSpan=4, className="fw-semibold"),
                html.Td(f"{overall:.1f}", className="text-end fw-semibold"),
            ]
        )
    )
    table = dbc.Table([head, html.Tbody(body), foot], size="sm", class_name="mb-0 align-middle",
                      responsive=True, id=Ids.FIGURES)  # fmt: skip
    note = html.Div(
        "A component without data weighs nothing that day; the others share its weight. "
        "Points are weight × score, and add up to the health score.",
        className="small text-muted mt-2",
    )
    return dbc.Card([header, dbc.CardBody([table, note])], class_name="h-100")


def record_section(
    detail: detail_view.ClientDetail,
    team: pd.DataFrame,
    *,
    can_write: bool,
    zone,
    now: pd.Timestamp,
) -> dbc.Row:
    """The record and the figures side by side (one above the other on a narrow screen)."""
    return dbc.Row(
        [
            dbc.Col(record_card(detail, team, can_write=can_write, zone=zone, now=now), lg=5),
            dbc.Col(figures_card(detail), lg=7),
        ],
        class_name="g-3 mb-3",
    )
