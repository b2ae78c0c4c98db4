"""The row hash of events (data.row_hash): the pinned scheme, duplicates skipped by the unique
index, and migration 0004 filling the hashes of stored rows and removing equal rows."""

from __future__ import annotations

import datetime as dt
import importlib.util
import struct

import pandas as pd
import pytest
from alembic import command
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from data.db import MIGRATIONS_DIR, alembic_config, make_engine
from data.models import Feedback, Login, Task
from data.repositories.events import (
    HASHED_COLUMNS,
    event_row_hashes,
    event_rows,
    insert_events,
)
from data.row_hash import HASH_KEY, MISSING, NUMBER_KEY, row_hashes

MASK = 2**64 - 1


# --- the scheme, written out independently in plain Python ---------------------------------


def _splitmix64(x: int) -> int:
    z = (x + 0x9E3779B97F4A7C15) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def _siphash24(key: bytes, message: bytes) -> int:
    def rotl(x: int, bits: int) -> int:
        return ((x << bits) | (x >> (64 - bits))) & MASK

    k0, k1 = struct.unpack("<QQ", key)
    v = [k0 ^ 0x736F6D6570736575, k1 ^ 0x646F72616E646F6D, k0 ^ 0x6C7967656E657261]
    v.append(k1 ^ 0x7465646279746573)

    def rounds(n: int) -> None:
        for _ in range(n):
            v[0] = (v[0] + v[1]) & MASK
            v[1] = rotl(v[1], 13) ^ v[0]
            v[0] = rotl(v[0], 32)
            v[2] = (v[2] + v[3]) & MASK
            v[3] = rotl(v[3], 16) ^ v[2]
            v[0] = (v[0] + v[3]) & MASK
            v[3] = rotl(v[3], 21) ^ v[0]
            v[2] = (v[2] + v[1]) & MASK
            v[1] = rotl(v[1], 17) ^ v[2]
            v[2] = rotl(v[2], 32)

    whole = len(message) - len(message) % 8
    for start in range(0, whole, 8):
        (block,) = struct.unpack("<Q", message[start : start + 8])
        v[3] ^= block
        rounds(2)
        v[0] ^= block
    last = int.from_bytes(message[whole:], "little") | ((len(message) & 0xFF) << 56)
    v[3] ^= last
    rounds(2)
    v[0] ^= last
    v[2] ^= 0xFF
    rounds(4)
    return v[0] ^ v[1] ^ v[2] ^ v[3]


def _mix(z: int) -> int:
    """The finaliser pandas applies after SipHash (splitmix64 without its increment)."""
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def _number(bits: int) -> int:
    return _splitmix64((bits & MASK) ^ int(NUMBER_KEY))


def _text(value: str) -> int:
    return _mix(_siphash24(HASH_KEY.encode(), value.encode("utf-8")))


def _float_bits(value: float) -> int:
    return struct.unpack("<q", struct.pack("<d", value))[0]


def _fold(*column_hashes: int) -> int:
    combined = len(column_hashes)
    for column_hash in column_hashes:
        combined = _splitmix64(combined ^ column_hash)
    return combined - 2**64 if combined >= 2**63 else combined


def test_siphash_reference_matches_the_published_vectors():
    key = bytes(range(16))
    assert _siphash24(key, b"") == 0x726FDB47DD0E0E31
    assert _siphash24(key, bytes(range(15))) == 0xA129CA6149BE45E5


def test_the_hash_of_a_hand_written_login_is_pinned():
    # 2024-05-01T12:00:00+02:00 is 10:00 UTC, 1,714,557,600 s after the epoch.
    frame = pd.DataFrame({"client_id": ["c1"], "ts": ["2024-05-01T12:00:00+02:00"]})
    expected = _fold(_number(1_714_557_600_000_000))

    assert expected == 4887415445711140477
    assert event_row_hashes("logins", frame).tolist() == [expected]


