"""Seed the demo: a book of clients, their events, and the history the real job would have made.

The events come from :mod:`data.demo_book`. Their scores for every day of the
history are computed by the engine (``scoring.history``, see
:mod:`data.demo_history`), and each day is then replayed through
:func:`scoring.daily.daily_outcome`, the same decision the daily job makes:
trends, primary risk factors, alerts and automatic interventions. The team
works those interventions at each member's own pace, so some are done, some
are in progress and some are overdue today. Turnaround clients recover a few
days after their first automatic intervention: the book is drawn a second time
with that recovery, which leaves every earlier event and every other client
unchanged, and the history is replayed again.

Decisions (so that 100,000 clients x 180 days seed in minutes, with the same
book and decisions as ever for a given seed):

- The replay hands each day's decision only what it reads: the day's scores
  (client, integer score, risk level, components), of the ten days before
  the rows it looks at (see ``demo_history.ScoreStore.decision_window``),
  the clients by code, the interventions that are open or closed in the last
  seven days (the rules take the open ones and the automatic ones closed in
  the last seven days, and nothing else) and the alerts of the last seven
  days. Clients are numbered by the rank of their id, so every order the
  rules take (by client id) is the same.
- The second drawing of the book changes the events of recovering clients
  only, so only they are scored again.
- Writing: scores in chunks of days, interventions, notes and alerts through
  :mod:`data.repositories.bulk`; events through the events repository; the
  daily score summary refreshed once for the whole range.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session
from threadpoolctl import threadpool_limits

from scoring import columns as col
from scoring.daily import daily_outcome
from scoring.enums import InterventionStatus, InterventionType, Outcome, Priority, Source
from scoring.model import COMPONENT_BY_NAME
from scoring.rules import default_due

from .demo_book import NOW_HOUR, TEAM, BookPlan, DemoBook
from .demo_history import ScoreStore, score_store
from .models import (
    Alert,
    Client,
    HealthScore,
    Intervention,
    InterventionNote,
    RunStatus,
    ScoringRun,
)
from .progress import Progress
from .repositories.bulk import insert_frame, refresh_statistics
from .repositories.clients import WRITABLE_COLUMNS, upsert_clients
from .repositories.comparisons import VECTOR_COLUMNS
from .repositories.events import insert_events
from .repositories.scores import STORED_SCORE_COLUMNS
from .repositories.summaries import refresh_score_summaries
from .repositories.users import create_user, generate_password, user_by_email

RUN_HOUR = 7  # the daily job runs at 07:00 UTC in the replay
OUTCOME_ODDS = {  # persona -> chance an intervention resolves the issue
    "champion": 0.9, "steady": 0.85, "drifting": 0.55, "overwhelmed": 0.7,
    "unhappy": 0.4, "ghosting": 0.0, "turnaround": 1.0,
}
MANUAL_PER_DAY = 1.2  # manual interventions the team opens a day, on average
WARM_UP_DAYS = 10  # scored before the first replayed day: the decisions look back 10 days
WRITE_ROWS = 200_000  # score rows per bulk write (bounds the memory of one write)
SQLITE_CACHE_KIB = 1_048_576  # SQLite page cache while writing: 1 GiB (see _page_cache)


@dataclass
class DemoHistory:
    """Everything the replay produced, ready to be written."""

    book: DemoBook
    store: ScoreStore  # scores from WARM_UP_DAYS days before the first replayed day
    interventions: pd.DataFrame
    notes: pd.DataFrame
    alerts: pd.DataFrame
    runs: pd.DataFrame
    recovery: dict[int, int] = field(default_factory=dict)

    @property
    def replayed_rows(self) -> slice:
        """Rows of the store on the replayed days (the history that is kept)."""
        return self.store.days_slice(WARM_UP_DAYS, self.store.n_days)

    @cached_property
    def scores(self) -> pd.DataFrame:
        """Every kept score row as one frame (for small books: the seed writes from the store)."""
        return self.store.frame(self.replayed_rows)


def build_demo(
    n_clients: int,
    days: int,
    seed: int,
    today: dt.date,
    team_ids: list[int],
    progress: Progress | None = None,
) -> DemoHistory:
    """The demo book and ``days`` days of replayed history ending ``today``.

    ``team_ids`` are the user ids of the demo team, in the order of ``demo_book.TEAM``.
    """
    progress = progress or Progress()
    # The engine's matrix products are tiny (rows x 12 x 3): BLAS threads only add overhead.
    with threadpool_limits(limits=1, user_api="blas"):
        return _build(n_clients, days, seed, today, team_ids, progress)


def _build(
    n_clients: int, days: int, seed: int, today: dt.date, team_ids: list[int], progress: Progress
) -> DemoHistory:
    progress.stage("Generating the book", 2)
    plan = BookPlan(n_clients, today, seed)
    progress.advance()
    book = plan.book()
    del plan  # its draws are made again, the same, for the final drawing
    progress.advance()
    ranks = _Ranks(book.clients["client_id"].to_numpy())
    start = today - dt.timedelta(days=days - 1)
    warm_up = start - dt.timedelta(days=WARM_UP_DAYS)
    progress.stage("Scoring every day", n_clients)
    began = time.perf_counter()
    store = score_store(
        book.clients, book.events, book.positions, ranks.code, ranks.ids, warm_up, today,
        advance=progress.advance,
    )
    scoring_seconds_per_day = (time.perf_counter() - began) / (days + WARM_UP_DAYS)
    clients = book.clients
    del book  # scored: its events are no longer needed
    progress.stage("Replaying the days", days)
    replay = _replay(clients, store, ranks, today, days, seed, team_ids, scoring_seconds_per_day, progress)
    recovery = _recovery_days(clients, replay[0], today, seed)
    progress.stage("Drawing the book again", 1)
    book = BookPlan(n_clients, today, seed).book(recovery)
    progress.advance()
    if recovery:
        recovering = np.fromiter(recovery, dtype=np.int64)
        progress.stage("Scoring recovering clients", len(recovering))
        store.replace_clients(
            score_store(
                book.clients, book.events, book.positions, ranks.code, ranks.ids, warm_up, today,
                only=recovering, advance=progress.advance,
            )
        )
        progress.stage("Replaying the days again", days)
        replay = _replay(clients, store, ranks, today, days, seed, team_ids, scoring_seconds_per_day, progress)
    return DemoHistory(book, store, *replay, recovery=recovery)


class _Ranks:
    """Clients numbered by the rank of their id: ``code`` by book position, ``ids`` by code."""

    def __init__(self, client_ids: np.ndarray) -> None:
        order = np.argsort(client_ids.astype(str), kind="stable")
        self.ids = client_ids[order].astype(object)
        self.position = order  # book position of each code
        self.code = np.empty(len(order), dtype=np.int64)
        self.code[order] = np.arange(len(order))


def _recovery_days(clients: pd.DataFrame, interventions: pd.DataFrame, today: dt.date, seed: int) -> dict[int, int]:
    """Turnaround clients recover 2-6 days after their first automatic intervention.

    Maps the client's position in the book to that day (relative to ``today``); one
    draw per such client, in order of client id.
    """
    rng = np.random.default_rng(seed + 1)
    auto = interventions[interventions["source"] == Source.AUTO.value]
    first = pd.to_datetime(auto["created_at"], utc=True).groupby(auto["client_id"]).min()
    position = pd.Series(np.arange(len(clients)), index=clients["client_id"]).reindex(first.index).to_numpy()
    turnaround = clients["persona"].to_numpy()[position] == "turnaround"
    days = (first[turnaround] - pd.Timestamp(today, tz="UTC")).dt.days.to_numpy()
    days = days + rng.integers(2, 7, len(days))
    return dict(zip(position[turnaround].tolist(), days.tolist(), strict=True))


def _team_frame(team_ids: list[int]) -> pd.DataFrame:
    team = pd.DataFrame(TEAM, columns=["email", "name", "role", "speed"])
    team["id"] = team_ids
    team["active"] = True
    return team


_INTERVENTION_COLUMNS = [
    "client_id", "type", "priority", "due_at", "assigned_to", "title", "description",
    "score_at_creation", "source", "created_by", "created_at", "planned_start",
    "planned_finish", "planned_outcome", "cancels", "closes_at",
]
_ALERT_COLUMNS = ["client_id", "kind", "message", "created_at", "day", "assignee"]


def _replay(
    book_clients: pd.DataFrame,
    store: ScoreStore,
    ranks: _Ranks,
    today: dt.date,
    days: int,
    seed: int,
    team_ids: list[int],
    scoring_seconds_per_day: float,
    progress: Progress,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Decide every day from the first replayed one to today, as the daily job would have.

    Returns the interventions, their notes, the alerts and the runs. Client ids are
    codes (see :class:`_Ranks`) throughout and turned back into ids at the end.
    """
    rng = np.random.default_rng(seed + 2)
    start = today - dt.timedelta(days=days - 1)
    clients = book_clients.copy()
    clients["owner_id"] = [team_ids[i - 1] if i else None for i in clients["owner_index"]]
    by_code = clients.iloc[ranks.position].set_index(pd.Index(np.arange(len(clients)), name=col.CLIENT_ID))
    people = by_code[[col.CREATED_AT, col.OWNER_ID]].assign(**{col.STATUS: "active"})
    owners = by_code[col.OWNER_ID]
    team = _team_frame(team_ids)
    speed = dict(zip(team["id"], team["speed"], strict=True))
    persona = by_code["persona"]
    churned_at = by_code["churned_at"]
    now = pd.Timestamp(today, tz="UTC") + pd.Timedelta(hours=NOW_HOUR)

    # Interventions that can still matter to a decision: open, or closed within the last 7 days.
    live = pd.DataFrame(columns=_INTERVENTION_COLUMNS)
    recent_alerts = pd.DataFrame(columns=_ALERT_COLUMNS)  # of the last 7 days
    created: list[pd.DataFrame] = []
    raised: list[pd.DataFrame] = []
    runs = []
    for offset in range(days):
        j = WARM_UP_DAYS + offset  # the day's position in the store
        rows = store.day_slice(j)
        progress.advance()
        if rows.start == rows.stop:
            continue
        day = start + dt.timedelta(days=offset)
        run_at = pd.Timestamp(day, tz="UTC") + pd.Timedelta(hours=RUN_HOUR)
        today_rows = store.today_frame(rows)
        window = store.window_frame(store.decision_window(j))
        closes = live["closes_at"]
        live = live[closes.isna().to_numpy() | (closes > run_at - pd.Timedelta(days=7)).to_numpy(dtype=bool)]
        state = _state_at(live, run_at)
        recent_alerts = recent_alerts[(recent_alerts["created_at"] > run_at - pd.Timedelta(days=8)).to_numpy(dtype=bool)]
        began = time.perf_counter()
        outcome = daily_outcome(today_rows, window, people, state, recent_alerts, team, day, run_at)
        seconds = scoring_seconds_per_day + time.perf_counter() - began
        store.decide(rows, outcome.scores[col.TREND], outcome.scores[col.PRIMARY_FACTOR])
        new = outcome.interventions.assign(source=Source.AUTO.value, created_by=None)
        new = pd.concat([new, _manual(outcome.scores, state, owners, team, run_at, rng)], ignore_index=True)
        if len(new):
            new = _lifecycle(new.assign(created_at=run_at), persona, churned_at, speed, rng)
            live = new if live.empty else pd.concat([live, new], ignore_index=True)
            created.append(new)
        if len(outcome.alerts):
            raised.append(outcome.alerts.assign(created_at=run_at, day=day))
            recent_alerts = (
                raised[-1] if recent_alerts.empty else pd.concat([recent_alerts, raised[-1]], ignore_index=True)
            )
        runs.append({"as_of": day, "started_at": run_at, "clients_scored": rows.stop - rows.start,
                     "interventions_created": len(new), "alerts_created": len(outcome.alerts),
                     "seconds": seconds})
    interventions = _as_of(pd.concat(created or [pd.DataFrame(columns=_INTERVENTION_COLUMNS)], ignore_index=True), now)
    interventions["client_id"] = ranks.ids[interventions["client_id"].to_numpy(dtype=np.int64)]
    first_names = pd.Series(clients["partner_names"].str.split(" ").str[0].to_numpy(), index=clients["client_id"])
    notes = _notes(interventions, first_names, rng)
    alerts = pd.concat(raised or [pd.DataFrame(columns=_ALERT_COLUMNS)], ignore_index=True)[_ALERT_COLUMNS]
    alerts["client_id"] = ranks.ids[alerts["client_id"].to_numpy(dtype=np.int64)]
    alerts = alerts[alerts["created_at"] <= now].reset_index(drop=True)
    # The team has worked through everything but the last two days' alerts, and some of those.
    old = (alerts["created_at"] < now - pd.Timedelta(days=2)).to_numpy()
    read = old | (rng.random(len(alerts)) < 0.4)
    alerts["read_at"] = (alerts["created_at"] + pd.Timedelta(hours=3)).where(read)
    return interventions, notes, alerts, pd.DataFrame(runs)


