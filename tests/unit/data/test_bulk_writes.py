"""Bulk writes store exactly what the ORM stores, inside the caller's transaction."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from data.db import session_scope
from data.models import Alert, Client, Intervention
from data.repositories._frames import read_frame
from data.repositories.bulk import insert_frame
from scoring.enums import (
    AlertKind,
    ClientStatus,
    InterventionStatus,
    InterventionType,
    Priority,
    Source,
)


def _interventions(client_id: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "client_id": [client_id, client_id],
            "type": ["call", "email"],
            "priority": ["urgent", "low"],
            "status": ["completed", "pending"],
            "title": ['Call the couple, "urgently"', "Line one\nline two, with a comma"],
            "description": ["", "\\N is text here"],
            "assigned_to": pd.array([None, None], dtype="Int64"),
            "due_date": pd.to_datetime(
                ["2024-05-01 09:30:00.123456", "2024-05-02 00:00:00"], utc=True, format="ISO8601"
            ),
            "source": ["auto", "manual"],
            "created_at": pd.Timestamp("2024-04-30 23:59:59.999999", tz="UTC"),
            "updated_at": pd.Timestamp("2024-04-30 23:59:59.999999", tz="UTC"),
            "completed_at": [pd.Timestamp("2024-05-01 10:00", tz="UTC"), pd.NaT],
            "outcome": ["resolved", None],
            "client_responded": pd.array([True, None], dtype="boolean"),
            "score_at_creation": [41.25, np.nan],
            "version": 1,
        }
    )


def test_rows_read_back_through_the_orm_as_written(session, make_client):
    make_client("c1")
    assert insert_frame(session, Intervention.__table__, _interventions("c1")) == 2
    session.expire_all()
    first, second = session.scalars(select(Intervention).order_by(Intervention.id)).all()

    assert (first.type, first.priority, first.status) == (
        InterventionType.CALL,
        Priority.URGENT,
        InterventionStatus.COMPLETED,
    )
    assert first.title == 'Call the couple, "urgently"'
    assert first.description == ""
    assert first.due_date == dt.datetime(2024, 5, 1, 9, 30, 0, 123456, tzinfo=dt.UTC)
    assert first.created_at == dt.datetime(2024, 4, 30, 23, 59, 59, 999999, tzinfo=dt.UTC)
    assert first.client_responded is True
    assert first.score_at_creation == 41.25
    assert first.source == Source.AUTO
    assert second.title == "Line one\nline two, with a comma"
    assert second.description == "\\N is text here"
    assert second.completed_at is None
    assert second.outcome is None
    assert second.client_responded is None
    assert second.score_at_creation is None
    assert second.assigned_to is None


def test_rows_read_back_through_the_frame_reader_as_written(session, make_client):
    make_client("c1")
    insert_frame(session, Intervention.__table__, _interventions("c1"))
    table = Intervention.__table__
    frame = read_frame(
        session,
        select(table.c.title, table.c.description, table.c.due_date, table.c.completed_at).order_by(
            table.c.id
        ),
    )
    assert frame["title"].tolist() == [
        'Call the couple, "urgently"',
        "Line one\nline two, with a comma",
    ]
    assert frame["description"].tolist() == ["", "\\N is text here"]
    assert frame["due_date"].tolist() == [
        pd.Timestamp("2024-05-01 09:30:00.123456", tz="UTC"),
        pd.Timestamp("2024-05-02", tz="UTC"),
    ]
    assert frame["completed_at"].isna().tolist() == [False, True]


def _alerts(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "client_id": [client for client, _kind, _message in rows],
            "kind": [kind for _client, kind, _message in rows],
            "day": pd.to_datetime(["2024-05-01"] * len(rows)),
            "message": [message for _client, _kind, message in rows],
            "created_at": pd.Timestamp("2024-05-01 06:00", tz="UTC"),
        }
    )


def test_ignore_skips_existing_keys_and_counts_only_new_rows(session, make_client):
    make_client("c1")
    make_client("c2")
    keys = ["client_id", "kind", "day"]
    first = _alerts([("c1", "risk_worsened", "first")])
    assert insert_frame(session, Alert.__table__, first, on_conflict="ignore", keys=keys) == 1
    again = _alerts([("c1", "risk_worsened", "second"), ("c2", "score_drop", "new")])
    assert insert_frame(session, Alert.__table__, again, on_conflict="ignore", keys=keys) == 1
    stored = {(a.client_id, a.kind, a.message) for a in session.scalars(select(Alert))}
    assert stored == {("c1", AlertKind.RISK_WORSENED, "first"), ("c2", AlertKind.SCORE_DROP, "new")}


def test_update_overwrites_only_the_named_columns(session, make_client):
    make_client("c1")
    keys = ["client_id", "kind", "day"]
    insert_frame(session, Alert.__table__, _alerts([("c1", "score_drop", "old")]))
    changed = _alerts([("c1", "score_drop", "new")]).assign(
        created_at=pd.Timestamp("2030-01-01", tz="UTC")
    )
    written = insert_frame(
        session, Alert.__table__, changed, on_conflict="update", keys=keys, update=["message"]
    )
    assert written == 1
    session.expire_all()
    alert = session.scalars(select(Alert)).one()
    assert alert.message == "new"
    assert alert.created_at == dt.datetime(2024, 5, 1, 6, 0, tzinfo=dt.UTC)


def test_a_duplicate_fails_by_default_and_the_transaction_keeps_nothing(migrated_url):
    with session_scope(migrated_url) as session:
        session.add(Client(id="c1", name="One", status=ClientStatus.ACTIVE))
    twice = _alerts([("c1", "score_drop", "a"), ("c1", "score_drop", "b")])
    with pytest.raises(IntegrityError), session_scope(migrated_url) as session:
        insert_frame(session, Alert.__table__, _alerts([("c1", "risk_worsened", "kept?")]))
        insert_frame(session, Alert.__table__, twice)
    with session_scope(migrated_url) as session:
        assert session.scalars(select(Alert)).all() == []


def test_unknown_columns_are_refused(session):
    with pytest.raises(ValueError, match="alerts has no column colour"):
        insert_frame(session, Alert.__table__, pd.DataFrame({"colour": ["red"]}))


def test_frames_read_the_same_instants_whatever_the_sessions_time_zone(session, make_client):
    make_client("c1")
    insert_frame(session, Intervention.__table__, _interventions("c1"))
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL TIME ZONE 'America/New_York'"))
    table = Intervention.__table__
    frame = read_frame(session, select(table.c.created_at, table.c.due_date).order_by(table.c.id))
    assert (
        frame["created_at"].tolist() == [pd.Timestamp("2024-04-30 23:59:59.999999", tz="UTC")] * 2
    )
    assert str(frame["due_date"].dtype) == "datetime64[us, UTC]"
