"""Alerts: a client's score fell or its risk worsened. One per client, kind and day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from data.models import Alert, Client, User, utcnow
from data.repositories._frames import read_frame
from data.repositories.bulk import insert_frame

ALERT_KEY = ("client_id", "kind", "day")
NEW_ALERT_COLUMNS = (*ALERT_KEY, "message", "assignee_id")
CLIENT_NAME = "client_name"
ASSIGNEE_NAME = "assignee_name"


def add_alerts(session: Session, frame: pd.DataFrame) -> int:
    """Store the alerts of ``frame`` that are not stored yet; returns how many were new.

    ``frame`` has ``client_id``, ``kind``, ``day``, ``message`` and optionally
    ``assignee_id``; an alert whose (client_id, kind, day) exists is skipped,
    and so is a repeat within the frame.
    """
    if frame.empty:
        return 0
    columns = [name for name in NEW_ALERT_COLUMNS if name in frame.columns]
    fresh = frame.drop_duplicates(subset=list(ALERT_KEY)).assign(created_at=utcnow())
    return insert_frame(
        session,
        Alert.__table__,
        fresh,
        columns=[*columns, "created_at"],
        on_conflict="ignore",
        keys=list(ALERT_KEY),
    )


def alerts_frame(
    session: Session,
    *,
    unread_only: bool = False,
    client_id: str | None = None,
    assignee_id: int | None = None,
    since: dt.datetime | None = None,
    limit: int | None = 100,
) -> pd.DataFrame:
    """Alerts, newest first, with the client's and the assignee's names."""
    stmt = (
        select(
            Alert.id,
            Alert.client_id,
            Client.name.label(CLIENT_NAME),
            Alert.kind,
            Alert.message,
            Alert.day,
            Alert.created_at,
            Alert.read_at,
            Alert.emailed_at,
            Alert.assignee_id,
            User.name.label(ASSIGNEE_NAME),
        )
        .join(Client, Client.id == Alert.client_id)
        .outerjoin(User, User.id == Alert.assignee_id)
        .order_by(Alert.created_at.desc(), Alert.id.desc())
    )
    if unread_only:
        stmt = stmt.where(Alert.read_at.is_(None))
    if client_id is not None:
        stmt = stmt.where(Alert.client_id == client_id)
    if assignee_id is not None:
        stmt = stmt.where(Alert.assignee_id == assignee_id)
    if since is not None:
        stmt = stmt.where(Alert.created_at >= since)
    if limit is not None:
        stmt = stmt.limit(limit)
    return read_frame(session, stmt)


def unread_alert_count(session: Session, *, assignee_id: int | None = None) -> int:
    """How many alerts nobody has marked read (of one assignee, when given)."""
    stmt = select(func.count(Alert.id)).where(Alert.read_at.is_(None))
    if assignee_id is not None:
        stmt = stmt.where(Alert.assignee_id == assignee_id)
    return session.scalar(stmt) or 0


def mark_alerts_read(
    session: Session, alert_ids: Iterable[int], *, at: dt.datetime | None = None
) -> int:
    """Mark unread alerts as read at ``at`` (default now); returns how many changed."""
    return _stamp(session, alert_ids, Alert.read_at, at)


def mark_alerts_emailed(
    session: Session, alert_ids: Iterable[int], *, at: dt.datetime | None = None
) -> int:
    """Record that the alerts were emailed at ``at`` (default now); returns how many changed."""
    return _stamp(session, alert_ids, Alert.emailed_at, at)


def _stamp(session: Session, alert_ids: Iterable[int], column, at: dt.datetime | None) -> int:
    ids = [int(alert_id) for alert_id in alert_ids]
    if not ids:
        return 0
    result = session.execute(
        update(Alert)
        .where(Alert.id.in_(ids), column.is_(None))
        .values({column.key: at or utcnow()})
        .execution_options(synchronize_session=False)
    )
    return result.rowcount
