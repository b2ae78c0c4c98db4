"""Analytics: KPIs against the previous period, trends, intervention results, the team and risk factors.

A period (7 days, 30 days, 90 days, 1 year) and a client segment (all, new,
existing), both in the URL, drive everything on the tab. ``load_metrics``
reads the database once per (period, segment) through
``view_model.analytics_data`` (``dashboard.services.metrics.metrics_for``, the
figures of ``GET /metrics`` and of the reports) and keeps the small aggregates
in a ``dcc.Store``; the KPI cards and every chart are drawn from that store,
never recomputed per chart. "Download report" renders the PDF or the CSV zip
of the same period and segment (``dashboard.services.reports.render_report``).

Each KPI card shows the value for the period, the previous period's value
(same length, ending the day before) and the change, green when it is better
and red when it is worse.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.components import graph, icon
from dashboard.ids import AnalyticsIds, kpi_card_id
from dashboard.tabs.analytics import view_model
from dashboard.view_state import ViewState
from scoring.enums import Period, RiskLevel, Segment

IDS = AnalyticsIds


TAB_URL = IDS.URL


CHART_HEIGHT = 380


def selection_key(period: Period, segment: Segment) -> dict[str, str]:
    return {"period": period.value, "segment": segment.value}


def _change(card: dict[str, Any], key: str) -> html.Div:
    """The change against the previous period, coloured, and the previous value: "▼ 2.2 from 74.6"."""
    parts: list[Any] = [
        html.Span(card["change_text"], style={"color": card["change_colour"]},
                  className="fw-semibold text-nowrap me-1", id=kpi_card_id(key, "change")),
    ]  # fmt: skip
    if card["previous"] is not None:
        parts.append(
            html.Span(
                ["from ", html.Span(card["previous_text"], id=kpi_card_id(key, "previous"))],
                className="text-muted text-nowrap",
            )
        )
    return html.Div(parts, className="kpi-delta")


def _value(card: dict[str, Any], key: str, presentation: bool) -> html.Div:
    # The projector's larger type would break "47.7%" over two lines in a card of the grid.
    style = {"fontSize": "2.3rem"} if presentation else None
    return html.Div(
        card["value_text"],
        className="kpi-value text-nowrap",
        id=kpi_card_id(key, "value"),
        style=style,
    )


def kpi_card(
    spec: view_model.CardSpec, card: dict[str, Any], basis: str, *, presentation: bool = False
) -> html.Div:
    """One KPI: label, value, the change against the previous period and what the value counts."""
    return html.Div(
        dbc.Card(
            dbc.CardBody(
                [
                    html.Div(spec.label, className="kpi-label"),
                    _value(card, spec.key, presentation),
                    _change(card, spec.key),
                    html.Div(basis, className="small text-muted lh-sm mt-1 presentation-hidden"),
                ],
                class_name="px-3 py-2",
            ),
            class_name="kpi-card h-100",
        ),
        title=spec.help,
    )  # fmt: skip


def health_card(data: dict[str, Any], *, presentation: bool = False) -> html.Div:
    """The average health score beside the share of clients in each risk level, each with its change."""
    cards, basis = data["cards"], data["basis"]
    average = view_model.HEALTH_CARDS[0]
    lines = []
    for level in RiskLevel:
        key = f"risk_share_{level.value}"
        card = cards[key]
        lines.append(
            html.Div(
                [
                    html.Span(level.label, className=f"risk-badge risk-{level.value}", style={"minWidth": "4.9rem"}),
                    html.Span(card["value_text"], className="fw-bold fs-5", id=kpi_card_id(key, "value"),
                              style={"minWidth": "4rem", "textAlign": "right"}),
                    html.Div(_change(card, key), className="small ms-2"),
                ],
                className="d-flex align-items-center lh-sm",
                title=view_model.RISK_CARD.help,
            )
        )  # fmt: skip
    card = dbc.Card(
        dbc.CardBody(
            html.Div(
                [
                    html.Div(
                        [
                            html.Div(average.label, className="kpi-label"),
                            _value(cards[average.key], average.key, presentation),
                            _change(cards[average.key], average.key),
                            html.Div(basis[average.key], className="small text-muted lh-sm mt-1 presentation-hidden"),
                        ],
                        title=average.help,
                        className="flex-shrink-0",
                    ),
                    html.Div(
                        [html.Div(view_model.RISK_CARD.label, className="kpi-label"), html.Div(lines, className="d-flex flex-column gap-1")],
                        className="flex-grow-1",
                    ),
                ],
                className="d-flex gap-3",
            ),
            class_name="px-3 py-2",
        ),
        class_name="kpi-card h-100",
    )  # fmt: skip
    return html.Div(card, style={"gridColumn": "span 2"})


def kpi_grid(data: dict[str, Any], *, presentation: bool = False) -> html.Div:
    """The KPI cards in a grid that fits five cards a row on a laptop and four on the projector.

    First client health and retention (the health card spans two columns), then
    the interventions and their effect.
    """
    cards, basis = data["cards"], data["basis"]
    specs = [*view_model.HEALTH_CARDS[1:], *view_model.INTERVENTION_CARDS]
    return html.Div(
        [
            health_card(data, presentation=presentation),
            *(kpi_card(spec, cards[spec.key], basis[spec.key], presentation=presentation) for spec in specs),
        ],
        style={
            "display": "grid",
            "gridTemplateColumns": "repeat(auto-fill, minmax(14rem, 1fr))",
            "gap": "0.5rem",
        },
        className="mb-3",
        id="an-kpi-grid",
    )  # fmt: skip


def team_table(rows: list[view_model.TeamRow]) -> Any:
    """Open, completed and overdue work, success rate and resolution time per team member."""
    if not rows:
        return html.Div("No interventions assigned in this segment.", className="text-muted p-3")
    head = html.Thead(
        html.Tr(
            [html.Th("Member"), html.Th("Open", className="text-end"), html.Th("Overdue", className="text-end"),
             html.Th("Completed", className="text-end"), html.Th("Success", className="text-end"),
             html.Th("Resolution", className="text-end")]
        )
    )  # fmt: skip
    body = html.Tbody(
        [
            html.Tr(
                [
                    html.Td(row.member, className="fw-semibold text-nowrap"),
                    html.Td(f"{row.open:,}", className="text-end"),
                    html.Td(f"{row.overdue:,}", className="text-end" + (" text-danger fw-semibold" if row.overdue else "")),
                    html.Td(f"{row.completed:,}", className="text-end"),
                    html.Td(row.success, className="text-end"),
                    html.Td(row.resolution, className="text-end text-nowrap"),
                ]
            )
            for row in rows
        ]
    )  # fmt: skip
    return dbc.Table(
        [head, body], size="sm", hover=True, class_name="mb-0 align-middle small", id="an-team-rows"
    )


def _chart(graph_id: str, width: int) -> dbc.Col:
    return dbc.Col(
        dbc.Card(graph(graph_id, height=CHART_HEIGHT), body=True, class_name="h-100"),
        lg=width,
        class_name="mb-3",
    )


def _controls(period: Period, segment: Segment) -> html.Div:
    def choice(control_id: str, options: dict, value: str, label: str) -> html.Div:
        return html.Div(
            [
                html.Span(label, className="fw-semibold me-2 small text-muted text-uppercase"),
                dbc.RadioItems(
                    id=control_id,
                    options=[
                        {"label": text, "value": member.value} for member, text in options.items()
                    ],
                    value=value,
                    class_name="btn-group",
                    input_class_name="btn-check",
                    label_class_name="btn btn-outline-primary btn-sm",
                    label_checked_class_name="active",
                ),
            ],
            className="d-flex align-items-center",
        )

    download = dbc.DropdownMenu(
        [
            dbc.DropdownMenuItem([icon("bi-file-earmark-pdf", "me-2"), "PDF report"], id=IDS.DOWNLOAD_PDF, n_clicks=0),
            dbc.DropdownMenuItem([icon("bi-file-earmark-zip", "me-2"), "CSV files (zip)"], id=IDS.DOWNLOAD_CSV, n_clicks=0),
        ],
        label=[icon("bi-download", "me-1"), "Download report"],
        color="primary",
        size="sm",
        align_end=True,
        id="an-download-menu",
    )  # fmt: skip
    return html.Div(
        [
            choice(IDS.PERIOD, view_model.PERIOD_CHOICES, period.value, "Period"),
            choice(IDS.SEGMENT, view_model.SEGMENT_CHOICES, segment.value, "Clients"),
            html.Div(
                [
                    dcc.Loading(html.Span(id=IDS.DOWNLOAD_STATUS, className="small text-muted"), type="circle",
                                overlay_style={"visibility": "visible"}),
                    download,
                ],
                className="d-flex align-items-center gap-2 ms-auto presentation-hidden",
            ),
        ],
        className="d-flex align-items-center flex-wrap gap-3 mb-1",
    )  # fmt: skip


def layout(state: ViewState) -> html.Div:
    """The tab's frame with the period and segment of ``state``; ``load_metrics`` and the draw callbacks fill it."""
    period, segment = view_model.selection(state)
    return html.Div(
        [
            dcc.Location(id=TAB_URL, refresh="callback-nav"),
            dcc.Store(id=IDS.KEY, data=selection_key(period, segment)),
            dcc.Store(id=IDS.PRESENTATION, data=state.presentation),
            dcc.Store(id=IDS.METRICS),
            dcc.Download(id=IDS.DOWNLOAD),
            _controls(period, segment),
            html.P(id=IDS.RANGE, className="last-refreshed mb-2"),
            dcc.Loading(html.Div(id=IDS.CARDS), type="dot", delay_show=300),
            dbc.Row([_chart(IDS.TREND, 6), _chart(IDS.RISK, 6)], class_name="g-3"),
            dbc.Row([_chart(IDS.ACTIVITY, 6), _chart(IDS.BY_TYPE, 6)], class_name="g-3"),
            dbc.Row(
                [
                    _chart(IDS.TEAM, 6),
                    dbc.Col(
                        dbc.Card(
                            [
                                dbc.CardHeader(
                                    [
                                        "Team members",
                                        html.Span(
                                            " · open and overdue now; completed in the period",
                                            className="small text-muted fw-normal",
                                        ),
                                    ]
                                ),
                                html.Div(id=IDS.TEAM_TABLE, className="table-responsive"),
                            ],
                            class_name="h-100",
                        ),
                        lg=6,
                        class_name="mb-3",
                    ),
                ],
                class_name="g-3",
            ),  # fmt: skip
            dbc.Row([_chart(IDS.FACTORS, 12)], class_name="g-3"),
        ],
        id="analytics-tab",
    )
