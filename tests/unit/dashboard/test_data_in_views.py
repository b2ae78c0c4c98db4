"""The data-in views' pure parts: the check before writing, key states, expiry, sync sources, the bell."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import func, select

from dashboard.admin.api_keys import expiry_of, key_rows
from dashboard.admin.data_import import decoded_upload, history_rows, named_after_other_kind
from dashboard.admin.models import bell_model, source_rows
from data.importer import Problem, check_csv_text
from data.models import Login
from data.repositories.sync_sources import save_source

LONDON = ZoneInfo("Europe/London")
NOW = pd.Timestamp("2026-07-01T12:00:00Z")


def test_the_check_finds_every_problem_and_writes_nothing(session, make_client):
    make_client("c1")
    session.commit()
    data = b"client_id,ts\nc1,2026-01-01T10:00:00Z\nc2,2026-01-01T10:00:00Z\nc1,soon\n"

    check = check_csv_text(session, "logins", data, "logins.csv", sample_rows=2)

    assert check.rows == 3
    assert check.header == ["client_id", "ts"]
    assert check.sample == [["c1", "2026-01-01T10:00:00Z"], ["c2", "2026-01-01T10:00:00Z"]]
    assert check.problems == [
        Problem(3, "client_id", "no client with this id"),
        Problem(4, "ts", "not an ISO 8601 timestamp (e.g. 2024-05-01T14:30:00Z)"),
    ]
    assert session.scalar(select(func.count()).select_from(Login)) == 0


def test_a_good_file_passes_the_check_and_an_unreadable_one_names_its_line(session, make_client):
    make_client("c1")
    session.commit()

    good = check_csv_text(session, "logins", b"client_id,ts\nc1,2026-01-01\n", "a.csv")
    latin = check_csv_text(session, "logins", b"client_id,ts\nc1,caf\xe9\n", "b.csv")

    assert good.ok and good.rows == 1
    assert latin.problems == [Problem(2, None, "not UTF-8 text")]
    assert session.scalar(select(func.count()).select_from(Login)) == 0


def test_a_file_named_after_another_kind_is_pointed_out():
    assert named_after_other_kind("Logins.CSV", "clients") == "logins"
    assert named_after_other_kind("logins.csv", "logins") is None
    assert named_after_other_kind("march-export.csv", "logins") is None
    assert named_after_other_kind(None, "logins") is None


def test_an_upload_value_is_decoded_or_refused():
    assert decoded_upload("data:text/csv;base64,aWQsbmFtZQo=") == b"id,name\n"
    assert decoded_upload("data:text/csv;base64,not base64!") is None


def test_expiry_is_the_end_of_the_day_in_the_team_zone():
    # 23:59:59 in London on a summer day is 22:59:59 UTC (BST, UTC+1).
    assert expiry_of("2026-07-31", LONDON) == dt.datetime(2026, 7, 31, 22, 59, 59, tzinfo=dt.UTC)
    assert expiry_of("", LONDON) is None


def _keys(**overrides) -> pd.DataFrame:
    row = {
        "id": 1, "name": "Booking", "prefix": "csd_abcdefgh", "role": "manager",
        "created_by_name": "Ann", "created_at": NOW - pd.Timedelta(days=3),
        "expires_at": pd.NaT, "revoked_at": pd.NaT, "last_used_at": pd.NaT,
    }  # fmt: skip
    row.update(overrides)
    return pd.DataFrame([row])


def test_a_key_is_active_revoked_or_expired():
    active = key_rows(_keys(), zone=LONDON, now=NOW)[0]
    revoked = key_rows(_keys(revoked_at=NOW), zone=LONDON, now=NOW)[0]
    expired = key_rows(_keys(expires_at=NOW - pd.Timedelta(seconds=1)), zone=LONDON, now=NOW)[0]
    gone_maker = key_rows(_keys(created_by_name=None), zone=LONDON, now=NOW)[0]

    assert (active.state, active.live, active.prefix, active.role) == (
        "active", True, "csd_abcdefgh…", "Manager"
    )  # fmt: skip
    assert (active.expires, active.last_used) == ("Never", "Never")
    assert (revoked.state, revoked.live) == ("revoked", False)
    assert (expired.state, expired.live) == ("expired", False)
    assert gone_maker.created.endswith("by –")


def test_history_rows_tell_imported_from_refused():
    frame = pd.DataFrame(
        [
            {"id": 2, "at": NOW, "via": "api", "actor": "API key: Booking", "kind": "logins",
             "source": "logins (API)", "rows": 0, "rows_added": 0, "rows_already_present": 0,
             "problems": 3},
            {"id": 1, "at": NOW, "via": "command_line", "actor": "command line (csd)",
             "kind": "clients", "source": "clients.csv", "rows": 1200, "rows_added": 1000,
             "rows_already_present": 200, "problems": 0},
        ]
    )  # fmt: skip

    refused, imported = history_rows(frame, zone=LONDON, now=NOW)

    assert (refused.via, refused.added, refused.outcome, refused.refused) == (
        "API", "–", "Refused: 3 problems", True
    )  # fmt: skip
    assert (imported.via, imported.added, imported.present, imported.outcome) == (
        "Command line", "1,000", "200", "Imported 1,200 rows"
    )  # fmt: skip


def _sources(**overrides) -> pd.DataFrame:
    row = {
        "id": 1, "name": "Drops", "kind": "folder", "location": "/srv/drop", "every_hours": 1,
        "enabled": True, "created_at": NOW - pd.Timedelta(days=2),
        "run_started_at": NOW - pd.Timedelta(hours=1), "run_finished_at": NOW,
        "run_status": "partial", "run_rows_added": 3, "run_rows_present": 1,
        "run_detail": '{"clients": {"added": 2, "present": 0}, "logins": {"added": 1, "present": 1}}',
        "run_errors": "bad.csv: refused (1 problem), moved to failed/ with x.errors.txt",
        "last_good_at": NOW - pd.Timedelta(hours=1),
    }  # fmt: skip
    row.update(overrides)
    return pd.DataFrame([row])


def test_a_source_row_tells_what_its_last_run_did():
    row = source_rows(_sources(), zone=LONDON, now=NOW)[0]

    assert (row.kind, row.every, row.status, row.added, row.present) == (
        "Folder", "every hour", "partial", 3, 1,
    )  # fmt: skip
    assert row.per_kind == "clients 2, logins 1"
    assert row.errors == ["bad.csv: refused (1 problem), moved to failed/ with x.errors.txt"]
    assert row.silent == ""


def test_a_database_source_hides_its_password_and_a_quiet_one_is_flagged():
    quiet = _sources(kind="sql", location="postgresql+psycopg://reader:s3cret@db/bookings",
                     last_good_at=NOW - pd.Timedelta(hours=5))  # fmt: skip

    row = source_rows(quiet, zone=LONDON, now=NOW)[0]

    assert row.location == "postgresql+psycopg://reader:***@db/bookings"
    assert row.silent == "Nothing brought in for 5 h; expected every hour."


def test_the_bell_counts_a_silent_source_beside_the_alerts(session, tmp_path):
    with session.begin():
        source = save_source(session, name="Drops", kind="folder", location=str(tmp_path))
        source.created_at = NOW.to_pydatetime() - dt.timedelta(hours=4)

    bell = bell_model(session, zone=LONDON, now=NOW)

    assert bell.notices == ("Data source Drops: Nothing brought in for 4 h; expected every hour.",)
    assert (bell.unread, bell.count) == (0, 1)
    assert bell.header == "No unread alerts; 1 data source silent"
