"""Benchmark of the data path as a user runs it: ``csd import``, ``csd score`` and every view.

Three sections, on SQLite and on PostgreSQL (when ``TEST_POSTGRES_URL`` names a
server; each run works in scratch databases it creates and drops there):

1. **Import.** The synthetic book of ``bench_scoring.synthetic_book`` (125 events
   per client, in time order as an event store holds them; client ids are
   UUID strings; the last event is yesterday) written as the six CSV files of
   DESIGN 4a and imported with the real command, ``csd import KIND FILE``, one
   process per file, into a fresh database made by ``csd init-db``.
2. **Score.** ``csd score --as-of TODAY`` on that database, in its own process:
   wall seconds (start-up included) and peak resident memory (the child's
   ``ru_maxrss`` from ``wait4``).
   Beside it, in the same run and on the same database, the per-client
   reference: ``reference_scorer.score_client`` unchanged, its ten indexed
   queries translated to the product's tables (``product_queries``), one client
   at a time, over the whole book. Its scores are also compared with the
   stored ones (every client; differences are listed).
3. **Views.** On a book made by ``csd seed-demo`` (or an existing one,
   ``--book-url``): p50/p95 seconds over ``--reps`` repetitions and the size of
   the JSON each view hands on: the Overview and navbar view models, one page
   of Risk Segments (with its segment counts) for each filter and sort, the
   client detail, the Analytics tab's data for 7d, 30d, 90d and 1y, the
   Data quality check (worked out in the background) and page (the newest
   check read back), and
   ``GET /metrics`` and ``GET /risk-segments`` through the Flask test client
   with a bearer token. A view model's size is its JSON with data frames in
   ``split`` form (all it carries, whether or not the tab sends it all to the
   browser); an endpoint's size is its response body. A seeded book's
   ``csd seed-demo`` seconds and peak memory are printed with it.

Each table has a ``bar`` column: whether the row meets its bar of issue 10.

Decisions:

- The benchmark calls only the commands and public view functions, so it
  measures whatever the product does at the time it runs.
- Each command runs in its own process and is waited for with ``os.wait4``,
  so its peak memory is its own (``RUSAGE_CHILDREN`` would report the largest
  child so far).
- A view case repeats ``--reps`` times after one warm-up call, but stops after
  ``--case-budget`` seconds (with at least three timings), so a slow view shows
  up as slow without holding the run for an hour.
- The CSV files are written once per size and imported into each backend.

Usage::

    python benchmarks/bench_pipeline.py                        # 10k and 100k, views at 100k x 180 days
    python benchmarks/bench_pipeline.py --clients 10000 --skip-views
    python benchmarks/bench_pipeline.py --views-only --view-clients 2000 --view-days 60
    python benchmarks/bench_pipeline.py --views-only --book-url sqlite:////tmp/book.sqlite3
    python benchmarks/bench_pipeline.py --backend postgresql --out figures.json
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scoring import AS_OF, synthetic_book  # noqa: E402
from reference_scorer import score_client  # noqa: E402

from scoring.events import EventFrames  # noqa: E402

POSTGRES_ENV = "TEST_POSTGRES_URL"
SECRET_KEY = "pipeline-benchmark-secret-key-0123456789"
KINDS = ("clients", "logins", "interactions", "tasks", "feedback", "tickets")
GIB = 2**30

# The bars of the issue this benchmark measures.
IMPORT_ROWS_PER_SECOND = 250_000
SCORE_SECONDS = {"sqlite": 15.0, "postgresql": 20.0}
SCORE_SPEEDUP = 5.0
SCORE_PEAK_GIB = 3.0
VIEW_P95_SECONDS = 0.300
VIEW_BYTES = 300_000

API = "/api/admin/customer-success"


class BenchError(RuntimeError):
    """A step of the benchmark failed; the message says which and why."""


# -- progress ---------------------------------------------------------------------------


def progress():
    """A rich progress display on stderr when it is a terminal; silent otherwise."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )


def step(text: str) -> None:
    """A line about what the benchmark is doing, on stderr when it is a terminal."""
    if sys.stderr.isatty():
        print(f"... {text}", file=sys.stderr, flush=True)


# -- databases --------------------------------------------------------------------------


def backend_of(url: str) -> str:
    from sqlalchemy.engine import make_url

    name = make_url(url).get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise BenchError(f"{url}: only SQLite and PostgreSQL databases are supported")
    return name


@contextlib.contextmanager
def scratch_database(backend: str, label: str, *, keep: bool = False) -> Iterator[str]:
    """The URL of a new empty database for ``label``; dropped afterwards unless ``keep``."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"csd_bench_{os.getpid()}_{label}"
    if backend == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix=f"{name}_"))
        try:
            yield f"sqlite:///{folder / 'csd.sqlite3'}"
        finally:
            if not keep:
                shutil.rmtree(folder, ignore_errors=True)
        return
    server = os.environ.get(POSTGRES_ENV)
    if not server:
        raise BenchError(
            f"PostgreSQL needs {POSTGRES_ENV} (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)"
        )
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        from data.db import dispose_engines

        dispose_engines()
        if not keep:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def dbapi_connection(url: str):
    """A plain driver connection (sqlite3, read-only; or psycopg) to the database of ``url``."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        import sqlite3

        return sqlite3.connect(f"file:{parsed.database}?mode=ro", uri=True)
    import psycopg

    return psycopg.connect(
        parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    )


