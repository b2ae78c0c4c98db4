"""Interventions and Analytics: announced in the tabs, built in the next part of the dashboard."""

from __future__ import annotations

from dataclasses import dataclass

import dash_bootstrap_components as dbc
from dash import Dash, html

from dashboard.ids import Tab
from dashboard.tabs import empty_state
from dashboard.view_state import ViewState


@dataclass(frozen=True)
class ComingTab:
    """A tab that says what it will hold; it has no callbacks."""

    tab: Tab
    summary: str
    icon_name: str

    def layout(self, state: ViewState) -> html.Div:
        return dbc.Card(
            dbc.CardBody(
                empty_state(
                    f"{self.tab.label}: coming soon",
                    hint=self.summary,
                    icon_name=self.icon_name,
                )
            ),
            class_name="mt-2",
            id=f"{self.tab.value}-coming",
        )

    def register(self, app: Dash) -> None:
        return None


INTERVENTIONS = ComingTab(
    Tab.INTERVENTIONS,
    "The prioritised intervention queue with status tracking, due dates and overdue alerts.",
    "bi-list-check",
)
ANALYTICS = ComingTab(
    Tab.ANALYTICS,
    "Health score trends, risk distribution over time, intervention success rates and top risk factors.",
    "bi-graph-up",
)
