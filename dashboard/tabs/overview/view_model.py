"""The Overview's view model: stat cards, the distribution's day and the recently scored clients.

Pure functions on DataFrames (``stat_cards``, ``open_at``, ``recent_scores``),
unit-tested on tiny hand-made frames, and ``overview_model(session, ...)``,
which reads what they need through ``data.repositories``.

Decisions where the brief was open:

- "Active clients" on a day are the clients scored that day: DESIGN 5 scores
  every active client from its creation until it churns or completes.
- The Overview compares the latest score day D with the latest score day 7 to
  10 days before it (the trend rule of DESIGN 5); active interventions are
  counted now and 7 days ago. A larger book or a better average is better,
  fewer clients at risk is better; the number of active interventions is
  neither, so its change is shown in grey.
- The average health score is the mean of the integer scores shown, so it
  agrees with the distribution chart; it is shown with one decimal.
- "Recent health scores" lists the clients of day D whose score was written
  most recently, lowest score first among those written together.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy.orm import Session

from dashboard.clock import as_date
from dashboard.formatting import date_text, number_text
from data.repositories import analytics as analytics_repo
from data.repositories import clients as clients_repo
from data.repositories import scores as scores_repo
from data.repositories import summaries as summaries_repo
from data.repositories.summaries import CLIENTS as SUMMARY_CLIENTS
from data.repositories.summaries import SCORE_SUM, SCORED
from scoring.columns import (
    CLIENT_ID,
    DAY,
    RISK_LEVEL,
    SCORE_INT,
    TREND,
)
from scoring.enums import (
    AT_RISK_LEVELS,
    RiskLevel,
    Trend,
)
from scoring.model import (
    TREND_LOOKBACK_MAX,
    TREND_LOOKBACK_MIN,
)

COMPARISON_DAYS = TREND_LOOKBACK_MIN


RECENT_LIMIT = 8


Tone = Literal["better", "worse", "neutral", "none"]


@dataclass(frozen=True)
class StatCard:
    """One Overview card: a value, and its change against the reference day."""

    key: str
    label: str
    value_text: str
    delta_text: str
    tone: Tone
    arrow: Literal["up", "down", "flat", "none"]
    help: str


def _delta(
    value: float | None,
    previous: float | None,
    *,
    better: Literal["higher", "lower", "neither"],
    digits: int,
    since: str,
) -> tuple[str, Tone, Literal["up", "down", "flat", "none"]]:
    if value is None or previous is None or pd.isna(value) or pd.isna(previous):
        return "no earlier data", "none", "none"
    change = round(float(value) - float(previous), digits)
    if change == 0:
        return f"no change since {since}", "neutral", "flat"
    arrow: Literal["up", "down"] = "up" if change > 0 else "down"
    if better == "neither":
        tone: Tone = "neutral"
    else:
        tone = "better" if (change > 0) == (better == "higher") else "worse"
    return f"{'▲' if change > 0 else '▼'} {abs(change):,.{digits}f} since {since}", tone, arrow


def _book_facts(scores: pd.DataFrame | None) -> tuple[int | None, int | None, float | None]:
    """(clients, at risk, average integer score) of one day's scores; Nones without scores.

    ``scores``: one row per client (``score``, ``risk_level``), or the day's
    summary (``data.repositories.summaries.day_summaries`` rows: ``risk_level``,
    ``clients``, ``scored``, ``score_sum``).
    """
    if scores is None:
        return None, None, None
    at_risk_rows = scores[RISK_LEVEL].isin([level.value for level in AT_RISK_LEVELS])
    if SCORE_SUM in scores.columns:
        scored = int(scores[SCORED].sum())
        average = float(scores[SCORE_SUM].sum()) / scored if scored else None
        return (
            int(scores[SUMMARY_CLIENTS].sum()),
            int(scores.loc[at_risk_rows, SUMMARY_CLIENTS].sum()),
            average,
        )
    values = pd.to_numeric(scores[SCORE_INT], errors="coerce").astype(float)
    average = float(values.mean()) if values.notna().any() else None
    return len(scores), int(at_risk_rows.sum()), average


def stat_cards(
    current: pd.DataFrame,
    previous: pd.DataFrame | None,
    *,
    open_now: int,
    open_before: int | None,
    since: str,
) -> list[StatCard]:
    """The four Overview cards from two days of scores and two counts of open interventions.

    ``current`` and ``previous``: one row per client scored that day, with
    ``score`` (integer) and ``risk_level``; ``previous`` None when there is no
    score day to compare with. ``since`` names the reference day ("19 Nov").
    """
    clients, at_risk, average = _book_facts(current)
    clients_before, at_risk_before, average_before = _book_facts(previous)
    share = f"{at_risk / clients:.0%} of active clients" if clients else "no clients scored"
    specs = [
        ("active", "Active clients", clients, clients_before, "higher", 0,
         "Clients being scored: active, from their first day until they churn or complete."),
        ("at_risk", "At risk", at_risk, at_risk_before, "lower", 0,
         f"High or critical risk (score below {RiskLevel.MEDIUM.band[0]}); {share}."),
        ("average", "Average score", average, average_before, "higher", 1,
         "Mean of the clients' integer health scores (0–100)."),
        ("interventions", "Active interventions", open_now, open_before, "neither", 0,
         "Interventions pending or in progress."),
    ]  # fmt: skip
    cards = []
    for key, label, value, before, better, digits, help_text in specs:
        text, tone, arrow = _delta(value, before, better=better, digits=digits, since=since)
        cards.append(
            StatCard(
                key=key,
                label=label,
                value_text=number_text(value, digits),
                delta_text=text,
                tone=tone,
                arrow=arrow,
                help=help_text,
            )
        )
    return cards


def open_at(interventions: pd.DataFrame, at: pd.Timestamp) -> int:
    """How many interventions were open (created, not yet completed or cancelled) at ``at``."""
    if interventions.empty:
        return 0
    created = pd.to_datetime(interventions["created_at"], utc=True)
    closed = pd.to_datetime(interventions["completed_at"], utc=True).fillna(
        pd.to_datetime(interventions["cancelled_at"], utc=True)
    )
    is_open = (created <= at) & (closed.isna() | (closed > at))
    return int(is_open.sum())


@dataclass(frozen=True)
class RecentScore:
    client_id: str
    name: str
    score: int
    risk_level: RiskLevel
    trend: Trend


def _most_recent_first(scores: pd.DataFrame) -> pd.DataFrame:
    """A day's scores, the most recently written first, then lowest score, then client id."""
    written = pd.to_datetime(scores["updated_at"], utc=True)
    return scores.assign(_updated=written).sort_values(
        ["_updated", SCORE_INT, CLIENT_ID], ascending=[False, True, True], kind="stable"
    )


