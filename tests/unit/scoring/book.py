"""Tiny hand-made books of clients and events for scoring tests."""

from __future__ import annotations

import pandas as pd

from scoring.events import EventFrames

UTC = "UTC"


def ts(value: str) -> pd.Timestamp:
    return pd.Timestamp(value, tz=UTC)


def clients(*ids: str, created: str = "2025-01-01", **columns) -> pd.DataFrame:
    """Active clients created on ``created`` (override any column with a list per client)."""
    frame = pd.DataFrame(
        {
            "client_id": list(ids),
            "created_at": [ts(created)] * len(ids),
            "status": ["active"] * len(ids),
            "churned_at": pd.Series([pd.NaT] * len(ids), dtype="datetime64[us, UTC]"),
            "completed_at": pd.Series([pd.NaT] * len(ids), dtype="datetime64[us, UTC]"),
        }
    )
    for name, values in columns.items():
        if name in ("created_at", "churned_at", "completed_at"):
            values = pd.to_datetime(pd.Series(values), utc=True, format="ISO8601")
        frame[name] = values
    return frame


def events(
    logins: list[tuple[str, str]] = (),
    interactions: list[tuple[str, str, float | None]] = (),
    tasks: list[tuple[str, str, str, str | None]] = (),
    feedback: list[tuple[str, str, float | None, float | None]] = (),
    tickets: list[tuple[str, str, str | None, float | None]] = (),
) -> EventFrames:
    """Event frames from tuples in the import column order (DESIGN 4a)."""
    empty = EventFrames.empty()

    def frame(rows, template: pd.DataFrame, times: tuple[str, ...], dates: tuple[str, ...] = ()):
        if not rows:
            return template
        out = pd.DataFrame(list(rows), columns=template.columns)
        for name in times:
            out[name] = pd.to_datetime(out[name], utc=True, format="ISO8601")
        for name in dates:
            out[name] = pd.to_datetime(out[name], format="ISO8601")
        for name in template.columns:
            if name not in times and name not in dates and template[name].dtype == float:
                out[name] = pd.to_numeric(out[name]).astype(float)
        return out

    return EventFrames(
        logins=frame(logins, empty.logins, ("ts",)),
        interactions=frame(interactions, empty.interactions, ("ts",)),
        tasks=frame(tasks, empty.tasks, ("completed_at",), ("due_date",)),
        feedback=frame(feedback, empty.feedback, ("ts",)),
        tickets=frame(tickets, empty.tickets, ("opened_at", "resolved_at")),
    )


def random_book(n: int, seed: int, start: str = "2026-01-01", days: int = 120):
    """A random book of ``n`` clients with events around ``start``..``start + days``.

    Creation times, churns, events before the range, after it and on its edges,
    missing replies, ratings and completion times all occur.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    t0 = pd.Timestamp(start, tz=UTC)
    ids = [f"c{i}" for i in range(n)]

    def offsets(k: int, low_days: int, high_days: int) -> pd.TimedeltaIndex:
        return pd.to_timedelta(rng.integers(low_days * 86400, high_days * 86400, k), unit="s")

    created = t0 + offsets(n, -30, days)
    book = clients(*ids)
    book["created_at"] = created
    churned = rng.random(n) < 0.25
    book.loc[churned, "status"] = "churned"
    book.loc[churned, "churned_at"] = created[churned] + offsets(int(churned.sum()), 1, 90)

    def stamps(k: int) -> pd.DatetimeIndex:
        return t0 + offsets(k, -120, days + 20)

    def who(k: int) -> np.ndarray:
        return rng.choice(ids, k)

    k = n * rng.integers(5, 40)
    logins = pd.DataFrame({"client_id": who(k), "ts": stamps(k)})
    k = n * rng.integers(2, 20)
    replies = np.round(rng.exponential(30, k), 1)
    replies[rng.random(k) < 0.5] = np.nan
    interactions = pd.DataFrame({"client_id": who(k), "ts": stamps(k), "response_hours": replies})
    k = n * rng.integers(2, 20)
    due = (t0 + offsets(k, -60, days + 30)).tz_localize(None).normalize()
    done = pd.Series(due.tz_localize(UTC) + offsets(k, -10, 20))
    done[rng.random(k) < 0.3] = pd.NaT
    tasks = pd.DataFrame(
        {"client_id": who(k), "kind": rng.choice(["task", "milestone"], k), "due_date": due, "completed_at": done.to_numpy()}
    )
    k = n * 3
    feedback = pd.DataFrame(
        {"client_id": who(k), "ts": stamps(k), "rating": rng.integers(1, 6, k).astype(float), "sentiment": np.round(rng.uniform(-1, 1, k), 2)}
    )
    feedback.loc[rng.random(k) < 0.3, "rating"] = np.nan
    feedback.loc[rng.random(k) < 0.3, "sentiment"] = np.nan
    k = n * 2
    opened = stamps(k)
    resolved = pd.Series(opened + offsets(k, 0, 15))
    open_ = rng.random(k) < 0.3
    resolved[open_] = pd.NaT
    rating = rng.integers(1, 6, k).astype(float)
    rating[open_ | (rng.random(k) < 0.2)] = np.nan
    tickets = pd.DataFrame(
        {"client_id": who(k), "opened_at": opened, "resolved_at": resolved.to_numpy(), "resolution_rating": rating}
    )
    return book, EventFrames(logins, interactions, tasks, feedback, tickets)
