"""Users, alerts, scoring runs and the outbox."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time

import pandas as pd
import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import sessionmaker

from data.db import make_engine
from data.models import RunStatus, ScoringRun, utcnow
from data.repositories.alerts import add_alerts, alerts_frame, mark_alerts_read, unread_alert_count
from data.repositories.outbox import add_to_outbox, outbox_attachment, outbox_frame
from data.repositories.runs import (
    INTERRUPTED_ERROR,
    Heartbeat,
    fail_run,
    finish_run,
    last_successful_run,
    latest_run,
    settle_dead_runs,
    start_run,
)
from data.repositories.users import UserError, create_user, team_frame, verify_password
from scoring.enums import InterventionStatus, Outcome, Role

T = dt.datetime(2024, 3, 10, 7, 0, tzinfo=dt.UTC)


def test_create_user_hashes_the_password_and_normalises_the_email(session):
    user = create_user(
        session, " Ann@Example.COM ", name="Ann", role="admin", password="s3cret-pass"
    )
    assert user.email == "ann@example.com"
    assert user.role is Role.ADMIN
    assert "s3cret-pass" not in user.password_hash
    assert verify_password(session, "ANN@example.com", "s3cret-pass") is user
    assert verify_password(session, "ann@example.com", "wrong-pass") is None
    assert verify_password(session, "nobody@example.com", "s3cret-pass") is None


@pytest.mark.parametrize(
    ("email", "name", "role", "password", "message"),
    [
        ("ann@example.com", "Again", "viewer", "long enough", "already exists"),
        ("not-an-email", "X", "viewer", "long enough", "not an email address"),
        ("x@example.com", " ", "viewer", "long enough", "name must not be empty"),
        (
            "x@example.com",
            "X",
            "owner",
            "long enough",
            "role must be one of admin, manager, viewer",
        ),
        ("x@example.com", "X", "viewer", "short", "at least 8 characters"),
    ],
)
def test_create_user_rejects_bad_input(session, make_user, email, name, role, password, message):
    make_user("ann@example.com")
    with pytest.raises(UserError, match=message):
        create_user(session, email, name=name, role=role, password=password)


def test_inactive_users_cannot_sign_in(session, make_user):
    make_user("gone@example.com", password="long enough", active=False)
    assert verify_password(session, "gone@example.com", "long enough") is None


def test_team_frame_counts_open_interventions(session, make_user, make_client, make_intervention):
    ann = make_user(name="Ann")
    bo = make_user(name="Bo")
    make_user(name="Cy", active=False)
    make_client("c1")
    make_intervention("c1", assigned_to=ann.id)
    make_intervention("c1", assigned_to=ann.id, status=InterventionStatus.IN_PROGRESS)
    make_intervention(
        "c1", assigned_to=ann.id, status=InterventionStatus.COMPLETED, outcome=Outcome.RESOLVED
    )
    make_intervention("c1", assigned_to=bo.id, status=InterventionStatus.CANCELLED)
    team = team_frame(session)
    assert team[["name", "open_interventions"]].values.tolist() == [["Ann", 2], ["Bo", 0]]
    assert team_frame(session, include_inactive=True)["name"].tolist() == ["Ann", "Bo", "Cy"]


def test_alerts_are_stored_once_per_client_kind_and_day(session, make_client, make_user):
    make_client("c1", name="Amy")
    ann = make_user(name="Ann")
    day = dt.date(2024, 3, 10)
    frame = pd.DataFrame(
        {
            "client_id": ["c1", "c1", "c1"],
            "kind": ["score_drop", "score_drop", "risk_worsened"],
            "day": [day, day, day],
            "message": ["Score fell 12 points", "again", "Risk is now high"],
            "assignee_id": [ann.id, ann.id, ann.id],
        }
    )
    assert add_alerts(session, frame) == 2
    assert add_alerts(session, frame) == 0
    next_day = frame.assign(day=dt.date(2024, 3, 11)).iloc[:1]
    assert add_alerts(session, next_day) == 1

    alerts = alerts_frame(session)
    assert len(alerts) == 3
    assert set(alerts["client_name"]) == {"Amy"}
    assert set(alerts["assignee_name"]) == {"Ann"}
    assert unread_alert_count(session) == 3
    assert mark_alerts_read(session, alerts["id"].iloc[:2].tolist(), at=T) == 2
    assert unread_alert_count(session) == 1
    assert alerts_frame(session, unread_only=True)["id"].tolist() == alerts["id"].iloc[2:].tolist()


def test_scoring_run_lifecycle(session):
    assert last_successful_run(session) is None
    first = start_run(session, dt.date(2024, 3, 9), at=T - dt.timedelta(days=1))
    finish_run(
        session,
        first.id,
        clients_scored=500,
        alerts_created=3,
        at=T - dt.timedelta(days=1, seconds=-42),
    )
    second = start_run(session, dt.date(2024, 3, 10), at=T)
    assert latest_run(session).status is RunStatus.RUNNING
    fail_run(session, second.id, "engine exploded\ndetails", at=T + dt.timedelta(seconds=5))

    last = last_successful_run(session)
    assert (last.id, last.clients_scored, last.alerts_created, last.duration_seconds) == (
        first.id,
        500,
        3,
        42.0,
    )
    failed = latest_run(session)
    assert (failed.status, failed.error, failed.duration_seconds) == (
        RunStatus.FAILED,
        "engine exploded\ndetails",
        5.0,
    )


def test_outbox(session):
    add_to_outbox(
        session,
        to="ann@example.com",
        subject="Weekly report",
        body="Attached.",
        attachment_name="report.pdf",
        attachment=b"%PDF-1.7",
    )
    add_to_outbox(session, to="bo@example.com", subject="Alert", body="Amy's score fell.")
    frame = outbox_frame(session)
    assert frame[["to_address", "has_attachment"]].values.tolist() == [
        ["bo@example.com", False],
        ["ann@example.com", True],
    ]
    assert outbox_attachment(session, int(frame["id"].iloc[1])) == ("report.pdf", b"%PDF-1.7")
    assert outbox_attachment(session, int(frame["id"].iloc[0])) is None


def exited_pid() -> int:
    """The pid of a process of this host that has exited."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_run_records_its_process_and_a_heartbeat(session):
    run = start_run(session, dt.date(2024, 3, 10), at=T)
    assert run.holder == f"{socket.gethostname()}:{os.getpid()}"
    # Started "at" a time in the past, it has beaten now, when it was recorded.
    assert run.heartbeat_at >= utcnow() - dt.timedelta(seconds=5)


