"""Every component of DESIGN 5 on hand-made events, with the window edges.

D is 2026-06-30 throughout, so "the last 30 days" is 2026-06-01..06-30, "the
last 7 days" 06-24..06-30, "the last 14 days" 06-17..06-30 and "the last 90
days" 04-02..06-30.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from scoring.health import health_scores_for, risk_level_of, round_half_up

from .book import clients, events

D = "2026-06-30"


def score(ev, client_frame=None, as_of=D):
    frame = health_scores_for(client_frame if client_frame is not None else clients("a"), ev, as_of)
    return frame.set_index("client_id").loc["a"]


# -- engagement ---------------------------------------------------------------------------


def test_logins_window_is_the_last_30_days_inclusive():
    inside = [("a", "2026-06-01T00:00:00"), ("a", "2026-06-30T23:59:59")]  # D-29 and D
    outside = [("a", "2026-05-31T23:59:59"), ("a", "2026-07-01T00:00:00")]  # D-30 and after D
    row = score(events(logins=inside + outside))
    assert row["logins_30d"] == 2
    assert row["c_logins"] == pytest.approx(2 / 12 * 100, abs=0.05)  # 16.7


@pytest.mark.parametrize(("n", "expected"), [(0, 0.0), (6, 50.0), (12, 100.0), (15, 100.0)])
def test_logins_score_is_capped_at_twelve(n, expected):
    row = score(events(logins=[("a", "2026-06-20")] * n))
    assert row["c_logins"] == expected


def test_interactions_window_is_the_last_7_days():
    rows = [
        ("a", "2026-06-24T08:00", None),  # D-6: in
        ("a", "2026-06-23T23:00", None),  # D-7: out
        ("a", "2026-06-30T10:00", None),  # D: in
    ]
    row = score(events(interactions=rows))
    assert row["interactions_7d"] == 2
    assert row["c_interactions"] == 66.7  # 2/3*100 = 66.67 stored to one decimal


@pytest.mark.parametrize(
    ("last", "expected"),
    [("2026-06-30", 100.0), ("2026-06-23", 50.0), ("2026-06-16", 25.0), ("2026-06-26", 67.3)],
)
def test_recency_halves_every_seven_days(last, expected):
    # 4 days: 100 * 0.5 ** (4/7) = 67.30
    row = score(events(logins=[("a", last)], interactions=[("a", "2026-07-02", None)]))
    assert row["c_recency"] == expected


def test_recency_is_zero_when_never_active_and_counts_interactions():
    assert score(events())["c_recency"] == 0.0
    row = score(events(logins=[("a", "2026-06-09")], interactions=[("a", "2026-06-23", None)]))
    assert row["days_since_activity"] == 7
    assert row["c_recency"] == 50.0


@pytest.mark.parametrize(
    ("hours", "expected"),
    [([2, 10, 40], 91.2), ([4], 100.0), ([72], 0.0), ([90], 0.0), ([1, 3], 100.0), ([38], 50.0)],
)
def test_responsiveness_is_linear_between_4_and_72_hours(hours, expected):
    # median 10 h: (72-10)/68*100 = 91.18;  38 h: (72-38)/68*100 = 50
    rows = [("a", "2026-06-15", h) for h in hours]
    assert score(events(interactions=rows))["c_responsiveness"] == expected


def test_responsiveness_has_no_data_without_replies_in_30_days():
    rows = [("a", "2026-05-31", 2.0), ("a", "2026-06-20", None)]  # the reply is D-30: out
    row = score(events(interactions=rows))
    assert math.isnan(row["c_responsiveness"])


# -- progress -----------------------------------------------------------------------------

TASKS = [
    ("a", "task", "2026-06-10", "2026-06-09T12:00"),  # due, done early
    ("a", "task", "2026-06-20", "2026-07-02T09:00"),  # due, completed after D: not done at D, overdue
    ("a", "task", "2026-06-30", "2026-06-30T18:00"),  # due on D, done on D
    ("a", "task", "2026-07-05", None),  # not due yet: ignored
    ("a", "milestone", "2026-06-10", "2026-06-10T23:00"),  # on time (same day)
    ("a", "milestone", "2026-06-15", "2026-06-16T08:00"),  # one day late: done, not on time
    ("a", "milestone", "2026-06-20", None),  # overdue
]


def test_task_completion_counts_tasks_due_by_d_completed_by_d():
    row = score(events(tasks=TASKS))
    assert (row["tasks_due"], row["tasks_done"]) == (3, 2)
    assert row["c_completion"] == 66.7  # 2/3


def test_milestones_count_only_those_completed_on_or_before_due():
    row = score(events(tasks=TASKS))
    assert (row["milestones_due"], row["milestones_on_time"]) == (3, 1)
    assert row["c_milestones"] == 33.3  # 1/3


def test_overdue_counts_both_kinds_due_before_d_and_not_done():
    # task due 06-20 (done after D) and milestone due 06-20 (never done); the task due
    # on D itself is not overdue, the late milestone was done by D.
    row = score(events(tasks=TASKS))
    assert row["overdue"] == 2
    assert row["c_overdue"] == 60.0  # 100 - 2*20


def test_overdue_floor_is_zero_and_no_data_without_anything_due():
    many = [("a", "task", "2026-06-01", None)] * 6
    assert score(events(tasks=many))["c_overdue"] == 0.0
    future = [("a", "task", "2026-07-10", None)]
    row = score(events(tasks=future))
    assert math.isnan(row["c_overdue"]) and math.isnan(row["c_completion"])


def test_velocity_is_completed_over_due_in_the_last_14_days_capped():
    rows = [
        ("a", "task", "2026-06-17", "2026-06-20"),  # due D-13: in; done in window
        ("a", "task", "2026-06-16", "2026-06-25"),  # due D-14: out; done in window
        ("a", "task", "2026-06-25", None),  # due in window, not done
        ("a", "task", "2026-06-28", None),  # due in window, not done
        ("a", "milestone", "2026-06-20", "2026-06-20"),  # milestones do not count
    ]
    row = score(events(tasks=rows))
    assert (row["velocity_done"], row["velocity_due"]) == (2, 3)
    assert row["c_velocity"] == 66.7
    capped = rows[:2] + [("a", "task", "2026-06-29", "2026-06-29")]  # 3 done / 2 due -> 100
    assert score(events(tasks=capped))["c_velocity"] == 100.0


# -- satisfaction ---------------------------------------------------------------------------


def test_rating_is_the_mean_of_the_last_90_days():
    rows = [
        ("a", "2026-04-02T00:00", 5, None),  # D-89: in
        ("a", "2026-06-30T12:00", 3, None),  # D: in
        ("a", "2026-04-01T23:59", 1, None),  # D-90: out
    ]
    row = score(events(feedback=rows))
    assert row["mean_rating"] == 4
    assert row["c_rating"] == 75.0  # (4-1)/4*100


def test_sentiment_is_the_mean_of_the_last_30_days():
    rows = [("a", "2026-06-01", None, 0.5), ("a", "2026-06-20", None, -0.1), ("a", "2026-05-31", None, -1.0)]
    row = score(events(feedback=rows))
    assert row["c_sentiment"] == 60.0  # mean 0.2 -> (0.2+1)/2*100
    assert math.isnan(row["c_rating"])


@pytest.mark.parametrize(("n", "expected"), [(0, 100.0), (1, 75.0), (2, 50.0), (4, 0.0), (5, 0.0)])
def test_tickets_lose_25_points_each(n, expected):
    rows = [("a", "2026-06-10", None, None)] * n + [("a", "2026-05-31", None, None)]  # D-30: out
    assert score(events(tickets=rows))["c_tickets"] == expected


def test_resolution_uses_tickets_resolved_in_the_last_90_days():
    rows = [
        ("a", "2026-03-01", "2026-04-02", 4),  # resolved D-89: in
        ("a", "2026-06-01", "2026-06-03", 2),  # in
        ("a", "2026-03-01", "2026-04-01", 1),  # resolved D-90: out
        ("a", "2026-06-20", "2026-07-01", 1),  # resolved after D: out
        ("a", "2026-06-20", None, None),  # open
    ]
    row = score(events(tickets=rows))
    assert row["c_resolution"] == 50.0  # mean 3 -> (3-1)/4*100
    assert row["tickets_30d"] == 3  # opened 06-01, 06-20, 06-20


# -- rescaling, coverage, bands ---------------------------------------------------------------


def test_missing_components_and_subscores_are_rescaled():
    # 6 logins (50), 0 interactions (0), last activity D-7 (50), no replies, no tasks,
    # no feedback, no tickets (100).
    # engagement = (0.30*50 + 0.25*0 + 0.25*50) / 0.80 = 34.375
    # progress has no component -> left out; satisfaction = tickets only = 100
    # overall = (0.40*34.375 + 0.25*100) / 0.65 = 59.615 -> 59.6, shown as 60 (medium)
    row = score(events(logins=[("a", "2026-06-23")] * 6))
    assert row["engagement"] == 34.4
    assert math.isnan(row["progress"])
    assert row["satisfaction"] == 100.0
    assert row["overall"] == 59.6
    assert row["score"] == 60
    assert row["risk_level"] == "medium"
    # coverage: 0.40*(0.30+0.25+0.25) + 0.25*0.15 = 0.3575
    assert row["coverage"] == 0.358


def test_full_data_uses_the_full_weights():
    ev = events(
        logins=[("a", "2026-06-30")] * 12,  # 100
        interactions=[("a", "2026-06-30", 4)] * 3,  # interactions 100, responsiveness 100, recency 100
        tasks=[("a", "task", "2026-06-20", "2026-06-19"), ("a", "milestone", "2026-06-20", "2026-06-25")],
        # completion 100, milestones 0 (late), overdue 100, velocity 1/1 = 100
        feedback=[("a", "2026-06-30", 2, 0.0)],  # rating 25, sentiment 50
        tickets=[("a", "2026-06-01", "2026-06-02", 5)],  # tickets 75, resolution 100
    )
    row = score(ev)
    # progress = 0.35*100 + 0.30*0 + 0.20*100 + 0.15*100 = 70
    # satisfaction = 0.40*25 + 0.25*50 + 0.15*75 + 0.20*100 = 53.75
    # overall = 0.40*100 + 0.35*70 + 0.25*53.75 = 77.9375 -> 77.9 -> 78 medium
    assert (row["engagement"], row["progress"], row["satisfaction"]) == (100.0, 70.0, 53.8)
    assert row["overall"] == 77.9
    assert row["coverage"] == 1.0
    assert row["risk_level"] == "medium"


def test_round_half_up_and_bands():
    assert list(round_half_up(np.array([79.45, 79.44, 0.05, 2.5]), 1)) == [79.5, 79.4, 0.1, 2.5]
    assert list(round_half_up(np.array([79.5, 79.4, 39.5, 59.5]))) == [80, 79, 40, 60]
    assert list(risk_level_of(np.array([100, 80, 79, 60, 59, 40, 39, 0]))) == [
        "low", "low", "medium", "medium", "high", "high", "critical", "critical"
    ]


# -- who is scored ----------------------------------------------------------------------------


def test_clients_are_scored_from_creation_until_they_churn_or_complete():
    book = clients(
        "new", "future", "churned_today", "churns_tomorrow", "completed", "no_end",
        created_at=["2026-06-30T20:00", "2026-07-01", "2026-01-01", "2026-01-01", "2026-01-01", "2026-01-01"],
        churned_at=[None, None, "2026-06-30T08:00", "2026-07-01T08:00", None, None],
        completed_at=[None, None, None, None, "2026-06-30T23:59:59", None],
        status=["active", "active", "churned", "churned", "completed", "completed"],
    )
    scored = set(health_scores_for(book, events(), D)["client_id"])
    assert scored == {"new", "churns_tomorrow"}


def test_events_after_d_do_not_change_an_earlier_score():
    base = [("a", "2026-06-20")] * 3
    before = score(events(logins=base), as_of="2026-06-25")
    after = score(events(logins=base + [("a", "2026-06-28")] * 9), as_of="2026-06-25")
    assert before.drop("day").equals(after.drop("day"))