def _state_at(interventions: pd.DataFrame, when: pd.Timestamp) -> pd.DataFrame:
    """Interventions as they stood at ``when`` (open until their planned close time)."""
    frame = interventions.copy()
    closed = frame["closes_at"].notna() & (frame["closes_at"] <= when)
    cancelled = closed & frame["cancels"].astype(bool)
    frame["status"] = np.select(
        [cancelled, closed], [InterventionStatus.CANCELLED.value, InterventionStatus.COMPLETED.value],
        default=InterventionStatus.PENDING.value,
    )
    frame["completed_at"] = frame["closes_at"].where(closed & ~cancelled)
    frame["cancelled_at"] = frame["closes_at"].where(cancelled)
    return frame


def _manual(scores: pd.DataFrame, state: pd.DataFrame, owner_of: pd.Series, team: pd.DataFrame,
            run_at: pd.Timestamp, rng: np.random.Generator) -> pd.DataFrame:
    """Check-ins the team opens by hand for medium-risk clients whose score is slipping."""
    open_clients = set(state.loc[state["status"] == "pending", "client_id"])
    slipping = scores[(scores[col.RISK_LEVEL] == "medium") & (scores[col.TREND] == "declining")]
    slipping = slipping[~slipping["client_id"].isin(open_clients)]
    count = min(len(slipping), int(rng.poisson(MANUAL_PER_DAY)))
    if not count:
        return pd.DataFrame(columns=_INTERVENTION_COLUMNS)
    chosen = slipping.iloc[rng.choice(len(slipping), count, replace=False)]
    kinds = [
        InterventionType(k)
        for k in rng.choice(["email", "meeting", "account_review"], count, p=[0.5, 0.2, 0.3])
    ]
    priority = rng.choice([Priority.MEDIUM.value, Priority.LOW.value], count, p=[0.7, 0.3])
    owners = owner_of.reindex(chosen["client_id"]).to_numpy()
    workers = team.loc[team["role"] != "viewer", "id"].to_numpy()
    assignee = [int(o) if pd.notna(o) else int(rng.choice(workers)) for o in owners]
    titles = {
        InterventionType.EMAIL: "Check-in email: planning progress",
        InterventionType.MEETING: "Planning catch-up meeting",
        InterventionType.ACCOUNT_REVIEW: "Account review before the next milestone",
    }
    factor = chosen[col.PRIMARY_FACTOR].map(lambda f: COMPONENT_BY_NAME[f].label.lower() if f in COMPONENT_BY_NAME else "engagement")
    return pd.DataFrame(
        {
            "client_id": chosen["client_id"].to_numpy(),
            "type": [k.value for k in kinds],
            "priority": priority,
            "due_at": default_due(pd.Series(priority), run_at).to_numpy(),
            "assigned_to": assignee,
            "title": [titles[k] for k in kinds],
            "description": (
                "Score " + chosen[col.SCORE_INT].astype(int).astype(str) + " and declining; weakest area: "
                + factor + ". Reach out before it becomes a risk."
            ).to_numpy(),
            "score_at_creation": chosen[col.SCORE_INT].to_numpy(),
            "source": Source.MANUAL.value,
            "created_by": assignee,
        }
    )