# -- running csd --------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Run:
    """One finished ``csd`` command: wall seconds, peak resident memory and its output."""

    args: tuple[str, ...]
    seconds: float
    peak_gib: float
    stdout: str


def csd_executable() -> str:
    beside = Path(sys.executable).with_name("csd")
    found = str(beside) if beside.exists() else shutil.which("csd")
    if not found:
        raise BenchError("the csd command is not installed; run `make venv` first")
    return found


def run_csd(url: str, *args: str) -> Run:
    """Run ``csd ARGS`` against ``url`` in a new process and wait for it with ``wait4``."""
    env = os.environ | {"DATABASE_URL": url, "SECRET_KEY": SECRET_KEY, "CSD_SCHEDULER": "off"}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        child = subprocess.Popen([csd_executable(), *args], stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace")
    if child.returncode != 0:
        tail = " | ".join((stderr or stdout).strip().splitlines()[-5:])
        raise BenchError(f"csd {' '.join(args)} failed (exit {child.returncode}): {tail}")
    return Run(tuple(args), seconds, usage.ru_maxrss * 1024 / GIB, stdout.strip())


# -- the synthetic book as CSV files ------------------------------------------------------


def client_ids(n: int, seed: int = 11) -> np.ndarray:
    """``n`` distinct UUID strings, the same for the same ``n`` and seed."""
    rng = random.Random(seed)
    return np.array(
        [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(n)], dtype=object
    )


def shifted_book(n: int, *, last_day: dt.date) -> tuple[pd.DataFrame, EventFrames]:
    """``synthetic_book(n)`` as it reads back from the import files: the engine's frames.

    Client ids become UUID strings; every time moves so that the book's last
    day (``bench_scoring.AS_OF``) is ``last_day``; reply times are rounded to
    0.01 h and sentiments to 0.001, as the files write them.
    """
    clients, events = synthetic_book(n)
    shift = pd.Timedelta(days=(last_day - dt.date.fromisoformat(AS_OF)).days)
    ids = client_ids(n)

    def moved(frame: pd.DataFrame, **rounding: int) -> pd.DataFrame:
        frame = frame.assign(client_id=ids[frame["client_id"].to_numpy()])
        for name in frame.columns:
            if isinstance(frame[name].dtype, pd.DatetimeTZDtype) or name == "due_date":
                frame[name] = frame[name] + shift
        return frame.round(rounding)

    logins, interactions, tasks, feedback, tickets = events
    return moved(clients), EventFrames(
        moved(logins),
        moved(interactions, response_hours=2),
        moved(tasks),
        moved(feedback, sentiment=3),
        moved(tickets),
    )


def _stamp_text(values: pd.Series) -> np.ndarray:
    """ISO 8601 UTC timestamps to the second (``2026-03-01T09:30:00``), empty when missing."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_convert("UTC").dt.tz_localize(None)
    naive = values.to_numpy("datetime64[s]")
    text = np.datetime_as_string(naive, unit="s").astype(object)
    text[np.isnat(naive)] = ""
    return text


def _date_text(values: pd.Series) -> np.ndarray:
    return np.datetime_as_string(values.to_numpy("datetime64[D]"), unit="D")


def write_book_csv(n: int, folder: Path, *, last_day: dt.date) -> dict[str, tuple[Path, int]]:
    """``shifted_book(n, last_day=...)`` as the six import files of DESIGN 4a: ``{kind: (path, rows)}``.

    Clients get a name, contact and wedding details besides what the engine
    reads; task titles are unique, so no two events of a client are equal on
    all their columns (the importer would rightly take them as one). Each file
    is built and written on its own, to keep memory low at 100k clients.
    """
    clients, (logins, interactions, tasks, feedback, tickets) = shifted_book(n, last_day=last_day)
    rng = np.random.default_rng(3)
    number = np.arange(n)

    def pick(choices: list[str], k: int) -> np.ndarray:
        return np.array(choices, dtype=object)[rng.integers(0, len(choices), k)]

    builders: dict[str, Callable[[], dict[str, Any]]] = {
        "clients": lambda: {
            "id": clients["client_id"],
            "name": [f"Couple {i:07d}" for i in number],
            "email": [f"couple{i}@example.com" for i in number],
            "partner_names": "Alex & Sam",
            "wedding_date": np.datetime_as_string(
                np.datetime64(last_day, "D") + rng.integers(30, 400, n), unit="D"
            ),
            "venue": pick(["Kew Gardens", "Old Mill", "Harbour Hall", "The Barn"], n),
            "package": pick(["essential", "signature", "luxury"], n),
            "contract_value": np.round(rng.uniform(1500, 12000, n), 2),
            "status": "active",
            "created_at": _stamp_text(clients["created_at"]),
        },
        "logins": lambda: {"client_id": logins["client_id"], "ts": _stamp_text(logins["ts"])},
        "interactions": lambda: {
            "client_id": interactions["client_id"],
            "ts": _stamp_text(interactions["ts"]),
            "channel": pick(["email", "phone", "meeting", "message"], len(interactions)),
            "response_hours": interactions["response_hours"],
        },
        "tasks": lambda: {
            "client_id": tasks["client_id"],
            "title": [f"Task {i}" for i in range(len(tasks))],
            "kind": tasks["kind"].astype(str),
            "due_date": _date_text(tasks["due_date"]),
            "completed_at": _stamp_text(tasks["completed_at"]),
        },
        "feedback": lambda: {
            "client_id": feedback["client_id"],
            "ts": _stamp_text(feedback["ts"]),
            "rating": feedback["rating"].astype("Int64"),
            "sentiment": feedback["sentiment"],
            "comment": pick(["", "", "Lovely call, thank you", "Still waiting"], len(feedback)),
        },
        "tickets": lambda: {
            "client_id": tickets["client_id"],
            "opened_at": _stamp_text(tickets["opened_at"]),
            "resolved_at": _stamp_text(tickets["resolved_at"]),
            "resolution_rating": tickets["resolution_rating"].astype("Int64"),
        },
    }
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, tuple[Path, int]] = {}
    for kind in KINDS:
        frame = pd.DataFrame(builders[kind]())
        path = folder / f"{kind}.csv"
        frame.to_csv(path, index=False, na_rep="", lineterminator="\n")
        files[kind] = path, len(frame)
    return files


# -- 1. import -----------------------------------------------------------------------------


def measure_import(url: str, files: dict[str, tuple[Path, int]]) -> list[dict]:
    """``csd init-db``, then ``csd import KIND FILE`` for the six files in order, each timed."""
    run_csd(url, "init-db")
    rows = []
    for kind in KINDS:
        path, count = files[kind]
        step(f"csd import {kind} ({count:,} rows)")
        done = run_csd(url, "import", kind, str(path))
        rows.append(
            {
                "kind": kind,
                "rows": count,
                "seconds": done.seconds,
                "rows_per_second": count / done.seconds,
                "peak_gib": done.peak_gib,
                "output": done.stdout.splitlines()[-1] if done.stdout else "",
            }
        )
    return rows


# -- 2. score and the per-client reference ------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Dialect:
    """How the reference's day-number conditions read on the product's timestamp columns."""

    mark: str  # the driver's parameter marker
    on_or_after: str  # "{col}" on or after the start of day number {mark}
    before_end: str  # "{col}" before the end of day number {mark}
    date_on_or_before: str  # date column "{col}" on or before day number {mark}
    day_of: str  # the UTC day number of timestamp "{col}"
    day_of_date: str  # the day number of date column "{col}"


SQLITE = Dialect(
    mark="?",
    on_or_after="{col} >= date(? * 86400, 'unixepoch')",
    before_end="{col} < date((? + 1) * 86400, 'unixepoch')",
    date_on_or_before="{col} <= date(? * 86400, 'unixepoch')",
    day_of="CAST(julianday(substr({col}, 1, 10)) - 2440587.5 AS INTEGER)",
    day_of_date="CAST(julianday({col}) - 2440587.5 AS INTEGER)",
)
POSTGRESQL = Dialect(
    mark="%s",
    on_or_after="{col} >= to_timestamp(%s::bigint * 86400)",
    before_end="{col} < to_timestamp((%s::bigint + 1) * 86400)",
    date_on_or_before="{col} <= DATE '1970-01-01' + %s::integer",
    day_of="(({col} AT TIME ZONE 'UTC')::date - DATE '1970-01-01')",
    day_of_date="({col} - DATE '1970-01-01')",
)


def product_queries(d: Dialect) -> dict[str, str]:
    """Each query of ``reference_scorer.score_client``, on the product's tables.

    The reference's tables hold day numbers; the product's hold timestamps and
    dates. A day range becomes a range of the indexed timestamp column (so the
    ``(client_id, ts)`` indexes serve it), and selected timestamps come back as
    day numbers. The parameters stay the reference's (client id, day numbers).
    """

    def between(col: str) -> str:
        return f"{d.on_or_after.format(col=col)} AND {d.before_end.format(col=col)}"

    p = d.mark
    return {
        "SELECT COUNT(*) FROM logins WHERE client_id=? AND day BETWEEN ? AND ?":
            f"SELECT COUNT(*) FROM logins WHERE client_id={p} AND {between('ts')}",
        "SELECT COUNT(*) FROM interactions WHERE client_id=? AND day BETWEEN ? AND ?":
            f"SELECT COUNT(*) FROM interactions WHERE client_id={p} AND {between('ts')}",
        "SELECT MAX(day) FROM logins WHERE client_id=? AND day<=?":
            f"SELECT {d.day_of.format(col='MAX(ts)')} FROM logins"
            f" WHERE client_id={p} AND {d.before_end.format(col='ts')}",
        "SELECT MAX(day) FROM interactions WHERE client_id=? AND day<=?":
            f"SELECT {d.day_of.format(col='MAX(ts)')} FROM interactions"
            f" WHERE client_id={p} AND {d.before_end.format(col='ts')}",
        "SELECT response_hours FROM interactions WHERE client_id=? AND day BETWEEN ? AND ?"
        " AND response_hours IS NOT NULL":
            f"SELECT response_hours FROM interactions WHERE client_id={p} AND {between('ts')}"
            " AND response_hours IS NOT NULL",
        "SELECT kind, due, done FROM tasks WHERE client_id=? AND due<=?":
            f"SELECT kind, {d.day_of_date.format(col='due_date')},"
            f" {d.day_of.format(col='completed_at')} FROM tasks"
            f" WHERE client_id={p} AND {d.date_on_or_before.format(col='due_date')}",
        "SELECT COUNT(*) FROM tasks WHERE client_id=? AND kind='task' AND done BETWEEN ? AND ?":
            f"SELECT COUNT(*) FROM tasks WHERE client_id={p} AND kind='task'"
            f" AND {between('completed_at')}",
        "SELECT day, rating, sentiment FROM feedback WHERE client_id=? AND day BETWEEN ? AND ?":
            f"SELECT {d.day_of.format(col='ts')}, rating, sentiment FROM feedback"
            f" WHERE client_id={p} AND {between('ts')}",
        "SELECT COUNT(*) FROM tickets WHERE client_id=? AND opened BETWEEN ? AND ?":
            f"SELECT COUNT(*) FROM tickets WHERE client_id={p} AND {between('opened_at')}",
        "SELECT rating FROM tickets WHERE client_id=? AND resolved BETWEEN ? AND ?"
        " AND rating IS NOT NULL":
            f"SELECT resolution_rating FROM tickets WHERE client_id={p}"
            f" AND {between('resolved_at')} AND resolution_rating IS NOT NULL",
    }  # fmt: skip


class ProductTables:
    """Stands in for the reference's database: answers its queries from the product's tables."""

    def __init__(self, connection, dialect: Dialect) -> None:
        self.connection = connection
        self.queries = product_queries(dialect)

    def execute(self, sql: str, params: tuple):
        try:
            translated = self.queries[sql]
        except KeyError:
            raise BenchError(
                f"reference_scorer.score_client asks {sql!r}, which product_queries does not translate"
            ) from None
        return self.connection.execute(translated, params)


def reference_scores(
    url: str, day: dt.date, *, label: str = "reference"
) -> tuple[dict[str, float], float]:
    """Every client's unrounded overall score on ``day`` by the per-client reference, and its seconds."""
    from scoring.events import day_number

    connection = dbapi_connection(url)
    try:
        tables = ProductTables(connection, SQLITE if backend_of(url) == "sqlite" else POSTGRESQL)
        ids = [
            row[0] for row in connection.execute("SELECT id FROM clients ORDER BY id").fetchall()
        ]
        d = day_number(day)
        scores: dict[str, float] = {}
        with progress() as bar:
            task = bar.add_task(label, total=len(ids))
            started = time.perf_counter()
            for i, client_id in enumerate(ids):
                scores[client_id] = score_client(tables, client_id, d)["overall"]
                if i % 1000 == 999:
                    bar.advance(task, 1000)
            seconds = time.perf_counter() - started
    finally:
        connection.close()
    return scores, seconds


def compare_with_stored(url: str, day: dt.date, reference: dict[str, float]) -> dict:
    """Clients whose stored overall score of ``day`` differs from the reference (rounded to 0.1)."""
    from scoring.health import round_half_up

    connection = dbapi_connection(url)
    try:
        mark = "?" if backend_of(url) == "sqlite" else "%s"
        stored = dict(
            connection.execute(
                f"SELECT client_id, overall FROM health_scores WHERE day = {mark}",
                (day.isoformat() if mark == "?" else day,),
            ).fetchall()
        )
    finally:
        connection.close()
    differences = []
    for client_id, value in reference.items():
        expected = None if value is None else float(round_half_up(value, 1))
        got = stored.get(client_id)
        if expected is None or got is None or abs(float(got) - expected) > 1e-9:
            differences.append({"client_id": client_id, "reference": expected, "stored": got})
    return {
        "compared": len(reference),
        "stored": len(stored),
        "differences": len(differences),
        "examples": differences[:5],
    }


def measure_score(url: str) -> dict:
    """``csd score`` for today, then the per-client reference on the same database."""
    today = dt.datetime.now(dt.UTC).date()
    step("csd score")
    scored = run_csd(url, "score", "--as-of", today.isoformat())
    step("per-client reference")
    reference, seconds = reference_scores(url, today)
    return {
        "day": today.isoformat(),
        "seconds": scored.seconds,
        "peak_gib": scored.peak_gib,
        "output": scored.stdout.splitlines()[-1] if scored.stdout else "",
        "reference_seconds": seconds,
        "speedup": seconds / scored.seconds,
        **compare_with_stored(url, today, reference),
    }


# -- 3. views ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ViewCase:
    view: str
    case: str
    run: Callable[[], Any]  # returns the view's data: a view model, a dict, or response bytes
    background: bool = False  # work a view starts in the background, not a view: no bar


def _jsonable(value: Any) -> Any:
    if isinstance(value, pd.DataFrame):
        return json.loads(value.to_json(orient="split", index=False, date_format="iso"))
    if isinstance(value, pd.Series):
        return json.loads(value.to_json(date_format="iso"))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: getattr(value, field.name) for field in dataclasses.fields(value)}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (dt.date, dt.datetime, pd.Timestamp)):
        return value.isoformat()
    return str(value)


