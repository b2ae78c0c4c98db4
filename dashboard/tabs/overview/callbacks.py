"""The Overview's callbacks."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Input, Output, State, no_update

from dashboard import figures, formatting, settings
from dashboard.clock import display_zone, utc_now
from dashboard.components import (
    error_state,
    guarded,
)
from dashboard.ids import OverviewIds
from dashboard.registry import Callbacks
from dashboard.sessions import read_session
from dashboard.tabs.overview import view_model
from dashboard.tabs.overview.layout import CHART_HEIGHT, recent_list, stat_card
from dashboard.view_state import state_of

CHART_HEIGHT_PRESENTATION = 470


def score_target() -> int:
    """The target score drawn on the distribution: ``CSD_SCORE_TARGET``, default 70."""
    return settings.current().score_target


def _failed() -> dict[str, Any]:
    blank = figures.empty_figure("", message="")
    return {
        "as_of": "",
        "cards": [dbc.Col(error_state("the overview"))],
        "recent": "",
        "figures": {"distribution": blank, "breakdown": blank},
        "styles": {"distribution": no_update, "breakdown": no_update},
    }


CALLBACKS = Callbacks()


@CALLBACKS.callback(
    Output(OverviewIds.PRESENTATION, "data"),
    Input(OverviewIds.URL, "search"),
    State(OverviewIds.PRESENTATION, "data"),
    prevent_initial_call=True,
)
def follow_presentation(search: str | None, shown: bool | None):
    """Redraw the charts when presentation mode is switched (and only then)."""
    presentation = state_of(search).presentation
    return presentation if presentation != bool(shown) else no_update


CHARTS = {"distribution": OverviewIds.DISTRIBUTION, "breakdown": OverviewIds.BREAKDOWN}


@CALLBACKS.callback(
    output={
        "as_of": Output(OverviewIds.AS_OF, "children"),
        "cards": Output(OverviewIds.CARDS, "children"),
        "recent": Output(OverviewIds.RECENT, "children"),
        "figures": {name: Output(chart, "figure") for name, chart in CHARTS.items()},
        "styles": {name: Output(chart, "style") for name, chart in CHARTS.items()},
    },
    inputs={"presentation": Input(OverviewIds.PRESENTATION, "data")},
)
@guarded("the overview", _failed)
def update_overview(presentation: bool | None):
    """Cards, recent scores and both charts from one reading of the latest score day."""
    presentation = bool(presentation)
    zone = display_zone()
    with read_session() as session:
        model = view_model.overview_model(session, now=utc_now(), zone=zone)
    if model.day is None:
        as_of = "No health scores yet: they appear after the first scoring run."
    else:
        as_of = f"Health scores of {formatting.date_text(model.day)}"
        as_of += (
            f", changes since {formatting.date_text(model.reference)}"
            if model.reference
            else ", no scores a week earlier to compare with"
        )
    height = {"height": f"{CHART_HEIGHT_PRESENTATION if presentation else CHART_HEIGHT}px"}
    return {
        "as_of": as_of,
        "cards": [stat_card(card) for card in model.cards],
        "recent": recent_list(model.recent),
        "figures": {
            "distribution": figures.score_distribution(
                model.scores, target=score_target(), presentation=presentation
            ),
            "breakdown": figures.risk_breakdown(model.risk_counts, presentation=presentation),
        },
        "styles": dict.fromkeys(CHARTS, height),
    }
