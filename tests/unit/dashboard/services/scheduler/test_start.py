"""Starting the scheduler: only when enabled and not under tests, with its three jobs at their times."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from app import create_app
from dashboard.services.scheduler import (
    REPORT_CHECK_MINUTES,
    REPORTS_JOB,
    SCORING_JOB,
    SYNC_CHECK_MINUTES,
    SYNC_JOB,
    build_scheduler,
    scheduler_enabled,
    score_at,
    start_if_enabled,
)

LONDON = ZoneInfo("Europe/London")


def test_the_scheduler_runs_only_when_switched_on_outside_tests():
    assert scheduler_enabled({}, {"CSD_SCHEDULER": "on"})
    assert scheduler_enabled({"CSD_SCHEDULER": "on"}, {})
    assert not scheduler_enabled({}, {})
    assert not scheduler_enabled({}, {"CSD_SCHEDULER": "off"})
    assert not scheduler_enabled({"TESTING": True}, {"CSD_SCHEDULER": "on"})
    assert not scheduler_enabled({}, {"CSD_SCHEDULER": "on", "PYTEST_CURRENT_TEST": "x"})


def test_score_at_reads_hours_and_minutes():
    assert score_at("07:30") == (7, 30)
    assert score_at("2:05") == (2, 5)
    assert score_at("") == (2, 0)
    assert score_at("25:00") == (2, 0)
    assert score_at("soon") == (2, 0)


def test_the_scheduler_has_the_daily_job_the_report_check_and_the_sync():
    scheduler = build_scheduler("sqlite://", zone=LONDON, at=(2, 0))
    jobs = {job.id: job for job in scheduler.get_jobs()}

    assert set(jobs) == {SCORING_JOB, REPORTS_JOB, SYNC_JOB}
    after = dt.datetime(2024, 7, 1, 12, tzinfo=LONDON)
    daily = jobs[SCORING_JOB].trigger.get_next_fire_time(None, after)
    assert daily == dt.datetime(2024, 7, 2, 2, 0, tzinfo=LONDON)
    assert jobs[REPORTS_JOB].trigger.interval == dt.timedelta(minutes=REPORT_CHECK_MINUTES)
    assert jobs[SYNC_JOB].trigger.interval == dt.timedelta(minutes=SYNC_CHECK_MINUTES)


def test_an_app_under_test_starts_no_scheduler(migrated_url, monkeypatch):
    monkeypatch.setenv("CSD_SCHEDULER", "on")
    app = create_app({"TESTING": True, "DATABASE_URL": migrated_url, "SECRET_KEY": "k" * 40})
    assert start_if_enabled(app.server) is None
