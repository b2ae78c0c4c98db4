"""Every setting read in one place: typed, defaults for what is missing or unreadable, the app's overrides win."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask

from dashboard import settings
from dashboard.settings import Settings, SmtpSettings


def test_an_empty_environment_gives_the_documented_defaults():
    s = Settings.from_environ({})
    assert s.database_url is None and s.secret_key is None
    assert s.session_cookie_secure is False
    assert s.timezone == ZoneInfo("Europe/London")
    assert s.score_target == 70
    assert s.score_at == (2, 0)
    assert s.scheduler is False and s.test_run is False
    assert s.reports_dir is None and s.smtp is None


def test_values_are_typed_from_their_text():
    s = Settings.from_environ(
        {
            "DATABASE_URL": " postgresql://db/csd ",
            "SESSION_COOKIE_SECURE": "Yes",
            "CSD_TIMEZONE": "America/New_York",
            "CSD_SCORE_TARGET": "65",
            "CSD_SCORE_AT": "6:30",
            "CSD_SCHEDULER": "ON",
            "CSD_REPORTS_DIR": "/srv/reports",
            "SMTP_HOST": "mail.example.com",
            "SMTP_USER": "csd@example.com",
        }
    )
    assert s.database_url == "postgresql://db/csd"
    assert s.session_cookie_secure is True
    assert s.timezone == ZoneInfo("America/New_York")
    assert (s.score_target, s.score_at, s.scheduler) == (65, (6, 30), True)
    assert s.reports_dir == Path("/srv/reports")
    assert s.smtp == SmtpSettings("mail.example.com", 587, "csd@example.com", None, "csd@example.com")


def test_unreadable_values_fall_back_to_their_defaults():
    s = Settings.from_environ(
        {"CSD_TIMEZONE": "Mars/Olympus", "CSD_SCORE_TARGET": "101", "CSD_SCORE_AT": "25:00"}
    )
    assert (s.timezone, s.score_target, s.score_at) == (ZoneInfo("Europe/London"), 70, (2, 0))
    assert Settings.from_environ({"CSD_SCORE_TARGET": "high"}).score_target == 70


def test_the_apps_configuration_wins_over_the_environment():
    s = Settings.from_environ(
        {"CSD_SCORE_TARGET": "65", "CSD_TIMEZONE": "Europe/Paris"},
        overrides={"CSD_SCORE_TARGET": 80, "CSD_TIMEZONE": None, "TESTING": True, "OTHER": 1},
    )
    assert s.score_target == 80
    assert s.timezone == ZoneInfo("Europe/Paris")  # None in the configuration: not given
    assert s.test_run is True


def test_inside_an_app_the_settings_read_at_start_are_used(monkeypatch):
    monkeypatch.setenv("CSD_SCORE_TARGET", "60")
    server = Flask(__name__)
    settings.init_settings(server, {"CSD_TIMEZONE": "Asia/Tokyo"})
    monkeypatch.setenv("CSD_SCORE_TARGET", "90")  # changed after start: the app keeps its own
    with server.app_context():
        assert settings.current().score_target == 60
        assert settings.current().timezone == ZoneInfo("Asia/Tokyo")
    assert settings.current().score_target == 90  # a command reads the environment it runs in