START_NOTES = {
    "call": ("Called {first}; we talked through the next steps.", "Left a voicemail for {first}, will try again tomorrow."),
    "email": ("Sent a check-in email to {first} with the upcoming deadlines.",),
    "meeting": ("Booked a video call with {couple}.",),
    "account_review": ("Reviewed tasks, payments and messages for {couple}.",),
}
OUTCOME_NOTES = {
    Outcome.RESOLVED: ("{first} is back on track: agreed a plan for the overdue items.",
                       "Concerns addressed; {first} was relieved to hear from us.",
                       "Sorted the open questions together; next milestone confirmed."),
    Outcome.UNRESOLVED: ("{first} is still unhappy with the timeline; escalate to the lead planner.",
                         "Spoke at length but the issues are not settled yet."),
    Outcome.NO_RESPONSE: ("No answer after three attempts (phone and email).",
                          "Still no reply from {first}; closing and flagging to the owner."),
}


def _lifecycle(new: pd.DataFrame, persona: pd.Series, churned_at: pd.Series, speed: dict,
               rng: np.random.Generator) -> pd.DataFrame:
    """When the assignee starts and finishes each new intervention, and how it ends.

    Each member works at their own pace; the outcome depends on the client's
    persona. An intervention still open when the client churns is cancelled then.
    """
    n = len(new)
    pace = new["assigned_to"].map(speed).fillna(1.0).to_numpy(dtype=float)
    created = pd.to_datetime(new["created_at"], utc=True)
    started = (created + pd.to_timedelta(pace * np.exp(rng.normal(np.log(16), 0.8, n)), unit="h")).dt.floor("s")
    finished = (started + pd.to_timedelta(pace * np.exp(rng.normal(np.log(44), 0.9, n)), unit="h")).dt.floor("s")
    odds = new["client_id"].map(persona).map(OUTCOME_ODDS).to_numpy(dtype=float)
    outcome = np.where(
        odds == 0, Outcome.NO_RESPONSE.value,
        np.where(rng.random(n) < odds, Outcome.RESOLVED.value, Outcome.UNRESOLVED.value),
    )
    churn = pd.to_datetime(new["client_id"].map(churned_at), utc=True)
    cancels = (churn.notna() & (churn < finished)).to_numpy()
    return new.assign(
        planned_start=started,
        planned_finish=finished,
        planned_outcome=outcome,
        cancels=cancels,
        closes_at=finished.where(~cancels, churn),
    )