def test_the_hash_of_hand_written_feedback_is_pinned():
    frame = pd.DataFrame(
        {
            "client_id": ["c1", "c2", "c3"],
            "ts": pd.to_datetime(["2024-05-01 10:00:00.5"] * 3, utc=True),
            "rating": pd.array([4, 4, 4], dtype="Int64"),
            "sentiment": [-0.25, -0.25, -0.25],
            "comment": ["Lovely, thanks", None, ""],
        }
    )
    known = (_number(1_714_557_600_500_000), _number(4), _number(_float_bits(-0.25)))
    with_comment = _fold(*known, _text("Lovely, thanks"))
    without = _fold(*known, int(MISSING))

    assert (with_comment, without) == (1267244127949723720, -2559029685016152500)
    # client_id is not hashed (the unique index holds it); an empty comment is no comment
    assert event_row_hashes("feedback", frame).tolist() == [with_comment, without, without]


def test_equal_values_of_any_dtype_hash_alike():
    typed = pd.DataFrame(
        {
            "title": pd.Categorical(["Book band"]),
            "kind": ["task"],
            "due_date": [dt.date(2024, 6, 1)],
            "completed_at": [dt.datetime(2024, 5, 30, 16, tzinfo=dt.UTC)],
        }
    )
    text = pd.DataFrame(
        {
            "title": ["Book band"],
            "kind": ["task"],
            "due_date": pd.to_datetime(["2024-06-01"]),
            "completed_at": ["2024-05-30T16:00:00Z"],
        }
    )
    assert event_row_hashes("tasks", typed).tolist() == event_row_hashes("tasks", text).tolist()
    # -0.0 is 0.0; a missing value differs from every value
    zero = row_hashes(pd.DataFrame({"x": [0.0, -0.0, None]}), [("x", "float")])
    assert zero[0] == zero[1] != zero[2]


# --- insert_events skips what is stored ------------------------------------------------------


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_insert_events_skips_duplicates_in_the_frame_and_in_the_table(session, make_client):
    make_client("c1")
    make_client("c2")
    at = dt.datetime(2024, 5, 1, 10, tzinfo=dt.UTC)
    first = pd.DataFrame({"client_id": ["c1", "c1", "c2"], "ts": [at, at, at]})
    assert insert_events(session, "logins", first) == 2
    later = at + dt.timedelta(microseconds=1)
    second = pd.DataFrame({"client_id": ["c2", "c1"], "ts": [at, later]})
    assert insert_events(session, "logins", second) == 1
    assert _count(session, Login) == 3

    rows = [
        {"client_id": "c1", "ts": at, "rating": 4, "sentiment": None, "comment": ""},
        {"client_id": "c1", "ts": at, "rating": 4, "sentiment": None, "comment": None},
        {"client_id": "c1", "ts": at, "rating": 4, "sentiment": 0.5, "comment": None},
    ]
    assert insert_events(session, "feedback", pd.DataFrame(rows)) == 2
    stored = event_rows(session, "feedback")
    assert stored["comment"].isna().all()
    assert _count(session, Feedback) == 2


def test_a_row_added_through_the_orm_gets_the_same_hash(session, make_client):
    make_client("c1")
    naive = dt.datetime(2024, 5, 1, 10, 0)  # taken as UTC
    session.add(Login(client_id="c1", ts=naive))
    session.flush()
    stored = session.scalar(select(Login.row_hash))
    assert stored == _fold(_number(1_714_557_600_000_000))
    frame = pd.DataFrame({"client_id": ["c1"], "ts": [naive]})
    assert insert_events(session, "logins", frame) == 0
    session.add(Login(client_id="c1", ts=naive.replace(tzinfo=dt.UTC)))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


# --- migration 0004 ----------------------------------------------------------------------------


