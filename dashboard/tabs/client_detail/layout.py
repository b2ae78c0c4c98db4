"""Client detail: a large dialog over any tab, opened by ``?client=<id>`` in the URL.

Anything that lists clients opens it by putting the client in the URL
(``dashboard.ids.open_client_id`` buttons, the grid's row click), so the
detail has its own link. It shows the client's facts, the score history over
the risk bands, the three sub-scores, the twelve components with the data
coverage, why the score changed over the last 7 or 30 days (a waterfall of
``scoring.explain.contributions`` whose bars add up to the change) and the
client's record with the figures behind its score (``record.py``) and the
client's interventions with their notes.

A viewer sees everything; managers and admins may also edit the client's
record and recalculate its score. Closing it (button, Esc, backdrop) takes
the client out of the URL.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from dashboard import formatting
from dashboard.clock import as_date
from dashboard.components import (
    empty_state,
    graph,
    icon,
    risk_badge,
    trend_arrow,
)
from dashboard.ids import ClientDetailIds
from dashboard.tabs.client_detail import view_model as detail_view
from dashboard.tabs.risk_segments import view_model as segments_view
from dashboard.view_state import CHANGE_WINDOWS, DEFAULT_WINDOW
from scoring.columns import COVERAGE, PRIMARY_FACTOR, RISK_LEVEL, SCORE_INT, TREND
from scoring.enums import ClientStatus, RiskLevel, Trend
from scoring.model import COMPONENT_BY_NAME

DETAIL_KEY = ClientDetailIds.KEY


# The four charts by name, in the order of the dialog: the chart's id and its column's.
CHARTS = {
    "history": (ClientDetailIds.HISTORY, ClientDetailIds.COLUMN_HISTORY),
    "subscores": (ClientDetailIds.SUBSCORES, ClientDetailIds.COLUMN_SUBSCORES),
    "components": (ClientDetailIds.COMPONENTS, ClientDetailIds.COLUMN_COMPONENTS),
    "waterfall": (ClientDetailIds.WATERFALL, ClientDetailIds.COLUMN_WATERFALL),
}

# Laptop (False) and projector (True): each chart's height in pixels and its column's
# width in twelfths (two charts a row on a laptop, one a row, larger, on the projector).
SIZES = {
    False: {"history": (340, 7), "subscores": (340, 5), "components": (500, 5), "waterfall": (470, 7)},
    True: {"history": (430, 12), "subscores": (430, 12), "components": (620, 12), "waterfall": (560, 12)},
}  # fmt: skip


HEADER = ClientDetailIds.HEADER


CHANGE_NOTE = ClientDetailIds.CHANGE_NOTE


def chart_styles(presentation: bool) -> dict[str, dict[str, str]]:
    """Each chart's style: taller for the projector's larger type."""
    return {name: {"height": f"{px}px"} for name, (px, _) in SIZES[presentation].items()}


def column_widths(presentation: bool) -> dict[str, int]:
    """Each chart's column width in twelfths."""
    return {name: width for name, (_, width) in SIZES[presentation].items()}


def _chart_column(name: str, *, before: list = (), after: list = (), **options: Any) -> dbc.Col:
    """One chart in its column, at its laptop size (``render_detail`` resizes it)."""
    chart, column = CHARTS[name]
    height, width = SIZES[False][name]
    return dbc.Col([*before, graph(chart, height=height), *after], id=column, lg=width, **options)


def _window_selector() -> html.Div:
    return html.Div(
        [
            dbc.Label(
                "Why the score changed over",
                html_for=ClientDetailIds.WINDOW,
                class_name="fw-semibold me-2 mb-0",
            ),
            dbc.RadioItems(
                id=ClientDetailIds.WINDOW,
                options=[
                    {"label": f"the last {days} days", "value": days} for days in CHANGE_WINDOWS
                ],
                value=DEFAULT_WINDOW,
                inline=True,
                input_class_name="me-1",
            ),
        ],
        className="d-flex align-items-center flex-wrap",
    )


