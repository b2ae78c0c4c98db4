"""The health-score model of DESIGN section 5, as data.

Everything that names a component, a sub-score, a weight or a window is read
from here by the engine, the database models, the API and the UI, so the model
is written down exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass

SUBSCORE_WEIGHTS: dict[str, float] = {
    "engagement": 0.40,
    "progress": 0.35,
    "satisfaction": 0.25,
}


@dataclass(frozen=True)
class Component:
    """One scored component: its column name, sub-score, weight inside the sub-score and label."""

    name: str
    subscore: str
    weight: float
    label: str
    explains: str

    @property
    def column(self) -> str:
        """Column of the component's 0-100 score in score frames and the database."""
        return f"c_{self.name}"

    @property
    def effective_weight(self) -> float:
        """Weight in the overall score when every component has data."""
        return SUBSCORE_WEIGHTS[self.subscore] * self.weight


COMPONENTS: tuple[Component, ...] = (
    Component("logins", "engagement", 0.30, "Logins", "logins in the last 30 days (12 or more = 100)"),
    Component("interactions", "engagement", 0.25, "Interactions", "interactions in the last 7 days (3 or more = 100)"),
    Component("recency", "engagement", 0.25, "Recency", "days since the last login or interaction (halves every 7 days)"),
    Component("responsiveness", "engagement", 0.20, "Responsiveness", "median reply time in the last 30 days (4 h = 100, 72 h = 0)"),
    Component("completion", "progress", 0.35, "Task completion", "tasks due so far that are completed"),
    Component("milestones", "progress", 0.30, "Milestones on time", "milestones due so far completed on or before their due date"),
    Component("overdue", "progress", 0.20, "Overdue items", "tasks and milestones past due and not done (20 points each)"),
    Component("velocity", "progress", 0.15, "Progress velocity", "tasks completed in the last 14 days against tasks due in them"),
    Component("rating", "satisfaction", 0.40, "Feedback rating", "mean feedback rating in the last 90 days (1-5)"),
    Component("sentiment", "satisfaction", 0.25, "Feedback sentiment", "mean sentiment in the last 30 days (-1 to 1)"),
    Component("tickets", "satisfaction", 0.15, "Support tickets", "tickets opened in the last 30 days (25 points each)"),
    Component("resolution", "satisfaction", 0.20, "Issue resolution", "mean resolution rating of tickets resolved in the last 90 days"),
)

COMPONENT_BY_NAME: dict[str, Component] = {c.name: c for c in COMPONENTS}
COMPONENT_COLUMNS: tuple[str, ...] = tuple(c.column for c in COMPONENTS)
SUBSCORES: tuple[str, ...] = tuple(SUBSCORE_WEIGHTS)

# Windows, in days, ending at the scoring day D inclusive.
LOGIN_WINDOW = 30
INTERACTION_WINDOW = 7
RESPONSE_WINDOW = 30
VELOCITY_WINDOW = 14
RATING_WINDOW = 90
SENTIMENT_WINDOW = 30
TICKET_WINDOW = 30
RESOLUTION_WINDOW = 90
LONGEST_WINDOW = 90

# Component curves.
LOGINS_FOR_FULL = 12
INTERACTIONS_FOR_FULL = 3
RECENCY_HALF_LIFE_DAYS = 7
RESPONSE_BEST_HOURS = 4
RESPONSE_WORST_HOURS = 72
OVERDUE_PENALTY = 20
TICKET_PENALTY = 25

# Trend (DESIGN 5): compare with the latest stored score 7 to 10 days back.
TREND_LOOKBACK_MIN = 7
TREND_LOOKBACK_MAX = 10
TREND_THRESHOLD = 5
