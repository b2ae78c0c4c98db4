"""A per-client reference implementation of the health score, in plain Python.

It reads one client's events with indexed queries from SQLite and scores them
with nothing but the standard library, line by line after DESIGN section 5.
The benchmark times it against the vectorised engine, and the tests use it as
an independent oracle: both must give the same scores.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import statistics
from collections.abc import Iterable

SCHEMA = """
CREATE TABLE logins (client_id INTEGER, day INTEGER);
CREATE TABLE interactions (client_id INTEGER, day INTEGER, response_hours REAL);
CREATE TABLE tasks (client_id INTEGER, kind TEXT, due INTEGER, done INTEGER);
CREATE TABLE feedback (client_id INTEGER, day INTEGER, rating REAL, sentiment REAL);
CREATE TABLE tickets (client_id INTEGER, opened INTEGER, resolved INTEGER, rating REAL);
CREATE INDEX logins_client ON logins (client_id, day);
CREATE INDEX interactions_client ON interactions (client_id, day);
CREATE INDEX tasks_client ON tasks (client_id, due);
CREATE INDEX feedback_client ON feedback (client_id, day);
CREATE INDEX tickets_client ON tickets (client_id, opened);
"""

WEIGHTS = {
    "engagement": (0.40, {"logins": 0.30, "interactions": 0.25, "recency": 0.25, "responsiveness": 0.20}),
    "progress": (0.35, {"completion": 0.35, "milestones": 0.30, "overdue": 0.20, "velocity": 0.15}),
    "satisfaction": (0.25, {"rating": 0.40, "sentiment": 0.25, "tickets": 0.15, "resolution": 0.20}),
}


def create_database(path: str, rows: dict[str, Iterable[tuple]]) -> sqlite3.Connection:
    """A SQLite database holding the given rows per table (days as integers)."""
    db = sqlite3.connect(path)
    db.executescript(SCHEMA)
    for table, values in rows.items():
        values = list(values)
        if values:
            marks = ",".join("?" * len(values[0]))
            db.executemany(f"INSERT INTO {table} VALUES ({marks})", values)
    db.commit()
    return db


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def score_client(db: sqlite3.Connection, client_id: int, d: int) -> dict[str, float | None]:
    """Component scores and overall score (unrounded) of one client on day number ``d``."""
    q = db.execute
    logins = q("SELECT COUNT(*) FROM logins WHERE client_id=? AND day BETWEEN ? AND ?", (client_id, d - 29, d)).fetchone()[0]
    inters = q("SELECT COUNT(*) FROM interactions WHERE client_id=? AND day BETWEEN ? AND ?", (client_id, d - 6, d)).fetchone()[0]
    last = max(
        q("SELECT MAX(day) FROM logins WHERE client_id=? AND day<=?", (client_id, d)).fetchone()[0] or -1,
        q("SELECT MAX(day) FROM interactions WHERE client_id=? AND day<=?", (client_id, d)).fetchone()[0] or -1,
    )
    replies = [r for (r,) in q(
        "SELECT response_hours FROM interactions WHERE client_id=? AND day BETWEEN ? AND ? AND response_hours IS NOT NULL",
        (client_id, d - 29, d),
    )]
    tasks = q("SELECT kind, due, done FROM tasks WHERE client_id=? AND due<=?", (client_id, d)).fetchall()
    recent_done = q(
        "SELECT COUNT(*) FROM tasks WHERE client_id=? AND kind='task' AND done BETWEEN ? AND ?", (client_id, d - 13, d)
    ).fetchone()[0]
    feedback = q("SELECT day, rating, sentiment FROM feedback WHERE client_id=? AND day BETWEEN ? AND ?", (client_id, d - 89, d)).fetchall()
    tickets_opened = q("SELECT COUNT(*) FROM tickets WHERE client_id=? AND opened BETWEEN ? AND ?", (client_id, d - 29, d)).fetchone()[0]
    resolutions = [r for (r,) in q(
        "SELECT rating FROM tickets WHERE client_id=? AND resolved BETWEEN ? AND ? AND rating IS NOT NULL",
        (client_id, d - 89, d),
    )]

    s: dict[str, float | None] = {}
    s["logins"] = min(logins / 12, 1) * 100
    s["interactions"] = min(inters / 3, 1) * 100
    s["recency"] = 100 * 0.5 ** ((d - last) / 7) if last >= 0 else 0.0
    if replies:
        h = statistics.median(replies)
        s["responsiveness"] = 100.0 if h <= 4 else 0.0 if h >= 72 else (72 - h) / 68 * 100
    else:
        s["responsiveness"] = None

    def done_by(done: int | None, day: int) -> bool:
        return done is not None and done <= day

    plain = [(due, done) for kind, due, done in tasks if kind == "task"]
    miles = [(due, done) for kind, due, done in tasks if kind == "milestone"]
    s["completion"] = sum(done_by(done, d) for _, done in plain) / len(plain) * 100 if plain else None
    s["milestones"] = sum(done_by(done, due) for due, done in miles) / len(miles) * 100 if miles else None
    overdue = sum(1 for _, due, done in tasks if due < d and not done_by(done, d))
    s["overdue"] = max(0, 100 - 20 * overdue) if tasks else None
    due_recent = sum(1 for due, _ in plain if due >= d - 13)
    s["velocity"] = min(recent_done / due_recent, 1) * 100 if due_recent else None
    rating = _mean([r for _, r, _ in feedback if r is not None])
    s["rating"] = (rating - 1) / 4 * 100 if rating is not None else None
    sentiment = _mean([x for day, _, x in feedback if x is not None and day >= d - 29])
    s["sentiment"] = (sentiment + 1) / 2 * 100 if sentiment is not None else None
    s["tickets"] = max(0, 100 - 25 * tickets_opened)
    resolution = _mean(resolutions)
    s["resolution"] = (resolution - 1) / 4 * 100 if resolution is not None else None

    present_subs = {}
    for sub, (sub_weight, parts) in WEIGHTS.items():
        have = {name: w for name, w in parts.items() if s[name] is not None}
        if have:
            present_subs[sub] = (sub_weight, sum(s[n] * w for n, w in have.items()) / sum(have.values()))
    total = sum(w for w, _ in present_subs.values())
    s["overall"] = sum(w * v for w, v in present_subs.values()) / total if total else None
    return s


def day_of(value: dt.date) -> int:
    return (value - dt.date(1970, 1, 1)).days