def _as_of(frame: pd.DataFrame, now: pd.Timestamp) -> pd.DataFrame:
    """The interventions' columns as they stand at ``now``."""
    frame = frame.reset_index(drop=True).copy()
    frame["id"] = np.arange(1, len(frame) + 1)
    closed = frame["closes_at"].notna() & (frame["closes_at"] <= now)
    cancelled = closed & frame["cancels"].astype(bool)
    done = closed & ~cancelled
    frame["started_at"] = frame["planned_start"].where((frame["planned_start"] <= now) & ~(cancelled & (frame["planned_start"] > frame["closes_at"])))
    frame["completed_at"] = frame["closes_at"].where(done)
    frame["cancelled_at"] = frame["closes_at"].where(cancelled)
    frame["status"] = np.select(
        [done, cancelled, frame["started_at"].notna()],
        [InterventionStatus.COMPLETED.value, InterventionStatus.CANCELLED.value, InterventionStatus.IN_PROGRESS.value],
        default=InterventionStatus.PENDING.value,
    )
    frame["outcome"] = frame["planned_outcome"].where(done)
    frame["client_responded"] = (frame["planned_outcome"] != Outcome.NO_RESPONSE.value).where(done)
    frame["due_date"] = pd.to_datetime(frame["due_at"], utc=True)
    frame["updated_at"] = pd.concat(
        [frame["created_at"], frame["started_at"], frame["completed_at"], frame["cancelled_at"]], axis=1
    ).max(axis=1)
    return frame


