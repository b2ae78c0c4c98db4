"""Intervention rules of DESIGN 6: due dates, queue, automatic interventions and alerts.

The scoring day is 2026-06-15 and the run happens at 06:00 UTC that day, so
"14 days before" is 2026-06-01 and "7 days before now" is 2026-06-08 06:00.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scoring.model import COMPONENT_COLUMNS
from scoring.rules import (
    alerts,
    automatic_interventions,
    default_due,
    is_overdue,
    least_loaded,
    risk_levels,
)

AS_OF = "2026-06-15"
NOW = pd.Timestamp("2026-06-15 06:00", tz="UTC")
DAY = pd.Timedelta(days=1)
INTERVENTION_COLUMNS = [
    "id", "client_id", "type", "priority", "status", "assigned_to", "source", "created_at",
    "started_at", "completed_at", "cancelled_at", "due_at", "outcome", "client_responded",
    "score_at_creation",
]


def ts(value: str) -> pd.Timestamp:
    return pd.Timestamp(value, tz="UTC")


def scores_today(**scores: int) -> pd.DataFrame:
    """Today's scores; every component 60 except task completion 20 (the primary factor)."""
    frame = pd.DataFrame({"client_id": list(scores), "score": list(scores.values())})
    frame["risk_level"] = risk_levels(frame["score"]).to_numpy()
    for column in COMPONENT_COLUMNS:
        frame[column] = 60.0
    frame["c_completion"] = 20.0
    return frame


def clients(*ids: str, created: str = "2026-01-01", **columns) -> pd.DataFrame:
    frame = pd.DataFrame(
        {"client_id": list(ids), "status": "active", "created_at": ts(created), "owner_id": None}
    )
    for name, values in columns.items():
        frame[name] = values
    if "created_at" in columns:
        frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True, format="ISO8601")
    return frame


TEAM = pd.DataFrame(
    {
        "id": [1, 2, 3, 4, 5],
        "role": ["manager", "admin", "manager", "viewer", "manager"],
        "active": [True, True, True, True, False],
    }
)


def interventions(*rows: dict) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows), columns=INTERVENTION_COLUMNS)
    for name in ("created_at", "started_at", "completed_at", "cancelled_at", "due_at"):
        frame[name] = pd.to_datetime(frame[name], utc=True)
    return frame


NONE = interventions()


def run(scores, people, open_=NONE, closed=NONE, team=TEAM, reference=None):
    ref = pd.Series(dtype=float) if reference is None else pd.Series(reference, dtype=float)
    return automatic_interventions(scores, ref, people, open_, closed, team, AS_OF, NOW).set_index("client_id")


# -- due dates and the queue --------------------------------------------------------------


@pytest.mark.parametrize(
    ("priority", "due"),
    [
        ("urgent", "2026-06-16 06:00"),  # 24 hours
        ("high", "2026-06-17 06:00"),  # 48 hours
        ("medium", "2026-06-22 06:00"),  # 7 days
        ("low", "2026-07-15 06:00"),  # 30 days
    ],
)
def test_default_due(priority, due):
    assert default_due(priority, NOW) == ts(due)


def test_default_due_on_series_and_naive_times_are_utc():
    due = default_due(pd.Series(["urgent", "low"]), pd.Series([pd.Timestamp("2026-06-15 06:00")] * 2))
    assert due.tolist() == [ts("2026-06-16 06:00"), ts("2026-07-15 06:00")]


def test_overdue_is_a_passed_due_date_while_open():
    frame = interventions(
        {"status": "pending", "due_at": NOW - pd.Timedelta(minutes=1)},
        {"status": "in_progress", "due_at": NOW - DAY},
        {"status": "completed", "due_at": NOW - DAY},
        {"status": "cancelled", "due_at": NOW - DAY},
        {"status": "pending", "due_at": NOW + DAY},
        {"status": "pending", "due_at": None},
    )
    assert is_overdue(frame, NOW).tolist() == [True, True, False, False, False, False]


