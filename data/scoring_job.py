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
from sqlalchemy import func, insert, literal, select, update
from sqlalchemy.orm import Session

from scoring import columns as col
from scoring.daily import daily_outcome
from scoring.enums import ClientStatus, InterventionStatus, Source
from scoring.health import health_scores_for, round_half_up
from scoring.rules import NO_RECREATE_DAYS

from .models import HealthScore, Intervention, InterventionNote, RunStatus, ScoringRun, utcnow
from .progress import Progress
from .repositories.alerts import add_alerts, alerts_frame
from .repositories.bulk import insert_frame
from .repositories.clients import clients_frame
from .repositories.events import load_events_for_day
from .repositories.interventions import interventions_for_rules
from .repositories.locks import lock_key
from .repositories.runs import Heartbeat, fail_run, finish_run, settle_dead_runs, start_run
from .repositories.scores import score_history, upsert_scores
from .repositories.summaries import refresh_score_summaries
from .repositories.users import team_frame

HISTORY_DAYS_NEEDED = 10  # trend and alerts look back up to 10 days
SCORING_LOCK = "scoring-run"
EVENT_FILTER_MAX_IDS = 5000
# The steps of a run, in order, as reported to ``on_step``.
RUN_STEPS = ("Reading clients", "Reading events", "Scoring", "Deciding", "Writing")
AUTO_NOTE = "Created by the daily scoring run."


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
    progress: Progress | None = None,
    run_id: int | None = None,
) -> RunSummary:
    """Score active clients as of ``as_of`` (default: today, UTC) and act on the result.

    ``sessions`` makes a new session (a sessionmaker). ``client_ids`` limits the
    run to those clients. Without ``force``, clients already scored that day are
    skipped, so a second run of the same day writes nothing new. ``progress``
    hears each step (``RUN_STEPS``) as it starts. ``run_id`` is a run already
    recorded (``start_run``) by whoever started this one in the background, to
    carry on; without it the run is recorded here.
    """
    now = now or utcnow()
    as_of = as_of or now.date()
    if as_of > now.date():
        raise ScoringFailed(f"cannot score {as_of}: it is after today ({now.date()})")
    started = pd.Timestamp.now(tz="UTC")
    if run_id is None:
        with sessions() as session, session.begin():
            settle_dead_runs(session, now=max(now, utcnow()))
            run_id = start_run(session, as_of, at=now, all_clients=client_ids is None).id
    try:
        with Heartbeat(sessions, run_id), sessions() as session, session.begin():
            _one_run_at_a_time(session, run_id)
            scored, skipped, created, raised = _score_day(
                session,
                as_of,
                None if client_ids is None else list(client_ids),
                force,
                pd.Timestamp(now),
                progress or Progress(),
            )
            finish_run(
                session,
                run_id,
                clients_scored=scored,
                clients_skipped=skipped,
                interventions_created=created,
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
    session: Session,
    as_of: dt.date,
    client_ids: list[str] | None,
    force: bool,
    now: pd.Timestamp,
    progress: Progress,
) -> tuple[int, int, int, int]:
    progress.stage(RUN_STEPS[0])
    clients = clients_frame(session, client_ids)
    unknown = set(client_ids or ()) - set(clients[col.CLIENT_ID])
    if unknown:
        raise ValueError(f"unknown client ids: {', '.join(sorted(unknown)[:5])}")
    clients = clients[clients[col.STATUS].astype(str) == ClientStatus.ACTIVE.value]
    skipped = 0
    if not force and len(clients):
        done = clients[col.CLIENT_ID].isin(_scored_on(session, as_of, client_ids))
        skipped = int(done.sum())
        clients = clients[~done.to_numpy()]
    if clients.empty:
        return 0, skipped, 0, 0

    ids = clients[col.CLIENT_ID].tolist()
    # Past a few thousand ids, sending the list costs more than reading and dropping the rest.
    wanted = ids if len(ids) <= EVENT_FILTER_MAX_IDS else None
    progress.stage(RUN_STEPS[1])
    events = load_events_for_day(session, as_of, wanted)
    progress.stage(RUN_STEPS[2])
    scores = health_scores_for(clients, events, as_of)
    del events
    progress.stage(RUN_STEPS[3])
    history = score_history(
        session,
        start=as_of - dt.timedelta(days=HISTORY_DAYS_NEEDED),
        end=as_of - dt.timedelta(days=1),
        client_ids=wanted,
        columns=[col.OVERALL, col.RISK_LEVEL],
    )
    if wanted is None:
        history = history[history[col.CLIENT_ID].isin(clients[col.CLIENT_ID]).to_numpy()]
    history[col.SCORE_INT] = round_half_up(history[col.OVERALL].to_numpy(dtype=float))
    team = team_frame(session)
    outcome = daily_outcome(
        scores,
        history,
        clients,
        interventions_for_rules(
            session, closed_since=(now - pd.Timedelta(days=NO_RECREATE_DAYS + 1)).to_pydatetime()
        ).rename(columns={"due_date": "due_at"}),
        alerts_frame(session, since=(now - pd.Timedelta(days=8)).to_pydatetime(), limit=None),
        team,
        as_of,
        now,
    )
    progress.stage(RUN_STEPS[4])
    upsert_scores(
        session, outcome.scores.assign(**{col.TREND: outcome.scores[col.TREND].astype(str)})
    )
    refresh_score_summaries(session, [as_of])
    if as_of < now.date():  # a backfill stores scores; it acts on nobody now
        return len(scores), skipped, 0, 0
    created = _add_interventions(session, outcome.interventions, now)
    raised = add_alerts(
        session,
        outcome.alerts.rename(columns={"assignee": "assignee_id"}).assign(day=as_of),
    )
    return len(scores), skipped, created, raised


