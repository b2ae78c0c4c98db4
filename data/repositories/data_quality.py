"""What the data quality check reads of the events: each client's facts per kind.

Every figure is worked out by the database, one row per client (how, on each
backend, is in ``client_event_facts``): no event row travels to Python. Each
kind of event is dated by one column (``EVENT_TIME``):
the time of a login, an interaction or a piece of feedback, the opening of a
ticket and the completion of a task (a task's due date is a plan and may
rightly lie ahead, so it is not a date the event happened).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import ColumnElement, case, exists, func, or_, select
from sqlalchemy.orm import Session

from data.models import Client
from data.repositories._frames import read_frame
from data.repositories.clients import NAME
from data.repositories.events import EVENT_KINDS, EVENT_MODELS
from scoring.columns import CLIENT_ID, CREATED_AT, STATUS

# The column that dates each kind of event.
EVENT_TIME: dict[str, str] = {
    "logins": "ts",
    "interactions": "ts",
    "tasks": "completed_at",
    "feedback": "ts",
    "tickets": "opened_at",
}
NEWEST, RECENT, FUTURE, EARLY = "newest", "recent", "future", "early"


def fact_column(kind: str, fact: str) -> str:
    """The frame column of one fact of one kind: ``logins_newest``, ``tasks_future``."""
    return f"{kind}_{fact}"


def client_event_facts(session: Session, *, now: dt.datetime, since: dt.datetime) -> pd.DataFrame:
    """One row per client: client_id, name, status, created_at and, for every kind of event,

    - ``<kind>_newest``: the time of its newest event up to ``now`` (missing without one);
    - ``<kind>_recent``: whether it has one from ``since`` to ``now`` (for tasks, also a
      task due from ``since`` on, done or not: a planner in use);
    - ``<kind>_future``: how many are dated after ``now``;
    - ``<kind>_early``: how many are dated before the client was created.

    The same facts are asked two ways, each the faster on its backend (measured
    at 100k clients and 12.5M events in ``benchmarks/README.md``): PostgreSQL
    groups each event table by client in one pass (hash aggregates, parallel
    scans); SQLite, which has neither, looks each client up in the
    ``(client_id, <time>)`` indexes.
    """
    clients = Client.__table__
    columns = [
        clients.c.id.label(CLIENT_ID),
        clients.c.name.label(NAME),
        clients.c.status.label(STATUS),
        clients.c.created_at.label(CREATED_AT),
    ]
    if session.get_bind().dialect.name == "postgresql":
        frame = read_frame(session, select(*columns))
        for kind in EVENT_KINDS:
            frame = frame.merge(_grouped_facts(session, kind, now, since), on=CLIENT_ID, how="left")
        frame = frame.sort_values(CLIENT_ID, ignore_index=True)
    else:
        for kind in EVENT_KINDS:
            columns += _looked_up_facts(kind, now, since)
        frame = read_frame(session, select(*columns).order_by(clients.c.id))
    for kind in EVENT_KINDS:
        recent = fact_column(kind, RECENT)
        frame[recent] = frame[recent].fillna(0).astype(bool)
        for fact in (FUTURE, EARLY):
            frame[fact_column(kind, fact)] = (
                frame[fact_column(kind, fact)].fillna(0).astype("int64")
            )
    return frame


def _recent(kind: str, table, when, now: dt.datetime, since: dt.datetime) -> ColumnElement[bool]:
    recent = when.between(since, now)
    return or_(recent, table.c.due_date >= since.date()) if kind == "tasks" else recent


def _looked_up_facts(kind: str, now: dt.datetime, since: dt.datetime) -> list:
    """The facts of one kind as subqueries of each client's row."""
    clients = Client.__table__
    table = EVENT_MODELS[kind].__table__
    when = table.c[EVENT_TIME[kind]]
    mine = table.c.client_id == clients.c.id
    return [
        select(func.max(when)).where(mine, when <= now).scalar_subquery()
        .label(fact_column(kind, NEWEST)),
        exists().where(mine, _recent(kind, table, when, now, since)).label(fact_column(kind, RECENT)),
        select(func.count()).select_from(table).where(mine, when > now).scalar_subquery()
        .label(fact_column(kind, FUTURE)),
        select(func.count()).select_from(table).where(mine, when < clients.c.created_at)
        .scalar_subquery().label(fact_column(kind, EARLY)),
    ]  # fmt: skip


def _grouped_facts(
    session: Session, kind: str, now: dt.datetime, since: dt.datetime
) -> pd.DataFrame:
    """The facts of one kind for every client with such events, in one pass over its table."""
    clients = Client.__table__
    table = EVENT_MODELS[kind].__table__
    when = table.c[EVENT_TIME[kind]]
    stmt = (
        select(
            table.c.client_id.label(CLIENT_ID),
            func.max(when).filter(when <= now).label(fact_column(kind, NEWEST)),
            func.max(case((_recent(kind, table, when, now, since), 1), else_=0))
            .label(fact_column(kind, RECENT)),
            func.count().filter(when > now).label(fact_column(kind, FUTURE)),
            func.count().filter(when < clients.c.created_at).label(fact_column(kind, EARLY)),
        )
        .join(clients, clients.c.id == table.c.client_id)
        .group_by(table.c.client_id)
    )  # fmt: skip
    return read_frame(session, stmt)