def _notes(frame: pd.DataFrame, first_names: pd.Series, rng: np.random.Generator) -> pd.DataFrame:
    """The notes the assignee wrote when starting and closing each intervention.

    Per intervention, in order: a note when it was started, then one when it was
    completed (its outcome) or cancelled. The wording is drawn from the options,
    one draw per note that has a choice, in that order.
    """
    started = frame["started_at"].notna().to_numpy()
    status = frame["status"].to_numpy(dtype=object)
    completed = status == InterventionStatus.COMPLETED.value
    cancelled = status == InterventionStatus.CANCELLED.value
    n = len(frame)
    start_options = frame["type"].astype(str).map(START_NOTES).to_numpy(dtype=object)
    outcome_options = frame["outcome"].map(lambda o: OUTCOME_NOTES[Outcome(o)], na_action="ignore").to_numpy(dtype=object)
    # Every note in order: intervention by intervention, the start note first.
    which = np.concatenate([np.flatnonzero(started), np.flatnonzero(completed | cancelled)])
    second = np.concatenate([np.zeros(started.sum(), bool), np.ones((completed | cancelled).sum(), bool)])
    order = np.lexsort((second, which))
    which, second = which[order], second[order]
    options = np.where(second, outcome_options[which], start_options[which])
    drawn = ~(second & cancelled[which])
    counts = np.array([len(o) for o in options[drawn]], dtype=np.int64)
    picks = np.zeros(len(which), dtype=np.int64)
    picks[drawn] = rng.integers(0, counts) if len(counts) else []
    template = np.array(
        [CANCEL_NOTE if not d else o[p] for o, p, d in zip(options, picks, drawn, strict=True)], dtype=object
    ) if n else np.empty(0, dtype=object)
    first = frame["client_id"].map(first_names).fillna("the couple").to_numpy(dtype=object)[which]
    parts = pd.Series(template, dtype=object).str.replace("{couple}", "the couple", regex=False).str.partition("{first}")
    body = parts[0] + np.where(parts[1] == "", "", first) + parts[2]
    ids = frame["id"].to_numpy()[which]
    author = frame["assigned_to"].to_numpy(dtype=object)[which]
    author = np.where(second & cancelled[which], None, author)
    when = np.where(
        second,
        frame["completed_at"].where(completed, frame["cancelled_at"]).to_numpy(dtype=object)[which],
        frame["started_at"].to_numpy(dtype=object)[which],
    )
    return pd.DataFrame(
        {
            "intervention_id": ids,
            "author_id": pd.array(author, dtype="Float64").astype(float) if len(ids) else np.empty(0),
            "body": body.to_numpy(dtype=object),
            "created_at": pd.to_datetime(pd.Series(when, dtype=object), utc=True),
        }
    )


