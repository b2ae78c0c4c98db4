"""Overview: four stat cards, recent health scores, the score distribution and the risk breakdown.

Everything is drawn by one callback from one view model
(``view_model.overview_model``), so the numbers on the cards, the list and the
charts come from the same reading of the database. The distribution's
target line is the ``CSD_SCORE_TARGET`` setting (app config, then
environment), by default 70.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.components import (
    empty_state,
    graph,
    icon,
    risk_badge,
    trend_arrow,
)
from dashboard.ids import OverviewIds, open_client_id, stat_card_id
from dashboard.tabs.overview import view_model
from dashboard.view_state import ViewState

CHART_HEIGHT = 360


_CARD_ICONS = {
    "active": "bi-people-fill",
    "at_risk": "bi-exclamation-octagon-fill",
    "average": "bi-heart-pulse-fill",
    "interventions": "bi-telephone-fill",
}


_TONE_CLASSES = {
    "better": "trend-improving",
    "worse": "trend-declining",
    "neutral": "trend-stable",
    "none": "trend-stable",
}


def stat_card(card: view_model.StatCard) -> dbc.Col:
    """One stat card: label, value and its change since the reference day."""
    return dbc.Col(
        html.Div(
            dbc.Card(
                dbc.CardBody(
                    [
                        html.Div(
                            [
                                html.Span(card.label, className="kpi-label"),
                                icon(_CARD_ICONS[card.key], "text-primary fs-5"),
                            ],
                            className="d-flex justify-content-between align-items-start",
                        ),
                        html.Div(
                            card.value_text,
                            className="kpi-value",
                            id=stat_card_id(card.key, "value"),
                        ),
                        html.Div(
                            card.delta_text,
                            className=f"kpi-delta fw-semibold {_TONE_CLASSES[card.tone]}",
                            id=stat_card_id(card.key, "delta"),
                        ),
                    ]  # fmt: skip
                ),
                class_name="kpi-card h-100",
            ),
            title=card.help,
            className="h-100",
        ),
        xs=6,
        lg=3,
        class_name="mb-3",
    )


def recent_list(rows: list[view_model.RecentScore]) -> Any:
    """The latest scored clients; each row opens the client's detail."""
    if not rows:
        return empty_state(
            "No health scores yet", hint="Scores appear after the first scoring run (csd score)."
        )
    items = [
        dbc.ListGroupItem(
            html.Div(
                [
                    html.Span(row.name, className="fw-semibold text-body text-truncate me-2"),
                    html.Span(
                        [
                            html.Span(
                                f"{row.score}", className="fs-5 fw-bold me-2", title="Health score"
                            ),
                            risk_badge(row.risk_level),
                            html.Span(trend_arrow(row.trend), className="ms-2 fs-5"),
                        ],
                        className="d-flex align-items-center flex-none text-nowrap",
                    ),
                ],
                className="d-flex justify-content-between align-items-center",
            ),
            id=open_client_id(row.client_id, "recent"),
            n_clicks=0,
            action=True,
            class_name="py-2",
        )
        for row in rows
    ]
    half = (len(items) + 1) // 2
    return dbc.Row(
        [
            dbc.Col(dbc.ListGroup(items[:half], flush=True), md=6),
            dbc.Col(dbc.ListGroup(items[half:], flush=True), md=6, class_name="recent-right"),
        ],
        class_name="g-0",
    )


def layout(state: ViewState) -> html.Div:
    """The Overview's frame; ``update_overview`` fills it."""
    return html.Div(
        [
            dcc.Location(id=OverviewIds.URL, refresh="callback-nav"),
            dcc.Store(id=OverviewIds.PRESENTATION, data=state.presentation),
            html.P(id=OverviewIds.AS_OF, className="last-refreshed mb-2"),
            dbc.Row(id=OverviewIds.CARDS, class_name="g-3"),
            dbc.Row(
                [
                    dbc.Col(
                        dbc.Card(
                            graph(OverviewIds.DISTRIBUTION, height=CHART_HEIGHT),
                            body=True,
                            class_name="h-100",
                        ),
                        lg=7,
                        class_name="mb-3",
                    ),
                    dbc.Col(
                        dbc.Card(
                            graph(OverviewIds.BREAKDOWN, height=CHART_HEIGHT),
                            body=True,
                            class_name="h-100",
                        ),
                        lg=5,
                        class_name="mb-3",
                    ),
                ],
                class_name="g-3",
            ),
            dbc.Card(
                [
                    dbc.CardHeader(
                        [
                            "Recent health scores",
                            html.Span(
                                " · from the latest scoring run, lowest first; click a client for the detail",
                                className="text-muted fw-normal small presentation-hidden",
                            ),
                        ]
                    ),
                    html.Div(id=OverviewIds.RECENT),
                ],
                class_name="mb-3",
            ),
        ],
        id="overview-tab",
    )
