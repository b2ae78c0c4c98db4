"""The pipeline benchmark's harness: its CSV book goes through the real importer whole, and
its per-client reference, reading the product's tables, scores it as the engine does."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from sqlalchemy import func, select

from data.importer import import_csv
from data.models import Client, Feedback, Interaction, Login, Task, Ticket
from scoring.health import health_scores_for, round_half_up

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "benchmarks"))
import bench_pipeline as bench  # noqa: E402

LAST_DAY = dt.date(2026, 3, 31)
TABLES = {"clients": Client, "logins": Login, "interactions": Interaction, "tasks": Task,
          "feedback": Feedback, "tickets": Ticket}  # fmt: skip


def test_the_csv_book_imports_whole_and_the_reference_reads_it_as_the_engine(
    session, migrated_url, tmp_path
):
    files = bench.write_book_csv(20, tmp_path, last_day=LAST_DAY)
    for kind in bench.KINDS:
        import_csv(session, kind, files[kind][0])
    session.commit()
    stored = {
        kind: session.scalar(select(func.count()).select_from(TABLES[kind])) for kind in TABLES
    }
    assert stored == {kind: rows for kind, (_, rows) in files.items()}  # no row lost or merged
    assert stored["logins"] == 50 * 20

    clients, events = bench.shifted_book(20, last_day=LAST_DAY)
    for day in (LAST_DAY + dt.timedelta(days=1), LAST_DAY - dt.timedelta(days=45)):
        engine = health_scores_for(clients, events, day).set_index("client_id")["overall"]
        reference, _ = bench.reference_scores(migrated_url, day)
        assert len(reference) == 20
        assert {cid: float(round_half_up(v, 1)) for cid, v in reference.items()} == engine.to_dict()
