"""The scheduled jobs: alert mail, scheduled reports by SMTP, and exactly once across runners."""

from __future__ import annotations

import datetime as dt
import email
import io
import threading
from email import policy
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from dashboard.services import reports as reports_package
from dashboard.services import scheduler
from dashboard.services.mail import SmtpSettings
from dashboard.services.metrics import metrics_for
from dashboard.services.scheduler import run_daily_job, run_due_reports, run_schedule_now
from data.models import Alert, HealthScore, OutboxMail, ScoringRun
from data.models_reports import ReportSchedule, ReportStatus
from data.repositories.schedules import create_schedule
from scoring.enums import Role
from tests.unit.dashboard.services.reports.conftest import (
    NOW,
    NOW_TS,
    TODAY,
    free_port,
    sessions_for,
)

LONDON = ZoneInfo("Europe/London")
SCORING_NOW = dt.datetime(2024, 3, 31, 2, 0, tzinfo=dt.UTC)
JAN_1 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def message_of(received) -> email.message.EmailMessage:
    return email.message_from_bytes(received.data, policy=policy.default)


def in_parallel(*calls):
    """Run the calls at the same moment in threads; their results, in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index, call):
        barrier.wait()
        try:
            results[index] = call()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    if errors:
        raise errors[0]
    return results


@pytest.fixture
def falling_client(session, make_user, make_client, make_score):
    """A client owned by Priya who scored 90 a week ago and has had no activity since: a big fall."""
    owner = make_user("priya@example.com", name="Priya Shah", role=Role.MANAGER)
    make_user("vic@example.com", name="Vic Viewer", role=Role.VIEWER)
    make_client("c-fall", name="Fern & Ash", created_at=JAN_1, owner_id=owner.id)
    make_score("c-fall", dt.date(2024, 3, 24), 90.0)
    session.commit()
    return owner


# -- the daily job -------------------------------------------------------------------------


def test_the_daily_job_mails_new_alerts_to_the_owner(
    migrated_url, session, falling_client, smtp_server
):
    outcome = run_daily_job(
        sessions_for(migrated_url), url=migrated_url, now=SCORING_NOW, settings=smtp_server.settings
    )

    assert outcome.ran and outcome.summary.clients_scored == 1
    assert outcome.summary.alerts_created >= 1
    assert outcome.alerts_mailed == outcome.summary.alerts_created
    [received] = smtp_server.inbox.messages
    assert received.recipients == ["priya@example.com"]
    message = message_of(received)
    assert message["Subject"] == "1 client needs attention: health score alerts of 31 Mar 2024"
    body = message.get_body(("plain",)).get_content()
    assert body.startswith("Hello Priya Shah,")
    assert "- Fern & Ash: Health score fell" in body
    session.expire_all()
    assert all(alert.emailed_at is not None for alert in session.scalars(select(Alert)))


def test_alerts_already_mailed_are_not_mailed_again(
    migrated_url, session, falling_client, smtp_server
):
    from dashboard.services.scheduler import mail_alerts

    run_daily_job(
        sessions_for(migrated_url), url=migrated_url, now=SCORING_NOW, settings=smtp_server.settings
    )
    again = mail_alerts(
        sessions_for(migrated_url), day=TODAY, url=migrated_url, settings=smtp_server.settings
    )

    assert again == 0
    assert len(smtp_server.inbox.messages) == 1


def test_the_daily_job_runs_once_across_two_runners(
    migrated_url, session, falling_client, smtp_server
):
    def runner(name):
        return lambda: run_daily_job(
            sessions_for(migrated_url), url=migrated_url, now=SCORING_NOW, holder=name,
            settings=smtp_server.settings,
        )  # fmt: skip

    outcomes = in_parallel(runner("worker-1"), runner("worker-2"))

    assert sorted(outcome.ran for outcome in outcomes) == [False, True]
    assert count(session, ScoringRun) == 1
    assert len(smtp_server.inbox.messages) == 1
    # A timer firing later in the lock's hour finds it taken as well.
    late = run_daily_job(
        sessions_for(migrated_url), url=migrated_url, now=SCORING_NOW + dt.timedelta(minutes=5)
    )
    assert not late.ran and count(session, ScoringRun) == 1


# -- report schedules ----------------------------------------------------------------------


def weekly(session, **changes) -> ReportSchedule:
    """A weekly Sunday 09:00 schedule created on 24 Mar: first due 31 Mar 08:00 UTC (09:00 BST)."""
    fields = {
        "name": "Sunday summary", "frequency": "weekly", "weekday": 6, "hour": 9, "period": "30d",
        "segment": "all", "format": "pdf", "recipients": "lead@example.com, team@example.com",
    } | changes  # fmt: skip
    schedule = create_schedule(
        session, zone=LONDON, now=dt.datetime(2024, 3, 24, 12, tzinfo=dt.UTC), **fields
    )
    session.commit()
    return schedule


def test_a_due_report_arrives_by_mail_with_its_pdf(migrated_url, session, book, smtp_server):
    schedule = weekly(session)
    assert schedule.next_run_at == dt.datetime(2024, 3, 31, 8, tzinfo=dt.UTC)

    [result] = run_due_reports(
        sessions_for(migrated_url),
        zone=LONDON,
        url=migrated_url,
        now=NOW,
        settings=smtp_server.settings,
    )

    assert (result.status, result.detail) == (
        ReportStatus.SENT,
        "sent to lead@example.com, team@example.com",
    )
    [received] = smtp_server.inbox.messages
    assert received.recipients == ["lead@example.com", "team@example.com"]
    message = message_of(received)
    assert message["Subject"] == "Sunday summary: Last 30 days, all clients (2 Mar – 31 Mar 2024)"
    metrics = metrics_for(session, "30d", "all", today=TODAY, now=NOW_TS)
    average = f"{metrics.overview['average_health_score']:.1f}"
    assert (
        f"Average health score: {average} (▼ 6.6 vs previous period)"
        in message.get_body(("plain",)).get_content()
    )
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "customer-success-30d-all-2024-03-02-to-2024-03-31.pdf"
    text = "\n".join(
        page.extract_text() for page in PdfReader(io.BytesIO(attachment.get_content())).pages
    )
    assert average in text
    assert f"{metrics.retention['retention_rate'] * 100:.1f}%" in text

    session.expire_all()
    stored = session.get(ReportSchedule, schedule.id)
    assert (stored.last_status, stored.last_run_at, stored.last_error) == (
        ReportStatus.SENT,
        NOW,
        None,
    )
    assert stored.next_run_at == dt.datetime(2024, 4, 7, 8, tzinfo=dt.UTC)
    # Nothing is due any more.
    assert run_due_reports(sessions_for(migrated_url), zone=LONDON, url=migrated_url, now=NOW) == []


def test_two_runners_send_a_due_report_once(migrated_url, session, book, monkeypatch):
    monkeypatch.delenv("SMTP_HOST", raising=False)
    monkeypatch.delenv("CSD_REPORTS_DIR", raising=False)
    schedules = [weekly(session, name=f"Summary {n}", format="csv") for n in range(3)]

    def runner(name):
        return lambda: run_due_reports(
            sessions_for(migrated_url), zone=LONDON, url=migrated_url, now=NOW, holder=name
        )

    first, second = in_parallel(runner("instance-1"), runner("instance-2"))

    runs = [result for results in (first, second) if results for result in results]
    assert sorted(r.name for r in runs) == ["Summary 0", "Summary 1", "Summary 2"]
    assert {r.status for r in runs} == {ReportStatus.STORED}
    # One mail per schedule, kept in the outbox for each of its two recipients.
    assert count(session, OutboxMail) == 6
    session.expire_all()
    assert {session.get(ReportSchedule, s.id).last_status for s in schedules} == {
        ReportStatus.STORED
    }


def test_run_now_sends_the_report_and_keeps_the_next_run(
    migrated_url, session, book, tmp_path, monkeypatch
):
    monkeypatch.delenv("SMTP_HOST", raising=False)
    schedule = weekly(session, format="csv")
    folder = tmp_path / "reports"

    result = run_schedule_now(
        sessions_for(migrated_url), schedule.id, zone=LONDON, url=migrated_url, now=NOW,
        reports_dir=folder,
    )  # fmt: skip

    assert result.status is ReportStatus.STORED
    [saved] = folder.iterdir()
    assert (
        saved.name
        == f"schedule-{schedule.id}-customer-success-30d-all-2024-03-02-to-2024-03-31.zip"
    )
    assert str(saved) in result.detail
    session.expire_all()
    assert session.get(ReportSchedule, schedule.id).next_run_at == schedule.next_run_at
    assert count(session, OutboxMail) == 2
    with pytest.raises(LookupError):
        run_schedule_now(sessions_for(migrated_url), 999, zone=LONDON, url=migrated_url)


def test_a_report_that_cannot_be_built_is_recorded_as_failed(
    migrated_url, session, book, monkeypatch
):
    schedule = weekly(session)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full\nmore detail")

    monkeypatch.setattr(reports_package, "render_report", broken)
    [result] = run_due_reports(sessions_for(migrated_url), zone=LONDON, url=migrated_url, now=NOW)

    assert result.status is ReportStatus.FAILED
    session.expire_all()
    stored = session.get(ReportSchedule, schedule.id)
    assert stored.last_error == "the report could not be built: RuntimeError: disk full"
    assert stored.next_run_at == dt.datetime(2024, 4, 7, 8, tzinfo=dt.UTC)


def test_an_smtp_failure_is_recorded_and_the_mail_kept(migrated_url, session, book):
    schedule = weekly(session, format="csv")
    nobody = SmtpSettings("127.0.0.1", free_port(), None, None, "reports@example.com")

    [result] = run_due_reports(
        sessions_for(migrated_url), zone=LONDON, url=migrated_url, now=NOW, settings=nobody
    )

    assert result.status is ReportStatus.FAILED
    assert "kept in the outbox" in result.detail
    session.expire_all()
    assert session.get(ReportSchedule, schedule.id).last_error.startswith("SMTP 127.0.0.1:")
    assert count(session, OutboxMail) == 2
    assert count(session, HealthScore) > 0  # the book is untouched


def test_a_delivery_that_raises_is_recorded_and_the_next_one_still_goes(
    migrated_url, session, book, smtp_server, monkeypatch
):
    board = weekly(session, name="Board pack", format="csv")
    team = weekly(session, name="Team summary", format="csv")
    real_send_mail = scheduler.send_mail

    def send_mail(to, subject, *args, **kwargs):
        if subject.startswith("Board pack"):
            raise ValueError("Header values may not contain linefeed or carriage return characters")
        return real_send_mail(to, subject, *args, **kwargs)

    monkeypatch.setattr(scheduler, "send_mail", send_mail)
    results = run_due_reports(
        sessions_for(migrated_url), zone=LONDON, url=migrated_url, now=NOW,
        settings=smtp_server.settings,
    )  # fmt: skip

    error = (
        "the report could not be sent: "
        "ValueError: Header values may not contain linefeed or carriage return characters"
    )
    assert [(r.name, r.status, r.error) for r in results] == [
        ("Board pack", ReportStatus.FAILED, error),
        ("Team summary", ReportStatus.SENT, None),
    ]
    [received] = smtp_server.inbox.messages
    assert message_of(received)["Subject"].startswith("Team summary: Last 30 days")
    session.expire_all()
    failed, sent = session.get(ReportSchedule, board.id), session.get(ReportSchedule, team.id)
    assert (failed.last_status, failed.last_run_at, failed.last_error) == (
        ReportStatus.FAILED, NOW, error,
    )  # fmt: skip
    assert (sent.last_status, sent.last_run_at, sent.last_error) == (ReportStatus.SENT, NOW, None)
    # The failed one is not retried at every check: it waits for its next occurrence.
    assert failed.next_run_at == dt.datetime(2024, 4, 7, 8, tzinfo=dt.UTC)


def test_an_older_name_with_a_line_separator_still_sends(migrated_url, session, book, smtp_server):
    schedule = weekly(session, format="csv")
    # Stored before names were checked for line breaks.
    schedule.name = "Sunday\u2028\r\nsummary"
    session.commit()

    [result] = run_due_reports(
        sessions_for(migrated_url), zone=LONDON, url=migrated_url, now=NOW,
        settings=smtp_server.settings,
    )  # fmt: skip

    assert (result.status, result.error) == (ReportStatus.SENT, None)
    [received] = smtp_server.inbox.messages
    message = message_of(received)
    # The line separator and the line break are one space.
    assert message["Subject"] == "Sunday summary: Last 30 days, all clients (2 Mar – 31 Mar 2024)"
    assert 'Sent by the report schedule "Sunday summary"' in (
        message.get_body(("plain",)).get_content()
    )
