"""Client events (logins, interactions, tasks, feedback, tickets): scoring frames and bulk inserts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

import numpy as np
import pandas as pd
from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from data.models import Base, Client, Feedback, Interaction, Login, Task, Ticket
from data.repositories._frames import (
    day_end_exclusive,
    day_start,
    read_frame,
    read_frame_for_keys,
)
from data.repositories.bulk import ANALYZE_AFTER_ROWS, insert_frame, refresh_statistics
from data.repositories.clients import refresh_latest_interactions
from data.row_hash import ValueKind, hashed_columns, row_hashes
from scoring.columns import (
    CLIENT_ID,
    COMPLETED_AT,
    DUE_DATE,
    KIND,
    OPENED_AT,
    RATING,
    RESOLUTION_RATING,
    RESOLVED_AT,
    RESPONSE_HOURS,
    SENTIMENT,
    TS,
)
from scoring.enums import ClientStatus
from scoring.events import EventFrames
from scoring.model import LONGEST_WINDOW, VELOCITY_WINDOW

CHANNEL = "channel"
TITLE = "title"
COMMENT = "comment"


EVENT_MODELS: dict[str, type[Base]] = {
    "logins": Login,
    "interactions": Interaction,
    "tasks": Task,
    "feedback": Feedback,
    "tickets": Ticket,
}

# Columns of each kind as the scoring engine reads them.
SCORING_COLUMNS: dict[str, tuple[str, ...]] = {
    "logins": (CLIENT_ID, TS),
    "interactions": (CLIENT_ID, TS, RESPONSE_HOURS),
    "tasks": (CLIENT_ID, KIND, DUE_DATE, COMPLETED_AT),
    "feedback": (CLIENT_ID, TS, RATING, SENTIMENT),
    "tickets": (CLIENT_ID, OPENED_AT, RESOLVED_AT, RESOLUTION_RATING),
}

# Every stored column of each kind (the CSV import columns): events are equal when all of these are.
ALL_COLUMNS: dict[str, tuple[str, ...]] = {
    "logins": (CLIENT_ID, TS),
    "interactions": (CLIENT_ID, TS, CHANNEL, RESPONSE_HOURS),
    "tasks": (CLIENT_ID, TITLE, KIND, DUE_DATE, COMPLETED_AT),
    "feedback": (CLIENT_ID, TS, RATING, SENTIMENT, COMMENT),
    "tickets": (CLIENT_ID, OPENED_AT, RESOLVED_AT, RESOLUTION_RATING),
}

EVENT_KINDS: tuple[str, ...] = tuple(EVENT_MODELS)

ROW_HASH = "row_hash"
WRITE_CHUNK = 500_000  # rows per bulk statement of insert_events
SQLITE_WRITE_CACHE_KIB = 1_048_576  # page cache while a large insert_events runs on SQLite

# The time column of each kind: events are read by client and this column.
TIME_COLUMNS: dict[str, str] = {
    "logins": TS,
    "interactions": TS,
    "tasks": DUE_DATE,
    "feedback": TS,
    "tickets": OPENED_AT,
}

# The unique index of each kind: equal events (equal client and row hash) are stored once.
# The time column in the middle lets the same index serve reads by client and time.
EVENT_KEYS: dict[str, tuple[str, str, str]] = {
    kind: (CLIENT_ID, time_column, ROW_HASH) for kind, time_column in TIME_COLUMNS.items()
}


# The columns each kind's row hash covers, with how each is normalised (data.row_hash):
# ALL_COLUMNS but client_id.
HASHED_COLUMNS: dict[str, tuple[tuple[str, ValueKind], ...]] = {
    kind: hashed_columns(model.__table__) for kind, model in EVENT_MODELS.items()
}


def load_events(
    session: Session,
    client_ids: Iterable[str] | None = None,
    until: dt.date | dt.datetime | None = None,
    *,
    since: dt.date | dt.datetime | None = None,
) -> EventFrames:
    """The events of ``client_ids`` (default: every client) as scoring-ready frames.

    ``until`` (a day, inclusive, or an instant) drops logins, interactions and
    feedback after it and tickets opened after it; ``since`` (a day or an
    instant) drops those before it and tickets neither opened nor resolved
    since. Tasks are always returned whole, since completion is cumulative;
    the engine compares their dates with the scoring day. Rows are ordered by
    client and time.
    """
    ids = None if client_ids is None else list(dict.fromkeys(client_ids))
    return EventFrames(
        *(
            _load_kind(session, kind, ids, until=until, since=since, columns=SCORING_COLUMNS[kind])
            for kind in EVENT_KINDS
        )
    )


def load_events_for_day(
    session: Session, as_of: dt.date, client_ids: Iterable[str] | None = None
) -> EventFrames:
    """The events that the scores of day ``as_of`` read, and no more: the daily job's input.

    Every window of the score (DESIGN 5) lies within the ``LONGEST_WINDOW``
    days ending ``as_of``, so of the whole history this reads:

    - logins, interactions and feedback of those days;
    - tickets opened or resolved in them (and opened by ``as_of``);
    - tasks due by ``as_of`` (completion, milestones, overdue) and tasks
      completed within the velocity window whatever their due date;
    - per client, the latest login or interaction before the window, as one
      extra login row: the only thing the score takes from older activity is
      its date (days since the last activity).

    The engine scores these exactly as it scores the whole history (a property
    test keeps the two equal). ``client_ids`` limits the read; without it,
    every client's events are read (the engine drops clients it does not score).
    Rows come in no particular order.
    """
    ids = None if client_ids is None else list(dict.fromkeys(client_ids))
    since = as_of - dt.timedelta(days=LONGEST_WINDOW - 1)
    frames = {
        kind: _load_kind(
            session,
            kind,
            ids,
            until=as_of,
            since=since,
            columns=SCORING_COLUMNS[kind],
            ordered=False,
        )
        for kind in ("logins", "interactions", "feedback", "tickets")
    }
    frames["tasks"] = _tasks_for_day(session, as_of, ids)
    earlier = _last_activity_before(session, since, ids)
    if len(earlier):
        frames["logins"] = pd.concat([frames["logins"], earlier], ignore_index=True)
    return EventFrames(**frames)


def _tasks_for_day(session: Session, as_of: dt.date, ids: list[str] | None) -> pd.DataFrame:
    table = Task.__table__
    velocity_start = day_start(as_of - dt.timedelta(days=VELOCITY_WINDOW - 1))
    stmt = select(*(table.c[name] for name in SCORING_COLUMNS["tasks"])).where(
        or_(
            table.c[DUE_DATE] <= as_of,
            and_(
                table.c[COMPLETED_AT] >= velocity_start,
                table.c[COMPLETED_AT] < day_end_exclusive(as_of),
            ),
        )
    )
    return _read_for(session, stmt, table, ids, order=None)


def _last_activity_before(session: Session, since: dt.date, ids: list[str] | None) -> pd.DataFrame:
    """Per client, the latest login or interaction before ``since``, as (client_id, ts) rows.

    One indexed look-up per client and table (on ``(client_id, ts)``), so the
    cost follows the number of clients, not the length of their history.
    """
    start = day_start(since)
    clients = Client.__table__
    latest = {
        name: select(func.max(model.ts))
        .where(model.client_id == clients.c.id, model.ts < start)
        .scalar_subquery()
        .label(name)
        for name, model in (("login", Login), ("interaction", Interaction))
    }
    stmt = select(clients.c.id.label(CLIENT_ID), *latest.values())
    if ids is None:
        frame = read_frame(session, stmt.where(clients.c.status == ClientStatus.ACTIVE))
    else:
        frame = read_frame_for_keys(
            session, stmt, clients.c.id, ids, key_label=CLIENT_ID, order_by=(clients.c.id,)
        )
    last = frame["login"].where(
        frame["interaction"].isna() | (frame["login"] >= frame["interaction"]),
        frame["interaction"],
    )
    kept = last.notna().to_numpy()
    return pd.DataFrame({CLIENT_ID: frame[CLIENT_ID][kept], TS: last[kept]}).reset_index(drop=True)


def event_rows(
    session: Session, kind: str, client_ids: Iterable[str] | None = None
) -> pd.DataFrame:
    """Every stored column (``ALL_COLUMNS[kind]``) of the ``kind`` events of ``client_ids``."""
    _model(kind)
    ids = None if client_ids is None else list(dict.fromkeys(client_ids))
    return _load_kind(session, kind, ids, until=None, since=None, columns=ALL_COLUMNS[kind])


def insert_events(
    session: Session,
    kind: str,
    frame: pd.DataFrame,
    *,
    on_written: Callable[[int], None] | None = None,
) -> int:
    """Insert the ``kind`` events of ``frame`` that are not stored yet; returns how many were.

    ``frame`` has ``client_id`` and any of ``ALL_COLUMNS[kind]`` (a column it
    lacks is empty). Every writer of events goes through here: the rows get
    their ``row_hash`` (:func:`event_row_hashes`) and an event equal on every
    column to one stored, or to an earlier one of ``frame``, is skipped by the
    unique index on ``EVENT_KEYS[kind]``, without reading what is stored.
    Empty text is stored as no value (NULL), as the hash takes it. Rows are
    written in the order of their client (stable), which keeps the writes to
    the indexes local; ids follow that order. They go in chunks of
    ``WRITE_CHUNK`` rows, after each of which ``on_written`` hears how many.
    Interactions also refresh their clients' ``last_interaction_at``; a large write
    refreshes the table's planner statistics (``bulk.refresh_statistics``).
    """
    model = _model(kind)
    unknown = set(frame.columns) - set(ALL_COLUMNS[kind])
    if unknown:
        raise ValueError(f"unknown {kind} columns: {', '.join(sorted(unknown))}")
    if CLIENT_ID not in frame.columns:
        raise ValueError("events need a client_id column")
    if frame.empty:
        return 0
    columns = [name for name in ALL_COLUMNS[kind] if name in frame.columns]
    rows = frame[columns].reset_index(drop=True)
    for name, value_kind in HASHED_COLUMNS[kind]:
        if value_kind == "text" and name in rows.columns:
            rows[name] = _text_categories(rows[name])
    rows[ROW_HASH] = event_row_hashes(kind, rows)
    codes, written_ids = pd.factorize(rows[CLIENT_ID], sort=True)
    rows = rows.take(np.argsort(codes, kind="stable"))
    inserted = 0
    with _large_sqlite_cache(session, len(rows)):
        for start in range(0, len(rows), WRITE_CHUNK):
            chunk = rows.iloc[start : start + WRITE_CHUNK]
            inserted += insert_frame(
                session,
                model.__table__,
                chunk,
                columns=[*columns, ROW_HASH],
                on_conflict="ignore",
                keys=EVENT_KEYS[kind],
            )
            if on_written is not None:
                on_written(len(chunk))
    if kind == "interactions" and inserted:
        refresh_latest_interactions(session, written_ids.tolist())
    if inserted >= ANALYZE_AFTER_ROWS:
        refresh_statistics(session, model.__table__)
    return inserted


@contextmanager
def _large_sqlite_cache(session: Session, rows: int) -> Iterator[None]:
    """On SQLite, a page cache of up to ``SQLITE_WRITE_CACHE_KIB`` while many rows are written.

    A transaction that outgrows the page cache (2 MiB by default) spills
    pages to the write-ahead log again and again; the former size is restored.
    """
    if rows < WRITE_CHUNK or session.get_bind().dialect.name != "sqlite":
        yield
        return
    driver = session.connection().connection.driver_connection
    (former,) = driver.execute("PRAGMA cache_size").fetchone()
    driver.execute(f"PRAGMA cache_size = -{SQLITE_WRITE_CACHE_KIB}")
    try:
        yield
    finally:
        driver.execute(f"PRAGMA cache_size = {int(former)}")


def event_row_hashes(kind: str, frame: pd.DataFrame) -> np.ndarray:
    """The ``row_hash`` of each ``kind`` event of ``frame`` (see :mod:`data.row_hash`).

    The hash covers every column but ``client_id`` (``HASHED_COLUMNS[kind]``):
    the unique index holds ``client_id`` itself, so two events collide only
    when they belong to one client and hash alike.
    """
    _model(kind)
    return row_hashes(frame, HASHED_COLUMNS[kind])


def _text_categories(series: pd.Series) -> pd.Series:
    """Text as a categorical column (each distinct text converted and hashed once); "" is NULL."""
    categorical = series.astype("category")
    if "" in categorical.cat.categories:
        categorical = categorical.cat.remove_categories([""])
    return categorical


def _model(kind: str) -> type[Base]:
    try:
        return EVENT_MODELS[kind]
    except KeyError:
        raise ValueError(
            f"unknown event kind {kind!r}; expected one of {', '.join(EVENT_KINDS)}"
        ) from None


def _load_kind(
    session: Session,
    kind: str,
    client_ids: list[str] | None,
    *,
    until: dt.date | dt.datetime | None,
    since: dt.date | dt.datetime | None,
    columns: tuple[str, ...],
    ordered: bool = True,
) -> pd.DataFrame:
    model = _model(kind)
    table = model.__table__
    time_column = table.c[OPENED_AT] if kind == "tickets" else table.c.get(TS)
    stmt = select(*(table.c[name] for name in columns))
    if time_column is not None:
        if until is not None:
            stmt = stmt.where(time_column < day_end_exclusive(until))
        if since is not None:
            stmt = stmt.where(_since_condition(kind, table, day_start(since)))
        order = (table.c.client_id, time_column, table.c.id)
    else:
        order = (table.c.client_id, table.c[DUE_DATE], table.c.id)
    return _read_for(session, stmt, table, client_ids, order=order if ordered else None)


def _read_for(
    session: Session, stmt, table, client_ids: list[str] | None, *, order
) -> pd.DataFrame:
    """``stmt`` for ``client_ids`` (every client when None), ordered by ``order`` when given."""
    if client_ids is None:
        return read_frame(session, stmt if order is None else stmt.order_by(*order))
    return read_frame_for_keys(
        session,
        stmt,
        table.c.client_id,
        client_ids,
        key_label=CLIENT_ID,
        order_by=order or (table.c.client_id,),
    )


def _since_condition(kind: str, table, start: dt.datetime) -> ColumnElement[bool]:
    if kind == "tickets":
        return or_(table.c[OPENED_AT] >= start, table.c[RESOLVED_AT] >= start)
    return table.c[TS] >= start