def data_bytes(data: Any) -> int:
    """The size of a view's data: a response body as it is, anything else as compact JSON."""
    if isinstance(data, bytes):
        return len(data)
    return len(json.dumps(data, default=_jsonable, separators=(",", ":")).encode())


def view_cases(url: str) -> tuple[list[ViewCase], dict]:
    """Every view case of the book at ``url``, and facts about the book."""
    from sqlalchemy import func, select

    from app import create_app
    from dashboard.auth.tokens import issue_token
    from dashboard.clock import display_zone, utc_now
    from dashboard.ids import Tab
    from dashboard.services.data_quality import (
        model_from_json,
        read_quality_model,
        run_quality_check,
    )
    from dashboard.shell import view_model
    from dashboard.tabs.analytics import view_model as analytics_view
    from dashboard.tabs.client_detail import view_model as detail_view
    from dashboard.tabs.overview import view_model as overview_view
    from dashboard.tabs.risk_segments import view_model as segments_view
    from dashboard.view_state import SORT_CHOICES, ViewState
    from data.db import session_factory, session_scope
    from data.models import Client, HealthScore, User
    from data.repositories.quality_checks import data_stamp, latest_check
    from scoring.enums import Period, RiskLevel, Role, Segment

    def in_session(function: Callable) -> Callable[[], Any]:
        def run() -> Any:
            with session_scope(url) as session:
                result = function(session)
                session.rollback()
            return result

        return run

    zone = display_zone()
    now = utc_now()
    with session_scope(url) as session:
        day = session.scalar(select(func.max(HealthScore.day)))
        clients = session.scalar(select(func.count()).select_from(Client))
        days = session.scalar(select(func.count(func.distinct(HealthScore.day))))
        admin = session.scalars(
            select(User).where(User.role == Role.ADMIN, User.active).order_by(User.id).limit(1)
        ).first()
        first = segments_view.client_page(session, ViewState(tab=Tab.RISK_SEGMENTS), zone=zone, now=now)
    if day is None or not first.rows:
        raise BenchError(f"the book at {url} has no scores; seed it with `csd seed-demo`")
    book = {"clients": clients, "score_days": days, "latest_score_day": day.isoformat()}
    sample = first.rows[0]

    def risk_page(state: ViewState) -> Callable[[], Any]:
        def read(session):
            page = segments_view.client_page(session, state, zone=zone, now=now)
            return {"page": page, "counts": segments_view.segment_counts(session)}

        return in_session(read)

    base = ViewState(tab=Tab.RISK_SEGMENTS)
    today = now.date()
    risk = [("default (lowest score first)", base)]
    risk += [(f"risk {level.value}", base.replace(risk=(level,))) for level in RiskLevel]
    risk.append(
        (
            "wedding in 30 days",
            base.replace(wedding_from=today, wedding_to=today + dt.timedelta(days=30)),
        )
    )
    risk += [
        (f"activity {name}", base.replace(activity=name)) for name in ("active", "idle", "dormant")
    ]
    risk.append(
        (
            f"search {sample['name'].split()[0].lower()!r}",
            base.replace(search=sample["name"].split()[0]),
        )
    )
    risk += [
        (f"sort {label.lower()}", base.replace(sort=key, order=order))
        for (key, order), label in SORT_CHOICES.items()
        if (key, order) != (base.sort, base.order)
    ]

    cases = [
        ViewCase(
            "Overview",
            "overview_model",
            in_session(lambda s: overview_view.overview_model(s, now=now, zone=zone)),
        ),
        ViewCase(
            "Navbar",
            "shell_status",
            in_session(lambda s: view_model.shell_status(s, zone=zone, now=now)),
        ),
    ]
    cases += [ViewCase("Risk Segments", name, risk_page(state)) for name, state in risk]
    cases += [
        ViewCase(
            "Client detail",
            f"{window}-day change",
            in_session(
                lambda s, w=window: detail_view.client_detail_model(
                    s, sample["client_id"], window=w, now=now
                )
            ),
        )
        for window in (7, 30)
    ]
    periods = (Period.D7, Period.D30, Period.D90, Period.Y1)
    cases += [
        ViewCase(
            "Analytics",
            p.value,
            in_session(lambda s, p=p: analytics_view.analytics_data(s, p, Segment.ALL, now=now)),
        )
        for p in periods
    ]
    run_quality_check(session_factory(url), zone=zone)  # the check the page draws

    def quality_page(session):
        check = latest_check(session)
        return {"stamp": data_stamp(session), "model": model_from_json(check.result)}

    cases += [
        ViewCase(
            "Data quality",
            "check (in the background)",
            in_session(lambda s: read_quality_model(s, zone=zone, now=now)),
            background=True,
        ),
        ViewCase("Data quality", "page (the newest check)", in_session(quality_page)),
    ]
    if admin is None:
        book["api"] = "skipped: the book has no active admin to issue a token to"
        return cases, book
    server = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": SECRET_KEY}).server
    client = server.test_client()
    headers = {
        "Authorization": f"Bearer {issue_token(admin, 1, secret_key=SECRET_KEY).access_token}"
    }

    def get(path: str) -> Callable[[], bytes]:
        def run() -> bytes:
            response = client.get(path, headers=headers)
            if response.status_code != 200:
                raise BenchError(
                    f"GET {path}: {response.status_code} {response.get_data(as_text=True)[:200]}"
                )
            return response.get_data()

        return run

    cases += [
        ViewCase("GET /metrics", f"period={p.value}&include_trends=true",
                 get(f"{API}/metrics?period={p.value}&include_trends=true"))
        for p in periods
    ]  # fmt: skip
    cases.append(ViewCase("GET /risk-segments", "first page", get(f"{API}/risk-segments")))
    cases.append(
        ViewCase(
            "GET /risk-segments",
            "risk_level=critical",
            get(f"{API}/risk-segments?risk_level=critical"),
        )
    )
    return cases, book


