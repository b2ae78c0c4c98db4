"""Sync sources and their runs: save a source, list them with their latest run, find the due ones.

A source's checks (``validated_source``) are the ones a person can fix in the
form: a name, a folder that exists or a URL SQLAlchemy can read, for a SQL
source at least one ``SELECT`` with its watermark column, an interval of 1 to
168 hours.
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import delete, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session

from data.importer import IMPORT_KINDS
from data.models import (
    SYNC_NAME_LENGTH,
    DataImport,
    SyncKind,
    SyncRun,
    SyncSource,
    utcnow,
)
from data.repositories._frames import read_frame

MAX_EVERY_HOURS = 24 * 7
# A source is silent when its last good run is older than this many intervals.
SILENT_AFTER_INTERVALS = 3


class SyncSourceError(ValueError):
    """A source that cannot be saved as given; the message names the field and what is wrong."""


@dataclass(frozen=True)
class Query:
    """One kind's ``SELECT`` of a SQL source and the column that only grows (its watermark)."""

    query: str
    watermark: str


def validated_source(
    name: str, kind: str, location: str, every_hours: int, queries: dict[str, Query]
) -> tuple[str, SyncKind, str, int, dict[str, Query]]:
    """The fields, trimmed, or SyncSourceError naming the first that is wrong."""
    name = (name or "").strip()
    if not name:
        raise SyncSourceError("Name: give the source a name, e.g. 'Booking system'.")
    if len(name) > SYNC_NAME_LENGTH or any(
        unicodedata.category(char).startswith("C") for char in name
    ):
        raise SyncSourceError(f"Name: at most {SYNC_NAME_LENGTH} characters, without line breaks.")
    try:
        kind = SyncKind(kind)
    except ValueError:
        raise SyncSourceError("Type: choose a folder or a SQL database.") from None
    location = (location or "").strip()
    if kind is SyncKind.FOLDER:
        if not location or not Path(location).is_dir():
            raise SyncSourceError(f"Folder: {location or '(empty)'} is not a folder on the server.")
        queries = {}
    else:
        try:
            make_url(location)
        except ArgumentError:
            raise SyncSourceError(
                "Database URL: not a SQLAlchemy URL (e.g. postgresql+psycopg://user@host/db)."
            ) from None
        queries = {k: Query(q.query.strip(), q.watermark.strip()) for k, q in queries.items()}
        queries = {k: q for k, q in queries.items() if q.query}
        for each, query in queries.items():
            if each not in IMPORT_KINDS:
                raise SyncSourceError(f"{each}: not a kind of data ({', '.join(IMPORT_KINDS)}).")
            if not query.query.lower().startswith(("select", "with")):
                raise SyncSourceError(f"{each}: the query must be a SELECT.")
            if not query.watermark:
                raise SyncSourceError(
                    f"{each}: name the watermark column (one that only grows, e.g. updated_at)."
                )
        if not queries:
            raise SyncSourceError("Queries: give a SELECT for at least one kind of data.")
    if not 1 <= int(every_hours) <= MAX_EVERY_HOURS:
        raise SyncSourceError(f"Every: from 1 to {MAX_EVERY_HOURS} hours.")
    return name, kind, location, int(every_hours), queries


def save_source(
    session: Session,
    *,
    name: str,
    kind: str,
    location: str,
    every_hours: int = 1,
    queries: dict[str, Query] | None = None,
    created_by: int | None = None,
    source_id: int | None = None,
) -> SyncSource:
    """Add a source (or change ``source_id``); SyncSourceError when a field is wrong or the name taken."""
    name, kind, location, every_hours, queries = validated_source(
        name, kind, location, every_hours, queries or {}
    )
    taken = session.scalar(
        select(SyncSource.id).where(SyncSource.name == name, SyncSource.id != (source_id or 0))
    )
    if taken is not None:
        raise SyncSourceError(f"Name: another source is called {name}.")
    source = session.get(SyncSource, source_id) if source_id is not None else None
    if source_id is not None and source is None:
        raise SyncSourceError("That source was deleted meanwhile.")
    if source is None:
        source = SyncSource(created_by=created_by, created_at=utcnow())
        session.add(source)
    elif source.location != location or source.kind != kind.value:
        source.watermarks = "{}"  # another place: read everything again once
    source.name, source.kind, source.location = name, kind.value, location
    source.every_hours = every_hours
    source.queries = json.dumps({k: vars(q) for k, q in queries.items()})
    session.flush()
    return source


