"""Interventions: the work queue, the open ones, and every row for the KPIs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd
from sqlalchemy import ColumnElement, Select, and_, case, false, func, not_, or_, select
from sqlalchemy.orm import Session, aliased

from data.models import Client, Intervention, User, utcnow
from data.repositories._frames import as_list, page_bounds, read_frame
from scoring.enums import OPEN_STATUSES, InterventionStatus, Priority

CLIENT_NAME = "client_name"
ASSIGNED_TO_NAME = "assigned_to_name"
OVERDUE = "overdue"

# Columns of every intervention frame, in the order of the API's JSON.
INTERVENTION_COLUMNS: tuple[str, ...] = (
    "id", "client_id", CLIENT_NAME, "type", "priority", "status", "title", "description",
    "assigned_to", ASSIGNED_TO_NAME, "due_date", OVERDUE, "source", "created_by", "created_at",
    "updated_at", "started_at", "completed_at", "cancelled_at", "outcome", "client_responded",
    "score_at_creation", "version",
)  # fmt: skip


def _priority_rank() -> ColumnElement[int]:
    """0 for urgent up to 3 for low (``Priority.rank``), in SQL."""
    return case(
        {priority.value: priority.rank for priority in Priority}, value=Intervention.priority
    )


def is_overdue(now: dt.datetime) -> ColumnElement[bool]:
    """Open and past its due date at ``now``, in SQL (``scoring.rules.is_overdue`` on frames)."""
    return and_(Intervention.status.in_(OPEN_STATUSES), Intervention.due_date < now)


def queue_order(now: dt.datetime) -> list[ColumnElement]:
    """The queue order, the one definition every list of interventions uses.

    Priority (urgent first), then the ones overdue at ``now``, then due date
    (earliest first), then id, so equal rows keep one order from page to page.
    """
    return [
        _priority_rank(),
        case((is_overdue(now), 0), else_=1),
        Intervention.due_date,
        Intervention.id,
    ]


def _frame_select(now: dt.datetime) -> Select:
    table = Intervention.__table__
    assignee = aliased(User)
    overdue = case((is_overdue(now), True), else_=False)
    selected = {
        CLIENT_NAME: Client.name.label(CLIENT_NAME),
        ASSIGNED_TO_NAME: assignee.name.label(ASSIGNED_TO_NAME),
        OVERDUE: overdue.label(OVERDUE),
    }
    columns = [selected.get(name, table.c.get(name)) for name in INTERVENTION_COLUMNS]
    return (
        select(*columns)
        .select_from(table)
        .join(Client, Client.id == Intervention.client_id)
        .outerjoin(assignee, assignee.id == Intervention.assigned_to)
    )


def _read(session: Session, stmt: Select) -> pd.DataFrame:
    frame = read_frame(session, stmt)
    return frame.astype({OVERDUE: "bool"})


def interventions_for_rules(
    session: Session, *, closed_since: dt.datetime, now: dt.datetime | None = None
) -> pd.DataFrame:
    """The interventions the daily rules read: every open one, and those closed since ``closed_since``.

    Open ones decide who already has work under way (and the team's load);
    recently closed automatic ones stop a client getting a new one at once
    (``scoring.rules``). Older closed interventions change nothing, so they are not read.
    """
    closed_at = func.coalesce(Intervention.completed_at, Intervention.cancelled_at)
    stmt = (
        _frame_select(now or utcnow())
        .where(or_(Intervention.status.in_(OPEN_STATUSES), closed_at >= closed_since))
        .order_by(Intervention.id)
    )
    return _read(session, stmt)


def intervention_queue(
    session: Session,
    *,
    status: InterventionStatus | str | Iterable[InterventionStatus | str] | None = None,
    priority: Priority | str | Iterable[Priority | str] | None = None,
    type: str | Iterable[str] | None = None,
    assigned_to: int | None = None,
    client_id: str | None = None,
    source: str | None = None,
    overdue: bool | None = None,
    now: dt.datetime | None = None,
    page: int = 1,
    limit: int = 25,
) -> tuple[pd.DataFrame, int]:
    """One page of interventions in queue order, and the total matching the filters.

    Queue order: priority (urgent first), then overdue before the rest, then
    due date, then id. ``overdue`` is judged at ``now`` (default: the current
    time): open (pending or in progress) and past its due date. Each row has
    the columns of ``INTERVENTION_COLUMNS``.
    """
    offset, limit = page_bounds(page, limit)
    now = now or utcnow()
    conditions: list[ColumnElement[bool]] = []
    for column, wanted in (
        (Intervention.status, as_list(status)),
        (Intervention.priority, as_list(priority)),
        (Intervention.type, as_list(type)),
        (Intervention.source, as_list(source)),
    ):
        if wanted is not None:
            conditions.append(column.in_(wanted) if wanted else false())
    if assigned_to is not None:
        conditions.append(Intervention.assigned_to == assigned_to)
    if client_id is not None:
        conditions.append(Intervention.client_id == client_id)
    if overdue is not None:
        conditions.append(is_overdue(now) if overdue else not_(is_overdue(now)))

    total = session.scalar(select(func.count(Intervention.id)).where(*conditions)) or 0
    stmt = (
        _frame_select(now)
        .where(*conditions)
        .order_by(*queue_order(now))
        .offset(offset)
        .limit(limit)
    )
    return _read(session, stmt), total


def open_interventions(session: Session, *, now: dt.datetime | None = None) -> pd.DataFrame:
    """Every pending or in-progress intervention, in queue order (``overdue`` judged at ``now``)."""
    now = now or utcnow()
    stmt = (
        _frame_select(now)
        .where(Intervention.status.in_(OPEN_STATUSES))
        .order_by(*queue_order(now))
    )
    return _read(session, stmt)


def interventions_frame(session: Session, *, now: dt.datetime | None = None) -> pd.DataFrame:
    """Every intervention ever created, by id: the input of the intervention KPIs."""
    stmt = _frame_select(now or utcnow()).order_by(Intervention.id)
    return _read(session, stmt)
