"""The Risk Segments view model: the segment cards, the page of the client table and its rows.

Decisions where the brief was open:

- The wedding proximity alert is raised for a client at high or critical risk
  whose wedding is 0 to 30 days after the score day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy.orm import Session

from dashboard.clock import as_date
from dashboard.formatting import date_text, days_ago_text, local_time_text
from dashboard.services.reports.csv import frame_csv
from dashboard.view_state import ViewState
from data.repositories import scores as scores_repo
from data.repositories import summaries as summaries_repo
from data.repositories.summaries import CLIENTS as SUMMARY_CLIENTS
from scoring.columns import (
    CLIENT_ID,
    DAY,
    F_DAYS_SINCE_ACTIVITY,
    F_INTERACTIONS_7D,
    PRIMARY_FACTOR,
    RISK_LEVEL,
    SCORE_INT,
    TREND,
    WEDDING_DATE,
)
from scoring.enums import (
    AT_RISK_LEVELS,
    RiskLevel,
    Trend,
)
from scoring.model import (
    COMPONENT_BY_NAME,
)

PROXIMITY_DAYS = 30


PAGE_SIZE = 10


@dataclass(frozen=True)
class SegmentCard:
    level: RiskLevel
    clients: int
    share_text: str

    @property
    def title(self) -> str:
        return f"{self.level.label} risk"

    @property
    def band_text(self) -> str:
        low, high = self.level.band
        return f"{low}–{high}"

    @property
    def action(self) -> str:
        return self.level.action


def segment_cards(counts: Mapping[str, int]) -> list[SegmentCard]:
    """One card per risk level, low to critical, with its count and share of the book."""
    total = sum(int(counts.get(level.value, 0)) for level in RiskLevel)
    cards = []
    for level in RiskLevel:
        n = int(counts.get(level.value, 0))
        cards.append(
            SegmentCard(level, n, f"{n / total:.0%} of clients" if total else "no clients")
        )
    return cards


def proximity_days(wedding: object, risk_level: str | None, day: dt.date) -> int | None:
    """Days to the wedding when it is 0-30 days after ``day`` and the client is at high or critical risk."""
    wedding_day = as_date(wedding)
    if wedding_day is None or risk_level not in {level.value for level in AT_RISK_LEVELS}:
        return None
    days = (wedding_day - day).days
    return days if 0 <= days <= PROXIMITY_DAYS else None


def _wedding_note(days: int | None) -> str:
    if days is None:
        return ""
    return "wedding today" if days == 0 else ("tomorrow" if days == 1 else f"in {days} days")


def _count(value: object) -> int:
    """A count for display: missing is 0."""
    return 0 if value is None or pd.isna(value) else int(value)


def grid_rows(page: pd.DataFrame, *, day: dt.date, zone: ZoneInfo, now: pd.Timestamp) -> list[dict]:
    """The rows of one page of ``scores.current_scores`` as the client grid shows them.

    Every value is ready to display (integers, dates as "3 Dec 2026"); the
    grid only lays them out.
    """
    rows = []
    for row in page.itertuples(index=False):
        record = row._asdict()
        level = RiskLevel(record[RISK_LEVEL])
        trend = record.get(TREND)
        trend = (
            Trend(trend)
            if isinstance(trend, str) and trend in Trend._value2member_map_
            else Trend.STABLE
        )
        alert = proximity_days(record.get(WEDDING_DATE), level.value, day)
        factor = record.get(PRIMARY_FACTOR)
        last_interaction = record.get(scores_repo.LAST_INTERACTION)
        rows.append(
            {
                "client_id": str(record[CLIENT_ID]),
                "name": str(record[scores_repo.CLIENT_NAME]),
                "details": " · ".join(
                    str(record[key])
                    for key in ("partner_names", "venue")
                    if isinstance(record.get(key), str) and record[key].strip()
                ),  # fmt: skip
                "score": int(record[SCORE_INT]),
                "trend": trend.value,
                "trend_label": trend.label,
                "risk_level": level.value,
                "risk_label": level.label,
                "primary_factor": COMPONENT_BY_NAME[factor].label
                if factor in COMPONENT_BY_NAME
                else "",
                "wedding": date_text(record.get(WEDDING_DATE)),
                "wedding_alert": alert is not None,
                "wedding_note": _wedding_note(alert),
                "interactions_7d": _count(record.get(F_INTERACTIONS_7D)),
                "open_interventions": _count(record.get(scores_repo.OPEN_INTERVENTIONS)),
                "last_activity": days_ago_text(record.get(F_DAYS_SINCE_ACTIVITY)),
                "last_interaction": local_time_text(last_interaction, zone, now=now)
                if last_interaction is not None and not pd.isna(last_interaction)
                else "none",
            }
        )
    return rows


@dataclass(frozen=True)
class ClientPage:
    day: dt.date | None
    rows: list[dict]
    total: int
    page: int
    pages: int
    page_size: int

    @property
    def summary(self) -> str:
        if self.day is None:
            return "No health scores yet: they appear after the first scoring run"
        if not self.total:
            return "No clients match"
        first = (self.page - 1) * self.page_size + 1
        last = min(self.total, self.page * self.page_size)
        return f"Clients {first:,}–{last:,} of {self.total:,}"


def _table_query(state: ViewState, day: dt.date) -> dict[str, Any]:
    """The filters, search and sort of ``state`` as ``scores.current_scores`` takes them."""
    return {
        "risk_level": list(state.risk) or None,
        "search": state.search or None,
        "wedding_from": state.wedding_from,
        "wedding_to": state.wedding_to,
        "activity": state.activity,
        "sort_by": state.sort,
        "sort_order": state.order,
        "day": day,
    }


def client_page(
    session: Session,
    state: ViewState,
    *,
    zone: ZoneInfo,
    now: pd.Timestamp,
    page_size: int = PAGE_SIZE,
) -> ClientPage:
    """One page of the client table for the filters, search and sort of ``state``.

    A page past the end shows the last page.
    """
    day = scores_repo.latest_score_day(session)
    if day is None:
        return ClientPage(None, [], 0, 1, 1, page_size)
    query = {**_table_query(state, day), "limit": page_size}
    frame, total = scores_repo.current_scores(session, page=state.page, **query)
    pages = max(1, -(-total // page_size))
    page = min(state.page, pages)
    if page != state.page:
        frame, total = scores_repo.current_scores(session, page=page, **query)
    return ClientPage(
        day, grid_rows(frame, day=day, zone=zone, now=now), total, page, pages, page_size
    )


def segment_counts(session: Session) -> dict[str, int]:
    """Clients per risk level on the latest score day (zeros before the first run)."""
    day = scores_repo.latest_score_day(session)
    if day is None:
        return {level.value: 0 for level in RiskLevel}
    summary = summaries_repo.day_summaries(session, start=day, end=day)
    counts = summary.groupby(RISK_LEVEL)[SUMMARY_CLIENTS].sum()
    return {level.value: int(counts.get(level.value, 0)) for level in RiskLevel}


EXPORT_COLUMNS: dict[str, str] = {
    CLIENT_ID: "client_id",
    scores_repo.CLIENT_NAME: "client",
    "partner_names": "partner_names",
    "venue": "venue",
    SCORE_INT: "score",
    RISK_LEVEL: "risk_level",
    TREND: "trend",
    PRIMARY_FACTOR: "primary_risk_factor",
    WEDDING_DATE: "wedding_date",
    F_INTERACTIONS_7D: "interactions_7d",
    scores_repo.OPEN_INTERVENTIONS: "active_interventions",
    F_DAYS_SINCE_ACTIVITY: "days_since_activity",
    scores_repo.LAST_INTERACTION: "last_interaction",
    DAY: "score_day",
}


def segment_export_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``scores.current_scores`` in the export's columns, in their order."""
    out = pd.DataFrame(index=frame.index)
    for source, name in EXPORT_COLUMNS.items():
        out[name] = (
            frame[source] if source in frame.columns else pd.Series(pd.NA, index=frame.index)
        )
    out["primary_risk_factor"] = out["primary_risk_factor"].map(
        lambda value: COMPONENT_BY_NAME[value].label if value in COMPONENT_BY_NAME else None
    )
    for name in ("score", "interactions_7d", "active_interventions", "days_since_activity"):
        out[name] = pd.to_numeric(out[name], errors="coerce").round().astype("Int64")
    return out.reset_index(drop=True)


def segment_export(session: Session, state: ViewState) -> tuple[str, bytes] | None:
    """(file name, CSV bytes) of every client the Risk Segments table shows for ``state``, in its order.

    The filters, search and sort of ``state`` apply; its page does not (all
    pages are exported). None before the first scoring run. The file is
    written by ``frame_csv`` (``dashboard.services.safe_csv``): a text cell
    that would start a spreadsheet formula gets a ``'`` in front.
    """
    day = scores_repo.latest_score_day(session)
    if day is None:
        return None
    query = _table_query(state, day)
    _, total = scores_repo.current_scores(session, page=1, limit=1, **query)
    frame, _ = scores_repo.current_scores(session, page=1, limit=max(total, 1), **query)
    return f"risk-segments-{day.isoformat()}.csv", frame_csv(segment_export_frame(frame))