def time_case(case: ViewCase, reps: int, budget: float) -> dict:
    """p50/p95 seconds of ``case`` over up to ``reps`` calls after a warm-up, and its data's size."""
    try:
        data = case.run()  # warm-up: caches, compiled statements
        timings = []
        spent = 0.0
        while len(timings) < reps and (spent < budget or len(timings) < 3):
            started = time.perf_counter()
            case.run()
            timings.append(time.perf_counter() - started)
            spent += timings[-1]
    except Exception as exc:  # reported in the table; the other views still run
        return {"view": case.view, "case": case.case, "error": f"{type(exc).__name__}: {exc}"}
    return {
        "view": case.view,
        "case": case.case,
        "background": case.background,
        "reps": len(timings),
        "p50_ms": float(np.percentile(timings, 50)) * 1000,
        "p95_ms": float(np.percentile(timings, 95)) * 1000,
        "bytes": data_bytes(data),
    }


def measure_views(url: str, reps: int, budget: float) -> tuple[list[dict], dict]:
    cases, book = view_cases(url)
    results = []
    with progress() as bar:
        task = bar.add_task(f"views ({backend_of(url)})", total=len(cases))
        for case in cases:
            results.append(time_case(case, reps, budget))
            bar.advance(task)
    return results, book


@contextlib.contextmanager
def view_book(backend: str, clients: int, days: int, keep: bool) -> Iterator[tuple[str, dict]]:
    """A scratch database seeded by ``csd seed-demo``, with the seeding's seconds and peak memory."""
    with scratch_database(backend, "book", keep=keep) as url:
        run_csd(url, "init-db")
        step(f"csd seed-demo --clients {clients} --days {days} ({backend})")
        seeded = run_csd(url, "seed-demo", "--clients", str(clients), "--days", str(days))
        facts = {"seed_seconds": seeded.seconds, "seed_peak_gib": seeded.peak_gib}
        if keep:
            print(f"Kept the {backend} book: --book-url {url}", file=sys.stderr)
        yield url, facts


