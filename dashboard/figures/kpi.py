"""The change line under a KPI card: "▲ 3.2 vs last period", in green or red."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from dashboard import theme
from scoring.enums import Trend

from ._base import finite

NO_EARLIER_DATA = "no earlier data"


class KpiDelta(NamedTuple):
    """Text and CSS colour of a KPI's change against the previous period."""

    text: str
    colour: str


def kpi_delta(
    value: float | None,
    previous: float | None,
    *,
    higher_is_better: bool = True,
    fmt: str | Callable[[float], str] = "{:.1f}",
    comparison: str = "vs last period",
) -> KpiDelta:
    """The change from ``previous`` to ``value`` as ``"▲ 3.2 vs last period"`` and its colour.

    ``fmt`` formats the size of the change (a format string such as
    ``"{:.1f}"`` or ``"{:.0%}"``, or a function). A rise is green when
    ``higher_is_better`` and red otherwise, a fall the other way round; a change
    that formats as zero is "no change" in grey. When either value is missing
    (None or NaN) the text is "no earlier data", in grey.
    """
    neutral = theme.TREND_COLOURS[Trend.STABLE]
    if not (finite(value) and finite(previous)):
        return KpiDelta(NO_EARLIER_DATA, neutral)
    change = float(value) - float(previous)  # type: ignore[arg-type]
    render = fmt if callable(fmt) else fmt.format
    size = render(abs(change))
    if change == 0 or size == render(0.0):
        return KpiDelta(f"no change {comparison}", neutral)
    rose = change > 0
    good = rose == higher_is_better
    colour = theme.TREND_COLOURS[Trend.IMPROVING if good else Trend.DECLINING]
    return KpiDelta(f"{'▲' if rose else '▼'} {size} {comparison}", colour)
