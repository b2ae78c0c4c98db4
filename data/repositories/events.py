"""Client events (logins, interactions, tasks, feedback, tickets): scoring frames and bulk inserts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd
from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from data.models import Base, Feedback, Interaction, Login, Task, Ticket
from data.repositories._frames import (
    day_end_exclusive,
    day_start,
    read_frame,
    read_frame_for_keys,
    to_records,
)
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
from scoring.events import EventFrames

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


def event_rows(
    session: Session, kind: str, client_ids: Iterable[str] | None = None
) -> pd.DataFrame:
    """Every stored column (``ALL_COLUMNS[kind]``) of the ``kind`` events of ``client_ids``."""
    _model(kind)
    ids = None if client_ids is None else list(dict.fromkeys(client_ids))
    return _load_kind(session, kind, ids, until=None, since=None, columns=ALL_COLUMNS[kind])


def insert_events(session: Session, kind: str, frame: pd.DataFrame) -> int:
    """Insert the ``kind`` events of ``frame`` (columns of ``ALL_COLUMNS[kind]``); returns the count."""
    model = _model(kind)
    columns = [name for name in ALL_COLUMNS[kind] if name in frame.columns]
    unknown = set(frame.columns) - set(ALL_COLUMNS[kind])
    if unknown:
        raise ValueError(f"unknown {kind} columns: {', '.join(sorted(unknown))}")
    if CLIENT_ID not in columns:
        raise ValueError("events need a client_id column")
    if frame.empty:
        return 0
    records = to_records(frame, model.__table__, columns)
    session.execute(model.__table__.insert(), records)
    return len(records)


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
    if client_ids is None:
        return read_frame(session, stmt.order_by(*order))
    return read_frame_for_keys(
        session, stmt, table.c.client_id, client_ids, key_label=CLIENT_ID, order_by=order
    )


def _since_condition(kind: str, table, start: dt.datetime) -> ColumnElement[bool]:
    if kind == "tickets":
        return or_(table.c[OPENED_AT] >= start, table.c[RESOLVED_AT] >= start)
    return table.c[TS] >= start
