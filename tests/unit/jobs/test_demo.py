"""The demo book: deterministic, every persona visible, history made by the real engine and rules."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import func, select

from data.demo_book import PERSONAS
from data.demo_seed import build_demo, seed_demo
from data.models import Client, HealthScore, Intervention
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