def test_risk_levels_band_the_rounded_score():
    levels = risk_levels(pd.Series([39.4, 39.5, 59.5, 79.45, 80.0, 100.0, np.nan]))
    # 39.4 -> 39, 39.5 -> 40, 59.5 -> 60, 79.45 -> 79, 80, 100
    assert levels.tolist()[:6] == ["critical", "high", "medium", "medium", "low", "low"]
    assert levels.iloc[6] is None


# -- automatic interventions --------------------------------------------------------------


def test_critical_gets_an_urgent_call_and_high_a_high_call():
    out = run(scores_today(a=30, b=45, c=65, d=85), clients("a", "b", "c", "d"))
    assert list(out.index) == ["a", "b"]  # medium and low get nothing
    assert out.loc["a", ["type", "priority"]].tolist() == ["call", "urgent"]
    assert out.loc["a", "due_at"] == ts("2026-06-16 06:00")  # now + 24 h
    assert out.loc["b", ["type", "priority"]].tolist() == ["call", "high"]
    assert out.loc["b", "due_at"] == ts("2026-06-17 06:00")  # now + 48 h
    assert out["score_at_creation"].tolist() == [30, 45]


def test_columns():
    out = automatic_interventions(
        scores_today(a=30), pd.Series(dtype=float), clients("a"), NONE, NONE, TEAM, AS_OF, NOW
    )
    assert list(out.columns) == [
        "client_id", "type", "priority", "due_at", "assigned_to", "title", "description", "score_at_creation",
    ]


def test_title_and_description_state_the_score_and_the_primary_factor():
    out = run(scores_today(a=30), clients("a"), reference={"a": 45})
    assert out.loc["a", "title"] == "Critical risk: score 30, main factor Task completion"
    # task completion weighs 0.35 x 0.35 = 0.1225 and scores 20: it costs 0.1225 x 80 = 9.8 points
    assert out.loc["a", "description"] == (
        "Health score 30 puts this client at critical risk (0-39): immediate action. "
        "It is down 15 points from a week ago. "
        "The main factor is Task completion (tasks due so far that are completed): "
        "it scores 20 of 100 and costs 9.8 points. Call the client within 24 hours."
    )


def test_an_open_intervention_of_any_source_blocks_a_new_one():
    open_ = interventions(
        {"client_id": "a", "status": "pending", "source": "manual", "assigned_to": 1},
        {"client_id": "b", "status": "in_progress", "source": "auto", "assigned_to": 1},
        {"client_id": "c", "status": "completed", "source": "auto", "assigned_to": 1},  # not open
    )
    out = run(scores_today(a=30, b=30, c=30), clients("a", "b", "c"), open_=open_)
    assert list(out.index) == ["c"]


@pytest.mark.parametrize(
    ("created", "gets_one"),
    [
        ("2026-06-02T00:00:00Z", False),  # 13 days before the scoring day: onboarding
        ("2026-06-01T23:59:00Z", True),  # 14 days before (by date)
        ("2026-06-01T00:00:00Z", True),
        ("2026-06-02T01:00:00+02:00", True),  # 2026-06-01 23:00 UTC: 14 days
        ("2026-06-15T00:00:00Z", False),  # created today
    ],
)
def test_clients_younger_than_14_days_get_none(created, gets_one):
    out = run(scores_today(a=30), clients("a", created_at=[created]))
    assert ("a" in out.index) is gets_one


def test_only_active_known_clients_get_one():
    people = clients("a", "b", status=["churned", "active"])
    out = run(scores_today(a=30, b=30, stranger=30), people)
    assert list(out.index) == ["b"]


def closed_auto(client: str, score: float | None, ago: pd.Timedelta, **extra) -> dict:
    return {"client_id": client, "source": "auto", "status": "completed", "completed_at": NOW - ago,
            "score_at_creation": score} | extra


