"""View models: what each screen shows, worked out from the repositories and ``scoring``.

Callbacks stay thin: they parse the URL (``dashboard.view_state``), call one
function here inside a read-only session, and hand the result to components
and figure builders. The functions come in two kinds:

- pure ones on DataFrames (``stat_cards``, ``open_at``, ``segment_cards``,
  ``grid_rows``, ``change_explanation`` ...), unit-tested on tiny hand-made
  frames;
- ``*_model(session, ...)`` ones that read what they need through
  ``data.repositories`` and call the pure ones.

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
- The wedding proximity alert is raised for a client at high or critical risk
  whose wedding is 0 to 30 days after the score day.
- "Why the score changed" compares day D with the latest stored score on or
  before D - 7 (or D - 30); a client scored for less long is compared with its
  first score. It uses the stored one-decimal scores, so the component bars
  add up exactly to the change (``scoring.explain.contributions``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard import settings
from dashboard.formatting import date_text, days_ago_text, local_time_text, number_text
from data.models import InterventionNote, RunStatus, User
from data.repositories import analytics as analytics_repo
from data.repositories import clients as clients_repo
from data.repositories import interventions as interventions_repo
from data.repositories import runs as runs_repo
from data.repositories import scores as scores_repo
from data.repositories import summaries as summaries_repo
from data.repositories import users as users_repo
from data.repositories.summaries import CLIENTS as SUMMARY_CLIENTS
from data.repositories.summaries import SCORE_SUM, SCORED
from scoring.columns import (
    CLIENT_ID,
    DAY,
    F_DAYS_SINCE_ACTIVITY,
    F_INTERACTIONS_7D,
    OVERALL,
    PRIMARY_FACTOR,
    RISK_LEVEL,
    SCORE_INT,
    TREND,
    WEDDING_DATE,
)
from scoring.enums import (
    AT_RISK_LEVELS,
    InterventionStatus,
    InterventionType,
    Priority,
    RiskLevel,
    Trend,
)
from scoring.explain import COMPONENT, LABEL, contributions
from scoring.model import (
    COMPONENT_BY_NAME,
    COMPONENT_COLUMNS,
    TREND_LOOKBACK_MAX,
    TREND_LOOKBACK_MIN,
)

from .view_state import ViewState

log = logging.getLogger(__name__)

COMPARISON_DAYS = TREND_LOOKBACK_MIN
PROXIMITY_DAYS = 30
RECENT_LIMIT = 8
HISTORY_DAYS = 180
PAGE_SIZE = 10

Tone = Literal["better", "worse", "neutral", "none"]


# -- time zone, formatting ----------------------------------------------------


def display_zone() -> ZoneInfo:
    """The zone times are shown in: ``CSD_TIMEZONE`` (``dashboard.settings``), default Europe/London."""
    return settings.current().timezone


def utc_now() -> pd.Timestamp:
    return pd.Timestamp.now(tz="UTC")


def as_date(value: object) -> dt.date | None:
    """A date from a date, timestamp or ISO string; None when missing."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return pd.Timestamp(value).date()


# -- the shell -----------------------------------------------------------------------


@dataclass(frozen=True)
class ShellStatus:
    """The navbar's facts: the last scoring run and the data version (the bell has its own)."""

    run_text: str
    run_detail: str
    run_failed: bool
    data_version: int | None


def shell_status(session: Session, *, zone: ZoneInfo, now: pd.Timestamp) -> ShellStatus:
    """What the navbar shows; ``data_version`` changes when a new scoring run succeeds."""
    success = runs_repo.last_successful_run(session)
    latest = runs_repo.latest_run(session)
    if success is not None and success.finished_at is not None:
        run_text = f"Scores updated {local_time_text(success.finished_at, zone, now=now)}"
        run_detail = (
            f"Scoring run for {date_text(success.as_of)}: {success.clients_scored:,} clients scored "
            f"({zone.key} time)"
        )
    else:
        run_text, run_detail = "No scoring run yet", "Run `csd score` to score the clients."
    failed = (
        latest is not None
        and latest.status == RunStatus.FAILED
        and (success is None or latest.started_at > success.started_at)
    )
    if failed:
        run_detail = f"The latest scoring run, started {local_time_text(latest.started_at, zone, now=now)}, failed."
    return ShellStatus(
        run_text=run_text,
        run_detail=run_detail,
        run_failed=failed,
        data_version=success.id if success is not None else None,
    )


# -- Overview ------------------------------------------------------------------------


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


# -- Risk Segments -------------------------------------------------------------------


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
    query = {
        "risk_level": list(state.risk) or None,
        "search": state.search or None,
        "wedding_from": state.wedding_from,
        "wedding_to": state.wedding_to,
        "activity": state.activity,
        "sort_by": state.sort,
        "sort_order": state.order,
        "limit": page_size,
        "day": day,
    }
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


