"""The demo book: deterministic, every persona visible, history made by the real engine and rules."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from dashboard.cli import main
from data.demo_book import PERSONAS
from data.demo_seed import RUN_HOUR, _state_at, build_demo, seed_demo
from data.models import (
    Client,
    HealthScore,
    Intervention,
    ScoreDaySummary,
    ScoreDayVector,
    ScoreFactorSummary,
    ScorePeriodSummary,
)
from data.progress import Progress
from data.repositories.summaries import refresh_score_summaries
from scoring.daily import daily_outcome
from scoring.health import health_scores_for

TODAY = dt.date(2026, 6, 30)
TEAM_IDS = [1, 2, 3, 4, 5, 6]


@pytest.fixture(scope="module")
def demo():
    return build_demo(120, 60, 11, TODAY, TEAM_IDS)


def test_same_seed_gives_the_same_book():
    first = build_demo(30, 20, 5, TODAY, TEAM_IDS)
    again = build_demo(30, 20, 5, TODAY, TEAM_IDS)
    pd.testing.assert_frame_equal(first.book.clients, again.book.clients)
    pd.testing.assert_frame_equal(first.scores, again.scores)
    pd.testing.assert_frame_equal(first.interventions, again.interventions)
    other = build_demo(30, 20, 6, TODAY, TEAM_IDS)
    assert not other.book.clients["name"].equals(first.book.clients["name"])


def test_every_persona_and_status_occurs(demo):
    clients = demo.book.clients
    assert set(clients["persona"]) == {p.name for p in PERSONAS}
    assert {"active", "completed", "churned"} <= set(clients["status"])
    assert clients["wedding_date"].min() >= TODAY - dt.timedelta(days=60)
    assert clients["wedding_date"].max() <= TODAY + dt.timedelta(days=540)


def test_stored_history_is_what_the_engine_gives(demo):
    last = demo.scores[demo.scores["day"] == TODAY].set_index("client_id").sort_index()
    engine = health_scores_for(demo.book.clients, demo.book.events, TODAY).set_index("client_id").sort_index()
    pd.testing.assert_series_equal(last["overall"], engine["overall"])
    assert demo.scores["day"].nunique() == 60


def test_personas_show_in_the_scores(demo):
    last = demo.scores[demo.scores["day"] == TODAY].merge(demo.book.clients[["client_id", "persona"]])
    mean = last.groupby("persona")["overall"].mean()
    assert mean["champion"] > mean["steady"] > mean[["drifting", "overwhelmed", "ghosting"]].max() - 15
    assert mean["champion"] >= 80
    overwhelmed = last[last["persona"] == "overwhelmed"]["progress"].mean()
    assert overwhelmed < last[last["persona"] == "steady"]["progress"].mean()


def test_interventions_follow_the_rules_and_the_team_works_them(demo):
    work = demo.interventions
    assert {"pending", "in_progress", "completed"} <= set(work["status"])
    auto = work[work["source"] == "auto"]
    assert set(auto["priority"]) <= {"urgent", "high"} and set(auto["type"]) == {"call"}
    # one open intervention per client at most
    assert not work[work["status"].isin(["pending", "in_progress"])]["client_id"].duplicated().any()
    assert work["assigned_to"].isin(TEAM_IDS[:5]).all()  # never the viewer
    done = work[work["status"] == "completed"]
    assert done["outcome"].notna().all() and done["completed_at"].notna().all()


def test_turnaround_clients_recover_after_their_first_intervention(demo):
    assert demo.recovery, "some turnaround client got an intervention"
    scores = demo.scores.set_index(["client_id", "day"])["overall"]
    clients = demo.book.clients["client_id"].to_numpy()
    gains = []
    for position, day in demo.recovery.items():
        start = TODAY + dt.timedelta(days=day)
        later = start + dt.timedelta(days=21)
        client = clients[position]
        if later <= TODAY and (client, start) in scores and (client, later) in scores:
            gains.append(scores[(client, later)] - scores[(client, start)])
    assert gains and sum(gains) / len(gains) > 5


def test_seed_writes_everything_and_refuses_a_second_time(session):
    summary = seed_demo(session, clients=40, days=20, seed=3, today=TODAY)
    session.commit()
    assert session.scalar(select(func.count()).select_from(Client)) == 40
    assert session.scalar(select(func.count()).select_from(HealthScore)) == summary.score_rows > 0
    assert session.scalar(select(func.count()).select_from(Intervention)) == summary.interventions
    with pytest.raises(ValueError, match="already has 40 clients"):
        seed_demo(session, clients=40, days=20, seed=3, today=TODAY)


def _summary_tables(session) -> dict[str, list[tuple]]:
    tables = (ScoreDaySummary, ScoreDayVector, ScorePeriodSummary, ScoreFactorSummary)
    return {
        model.__tablename__: sorted(
            (tuple(str(v) for v in row) for row in session.execute(select(model.__table__)).all()),
        )
        for model in tables
    }


def test_seeded_summaries_equal_those_worked_out_from_the_stored_scores(session):
    """The seed summarises its days from the scores it holds; reading them back gives the same."""
    seed_demo(session, clients=40, days=20, seed=3, today=TODAY)
    session.commit()
    seeded = _summary_tables(session)
    assert len(seeded["score_day_summaries"]) >= 20  # a row per day and risk level at least
    assert len(seeded["score_day_vectors"]) == 20
    refresh_score_summaries(session, start=TODAY - dt.timedelta(days=19), end=TODAY)
    session.commit()
    assert _summary_tables(session) == seeded


def test_the_replay_decides_each_day_as_the_daily_job_would(demo):
    """The replay hands each day's decision only what it reads (slices of ten days, the open and
    lately closed interventions, clients by the rank of their id); on every day, that decides
    exactly what the daily job's decision makes of the whole history, every intervention so far,
    every alert so far and the clients as they are."""
    clients = demo.book.clients.assign(
        owner_id=[TEAM_IDS[i - 1] if i else None for i in demo.book.clients["owner_index"]],
        status="active",
    )
    team = demo.book.team.assign(id=TEAM_IDS, active=True)
    scores = demo.scores
    interventions = demo.interventions
    alerts = demo.alerts
    first = scores["day"].min() + dt.timedelta(days=10)  # the whole ten-day window is stored
    checked = 0
    for day in sorted(d for d in scores["day"].unique() if d >= first):
        run_at = pd.Timestamp(day, tz="UTC") + pd.Timedelta(hours=RUN_HOUR)
        so_far = interventions[pd.to_datetime(interventions["created_at"], utc=True) < run_at]
        outcome = daily_outcome(
            scores[scores["day"] == day].drop(columns=["trend", "primary_factor"]),
            scores[scores["day"] < day],
            clients,
            _state_at(so_far, run_at),
            alerts[pd.to_datetime(alerts["created_at"], utc=True) < run_at],
            team,
            day,
            run_at,
        )
        stored = scores[scores["day"] == day]
        assert outcome.scores["trend"].astype(str).tolist() == stored["trend"].tolist()
        assert outcome.scores["primary_factor"].tolist() == stored["primary_factor"].tolist()
        raised = alerts[alerts["day"] == day]
        expected = raised[["client_id", "kind", "message", "assignee"]].reset_index(drop=True)
        pd.testing.assert_frame_equal(
            outcome.alerts.astype(object), expected.astype(object), check_index_type=False
        )
        made = interventions[
            (pd.to_datetime(interventions["created_at"], utc=True) == run_at) & (interventions["source"] == "auto")
        ]
        columns = ["client_id", "type", "priority", "assigned_to", "title", "description", "score_at_creation"]
        pd.testing.assert_frame_equal(
            outcome.interventions[columns].astype(object).reset_index(drop=True),
            made[columns].astype(object).reset_index(drop=True),
        )
        checked += len(raised) + len(made)
    assert checked > 50


def test_seeding_reports_every_stage_to_the_end(session):
    stages: list[list] = []

    class Recorder(Progress):
        def stage(self, name: str, total: int) -> None:
            stages.append([name, total, 0])

        def advance(self, steps: int = 1) -> None:
            stages[-1][2] += steps

    seed_demo(session, clients=40, days=20, seed=3, today=TODAY, progress=Recorder())
    names = [name for name, _, _ in stages]
    assert names[:3] == ["Generating the book", "Scoring every day", "Replaying the days"]
    assert names[-2:] == ["Writing", "Summarising the days"]
    for name, total, done in stages:
        assert done == total, name


def test_seed_demo_command_is_quiet_off_a_terminal(db_url):
    runner = CliRunner()
    env = {"DATABASE_URL": db_url}
    assert runner.invoke(main, ["init-db"], env=env).exit_code == 0
    result = runner.invoke(
        main, ["seed-demo", "--clients", "30", "--days", "12", "--today", TODAY.isoformat()], env=env
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("Seeded 30 clients and ") and lines[0].endswith(" s.")
    assert lines[1].startswith("Risk today: ") and lines[2].startswith("Interventions: ")


def test_seed_demo_command_refuses_a_book_too_large_to_hold(db_url):
    result = CliRunner().invoke(
        main, ["seed-demo", "--clients", "1000000", "--days", "730"], env={"DATABASE_URL": db_url}
    )
    assert result.exit_code == 2
    assert "client-days" in result.output