CANCEL_NOTE = "Cancelled: the client ended their contract."


@dataclass(frozen=True)
class SeedSummary:
    clients: int
    score_rows: int
    interventions: int
    alerts: int
    risk_today: dict[str, int]
    interventions_by_status: dict[str, int]
    personas: dict[str, int]


def seed_demo(
    session: Session,
    *,
    clients: int,
    days: int,
    seed: int,
    today: dt.date,
    progress: Progress | None = None,
) -> SeedSummary:
    """Write the demo team, book and history into an empty database (the caller commits).

    Raises ``ValueError`` when the database already has clients: the demo never
    mixes with real data.
    """
    existing = session.scalar(select(func.count()).select_from(Client))
    if existing:
        raise ValueError(f"the database already has {existing} clients; seed the demo into an empty one")
    progress = progress or Progress()
    team_ids = _add_team(session)
    demo = build_demo(clients, days, seed, today, team_ids, progress)
    book = demo.book
    owner_ids = np.array([None, *team_ids[:5]], dtype=object)
    people = book.clients.assign(owner_id=owner_ids[book.clients["owner_index"].to_numpy()])
    kept = demo.replayed_rows
    events = book.events
    tables = (
        ("logins", events.logins),
        ("interactions", events.interactions.assign(channel=book.channels.to_numpy())),
        ("tasks", events.tasks.assign(title=book.titles.to_numpy())),
        ("feedback", events.feedback.assign(comment=book.comments.to_numpy())),
        ("tickets", events.tickets),
    )
    rows = (
        len(people) + sum(len(frame) for _, frame in tables) + (kept.stop - kept.start)
        + len(demo.interventions) + len(demo.alerts)
    )
    progress.stage("Writing", rows)  # counted in rows
    with _page_cache(session, SQLITE_CACHE_KIB):
        upsert_clients(session, people[[c for c in WRITABLE_COLUMNS if c in people.columns]])
        progress.advance(len(people))
        for kind, frame in tables:
            insert_events(session, kind, frame, on_written=progress.advance)
        score_rows = _add_scores(session, demo.store, kept, progress)
        _add_interventions(session, demo.interventions, demo.notes)
        progress.advance(len(demo.interventions))
        _add_alerts(session, demo.alerts)
        progress.advance(len(demo.alerts))
        _add_runs(session, demo.runs)
        progress.stage("Summarising the days", 1)
        # The summaries are worked out from the scores just written, held in memory.
        refresh_score_summaries(
            session,
            start=today - dt.timedelta(days=days - 1),
            end=today,
            day_rows=lambda day: demo.store.summary_rows(day, VECTOR_COLUMNS),
        )
        refresh_statistics(session)  # every table is new
        progress.advance()
    return SeedSummary(
        clients=len(people),
        score_rows=score_rows,
        interventions=len(demo.interventions),
        alerts=len(demo.alerts),
        risk_today=_risk_on_last_day(demo),
        interventions_by_status=demo.interventions["status"].value_counts().to_dict(),
        personas=people["persona"].value_counts().to_dict(),
    )