def delete_source(session: Session, source_id: int) -> str | None:
    """Delete a source and its runs; its name, or None when there was none."""
    source = session.get(SyncSource, source_id)
    if source is None:
        return None
    name = source.name
    session.execute(delete(SyncSource).where(SyncSource.id == source_id))
    return name


def source_queries(source: SyncSource) -> dict[str, Query]:
    return {kind: Query(**spec) for kind, spec in json.loads(source.queries or "{}").items()}


def due_source_ids(session: Session, now: dt.datetime) -> list[int]:
    """Enabled sources whose last run started at least their interval ago (or never ran)."""
    last = (
        select(SyncRun.source_id, func.max(SyncRun.started_at).label("last"))
        .group_by(SyncRun.source_id)
        .subquery()
    )
    rows = session.execute(
        select(SyncSource.id, SyncSource.every_hours, last.c.last)
        .outerjoin(last, last.c.source_id == SyncSource.id)
        .where(SyncSource.enabled.is_(True))
        .order_by(SyncSource.id)
    ).all()
    due = []
    for source_id, every_hours, started in rows:
        if started is None:
            due.append(source_id)
            continue
        started = started if started.tzinfo else started.replace(tzinfo=dt.UTC)
        # A few minutes' grace: a run that took a while must not push the next one an hour on.
        if now - started >= dt.timedelta(hours=every_hours) - dt.timedelta(minutes=5):
            due.append(source_id)
    return due


def record_run(
    session: Session,
    source_id: int,
    *,
    started_at: dt.datetime,
    status: str,
    detail: dict[str, dict[str, int]],
    errors: list[str],
) -> SyncRun:
    run = SyncRun(
        source_id=source_id,
        started_at=started_at,
        finished_at=utcnow(),
        status=status,
        rows_added=sum(item["added"] for item in detail.values()),
        rows_already_present=sum(item["present"] for item in detail.values()),
        detail=json.dumps(detail),
        errors="\n".join(errors),
    )
    session.add(run)
    session.flush()
    return run


def sources_frame(session: Session) -> pd.DataFrame:
    """Every source with its latest run and its latest good run (succeeded or partial)."""
    latest = (
        select(SyncRun.source_id, func.max(SyncRun.id).label("run_id"))
        .group_by(SyncRun.source_id)
        .subquery()
    )
    good = (
        select(SyncRun.source_id, func.max(SyncRun.finished_at).label("last_good_at"))
        .where(SyncRun.status.in_(("succeeded", "partial")))
        .group_by(SyncRun.source_id)
        .subquery()
    )
    query = (
        select(
            SyncSource.id,
            SyncSource.name,
            SyncSource.kind,
            SyncSource.location,
            SyncSource.every_hours,
            SyncSource.enabled,
            SyncSource.created_at,
            SyncRun.started_at.label("run_started_at"),
            SyncRun.finished_at.label("run_finished_at"),
            SyncRun.status.label("run_status"),
            SyncRun.rows_added.label("run_rows_added"),
            SyncRun.rows_already_present.label("run_rows_present"),
            SyncRun.detail.label("run_detail"),
            SyncRun.errors.label("run_errors"),
            good.c.last_good_at,
        )
        .outerjoin(latest, latest.c.source_id == SyncSource.id)
        .outerjoin(SyncRun, SyncRun.id == latest.c.run_id)
        .outerjoin(good, good.c.source_id == SyncSource.id)
        .order_by(SyncSource.name)
    )
    return read_frame(session, query)


def is_silent(
    *,
    every_hours: int,
    last_good_at: pd.Timestamp | None,
    created_at: pd.Timestamp,
    now: pd.Timestamp,
) -> bool:
    """Whether a source has brought nothing for longer than ``SILENT_AFTER_INTERVALS`` intervals."""
    since = last_good_at if last_good_at is not None and pd.notna(last_good_at) else created_at
    return now - since > pd.Timedelta(hours=SILENT_AFTER_INTERVALS * int(every_hours))


def newest_rows_frame(session: Session) -> pd.DataFrame:
    """Per kind of data: when rows were last added, and how (the import history)."""
    query = (
        select(DataImport.kind, func.max(DataImport.at).label("last_added_at"))
        .where(DataImport.problems == 0, DataImport.rows_added > 0)
        .group_by(DataImport.kind)
    )
    return read_frame(session, query)
