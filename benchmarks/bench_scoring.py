"""Benchmark of the scoring engine: one day for 10k/100k/1M clients, 180 days of history.

Synthetic event log per client over a year, in time order as an event store
would hold it: about 50 logins, 30 interactions (40% with a reply time),
40 tasks (a quarter of them milestones, 70% completed near their due date),
3 feedback entries and 2 tickets. Client ids are integer surrogate keys.

Each size runs in its own process so that its peak memory (VmHWM, reset after
the data is generated) is its own. Usage::

    python benchmarks/bench_scoring.py            # the full table
    python benchmarks/bench_scoring.py --quick    # 10k and 100k only
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from scoring.events import EventFrames, day_number  # noqa: E402
from scoring.health import health_scores_for  # noqa: E402
from scoring.history import health_history  # noqa: E402

AS_OF = "2026-06-30"
YEAR_START = pd.Timestamp("2025-07-01", tz="UTC")
SECONDS_IN_YEAR = 365 * 86400


def synthetic_book(n: int, seed: int = 7) -> tuple[pd.DataFrame, EventFrames]:
    """Clients 0..n-1 and a year of events for them, sorted by time."""
    rng = np.random.default_rng(seed)

    def stamps(k: int) -> np.ndarray:
        seconds = np.sort(rng.integers(0, SECONDS_IN_YEAR, k))
        return YEAR_START.to_datetime64() + seconds.astype("timedelta64[s]")

    def owners(k: int) -> np.ndarray:
        return rng.integers(0, n, k)

    created = YEAR_START - pd.to_timedelta(rng.integers(0, 300, n), unit="D")
    clients = pd.DataFrame(
        {"client_id": np.arange(n), "created_at": created, "status": pd.Categorical(["active"] * n)}
    )
    k = 50 * n
    logins = pd.DataFrame({"client_id": owners(k), "ts": pd.to_datetime(stamps(k), utc=True)})
    k = 30 * n
    replies = rng.exponential(24.0, k)
    replies[rng.random(k) < 0.6] = np.nan
    interactions = pd.DataFrame(
        {"client_id": owners(k), "ts": pd.to_datetime(stamps(k), utc=True), "response_hours": replies}
    )
    k = 40 * n
    due = stamps(k).astype("datetime64[D]")
    completed = due.astype("datetime64[s]") + rng.integers(-5 * 86400, 10 * 86400, k).astype("timedelta64[s]")
    completed[rng.random(k) < 0.3] = np.datetime64("NaT")
    tasks = pd.DataFrame(
        {
            "client_id": owners(k),
            "kind": pd.Categorical(np.where(rng.random(k) < 0.25, "milestone", "task")),
            "due_date": due.astype("datetime64[s]"),
            "completed_at": pd.to_datetime(completed, utc=True),
        }
    )
    k = 3 * n
    feedback = pd.DataFrame(
        {
            "client_id": owners(k),
            "ts": pd.to_datetime(stamps(k), utc=True),
            "rating": rng.integers(1, 6, k).astype(float),
            "sentiment": rng.uniform(-1, 1, k),
        }
    )
    k = 2 * n
    opened = stamps(k)
    resolved = opened + rng.integers(3600, 10 * 86400, k).astype("timedelta64[s]")
    unresolved = rng.random(k) < 0.2
    resolved[unresolved] = np.datetime64("NaT")
    rating = rng.integers(1, 6, k).astype(float)
    rating[unresolved] = np.nan
    tickets = pd.DataFrame(
        {
            "client_id": owners(k),
            "opened_at": pd.to_datetime(opened, utc=True),
            "resolved_at": pd.to_datetime(resolved, utc=True),
            "resolution_rating": rating,
        }
    )
    return clients, EventFrames(logins, interactions, tasks, feedback, tickets)


def _reset_peak() -> None:
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _peak_gib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 2**20
    return float("nan")


def _rss_gib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 2**20
    return float("nan")


def measure_one_day(n: int) -> dict:
    clients, events = synthetic_book(n)
    n_events = sum(len(f) for f in events)
    data_gib = _rss_gib()
    _reset_peak()
    started = time.perf_counter()
    scores = health_scores_for(clients, events, AS_OF)
    seconds = time.perf_counter() - started
    return {
        "what": f"one day, {n:,} clients",
        "clients": n,
        "days": 1,
        "events": n_events,
        "seconds": seconds,
        "data_gib": data_gib,
        "peak_gib": _peak_gib(),
        "scored": len(scores),
    }


def measure_history(n: int, days: int) -> dict:
    clients, events = synthetic_book(n)
    end = pd.Timestamp(AS_OF).date()
    start = (pd.Timestamp(AS_OF) - pd.Timedelta(days=days - 1)).date()
    data_gib = _rss_gib()
    _reset_peak()
    started = time.perf_counter()
    history = health_history(clients, events, start, end)
    seconds = time.perf_counter() - started
    return {
        "what": f"{days} days of history, {n:,} clients",
        "clients": n,
        "days": days,
        "events": sum(len(f) for f in events),
        "seconds": seconds,
        "data_gib": data_gib,
        "peak_gib": _peak_gib(),
        "scored": len(history),
    }


def measure_reference(sample: int, book_size: int = 20_000) -> dict:
    """Per-client plain-Python scoring from SQLite with indexed queries.

    The database holds a book of ``book_size`` clients (2.5M events) so that
    queries run against a realistically sized table; ``sample`` clients are scored.
    """
    from reference_scorer import create_database, score_client

    clients, events = synthetic_book(book_size)
    d = day_number(AS_OF)

    def days(series: pd.Series) -> list:
        values = series.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy().astype("datetime64[D]")
        return [None if np.isnat(v) else int(v.astype(np.int64)) for v in values]

    lg, it, tk, fb, tc = events
    due = [int(v) for v in tk["due_date"].to_numpy().astype("datetime64[D]").astype(np.int64)]
    rows = {
        "logins": zip(lg["client_id"].tolist(), days(lg["ts"]), strict=True),
        "interactions": zip(it["client_id"].tolist(), days(it["ts"]), _nullable(it["response_hours"]), strict=True),
        "tasks": zip(tk["client_id"].tolist(), tk["kind"].astype(str).tolist(), due, days(tk["completed_at"]), strict=True),
        "feedback": zip(fb["client_id"].tolist(), days(fb["ts"]), _nullable(fb["rating"]), _nullable(fb["sentiment"]), strict=True),
        "tickets": zip(tc["client_id"].tolist(), days(tc["opened_at"]), days(tc["resolved_at"]), _nullable(tc["resolution_rating"]), strict=True),
    }
    with tempfile.TemporaryDirectory() as folder:
        db = create_database(os.path.join(folder, "reference.sqlite3"), rows)
        started = time.perf_counter()
        picked = np.random.default_rng(1).choice(book_size, sample, replace=False)
        reference = {int(cid): score_client(db, int(cid), d) for cid in picked}
        seconds = time.perf_counter() - started
    engine = health_scores_for(clients, events, AS_OF).set_index("client_id")
    from scoring.health import round_half_up

    mismatches = sum(
        1
        for cid, s in reference.items()
        if round_half_up(s["overall"], 1) != engine.loc[cid, "overall"]
    )
    return {"per_client_ms": seconds / sample * 1000, "sample": sample, "mismatches": mismatches}


def _nullable(series: pd.Series) -> list:
    return [None if np.isnan(v) else float(v) for v in series.to_numpy(dtype=float)]


def _run_child(args: list[str]) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", *args], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10k and 100k clients only")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, n = args.child[0], int(args.child[1])
        result = {"one-day": measure_one_day, "history": lambda n: measure_history(n, 180), "reference": measure_reference}[kind](n)
        print(json.dumps(result))
        return

    sizes = [10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000]
    reference = _run_child(["reference", "2000"])
    rows = [_run_child(["one-day", str(n)]) for n in sizes]
    rows.append(_run_child(["history", "10000"]))

    print(f"Per-client reference (SQLite indexed queries + plain Python), {reference['sample']:,} clients:"
          f" {reference['per_client_ms']:.2f} ms per client; scores differing from the engine: {reference['mismatches']}")
    print()
    header = f"{'measurement':<34} {'events':>13} {'seconds':>9} {'data GiB':>9} {'peak GiB':>9} {'rows':>10} {'vs reference':>13}"
    print(header)
    print("-" * len(header))
    for row in rows:
        ref_seconds = reference["per_client_ms"] / 1000 * row["clients"] * row["days"]
        print(
            f"{row['what']:<34} {row['events']:>13,} {row['seconds']:>9.2f} {row['data_gib']:>9.2f}"
            f" {row['peak_gib']:>9.2f} {row['scored']:>10,} {ref_seconds / row['seconds']:>12,.0f}x"
        )
    print("\ndata GiB: resident memory holding the event frames before scoring;"
          " peak GiB: the process's peak resident memory while scoring (frames included).")


if __name__ == "__main__":
    main()
