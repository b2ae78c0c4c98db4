"""The scheduler tests share the reports' book and SMTP server."""

from tests.unit.dashboard.services.reports.conftest import book, smtp_server  # noqa: F401
