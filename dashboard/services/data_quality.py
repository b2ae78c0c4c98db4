"""Data quality: why a client is missing from today's scores or looks odd, worked out from the book.

The page (``dashboard.admin.data_quality``, admins and managers) answers five
questions, each with the clients concerned (the first ``SHOWN`` of each list,
by name, and how many there are in all):

1. **Active but not scored today** (the scoring day is today in UTC, as the
   daily job scores it), grouped by why. The first reason that holds is given:

   - the client's creation date lies after today;
   - no run has scored the whole book today yet: it has not run, it is going,
     or it failed (with its error);
   - the client was added after today's run started (the next run, or
     "Recalculate this client", scores it);
   - today's run found nothing the score could use: "still onboarding" for a
     client created in the last ``ONBOARDING_DAYS`` days, otherwise "nothing
     recorded yet" or "nothing recent enough".

2. **No events of a kind in ``STALE_DAYS`` days**, per kind, among active
   clients (a task counts when it was completed or falls due in that time).
3. **Coverage** of today's scores, in bands of 10%, and the clients with the
   lowest.
4. **Odd dates**: events dated after now, or before the client was created.
5. **The newest event of each kind** across the book.

Everything is computed from ``data.repositories.data_quality`` frames: pure
pandas here, no Dash or Flask.

At 100,000 clients reading the events takes seconds (``benchmarks/README.md``),
so the page does not read them while it opens: ``run_quality_check`` works the
model out in the background (``dashboard.services.jobs.start_quality_check``)
and stores it as JSON in ``quality_checks``, and the page draws the newest
check. A check is done again when the data changed since (``needs_check``: a
new import, scoring run or client edit, or another number of clients), when
it is older than ``FRESH_FOR``, on a new day, or on "Refresh".
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from dashboard.figures._base import percent, plural
from dashboard.formatting import age_text, date_text, first_line, local_time_text
from data.models import QualityCheck, RunStatus
from data.repositories.clients import NAME
from data.repositories.data_quality import (
    EARLY,
    FUTURE,
    NEWEST,
    RECENT,
    client_event_facts,
    fact_column,
)
from data.repositories.events import EVENT_KINDS
from data.repositories.quality_checks import data_stamp, save_check
from data.repositories.runs import runs_frame
from data.repositories.scores import score_history
from scoring.columns import CLIENT_ID, COVERAGE, CREATED_AT, OVERALL, STATUS
from scoring.enums import ClientStatus
from scoring.health import round_half_up
from scoring.rules import ONBOARDING_DAYS

log = logging.getLogger(__name__)

FRESH_FOR = pd.Timedelta(minutes=15)
SHOWN = 20  # clients listed per list; the count says how many there are in all
LOWEST_SHOWN = 8
STALE_DAYS = 90
COVERAGE_BANDS = 10

# How one event of each kind is named in a sentence, singular and plural.
_EVENT_NAMES = {
    "logins": ("login", "logins"),
    "interactions": ("interaction", "interactions"),
    "tasks": ("completed task", "completed tasks"),
    "feedback": ("feedback response", "feedback responses"),
    "tickets": ("ticket", "tickets"),
}


def events_text(kind: str, count: int) -> str:
    """``1 login``, ``3 completed tasks``."""
    return plural(count, *_EVENT_NAMES[kind])


@dataclass(frozen=True)
class ClientItem:
    """One client of a list: who, and what the list says about them."""

    client_id: str
    name: str
    detail: str


@dataclass(frozen=True)
class ClientList:
    """A list of clients: how many in all, and the first ``SHOWN`` of them."""

    title: str
    total: int
    items: tuple[ClientItem, ...]

    @property
    def more(self) -> int:
        return self.total - len(self.items)


@dataclass(frozen=True)
class StaleKind:
    kind: str
    share: float  # of the active clients
    clients: ClientList


@dataclass(frozen=True)
class CoverageBand:
    label: str  # "0–9%", "90–100%"
    clients: int


@dataclass(frozen=True)
class NewestEvent:
    kind: str
    when: str  # "4 Dec 09:00, 2 h ago", or "none"
    stale: bool  # older than ``STALE_DAYS`` days, or none at all


@dataclass(frozen=True)
class QualityModel:
    day: dt.date
    active: int
    scored: int
    unscored: tuple[ClientList, ...]  # one list per reason, largest first
    stale: tuple[StaleKind, ...]  # one per kind of event
    bands: tuple[CoverageBand, ...]
    median_coverage: float | None
    lowest: ClientList
    odd_dates: ClientList
    newest: tuple[NewestEvent, ...]

    @property
    def unscored_count(self) -> int:
        return sum(group.total for group in self.unscored)


Detail = Callable[[dict[str, Any]], str]  # a shown client's row -> its detail line


def _client_list(title: str, frame: pd.DataFrame, detail: Detail, shown: int = SHOWN) -> ClientList:
    """``frame``'s clients (already in the order to show): the first ``shown`` with their detail."""
    rows = frame.head(shown).to_dict("records")
    return ClientList(
        title,
        len(frame),
        tuple(ClientItem(str(row[CLIENT_ID]), str(row[NAME]), detail(row)) for row in rows),
    )