@contextmanager
def _page_cache(session: Session, kib: int) -> Iterator[None]:
    """On SQLite, a page cache of ``kib`` KiB for the connection while the block runs.

    The seed writes millions of rows in one transaction. Each day's scores land all
    over the (client, day) index; with SQLite's default 2 MiB cache those pages are
    evicted and written to the WAL again and again (the WAL grew past 7 GiB for
    100,000 clients). A cache that holds the index writes each page about once.
    """
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    before = session.execute(text("PRAGMA cache_size")).scalar()
    session.execute(text(f"PRAGMA cache_size = -{int(kib)}"))
    try:
        yield
    finally:
        session.execute(text(f"PRAGMA cache_size = {int(before)}"))


def _risk_on_last_day(demo: DemoHistory) -> dict[str, int]:
    """Clients per risk level on the last replayed day with scores."""
    store = demo.store
    for j in range(store.n_days - 1, WARM_UP_DAYS - 1, -1):
        rows = store.day_slice(j)
        if rows.stop > rows.start:
            return pd.Series(store.risk_levels(rows)).value_counts().to_dict()
    return {}


def _add_team(session: Session) -> list[int]:
    """The demo team, each with a random password nobody knows (see ``csd demo-admin``)."""
    ids = []
    for email, name, role, _ in TEAM:
        user = user_by_email(session, email) or create_user(
            session, email, name=name, role=role, password=generate_password()
        )
        ids.append(user.id)
    return ids


