"""The whole-range history equals the one-day engine, and both equal the plain reference."""

from __future__ import annotations

import datetime as dt
import sqlite3
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.events import day_number, day_numbers
from scoring.health import health_scores_for, round_half_up
from scoring.history import health_history

from .book import random_book

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "benchmarks"))
from reference_scorer import SCHEMA, score_client  # noqa: E402

START, END = dt.date(2026, 1, 10), dt.date(2026, 3, 20)


def one_day_at_a_time(book, ev, start, end):
    days = pd.date_range(start, end).date
    return pd.concat([health_scores_for(book, ev, d) for d in days], ignore_index=True)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 12))
def test_history_equals_the_one_day_function(seed, n):
    book, ev = random_book(n, seed)
    expected = one_day_at_a_time(book, ev, START, END).set_index(["client_id", "day"]).sort_index()
    history = health_history(book, ev, START, END).set_index(["client_id", "day"]).sort_index()
    assert history.index.equals(expected.index)
    pd.testing.assert_frame_equal(history, expected[history.columns], check_dtype=False, check_index_type=False)


def test_history_of_a_single_day_and_bad_range():
    book, ev = random_book(5, 3)
    one = health_history(book, ev, START, START)
    assert set(one["day"]) <= {START}
    pd.testing.assert_frame_equal(
        one.reset_index(drop=True), health_scores_for(book, ev, START), check_dtype=False
    )
    with pytest.raises(ValueError, match="ends"):
        health_history(book, ev, END, START)


def _reference_db(ev) -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.executescript(SCHEMA)

    def days(values):
        return [None if v == day_numbers(pd.Series([pd.NaT]))[0] else int(v) for v in day_numbers(values)]

    def floats(values):
        return [None if np.isnan(v) else float(v) for v in values.to_numpy(dtype=float)]

    ids = {f"c{i}": i for i in range(1000)}
    lg, it, tk, fb, tc = ev
    db.executemany("INSERT INTO logins VALUES (?,?)", zip(lg.client_id.map(ids), days(lg.ts), strict=True))
    db.executemany("INSERT INTO interactions VALUES (?,?,?)", zip(it.client_id.map(ids), days(it.ts), floats(it.response_hours), strict=True))
    db.executemany("INSERT INTO tasks VALUES (?,?,?,?)", zip(tk.client_id.map(ids), tk.kind, days(tk.due_date), days(tk.completed_at), strict=True))
    db.executemany("INSERT INTO feedback VALUES (?,?,?,?)", zip(fb.client_id.map(ids), days(fb.ts), floats(fb.rating), floats(fb.sentiment), strict=True))
    db.executemany("INSERT INTO tickets VALUES (?,?,?,?)", zip(tc.client_id.map(ids), days(tc.opened_at), days(tc.resolved_at), floats(tc.resolution_rating), strict=True))
    return db


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), offset=st.integers(0, 100))
def test_engine_equals_the_plain_python_reference(seed, offset):
    book, ev = random_book(8, seed)
    day = START + dt.timedelta(days=offset)
    db = _reference_db(ev)
    engine = health_scores_for(book, ev, day).set_index("client_id")
    for client_id, row in engine.iterrows():
        reference = score_client(db, int(client_id[1:]), day_number(day))
        for name in ("logins", "interactions", "recency", "responsiveness", "completion", "milestones",
                     "overdue", "velocity", "rating", "sentiment", "tickets", "resolution", "overall"):
            expected = reference[name]
            got = row["overall" if name == "overall" else f"c_{name}"]
            if expected is None:
                assert np.isnan(got), (client_id, name)
            else:
                assert got == round_half_up(expected, 1), (client_id, name, got, expected)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), offset=st.integers(0, 100))
def test_every_score_is_between_0_and_100(seed, offset):
    book, ev = random_book(6, seed)
    scores = health_scores_for(book, ev, START + dt.timedelta(days=offset))
    values = scores.filter(regex="^(c_|overall|engagement|progress|satisfaction)").to_numpy(dtype=float)
    present = values[~np.isnan(values)]
    assert ((present >= 0) & (present <= 100)).all()
    assert ((scores["coverage"] > 0) & (scores["coverage"] <= 1)).all()


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), extra=st.integers(1, 20), offset=st.integers(0, 29))
def test_more_logins_never_lower_engagement(seed, extra, offset):
    book, ev = random_book(4, seed)
    book["status"], book["churned_at"] = "active", pd.NaT  # everyone scored on the day
    book["created_at"] = pd.Timestamp("2025-06-01", tz="UTC")
    day = END
    before = health_scores_for(book, ev, day).set_index("client_id")
    client = book["client_id"].iloc[0]
    more = pd.DataFrame(
        {"client_id": [client] * extra, "ts": [pd.Timestamp(day, tz="UTC") - pd.Timedelta(days=offset)] * extra}
    )
    ev2 = ev._replace(logins=pd.concat([ev.logins, more], ignore_index=True))
    after = health_scores_for(book, ev2, day).set_index("client_id")
    assert after.loc[client, "engagement"] >= before.loc[client, "engagement"]
    assert after.loc[client, "logins_30d"] == before.loc[client, "logins_30d"] + extra