def _sorted(
    frame: pd.DataFrame, by: list[str] | None = None, ascending: list[bool] | None = None
) -> pd.DataFrame:
    """``frame`` ordered by ``by`` then by name (ignoring case) and id."""
    keyed = frame.assign(_name=frame[NAME].str.casefold())
    order = [*(by or []), "_name", CLIENT_ID]
    return keyed.sort_values(
        order, ascending=[*(ascending or [True] * len(by or [])), True, True]
    ).drop(columns="_name")


def _todays_run(
    runs: pd.DataFrame, zone: ZoneInfo, now: pd.Timestamp
) -> tuple[pd.Timestamp | None, str | None]:
    """When today's latest run of the whole book that succeeded started; else why nobody is scored."""
    full = runs[runs["all_clients"].astype(bool)]
    succeeded = full[full["status"] == RunStatus.SUCCEEDED.value]
    if not succeeded.empty:
        return succeeded["started_at"].iloc[0], None
    if full.empty:
        return None, (
            "No scoring run for today yet: the daily run, csd score or Recalculate now on "
            "System status scores them."
        )
    latest = full.iloc[0]
    started = local_time_text(latest["started_at"], zone, now=now)
    if latest["status"] == RunStatus.RUNNING.value:
        return None, f"Today's scoring run is going (started {started})."
    error = first_line(latest["error"], 160) if isinstance(latest["error"], str) else ""
    return None, f"Today's scoring run of {started} {latest['status']}" + (
        f": {error}" if error else "."
    )


def _unscored(
    active: pd.DataFrame,
    scored: pd.Index,
    runs: pd.DataFrame,
    *,
    day: dt.date,
    zone: ZoneInfo,
    now: pd.Timestamp,
) -> tuple[ClientList, ...]:
    missing = _sorted(active[~active[CLIENT_ID].isin(scored)])
    created = missing[CREATED_AT]
    created_day = created.dt.tz_convert("UTC").dt.tz_localize(None).dt.normalize()
    newest_columns = [fact_column(kind, NEWEST) for kind in EVENT_KINDS]
    missing = missing.assign(
        _newest=missing[newest_columns].max(axis=1),
        _age=(pd.Timestamp(day) - created_day).dt.days,
    )

    def created_text(row: dict[str, Any]) -> str:
        return f"Created {local_time_text(row[CREATED_AT], zone, now=now)}"

    def onboarding_text(row: dict[str, Any]) -> str:
        found = "nothing recorded yet" if pd.isna(row["_newest"]) else "nothing the score reads yet"
        return f"Day {int(row['_age']) + 1} of {ONBOARDING_DAYS}, {found}"

    def newest_text(row: dict[str, Any]) -> str:
        return f"Newest event {date_text(row['_newest'])}"

    groups: list[tuple[str, pd.Series, Detail]] = []  # reason, which clients, their detail
    left = pd.Series(True, index=missing.index)

    def take(reason: str, which: pd.Series, detail: Detail) -> None:
        nonlocal left
        groups.append((reason, left & which, detail))
        left = left & ~which

    take("Created with a date after today", missing["_age"] < 0, created_text)
    run_started, run_reason = _todays_run(runs, zone, now)
    if run_reason is not None:
        take(run_reason, left, created_text)
    else:
        take(
            f"Added after today's run of {local_time_text(run_started, zone, now=now)}: the next "
            "run or Recalculate this client scores them.",
            created > run_started,
            created_text,
        )
    take(
        "Still onboarding: nothing the score can use has been recorded yet.",
        missing["_age"] < ONBOARDING_DAYS,
        onboarding_text,
    )
    nothing = missing["_newest"].isna()
    take("Nothing recorded yet.", nothing, created_text)
    take("Nothing recent enough for the score to use.", ~nothing, newest_text)
    lists = [
        _client_list(reason, missing[which], detail)
        for reason, which, detail in groups
        if which.any()
    ]
    return tuple(sorted(lists, key=lambda group: -group.total))


