"""Load on the served API: many clients at once against gunicorn with the repo's gunicorn.conf.py.

What a team's tools and screens do together, measured from outside:

1. A book is made with the real commands (``csd init-db``, ``csd seed-demo
   --clients 1000 --days 90``, ``csd create-user``) in a scratch database
   (``--database``; PostgreSQL by default), unless ``--reuse`` finds one.
2. gunicorn serves it with ``gunicorn.conf.py`` (``--gunicorn-args`` adds to it).
3. ``--clients`` threads (default 50), each with its own keep-alive
   connection and an admin's bearer token, run the API mix for ``--seconds``
   (default 60), each picking its next request at random with these weights:

   ========================================  ======  ========
   request                                   weight  kind
   ========================================  ======  ========
   GET health-scores (a page of 20)          30      list
   GET interventions (open, a page of 20)    20      list
   GET interventions/{id}                    20      detail
   GET risk-segments (a page, a level)       10      list
   GET metrics?period=30d                    5       metrics
   PUT interventions/{id} with a note        15      edit
   ========================================  ======  ========

   An edit reads the intervention, then sends its ``version`` with a note
   naming the edit; 200 counts as written, 409 (someone else edited it in
   between) as refused.
4. Then the database is read: every written note must be there exactly once
   and no refused one at all ("no lost or duplicated write").

It prints requests per second, and per kind the count, p50, p95 and p99 in
milliseconds, 5xx and other errors, and whether the bars of issue 12 are met
(no 5xx; p95 of list and detail reads at most 500 ms; no lost or duplicated
write). The random choices are seeded per client (``--seed``), so two runs ask
for the same requests in the same order.

Usage::

    python benchmarks/bench_load.py                                  # PostgreSQL, 1,000 clients
    python benchmarks/bench_load.py --database sqlite:////tmp/load.sqlite3
    python benchmarks/bench_load.py --gunicorn-args "-w 4 -k sync" # the old served configuration
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import requests
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from data.models import InterventionNote  # noqa: E402

BASE = "/api/admin/customer-success"
EMAIL = "load.admin@example.com"
PASSWORD = "load-bench-password-2026"
DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/csd_load"
MIX = (
    ("health-scores", 30, "list"),
    ("interventions", 20, "list"),
    ("intervention", 20, "detail"),
    ("risk-segments", 10, "list"),
    ("metrics", 5, "metrics"),
    ("edit", 15, "edit"),
)
P95_BAR_MS = 500
SEGMENTS = ("critical", "high", "medium", "low")


@dataclass
class Tally:
    """What the clients saw, per request name."""

    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    server_errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    other_errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    written: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, name: str, seconds: float, status: int) -> None:
        with self.lock:
            self.times[name].append(seconds)
            if status >= 500:
                self.server_errors[name] += 1
            elif status >= 400 and not (name == "edit" and status == 409):
                self.other_errors[name] += 1


def run(command: list[str], env: dict[str, str], stdin: str | None = None) -> str:
    result = subprocess.run(
        command, env=env, input=stdin, capture_output=True, text=True, cwd=ROOT, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def make_book(args: argparse.Namespace, env: dict[str, str]) -> None:
    """A fresh database with the seeded book and the bench's admin (unless ``--reuse`` finds one)."""
    url = make_url(args.database)
    if url.get_backend_name() == "postgresql":
        admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            exists = connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}
            )
            if exists and args.reuse:
                return
            connection.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{url.database}"'))
        admin.dispose()
    else:
        path = Path(url.database)
        if path.exists() and args.reuse:
            return
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    csd = str(Path(sys.executable).with_name("csd"))
    started = time.monotonic()
    run([csd, "init-db"], env)
    run([csd, "seed-demo", "--clients", str(args.book_clients), "--days", str(args.days)], env)
    run(
        [csd, "create-user", EMAIL, "--name", "Load Admin", "--role", "admin", "--password-stdin"],
        env,
        stdin=PASSWORD + "\n",
    )
    print(
        f"book: {args.book_clients:,} clients x {args.days} days in {time.monotonic() - started:.0f} s"
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(args: argparse.Namespace, env: dict[str, str], port: int) -> subprocess.Popen:
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    command = [gunicorn, "-c", str(ROOT / "gunicorn.conf.py"), "-b", f"127.0.0.1:{port}",
               "--access-logfile", "/dev/null", *shlex.split(args.gunicorn_args),
               "app:create_server()"]  # fmt: skip
    server = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/api/openapi.json", timeout=10)
            return server
        except requests.RequestException:  # not listening yet, or its workers still starting
            time.sleep(0.3)
    server.kill()
    raise SystemExit(f"gunicorn did not start:\n{server.stderr.read() if server.stderr else ''}")


RUN_TAG = (
    f"{os.getpid()}.{int(time.time())}"  # notes of earlier runs on a reused book are not this run's
)


def client_loop(
    index: int, base: str, token: str, stop: float, ids: list[int], tally: Tally, seed: int
) -> None:
    rng = random.Random(seed * 1000 + index)
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {token}"
    names = [name for name, _, _ in MIX]
    weights = [weight for _, weight, _ in MIX]
    edits = 0
    while time.monotonic() < stop:
        name = rng.choices(names, weights)[0]
        iv = rng.choice(ids)
        started = time.perf_counter()
        if name == "health-scores":
            response = http.get(
                f"{base}/health-scores", params={"page": rng.randint(1, 50), "limit": 20}
            )
        elif name == "interventions":
            response = http.get(
                f"{base}/interventions",
                params={"status": "pending", "page": rng.randint(1, 5), "limit": 20},
            )
        elif name == "intervention":
            response = http.get(f"{base}/interventions/{iv}")
        elif name == "risk-segments":
            response = http.get(
                f"{base}/risk-segments", params={"risk_level": rng.choice(SEGMENTS), "limit": 20}
            )
        elif name == "metrics":
            response = http.get(f"{base}/metrics", params={"period": "30d"})
        else:
            current = http.get(f"{base}/interventions/{iv}")
            if current.status_code != 200:
                tally.record(name, time.perf_counter() - started, current.status_code)
                continue
            edits += 1
            marker = f"load-note {RUN_TAG} {index}-{edits}"
            response = http.put(
                f"{base}/interventions/{iv}",
                json={"version": current.json()["data"]["version"], "note": marker},
            )
            with tally.lock:
                if response.status_code == 200:
                    tally.written.append(marker)
                elif response.status_code == 409:
                    tally.refused.append(marker)
        tally.record(name, time.perf_counter() - started, response.status_code)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))] * 1000