# -- Client detail -------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeExplanation:
    """The change of a client's stored score between two days, component by component."""

    start_day: dt.date
    end_day: dt.date
    start_score: float
    end_score: float
    parts: (
        pd.DataFrame
    )  # one row per component: component, label, contribution ... (scoring.explain)

    @property
    def change(self) -> float:
        return round(self.end_score - self.start_score, 1)


def change_explanation(
    history: pd.DataFrame, *, end_day: dt.date, window: int
) -> ChangeExplanation | None:
    """Why the score moved from ``window`` days before ``end_day`` to ``end_day``.

    ``history``: one client's stored scores (``day``, ``overall`` and the
    component columns). The start is the latest score on or before
    ``end_day - window``, else the client's first score; None when there is no
    score on ``end_day`` or nothing earlier.
    """
    if history.empty:
        return None
    frame = history.assign(_day=[as_date(value) for value in history[DAY]]).sort_values("_day")
    end_rows = frame[frame["_day"] == end_day]
    earlier = frame[frame["_day"] < end_day]
    if end_rows.empty or earlier.empty:
        return None
    cutoff = end_day - dt.timedelta(days=window)
    on_or_before = earlier[earlier["_day"] <= cutoff]
    start_row = on_or_before.iloc[-1] if len(on_or_before) else earlier.iloc[0]
    end_row = end_rows.iloc[-1]
    # The two days' scores, under one name: contributions() pairs the rows by it.
    numbers = [OVERALL, *COMPONENT_COLUMNS]
    start_values = pd.to_numeric(start_row[numbers], errors="coerce").rename(CLIENT_ID)
    end_values = pd.to_numeric(end_row[numbers], errors="coerce").rename(CLIENT_ID)
    parts = contributions(start_values, end_values).reset_index()
    parts[LABEL] = [COMPONENT_BY_NAME[name].label for name in parts[COMPONENT]]
    return ChangeExplanation(
        start_day=start_row["_day"],
        end_day=end_day,
        start_score=float(start_row[OVERALL]),
        end_score=float(end_row[OVERALL]),
        parts=parts,
    )


@dataclass(frozen=True)
class ClientDetail:
    client: dict
    owner_name: str | None
    day: dt.date | None
    latest: pd.Series | None  # the stored score row of ``day``
    history: pd.DataFrame  # day, score (integer) and overall over the last HISTORY_DAYS
    change: ChangeExplanation | None
    interventions: pd.DataFrame
    notes: pd.DataFrame


def intervention_notes(session: Session, intervention_ids: list[int]) -> pd.DataFrame:
    """The notes of the given interventions, oldest first: intervention_id, author_name, body, created_at."""
    columns = ["intervention_id", "author_name", "body", "created_at"]
    if not intervention_ids:
        return pd.DataFrame(columns=columns)
    stmt = (
        select(
            InterventionNote.intervention_id,
            User.name.label("author_name"),
            InterventionNote.body,
            InterventionNote.created_at,
        )
        .outerjoin(User, User.id == InterventionNote.author_id)
        .where(InterventionNote.intervention_id.in_(intervention_ids))
        .order_by(InterventionNote.created_at, InterventionNote.id)
    )
    return pd.DataFrame(session.execute(stmt).all(), columns=columns)


def client_detail_model(
    session: Session, client_id: str, *, window: int, now: pd.Timestamp
) -> ClientDetail | None:
    """Everything the client detail shows, or None for an unknown client."""
    found = clients_repo.clients_frame(session, [client_id])
    if found.empty:
        return None
    client = found.iloc[0].to_dict()
    owner_name = None
    if client.get("owner_id") is not None and not pd.isna(client.get("owner_id")):
        team = users_repo.team_frame(session, include_inactive=True)
        match = team.loc[team["id"] == int(client["owner_id"]), "name"]
        owner_name = str(match.iloc[0]) if len(match) else None

    day = scores_repo.latest_score_day(session)
    history = pd.DataFrame()
    latest = None
    change = None
    if day is not None:
        history = scores_repo.score_history(
            session, start=day - dt.timedelta(days=HISTORY_DAYS), end=day, client_ids=[client_id]
        )
        if not history.empty:
            history = history.assign(**{SCORE_INT: np.floor(history[OVERALL] + 0.5)})
            last_day = as_date(history[DAY].iloc[-1])
            latest = history.iloc[-1]
            day = last_day
            change = change_explanation(history, end_day=last_day, window=window)
    interventions, _ = interventions_repo.intervention_queue(
        session, client_id=client_id, now=now, limit=100
    )
    interventions = interventions.sort_values(
        "created_at", ascending=False, kind="stable"
    ).reset_index(drop=True)
    notes = intervention_notes(session, [int(value) for value in interventions["id"]])
    return ClientDetail(client, owner_name, day, latest, history, change, interventions, notes)


def intervention_labels(row: Mapping) -> dict[str, str]:
    """Display labels of an intervention row's type, priority and status."""

    def label(enum, value) -> str:
        try:
            return enum(value).label
        except ValueError:
            return str(value)

    return {
        "type": label(InterventionType, row.get("type")),
        "priority": label(Priority, row.get("priority")),
        "status": label(InterventionStatus, row.get("status")),
    }
