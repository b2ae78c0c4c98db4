"""The Analytics tab's view model and KPI cards against a small hand-made book.

The book (every value worked out by hand below), on 31 Mar 2026, period 7d =
25–31 Mar, previous period 18–24 Mar:

- Amelia (created 2025, contract 1,000.00): scores 50 on 20 Mar (high), 60 on
  25 Mar (medium), 70 on 31 Mar (medium).
- Ben (created 2025, contract 3,000.00): 40 on 20 Mar (high), 35 on 25 Mar
  (critical); churned on 28 Mar.
- Cleo (created 27 Mar, contract 500.00): 90 on 31 Mar (low).
- Interventions, both Tom's: Ben's call, created 26 Mar 10:00, started two
  hours later, completed 27 Mar 10:00 unresolved, client responded;
  Amelia's email, created 25 Mar 09:00, started six hours later, completed
  29 Mar 09:00 resolved, no response.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from dashboard import figures
from dashboard.tabs.analytics import view_model
from dashboard.tabs.analytics.layout import kpi_grid, team_table
from dashboard.view_state import ViewState
from scoring.enums import (
    ClientStatus,
    InterventionStatus,
    InterventionType,
    Outcome,
    Period,
    Priority,
    Segment,
)

NOW = pd.Timestamp("2026-03-31 12:00", tz="UTC")


def at(day: int, hour: int = 12) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, tzinfo=dt.UTC)


@pytest.fixture
def book(session, make_user, make_client, make_score, make_intervention):
    tom = make_user(name="Tom Ellis")
    old = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    make_client("amelia", name="Amelia", created_at=old, contract_value=100_000)
    make_client(
        "ben", name="Ben", created_at=old, contract_value=300_000,
        status=ClientStatus.CHURNED, churned_at=at(28, 10),
    )  # fmt: skip
    make_client("cleo", name="Cleo", created_at=at(27, 9), contract_value=50_000)
    for client, day, score in (
        ("amelia", 20, 50), ("amelia", 25, 60), ("amelia", 31, 70),
        ("ben", 20, 40), ("ben", 25, 35),
        ("cleo", 31, 90),
    ):  # fmt: skip
        make_score(client, dt.date(2026, 3, day), float(score))
    for client, kind, created, started_hours, completed, outcome, responded in (
        ("ben", InterventionType.CALL, at(26, 10), 2, at(27, 10), Outcome.UNRESOLVED, True),
        ("amelia", InterventionType.EMAIL, at(25, 9), 6, at(29, 9), Outcome.RESOLVED, False),
    ):
        make_intervention(
            client, type=kind, priority=Priority.HIGH, status=InterventionStatus.COMPLETED,
            created_at=created, started_at=created + dt.timedelta(hours=started_hours),
            completed_at=completed, outcome=outcome, client_responded=responded,
            due_date=created + dt.timedelta(days=2), assigned_to=tom.id,
        )  # fmt: skip
    session.flush()
    return session


def test_selection_lives_in_the_url_with_defaults_left_out():
    state = ViewState.from_search("?tab=analytics&period=1y&segment=new_clients&status=all")
    assert view_model.selection(state) == (Period.Y1, Segment.NEW_CLIENTS)
    assert view_model.selection(ViewState.from_search("?period=2y&segment=vip")) == (
        Period.D30,
        Segment.ALL,
    )
    back = view_model.with_selection(state, Period.D30, Segment.ALL)
    assert back.to_search() == "?tab=analytics&status=all"
    assert view_model.with_selection(back, Period.D7, Segment.EXISTING_CLIENTS).to_search() == (
        "?tab=analytics&status=all&period=7d&segment=existing_clients"
    )


def test_the_kpi_cards_of_a_week_against_the_week_before(book):
    data = view_model.analytics_data(book, "7d", "all", now=NOW)
    assert (data["start"], data["end"]) == ("2026-03-25", "2026-03-31")
    assert (data["previous_start"], data["previous_end"]) == ("2026-03-18", "2026-03-24")
    assert data["score_date"] == "2026-03-31"
    cards = data["cards"]

    def shown(key):
        card = cards[key]
        return card["value_text"], card["previous_text"], card["change_text"]

    # Scored on 31 Mar: Amelia 70 and Cleo 90 -> 80.0; on 20 Mar: 50 and 40 -> 45.0.
    assert shown("average_health_score") == ("80.0", "45.0", "▲ 35.0")
    assert cards["average_health_score"]["change_colour"] == "#2e7d32"  # better: green
    # 31 Mar: one low, one medium of two; 20 Mar: both high.
    assert shown("risk_share_low") == ("50.0%", "0.0%", "▲ 50.0 pts")
    assert shown("risk_share_medium")[:2] == ("50.0%", "0.0%")
    assert shown("risk_share_high") == ("0.0%", "100.0%", "▼ 100.0 pts")
    assert shown("risk_share_critical") == ("0.0%", "0.0%", "no change")
    # Amelia, scored on two days of the week, rose 60 -> 70 (5 or more); nobody was
    # scored twice the week before.
    assert shown("health_improvement_rate") == ("100.0%", "–", "no earlier data")
    # Amelia and Ben were active on 25 Mar; Ben churned on 28 Mar: 1 of 2 kept.
    # By contract value: 1,000 of 4,000 kept.
    assert shown("retention_rate") == ("50.0%", "100.0%", "▼ 50.0 pts")
    assert shown("revenue_retention_rate") == ("25.0%", "100.0%", "▼ 75.0 pts")
    assert cards["retention_rate"]["change_colour"] == "#c62828"  # worse: red
    # Ben was at critical risk with a call on 26 Mar and churned two days later: 0 of 1.
    assert shown("churn_prevention_rate") == ("0.0%", "–", "no earlier data")
    # Two completed in the week: one resolved, one responded.
    assert shown("success_rate") == ("50.0%", "–", "no earlier data")
    assert shown("response_rate") == ("50.0%", "–", "no earlier data")
    # Resolution: 24 h and 96 h -> 60 h = 2.5 days; time to intervention: 2 h and 6 h -> 4 h.
    assert shown("avg_resolution_hours")[0] == "2.5 days"
    assert shown("avg_time_to_intervention_hours")[0] == "4 h"

    assert data["basis"]["retention_rate"] == "1 of 2 churned"
    assert data["basis"]["success_rate"] == "1 of 2 resolved"
    assert data["basis"]["churn_prevention_rate"] == "0 of 1 at-risk kept"
    assert data["basis"]["average_health_score"] == "2 scored 31 Mar"


def test_the_chart_series_are_the_periods_aggregates(book):
    data = view_model.analytics_data(book, "7d", "all", now=NOW)
    # Scored days of the week: 25 Mar (Amelia 60, Ben 35) and 31 Mar (Amelia 70, Cleo 90).
    assert data["daily_scores"] == {
        "day": ["2026-03-25", "2026-03-31"],
        "average_score": [47.5, 80.0],
        "clients": [2, 2],
    }
    assert data["previous_daily_scores"]["average_score"] == [45.0]
    assert data["daily_risk_counts"] == {
        "day": ["2026-03-25", "2026-03-31"],
        "low": [0, 1], "medium": [1, 1], "high": [0, 0], "critical": [1, 0],
    }  # fmt: skip
    # Per day for a week: created on 25 and 26 Mar, completed on 27 and 29 Mar.
    assert data["activity"]["created"] == [1, 1, 0, 0, 0, 0, 0]
    assert data["activity"]["completed"] == [0, 0, 1, 0, 1, 0, 0]
    assert data["weekly"] is False
    by_type = dict(zip(data["by_type"]["type"], data["by_type"]["resolved"], strict=True))
    assert by_type == {"call": 0, "email": 1, "meeting": 0, "account_review": 0}
    assert data["by_member"]["member"] == ["Tom Ellis"]
    assert data["by_member"]["completed"] == [2]

    frames = view_model.frames(data)
    trend = figures.score_trend(frames.daily_scores, previous=frames.previous_daily_scores)
    current = next(trace for trace in trend.data if trace.name == "This period")
    assert list(current.y) == [47.5, 80.0]
    rows = view_model.team_rows(frames.by_member)
    assert rows == [view_model.TeamRow("Tom Ellis", 0, 0, 2, "50%", "2.5 days")]
    assert view_model.range_caption(data) == (
        "25 Mar – 31 Mar 2026, compared with 18 Mar – 24 Mar 2026 · latest scores 31 Mar"
    )


def test_the_segment_narrows_every_figure(book):
    new = view_model.analytics_data(book, "7d", "new_clients", now=NOW)
    # Only Cleo was created in the week: her 90 alone, and no intervention.
    assert new["daily_scores"]["average_score"] == [90.0]
    assert new["cards"]["average_health_score"]["value_text"] == "90.0"
    assert new["cards"]["success_rate"]["value_text"] == "–"
    assert new["by_member"]["member"] == []
    existing = view_model.analytics_data(book, "7d", "existing_clients", now=NOW)
    assert existing["daily_scores"]["average_score"] == [47.5, 70.0]
    assert existing["cards"]["retention_rate"]["value_text"] == "50.0%"


def test_the_cards_and_team_table_draw_from_the_stored_aggregates(book):
    data = view_model.analytics_data(book, "7d", "all", now=NOW)
    rows = kpi_grid(data)
    text = str(rows)
    for key in ("average_health_score", "success_rate", "risk_share_low"):
        assert f"an-kpi-{key.replace('_', '-')}-value" in text
    table = team_table(view_model.team_rows(view_model.frames(data).by_member))
    assert "Tom Ellis" in str(table)
    assert "No interventions" in str(team_table([]))


def test_an_empty_database_gives_empty_series_and_dashes(session):
    data = view_model.analytics_data(session, "30d", "all", now=NOW)
    assert data["score_date"] is None
    assert data["daily_scores"] == {"day": [], "average_score": [], "clients": []}
    assert data["cards"]["average_health_score"]["value_text"] == "–"
    frames = view_model.frames(data)
    assert figures.score_trend(frames.daily_scores).layout.annotations  # the empty state's message
