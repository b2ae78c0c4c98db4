"""Pulling data from the sync sources (``csd sync``, and hourly from the scheduler).

Each source is pulled on its own; each file or query is one import with the
rules of ``csd import`` (all its rows or none, the same checks, the same rows
twice add nothing), recorded in the import history, and the pull in a
``SyncRun`` (rows per kind, duration, errors).

- **A folder** (``SyncKind.FOLDER``): CSV files named after a kind
  (``clients.csv``, ``logins-2026-12-04.csv``: the name up to the first ``-``,
  ``_`` or ``.``) are imported in the order of ``IMPORT_KINDS`` (clients first,
  so their events find them), oldest name first within a kind. A file
  imported is moved to ``done/``; a file refused is moved to ``failed/``
  with its report beside it (``<file>.errors.txt``, one problem a line), and
  the other files still go in. Both moves prefix the file with the time of
  the run, so a later file of the same name never overwrites one. Other
  files are left alone; a system that drops files should write them under
  another name (``logins.csv.part``) and rename them when complete.
- **A SQL database** (``SyncKind.SQL``, any SQLAlchemy URL): per kind, a
  ``SELECT`` whose columns are the kind's fields (as in ``csd import``) plus
  a watermark column that only grows (``updated_at``, an id). A run reads
  only the rows whose watermark is above the highest one imported before,
  and moves the watermark on when the import succeeds (a refused batch is
  read again next time, once fixed at the source). The source is only read:
  each query runs in a transaction that is rolled back, marked read-only on
  PostgreSQL and with ``query_only`` on SQLite; give the dashboard a database
  user that may only read, too. A watermark column that is not one of the
  kind's fields is not imported.

A run is ``succeeded`` when everything it found went in, ``partial`` when
some of it was refused, ``failed`` when nothing went in because of an error
(a folder that is gone, a database that does not answer).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import create_engine, event, func, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from data.importer import IMPORT_KINDS, KINDS, CsvImportError, import_csv_text, import_rows
from data.models import ImportVia, SyncKind, SyncSource, utcnow
from data.repositories.imports import record_import
from data.repositories.sync_sources import due_source_ids, record_run, source_queries

DONE, FAILED = "done", "failed"
_KIND_OF_NAME = re.compile(r"^([a-z]+)(?:[-_.].*)?$")


@dataclass
class SyncOutcome:
    """What one pull of a source did."""

    source: str
    status: str = "succeeded"
    detail: dict[str, dict[str, int]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, kind: str, added: int, present: int) -> None:
        item = self.detail.setdefault(kind, {"added": 0, "present": 0})
        item["added"] += added
        item["present"] += present

    def describe(self) -> str:
        added = sum(item["added"] for item in self.detail.values())
        present = sum(item["present"] for item in self.detail.values())
        line = (
            f"Sync of {self.source}: {self.status}, {added:,} rows added, {present:,} already "
            f"present ({self.seconds:.1f} s)"
        )
        return line + "".join(f"\n  {error}" for error in self.errors)


def kind_of_file(name: str) -> str | None:
    """The kind a dropped file is named after (``logins-2026-12-04.csv`` -> logins), else None."""
    if not name.lower().endswith(".csv"):
        return None
    match = _KIND_OF_NAME.match(name[: -len(".csv")].lower())
    kind = match.group(1) if match else None
    return kind if kind in KINDS else None


def sync_source(
    sessions: Callable[[], Session], source_id: int, *, now: dt.datetime | None = None
) -> SyncOutcome:
    """Pull source ``source_id`` once and record the run (see the module docstring)."""
    now = now or utcnow()
    started = time.monotonic()
    with sessions() as session:
        source = session.get(SyncSource, source_id)
        if source is None:
            raise LookupError(f"there is no sync source {source_id}")
        session.expunge(source)
    outcome = SyncOutcome(source.name)
    actor = f"sync: {source.name}"
    try:
        if source.kind == SyncKind.FOLDER.value:
            _pull_folder(sessions, source, outcome, actor, now)
        else:
            _pull_database(sessions, source, outcome, actor)
    except (OSError, SQLAlchemyError) as exc:
        outcome.status = "failed"
        outcome.errors.append(_one_line(exc))
    if outcome.status != "failed" and outcome.errors:
        outcome.status = "partial"
    outcome.seconds = time.monotonic() - started
    with sessions() as session, session.begin():
        record_run(
            session,
            source_id,
            started_at=now,
            status=outcome.status,
            detail=outcome.detail,
            errors=outcome.errors,
        )
    return outcome


def sync_due(
    sessions: Callable[[], Session], *, now: dt.datetime | None = None
) -> list[SyncOutcome]:
    """Pull every enabled source whose interval has passed since its last run."""
    now = now or utcnow()
    with sessions() as session:
        due = due_source_ids(session, now)
    return [sync_source(sessions, source_id, now=now) for source_id in due]


# --- a folder of CSV drops ---------------------------------------------------------------


def _pull_folder(
    sessions: Callable[[], Session], source: SyncSource, outcome: SyncOutcome, actor: str,
    now: dt.datetime,
) -> None:  # fmt: skip
    folder = Path(source.location)
    if not folder.is_dir():
        raise FileNotFoundError(f"the folder {folder} is not there")
    files = [path for path in folder.iterdir() if path.is_file() and kind_of_file(path.name)]
    order = {kind: position for position, kind in enumerate(IMPORT_KINDS)}
    files.sort(key=lambda path: (order[kind_of_file(path.name)], path.name))
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    for path in files:
        kind = kind_of_file(path.name)
        history = {"via": ImportVia.SYNC, "kind": kind, "actor": actor,
                   "source": f"{source.name}: {path.name}"}  # fmt: skip
        try:
            with sessions() as session, session.begin():
                summary = import_csv_text(session, kind, path.read_bytes(), path.name)
                record_import(session, **history, rows=summary.rows,
                              rows_added=summary.inserted,
                              rows_already_present=summary.already_present)  # fmt: skip
        except CsvImportError as exc:
            _move(path, folder / FAILED, stamp)
            report = folder / FAILED / f"{stamp}-{path.name}.errors.txt"
            report.write_text("\n".join(exc.problems) + "\n", encoding="utf-8")
            with sessions() as session, session.begin():
                record_import(session, **history, problems=len(exc.details))
            outcome.errors.append(
                f"{path.name}: refused ({_problems(exc)}), moved to {FAILED}/ with {report.name}"
            )
            outcome.add(kind, 0, 0)
            continue
        _move(path, folder / DONE, stamp)
        outcome.add(kind, summary.inserted, summary.already_present)


def _move(path: Path, to: Path, stamp: str) -> Path:
    to.mkdir(exist_ok=True)
    target = to / f"{stamp}-{path.name}"
    path.replace(target)
    return target


# --- a SQL database -----------------------------------------------------------------------


def _pull_database(
    sessions: Callable[[], Session], source: SyncSource, outcome: SyncOutcome, actor: str
) -> None:
    engine = create_engine(source.location, hide_parameters=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _query_only)
    watermarks: dict[str, Any] = json.loads(source.watermarks or "{}")
    try:
        for kind, spec in source_queries(source).items():
            frame = _read_new_rows(engine, spec.query, spec.watermark, watermarks.get(kind))
            if frame.empty:
                outcome.add(kind, 0, 0)
                continue
            highest = _plain(frame[spec.watermark].max())
            fields = {column.name for column in KINDS[kind]}
            if spec.watermark not in fields:
                frame = frame.drop(columns=[spec.watermark])
            history = {"via": ImportVia.SYNC, "kind": kind, "actor": actor,
                       "source": f"{source.name}: {kind} query"}  # fmt: skip
            try:
                with sessions() as session, session.begin():
                    summary = import_rows(session, kind, _rows(frame), history["source"])
                    record_import(session, **history, rows=summary.rows,
                                  rows_added=summary.inserted,
                                  rows_already_present=summary.already_present)  # fmt: skip
                    stored = session.get(SyncSource, source.id)
                    watermarks[kind] = highest
                    stored.watermarks = json.dumps(watermarks)
            except CsvImportError as exc:
                with sessions() as session, session.begin():
                    record_import(session, **history, problems=len(exc.details))
                outcome.errors.append(
                    f"{kind} query: refused ({_problems(exc)}; rows count from 1): "
                    + "; ".join(exc.problems[:5])
                )
                outcome.add(kind, 0, 0)
                continue
            outcome.add(kind, summary.inserted, summary.already_present)
    finally:
        engine.dispose()


def _query_only(dbapi_connection, _record) -> None:
    dbapi_connection.execute("PRAGMA query_only = ON")


def _read_new_rows(engine, query: str, watermark: str, last: Any) -> pd.DataFrame:
    quoted = engine.dialect.identifier_preparer.quote(watermark)
    sql = f"SELECT * FROM ({query.rstrip().rstrip(';')}) AS source_rows"  # noqa: S608 - an admin's own query
    params: dict[str, Any] = {}
    if last is not None:
        sql += f" WHERE source_rows.{quoted} > :last"
        params["last"] = last
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SET TRANSACTION READ ONLY"))
        try:
            return pd.read_sql_query(text(sql), connection, params=params)
        finally:
            connection.rollback()


def _plain(value: Any) -> Any:
    """A value as JSON keeps it and the source compares it: numbers stay numbers, times ISO text."""
    if isinstance(value, pd.Timestamp | dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows as JSON-like objects: text, numbers or None, times in ISO 8601."""
    columns = {}
    for name in frame.columns:
        values = frame[name]
        if pd.api.types.is_datetime64_any_dtype(values):
            text_values = values.map(lambda v: v.isoformat() if pd.notna(v) else None)
            columns[name] = text_values.astype(object)
        else:
            columns[name] = values.astype(object).where(values.notna(), None).map(_plain)
    return pd.DataFrame(columns).to_dict("records")


