"""The audit log: what is recorded where the work happens, and the admins' view of it."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from sqlalchemy import select

from dashboard.admin import audit_log
from dashboard.admin import models as m
from dashboard.admin import schedules as schedule_view
from dashboard.tabs.interventions import callbacks as queue_callbacks
from dashboard.tabs.risk_segments import callbacks as segment_callbacks
from data.models import AuditAction, AuditEvent
from data.repositories.audit import audit_frame, record
from scoring.enums import Role
from tests.conftest import TEST_PASSWORD

LONDON = ZoneInfo("Europe/London")
WRONG = "hunter2-not-the-password"
BASE = "/api/admin/customer-success"


@pytest.fixture
def members(session, make_user):
    found = {
        "admin": make_user("ann@example.com", name="Ann Admin", role=Role.ADMIN),
        "viewer": make_user("vic@example.com", name="Vic Viewer", role=Role.VIEWER),
    }
    session.commit()
    return found


def events(session) -> list[tuple[str, str, str, str]]:
    """(action, actor, subject, detail) of every event, oldest first."""
    session.expire_all()
    rows = session.execute(
        select(AuditEvent.action, AuditEvent.actor, AuditEvent.subject, AuditEvent.detail).order_by(
            AuditEvent.id
        )
    ).all()
    return [tuple(row) for row in rows]


def every_text(session) -> str:
    session.expire_all()
    return " ".join(
        " ".join(str(value) for value in row)
        for row in session.execute(select(*AuditEvent.__table__.c)).all()
    )


def sign_in(client, email: str, password: str = TEST_PASSWORD):
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": csrf})


# -- the repository ------------------------------------------------------------------------


def test_events_are_kept_and_filtered_newest_first(session, members):
    t = dt.datetime(2026, 3, 10, 12, tzinfo=dt.UTC)
    record(session, AuditAction.SIGN_IN, actor="ann@example.com", address="10.0.0.7", at=t)
    record(session, AuditAction.SIGN_IN_FAILED, actor="mallory\x00@example.com", address="203.0.113.9",
           at=t + dt.timedelta(minutes=1))  # fmt: skip
    record(session, AuditAction.EXPORT, actor="ann@example.com", subject="risk.csv",
           at=t + dt.timedelta(days=2))  # fmt: skip

    frame, total = audit_frame(session)
    assert (frame["action"].tolist(), total) == (["export", "sign_in_failed", "sign_in"], 3)
    assert frame["actor"].tolist()[1] == "mallory@example.com"  # the NUL is dropped
    assert audit_frame(session, actions=["sign_in", "export"])[1] == 2
    assert audit_frame(session, who="MALLORY")[0]["address"].tolist() == ["203.0.113.9"]
    assert audit_frame(session, who="10.0.0")[0]["action"].tolist() == ["sign_in"]
    assert audit_frame(session, since=t + dt.timedelta(days=1))[0]["subject"].tolist() == [
        "risk.csv"
    ]
    frame, total = audit_frame(session, limit=1)
    assert (len(frame), total) == (1, 3)


# -- where the work happens ----------------------------------------------------------------


def test_sign_ins_and_their_failures_are_recorded_without_the_password(client, members, session):
    sign_in(client, "ann@example.com", WRONG)
    sign_in(client, "Ann@Example.com")
    client.post("/logout", data={"csrf_token": "forged"})  # refused: not a sign-out
    token = client.post("/api/auth/token", json={"email": "vic@example.com", "password": WRONG})
    issued = client.post(
        "/api/auth/token", json={"email": "vic@example.com", "password": TEST_PASSWORD}
    )

    assert (token.status_code, issued.status_code) == (401, 200)
    assert events(session) == [
        ("sign_in_failed", "ann@example.com", "", "wrong email or password"),
        ("sign_in", "ann@example.com", "", "sign-in form"),
        ("token_refused", "vic@example.com", "", "wrong email or password"),
        ("token_issued", "vic@example.com", "", "API token"),
    ]
    text = every_text(session)
    assert WRONG not in text and TEST_PASSWORD not in text
    assert issued.get_json()["access_token"] not in text
    assert session.scalar(select(AuditEvent.address).limit(1)) == "127.0.0.1"


def test_a_refused_sign_in_is_recorded(client, members, session):
    for _ in range(11):
        client.post("/api/auth/token", json={"email": "ann@example.com", "password": WRONG})
    recorded = events(session)
    assert [action for action, *_ in recorded].count("token_refused") == 10
    assert recorded[-1][:2] == ("sign_in_refused", "ann@example.com")
    assert recorded[-1][3].startswith("too many attempts (API); wait ")


def test_exports_schedules_reports_and_recalculations_are_recorded(
    app, client, members, session, make_client, make_score
):
    make_client("c-1", name="Amelia Hart")
    make_score("c-1", dt.datetime.now(dt.UTC).date(), 42.0)
    session.commit()
    sign_in(client, "ann@example.com")
    with client:
        client.get("/_dash-layout")  # a request of the signed-in admin, kept open
        segment_callbacks.export_csv(1, "?tab=risk-segments&risk=high")
        queue_callbacks.export_queue(1, None)
        fields = m.schedule_fields(
            {"name": "Monday summary", "frequency": "weekly", "weekday": "0", "day_of_month": None,
             "hour": "8", "period": "7d", "segment": "all", "format": "pdf",
             "recipients": "lead@example.com", "active": True}
        )  # fmt: skip
        schedule_view._write(None, fields)
    token = client.post(
        "/api/auth/token", json={"email": "ann@example.com", "password": TEST_PASSWORD}
    ).get_json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get(f"{BASE}/reports?period=7d&format=csv", headers=auth).status_code == 200
    assert client.post(f"{BASE}/health-scores", json={}, headers=auth).status_code == 202

    kinds = [(action, subject) for action, _actor, subject, _detail in events(session)]
    exports = [subject for action, subject in kinds if action == "export"]
    assert len(exports) == 2 and all(name.endswith(".csv") for name in exports)
    assert ("schedule_created", "Monday summary") in kinds
    assert ("report_download", "7d all csv") in kinds
    assert any(
        action == "recalculation" and subject.startswith("run ") for action, subject in kinds
    )
    created = [detail for action, _a, _s, detail in events(session) if action == "schedule_created"]
    assert created == ["to lead@example.com"]
    segments = [detail for action, _a, subject, detail in events(session) if subject == exports[0]]
    assert segments == ["Risk Segments, filters risk=high"]


# -- the view ------------------------------------------------------------------------------


def test_the_view_model_labels_filters_and_counts(session, members):
    now = pd.Timestamp("2026-03-10T12:00:00Z")
    record(session, AuditAction.SIGN_IN_REFUSED, actor="x@example.com", address="203.0.113.9",
           detail="too many attempts (form); wait 240 s", at=(now - pd.Timedelta(hours=1)).to_pydatetime())  # fmt: skip
    record(session, AuditAction.EXPORT, actor="ann@example.com", subject="clients.csv",
           at=(now - pd.Timedelta(days=3)).to_pydatetime())  # fmt: skip

    day = m.audit_model(session, actions=None, who=None, period="24h", zone=LONDON, now=now)
    assert day.total == 1
    row = day.rows[0]
    assert (row.when, row.action, row.failed, row.actor, row.address) == (
        "10 Mar 11:00", "Sign-in refused (too many)", True, "x@example.com", "203.0.113.9",
    )  # fmt: skip
    week = m.audit_model(session, actions=["export"], who="ann", period="7d", zone=LONDON, now=now)
    assert [(r.action, r.subject, r.failed) for r in week.rows] == [
        ("Exported", "clients.csv", False)
    ]
    # An unknown kind in the filter is ignored rather than matching nothing.
    assert (
        m.audit_model(
            session, actions=["nonsense"], who=None, period="all", zone=LONDON, now=now
        ).total
        == 2
    )


def test_only_admins_read_the_audit_log(client, members, session):
    sign_in(client, "vic@example.com")
    with client:
        client.get("/_dash-layout")
        refused = audit_log.render(1, None, None, "7d")
    assert "Only admins can read the audit log." in str(refused)

    client.post("/logout")  # refused without its token; sign in as the admin in a new client
    admin = client.application.test_client()
    sign_in(admin, "ann@example.com")
    with admin:
        admin.get("/_dash-layout")
        shown = str(audit_log.render(1, None, None, "7d"))
    assert "Signed in" in shown and "vic@example.com" in shown
