"""The scheduler tests share the reports' book and SMTP server."""

from tests.unit.reports.conftest import book, smtp_server  # noqa: F401