# -- printing -------------------------------------------------------------------------------


def print_table(title: str, header: list[tuple[str, int]], rows: list[list[str]]) -> None:
    print(f"\n{title}\n")
    line = " ".join(
        f"{name:<{width}}" if i == 0 else f"{name:>{width}}"
        for i, (name, width) in enumerate(header)
    )
    print(line)
    print("-" * len(line))
    for row in rows:
        print(
            " ".join(
                f"{cell:<{w}}" if i == 0 else f"{cell:>{w}}"
                for i, (cell, (_, w)) in enumerate(zip(row, header, strict=True))
            )
        )


def _verdict(ok: bool) -> str:
    return "ok" if ok else "missed"


def _print_failures(failures: list[str]) -> None:
    for failure in failures:
        print(f"  failed: {failure}")


def print_import(results: list[dict]) -> None:
    rows, failures = [], []
    for result in results:
        book = f"{result['backend']}, {result['clients']:,} clients"
        if "error" in result:
            rows.append([book, "", "", "", "", "failed"])
            failures.append(f"{book}: {result['error']}")
            continue
        for r in result["kinds"]:
            rows.append([f"{book}: {r['kind']}", f"{r['rows']:,}", f"{r['seconds']:.2f}",
                         f"{r['rows_per_second']:,.0f}", f"{r['peak_gib']:.2f}", ""])  # fmt: skip
        total = result["total"]
        rows.append([f"{book}: all six files", f"{total['rows']:,}", f"{total['seconds']:.2f}",
                     f"{total['rows_per_second']:,.0f}", "",
                     _verdict(total["rows_per_second"] >= IMPORT_ROWS_PER_SECOND)])  # fmt: skip
    print_table(
        "1. csd import KIND FILE, one process per file, into a fresh database",
        [("book and file", 46), ("rows", 12), ("seconds", 9), ("rows/s", 10), ("peak GiB", 9),
         ("bar", 7)],
        rows,
    )  # fmt: skip
    _print_failures(failures)
    print(
        f"Bar: at least {IMPORT_ROWS_PER_SECOND:,} rows/s in total, so 12.5M rows (100k clients)"
        " in at most 60 s, on either backend."
    )


