"""Risk Segments: a card per risk level and the client table with search, filters, sort and pages.

The table is a dash-ag-grid fed one page at a time: ``view_model.client_page``
asks ``scores.current_scores`` for the page the URL names, with the filters
and sort applied in SQL, so the browser never receives the whole book.

State: every control writes to the URL and follows it (``sync_controls`` is a
circular callback with the tab's own ``dcc.Location``, so back/forward and
shared links set the controls too). The grid redraws only when the part of
the URL that shapes it changes (``_table_key``), not when a client's detail
opens over it. Ten clients a page, lowest score first by default.

Clicking a segment card shows only that level; clicking it again shows all.
The cards count the whole book on the latest score day. In presentation mode
the filter controls are hidden (the table's header says which filters apply,
``filters_text``) and the grid drops the last-interaction time for width.
Cell layouts (name with wedding details, score with trend, risk badge,
wedding date with its proximity alert) come from ``assets/2-app/client-grid.js``.

"Export CSV" downloads every client of the table as filtered and sorted on
screen, all pages (``view_model.segment_export``).
"""

from __future__ import annotations

from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import formatting
from dashboard.components import icon, labelled, table_header
from dashboard.ids import (
    RiskSegmentsIds,
    segment_card_id,
    segment_count_id,
)
from dashboard.view_state import (
    ACTIVITY_LEVELS,
    DEFAULT_WINDOW,
    SORT_CHOICES,
    ViewState,
    sort_value,
)
from scoring.enums import RiskLevel

TABLE_KEY = RiskSegmentsIds.TABLE_KEY


# The tab's own view of the URL: its callbacks fire only while the tab is shown.
TAB_URL = RiskSegmentsIds.URL


ANY_ACTIVITY = "any"


ROW_HEIGHT = 56


# Cells are flex boxes so one-line and two-line cells share a vertical centre.
NUMBER_CELL = {"display": "flex", "alignItems": "center", "justifyContent": "flex-end"}


COLUMNS: list[dict[str, Any]] = [
    {
        "field": "name",
        "headerName": "Client",
        "cellRenderer": "ClientCell",
        "flex": 1,
        "minWidth": 240,
    },
    {"field": "score", "headerName": "Score", "cellRenderer": "ScoreCell"},
    {"field": "risk_label", "headerName": "Risk", "cellRenderer": "RiskCell"},
    {"field": "wedding", "headerName": "Wedding", "cellRenderer": "WeddingCell"},
    {
        "field": "interactions_7d",
        "headerName": "Interactions (7 days)",
        "type": "numericColumn",
        "cellStyle": NUMBER_CELL,
    },
    {
        "field": "open_interventions",
        "headerName": "Active interventions",
        "type": "numericColumn",
        "cellStyle": NUMBER_CELL,
    },
    {"field": "last_activity", "headerName": "Last activity"},
    {"field": "last_interaction", "headerName": "Last interaction"},
]


# Column widths in pixels on a laptop and on the projector's larger type; None = hidden.
WIDTHS: dict[bool, dict[str, int | None]] = {
    False: {"score": 95, "risk_label": 115, "wedding": 150, "interactions_7d": 130,
            "open_interventions": 130, "last_activity": 130, "last_interaction": 150},
    True: {"score": 110, "risk_label": 150, "wedding": 175, "interactions_7d": 150,
           "open_interventions": 165, "last_activity": 150, "last_interaction": None},
}  # fmt: skip


def column_defs(presentation: bool) -> list[dict[str, Any]]:
    """The grid's columns; presentation mode leaves out the last interaction's time and widens the rest."""
    widths = WIDTHS[presentation]
    defs = []
    for column in COLUMNS:
        field = column["field"]
        if field not in widths:
            defs.append(dict(column))
        elif widths[field] is None:
            defs.append({**column, "hide": True})
        else:
            defs.append({**column, "width": widths[field]})
    return defs


def _table_key(state: ViewState) -> str:
    """The part of the view state that shapes the table (filters, search, sort, page)."""
    return state.replace(
        client=None, window=DEFAULT_WINDOW, presentation=False, extra=()
    ).to_search()


def segment_card(level: RiskLevel, selected: bool) -> dbc.Col:
    """A clickable card for one risk level; its count is filled in by ``update_table``."""
    low, high = level.band
    return dbc.Col(
        html.Button(
            [
                html.Div(
                    [
                        html.Span(f"{level.label} risk", className="fw-bold fs-5"),
                        html.Span(f"{low}–{high}", className="text-muted fw-semibold"),
                    ],
                    className="d-flex justify-content-between align-items-baseline",
                ),
                html.Div(
                    [
                        html.Span(
                            "–",
                            id=segment_count_id(level.value),
                            className="kpi-value me-2",
                        ),
                        html.Span("clients", className="text-muted"),
                    ],
                    className="d-flex align-items-baseline",
                ),
                html.Div(
                    [icon("bi-arrow-return-right", "me-1"), level.action],
                    className=f"fw-semibold text-risk-{level.value}",
                ),
            ],  # fmt: skip
            id=segment_card_id(level.value),
            n_clicks=0,
            className=_segment_class(level, selected),
            title=f"Show only {level.label.lower()}-risk clients (click again to show all)",
            **{"aria-pressed": "true" if selected else "false"},
        ),
        xs=6,
        lg=3,
        class_name="mb-3",
    )


def _segment_class(level: RiskLevel, selected: bool) -> str:
    base = f"card segment-card w-100 text-start p-3 risk-edge-{level.value}"
    return f"{base} border-2 border-primary shadow" if selected else base