def _scored_on(session: Session, day: dt.date, client_ids: list[str] | None) -> set[str]:
    """Ids of the clients (of ``client_ids``, else all) with a score stored for ``day``."""
    stmt = select(HealthScore.client_id).where(HealthScore.day == day)
    if client_ids is not None and len(client_ids) <= EVENT_FILTER_MAX_IDS:
        stmt = stmt.where(HealthScore.client_id.in_(client_ids))
    return set(session.scalars(stmt))


def _add_interventions(session: Session, frame: pd.DataFrame, now: pd.Timestamp) -> int:
    """Insert the run's automatic interventions in bulk, each with its first history line."""
    if frame.empty:
        return 0
    now = now.floor("us")
    table = Intervention.__table__
    first_new_id = (session.scalar(select(func.max(table.c.id))) or 0) + 1
    rows = pd.DataFrame(
        {
            "client_id": frame["client_id"].to_numpy(),
            "type": frame["type"].map(str).to_numpy(),
            "priority": frame["priority"].map(str).to_numpy(),
            "status": InterventionStatus.PENDING.value,
            "title": frame["title"].to_numpy(),
            "description": frame["description"].to_numpy(),
            "assigned_to": pd.array(frame["assigned_to"], dtype="Int64"),
            "due_date": pd.to_datetime(frame["due_at"], utc=True).to_numpy(),
            "source": Source.AUTO.value,
            "created_at": now,
            "updated_at": now,
            "score_at_creation": pd.to_numeric(frame["score_at_creation"]).to_numpy(dtype=float),
            "version": 1,
        }
    )
    created = insert_frame(session, table, rows)
    # Their ids are the ones above the largest before: runs take turns (see _one_run_at_a_time),
    # and interventions made meanwhile by hand are told apart by source and creation time.
    notes = InterventionNote.__table__
    session.execute(
        insert(notes).from_select(
            ["intervention_id", "body", "created_at"],
            select(table.c.id, literal(AUTO_NOTE), table.c.created_at).where(
                table.c.id >= first_new_id,
                table.c.source == Source.AUTO,
                table.c.created_at == now.to_pydatetime(),
            ),
        )
    )
    return created