def test_not_recreated_within_7_days_of_an_automatic_one_closing():
    closed = interventions(
        closed_auto("a", 45, pd.Timedelta(days=6.9)),  # high then, high now: blocked
        closed_auto("b", 45, pd.Timedelta(days=7)),  # exactly 7 days ago: no longer blocks
        closed_auto("c", 45, pd.Timedelta(days=6.9)),  # high then, critical now: worsened
        closed_auto("d", 35, pd.Timedelta(days=1)),  # critical then, high now: blocked
        closed_auto("e", 45, pd.Timedelta(days=1), source="manual"),  # manual: does not block
        closed_auto("f", 45, pd.Timedelta(days=1), status="cancelled", completed_at=None,
                    cancelled_at=NOW - DAY),  # cancelled automatic one: blocks
        closed_auto("g", 50, pd.Timedelta(days=3)),  # older closure, high then
        closed_auto("g", 30, pd.Timedelta(days=1)),  # latest closure, critical then: blocks
        closed_auto("h", None, pd.Timedelta(days=1)),  # unknown risk then: blocks
        closed_auto("i", 45, pd.Timedelta(days=-1)),  # closes after now: ignored
    )
    scores = scores_today(a=45, b=45, c=35, d=45, e=45, f=45, g=35, h=30, i=45)
    out = run(scores, clients(*"abcdefghi"), closed=closed)
    assert sorted(out.index) == ["b", "c", "e", "i"]


def test_owner_then_least_loaded_active_non_viewer_counting_this_batch():
    open_ = interventions(
        {"client_id": "x1", "status": "pending", "assigned_to": 1},
        {"client_id": "x2", "status": "in_progress", "assigned_to": 1},
        {"client_id": "x3", "status": "pending", "assigned_to": 2},
        {"client_id": "x4", "status": "pending", "assigned_to": 3},
        {"client_id": "x5", "status": "completed", "assigned_to": 3},  # closed: not a load
    )
    people = clients(
        "own", "u1", "u2", "u3", "u4", owner_id=[3, None, 5, 4, None]  # 5 inactive, 4 a viewer
    )
    scores = scores_today(own=50, u1=20, u2=35, u3=41, u4=41)
    out = run(scores, people, open_=open_)
    # worst first: u1 (critical 20), u2 (critical 35), u3 and u4 (high 41, by id), own (high 50)
    assert list(out.index) == ["u1", "u2", "u3", "u4", "own"]
    # loads: 1 -> 2, 2 -> 1, 3 -> 1, then own goes to its owner 3 -> 2.
    # u1: member 2 (1) -> 2 has 2; u2: all at 2, smallest id 1 -> 3;
    # u3: 2 and 3 at 2, id 2 -> 3; u4: 3 (2) -> 3.
    assert out["assigned_to"].to_dict() == {"u1": 2, "u2": 1, "u3": 2, "u4": 3, "own": 3}


def test_nobody_to_assign_leaves_it_unassigned():
    viewers = pd.DataFrame({"id": [4], "role": ["viewer"], "active": [True]})
    out = run(scores_today(a=30), clients("a"), team=viewers)
    assert out.loc["a", "assigned_to"] is None


def test_least_loaded_one_at_a_time():
    # ids 3 (load 2), 7 (0), 10 (0): 7, 10, then 7 and 10 at 1 -> 7, 10, then all at 2 -> 3
    assert least_loaded(pd.Series({10: 0, 3: 2, 7: 0}), 5) == [7, 10, 7, 10, 3]
    assert least_loaded(pd.Series(dtype=int), 2) == [None, None]
    assert least_loaded(pd.Series({1: 0}), 0) == []


def test_nothing_to_do_gives_an_empty_frame():
    out = automatic_interventions(
        scores_today(a=90), pd.Series(dtype=float), clients("a"), NONE, NONE, TEAM, AS_OF, NOW
    )
    assert out.empty and "assigned_to" in out.columns


# -- alerts -------------------------------------------------------------------------------


def previous(**levels: str) -> pd.DataFrame:
    return pd.DataFrame({"client_id": list(levels), "risk_level": list(levels.values())})


def recent(*rows: tuple[str, str, str, str]) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows), columns=["client_id", "kind", "message", "created_at"])
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    return frame


NO_ALERTS = recent()


def raise_alerts(scores, reference, prev, people, past=NO_ALERTS):
    out = alerts(scores, pd.Series(reference, dtype=float), prev, past, people, AS_OF)
    assert out["client_id"].is_unique  # at most one alert per client per day
    return out.set_index("client_id")