def check_writes(database: str, tally: Tally) -> tuple[int, int]:
    """(written notes missing or duplicated, refused notes stored): both 0 when every write held."""
    engine = create_engine(database)
    with engine.connect() as connection:
        stored = dict(
            connection.execute(
                select(InterventionNote.body, func.count())
                .where(InterventionNote.body.like(f"load-note {RUN_TAG} %"))
                .group_by(InterventionNote.body)
            ).all()
        )
    engine.dispose()
    wrong = sum(1 for marker in tally.written if stored.get(marker) != 1)
    ghosts = sum(1 for marker in tally.refused if marker in stored)
    return wrong, ghosts


def report(tally: Tally, seconds: float, wrong: int, ghosts: int) -> dict:
    kinds = {name: kind for name, _, kind in MIX}
    total = sum(len(values) for values in tally.times.values())
    rows = {}
    print(f"\n{total:,} requests in {seconds:.0f} s: {total / seconds:.1f} per second")
    print(
        f"{'request':<16}{'kind':<9}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'5xx':>6}{'4xx*':>6}"
    )
    for name, _, _ in MIX:
        values = tally.times.get(name, [])
        if not values:
            continue
        row = {"kind": kinds[name], "count": len(values), "p50_ms": percentile(values, 0.50),
               "p95_ms": percentile(values, 0.95), "p99_ms": percentile(values, 0.99),
               "server_errors": tally.server_errors[name], "other_errors": tally.other_errors[name]}  # fmt: skip
        rows[name] = row
        print(f"{name:<16}{row['kind']:<9}{row['count']:>7,}{row['p50_ms']:>9.0f}{row['p95_ms']:>9.0f}"
              f"{row['p99_ms']:>9.0f}{row['server_errors']:>6}{row['other_errors']:>6}")  # fmt: skip
    print("(4xx*: client errors other than an edit's expected 409)")
    server_errors = sum(tally.server_errors.values())
    reads = [row["p95_ms"] for row in rows.values() if row["kind"] in ("list", "detail")]
    bars = {
        "no 5xx": server_errors == 0,
        f"p95 of list and detail reads <= {P95_BAR_MS} ms": bool(reads)
        and max(reads) <= P95_BAR_MS,
        "no lost or duplicated write": wrong == 0 and ghosts == 0,
    }
    print(f"edits: {len(tally.written):,} written, {len(tally.refused):,} refused (409); "
          f"{wrong} written notes missing or doubled, {ghosts} refused notes stored")  # fmt: skip
    for bar, met in bars.items():
        print(f"bar: {bar}: {'met' if met else 'MISSED'}")
    return {"requests": total, "seconds": seconds, "per_second": total / seconds, "rows": rows,
            "written": len(tally.written), "refused": len(tally.refused), "wrong": wrong,
            "ghosts": ghosts, "bars": bars}  # fmt: skip


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database", default=DEFAULT_DATABASE, help="scratch database URL (dropped and made again)"
    )
    parser.add_argument(
        "--reuse", action="store_true", help="use the database as it is when it exists"
    )
    parser.add_argument("--book-clients", type=int, default=1000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--clients", type=int, default=50, help="concurrent API clients")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--gunicorn-args", default="", help="added to gunicorn.conf.py's settings")
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    env = {**os.environ, "DATABASE_URL": args.database, "SECRET_KEY": "load-bench-" + "k" * 40,
           "CSD_SCHEDULER": "off", "SESSION_COOKIE_SECURE": "0"}  # fmt: skip
    make_book(args, env)
    port = free_port()
    server = serve(args, env, port)
    base = f"http://127.0.0.1:{port}{BASE}"
    try:
        token = requests.post(
            f"http://127.0.0.1:{port}/api/auth/token",
            json={"email": EMAIL, "password": PASSWORD},
            timeout=30,
        ).json()["access_token"]
        first = requests.get(f"{base}/interventions", params={"limit": 100},
                             headers={"Authorization": f"Bearer {token}"}, timeout=30).json()  # fmt: skip
        ids = [row["id"] for row in first["data"]]
        tally = Tally()
        stop = time.monotonic() + args.seconds
        started = time.monotonic()
        threads = [
            threading.Thread(target=client_loop, args=(i, base, token, stop, ids, tally, args.seed))
            for i in range(args.clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    wrong, ghosts = check_writes(args.database, tally)
    figures = report(tally, elapsed, wrong, ghosts)
    figures["gunicorn_args"] = args.gunicorn_args or "(gunicorn.conf.py)"
    if args.out:
        args.out.write_text(json.dumps(figures, indent=2))
    return 0 if all(figures["bars"].values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
