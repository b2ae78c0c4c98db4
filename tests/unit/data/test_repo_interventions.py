"""The intervention queue: urgent first, overdue before the rest, then by due date; filters and paging."""

from __future__ import annotations

import datetime as dt

import pytest

from data.repositories.interventions import (
    INTERVENTION_COLUMNS,
    intervention_queue,
    interventions_frame,
    open_interventions,
)
from scoring.enums import InterventionStatus, Outcome, Priority

NOW = dt.datetime(2024, 3, 10, 12, 0, tzinfo=dt.UTC)
P, IP, DONE, CANCELLED = (
    InterventionStatus.PENDING,
    InterventionStatus.IN_PROGRESS,
    InterventionStatus.COMPLETED,
    InterventionStatus.CANCELLED,
)


def _at(day: int, hour: int = 12) -> dt.datetime:
    return dt.datetime(2024, 3, day, hour, tzinfo=dt.UTC)


@pytest.fixture
def queue(make_client, make_user, make_intervention):
    """Eight interventions; ``titles[i]`` is "i<i>"."""
    make_client("c1", name="Amy")
    make_client("c2", name="Bo")
    ann = make_user(name="Ann")
    specs = [
        ("i1", Priority.MEDIUM, P, _at(12), "c1"),
        ("i2", Priority.URGENT, P, _at(11), "c1"),
        ("i3", Priority.MEDIUM, IP, _at(9), "c2"),  # overdue
        ("i4", Priority.URGENT, DONE, _at(1), "c2"),  # past due but completed
        ("i5", Priority.HIGH, P, _at(15), "c1"),
        ("i6", Priority.URGENT, P, _at(10, 10), "c2"),  # overdue by two hours
        ("i7", Priority.LOW, CANCELLED, _at(1), "c1"),
        ("i8", Priority.MEDIUM, P, _at(8), "c1"),  # overdue
    ]
    for title, priority, status, due, client_id in specs:
        make_intervention(
            client_id,
            title=title,
            priority=priority,
            status=status,
            due_date=due,
            assigned_to=ann.id if client_id == "c2" else None,
            outcome=Outcome.RESOLVED if status is DONE else None,
        )
    return ann


def _titles(frame) -> list[str]:
    return frame["title"].tolist()


def test_queue_order(session, queue):
    frame, total = intervention_queue(session, now=NOW, limit=100)
    assert total == 8
    assert _titles(frame) == ["i6", "i4", "i2", "i5", "i8", "i3", "i1", "i7"]
    assert list(frame.columns) == list(INTERVENTION_COLUMNS)
    assert frame.set_index("title")["overdue"].to_dict() == {
        "i6": True,
        "i4": False,
        "i2": False,
        "i5": False,
        "i8": True,
        "i3": True,
        "i1": False,
        "i7": False,
    }


def test_queue_filters(session, queue):
    open_frame, total = intervention_queue(session, status=[P, IP], now=NOW)
    assert (_titles(open_frame), total) == (["i6", "i2", "i5", "i8", "i3", "i1"], 6)
    assert _titles(intervention_queue(session, overdue=True, now=NOW)[0]) == ["i6", "i8", "i3"]
    assert _titles(intervention_queue(session, overdue=False, now=NOW)[0]) == [
        "i4",
        "i2",
        "i5",
        "i1",
        "i7",
    ]
    assert _titles(intervention_queue(session, assigned_to=queue.id, now=NOW)[0]) == [
        "i6",
        "i4",
        "i3",
    ]
    assert _titles(intervention_queue(session, client_id="c2", priority="urgent", now=NOW)[0]) == [
        "i6",
        "i4",
    ]
    assert intervention_queue(session, type="email", now=NOW)[1] == 0


def test_queue_paging(session, queue):
    frame, total = intervention_queue(session, now=NOW, page=2, limit=3)
    assert (_titles(frame), total) == (["i5", "i8", "i3"], 8)


def test_queue_rows_name_the_client_and_assignee(session, queue):
    row = intervention_queue(session, now=NOW, limit=1)[0].iloc[0]
    assert (row["client_name"], row["assigned_to_name"], row["version"]) == ("Bo", "Ann", 1)


def test_open_and_all_interventions(session, queue):
    assert _titles(open_interventions(session, now=NOW)) == ["i6", "i2", "i5", "i8", "i3", "i1"]
    assert _titles(interventions_frame(session, now=NOW)) == [f"i{n}" for n in range(1, 9)]