def _migration_0004():
    path = MIGRATIONS_DIR / "versions" / "0004_event_row_hash.py"
    spec = importlib.util.spec_from_file_location("migration_0004", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_migration_hashes_the_columns_the_repository_hashes():
    snapshot = _migration_0004().HASHED_COLUMNS
    assert {kind: hashed for kind, (_time, hashed) in snapshot.items()} == HASHED_COLUMNS


def test_migration_0004_fills_hashes_and_removes_equal_rows(db_url):
    cfg = alembic_config(db_url)
    command.upgrade(cfg, "0003")
    engine = make_engine(db_url)
    # As the ORM writes timestamps: naive UTC text on SQLite, with the zone on PostgreSQL.
    zone = "" if engine.dialect.name == "sqlite" else "+00"
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO clients (id, name, status, created_at) VALUES "
                    "('c1', 'Amy', 'active', '2024-01-01 00:00:00.000000'), "
                    "('c2', 'Bo', 'active', '2024-01-01 00:00:00.000000')"
                )
            )
            logins = [
                ("c1", "2024-05-01 10:00:00.000000"),
                ("c1", "2024-05-01 10:00:00.000000"),  # equal to the row above
                ("c2", "2024-05-01 10:00:00.000000"),  # another client
                ("c1", "2024-05-01 10:00:00.000001"),
                ("c1", "2024-05-01 10:00:00.000000"),  # equal to the first again
            ]
            for client_id, ts in logins:
                connection.execute(
                    text("INSERT INTO logins (client_id, ts) VALUES (:c, :ts)"),
                    {"c": client_id, "ts": ts + zone},
                )
            for comment in ("Lovely, thanks", None, "Lovely, thanks"):
                connection.execute(
                    text(
                        "INSERT INTO feedback (client_id, ts, rating, sentiment, comment) "
                        "VALUES ('c1', :ts, 4, -0.25, :comment)"
                    ),
                    {"ts": "2024-05-01 10:00:00.000000" + zone, "comment": comment},
                )
        command.upgrade(cfg, "0004")
        with engine.connect() as connection:
            stored = connection.execute(
                text("SELECT id, client_id, row_hash FROM logins ORDER BY id")
            ).all()
            feedback = connection.execute(
                text("SELECT id, row_hash FROM feedback ORDER BY id")
            ).all()
    finally:
        engine.dispose()

    login_hash = _fold(_number(1_714_557_600_000_000))
    assert stored == [
        (1, "c1", login_hash),
        (3, "c2", login_hash),
        (4, "c1", _fold(_number(1_714_557_600_000_001))),
    ]
    known = (_number(1_714_557_600_000_000), _number(4), _number(_float_bits(-0.25)))
    assert feedback == [
        (1, _fold(*known, _text("Lovely, thanks"))),
        (2, _fold(*known, int(MISSING))),
    ]

    command.downgrade(cfg, "0003")
    command.upgrade(cfg, "head")


def test_bulk_rows_are_stored_as_the_orm_stores_them(session, make_client):
    make_client("c1")
    at = dt.datetime(2024, 5, 1, 10, 0, 0, 500, tzinfo=dt.UTC)
    session.add(
        Task(client_id="c1", title="By hand", due_date=dt.date(2024, 6, 1), completed_at=at)
    )
    session.flush()
    frame = pd.DataFrame(
        {
            "client_id": ["c1"],
            "title": ["In bulk"],
            "kind": ["milestone"],
            "due_date": [dt.date(2024, 6, 1)],
            "completed_at": [at],
        }
    )
    assert insert_events(session, "tasks", frame) == 1
    raw = session.execute(
        text("SELECT title, kind, due_date, completed_at FROM tasks ORDER BY title")
    ).all()
    if session.get_bind().dialect.name == "sqlite":
        assert [tuple(row) for row in raw] == [
            ("By hand", "task", "2024-06-01", "2024-05-01 10:00:00.000500"),
            ("In bulk", "milestone", "2024-06-01", "2024-05-01 10:00:00.000500"),
        ]
    stored = event_rows(session, "tasks")
    assert stored["completed_at"].tolist() == [pd.Timestamp(at)] * 2
