"""Sync sources: a folder of CSV drops, and a SQL source (a SQLite database) read by its watermarks."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from data.db import make_engine
from data.models import Client, DataImport, Interaction, Login, SyncRun, SyncSource
from data.repositories.sync_sources import (
    Query,
    SyncSourceError,
    due_source_ids,
    is_silent,
    save_source,
)
from data.sync import kind_of_file, sync_due, sync_source

NOW = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def sessions(migrated_url):
    return sessionmaker(make_engine(migrated_url), expire_on_commit=False)


def _count(sessions, model) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def _source(sessions, **fields) -> int:
    with sessions() as session, session.begin():
        return save_source(session, **fields).id


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("clients.csv", "clients"),
        ("logins-2026-12-04.csv", "logins"),
        ("Tickets_week49.CSV", "tickets"),
        ("logins.csv.part", None),
        ("payments.csv", None),
        ("readme.txt", None),
    ],
)
def test_a_dropped_file_is_known_by_its_name(name, kind):
    assert kind_of_file(name) == kind


def test_a_folder_imports_the_good_files_and_moves_the_bad_one_aside(sessions, tmp_path):
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "logins-1.csv").write_text("client_id,ts\nc1,2026-12-01T10:00:00Z\n")
    (drop / "clients.csv").write_text("id,name\nc1,Amy\nc2,Bo\n")
    (drop / "interactions.csv").write_text(
        "client_id,ts,channel\nc2,2026-12-01T10:00:00Z,email\nc9,2026-12-01T11:00:00Z,email\n"
    )
    (drop / "notes.txt").write_text("left alone")
    source_id = _source(sessions, name="Drops", kind="folder", location=str(drop))

    outcome = sync_source(sessions, source_id, now=NOW)

    assert outcome.status == "partial"
    # Clients first, so the logins of the same run find c1.
    assert outcome.detail == {
        "clients": {"added": 2, "present": 0},
        "logins": {"added": 1, "present": 0},
        "interactions": {"added": 0, "present": 0},
    }
    assert outcome.errors == [
        "interactions.csv: refused (1 problem), moved to failed/ with "
        "20261204T090000Z-interactions.csv.errors.txt"
    ]
    assert (_count(sessions, Client), _count(sessions, Login), _count(sessions, Interaction)) == (
        2, 1, 0,
    )  # fmt: skip
    assert sorted(p.name for p in (drop / "done").iterdir()) == [
        "20261204T090000Z-clients.csv",
        "20261204T090000Z-logins-1.csv",
    ]
    assert sorted(p.name for p in (drop / "failed").iterdir()) == [
        "20261204T090000Z-interactions.csv",
        "20261204T090000Z-interactions.csv.errors.txt",
    ]
    report = (drop / "failed" / "20261204T090000Z-interactions.csv.errors.txt").read_text()
    assert report == "interactions.csv:3: client_id: no client with this id\n"
    assert sorted(p.name for p in drop.iterdir()) == ["done", "failed", "notes.txt"]
    with sessions() as session:
        run = session.scalars(select(SyncRun)).one()
        history = session.execute(
            select(DataImport.source, DataImport.rows_added, DataImport.problems, DataImport.actor)
            .order_by(DataImport.id)
        ).all()
    assert (run.status, run.rows_added, json.loads(run.detail)["clients"]) == (
        "partial", 3, {"added": 2, "present": 0},
    )  # fmt: skip
    assert [tuple(row) for row in history] == [
        ("Drops: clients.csv", 2, 0, "sync: Drops"),
        ("Drops: logins-1.csv", 1, 0, "sync: Drops"),
        ("Drops: interactions.csv", 0, 1, "sync: Drops"),
    ]


def test_a_folder_that_is_gone_fails_the_run_and_writes_nothing(sessions, tmp_path):
    drop = tmp_path / "drop"
    drop.mkdir()
    source_id = _source(sessions, name="Drops", kind="folder", location=str(drop))
    drop.rmdir()

    outcome = sync_source(sessions, source_id, now=NOW)

    assert outcome.status == "failed"
    assert outcome.errors == [f"the folder {drop} is not there"]
    with sessions() as session:
        assert session.scalars(select(SyncRun.status)).all() == ["failed"]


def _source_database(path) -> str:
    db = sqlite3.connect(path)
    db.executescript(
        """
        CREATE TABLE couples (ref TEXT, couple TEXT, changed INTEGER);
        INSERT INTO couples VALUES ('c1', 'Amy & Bo', 1), ('c2', 'Cat & Dan', 2);
        CREATE TABLE visits (who TEXT, at TEXT, seq INTEGER);
        INSERT INTO visits VALUES ('c1', '2026-12-01 10:00:00', 1), ('c2', '2026-12-01 11:00:00', 2);
        """
    )
    db.commit()
    db.close()
    return f"sqlite:///{path}"


QUERIES = {
    "clients": Query("SELECT ref AS id, couple AS name, changed FROM couples", "changed"),
    "logins": Query("SELECT who AS client_id, at AS ts, seq FROM visits", "seq"),
}


def test_a_sql_source_reads_only_rows_past_its_watermarks(sessions, tmp_path):
    url = _source_database(tmp_path / "source.sqlite3")
    source_id = _source(sessions, name="Bookings", kind="sql", location=url, queries=QUERIES)

    first = sync_source(sessions, source_id, now=NOW)
    db = sqlite3.connect(tmp_path / "source.sqlite3")
    db.execute("INSERT INTO visits VALUES ('c1', '2026-12-02 09:00:00', 3)")
    db.commit()
    db.close()
    second = sync_source(sessions, source_id, now=NOW + dt.timedelta(hours=1))

    assert first.status == second.status == "succeeded"
    assert first.detail == {"clients": {"added": 2, "present": 0}, "logins": {"added": 2, "present": 0}}
    # Only the new visit is read; the clients' watermark has not moved, so none are read.
    assert second.detail == {"clients": {"added": 0, "present": 0}, "logins": {"added": 1, "present": 0}}
    with sessions() as session:
        names = session.scalars(select(Client.name).order_by(Client.id)).all()
        watermarks = json.loads(session.get(SyncSource, source_id).watermarks)
        times = session.scalars(select(Login.ts).order_by(Login.ts)).all()
    assert names == ["Amy & Bo", "Cat & Dan"]
    assert watermarks == {"clients": 2, "logins": 3}
    assert times[-1] == dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)


def test_a_refused_batch_keeps_its_watermark_and_is_read_again(sessions, tmp_path):
    url = _source_database(tmp_path / "source.sqlite3")
    queries = {"logins": QUERIES["logins"]}  # no clients: every login is refused
    source_id = _source(sessions, name="Bookings", kind="sql", location=url, queries=queries)

    outcome = sync_source(sessions, source_id, now=NOW)

    assert outcome.status == "partial"
    assert outcome.errors[0].startswith("logins query: refused (2 problems")
    assert "Bookings: logins query:1: client_id: no client with this id" in outcome.errors[0]
    with sessions() as session:
        assert json.loads(session.get(SyncSource, source_id).watermarks) == {}


def test_the_source_database_is_only_read(sessions, tmp_path):
    url = _source_database(tmp_path / "source.sqlite3")
    queries = {"clients": Query("SELECT ref AS id, couple AS name, changed FROM couples", "changed")}
    source_id = _source(sessions, name="Bookings", kind="sql", location=url, queries=queries)
    sync_source(sessions, source_id, now=NOW)

    db = sqlite3.connect(tmp_path / "source.sqlite3")
    assert db.execute("SELECT count(*) FROM couples").fetchone() == (2,)
    assert sorted(r[0] for r in db.execute("SELECT name FROM sqlite_master")) == [
        "couples", "visits",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": " ", "kind": "folder", "location": "."}, "Name: give the source a name"),
        ({"name": "A", "kind": "ftp", "location": "."}, "Type: choose a folder or a SQL database"),
        ({"name": "A", "kind": "folder", "location": "/no/such/folder"}, "is not a folder"),
        ({"name": "A", "kind": "sql", "location": "not a url"}, "not a SQLAlchemy URL"),
        ({"name": "A", "kind": "sql", "location": "sqlite://", "queries": {}}, "at least one kind"),
        (
            {"name": "A", "kind": "sql", "location": "sqlite://",
             "queries": {"logins": Query("DELETE FROM visits", "seq")}},
            "logins: the query must be a SELECT",
        ),
        (
            {"name": "A", "kind": "sql", "location": "sqlite://",
             "queries": {"logins": Query("SELECT 1", "")}},
            "logins: name the watermark column",
        ),
        ({"name": "A", "kind": "folder", "location": ".", "every_hours": 0}, "Every: from 1"),
    ],
)  # fmt: skip
def test_a_source_names_what_is_wrong(session, fields, message):
    with pytest.raises(SyncSourceError, match=message):
        save_source(session, **fields)


def test_due_and_silent_sources(sessions, tmp_path):
    hourly = _source(sessions, name="Hourly", kind="folder", location=str(tmp_path))
    daily = _source(sessions, name="Daily", kind="folder", location=str(tmp_path), every_hours=24)
    sync_source(sessions, hourly, now=NOW)
    sync_source(sessions, daily, now=NOW)

    with sessions() as session:
        assert due_source_ids(session, NOW + dt.timedelta(minutes=30)) == []
        assert due_source_ids(session, NOW + dt.timedelta(minutes=56)) == [hourly]
        assert due_source_ids(session, NOW + dt.timedelta(hours=24)) == [hourly, daily]
    assert sync_due(sessions, now=NOW + dt.timedelta(hours=2))[0].source == "Hourly"

    created = NOW - dt.timedelta(days=1)
    assert not is_silent(every_hours=1, last_good_at=NOW, created_at=created,
                         now=NOW + dt.timedelta(hours=3))  # fmt: skip
    assert is_silent(every_hours=1, last_good_at=NOW, created_at=created,
                     now=NOW + dt.timedelta(hours=3, seconds=1))  # fmt: skip
    assert is_silent(every_hours=24, last_good_at=None, created_at=created,
                     now=NOW + dt.timedelta(days=2, seconds=1))  # fmt: skip


def test_csd_sync_pulls_every_source_and_fails_when_something_was_refused(
    sessions, migrated_url, tmp_path
):
    from click.testing import CliRunner

    from dashboard.cli import main

    drop = tmp_path / "drop"
    drop.mkdir()
    _source(sessions, name="Drops", kind="folder", location=str(drop))
    env = {"DATABASE_URL": migrated_url}
    (drop / "clients.csv").write_text("id,name\nc1,Amy\n")

    good = CliRunner().invoke(main, ["sync"], env=env)
    (drop / "logins.csv").write_text("client_id,ts\nc7,2026-12-01T10:00:00Z\n")
    bad = CliRunner().invoke(main, ["sync", "--source", "Drops"], env=env)
    unknown = CliRunner().invoke(main, ["sync", "--source", "FTP"], env=env)

    assert good.exit_code == 0, good.output
    assert good.stdout.startswith("Sync of Drops: succeeded, 1 rows added, 0 already present (")
    assert bad.exit_code == 1
    assert "logins.csv: refused (1 problem), moved to failed/" in bad.stdout
    assert bad.stderr.strip() == "Error: not everything was imported from: Drops"
    assert unknown.stderr.strip() == "Error: no sync source called FTP; the sources are: Drops"


def test_a_sync_already_running_elsewhere_is_not_started_twice(sessions, tmp_path):
    from dashboard.services.scheduler import SYNC_JOB, SYNC_LEASE, run_syncs
    from data.repositories.locks import acquire_job_lock

    _source(sessions, name="Drops", kind="folder", location=str(tmp_path))
    with sessions() as session, session.begin():
        assert acquire_job_lock(session, SYNC_JOB, until=NOW + SYNC_LEASE, holder="other", now=NOW)

    assert run_syncs(sessions, now=NOW + dt.timedelta(minutes=1)) is None
    assert [o.status for o in run_syncs(sessions, now=NOW + SYNC_LEASE)] == ["succeeded"]
