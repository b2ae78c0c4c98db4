"""``GET /api/admin/customer-success/reports?period=&segment=&format=``: a report file to download.

``report_response`` answers with the file as an attachment (``application/zip``
for ``csv``, ``application/pdf`` for ``pdf``); a bad parameter is a 400 naming
it, in the API's error shape (``dashboard.api.errors``). Defaults: period
``30d``, segment ``all``, format ``pdf``.
"""

from __future__ import annotations

from flask import Response

from dashboard.api.errors import field_error
from dashboard.clock import display_zone
from dashboard.sessions import write_session
from data.models_reports import ReportFormat
from scoring.enums import Period, Segment

from . import render_report

DEFAULT_PERIOD = Period.D30
DEFAULT_SEGMENT = Segment.ALL
DEFAULT_FORMAT = ReportFormat.PDF


def _choice(field: str, value: str | None, kind: type, default):
    if value is None or value == "":
        return default
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise field_error(field, f"must be one of {allowed}") from None


def report_response(period: str | None, segment: str | None, fmt: str | None) -> Response:
    """The report of ``period`` for ``segment`` in ``fmt`` as a download (see the module docstring)."""
    period_value = _choice("period", period, Period, DEFAULT_PERIOD)
    segment_value = _choice("segment", segment, Segment, DEFAULT_SEGMENT)
    fmt_value = _choice("format", fmt, ReportFormat, DEFAULT_FORMAT)
    with write_session() as session:
        report = render_report(session, period_value, segment_value, fmt_value, zone=display_zone())
        session.rollback()
    response = Response(report.content, mimetype=report.mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{report.filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
