"""Client couples: the clients frame the scoring engine takes, lookups and bulk upsert."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from data.models import Client, Interaction
from data.repositories._frames import as_list, read_frame, read_frame_for_keys
from data.repositories.bulk import ANALYZE_AFTER_ROWS, insert_frame, refresh_statistics
from scoring.columns import (
    CHURNED_AT,
    CLIENT_ID,
    COMPLETED_AT,
    CONTRACT_VALUE,
    CREATED_AT,
    OWNER_ID,
    STATUS,
    WEDDING_DATE,
)
from scoring.enums import ClientStatus

NAME = "name"
PARTNER_NAMES = "partner_names"
VENUE = "venue"

CLIENT_FRAME_COLUMNS = (
    CLIENT_ID, CREATED_AT, STATUS, CHURNED_AT, COMPLETED_AT, OWNER_ID,
    WEDDING_DATE, CONTRACT_VALUE, NAME, PARTNER_NAMES, VENUE,
)  # fmt: skip

# Columns a client upsert may write, by frame name (the key is ``client_id`` in frames, ``id`` in the table).
WRITABLE_COLUMNS = (
    CLIENT_ID, NAME, "email", PARTNER_NAMES, WEDDING_DATE, VENUE, "package", CONTRACT_VALUE,
    STATUS, OWNER_ID, CREATED_AT, CHURNED_AT, COMPLETED_AT,
)  # fmt: skip

_LOOKUP_CHUNK = 5000


def clients_frame(
    session: Session,
    client_ids: Iterable[str] | None = None,
    *,
    statuses: ClientStatus | Iterable[ClientStatus] | None = None,
) -> pd.DataFrame:
    """One row per client, with the columns of ``CLIENT_FRAME_COLUMNS``, ordered by client id."""
    table = Client.__table__
    stmt = select(
        *(table.c["id" if name == CLIENT_ID else name].label(name) for name in CLIENT_FRAME_COLUMNS)
    )
    status_values = as_list(statuses)
    if status_values is not None:
        stmt = stmt.where(table.c.status.in_(status_values))
    if client_ids is None:
        return read_frame(session, stmt.order_by(table.c.id))
    return read_frame_for_keys(
        session, stmt, table.c.id, client_ids, key_label=CLIENT_ID, order_by=[table.c.id]
    )


def client_names(session: Session) -> pd.DataFrame:
    """``client_id`` and ``name`` of every client, by name: the options of a client picker."""
    stmt = select(Client.id.label(CLIENT_ID), Client.name.label(NAME)).order_by(
        Client.name, Client.id
    )
    return read_frame(session, stmt)


def existing_client_ids(session: Session, client_ids: Iterable[str]) -> set[str]:
    """The subset of ``client_ids`` that are clients in the database."""
    wanted = list(dict.fromkeys(client_ids))
    found: set[str] = set()
    for start in range(0, len(wanted), _LOOKUP_CHUNK):
        chunk = wanted[start : start + _LOOKUP_CHUNK]
        found.update(session.scalars(select(Client.id).where(Client.id.in_(chunk))))
    return found


def upsert_clients(session: Session, frame: pd.DataFrame) -> None:
    """Insert the clients of ``frame``, overwriting existing ones with the same ``client_id``.

    One bulk statement (``data.repositories.bulk``): ``COPY`` and
    ``INSERT ... ON CONFLICT DO UPDATE`` on PostgreSQL, ``executemany`` on SQLite.

    ``frame`` has ``client_id`` and any of ``WRITABLE_COLUMNS``; columns it
    lacks are left as they are on existing clients (and get the model
    defaults on new ones, so ``name`` is required for those).
    """
    unknown = set(frame.columns) - set(WRITABLE_COLUMNS)
    if unknown:
        raise ValueError(f"unknown client columns: {', '.join(sorted(unknown))}")
    if frame.empty:
        return
    table = Client.__table__
    renamed = frame.rename(columns={CLIENT_ID: "id"})
    columns = list(renamed.columns)
    if CREATED_AT not in columns:
        renamed = renamed.assign(**{CREATED_AT: pd.Timestamp.now(tz="UTC")})
        columns.append(CREATED_AT)
    if STATUS not in columns:
        renamed = renamed.assign(**{STATUS: ClientStatus.ACTIVE.value})
        columns.append(STATUS)
    update = [name for name in frame.columns if name != CLIENT_ID]
    insert_frame(
        session,
        table,
        renamed,
        columns=columns,
        on_conflict="update" if update else "ignore",
        keys=["id"],
        update=update,
    )
    if len(frame) >= ANALYZE_AFTER_ROWS:
        refresh_statistics(session, table)


LATEST_INTERACTION_CHUNK = 10_000  # clients per UPDATE (SQLite binds at most 32,766 values)


def refresh_latest_interactions(session: Session, client_ids: Iterable[str]) -> None:
    """Set ``last_interaction_at`` of these clients to the time of their latest stored interaction.

    Read from the interactions themselves (one lookup of their ``(client_id,
    ts, ...)`` index per client), so it is exact whatever was written before.
    """
    ids = list(dict.fromkeys(client_ids))
    interactions = Interaction.__table__
    clients = Client.__table__
    latest = (
        select(func.max(interactions.c.ts))
        .where(interactions.c.client_id == clients.c.id)
        .scalar_subquery()
    )
    for start in range(0, len(ids), LATEST_INTERACTION_CHUNK):
        chunk = ids[start : start + LATEST_INTERACTION_CHUNK]
        session.execute(
            update(clients).where(clients.c.id.in_(chunk)).values(last_interaction_at=latest)
        )