def print_score(results: list[dict]) -> None:
    rows, failures = [], []
    for r in results:
        book = f"{r['backend']}, {r['clients']:,} clients"
        if "error" in r:
            rows.append([book, "", "", "", "", "", "failed"])
            failures.append(f"{book}: {r['error']}")
            continue
        ok = (
            r["seconds"] <= SCORE_SECONDS[r["backend"]]
            and r["speedup"] >= SCORE_SPEEDUP
            and r["peak_gib"] < SCORE_PEAK_GIB
        )
        rows.append([book, f"{r['seconds']:.2f}", f"{r['peak_gib']:.2f}",
                     f"{r['reference_seconds']:.2f}", f"{r['speedup']:.1f}x",
                     f"{r['differences']:,} of {r['compared']:,}", _verdict(ok)])  # fmt: skip
        if r["examples"]:
            failures.append(f"{book}: scores differing from the reference, e.g. {r['examples']}")
    print_table(
        "2. csd score for today, beside the per-client reference (indexed queries + plain Python)",
        [("book", 28), ("seconds", 9), ("peak GiB", 9), ("reference s", 12), ("ref/score", 10),
         ("scores differing", 18), ("bar", 7)],
        rows,
    )  # fmt: skip
    _print_failures(failures)
    print(
        f"Bars at 100k clients: at most {SCORE_SECONDS['sqlite']:.0f} s on SQLite and"
        f" {SCORE_SECONDS['postgresql']:.0f} s on PostgreSQL, at least {SCORE_SPEEDUP:.0f}x faster"
        f" than the reference, peak memory under {SCORE_PEAK_GIB:.0f} GiB."
    )


