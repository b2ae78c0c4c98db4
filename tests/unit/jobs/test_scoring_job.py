"""The daily job against a real database: scores, automatic interventions, alerts, runs."""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import sys

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from data.db import make_engine
from data.models import Alert, HealthScore, Intervention, RunStatus, ScoringRun
from data.repositories.runs import going_run, latest_run
from data.scoring_job import ScoringFailed, run_scoring
from scoring.enums import InterventionType, Priority, Role, Source

D = dt.date(2024, 3, 31)
NOW = dt.datetime(2024, 3, 31, 2, 0, tzinfo=dt.UTC)
CREATED = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def at(days_back: int, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(D - dt.timedelta(days=days_back), dt.time(hour), tzinfo=dt.UTC)


@pytest.fixture
def book(session, make_user, make_client, add_events):
    """Client "a" in trouble and client "b" thriving, both owned by Priya."""
    owner = make_user("priya@example.com", name="Priya Shah", role=Role.MANAGER)
    make_user("viewer@example.com", name="Screen", role=Role.VIEWER)
    make_client("a", name="Ava & Leo", created_at=CREATED, owner_id=owner.id)
    make_client("b", name="Mia & Sam", created_at=CREATED, owner_id=owner.id)
    # a: never active; three tasks 20 days overdue; one rating of 1.
    add_events("tasks", [{"client_id": "a", "title": f"T{i}", "kind": "task", "due_date": D - dt.timedelta(days=20)} for i in range(3)])
    add_events("feedback", [{"client_id": "a", "ts": at(5), "rating": 1}])
    # b: 12 logins, 3 quick replies this week, its one task done on time, a rating of 5.
    add_events("logins", [{"client_id": "b", "ts": at(i)} for i in range(12)])
    add_events("interactions", [{"client_id": "b", "ts": at(i), "response_hours": 2.0} for i in range(3)])
    add_events("tasks", [{"client_id": "b", "title": "Deposit", "kind": "task", "due_date": D - dt.timedelta(days=20), "completed_at": at(21)}])
    add_events("feedback", [{"client_id": "b", "ts": at(3), "rating": 5}])
    session.commit()
    return owner


def sessions_for(url):
    return sessionmaker(make_engine(url), expire_on_commit=False)


def count(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_job_scores_and_opens_an_urgent_call_for_a_critical_client(migrated_url, session, book):
    summary = run_scoring(sessions_for(migrated_url), as_of=D, now=NOW)
    assert (summary.clients_scored, summary.interventions_created) == (2, 1)
    scores = {row.client_id: row for row in session.scalars(select(HealthScore))}
    # a: engagement 0; progress (0*.35 + 40*.20)/.55 = 14.55; satisfaction (0*.40 + 100*.15)/.55 = 27.27
    # overall .40*0 + .35*14.545 + .25*27.273 = 11.91 -> 11.9, critical
    assert scores["a"].overall == 11.9 and scores["a"].risk_level == "critical"
    # points lost = effective weight x (100 - score): completion .35*.35/.55 x 100 = 22.3,
    # rating .25*.40/.55 x 100 = 18.2, logins .40*.30/.80 x 100 = 15.0, overdue .35*.20/.55 x 60 = 7.6
    assert scores["a"].primary_factor == "completion"
    assert scores["b"].overall == 100.0 and scores["b"].risk_level == "low"
    call = session.scalars(select(Intervention)).one()
    assert (call.client_id, call.type, call.priority, call.source) == ("a", InterventionType.CALL, Priority.URGENT, Source.AUTO)
    assert call.assigned_to == book.id
    assert call.due_date == NOW + dt.timedelta(hours=24)
    assert "12" in call.title
    run = session.scalars(select(ScoringRun)).one()
    assert (run.status, run.clients_scored, run.interventions_created) == ("succeeded", 2, 1)


def test_running_the_same_day_twice_changes_nothing(migrated_url, session, book, make_score):
    make_score("a", D - dt.timedelta(days=7), 50.0)  # high a week ago: today's 12 is a fall and a worse level
    session.commit()
    sessions = sessions_for(migrated_url)
    first = run_scoring(sessions, as_of=D, now=NOW)
    second = run_scoring(sessions, as_of=D, now=NOW)
    forced = run_scoring(sessions, as_of=D, now=NOW, force=True)
    assert (first.clients_scored, first.alerts_created) == (2, 1)
    assert (second.clients_scored, second.clients_skipped, second.interventions_created) == (0, 2, 0)
    assert (forced.clients_scored, forced.interventions_created, forced.alerts_created) == (2, 0, 0)
    assert count(session, HealthScore, HealthScore.day == D) == 2
    assert count(session, Intervention) == 1
    alert = session.scalars(select(Alert)).one()
    assert alert.kind == "risk_worsened"
    assert "fell 38 points" in alert.message and "high to critical" in alert.message


def test_a_failure_midway_writes_nothing_and_is_recorded(migrated_url, session, book, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("mail table locked")

    monkeypatch.setattr("data.scoring_job.add_alerts", broken)
    with pytest.raises(ScoringFailed, match="mail table locked"):
        run_scoring(sessions_for(migrated_url), as_of=D, now=NOW)
    session.expire_all()
    assert count(session, HealthScore) == 0
    assert count(session, Intervention) == 0
    run = session.scalars(select(ScoringRun)).one()
    assert run.status == "failed" and "mail table locked" in run.error


def test_unknown_client_ids_are_refused(migrated_url, book):
    with pytest.raises(ScoringFailed, match="unknown client ids: zz"):
        run_scoring(sessions_for(migrated_url), as_of=D, now=NOW, client_ids=["zz"])


def test_a_recalculation_of_some_clients_leaves_the_whole_book_current(migrated_url, session, book):
    from data.repositories.scores import current_scores, latest_score_day

    sessions = sessions_for(migrated_url)
    run_scoring(sessions, as_of=D - dt.timedelta(days=1), now=NOW - dt.timedelta(days=1))
    run_scoring(sessions, as_of=D, now=NOW, client_ids=["a"])
    session.expire_all()
    assert latest_score_day(session) == D - dt.timedelta(days=1)
    rows, total = current_scores(session)
    assert total == 2 and set(rows["client_id"]) == {"a", "b"}
    run_scoring(sessions, as_of=D, now=NOW)  # the daily run completes the day
    assert latest_score_day(session) == D


def test_a_future_day_is_refused(migrated_url, book):
    with pytest.raises(ScoringFailed, match="after today"):
        run_scoring(sessions_for(migrated_url), as_of=D + dt.timedelta(days=1), now=NOW)


def test_overlapping_runs_open_one_intervention(migrated_url, session, book):
    """Two runs at once: the second waits for the first and sees its intervention."""
    import threading

    sessions = sessions_for(migrated_url)
    results, errors = [], []

    def run():
        try:
            results.append(run_scoring(sessions, as_of=D, now=NOW, force=True).interventions_created)
        except Exception as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(results) == [0, 1]
    assert count(session, Intervention) == 1


KILLED_RUN = """
import sys, time
from sqlalchemy.orm import sessionmaker
import data.scoring_job as job
from data.db import make_engine

def stuck(*args, **kwargs):
    print("scoring", flush=True)
    time.sleep(300)

job.health_scores_for = stuck
job.run_scoring(sessionmaker(make_engine(sys.argv[1])), as_of=job.dt.date(2024, 3, 31),
                now=job.dt.datetime(2024, 3, 31, 2, 0, tzinfo=job.dt.UTC))
"""


def test_a_run_killed_midway_is_interrupted_at_the_next_look_and_the_next_run_works(
    migrated_url, session, book
):
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_RUN, migrated_url], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout.readline().strip() == "scoring"  # it holds the run's transaction now
        assert latest_run(session).status is RunStatus.RUNNING
        session.rollback()
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        child.stdout.close()

    assert going_run(session) is None  # the page and "Recalculate now" look this way
    session.commit()
    killed = latest_run(session)
    assert (killed.status, killed.clients_scored) == (RunStatus.INTERRUPTED, 0)
    assert count(session, HealthScore) == 0  # nothing of it was written

    summary = run_scoring(sessions_for(migrated_url), as_of=D, now=NOW)
    assert summary.clients_scored == 2
    session.expire_all()
    assert count(session, HealthScore) == 2