def test_dead_runs_are_settled_as_interrupted_and_live_ones_are_left(session):
    now = T + dt.timedelta(hours=3)
    here = socket.gethostname()

    def running(holder: str | None, heartbeat: dt.datetime | None, started: dt.datetime = T):
        run = start_run(session, dt.date(2024, 3, 10), at=started)
        run.holder, run.heartbeat_at = holder, heartbeat
        session.flush()
        return run.id

    alive_here = running(f"{here}:{os.getpid()}", T)  # heartbeat 3 h old, process alive
    dead_here = running(f"{here}:{exited_pid()}", now)  # heartbeat fresh, process gone
    other_fresh = running("elsewhere:4242", now - dt.timedelta(seconds=30))
    other_stale = running("elsewhere:4243", now - dt.timedelta(seconds=61))
    legacy_old = running(None, None, started=now - dt.timedelta(hours=1, seconds=1))
    legacy_recent = running(None, None, started=now - dt.timedelta(minutes=59))

    settled = settle_dead_runs(session, now=now)

    # A run of this host is judged by its process, one of another host by its heartbeat
    # (stale after 60 s), one recorded without a holder by its age (an hour).
    expected = {dead_here, other_stale, legacy_old}
    assert set(settled) == expected
    states = dict(session.execute(select(ScoringRun.id, ScoringRun.status)).all())
    for run_id in (alive_here, dead_here, other_fresh, other_stale, legacy_old, legacy_recent):
        want = RunStatus.INTERRUPTED if run_id in expected else RunStatus.RUNNING
        assert states[run_id] is want, run_id
    dead = session.get(ScoringRun, dead_here)
    assert (dead.finished_at, dead.error) == (now, INTERRUPTED_ERROR)
    # Settling again finds nothing new.
    assert settle_dead_runs(session, now=now) == []


def test_the_heartbeat_is_renewed_while_the_run_works(migrated_url):
    engine = make_engine(migrated_url)
    sessions = sessionmaker(engine, expire_on_commit=False)
    try:
        with sessions() as s, s.begin():
            run_id = start_run(s, dt.date(2024, 3, 10), at=T).id
            s.execute(update(ScoringRun).values(heartbeat_at=T))
        with Heartbeat(sessions, run_id, every=0.05):
            time.sleep(0.5)
        with sessions() as s:
            assert s.get(ScoringRun, run_id).heartbeat_at > utcnow() - dt.timedelta(seconds=5)
    finally:
        engine.dispose()