def _add_scores(session: Session, store: ScoreStore, rows: slice, progress: Progress) -> int:
    """The score rows ``rows`` of the store, ``WRITE_ROWS`` at a time, all with one ``updated_at``."""
    columns = [col.CLIENT_ID, col.DAY, *STORED_SCORE_COLUMNS, "updated_at"]
    written_at = pd.Timestamp.now(tz="UTC")
    written = 0
    for first in range(rows.start, rows.stop, WRITE_ROWS):
        part = slice(first, min(first + WRITE_ROWS, rows.stop))
        frame = store.frame(part, dates=False)
        frame["updated_at"] = written_at
        written += insert_frame(session, HealthScore.__table__, frame, columns=columns)
        progress.advance(part.stop - part.start)
    return written


def _add_interventions(session: Session, frame: pd.DataFrame, notes: pd.DataFrame) -> None:
    """The interventions, then their notes: for each, the run's note if automatic, then the team's."""
    if frame.empty:
        return
    rows = frame.assign(
        assigned_to=pd.array(frame["assigned_to"].to_numpy(dtype=object), dtype="Float64"),
        created_by=pd.array(frame["created_by"].to_numpy(dtype=object), dtype="Float64"),
        score_at_creation=pd.array(frame["score_at_creation"].to_numpy(dtype=object), dtype="Float64"),
        client_responded=pd.array(frame["client_responded"].to_numpy(dtype=object), dtype="boolean"),
        version=1,
    )
    columns = [
        "client_id", "type", "priority", "status", "title", "description", "assigned_to", "due_date",
        "source", "created_by", "created_at", "updated_at", "started_at", "completed_at",
        "cancelled_at", "outcome", "client_responded", "score_at_creation", "version",
    ]
    insert_frame(session, Intervention.__table__, rows, columns=columns)
    # The table held no intervention (it has no client before the seed): ids follow the rows.
    ids = np.array(session.scalars(select(Intervention.id).order_by(Intervention.id)).all())
    if len(ids) != len(frame):
        raise RuntimeError("the interventions table was not empty before the demo was seeded")
    auto = frame.loc[frame["source"] == Source.AUTO.value]
    run_notes = pd.DataFrame(
        {
            "intervention_id": auto["id"].to_numpy(),
            "author_id": np.nan,
            "body": "Created by the daily scoring run.",
            "created_at": pd.to_datetime(auto["created_at"], utc=True).to_numpy(),
            "_order": 0,
        }
    )
    team_notes = notes.assign(_order=np.arange(1, len(notes) + 1))
    every = pd.concat([run_notes, team_notes], ignore_index=True).sort_values(
        ["intervention_id", "_order"], kind="stable"
    )
    every["intervention_id"] = ids[every["intervention_id"].to_numpy(dtype=np.int64) - 1]
    every["author_id"] = pd.array(every["author_id"].to_numpy(dtype=float), dtype="Float64")
    insert_frame(
        session, InterventionNote.__table__, every,
        columns=["intervention_id", "author_id", "body", "created_at"],
    )


def _add_alerts(session: Session, frame: pd.DataFrame) -> None:
    if frame.empty:
        return
    rows = frame.rename(columns={"assignee": "assignee_id"})
    rows["assignee_id"] = pd.array(rows["assignee_id"].to_numpy(dtype=object), dtype="Float64")
    insert_frame(
        session, Alert.__table__, rows,
        columns=["client_id", "kind", "message", "day", "created_at", "read_at", "assignee_id"],
    )


def _add_runs(session: Session, runs: pd.DataFrame) -> None:
    if runs.empty:
        return
    duration = runs["seconds"].astype(float)  # measured while replaying that day
    started = pd.to_datetime(runs["started_at"], utc=True)
    rows = pd.DataFrame(
        {
            "started_at": started,
            "as_of": runs["as_of"],
            "status": RunStatus.SUCCEEDED.value,
            "finished_at": started + pd.to_timedelta(duration, unit="s"),
            "clients_scored": runs["clients_scored"],
            "interventions_created": runs["interventions_created"],
            "alerts_created": runs["alerts_created"],
            "duration_seconds": duration,
            "all_clients": True,
        }
    )
    insert_frame(session, ScoringRun.__table__, rows)