def _stale(active: pd.DataFrame) -> tuple[StaleKind, ...]:
    out = []
    for kind in EVENT_KINDS:
        newest = fact_column(kind, NEWEST)

        def detail(row: dict[str, Any], newest: str = newest) -> str:
            return f"Newest {date_text(row[newest])}" if pd.notna(row[newest]) else "None ever"

        stale = _sorted(active[~active[fact_column(kind, RECENT)]])
        out.append(
            StaleKind(
                kind,
                len(stale) / len(active) if len(active) else 0.0,
                _client_list(f"No {_EVENT_NAMES[kind][1]} in {STALE_DAYS} days", stale, detail),
            )
        )
    return tuple(out)


def coverage_bands(coverage: pd.Series) -> tuple[CoverageBand, ...]:
    """How many scores fall in each band of 10%: 0–9%, 10–19%, ..., 90–100% (100% in the last)."""
    tenths = np.floor(coverage.dropna().to_numpy(dtype=float) * 1000 + 0.5)  # in 0.1% steps
    band = np.minimum((tenths // 100).astype(int), COVERAGE_BANDS - 1)
    counts = np.bincount(band, minlength=COVERAGE_BANDS)
    return tuple(
        CoverageBand(f"{10 * i}–{10 * i + 9}%" if i < COVERAGE_BANDS - 1 else "90–100%", int(n))
        for i, n in enumerate(counts)
    )


def _lowest(facts: pd.DataFrame, scores: pd.DataFrame) -> ClientList:
    scored = scores.dropna(subset=[COVERAGE]).merge(facts[[CLIENT_ID, NAME]], on=CLIENT_ID)

    def detail(row: dict[str, Any]) -> str:
        return f"Coverage {percent(row[COVERAGE])} · score {round_half_up(row[OVERALL]):.0f}"

    return _client_list(
        "Lowest coverage today", _sorted(scored, [COVERAGE]).head(LOWEST_SHOWN), detail
    )


def _odd_dates(facts: pd.DataFrame) -> ClientList:
    future = [fact_column(kind, FUTURE) for kind in EVENT_KINDS]
    early = [fact_column(kind, EARLY) for kind in EVENT_KINDS]
    total = facts[future].sum(axis=1) + facts[early].sum(axis=1)
    odd = _sorted(facts.assign(_total=total)[total > 0], ["_total"], [False])

    def detail(row: dict[str, Any]) -> str:
        parts = [
            f"{events_text(kind, row[fact_column(kind, FUTURE)])} dated after now"
            for kind in EVENT_KINDS
            if row[fact_column(kind, FUTURE)]
        ]
        before = [
            events_text(kind, row[fact_column(kind, EARLY)])
            for kind in EVENT_KINDS
            if row[fact_column(kind, EARLY)]
        ]
        if before:
            parts.append(
                f"{', '.join(before)} before the client was created ({date_text(row[CREATED_AT])})"
            )
        return " · ".join(parts)

    return _client_list("Events dated after now or before the client was created", odd, detail)


def _newest(facts: pd.DataFrame, zone: ZoneInfo, now: pd.Timestamp) -> tuple[NewestEvent, ...]:
    out = []
    for kind in EVENT_KINDS:
        newest = facts[fact_column(kind, NEWEST)].max()
        if pd.isna(newest):
            out.append(NewestEvent(kind, "none", True))
            continue
        out.append(
            NewestEvent(
                kind,
                f"{local_time_text(newest, zone, now=now)}, {age_text(newest, now)} ago",
                now - newest > pd.Timedelta(days=STALE_DAYS),
            )
        )
    return tuple(out)


def quality_model(
    facts: pd.DataFrame,
    scores: pd.DataFrame,
    runs: pd.DataFrame,
    *,
    zone: ZoneInfo,
    now: pd.Timestamp,
) -> QualityModel:
    """The page's model from ``client_event_facts``, today's scores and today's runs (newest first)."""
    day = now.tz_convert("UTC").date()
    active = facts[facts[STATUS].astype(str) == ClientStatus.ACTIVE.value]
    scored_ids = pd.Index(scores[CLIENT_ID])
    coverage = scores[COVERAGE].dropna()
    return QualityModel(
        day=day,
        active=len(active),
        scored=int(active[CLIENT_ID].isin(scored_ids).sum()),
        unscored=_unscored(active, scored_ids, runs, day=day, zone=zone, now=now),
        stale=_stale(active),
        bands=coverage_bands(coverage),
        median_coverage=float(coverage.median()) if len(coverage) else None,
        lowest=_lowest(facts, scores),
        odd_dates=_odd_dates(facts),
        newest=_newest(facts, zone, now),
    )


def read_quality_model(session: Session, *, zone: ZoneInfo, now: pd.Timestamp) -> QualityModel:
    """Read the book and build the page's model for today (UTC)."""
    day = now.tz_convert("UTC").date()
    at = now.to_pydatetime()
    facts = client_event_facts(session, now=at, since=at - dt.timedelta(days=STALE_DAYS))
    return quality_model(
        facts,
        score_history(session, start=day, end=day, columns=[OVERALL, COVERAGE]),
        runs_frame(session, limit=None, as_of=day),
        zone=zone,
        now=now,
    )


def model_json(model: QualityModel) -> str:
    """The model as JSON, as a check stores it."""
    return json.dumps(dataclasses.asdict(model), default=str)


def _list_from(data: dict[str, Any]) -> ClientList:
    return ClientList(
        data["title"], data["total"], tuple(ClientItem(**item) for item in data["items"])
    )


def model_from_json(text: str) -> QualityModel:
    """The model a check stored (``model_json``)."""
    data = json.loads(text)
    return QualityModel(
        day=dt.date.fromisoformat(data["day"]),
        active=data["active"],
        scored=data["scored"],
        unscored=tuple(_list_from(group) for group in data["unscored"]),
        stale=tuple(
            StaleKind(item["kind"], item["share"], _list_from(item["clients"]))
            for item in data["stale"]
        ),
        bands=tuple(CoverageBand(**band) for band in data["bands"]),
        median_coverage=data["median_coverage"],
        lowest=_list_from(data["lowest"]),
        odd_dates=_list_from(data["odd_dates"]),
        newest=tuple(NewestEvent(**item) for item in data["newest"]),
    )


def needs_check(check: QualityCheck | None, stamp: str, now: pd.Timestamp) -> bool:
    """Whether the newest check no longer tells the truth: none yet, other data, too old, another day."""
    if check is None:
        return True
    started = pd.Timestamp(check.started_at)  # stored times come back in UTC
    return (
        check.stamp != stamp
        or now - started > FRESH_FOR
        or started.date() != now.tz_convert("UTC").date()
    )


def run_quality_check(sessions: Callable[[], Session], *, zone: ZoneInfo) -> QualityCheck:
    """Work the model out from the book as it is now and store it (or why it could not be)."""
    started = pd.Timestamp.now(tz="UTC")
    result = error = None
    with sessions() as session:
        stamp = data_stamp(session)
        try:
            result = model_json(read_quality_model(session, zone=zone, now=started))
        except Exception as exc:  # noqa: BLE001 - stored for the page, which says the check failed
            log.exception("data quality check failed")
            error = first_line(exc, 500)
        session.rollback()
    with sessions() as session, session.begin():
        check = save_check(
            session,
            started_at=started.to_pydatetime(),
            finished_at=pd.Timestamp.now(tz="UTC").to_pydatetime(),
            stamp=stamp,
            result=result,
            error=error,
        )
        session.expunge(check)
    return check
