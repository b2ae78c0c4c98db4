"""The daily job reads only the windows of the score, and scores exactly as from the whole history."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from data.repositories.clients import clients_frame
from data.repositories.events import load_events, load_events_for_day
from scoring.health import health_scores_for

DAY = dt.date(2024, 6, 30)


def _ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def test_reads_the_windows_and_the_last_earlier_activity(session, make_client, add_events):
    make_client("c1")
    make_client("c2")
    make_client("c3")
    add_events(
        "logins",
        [
            {"client_id": "c1", "ts": _ts("2024-01-01 08:00")},  # long before: superseded
            {"client_id": "c1", "ts": _ts("2024-03-01 09:00")},  # last before the window
            {"client_id": "c1", "ts": _ts("2024-04-02 00:00")},  # first day of the window
            {"client_id": "c1", "ts": _ts("2024-07-01 00:00")},  # after the day
        ],
    )
    add_events(
        "interactions",
        [
            {"client_id": "c2", "ts": _ts("2024-02-10 10:00"), "response_hours": 5.0},
            {"client_id": "c2", "ts": _ts("2024-02-11 10:00")},  # c2's last activity
            {"client_id": "c3", "ts": _ts("2024-06-30 23:59:59")},
        ],
    )
    add_events(
        "tasks",
        [
            {"client_id": "c1", "title": "Old", "due_date": dt.date(2023, 5, 1)},
            {"client_id": "c1", "title": "Future", "due_date": dt.date(2024, 9, 1)},
            {
                "client_id": "c1",
                "title": "Early",
                "due_date": dt.date(2024, 9, 1),
                "completed_at": _ts("2024-06-17 12:00"),  # first day of the velocity window
            },
            {
                "client_id": "c1",
                "title": "Too early",
                "due_date": dt.date(2024, 9, 2),
                "completed_at": _ts("2024-06-16 23:00"),
            },
        ],
    )
    add_events(
        "tickets",
        [
            {"client_id": "c2", "opened_at": _ts("2023-12-01"), "resolved_at": _ts("2024-04-02")},
            {"client_id": "c2", "opened_at": _ts("2023-12-02"), "resolved_at": _ts("2024-04-01")},
        ],
    )
    events = load_events_for_day(session, DAY)

    logins = events.logins.sort_values(["client_id", "ts"]).reset_index(drop=True)
    assert logins.to_dict("records") == [
        {"client_id": "c1", "ts": _ts("2024-03-01 09:00")},
        {"client_id": "c1", "ts": _ts("2024-04-02 00:00")},
        {"client_id": "c2", "ts": _ts("2024-02-11 10:00")},
    ]
    assert events.interactions["client_id"].tolist() == ["c3"]
    assert sorted(events.tasks["due_date"].dt.date.tolist()) == [
        dt.date(2023, 5, 1),
        dt.date(2024, 9, 1),
    ]
    assert events.tickets["opened_at"].tolist() == [_ts("2023-12-01")]


def _random_book(make_client, add_events, seed: int) -> list[str]:
    """Twelve clients with two years of sparse events of every kind around ``DAY``."""
    rng = np.random.default_rng(seed)
    ids = [f"c{n:02d}" for n in range(12)]
    for client_id in ids:
        make_client(client_id, created_at=_ts("2022-01-01"))
    start = pd.Timestamp("2023-07-01", tz="UTC")

    def stamps(count: int) -> list[pd.Timestamp]:
        offsets = rng.integers(0, 730 * 24 * 3600, count)
        return [start + pd.Timedelta(seconds=int(s)) for s in offsets]

    def owner(count: int) -> list[str]:
        return [ids[i] for i in rng.integers(0, len(ids), count)]

    add_events(
        "logins", [{"client_id": c, "ts": t} for c, t in zip(owner(150), stamps(150), strict=True)]
    )
    add_events(
        "interactions",
        [
            {"client_id": c, "ts": t, "response_hours": float(h) if h < 60 else None}
            for c, t, h in zip(owner(120), stamps(120), rng.integers(0, 90, 120), strict=True)
        ],
    )
    tasks = []
    for n, (c, due) in enumerate(zip(owner(160), stamps(160), strict=True)):
        done = due + pd.Timedelta(days=int(rng.integers(-20, 20)))
        tasks.append(
            {
                "client_id": c,
                "title": f"Task {n}",
                "kind": "milestone" if n % 4 == 0 else "task",
                "due_date": due.date(),
                "completed_at": done if rng.random() < 0.7 else None,
            }
        )
    add_events("tasks", tasks)
    add_events(
        "feedback",
        [
            {"client_id": c, "ts": t, "rating": int(r), "sentiment": float(r - 3) / 2}
            for c, t, r in zip(owner(60), stamps(60), rng.integers(1, 6, 60), strict=True)
        ],
    )
    tickets = []
    for c, opened in zip(owner(50), stamps(50), strict=True):
        resolved = opened + pd.Timedelta(days=int(rng.integers(0, 200)))
        tickets.append(
            {
                "client_id": c,
                "opened_at": opened,
                "resolved_at": resolved if rng.random() < 0.8 else None,
                "resolution_rating": int(rng.integers(1, 6)) if rng.random() < 0.8 else None,
            }
        )
    for ticket in tickets:
        if ticket["resolved_at"] is None:
            ticket["resolution_rating"] = None
    add_events("tickets", tickets)
    return ids


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_scores_from_the_windows_equal_scores_from_the_whole_history(
    session, make_client, add_events, seed
):
    _random_book(make_client, add_events, seed)
    clients = clients_frame(session)
    for day in (dt.date(2024, 1, 15), DAY, dt.date(2025, 3, 2)):
        whole = health_scores_for(clients, load_events(session, until=day), day)
        windowed = health_scores_for(clients, load_events_for_day(session, day), day)
        pd.testing.assert_frame_equal(windowed, whole)