def print_views(results: list[dict]) -> None:
    for result in results:
        book = result["book"]
        title = f"3. Views, {result['backend']}"
        if "clients" in book:
            title += (f": {book['clients']:,} clients, {book['score_days']} score days"
                      f" up to {book['latest_score_day']}")  # fmt: skip
        if "seed_seconds" in book:
            title += f" (csd seed-demo: {book['seed_seconds']:.0f} s, peak {book['seed_peak_gib']:.2f} GiB)"
        if "error" in result:
            print(f"\n{title}")
            _print_failures([result["error"]])
            continue
        rows, failures = [], []
        for r in result["views"]:
            name = f"{r['view']}: {r['case']}"
            if "error" in r:
                rows.append([name, "", "", "", "", "failed"])
                failures.append(f"{name}: {r['error']}")
                continue
            ok = r["p95_ms"] <= VIEW_P95_SECONDS * 1000 and r["bytes"] <= VIEW_BYTES
            verdict = "–" if r.get("background") else _verdict(ok)
            rows.append([name, f"{r['reps']}", f"{r['p50_ms']:,.0f}", f"{r['p95_ms']:,.0f}",
                         f"{r['bytes'] / 1000:,.1f}", verdict])  # fmt: skip
        print_table(
            title,
            [("view", 56), ("reps", 5), ("p50 ms", 9), ("p95 ms", 9), ("KB", 9), ("bar", 7)],
            rows,
        )
        _print_failures(failures)
        if "api" in book:
            print(f"  API: {book['api']}")
    if results:
        print(
            f"Bar: each view's data p95 at most {VIEW_P95_SECONDS * 1000:.0f} ms"
            f" and at most {VIEW_BYTES // 1000} KB (KB = 1,000 bytes); "
            "– : work a view starts in the background, timed for the record, no bar."
        )


# -- main -------------------------------------------------------------------------------------


