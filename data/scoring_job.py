"""The daily scoring job: scores, trends, alerts and automatic interventions for one day.

Everything the run writes is written in one transaction: a failure midway
leaves the earlier state intact, and the failure is recorded in
``scoring_runs`` (in its own transaction) for the System status page.
Scoring an earlier day (a backfill) stores its scores and trends but opens no
intervention and raises no alert: those are decisions about today. A day after
today is refused. Running the job twice for the same day changes nothing: scores are upserted
on (client, day), an alert exists once per client, kind and day, and a client
with an open intervention gets no second one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from scoring import columns as col
from scoring.daily import daily_outcome
from scoring.enums import ClientStatus, InterventionStatus, Source
from scoring.health import health_scores_for, round_half_up

from .models import HealthScore, Intervention, InterventionNote, RunStatus, ScoringRun, utcnow
from .repositories.alerts import add_alerts, alerts_frame
from .repositories.clients import clients_frame
from .repositories.events import load_events
from .repositories.interventions import interventions_frame
from .repositories.locks import lock_key
from .repositories.runs import fail_run, finish_run, start_run
from .repositories.scores import score_history, upsert_scores
from .repositories.users import team_frame

HISTORY_DAYS_NEEDED = 10  # trend and alerts look back up to 10 days
SCORING_LOCK = "scoring-run"


@dataclass(frozen=True)
class RunSummary:
    """What one scoring run did."""

    run_id: int
    as_of: dt.date
    clients_scored: int
    clients_skipped: int
    interventions_created: int
    alerts_created: int
    seconds: float


class ScoringFailed(RuntimeError):
    """The run failed; nothing of it was written. The message says why."""


def run_scoring(
    sessions: Callable[[], Session],
    *,
    as_of: dt.date | None = None,
    client_ids: Iterable[str] | None = None,
    force: bool = False,
    now: dt.datetime | None = None,
) -> RunSummary:
    """Score active clients as of ``as_of`` (default: today, UTC) and act on the result.

    ``sessions`` makes a new session (a sessionmaker). ``client_ids`` limits the
    run to those clients. Without ``force``, clients already scored that day are
    skipped, so a second run of the same day writes nothing new.
    """
    now = now or utcnow()
    as_of = as_of or now.date()
    if as_of > now.date():
        raise ScoringFailed(f"cannot score {as_of}: it is after today ({now.date()})")
    started = pd.Timestamp.now(tz="UTC")
    with sessions() as session, session.begin():
        run_id = start_run(session, as_of, at=now, all_clients=client_ids is None).id
    try:
        with sessions() as session, session.begin():
            _one_run_at_a_time(session, run_id)
            scored, skipped, created, raised = _score_day(
                session, as_of, None if client_ids is None else list(client_ids), force, pd.Timestamp(now)
            )
            finish_run(
                session, run_id, clients_scored=scored, interventions_created=created,
                alerts_created=raised,
            )
    except Exception as error:  # recorded for the status page, then reported to the caller
        with sessions() as session, session.begin():
            fail_run(session, run_id, f"{type(error).__name__}: {error}")
        raise ScoringFailed(f"scoring {as_of} failed: {error}") from error
    seconds = (pd.Timestamp.now(tz="UTC") - started).total_seconds()
    return RunSummary(run_id, as_of, scored, skipped, created, raised, seconds)


def _one_run_at_a_time(session: Session, run_id: int) -> None:
    """Wait until no other scoring run is writing, before this one reads anything.

    Two overlapping runs (the daily job, a recalculation from the app or the
    API, ``csd score``) would otherwise both see a client without an open
    intervention and both open one. PostgreSQL: a transaction-scoped advisory
    lock. SQLite: a first write, which takes the database's write lock.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(lock_key(SCORING_LOCK))))
    else:
        session.execute(
            update(ScoringRun).where(ScoringRun.id == run_id).values(status=RunStatus.RUNNING)
        )


def _score_day(
    session: Session, as_of: dt.date, client_ids: list[str] | None, force: bool, now: pd.Timestamp
) -> tuple[int, int, int, int]:
    clients = clients_frame(session, client_ids)
    unknown = set(client_ids or ()) - set(clients[col.CLIENT_ID])
    if unknown:
        raise ValueError(f"unknown client ids: {', '.join(sorted(unknown)[:5])}")
    clients = clients[clients[col.STATUS].astype(str) == ClientStatus.ACTIVE.value]
    skipped = 0
    if not force and len(clients):
        done = set(
            session.scalars(
                select(HealthScore.client_id).where(
                    HealthScore.day == as_of, HealthScore.client_id.in_(clients[col.CLIENT_ID].tolist())
                )
            )
        )
        skipped = len(done)
        clients = clients[~clients[col.CLIENT_ID].isin(done)]
    if clients.empty:
        return 0, skipped, 0, 0

    ids = clients[col.CLIENT_ID].tolist()
    events = load_events(session, ids, until=as_of)
    scores = health_scores_for(clients, events, as_of)
    history = score_history(
        session, start=as_of - dt.timedelta(days=HISTORY_DAYS_NEEDED), end=as_of - dt.timedelta(days=1),
        client_ids=ids, columns=[col.OVERALL, col.RISK_LEVEL],
    )
    history[col.SCORE_INT] = round_half_up(history[col.OVERALL].to_numpy(dtype=float))
    team = team_frame(session)
    outcome = daily_outcome(
        scores,
        history,
        clients,
        interventions_frame(session).rename(columns={"due_date": "due_at"}),
        alerts_frame(session, since=(now - pd.Timedelta(days=8)).to_pydatetime(), limit=None),
        team,
        as_of,
        now,
    )
    upsert_scores(session, outcome.scores.assign(**{col.TREND: outcome.scores[col.TREND].astype(str)}))
    if as_of < now.date():  # a backfill stores scores; it acts on nobody now
        return len(scores), skipped, 0, 0
    created = _add_interventions(session, outcome.interventions, now)
    raised = add_alerts(
        session,
        outcome.alerts.rename(columns={"assignee": "assignee_id"}).assign(day=as_of),
    )
    return len(scores), skipped, created, raised


def _add_interventions(session: Session, frame: pd.DataFrame, now: pd.Timestamp) -> int:
    for row in frame.itertuples(index=False):
        intervention = Intervention(
            client_id=row.client_id,
            type=row.type,
            priority=row.priority,
            status=InterventionStatus.PENDING,
            title=row.title,
            description=row.description,
            assigned_to=None if pd.isna(row.assigned_to) else int(row.assigned_to),
            due_date=pd.Timestamp(row.due_at).to_pydatetime(),
            source=Source.AUTO,
            created_at=now.to_pydatetime(),
            updated_at=now.to_pydatetime(),
            score_at_creation=None if pd.isna(row.score_at_creation) else float(row.score_at_creation),
        )
        intervention.notes.append(
            InterventionNote(body="Created by the daily scoring run.", created_at=now.to_pydatetime())
        )
        session.add(intervention)
    session.flush()
    return len(frame)