def _problems(exc: CsvImportError) -> str:
    count = len(exc.details)
    return f"{count:,} problem{'s' if count != 1 else ''}"


def _one_line(exc: Exception) -> str:
    text_ = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text_[:500]


# --- the demo's source --------------------------------------------------------------------

DEMO_SOURCE_NAME = "Demo drop folder"


def add_demo_sync_source(session: Session, folder: Path) -> Path:
    """A folder source for the demo, with the book's interactions of its last day dropped in it.

    The rows are the book's own (already stored), so the first sync shows a
    file imported and moved to ``done/`` with its rows already there, and
    changes no score. Returns the dropped file.
    """
    from sqlalchemy import select

    from data.models import Interaction
    from data.repositories._frames import read_frame
    from data.repositories.sync_sources import save_source

    folder.mkdir(parents=True, exist_ok=True)
    last = session.scalar(select(func.max(Interaction.ts)))
    query = select(
        Interaction.client_id, Interaction.ts, Interaction.channel, Interaction.response_hours
    )
    if last is not None:
        query = query.where(Interaction.ts > last - dt.timedelta(days=1))
    frame = read_frame(session, query.order_by(Interaction.ts))
    frame["ts"] = frame["ts"].map(lambda value: value.isoformat())
    day = (last or utcnow()).date()
    path = folder / f"interactions-{day.isoformat()}.csv"
    frame.to_csv(path, index=False)
    save_source(session, name=DEMO_SOURCE_NAME, kind=SyncKind.FOLDER.value,
                location=str(folder.resolve()), every_hours=1)  # fmt: skip
    return path