def _size(text: str) -> int:
    """``10000``, ``10_000`` or ``10k``."""
    text = text.strip().lower().replace("_", "")
    return int(text[:-1]) * 1000 if text.endswith("k") else int(text)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--clients",
        default="10k,100k",
        help="book sizes of the import and score sections, comma-separated, e.g. 10k,100k (default)",
    )
    parser.add_argument(
        "--backend",
        choices=("sqlite", "postgresql", "both"),
        default="both",
        help=f"both: SQLite, and PostgreSQL when {POSTGRES_ENV} is set (default)",
    )
    parser.add_argument(
        "--skip-views", action="store_true", help="only the import and score sections"
    )
    parser.add_argument("--views-only", action="store_true", help="only the views section")
    parser.add_argument(
        "--book-url",
        action="append",
        default=[],
        metavar="URL",
        help="time the views on this seeded book instead of seeding one (repeatable, one per backend)",
    )
    parser.add_argument(
        "--view-clients",
        type=int,
        default=100_000,
        help="clients of the seeded view book (default 100000)",
    )
    parser.add_argument(
        "--view-days",
        type=int,
        default=180,
        help="days of history of the seeded view book (default 180)",
    )
    parser.add_argument(
        "--keep-books", action="store_true", help="keep the seeded view books and print their URLs"
    )
    parser.add_argument(
        "--reps", type=int, default=20, help="timed calls per view case (default 20)"
    )
    parser.add_argument(
        "--case-budget",
        type=float,
        default=60.0,
        help="seconds after which a view case stops repeating, with at least 3 calls (default 60)",
    )
    parser.add_argument("--out", type=Path, help="also write every figure to this JSON file")
    args = parser.parse_args(argv)
    try:
        args.sizes = [_size(part) for part in args.clients.split(",") if part.strip()]
    except ValueError:
        parser.error(f"--clients: {args.clients!r} is not a comma-separated list of sizes")
    if not args.sizes or min(args.sizes) < 1:
        parser.error("--clients: give at least one positive size")
    if args.skip_views and args.views_only:
        parser.error("--skip-views and --views-only exclude each other")
    if args.book_url and args.skip_views:
        parser.error("--book-url is for the views section, which --skip-views leaves out")
    if args.reps < 1:
        parser.error("--reps: at least 1")
    postgres = bool(os.environ.get(POSTGRES_ENV))
    if args.backend == "postgresql" and not postgres:
        parser.error(f"--backend postgresql needs {POSTGRES_ENV}")
    args.backends = {"sqlite": ["sqlite"], "postgresql": ["postgresql"]}.get(
        args.backend, ["sqlite", "postgresql"] if postgres else ["sqlite"]
    )
    try:
        args.books = {backend_of(url): url for url in args.book_url}
    except BenchError as exc:
        parser.error(str(exc))
    if len(args.books) < len(args.book_url):
        parser.error("--book-url: give at most one book per backend")
    return args


def _failure(exc: Exception) -> str:
    return str(exc) if isinstance(exc, BenchError) else f"{type(exc).__name__}: {exc}"


def run_pipeline(args: argparse.Namespace, report: dict) -> None:
    """Sections 1 and 2: per size, the CSV files once, then import and score on each backend."""
    for n in args.sizes:
        with tempfile.TemporaryDirectory(prefix="csd_bench_csv_") as folder:
            step(f"writing the {n:,}-client book as CSV")
            yesterday = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
            files = write_book_csv(n, Path(folder), last_day=yesterday)
            for backend in args.backends:
                head = {"backend": backend, "clients": n}
                with scratch_database(backend, f"c{n}") as url:
                    try:
                        kinds = measure_import(url, files)
                    except Exception as exc:  # reported; the other books still run
                        report["import"].append(head | {"error": _failure(exc)})
                        report["score"].append(head | {"error": "not measured: the import failed"})
                        continue
                    rows = sum(k["rows"] for k in kinds)
                    seconds = sum(k["seconds"] for k in kinds)
                    total = {"rows": rows, "seconds": seconds, "rows_per_second": rows / seconds}
                    report["import"].append(head | {"kinds": kinds, "total": total})
                    try:
                        report["score"].append(head | measure_score(url))
                    except Exception as exc:
                        report["score"].append(head | {"error": _failure(exc)})


def run_views(args: argparse.Namespace, report: dict) -> None:
    """Section 3 on each given book, or on a book seeded per backend."""
    targets = args.books or dict.fromkeys(args.backends)
    for backend, url in targets.items():
        entry: dict[str, Any] = {"backend": backend, "book": {}}
        seeding = view_book(backend, args.view_clients, args.view_days, args.keep_books)
        try:
            with contextlib.nullcontext((url, {})) if url else seeding as (book_url, facts):
                views, book = measure_views(book_url, args.reps, args.case_budget)
                entry |= {"views": views, "book": facts | book}
        except Exception as exc:  # reported; the other backend still runs
            entry["error"] = _failure(exc)
        report["views"].append(entry)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("CSD_SCHEDULER", "off")
    report: dict[str, Any] = {
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "load_average_before": os.getloadavg(),
        "import": [],
        "score": [],
        "views": [],
    }
    if not args.views_only:
        run_pipeline(args, report)
        print_import(report["import"])
        print_score(report["score"])
    if not args.skip_views:
        run_views(args, report)
        print_views(report["views"])
    report["load_average_after"] = os.getloadavg()
    print(
        f"\nLoad average (1, 5, 15 min) before: {', '.join(f'{x:.1f}' for x in report['load_average_before'])};"
        f" after: {', '.join(f'{x:.1f}' for x in report['load_average_after'])} on {report['cpus']} CPUs."
    )
    if args.out:
        args.out.write_text(json.dumps(report, indent=2, default=_jsonable) + "\n")
        print(f"Figures written to {args.out}")
    failed = any("error" in r for r in report["import"] + report["score"] + report["views"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