def test_a_fall_of_10_points_against_7_days_before():
    out = raise_alerts(
        scores_today(a=60, b=60), {"a": 70, "b": 69}, previous(a="medium", b="medium"), clients("a", "b")
    )
    assert list(out.index) == ["a"]  # b fell 9
    assert out.loc["a", "kind"] == "score_drop"
    assert out.loc["a", "message"] == "Health score fell 10 points in a week, from 70 to 60."


def test_a_worse_risk_level_than_on_the_previous_scored_day():
    out = raise_alerts(
        scores_today(c=79, d=65, e=45),
        {"c": 81},
        previous(c="low", d="high"),  # d got better, e has no previous score
        clients("c", "d", "e"),
    )
    assert list(out.index) == ["c"]
    assert out.loc["c", "kind"] == "risk_worsened"
    assert out.loc["c", "message"] == "Risk level worsened from low to medium (health score 79)."


def test_both_make_one_alert_that_says_both():
    out = raise_alerts(scores_today(f=58), {"f": 72}, previous(f="medium"), clients("f"))
    assert out.loc["f", "kind"] == "risk_worsened"
    assert out.loc["f", "message"] == (
        "Health score fell 14 points in a week, from 72 to 58, and the risk level worsened from medium to high."
    )


def test_no_new_score_drop_alert_within_7_days_of_one():
    past = recent(
        ("g", "score_drop", "Health score fell 11 points in a week, from 71 to 60.", "2026-06-09 00:00"),  # day -6
        ("h", "score_drop", "Health score fell 11 points in a week, from 71 to 60.", "2026-06-08 23:59"),  # day -7
        ("i", "risk_worsened", "Health score fell 12 points in a week, from 72 to 60, and ...", "2026-06-13 10:00"),
        ("j", "risk_worsened", "Risk level worsened from low to medium (health score 79).", "2026-06-13 10:00"),
    )
    scores = scores_today(g=60, h=60, i=60, j=60)
    ref = {"g": 72, "h": 72, "i": 72, "j": 72}
    out = raise_alerts(scores, ref, previous(g="medium", h="medium", i="medium", j="medium"),
                       clients(*"ghij"), past)
    # g: a fall reported 6 days ago; i: reported by the combined alert; j's was about risk only
    assert list(out.index) == ["h", "j"]
    assert (out["kind"] == "score_drop").all()


def test_a_reported_fall_leaves_only_the_risk_news():
    past = recent(("k", "score_drop", "Health score fell 10 points in a week, from 68 to 58.", "2026-06-13"))
    out = raise_alerts(scores_today(k=58), {"k": 70}, previous(k="medium"), clients("k"), past)
    assert out.loc["k", "kind"] == "risk_worsened"
    assert out.loc["k", "message"] == "Risk level worsened from medium to high (health score 58)."


def test_no_second_alert_on_the_same_day():
    past = recent(("l", "risk_worsened", "Risk level worsened from low to medium.", "2026-06-15 01:00"))
    out = raise_alerts(scores_today(l=50), {"l": 70}, previous(l="medium"), clients("l"), past)
    assert out.empty


@pytest.mark.parametrize(("created", "alerted"), [("2026-06-02", False), ("2026-06-01", True)])
def test_no_alerts_while_onboarding(created, alerted):
    out = raise_alerts(scores_today(a=50), {"a": 70}, previous(a="high"), clients("a", created_at=[created]))
    assert ("a" in out.index) is alerted


def test_the_assignee_is_the_owner():
    people = clients("a", "b", owner_id=[7, None])
    out = raise_alerts(scores_today(a=50, b=50), {"a": 70, "b": 70}, previous(a="high", b="high"), people)
    assert out.loc["a", "assignee"] == 7
    assert out.loc["b", "assignee"] is None
    assert list(out.columns) == ["kind", "message", "assignee"]


def test_previous_scores_may_be_plain_scores():
    out = alerts(
        scores_today(a=59), pd.Series(dtype=float), pd.Series({"a": 60}), NO_ALERTS, clients("a"), AS_OF
    )
    assert out["kind"].tolist() == ["risk_worsened"]  # 60 medium -> 59 high
