"""The small components every screen shares.

Risk badges, trend arrows, empty states, graphs with the dashboard's
configuration, and ``guarded``, which turns an unexpected error in a callback
into a short message on the screen (the trace goes to the log, never to the
browser).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import dcc, html, no_update

from dashboard import theme
from scoring.enums import RiskLevel, Trend

log = logging.getLogger(__name__)

TREND_ICONS: dict[Trend, str] = {
    Trend.IMPROVING: "bi-arrow-up-right",
    Trend.STABLE: "bi-arrow-right",
    Trend.DECLINING: "bi-arrow-down-right",
}


def icon(name: str, class_name: str = "") -> html.I:
    """A bootstrap-icons glyph, hidden from screen readers (its meaning is in nearby text)."""
    return html.I(className=f"bi {name} {class_name}".strip(), **{"aria-hidden": "true"})


def risk_badge(level: RiskLevel | str, *, suffix: str = "") -> html.Span:
    """A pill naming the risk level in its colour (``.risk-badge`` of app.css)."""
    level = RiskLevel(level)
    return html.Span(f"{level.label}{suffix}", className=f"risk-badge risk-{level.value}")


def trend_arrow(trend: Trend | str, *, with_label: bool = False) -> html.Span:
    """An arrow for the score's trend against a week before, coloured, with its name for screen readers."""
    trend = Trend(trend)
    label = html.Span(trend.label, className="ms-1" if with_label else "visually-hidden")
    return html.Span(
        [icon(TREND_ICONS[trend]), label],
        className=f"trend trend-{trend.value}",
        title=f"Trend: {trend.label.lower()}",
    )


def empty_state(message: str, *, hint: str | None = None, icon_name: str = "bi-inbox") -> html.Div:
    """A calm message where data would be (``.empty-state`` of app.css)."""
    children: list[Any] = [icon(icon_name), html.Div(message, className="fw-semibold")]
    if hint:
        children.append(html.Div(hint, className="small presentation-hidden"))
    return html.Div(children, className="empty-state")


def error_state(what: str) -> html.Div:
    """What the screen shows when loading ``what`` failed unexpectedly."""
    return empty_state(
        f"Could not load {what}.",
        hint="Please try again in a moment; if it keeps happening, tell your administrator.",
        icon_name="bi-exclamation-triangle",
    )


def graph(
    graph_id: str | dict, figure: go.Figure | None = None, *, height: int | None = None
) -> dcc.Graph:
    """A chart with the dashboard's graph configuration, without plotly's toolbar (clutter on a projector)."""
    style = {"height": f"{height}px"} if height else None
    return dcc.Graph(
        id=graph_id,
        figure=figure if figure is not None else go.Figure(layout={"template": theme.template()}),
        config={**theme.GRAPH_CONFIG, "displayModeBar": False},
        style=style,
        responsive=True,
    )


def if_changed(new: Any, current: Any) -> Any:
    """``new`` for a control's output, or ``no_update`` when the control already shows it."""
    return new if new != current else no_update


def table_header(
    summary: Any, *, clear_id: str, pager_id: str, page: int, extra: tuple = ()
) -> html.Div:
    """The bar above a paged table: its summary, any ``extra`` buttons, Clear filters and the pager.

    The pager starts at ``page``; the tab's callback sets its ``max_value``
    once it knows how many rows match.
    """
    return html.Div(
        [
            summary,
            html.Div(
                [
                    *extra,
                    dbc.Button(
                        [icon("bi-x-circle", "me-1"), "Clear filters"],
                        id=clear_id,
                        n_clicks=0,
                        color="secondary",
                        outline=True,
                        size="sm",
                        class_name="presentation-hidden",
                    ),
                    dbc.Pagination(
                        id=pager_id,
                        active_page=page,
                        max_value=max(1, page),
                        fully_expanded=False,
                        first_last=True,
                        previous_next=True,
                        size="sm",
                        class_name="mb-0",
                    ),
                ],
                className="d-flex align-items-center gap-3",
            ),
        ],
        className="d-flex justify-content-between align-items-center flex-wrap gap-2",
    )


def guarded(what: str, fallback: Callable[[], tuple | Any]) -> Callable:
    """Decorate a callback so an unexpected error logs its trace and returns ``fallback()`` instead.

    ``what`` names the thing being loaded, for the log. Dash's own
    ``PreventUpdate`` passes through.
    """
    from dash.exceptions import PreventUpdate

    def decorate(function: Callable) -> Callable:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return function(*args, **kwargs)
            except PreventUpdate:
                raise
            except Exception:
                log.exception("loading %s failed", what)
                return fallback()

        return wrapper

    return decorate


def labelled(label: str, control: Any, control_id: str, **width: int) -> dbc.Col:
    """A filter control in a column of the given ``width`` (``lg=2, xs=6``), under its label."""
    return dbc.Col(
        [dbc.Label(label, html_for=control_id, class_name="small fw-semibold mb-1"), control],
        **width,
    )


def newest_first_card(title: str, header: list[Any], rows: list[Any]) -> dbc.Card:
    """A card of a list whose newest entry comes first: "``title``, newest first" over its table."""
    table = dbc.Table(
        [html.Thead(html.Tr(header)), html.Tbody(rows)],
        hover=True,
        size="sm",
        class_name="mb-0 align-middle",
        responsive=True,
    )
    return dbc.Card(
        [dbc.CardHeader(html.Span(f"{title}, newest first", className="fw-semibold")), table],
        class_name="mb-3",
    )


def fact_card(title: str, value: Any, detail: Any, icon_name: str, fact_id: str) -> dbc.Col:
    """A third of a row: a small title with its icon, a large value and a line of detail."""
    return dbc.Col(
        dbc.Card(
            dbc.CardBody(
                [
                    html.Div(
                        [
                            html.Span(title, className="kpi-label"),
                            icon(icon_name, "text-primary fs-5"),
                        ],
                        className="d-flex justify-content-between align-items-start",
                    ),
                    html.Div(value, className="fs-4 fw-bold mt-1", id=fact_id),
                    html.Div(detail, className="small text-muted"),
                ]
            ),
            class_name="kpi-card h-100",
        ),
        md=4,
        class_name="mb-3",
    )