def layout() -> dbc.Modal:
    """The dialog, closed; ``sync_detail`` opens it and ``render_detail`` fills it.

    Full screen below 1400 pixels wide (the projector's 1280x720 included).
    """
    return dbc.Modal(
        [
            dcc.Store(id=DETAIL_KEY),
            dbc.ModalHeader(dbc.ModalTitle(id=ClientDetailIds.TITLE), close_button=True),
            dbc.ModalBody(
                [
                    html.Div(id=HEADER, className="mb-3"),
                    dbc.Row(
                        [
                            _chart_column("history"),
                            _chart_column("subscores"),
                            _chart_column("components", class_name="order-lg-last"),
                            _chart_column(
                                "waterfall",
                                before=[_window_selector()],
                                after=[
                                    html.Div(
                                        id=CHANGE_NOTE,
                                        className="small text-muted presentation-hidden",
                                    )
                                ],
                            ),
                        ],
                        class_name="g-3 mb-3",
                    ),
                    dbc.Alert(
                        id=ClientDetailIds.RECORD_FEEDBACK,
                        is_open=False,
                        dismissable=True,
                        class_name="py-2",
                    ),
                    dcc.Store(id=ClientDetailIds.RECORD_BASE),
                    dcc.Store(id=ClientDetailIds.RECALCULATE_REQUEST),
                    dcc.Interval(id=ClientDetailIds.RECALCULATE_POLL, interval=1000, disabled=True),
                    html.Div(id=ClientDetailIds.RECORD),
                    html.H5("Interventions and notes", className="mt-2"),
                    html.Div(id=ClientDetailIds.INTERVENTIONS),
                ],
                id=ClientDetailIds.BODY,
            ),
            dbc.ModalFooter(
                dbc.Button(
                    [icon("bi-x-lg", "me-1"), "Close"],
                    id=ClientDetailIds.CLOSE,
                    n_clicks=0,
                    color="secondary",
                )
            ),
        ],
        id=ClientDetailIds.MODAL,
        is_open=False,
        size="xl",
        fullscreen="xxl-down",
        scrollable=True,
        labelledby=ClientDetailIds.TITLE,
    )


def _fact(label: str, value: Any) -> html.Div:
    return html.Div(
        [html.Div(label, className="kpi-label mb-0"), html.Div(value, className="fw-semibold")]
    )