def _controls(state: ViewState) -> dbc.Card:
    return dbc.Card(
        dbc.CardBody(
            dbc.Row(
                [
                    labelled(
                        "Search",
                        dbc.Input(
                            id=RiskSegmentsIds.SEARCH,
                            type="search",
                            value=state.search,
                            placeholder="Name, partner or venue",
                            debounce=400,
                            maxlength=100,
                        ),
                        RiskSegmentsIds.SEARCH,
                        lg=3,
                        xs=12,
                    ),
                    labelled(
                        "Risk level",
                        dcc.Dropdown(
                            id=RiskSegmentsIds.RISK,
                            options=[
                                {"label": level.label, "value": level.value} for level in RiskLevel
                            ],
                            value=[level.value for level in state.risk],
                            multi=True,
                            placeholder="All levels",
                            searchable=False,
                        ),
                        RiskSegmentsIds.RISK,
                        lg=2,
                        xs=6,
                    ),
                    labelled(
                        "Wedding date",
                        dcc.DatePickerRange(
                            id=RiskSegmentsIds.WEDDING,
                            start_date=state.wedding_from,
                            end_date=state.wedding_to,
                            display_format="D MMM YYYY",
                            start_date_placeholder_text="From",
                            end_date_placeholder_text="To",
                            clearable=True,
                            first_day_of_week=1,
                        ),
                        RiskSegmentsIds.WEDDING,
                        lg=2,
                        xs=6,
                    ),
                    labelled(
                        "Activity",
                        dbc.Select(
                            id=RiskSegmentsIds.ACTIVITY,
                            options=[{"label": "Any activity", "value": ANY_ACTIVITY}]
                            + [
                                {"label": label, "value": value}
                                for value, label in ACTIVITY_LEVELS.items()
                            ],
                            value=state.activity or ANY_ACTIVITY,
                        ),
                        RiskSegmentsIds.ACTIVITY,
                        lg=2,
                        xs=6,
                    ),
                    labelled(
                        "Sort by",
                        dbc.Select(
                            id=RiskSegmentsIds.SORT,
                            options=[
                                {"label": label, "value": sort_value(*key)}
                                for key, label in SORT_CHOICES.items()
                            ],
                            value=state.sort_value,
                        ),
                        RiskSegmentsIds.SORT,
                        lg=3,
                        xs=6,
                    ),
                ],
                class_name="g-2 align-items-start",
            )
        ),
        # The room sees the filters in the table's header (``filters_text``), not these controls.
        class_name="mb-3 presentation-hidden",
    )


def filters_text(state: ViewState) -> str:
    """The filters and sort of ``state`` in words, for the table's header (pure: unit-tested)."""
    parts = []
    if state.risk:
        parts.append(" and ".join(level.label for level in state.risk) + " risk")
    if state.search:
        parts.append(f"“{state.search}”")
    if state.wedding_from and state.wedding_to:
        parts.append(
            f"wedding {formatting.date_text(state.wedding_from)} – {formatting.date_text(state.wedding_to)}"
        )
    elif state.wedding_from:
        parts.append(f"wedding from {formatting.date_text(state.wedding_from)}")
    elif state.wedding_to:
        parts.append(f"wedding until {formatting.date_text(state.wedding_to)}")
    if state.activity:
        parts.append(ACTIVITY_LEVELS[state.activity].lower())
    parts.append(SORT_CHOICES[(state.sort, state.order)].lower())
    return " · ".join(parts)


def layout(state: ViewState) -> html.Div:
    """The tab's frame with its controls set from ``state``; ``update_table`` fills in the data."""
    return html.Div(
        [
            dcc.Location(id=TAB_URL, refresh="callback-nav"),
            dcc.Store(id=TABLE_KEY, data=_table_key(state)),
            dcc.Store(id=RiskSegmentsIds.PRESENTATION, data=state.presentation),
            dbc.Row(
                [segment_card(level, level in state.risk) for level in RiskLevel], class_name="g-3"
            ),
            _controls(state),
            dbc.Card(
                [
                    dbc.CardHeader(
                        table_header(
                            html.Span(id=RiskSegmentsIds.SUMMARY, className="fw-semibold"),
                            clear_id=RiskSegmentsIds.CLEAR,
                            pager_id=RiskSegmentsIds.PAGER,
                            page=state.page,
                            extra=(
                                dbc.Button(
                                    [icon("bi-download", "me-1"), "Export CSV"],
                                    id=RiskSegmentsIds.EXPORT,
                                    n_clicks=0,
                                    color="secondary",
                                    outline=True,
                                    size="sm",
                                    title="Every client of the table as filtered and sorted here, all pages",
                                    class_name="presentation-hidden",
                                ),
                                dcc.Download(id=RiskSegmentsIds.EXPORT_DOWNLOAD),
                            ),
                        )
                    ),
                    dag.AgGrid(
                        id=RiskSegmentsIds.GRID,
                        columnDefs=column_defs(state.presentation),
                        rowData=[],
                        defaultColDef={
                            "sortable": False,
                            "resizable": True,
                            "suppressMovable": True,
                            "wrapHeaderText": True,
                            "autoHeaderHeight": True,
                            "cellStyle": {"display": "flex", "alignItems": "center"},
                        },
                        getRowId="params.data.client_id",
                        dashGridOptions={
                            "domLayout": "autoHeight",
                            "rowHeight": ROW_HEIGHT,
                            "suppressCellFocus": True,
                            "localeText": {"noRowsToShow": "No clients match these filters"},
                            "rowClass": "client-row",
                        },
                        className="ag-theme-quartz client-grid",
                        style={"height": None, "width": "100%"},
                    ),  # fmt: skip
                ],
                class_name="mb-3",
            ),
        ],
        id="risk-segments-tab",
    )
