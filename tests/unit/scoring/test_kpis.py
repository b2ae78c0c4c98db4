"""Intervention measures (DESIGN 6), retention analytics (DESIGN 7) and chart series.

The period is June 2026 (2026-06-01, a Monday, to 2026-06-30) and now is
2026-06-30 12:00 UTC.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from scoring.kpis import (
    daily_average_score,
    daily_risk_counts,
    intervention_kpis,
    intervention_kpis_by,
    interventions_over_time,
    period_bounds,
    retention,
    segment_clients,
)

START, END = "2026-06-01", "2026-06-30"
NOW = pd.Timestamp("2026-06-30 12:00", tz="UTC")
COLUMNS = [
    "id", "client_id", "type", "priority", "status", "assigned_to", "source", "created_at",
    "started_at", "completed_at", "cancelled_at", "due_at", "outcome", "client_responded",
    "score_at_creation",
]
TIMES = ("created_at", "started_at", "completed_at", "cancelled_at", "due_at")


def interventions(*rows: tuple) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows), columns=COLUMNS)
    for name in TIMES:
        frame[name] = pd.to_datetime(frame[name], utc=True)
    return frame


N = None
BOOK = interventions(
    # id client type status who created started completed cancelled due outcome responded score
    (1, "a", "call", "urgent", "completed", 1, "auto", "2026-06-01 08:00", "2026-06-01 10:00",
     "2026-06-02 08:00", N, "2026-06-02 08:00", "resolved", True, 35),
    (2, "b", "email", "high", "completed", 2, "manual", "2026-06-02 00:00", N,
     "2026-06-05 00:00", N, "2026-06-04 00:00", "no_response", False, 50),
    (3, "a", "call", "high", "pending", 1, "manual", "2026-06-10 00:00", N,
     N, N, "2026-06-11 00:00", N, N, 40),
    (4, "c", "meeting", "low", "cancelled", N, "manual", "2026-06-03 00:00", N,
     N, "2026-06-04 00:00", "2026-06-10 00:00", N, N, 70),
    (5, "d", "call", "urgent", "completed", 1, "auto", "2026-05-20 00:00", "2026-05-20 06:00",
     "2026-06-03 00:00", N, "2026-05-21 00:00", "resolved", True, 40),
    (6, "e", "account_review", "medium", "in_progress", 2, "manual", "2026-06-20 00:00",
     "2026-06-21 00:00", N, N, "2026-07-05 00:00", N, N, 60),
    (7, "f", "email", "medium", "completed", 2, "manual", "2026-05-01 00:00", N,
     "2026-05-02 00:00", N, "2026-05-08 00:00", "resolved", True, 55),
)
SCORES_AFTER = pd.DataFrame(
    {
        "client_id": ["a", "a", "b", "d"],
        "day": [dt.date(2026, 6, 15), dt.date(2026, 6, 16), dt.date(2026, 6, 19), dt.date(2026, 6, 18)],
        "score": [99, 50, 48, 70],
    }
)


# -- intervention measures ----------------------------------------------------------------


def test_intervention_measures_over_the_period():
    k = intervention_kpis(BOOK, SCORES_AFTER, now=NOW, start=START, end=END)
    assert k["created"] == 5  # 1, 2, 3, 4, 6 (5 and 7 were created in May)
    assert k["open"] == 2  # 3 pending, 6 in progress
    assert k["overdue"] == 1  # 3 was due 06-11; 6 is due 07-05
    assert k["completed"] == 3  # 1, 2 and 5 (completed 06-03); 7 was completed in May
    assert k["cancelled"] == 1  # 4
    assert k["success_rate"] == pytest.approx(2 / 3)  # resolved: 1 and 5
    assert k["response_rate"] == pytest.approx(2 / 3)  # responded: 1 and 5
    # completed - created: 24 h, 72 h, 14 days = 336 h -> 432 / 3
    assert k["avg_resolution_hours"] == pytest.approx(144.0)
    # created in June and started or completed: 1 started after 2 h, 2 completed after 72 h,
    # 6 started after 24 h -> 98 / 3
    assert k["avg_time_to_intervention_hours"] == pytest.approx(98 / 3)
    # score 14 days after completion: 1 on 06-16: 50 - 35 = +15; 2 on 06-19: 48 - 50 = -2;
    # 5 on 06-17: no score that day (06-18 does not count)
    assert k["avg_score_improvement"] == pytest.approx(6.5)
    assert k["score_improvements"] == 2
    # created in June and not cancelled: 1, 2, 3, 6; completed: 1, 2
    assert k["completion_rate"] == pytest.approx(0.5)
    assert all(isinstance(k[name], int) for name in ("created", "open", "overdue", "completed"))


def test_intervention_measures_without_a_period_take_everything():
    k = intervention_kpis(BOOK, SCORES_AFTER, now=NOW)
    assert k["created"] == 7
    assert k["completed"] == 4  # 1, 2, 5, 7
    assert k["success_rate"] == pytest.approx(3 / 4)
    assert k["completion_rate"] == pytest.approx(4 / 6)  # all but the cancelled 4; 1, 2, 5, 7 completed


def test_zero_denominators_are_none():
    k = intervention_kpis(interventions(), SCORES_AFTER, now=NOW, start=START, end=END)
    assert k["created"] == k["completed"] == k["open"] == 0
    for name in ("success_rate", "response_rate", "avg_resolution_hours", "avg_time_to_intervention_hours",
                 "avg_score_improvement", "completion_rate"):
        assert k[name] is None


def test_measures_by_type():
    by = intervention_kpis_by(BOOK, SCORES_AFTER, "type", now=NOW, start=START, end=END)
    assert list(by.index) == ["call", "email", "meeting", "account_review"]
    call, email, meeting, review = (by.loc[t] for t in by.index)
    # call: 1, 3 created in June (5 in May); 1 and 5 completed and resolved
    assert (call["created"], call["open"], call["overdue"], call["completed"]) == (2, 1, 1, 2)
    assert call["success_rate"] == 1.0
    assert call["avg_resolution_hours"] == pytest.approx(180.0)  # (24 + 336) / 2
    assert call["avg_time_to_intervention_hours"] == pytest.approx(2.0)
    assert call["avg_score_improvement"] == pytest.approx(15.0)
    assert call["completion_rate"] == pytest.approx(0.5)  # 1 done, 3 pending
    assert (email["created"], email["completed"], email["success_rate"]) == (1, 1, 0.0)
    assert email["avg_score_improvement"] == pytest.approx(-2.0)
    assert meeting["cancelled"] == 1
    assert np.isnan(meeting["success_rate"]) and np.isnan(meeting["completion_rate"])
    assert review["completion_rate"] == 0.0  # 6 in progress
    assert review["avg_time_to_intervention_hours"] == pytest.approx(24.0)


def test_measures_by_team_member():
    by = intervention_kpis_by(BOOK, SCORES_AFTER, "assigned_to", now=NOW, start=START, end=END)
    one, two = by.loc[1], by.loc[2]
    # member 1: 1, 3, 5
    assert (one["open"], one["completed"], one["overdue"]) == (1, 2, 1)
    assert one["success_rate"] == 1.0
    assert one["avg_resolution_hours"] == pytest.approx(180.0)
    # member 2: 2, 6, 7 (7 completed in May)
    assert (two["open"], two["completed"], two["overdue"]) == (1, 1, 0)
    assert two["success_rate"] == 0.0
    assert two["avg_resolution_hours"] == pytest.approx(72.0)
    # the unassigned cancelled meeting
    unassigned = by.loc[by.index.isna()].iloc[0]
    assert unassigned["cancelled"] == 1


def test_by_must_be_type_or_assignee():
    with pytest.raises(ValueError, match="by must be"):
        intervention_kpis_by(BOOK, SCORES_AFTER, "priority", now=NOW)


def test_interventions_over_time_by_day_and_week():
    daily = interventions_over_time(BOOK, start=START, end="2026-06-05")
    # created 06-01 (1), 06-02 (2), 06-03 (4); completed 06-02 (1), 06-03 (5), 06-05 (2)
    assert daily["created"].tolist() == [1, 1, 1, 0, 0]
    assert daily["completed"].tolist() == [0, 1, 1, 0, 1]
    assert daily["period_start"].iloc[0] == pd.Timestamp("2026-06-01")

    weekly = interventions_over_time(BOOK, start=START, end=END, freq="W")
    assert weekly["period_start"].dt.strftime("%m-%d").tolist() == ["06-01", "06-08", "06-15", "06-22", "06-29"]
    assert weekly["created"].tolist() == [3, 1, 1, 0, 0]  # 06-01/02/03, 06-10, 06-20
    assert weekly["completed"].tolist() == [3, 0, 0, 0, 0]  # 06-02/03/05

    # a period starting on a Wednesday: its first week is labelled by its Monday, counts from 06-03
    midweek = interventions_over_time(BOOK, start="2026-06-03", end="2026-06-09", freq="W")
    assert midweek["period_start"].dt.strftime("%m-%d").tolist() == ["06-01", "06-08"]
    assert midweek["created"].tolist() == [1, 0]  # only 06-03
    assert midweek["completed"].tolist() == [2, 0]  # 06-03 and 06-05


# -- retention ----------------------------------------------------------------------------


def ts(value: str | None) -> pd.Timestamp:
    return pd.Timestamp(value, tz="UTC") if value else pd.NaT


CLIENTS = pd.DataFrame(
    [
        ("a", ts("2026-01-01"), "active", N, N, 100_000),
        ("b", ts("2026-02-01"), "churned", ts("2026-06-10"), N, 50_000),
        ("c", ts("2026-06-05"), "active", N, N, 70_000),  # new
        ("d", ts("2026-01-01"), "churned", ts("2026-05-01"), N, 30_000),  # gone before June
        ("e", ts("2026-03-01"), "completed", N, ts("2026-06-20"), 60_000),  # wedding done: retained
        ("f", ts("2026-06-10"), "churned", ts("2026-06-25"), N, 20_000),  # new, churned
        ("g", ts("2026-05-31 23:00"), "active", N, N, 10_000),  # existing: the day before
        ("h", ts("2026-06-01"), "active", N, N, 5_000),  # new: created on the first day
    ],
    columns=["client_id", "created_at", "status", "churned_at", "completed_at", "contract_value"],
)
HISTORY = pd.DataFrame(
    [
        ("a", "2026-06-01", 50, "high"), ("a", "2026-06-30", 56, "medium"),  # +6
        ("b", "2026-06-01", 45, "high"), ("b", "2026-06-09", 40, "high"),  # -5
        ("c", "2026-06-05", 90, "low"), ("c", "2026-06-30", 94, "low"),  # +4
        ("e", "2026-06-01", 30, "critical"), ("e", "2026-06-19", 60, "medium"),  # +30
        ("f", "2026-06-10", 38, "critical"), ("f", "2026-06-24", 38, "critical"),  # 0
        ("g", "2026-06-30", 70, "medium"),  # one day only
        ("h", "2026-06-01", 80, "low"), ("h", "2026-06-30", 85, "low"),  # +5
        ("a", "2026-05-31", 10, "critical"),  # before the period: ignored
    ],
    columns=["client_id", "day", "score", "risk_level"],
)
HELP = interventions(
    (1, "a", "call", "high", "completed", 1, "auto", "2026-06-02", N, "2026-06-03", N, N, "resolved", True, 50),
    (2, "b", "email", "high", "pending", 1, "auto", "2026-06-03", N, N, N, N, N, N, 45),
    (3, "e", "call", "urgent", "cancelled", 1, "auto", "2026-06-05", N, N, "2026-06-06", N, N, N, 30),
    (4, "e", "meeting", "high", "completed", 1, "manual", "2026-05-25", N, "2026-05-26", N, N, N, N, 30),
    (5, "f", "call", "urgent", "pending", 1, "auto", "2026-06-12", N, N, N, N, N, N, 38),
    (6, "c", "call", "low", "pending", 1, "manual", "2026-06-06", N, N, N, N, N, N, 90),
)


def test_segments():
    assert set(segment_clients(CLIENTS, "all", START, END)) == set("abcdefgh")
    assert set(segment_clients(CLIENTS, "new_clients", START, END)) == {"c", "f", "h"}
    assert set(segment_clients(CLIENTS, "existing_clients", START, END)) == {"a", "b", "d", "e", "g"}


def test_retention_of_all_clients():
    r = retention(CLIENTS, HISTORY, HELP, start=START, end=END)
    # active at the start: a, b, e, g (d churned in May; c, f, h are new); b churned in June
    assert (r["clients_at_start"], r["churned"]) == (4, 1)
    assert r["retention_rate"] == pytest.approx(0.75)  # 1 - 1/4
    # revenue 100 000 + 50 000 + 60 000 + 10 000 = 220 000, churned 50 000
    assert (r["revenue_at_start"], r["revenue_churned"]) == (220_000, 50_000)
    assert r["revenue_retention_rate"] == pytest.approx(170_000 / 220_000)
    # at risk in June with an intervention created in June and not cancelled: a, b, f
    # (e's June call was cancelled and its meeting is from May; c was never at risk);
    # b and f churned within 60 days of it
    assert (r["at_risk_with_intervention"], r["churn_prevented"]) == (3, 1)
    assert r["churn_prevention_rate"] == pytest.approx(1 / 3)
    # two or more scores in June: a, b, c, e, f, h; up 5 or more: a (+6), e (+30), h (+5)
    assert (r["compared_clients"], r["improved_clients"]) == (6, 3)
    assert r["health_improvement_rate"] == pytest.approx(0.5)
    # last scored day 06-30: a 56, c 94, g 70, h 85 -> 305 / 4
    assert r["scored_clients"] == 4
    assert r["average_score"] == pytest.approx(76.25)
    assert r["risk_counts"] == {"low": 2, "medium": 2, "high": 0, "critical": 0}
    assert r["risk_shares"] == {"low": 0.5, "medium": 0.5, "high": 0.0, "critical": 0.0}


def test_retention_of_existing_clients():
    r = retention(CLIENTS, HISTORY, HELP, start=START, end=END, segment="existing_clients")
    assert (r["clients_at_start"], r["churned"], r["retention_rate"]) == (4, 1, 0.75)
    assert (r["at_risk_with_intervention"], r["churn_prevented"]) == (2, 1)  # a kept, b churned
    assert (r["compared_clients"], r["improved_clients"]) == (3, 2)  # a, b, e; a and e
    assert r["average_score"] == pytest.approx(63.0)  # a 56, g 70
    assert r["risk_shares"]["medium"] == 1.0


def test_retention_of_new_clients():
    r = retention(CLIENTS, HISTORY, HELP, start=START, end=END, segment="new_clients")
    # each new client counts from its own start: c, f, h; f churned
    assert (r["clients_at_start"], r["churned"]) == (3, 1)
    assert r["retention_rate"] == pytest.approx(2 / 3)
    assert r["revenue_retention_rate"] == pytest.approx(75_000 / 95_000)  # 70 000 + 20 000 + 5 000
    assert (r["at_risk_with_intervention"], r["churn_prevented"], r["churn_prevention_rate"]) == (1, 0, 0.0)
    assert r["health_improvement_rate"] == pytest.approx(1 / 3)  # h only
    assert r["average_score"] == pytest.approx(89.5)  # c 94, h 85


def test_churn_prevention_looks_60_days_ahead_or_until_today():
    people = pd.DataFrame(
        {
            "client_id": ["x", "y"],
            "created_at": [ts("2026-01-01")] * 2,
            "status": ["churned", "churned"],
            "churned_at": [ts("2026-08-15"), ts("2026-07-20")],
            "contract_value": [1, 1],
        }
    )
    history = pd.DataFrame({"client_id": ["x", "y"], "day": ["2026-06-01"] * 2, "score": [30, 30]})
    helped = interventions(
        (1, "x", "call", "urgent", "completed", 1, "auto", "2026-06-02", N, "2026-06-03", N, N, N, N, 30),
        (2, "y", "call", "urgent", "completed", 1, "auto", "2026-06-02", N, "2026-06-03", N, N, N, N, 30),
    )
    # 60 days after 06-02 is 08-01: x churned later (prevented), y on 07-20 (not prevented)
    late = retention(people, history, helped, start=START, end=END, today="2026-12-31")
    assert (late["at_risk_with_intervention"], late["churn_prevented"]) == (2, 1)
    # seen on 07-10, neither had churned yet
    early = retention(people, history, helped, start=START, end=END, today="2026-07-10")
    assert early["churn_prevented"] == 2


def test_retention_with_nobody_is_none_not_an_error():
    r = retention(CLIENTS.iloc[:0], HISTORY.iloc[:0], HELP.iloc[:0], start=START, end=END)
    for name in ("retention_rate", "revenue_retention_rate", "churn_prevention_rate",
                 "health_improvement_rate", "average_score"):
        assert r[name] is None
    assert r["risk_shares"] == {"low": None, "medium": None, "high": None, "critical": None}


def test_period_bounds():
    assert period_bounds("7d", "2026-06-30") == (dt.date(2026, 6, 24), dt.date(2026, 6, 30))
    assert period_bounds("30d", "2026-06-30") == (dt.date(2026, 6, 1), dt.date(2026, 6, 30))
    assert period_bounds("1y", "2026-06-30") == (dt.date(2025, 7, 1), dt.date(2026, 6, 30))  # 365 days


# -- chart series -------------------------------------------------------------------------


def test_daily_average_score_and_risk_counts():
    avg = daily_average_score(HISTORY, start=START, end=END)
    first = avg.iloc[0]
    assert first["day"] == pd.Timestamp("2026-06-01")
    assert first["average_score"] == pytest.approx(51.25)  # a 50, b 45, e 30, h 80
    assert first["clients"] == 4
    assert len(avg) == 7  # 06-01, 05, 09, 10, 19, 24, 30

    counts = daily_risk_counts(HISTORY, start=START, end=END).set_index("day")
    assert list(counts.columns) == ["low", "medium", "high", "critical"]
    assert counts.loc["2026-06-01"].tolist() == [1, 0, 2, 1]  # h; a, b; e
    assert counts.loc["2026-06-30"].tolist() == [2, 2, 0, 0]  # c, h; a, g


def test_series_for_a_segment_and_from_scores_alone():
    new = segment_clients(CLIENTS, "new_clients", START, END)
    avg = daily_average_score(HISTORY, start=START, end=END, clients=new).set_index("day")
    assert avg.loc["2026-06-01", "average_score"] == 80.0  # h only
    # without a risk_level column it is banded from the score: 50 high, 45 high, 30 critical, 80 low
    counts = daily_risk_counts(HISTORY.drop(columns="risk_level"), start=START, end=START)
    assert counts.iloc[0][["low", "medium", "high", "critical"]].tolist() == [1, 0, 2, 1]
