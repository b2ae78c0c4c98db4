"""The view state of the dashboard, kept in the URL's query string.

Everything a person would want a link to reproduce in the weekly meeting lives
here: the tab, presentation mode, the Risk Segments filters, search, sort and
page, the client whose detail is open and its "why it changed" window. The
URL is the single source of truth: controls write to it, and every screen is
drawn from it, so a copied link, a reload or the browser's back button all
show the same screen.

Only values that differ from the defaults are written, so the plain address
is the default Overview. Anything unknown or malformed in a hand-edited URL is
ignored (the default is used), never an error. Parameters this module does
not know, such as those of tabs added later, are kept as they are.

Parameters: ``tab``, ``present=1``, ``risk=high,critical``, ``q``,
``wedding_from`` / ``wedding_to`` (``YYYY-MM-DD``), ``activity``
(``active``/``idle``/``dormant``), ``sort`` and ``order``, ``page``,
``client`` (a client id) and ``window`` (7 or 30 days).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from dashboard.ids import Tab
from scoring.enums import RiskLevel

ACTIVITY_LEVELS: dict[str, str] = {
    "active": "Active (last 7 days)",
    "idle": "Idle (8–30 days)",
    "dormant": "Dormant (over 30 days)",
}

# (sort key of data.repositories.scores.current_scores, order) -> label.
SORT_CHOICES: dict[tuple[str, str], str] = {
    ("score", "asc"): "Lowest score first",
    ("score", "desc"): "Highest score first",
    ("last_interaction", "desc"): "Latest interaction first",
    ("last_interaction", "asc"): "Oldest interaction first",
    ("wedding_date", "asc"): "Soonest wedding first",
    ("wedding_date", "desc"): "Latest wedding first",
}
DEFAULT_SORT = ("score", "asc")

CHANGE_WINDOWS: tuple[int, ...] = (7, 30)
DEFAULT_WINDOW = CHANGE_WINDOWS[0]
MAX_SEARCH_LENGTH = 100
MAX_CLIENT_ID_LENGTH = 64

_KNOWN = frozenset(
    {"tab", "present", "risk", "q", "wedding_from", "wedding_to", "activity", "sort", "order",
     "page", "client", "window"}
)  # fmt: skip


def sort_value(key: str, order: str) -> str:
    """The value of a sort choice in a select: ``"score:asc"``."""
    return f"{key}:{order}"


def parse_sort_value(value: str | None) -> tuple[str, str]:
    """``"score:asc"`` -> ``("score", "asc")``; anything else gives the default sort."""
    key, _, order = (value or "").partition(":")
    return (key, order) if (key, order) in SORT_CHOICES else DEFAULT_SORT


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _levels(value: str | None) -> tuple[RiskLevel, ...]:
    wanted = {part.strip().lower() for part in (value or "").split(",")}
    return tuple(level for level in RiskLevel if level.value in wanted)


MAX_PAGE = 1_000_000  # far beyond any book; keeps a typed URL from overflowing the database


def _positive_int(value: str | None, default: int) -> int:
    try:
        number = int(value) if value is not None else default
    except ValueError:
        return default
    return min(number, MAX_PAGE) if number >= 1 else default


@dataclass(frozen=True)
class ViewState:
    """What is on the screen; ``ViewState.from_search(url.search)`` and back with ``to_search()``."""

    tab: Tab = Tab.OVERVIEW
    presentation: bool = False
    risk: tuple[RiskLevel, ...] = ()
    search: str = ""
    wedding_from: dt.date | None = None
    wedding_to: dt.date | None = None
    activity: str | None = None
    sort: str = DEFAULT_SORT[0]
    order: str = DEFAULT_SORT[1]
    page: int = 1
    client: str | None = None
    window: int = DEFAULT_WINDOW
    extra: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_search(cls, search: str | None) -> ViewState:
        """The state of a query string (``"?tab=risk-segments&risk=high"``, with or without ``?``)."""
        pairs = parse_qsl((search or "").lstrip("?"), keep_blank_values=False)
        params = {key: value for key, value in pairs if key in _KNOWN}
        extra = tuple((key, value) for key, value in pairs if key not in _KNOWN)
        try:
            tab = Tab(params.get("tab", Tab.OVERVIEW.value))
        except ValueError:
            tab = Tab.OVERVIEW
        sort, order = parse_sort_value(f"{params.get('sort', '')}:{params.get('order', '')}")
        if "sort" in params and "order" not in params:
            # A link with just ``sort=`` takes that key's first listed order.
            sort, order = next(
                (choice for choice in SORT_CHOICES if choice[0] == params["sort"]), DEFAULT_SORT
            )
        start, end = _date(params.get("wedding_from")), _date(params.get("wedding_to"))
        if start and end and start > end:
            start, end = end, start
        activity = params.get("activity")
        window = _positive_int(params.get("window"), DEFAULT_WINDOW)
        client = (params.get("client") or "").strip()
        return cls(
            tab=tab,
            presentation=params.get("present") in ("1", "true", "yes"),
            risk=_levels(params.get("risk")),
            search=(params.get("q") or "").strip()[:MAX_SEARCH_LENGTH],
            wedding_from=start,
            wedding_to=end,
            activity=activity if activity in ACTIVITY_LEVELS else None,
            sort=sort,
            order=order,
            page=_positive_int(params.get("page"), 1),
            client=client[:MAX_CLIENT_ID_LENGTH] or None,
            window=window if window in CHANGE_WINDOWS else DEFAULT_WINDOW,
            extra=extra,
        )

    def to_search(self) -> str:
        """The query string of this state, with only non-default values; ``""`` for the default."""
        params: list[tuple[str, str]] = []
        if self.tab != Tab.OVERVIEW:
            params.append(("tab", self.tab.value))
        if self.presentation:
            params.append(("present", "1"))
        if self.risk:
            params.append(
                ("risk", ",".join(level.value for level in RiskLevel if level in self.risk))
            )
        if self.search:
            params.append(("q", self.search))
        if self.wedding_from:
            params.append(("wedding_from", self.wedding_from.isoformat()))
        if self.wedding_to:
            params.append(("wedding_to", self.wedding_to.isoformat()))
        if self.activity:
            params.append(("activity", self.activity))
        if (self.sort, self.order) != DEFAULT_SORT:
            params.extend([("sort", self.sort), ("order", self.order)])
        if self.page != 1:
            params.append(("page", str(self.page)))
        if self.client:
            params.append(("client", self.client))
        if self.window != DEFAULT_WINDOW:
            params.append(("window", str(self.window)))
        params.extend(self.extra)
        return f"?{urlencode(params, safe=',')}" if params else ""

    def replace(self, **changes: object) -> ViewState:
        """A copy with ``changes`` applied."""
        return dataclasses.replace(self, **changes)

    def with_filters(self, **changes: object) -> ViewState:
        """A copy with new Risk Segments filters and the table back on its first page."""
        return dataclasses.replace(self, page=1, **changes)

    @property
    def has_filters(self) -> bool:
        """True when any Risk Segments filter or search narrows the table."""
        return bool(
            self.risk or self.search or self.wedding_from or self.wedding_to or self.activity
        )

    @property
    def sort_value(self) -> str:
        return sort_value(self.sort, self.order)


def state_of(search: str | None) -> ViewState:
    """Shorthand for ``ViewState.from_search``."""
    return ViewState.from_search(search)