def recent_scores(
    scores: pd.DataFrame, names: Mapping[str, str], *, limit: int = RECENT_LIMIT
) -> list[RecentScore]:
    """The ``limit`` most recently written scores of a day, lowest score first among equals."""
    if scores.empty:
        return []
    rows = []
    for row in _most_recent_first(scores).head(limit).itertuples(index=False):
        trend = getattr(row, TREND, None)
        rows.append(
            RecentScore(
                client_id=str(row.client_id),
                name=names.get(str(row.client_id), str(row.client_id)),
                score=int(row.score),
                risk_level=RiskLevel(row.risk_level),
                trend=Trend(trend)
                if isinstance(trend, str) and trend in Trend._value2member_map_
                else Trend.STABLE,
            )
        )
    return rows


def reference_day(days: pd.Series | list, day: dt.date) -> dt.date | None:
    """The latest of ``days`` that is 7 to 10 days before ``day`` (DESIGN 5's trend rule), or None."""
    candidates = [as_date(value) for value in days]
    window = [
        d for d in candidates
        if d is not None and TREND_LOOKBACK_MIN <= (day - d).days <= TREND_LOOKBACK_MAX
    ]  # fmt: skip
    return max(window) if window else None


@dataclass(frozen=True)
class OverviewModel:
    day: dt.date | None
    reference: dt.date | None
    cards: list[StatCard]
    recent: list[RecentScore]
    # Clients per integer score of ``day`` (``score``, ``clients``): fed to the figure builders.
    scores: pd.DataFrame
    risk_counts: dict[str, int]


def overview_model(session: Session, *, now: pd.Timestamp, zone: ZoneInfo) -> OverviewModel:
    """Everything the Overview tab shows, as of the latest score day.

    Reads aggregates only: the daily score summary of ``day`` and of the days 7
    to 10 before it, the clients per integer score of ``day``, its few most
    recently written scores and two counts of open interventions.
    """
    analytics_repo.without_jit(session)
    day = scores_repo.latest_score_day(session)
    before = now - pd.Timedelta(days=COMPARISON_DAYS)
    open_now, open_before = analytics_repo.interventions_open_at(
        session, [now.to_pydatetime(), before.to_pydatetime()]
    )
    if day is None:
        empty = pd.DataFrame(
            {SCORE_INT: pd.Series([], dtype="int64"), SUMMARY_CLIENTS: pd.Series([], dtype="int64")}
        )
        cards = stat_cards(
            pd.DataFrame({SCORE_INT: pd.Series([], dtype="Int64"), RISK_LEVEL: pd.Series([], dtype=str)}),
            None, open_now=open_now, open_before=open_before,
            since=date_text(before.tz_convert(zone), year=False),
        )  # fmt: skip
        return OverviewModel(None, None, cards, [], empty, {level.value: 0 for level in RiskLevel})

    summary = summaries_repo.day_summaries(
        session, start=day - dt.timedelta(days=TREND_LOOKBACK_MAX), end=day
    )
    days = pd.to_datetime(summary[DAY]).dt.date
    current = summary[days == day]
    reference = reference_day(days[days < day].unique().tolist(), day)
    previous = summary[days == reference] if reference else None
    since = date_text(reference or day - dt.timedelta(days=COMPARISON_DAYS), year=False)
    cards = stat_cards(current, previous, open_now=open_now, open_before=open_before, since=since)

    latest = summaries_repo.latest_written_scores(session, day, limit=RECENT_LIMIT)
    names = (
        clients_repo.clients_frame(session, latest[CLIENT_ID].tolist())
        .set_index(CLIENT_ID)[clients_repo.NAME]
        .to_dict()
    )
    counts = current.groupby(RISK_LEVEL)[SUMMARY_CLIENTS].sum()
    return OverviewModel(
        day=day,
        reference=reference,
        cards=cards,
        recent=recent_scores(latest, names),
        scores=summaries_repo.score_counts_on(session, day),
        risk_counts={level.value: int(counts.get(level.value, 0)) for level in RiskLevel},
    )
