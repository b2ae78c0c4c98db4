"""The view models of the admin views, the alerts bell and the Risk Segments export.

Hand-made frames and tiny databases; every expected value is worked out beside the test.
"""

from __future__ import annotations

import datetime as dt
import socket
import subprocess
import sys
import time
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import update

from dashboard.admin import models as m
from dashboard.admin.frame import View, view_of, with_view
from dashboard.services.jobs import start_recalculation
from data.db import session_scope
from data.models import RunStatus, ScoringRun
from data.models_reports import ReportStatus
from data.repositories.alerts import add_alerts
from data.repositories.outbox import add_to_outbox
from data.repositories.runs import finish_run, going_run, start_run
from data.repositories.schedules import create_schedule, record_schedule_run

LONDON = ZoneInfo("Europe/London")
NOW = pd.Timestamp("2026-03-10T12:00:00Z")  # 12:00 in London (GMT until 29 March)
VALID = {
    "name": "Monday summary",
    "frequency": "weekly",
    "weekday": "0",
    "day_of_month": None,
    "hour": "8",
    "period": "7d",
    "segment": "all",
    "format": "pdf",
    "recipients": "lead@example.com",
    "active": True,
}


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def exited_pid() -> int:
    """The pid of a process of this host that has exited."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


# -- the URL of the views ------------------------------------------------------------------


def test_the_view_lives_in_the_url_beside_the_other_parameters():
    assert view_of("?tab=risk-segments&view=status") is View.STATUS
    assert view_of("?view=nonsense") is None
    assert view_of("") is None
    # Opening keeps the tab and presentation; closing takes only ``view`` out.
    opened = with_view("?tab=risk-segments&present=1", View.OUTBOX)
    assert opened == "?tab=risk-segments&present=1&view=outbox"
    assert with_view(opened, View.SCHEDULES) == "?tab=risk-segments&present=1&view=schedules"
    assert with_view(opened, None) == "?tab=risk-segments&present=1"
    assert with_view("?view=status", None) == ""


# -- System status -------------------------------------------------------------------------


def runs(*rows: dict) -> pd.DataFrame:
    columns = ["id", "started_at", "finished_at", "status", "as_of", "clients_scored",
               "interventions_created", "alerts_created", "error", "duration_seconds"]  # fmt: skip
    return pd.DataFrame(
        [{name: row.get(name) for name in columns} for row in rows], columns=columns
    )


def test_run_rows_show_local_times_states_and_counts():
    frame = runs(
        {"id": 3, "started_at": utc("2026-03-10 11:59:30"), "status": "running",
         "as_of": pd.Timestamp("2026-03-10"), "clients_scored": 0},
        {"id": 2, "started_at": utc("2026-03-10 02:00"), "finished_at": utc("2026-03-10 02:00:14"),
         "status": "failed", "as_of": pd.Timestamp("2026-03-10"),
         "error": "OperationalError: database is locked\nTraceback ...", "duration_seconds": 14.0},
        {"id": 1, "started_at": utc("2026-03-09 02:00"), "status": "succeeded",
         "as_of": pd.Timestamp("2026-03-09"), "clients_scored": 480, "interventions_created": 3,
         "alerts_created": 7, "duration_seconds": 2.5},
        {"id": 0, "started_at": utc("2026-03-08 02:00"), "status": "interrupted",
         "as_of": pd.Timestamp("2026-03-08"), "error": "The process running it stopped."},
    )  # fmt: skip
    rows = m.run_rows(frame, zone=LONDON, now=NOW)

    # Started 30 s before NOW and still going.
    assert (rows[0].state, rows[0].state_label, rows[0].duration) == (
        "running",
        "Running",
        "30 s so far",
    )
    # A failure shows the first line of its error only, never the trace; to admins only.
    assert rows[1].error == "OperationalError: database is locked"
    for_others = m.run_rows(frame, zone=LONDON, now=NOW, show_errors=False)
    assert for_others[1].error == "The run failed; an admin can see why."
    assert for_others[3].error == rows[3].error  # an interruption says nothing secret
    assert (rows[1].started, rows[1].duration) == ("10 Mar 02:00", "14 s")
    assert (rows[2].clients_scored, rows[2].interventions_created, rows[2].alerts_created) == (
        480,
        3,
        7,
    )
    assert rows[2].as_of == "9 Mar 2026"
    # Its process stopped without recording an outcome: no duration, the reason shown.
    assert (rows[3].state, rows[3].state_label, rows[3].duration) == (
        "interrupted",
        "Interrupted",
        "–",
    )
    assert m.finished_run_text(rows[3]) == (
        False,
        "The recalculation was interrupted: The process running it stopped.",
    )


def test_next_daily_run_is_the_next_time_of_day_in_the_display_zone():
    # 12:00 GMT on 10 March: 02:00 has passed today, so tomorrow 02:00 GMT.
    assert m.next_daily_run(NOW, (2, 0), LONDON) == utc("2026-03-11 02:00")
    # 00:30 UTC on 1 July is 01:30 BST: 02:00 BST (01:00 UTC) is still to come today.
    assert m.next_daily_run(utc("2026-07-01 00:30"), (2, 0), LONDON) == utc("2026-07-01 01:00")


def test_progress_is_the_elapsed_share_of_the_last_run_capped_until_it_finishes():
    assert m.progress(5, 10)[0] == 50
    assert m.progress(30, 10)[0] == m.PROGRESS_CAP
    percent, label = m.progress(3, None)
    assert percent is None and label == "Scoring the clients: 3.0 s so far"
    assert m.progress(5, 10)[1].endswith("(the last run took 10 s)")


def test_finished_run_text_says_what_the_run_did_or_why_it_failed():
    rows = m.run_rows(
        runs(
            {
                "id": 1,
                "started_at": NOW,
                "status": "succeeded",
                "as_of": pd.Timestamp("2026-03-10"),
                "clients_scored": 1200,
                "interventions_created": 2,
                "alerts_created": 1,
                "duration_seconds": 3,
            },
            {
                "id": 2,
                "started_at": NOW,
                "status": "failed",
                "as_of": pd.Timestamp("2026-03-10"),
                "error": "ValueError: boom",
                "duration_seconds": 0.5,
            },
        ),  # fmt: skip
        zone=LONDON,
        now=NOW,
    )
    assert m.finished_run_text(rows[0]) == (
        True,
        "Recalculation finished in 3.0 s: 1,200 clients scored, 1 new alerts, 2 automatic interventions.",
    )
    assert m.finished_run_text(rows[1]) == (
        False,
        "The recalculation failed after 0.5 s: ValueError: boom",
    )


def test_status_model_reads_the_runs_the_refresh_time_and_the_scheduler(session):
    first = start_run(session, dt.date(2026, 3, 9), at=utc("2026-03-09 02:00").to_pydatetime())
    finish_run(session, first.id, clients_scored=10, at=utc("2026-03-09 02:00:04").to_pydatetime())
    going = start_run(session, dt.date(2026, 3, 10), at=utc("2026-03-10 11:59").to_pydatetime())
    session.flush()

    model = m.status_model(
        session, zone=LONDON, now=NOW, scheduler_on=True, score_at=(2, 0), smtp_host=None
    )
    assert [row.id for row in model.rows] == [going.id, first.id]
    assert (model.refreshed, model.refreshed_day, model.expected_seconds) == (
        "9 Mar 02:00",
        "9 Mar 2026",
        4.0,
    )
    assert model.running is not None and model.running.id == going.id
    assert (model.score_at, model.next_daily) == ("02:00", "11 Mar 02:00")
    assert model.mail_text == "SMTP is not configured: mail is kept in the outbox."
    # The run's process (this one) is alive: it is going, however long ago it started.
    assert going_run(session).id == going.id
    # Its process gone (another pid of this host that has exited), it is interrupted.
    going.holder = f"{socket.gethostname()}:{exited_pid()}"
    session.flush()
    assert going_run(session) is None
    session.refresh(going)
    assert going.status == RunStatus.INTERRUPTED
    assert m.run_started_at(session, utc("2026-03-10 11:59"), zone=LONDON, now=NOW).id == going.id

    off = m.status_model(
        session, zone=LONDON, now=NOW, scheduler_on=False, score_at=(2, 0), smtp_host="mail:25"
    )
    assert off.next_daily == "" and off.mail_text == "Mail is sent through SMTP (mail:25)."


def test_a_recalculation_is_refused_while_a_run_is_going_and_recorded_when_started(migrated_url):
    with session_scope(migrated_url) as session:
        start_run(session, NOW.date(), at=(NOW - pd.Timedelta(minutes=1)).to_pydatetime())
    refused = start_recalculation(migrated_url, now=NOW, zone=LONDON)
    assert not refused.started
    assert refused.message.startswith("A scoring run is already going (started 10 Mar 11:59)")

    with session_scope(migrated_url) as session:  # the run's process dies
        session.execute(update(ScoringRun).values(holder=f"{socket.gethostname()}:{exited_pid()}"))
    later = NOW + pd.Timedelta(minutes=1)
    assert start_recalculation(migrated_url, now=later, zone=LONDON).started
    deadline = time.monotonic() + 30
    row = None
    while time.monotonic() < deadline:
        with session_scope(migrated_url) as session:
            row = m.run_started_at(session, later, zone=LONDON, now=later)
        if row is not None and row.state != RunStatus.RUNNING.value:
            break
        time.sleep(0.2)
    # An empty book: the run succeeds and scores nobody.
    assert row is not None and (row.state, row.clients_scored) == ("succeeded", 0)


# -- Scheduled reports ---------------------------------------------------------------------


def test_timing_text():
    assert m.timing_text("weekly", 0, None, 8) == "Weekly, Mondays at 08:00"
    assert m.timing_text("monthly", None, 1, 7) == "Monthly, day 1 at 07:00"
    assert (
        m.timing_text("monthly", None, 31, 18)
        == "Monthly, day 31 (or the month's last day) at 18:00"
    )


def test_schedule_field_errors_finds_every_bad_field_at_once():
    assert m.schedule_field_errors(m.schedule_fields(VALID)) == {}
    bad = m.schedule_fields({**VALID, "name": "  ", "recipients": "lead@example.com, bob@"})
    assert m.schedule_field_errors(bad) == {
        "name": "Must not be empty",
        "recipients": "Not an email address: bob@",
    }
    monthly = m.schedule_fields({**VALID, "frequency": "monthly", "day_of_month": 0})
    assert m.schedule_field_errors(monthly) == {"day_of_month": "Must be from 1 to 31"}
    assert m.schedule_field_errors(m.schedule_fields({**VALID, "recipients": ""})) == {
        "recipients": "Give at least one email address"
    }


def test_schedule_fields_keep_only_the_day_their_frequency_needs():
    weekly = m.schedule_fields({**VALID, "day_of_month": 5})
    assert (weekly["weekday"], weekly["day_of_month"]) == ("0", None)
    monthly = m.schedule_fields({**VALID, "frequency": "monthly", "day_of_month": 5})
    assert (monthly["weekday"], monthly["day_of_month"]) == (None, 5)


def test_schedule_rows_and_the_form_values_of_a_stored_schedule(session):
    create_schedule(session, zone=LONDON, now=NOW.to_pydatetime(), **m.schedule_fields(VALID))
    paused = create_schedule(
        session, zone=LONDON, now=NOW.to_pydatetime(),
        **m.schedule_fields({**VALID, "name": "Board pack", "frequency": "monthly", "day_of_month": 31,
                             "format": "csv", "period": "90d", "recipients": "b@example.com; c@example.com",
                             "active": False}),
    )  # fmt: skip
    record_schedule_run(
        session,
        paused.id,
        status=ReportStatus.STORED,
        at=(NOW - pd.Timedelta(days=1)).to_pydatetime(),
    )
    rows = m.schedules_model(session, zone=LONDON, now=NOW)

    board, monday = rows  # by name
    # 10 March 2026 is a Tuesday: the next Monday 08:00 GMT is 16 March.
    assert (monday.name, monday.timing, monday.next_run) == (
        "Monday summary",
        "Weekly, Mondays at 08:00",
        "Mon 16 Mar 08:00",
    )
    assert (monday.period, monday.segment, monday.format) == ("Last 7 days", "All clients", "PDF")
    assert (monday.last_status_label, monday.last_run) == ("Never run", "")
    assert (board.next_run, board.active, board.format) == ("Paused", False, "CSV (zip)")
    assert board.recipients == ["b@example.com", "c@example.com"]
    assert (board.last_run, board.last_status_label) == ("9 Mar 12:00", "In the outbox")

    from data.repositories.schedules import schedules_frame

    stored = schedules_frame(session)
    values = m.schedule_form_values(stored[stored["id"] == paused.id].iloc[0].to_dict())
    assert values == {
        "name": "Board pack", "frequency": "monthly", "weekday": "0", "day_of_month": 31, "hour": "8",
        "period": "90d", "segment": "all", "format": "csv", "recipients": "b@example.com, c@example.com",
        "active": False,
    }  # fmt: skip
    assert m.schedule_field_errors(m.schedule_fields(values)) == {}


def test_run_result_text_says_where_the_report_went():
    row = m.ScheduleRow(
        id=1, name="Monday summary", timing="", period="", segment="", format="",
        recipients=["a@example.com", "b@example.com"], active=True, next_run="", last_run="",
        last_status="sent", last_status_label="", last_error="", created_by="",
    )  # fmt: skip
    assert m.run_result_text(row) == (
        True,
        "“Monday summary” was mailed to a@example.com, b@example.com.",
    )
    stored = m.run_result_text(row.__class__(**{**row.__dict__, "last_status": "stored"}))
    assert stored[0] and "in the outbox" in stored[1]
    failed = row.__class__(
        **{**row.__dict__, "last_status": "failed", "last_error": "SMTP mail:25: refused"}
    )
    assert m.run_result_text(failed) == (
        False,
        "“Monday summary” could not be delivered: SMTP mail:25: refused",
    )


# -- Outbox and the bell -------------------------------------------------------------------


def test_outbox_rows_newest_first_with_their_attachment(session):
    add_to_outbox(session, to="a@example.com", subject="First", body="one")
    add_to_outbox(
        session,
        to="b@example.com",
        subject="Second",
        body="two",
        attachment_name="r.pdf",
        attachment=b"%PDF",
    )
    rows = m.outbox_model(session, zone=LONDON, now=NOW)
    assert [(row.to, row.subject, row.attachment) for row in rows] == [
        ("b@example.com", "Second", "r.pdf"),
        ("a@example.com", "First", None),
    ]


def test_the_bell_lists_unread_alerts_newest_first(session, make_client):
    make_client("c-1", name="Amelia Hart")
    make_client("c-2", name="Priya Shah")
    add_alerts(
        session,
        pd.DataFrame({"client_id": ["c-1", "c-2"], "kind": ["score_drop", "risk_worsened"],
                      "day": [NOW.date()] * 2, "message": ["fell 12 points", "now high"]}),
    )  # fmt: skip
    model = m.bell_model(session, zone=LONDON, now=NOW, limit=1)
    assert model.unread == 2 and len(model.alerts) == 1
    assert model.header == "Unread alerts: 2 (latest 1)"
    everything = m.bell_model(session, zone=LONDON, now=NOW)
    both = {alert.id for alert in everything.alerts}
    assert everything.newest_id == max(both)
    assert set(m.unread_alert_ids(session, up_to=everything.newest_id)) == both
    # An alert raised after the bell was drawn is not marked by its "Mark all read".
    make_client("c-3", name="Noah Lane")
    add_alerts(
        session,
        pd.DataFrame({"client_id": ["c-3"], "kind": ["score_drop"], "day": [NOW.date()],
                      "message": ["fell 20 points"]}),
    )  # fmt: skip
    assert set(m.unread_alert_ids(session, up_to=everything.newest_id)) == both
    assert m.unread_alert_ids(session, up_to=None) == []
    assert m.BellModel(0, []).header == "No unread alerts"


def test_the_test_mail_names_the_member_and_the_time():
    subject, body = m.test_mail("Morgan Lee", zone=LONDON, now=NOW)
    assert subject == "Test notification from the Customer Success Dashboard"
    assert body.startswith("Hello Morgan Lee,")
    assert "10 Mar 12:00 (Europe/London)" in body