def header(detail: detail_view.ClientDetail) -> html.Div:
    """Who the client is, and the score today with its level, trend, coverage and main risk factor."""
    client = detail.client
    wedding = as_date(client.get("wedding_date"))
    status = ClientStatus(client.get("status", ClientStatus.ACTIVE.value))
    facts: list[Any] = []
    if isinstance(client.get("partner_names"), str):
        facts.append(_fact("Couple", client["partner_names"]))
    if isinstance(client.get("venue"), str):
        facts.append(_fact("Venue", client["venue"]))
    if wedding is not None:
        when = formatting.date_text(wedding)
        if detail.day is not None:
            days = (wedding - detail.day).days
            when += f" (in {days:,} days)" if days > 0 else (" (today)" if days == 0 else " (past)")
        facts.append(_fact("Wedding", when))
    facts.append(_fact("Owner", detail.owner_name or "unassigned"))
    if status != ClientStatus.ACTIVE:
        facts.append(_fact("Status", status.label))

    score_block: list[Any]
    latest = detail.latest
    if latest is None:
        score_block = [html.Span("not enough data", className="score-missing")]
    else:
        level = RiskLevel(latest[RISK_LEVEL])
        trend = latest.get(TREND)
        factor = latest.get(PRIMARY_FACTOR)
        alert = segments_view.proximity_days(client.get("wedding_date"), level.value, detail.day)
        score_block = [
            html.Div(
                [
                    html.Span(
                        f"{int(latest[SCORE_INT])}",
                        className="kpi-value me-2",
                        id=ClientDetailIds.SCORE,
                    ),
                    risk_badge(level, suffix=" risk"),
                    html.Span(
                        trend_arrow(
                            trend if trend in Trend._value2member_map_ else Trend.STABLE,
                            with_label=True,
                        ),
                        className="ms-2 fw-semibold",
                    ),
                ],  # fmt: skip
                className="d-flex align-items-center",
            ),
            html.Div(
                [
                    f"Health score on {formatting.date_text(detail.day)}",
                    html.Span(f" · data coverage {latest[COVERAGE]:.0%}", className="coverage")
                    if pd.notna(latest.get(COVERAGE))
                    else "",
                ],
                className="small text-muted",
            ),
        ]
        if factor in COMPONENT_BY_NAME:
            score_block.append(
                html.Div(
                    [
                        html.Span("Main risk factor: ", className="text-muted"),
                        html.Span(COMPONENT_BY_NAME[factor].label, className="fw-semibold"),
                    ]
                )  # fmt: skip
            )
        if alert is not None:
            score_block.append(
                html.Div(
                    [
                        icon("bi-exclamation-triangle-fill", "me-1"),
                        f"Wedding in {alert} days while at {level.label.lower()} risk",
                    ],
                    className="fw-semibold text-risk-critical",
                )  # fmt: skip
            )
    return dbc.Row(
        [
            dbc.Col(html.Div(facts, className="d-flex flex-wrap gap-4"), lg=7),
            dbc.Col(
                score_block, lg=5, class_name="text-lg-end d-flex flex-column align-items-lg-end"
            ),
        ],
        class_name="g-3 align-items-start",
    )


def interventions_list(detail: detail_view.ClientDetail, *, zone, now: pd.Timestamp) -> Any:
    """The client's interventions, newest first, each with its notes."""
    frame = detail.interventions
    if frame.empty:
        return empty_state("No interventions for this client yet.", icon_name="bi-clipboard")
    notes = detail.notes
    items = []
    for row in frame.to_dict("records"):
        labels = detail_view.intervention_labels(row)
        own = notes[notes["intervention_id"] == row["id"]] if not notes.empty else notes
        due = formatting.local_time_text(row.get("due_date"), zone, now=now)
        meta = [
            f"{labels['type']} · {labels['priority']} priority · {labels['status']}",
            f" · due {due}" if due else "",
            f" · {row['assigned_to_name']}"
            if isinstance(row.get("assigned_to_name"), str)
            else " · unassigned",
        ]
        body: list[Any] = [
            html.Div(
                [
                    html.Span(str(row["title"]), className="fw-semibold"),
                    dbc.Badge("Overdue", color="danger", class_name="ms-2")
                    if row.get("overdue")
                    else None,
                ]
            ),
            html.Div(meta, className="small text-muted"),
        ]
        if isinstance(row.get("description"), str) and row["description"].strip():
            body.append(html.Div(row["description"], className="small mt-1"))
        if len(own):
            body.append(
                html.Ul(
                    [
                        html.Li(
                            [
                                html.Span(
                                    f"{formatting.local_time_text(note.created_at, zone, now=now)} · "
                                    f"{note.author_name if isinstance(note.author_name, str) else 'someone'}: ",
                                    className="text-muted",
                                ),
                                str(note.body),
                            ],
                            className="small",
                        )
                        for note in own.itertuples(index=False)
                    ],
                    className="mb-0 mt-1 ps-3",
                )
            )
        items.append(dbc.ListGroupItem(body))
    return dbc.ListGroup(items, id=ClientDetailIds.INTERVENTION_LIST)


def change_note(change: detail_view.ChangeExplanation | None, window: int) -> str:
    if change is None:
        return "Not enough score history to explain a change yet."
    days = (change.end_day - change.start_day).days
    if days < window:
        return f"The client has been scored for {days} days: the change since its first score is shown."
    return (
        "Each bar is one component's effective weight times the change in its score "
        "(plus the effect of components gaining or losing data); together they make the change."
    )
