"""Seed the demo: a book of clients, their events, and the history the real job would have made.

The events come from :mod:`data.demo_book`. Their scores for every day of the
history are computed by the engine (``scoring.history``), and each day is then
replayed through :func:`scoring.daily.daily_outcome`, the same decision the
daily job makes: trends, primary risk factors, alerts and automatic
interventions. The team works those interventions at each member's own pace,
so some are done, some are in progress and some are overdue today. Turnaround
clients recover a few days after their first automatic intervention: the book
is drawn a second time with that recovery, which leaves every earlier event
unchanged, and the history is replayed again.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scoring import columns as col
from scoring.daily import daily_outcome
from scoring.enums import InterventionStatus, InterventionType, Outcome, Priority, Source
from scoring.history import health_history
from scoring.model import COMPONENT_BY_NAME
from scoring.rules import default_due

from .demo_book import TEAM, BookPlan, DemoBook
from .models import Alert, Client, Intervention, InterventionNote, RunStatus, ScoringRun
from .repositories._frames import to_records
from .repositories.clients import WRITABLE_COLUMNS, upsert_clients
from .repositories.events import insert_events
from .repositories.scores import upsert_scores
from .repositories.users import create_user, generate_password, user_by_email

RUN_HOUR = 7  # the daily job runs at 07:00 UTC in the replay
OUTCOME_ODDS = {  # persona -> chance an intervention resolves the issue
    "champion": 0.9, "steady": 0.85, "drifting": 0.55, "overwhelmed": 0.7,
    "unhappy": 0.4, "ghosting": 0.0, "turnaround": 1.0,
}
MANUAL_PER_DAY = 1.2  # manual interventions the team opens a day, on average


@dataclass
class DemoHistory:
    """Everything the replay produced, ready to be written."""

    book: DemoBook
    scores: pd.DataFrame
    interventions: pd.DataFrame
    notes: pd.DataFrame
    alerts: pd.DataFrame
    runs: pd.DataFrame
    recovery: dict[int, int] = field(default_factory=dict)


def build_demo(n_clients: int, days: int, seed: int, today: dt.date, team_ids: list[int]) -> DemoHistory:
    """The demo book and ``days`` days of replayed history ending ``today``.

    ``team_ids`` are the user ids of the demo team, in the order of ``demo_book.TEAM``.
    """
    plan = BookPlan(n_clients, today, seed)
    first = _replay(plan, plan.book(), days, seed, team_ids)
    recovery = _recovery_days(plan, first, seed)
    if not recovery:
        return first
    second = _replay(plan, plan.book(recovery), days, seed, team_ids)
    second.recovery = recovery
    return second


def _recovery_days(plan: BookPlan, history: DemoHistory, seed: int) -> dict[int, int]:
    """Turnaround clients recover 2-6 days after their first automatic intervention."""
    rng = np.random.default_rng(seed + 1)
    clients = history.book.clients
    auto = history.interventions[history.interventions["source"] == Source.AUTO.value]
    first = auto.groupby("client_id")["created_at"].min()
    position = pd.Series(np.arange(len(clients)), index=clients["client_id"])
    today = pd.Timestamp(plan.today, tz="UTC")
    recovery = {}
    for client_id, created in first.items():
        p = int(position[client_id])
        if plan.persona[p] == "turnaround":
            recovery[p] = int((created - today).days) + int(rng.integers(2, 7))
    return recovery


def _team_frame(book: DemoBook, team_ids: list[int]) -> pd.DataFrame:
    team = book.team.copy()
    team["id"] = team_ids
    team["active"] = True
    return team


def _replay(plan: BookPlan, book: DemoBook, days: int, seed: int, team_ids: list[int]) -> DemoHistory:
    rng = np.random.default_rng(seed + 2)
    today = plan.today
    start = today - dt.timedelta(days=days - 1)
    clients = book.clients.copy()
    clients["owner_id"] = [team_ids[i - 1] if i else None for i in clients["owner_index"]]
    began = time.perf_counter()
    history = health_history(clients, book.events, start - dt.timedelta(days=10), today)
    history_seconds_per_day = (time.perf_counter() - began) / (days + 10)
    history = history.sort_values(["day", "client_id"], kind="stable").reset_index(drop=True)
    team = _team_frame(book, team_ids)
    speed = dict(zip(team["id"], team["speed"], strict=True))
    persona = dict(zip(clients["client_id"], clients["persona"], strict=True))
    churned_at = dict(zip(clients["client_id"], clients["churned_at"], strict=True))
    as_active = clients.assign(status="active")
    now = plan.now

    day_index = {d: i for d, i in history.groupby("day").indices.items()}
    interventions = pd.DataFrame(columns=_INTERVENTION_COLUMNS)
    alerts = pd.DataFrame(columns=["client_id", "kind", "message", "created_at", "day", "assignee"])
    scored_days, runs = [], []
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        if day not in day_index:
            continue
        run_at = pd.Timestamp(day, tz="UTC") + pd.Timedelta(hours=RUN_HOUR)
        today_rows = history.iloc[day_index[day]]
        window = history.iloc[
            np.concatenate([day_index[d] for d in day_index if day - dt.timedelta(days=10) <= d < day] or [[]]).astype(int)
        ]
        state = _state_at(interventions, run_at)
        recent_alerts = alerts[alerts["created_at"] > run_at - pd.Timedelta(days=8)]
        began = time.perf_counter()
        outcome = daily_outcome(today_rows, window, as_active, state, recent_alerts, team, day, run_at)
        seconds = history_seconds_per_day + time.perf_counter() - began
        history.loc[today_rows.index, col.TREND] = outcome.scores[col.TREND].astype(str).to_numpy()
        history.loc[today_rows.index, col.PRIMARY_FACTOR] = outcome.scores[col.PRIMARY_FACTOR].to_numpy()
        new = outcome.interventions.assign(source=Source.AUTO.value, created_by=None)
        new = pd.concat([new, _manual(outcome.scores, state, clients, team, run_at, rng)], ignore_index=True)
        if len(new):
            new = _lifecycle(new.assign(created_at=run_at), persona, churned_at, speed, rng)
            interventions = pd.concat([interventions, new], ignore_index=True)
        if len(outcome.alerts):
            alerts = pd.concat(
                [alerts, outcome.alerts.assign(created_at=run_at, day=day)], ignore_index=True
            )
        scored_days.append(day)
        runs.append({"as_of": day, "started_at": run_at, "clients_scored": len(today_rows),
                     "interventions_created": len(new), "alerts_created": len(outcome.alerts),
                     "seconds": seconds})
    scores = history[history["day"] >= start].reset_index(drop=True)
    interventions = _as_of(interventions, now)
    first_names = clients.set_index("client_id")["partner_names"].str.split(" ").str[0]
    notes = _notes(interventions, first_names, rng)
    alerts = alerts[alerts["created_at"] <= now].reset_index(drop=True)
    # The team has worked through everything but the last two days' alerts, and some of those.
    old = (alerts["created_at"] < now - pd.Timedelta(days=2)).to_numpy()
    read = old | (rng.random(len(alerts)) < 0.4)
    alerts["read_at"] = (alerts["created_at"] + pd.Timedelta(hours=3)).where(read)
    return DemoHistory(book, scores, interventions, notes, alerts, pd.DataFrame(runs))


_INTERVENTION_COLUMNS = [
    "client_id", "type", "priority", "due_at", "assigned_to", "title", "description",
    "score_at_creation", "source", "created_by", "created_at", "planned_start",
    "planned_finish", "planned_outcome", "cancels", "closes_at",
]


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


def _manual(scores: pd.DataFrame, state: pd.DataFrame, clients: pd.DataFrame, team: pd.DataFrame,
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
    owners = clients.set_index("client_id")["owner_id"].reindex(chosen["client_id"]).to_numpy()
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


def _lifecycle(new: pd.DataFrame, persona: dict, churned_at: dict, speed: dict,
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
    """The notes the assignee wrote when starting and closing each intervention."""
    rows = []
    for row in frame.itertuples(index=False):
        names = {"first": first_names.get(row.client_id, "the couple"), "couple": "the couple"}
        if pd.notna(row.started_at):
            options = START_NOTES[str(row.type)]
            text = options[int(rng.integers(len(options)))].format(**names)
            rows.append((row.id, row.assigned_to, text, row.started_at))
        if row.status == InterventionStatus.COMPLETED.value:
            options = OUTCOME_NOTES[Outcome(row.outcome)]
            text = options[int(rng.integers(len(options)))].format(**names)
            rows.append((row.id, row.assigned_to, text, row.completed_at))
        if row.status == InterventionStatus.CANCELLED.value:
            rows.append((row.id, None, "Cancelled: the client ended their contract.", row.cancelled_at))
    return pd.DataFrame(rows, columns=["intervention_id", "author_id", "body", "created_at"])


@dataclass(frozen=True)
class SeedSummary:
    clients: int
    score_rows: int
    interventions: int
    alerts: int
    risk_today: dict[str, int]
    interventions_by_status: dict[str, int]
    personas: dict[str, int]


def seed_demo(session: Session, *, clients: int, days: int, seed: int, today: dt.date) -> SeedSummary:
    """Write the demo team, book and history into an empty database (the caller commits).

    Raises ``ValueError`` when the database already has clients: the demo never
    mixes with real data.
    """
    existing = session.scalar(select(func.count()).select_from(Client))
    if existing:
        raise ValueError(f"the database already has {existing} clients; seed the demo into an empty one")
    team_ids = _add_team(session)
    demo = build_demo(clients, days, seed, today, team_ids)
    book = demo.book
    people = book.clients.assign(owner_id=[team_ids[i - 1] if i else None for i in book.clients["owner_index"]])
    upsert_clients(session, people[[c for c in WRITABLE_COLUMNS if c in people.columns]])
    events = book.events
    insert_events(session, "logins", events.logins)
    insert_events(session, "interactions", events.interactions.assign(channel=book.channels.to_numpy()))
    insert_events(session, "tasks", events.tasks.assign(title=book.titles.to_numpy()))
    insert_events(session, "feedback", events.feedback.assign(comment=book.comments.to_numpy()))
    insert_events(session, "tickets", events.tickets)
    score_rows = upsert_scores(session, demo.scores)
    _add_interventions(session, demo.interventions, demo.notes)
    _add_alerts(session, demo.alerts)
    _add_runs(session, demo.runs)
    last = demo.scores[demo.scores["day"] == demo.scores["day"].max()]
    return SeedSummary(
        clients=len(people),
        score_rows=score_rows,
        interventions=len(demo.interventions),
        alerts=len(demo.alerts),
        risk_today=last[col.RISK_LEVEL].value_counts().to_dict(),
        interventions_by_status=demo.interventions["status"].value_counts().to_dict(),
        personas=people["persona"].value_counts().to_dict(),
    )


def _add_team(session: Session) -> list[int]:
    """The demo team, each with a random password nobody knows (see ``csd demo-admin``)."""
    ids = []
    for email, name, role, _ in TEAM:
        user = user_by_email(session, email) or create_user(
            session, email, name=name, role=role, password=generate_password()
        )
        ids.append(user.id)
    return ids


def _py(value):
    """A plain Python value for the ORM: None for missing, datetimes for timestamps."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.floor("us").to_pydatetime()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _add_interventions(session: Session, frame: pd.DataFrame, notes: pd.DataFrame) -> None:
    by_intervention = {key: rows for key, rows in notes.groupby("intervention_id")}
    for row in frame.itertuples(index=False):
        item = Intervention(
            client_id=row.client_id, type=row.type, priority=row.priority, status=row.status,
            title=row.title, description=row.description, assigned_to=_py(row.assigned_to),
            due_date=_py(row.due_date), source=row.source, created_by=_py(row.created_by),
            created_at=_py(row.created_at), updated_at=_py(row.updated_at),
            started_at=_py(row.started_at), completed_at=_py(row.completed_at),
            cancelled_at=_py(row.cancelled_at), outcome=_py(row.outcome),
            client_responded=_py(row.client_responded), score_at_creation=_py(row.score_at_creation),
        )
        if row.source == Source.AUTO.value:
            item.notes.append(InterventionNote(body="Created by the daily scoring run.", created_at=_py(row.created_at)))
        for note in by_intervention.get(row.id, pd.DataFrame()).itertuples(index=False):
            item.notes.append(
                InterventionNote(author_id=_py(note.author_id), body=note.body, created_at=_py(note.created_at))
            )
        session.add(item)
    session.flush()


def _add_alerts(session: Session, frame: pd.DataFrame) -> None:
    if frame.empty:
        return
    rows = frame.rename(columns={"assignee": "assignee_id"})
    records = to_records(
        rows, Alert.__table__, ["client_id", "kind", "message", "day", "created_at", "read_at", "assignee_id"]
    )
    session.execute(Alert.__table__.insert(), records)


def _add_runs(session: Session, runs: pd.DataFrame) -> None:
    for run in runs.itertuples(index=False):
        duration = float(run.seconds)  # measured while replaying that day
        session.add(
            ScoringRun(
                started_at=_py(run.started_at), as_of=run.as_of, status=RunStatus.SUCCEEDED,
                finished_at=_py(run.started_at + pd.Timedelta(seconds=duration)),
                clients_scored=run.clients_scored, interventions_created=run.interventions_created,
                alerts_created=run.alerts_created, duration_seconds=duration,
            )
        )
    session.flush()
