"""Component IDs of the dashboard, one StrEnum per area.

Every ``id=`` in a layout and every ``Input``/``Output`` of a callback names a
member of these enums, so a typo is an ``AttributeError`` at import time
instead of a callback that silently never fires. The values carry a short
prefix per area (``shell-``, ``ov-``, ``rs-``, ``cd-``) so they never collide
across tabs.

A tab's callbacks take their inputs only from components inside the tab
(Dash refuses a callback whose inputs are partly missing from the page), so
each tab has its own ``dcc.Location`` (``OverviewIds.URL``,
``RiskSegmentsIds.URL``) that follows the address bar.

Repeated widgets use pattern-matching dict IDs built by the functions at the
bottom (``open_client_id``, ``segment_card_id``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class Tab(StrEnum):
    """The four tabs; the value is what the URL's ``tab=`` holds."""

    OVERVIEW = "overview"
    RISK_SEGMENTS = "risk-segments"
    INTERVENTIONS = "interventions"
    ANALYTICS = "analytics"

    @property
    def label(self) -> str:
        return {
            "overview": "Overview",
            "risk-segments": "Risk Segments",
            "interventions": "Interventions",
            "analytics": "Analytics",
        }[self.value]


class ShellIds(StrEnum):
    """The frame around the tabs: navbar, tabs, URL and presentation mode."""

    URL = "shell-url"
    ROOT = "shell-root"
    TABS = "shell-tabs"
    CONTENT = "shell-content"
    PRESENTATION = "shell-presentation"
    LAST_RUN = "shell-last-run"
    LAST_RUN_WRAP = "shell-last-run-wrap"
    USER = "shell-user"
    ALERTS_MENU = "shell-alerts-menu"
    REFRESH = "shell-refresh"
    DATA_VERSION = "shell-data-version"
    RENDERED_VERSION = "shell-rendered-version"


class OverviewIds(StrEnum):
    URL = "ov-url"
    PRESENTATION = "ov-presentation"
    CARDS = "ov-cards"
    RECENT = "ov-recent"
    DISTRIBUTION = "ov-distribution"
    BREAKDOWN = "ov-breakdown"
    AS_OF = "ov-as-of"


class RiskSegmentsIds(StrEnum):
    URL = "rs-url"
    TABLE_KEY = "rs-table-key"
    PRESENTATION = "rs-presentation"
    SEARCH = "rs-search"
    RISK = "rs-risk"
    WEDDING = "rs-wedding"
    ACTIVITY = "rs-activity"
    SORT = "rs-sort"
    CLEAR = "rs-clear"
    GRID = "rs-grid"
    PAGER = "rs-pager"
    SUMMARY = "rs-summary"
    FILTERS_TEXT = "rs-filters-text"


class ClientDetailIds(StrEnum):
    KEY = "cd-key"
    HEADER = "cd-header"
    SCORE = "cd-score"
    CHANGE_NOTE = "cd-change-note"
    COLUMN_HISTORY = "cd-col-history"
    COLUMN_SUBSCORES = "cd-col-subscores"
    COLUMN_COMPONENTS = "cd-col-components"
    COLUMN_WATERFALL = "cd-col-waterfall"
    INTERVENTION_LIST = "cd-intervention-list"
    MODAL = "cd-modal"
    TITLE = "cd-title"
    BODY = "cd-body"
    WINDOW = "cd-window"
    CLOSE = "cd-close"
    HISTORY = "cd-history"
    SUBSCORES = "cd-subscores"
    COMPONENTS = "cd-components"
    WATERFALL = "cd-waterfall"
    INTERVENTIONS = "cd-interventions"


# Pattern-matching ID types.
OPEN_CLIENT = "open-client"
SEGMENT_CARD = "rs-segment-card"
SEGMENT_COUNT = "rs-segment-count"


def open_client_id(client_id: str, source: str) -> dict[str, Any]:
    """ID of anything that opens a client's detail when clicked (``source`` keeps IDs unique)."""
    return {"type": OPEN_CLIENT, "client": client_id, "source": source}


def segment_card_id(level: str) -> dict[str, Any]:
    """ID of the Risk Segments card of one risk level."""
    return {"type": SEGMENT_CARD, "level": level}


def segment_count_id(level: str) -> dict[str, Any]:
    """ID of the client count on the Risk Segments card of one risk level."""
    return {"type": SEGMENT_COUNT, "level": level}


def stat_card_id(key: str, part: str) -> str:
    """ID of the ``value`` or ``delta`` of the Overview stat card ``key``."""
    return f"ov-card-{key}-{part}"
