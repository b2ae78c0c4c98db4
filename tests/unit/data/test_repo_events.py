"""Event and client frames: the scoring engine's columns and dtypes, and the ``until``,
``since`` and client filters."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from data.repositories.clients import CLIENT_FRAME_COLUMNS, clients_frame, upsert_clients
from data.repositories.events import EventFrames, event_rows, load_events
from scoring.enums import ClientStatus


def _ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


@pytest.fixture
def events(make_client, add_events):
    make_client("c1")
    make_client("c2")
    add_events(
        "logins",
        [
            {"client_id": "c1", "ts": _ts("2024-03-01 09:00")},
            {"client_id": "c1", "ts": _ts("2024-03-10 23:59:59")},
            {"client_id": "c1", "ts": _ts("2024-03-11 00:00")},
            {"client_id": "c2", "ts": _ts("2024-03-05 12:00")},
        ],
    )
    add_events(
        "interactions",
        [
            {
                "client_id": "c1",
                "ts": _ts("2024-03-02 10:00"),
                "channel": "email",
                "response_hours": 3.5,
            }
        ],
    )
    add_events(
        "tasks",
        [
            {
                "client_id": "c1",
                "title": "Book band",
                "kind": "task",
                "due_date": dt.date(2024, 4, 1),
            },
            {
                "client_id": "c2",
                "title": "Venue signed",
                "kind": "milestone",
                "due_date": dt.date(2024, 2, 1),
                "completed_at": _ts("2024-01-30 16:00"),
            },
        ],
    )
    add_events(
        "feedback",
        [{"client_id": "c2", "ts": _ts("2024-03-03 08:00"), "rating": 4, "sentiment": 0.5}],
    )
    add_events(
        "tickets",
        [
            {
                "client_id": "c1",
                "opened_at": _ts("2023-11-01 10:00"),
                "resolved_at": _ts("2024-03-04 10:00"),
                "resolution_rating": 5,
            },
            {"client_id": "c1", "opened_at": _ts("2023-10-01 10:00")},
        ],
    )


def test_frames_have_the_engines_columns_and_dtypes(session, events):
    frames = load_events(session)
    assert isinstance(frames, EventFrames)
    assert list(frames.logins.columns) == ["client_id", "ts"]
    assert list(frames.interactions.columns) == ["client_id", "ts", "response_hours"]
    assert list(frames.tasks.columns) == ["client_id", "kind", "due_date", "completed_at"]
    assert list(frames.feedback.columns) == ["client_id", "ts", "rating", "sentiment"]
    assert list(frames.tickets.columns) == [
        "client_id",
        "opened_at",
        "resolved_at",
        "resolution_rating",
    ]
    assert str(frames.logins["ts"].dtype) == "datetime64[us, UTC]"
    assert str(frames.tasks["due_date"].dtype) == "datetime64[us]"
    assert str(frames.tasks["completed_at"].dtype) == "datetime64[us, UTC]"
    assert frames.tasks["kind"].tolist() == ["task", "milestone"]
    assert type(frames.tasks["kind"].iloc[0]) is str
    assert frames.tasks["due_date"].tolist() == [
        pd.Timestamp("2024-04-01"),
        pd.Timestamp("2024-02-01"),
    ]
    assert frames.interactions["response_hours"].tolist() == [3.5]
    assert frames.feedback[["rating", "sentiment"]].iloc[0].tolist() == [4, 0.5]


def test_until_a_day_keeps_that_whole_day(session, events):
    frames = load_events(session, until=dt.date(2024, 3, 10))
    assert frames.logins["ts"].tolist() == [
        _ts("2024-03-01 09:00"),
        _ts("2024-03-10 23:59:59"),
        _ts("2024-03-05 12:00"),
    ]
    assert len(load_events(session, until=dt.date(2024, 3, 1)).feedback) == 0
    assert len(load_events(session, until=dt.date(2024, 3, 1)).tasks) == 2  # tasks are kept whole


def test_since_and_client_filters(session, events):
    frames = load_events(session, ["c1"], since=dt.date(2024, 3, 2))
    assert frames.logins["ts"].tolist() == [_ts("2024-03-10 23:59:59"), _ts("2024-03-11 00:00")]
    assert set(frames.tasks["client_id"]) == {"c1"}
    # a ticket opened long ago but resolved since still counts for resolution
    assert frames.tickets["opened_at"].tolist() == [_ts("2023-11-01 10:00")]


def test_event_rows_return_every_stored_column(session, events):
    rows = event_rows(session, "interactions", ["c1"])
    assert rows.to_dict("records") == [
        {
            "client_id": "c1",
            "ts": _ts("2024-03-02 10:00"),
            "channel": "email",
            "response_hours": 3.5,
        }
    ]
    with pytest.raises(ValueError, match="unknown event kind"):
        event_rows(session, "emails")


def test_clients_frame(session, make_client, make_user):
    owner = make_user()
    make_client(
        "c1",
        name="Amy & Bo",
        wedding_date=dt.date(2024, 6, 1),
        contract_value=125050,
        owner_id=owner.id,
        status=ClientStatus.COMPLETED,
        completed_at=dt.datetime(2024, 6, 1, 23, 59, 59, tzinfo=dt.UTC),
    )
    make_client("c2", name="Cat")
    frame = clients_frame(session)
    assert list(frame.columns) == list(CLIENT_FRAME_COLUMNS)
    first = frame.iloc[0]
    assert first["client_id"] == "c1"
    assert first["status"] == "completed"
    assert first["contract_value"] == 125050
    assert first["owner_id"] == owner.id
    assert first["wedding_date"] == pd.Timestamp("2024-06-01")
    assert first["completed_at"] == _ts("2024-06-01 23:59:59")
    assert clients_frame(session, ["c2"])["name"].tolist() == ["Cat"]
    assert clients_frame(session, statuses=ClientStatus.ACTIVE)["client_id"].tolist() == ["c2"]


def test_upsert_clients_keeps_columns_the_frame_lacks(session, make_client):
    make_client("c1", name="Amy", venue="Kew")
    upsert_clients(session, pd.DataFrame({"client_id": ["c1", "c2"], "name": ["Amy B", "Bo"]}))
    frame = clients_frame(session).set_index("client_id")
    assert frame.loc["c1", ["name", "venue"]].tolist() == ["Amy B", "Kew"]
    assert frame.loc["c2", "status"] == "active"


def test_each_write_of_interactions_keeps_the_clients_latest_interaction(
    session, make_client, add_events
):
    from data.models import Client

    for client_id in ("c1", "c2", "c3"):
        make_client(client_id)

    def latest() -> dict[str, pd.Timestamp | None]:
        session.expire_all()
        return {
            c.id: (pd.Timestamp(c.last_interaction_at) if c.last_interaction_at else None)
            for c in session.query(Client).order_by(Client.id)
        }

    def interaction(client_id: str, ts: str) -> dict:
        return {"client_id": client_id, "ts": _ts(ts), "channel": "email"}

    add_events("interactions", [interaction("c1", "2024-03-02 10:00"), interaction("c1", "2024-03-09 08:30"),
                                interaction("c2", "2024-02-20 17:45")])  # fmt: skip
    assert latest() == {"c1": _ts("2024-03-09 08:30"), "c2": _ts("2024-02-20 17:45"), "c3": None}
    # An older interaction arriving later leaves the latest as it is; a newer one moves it.
    add_events(
        "interactions",
        [interaction("c1", "2024-03-01 09:00"), interaction("c2", "2024-03-10 07:15")],
    )
    assert latest() == {"c1": _ts("2024-03-09 08:30"), "c2": _ts("2024-03-10 07:15"), "c3": None}
    # Logins are activity, not interactions.
    add_events("logins", [{"client_id": "c3", "ts": _ts("2024-03-10 12:00")}])
    assert latest()["c3"] is None


def test_a_large_write_refreshes_the_planners_statistics_on_postgresql(
    session, make_client, add_events
):
    from sqlalchemy import text

    from data.repositories.bulk import ANALYZE_AFTER_ROWS

    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite keeps no planner statistics of its own (the queries fix their plans)")
    make_client("c1")

    def statistics() -> int:
        return session.scalar(text("SELECT count(*) FROM pg_stats WHERE tablename = 'logins'"))

    start = pd.Timestamp("2024-01-01", tz="UTC")
    add_events(
        "logins",
        [
            {"client_id": "c1", "ts": start + pd.Timedelta(minutes=i)}
            for i in range(ANALYZE_AFTER_ROWS - 1)
        ],
    )
    assert statistics() == 0  # a small write leaves them to autovacuum
    later = start + pd.Timedelta(days=30)
    add_events(
        "logins",
        [
            {"client_id": "c1", "ts": later + pd.Timedelta(minutes=i)}
            for i in range(ANALYZE_AFTER_ROWS)
        ],
    )
    assert statistics() > 0
