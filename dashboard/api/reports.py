"""``GET /api/admin/customer-success/reports?period=&segment=&format=``: a report file to download.

``report_response`` answers with the file as an attachment (``application/zip``
for ``csv``, ``application/pdf`` for ``pdf``); a bad parameter is a 400 naming
it, in the API's error shape (``dashboard.api.errors``). Defaults: period
``30d``, segment ``all``, format ``pdf``.
"""

from __future__ import annotations

from flask import Response

from dashboard.api.errors import field_error
from dashboard.api.operations import operation
from dashboard.api.schemas import QueryModel
from dashboard.auth.audit import audit
from dashboard.clock import display_zone
from dashboard.services.reports import render_report
from dashboard.sessions import write_session
from data.models import AuditAction
from data.models_reports import ReportFormat
from scoring.enums import Period, Segment

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


class ReportQuery(QueryModel):
    period: Period = DEFAULT_PERIOD
    segment: Segment = DEFAULT_SEGMENT
    format: ReportFormat = DEFAULT_FORMAT


@operation(
    "GET",
    "/admin/customer-success/reports",
    summary="Download a report",
    description=(
        "The report the Analytics tab downloads, for the period ending today and the segment: "
        "`pdf` (KPIs with the previous period, charts, at-risk clients, intervention performance) "
        "or `csv` (a zip of clients.csv, interventions.csv and kpis.csv)."
    ),
    tag="Reports",
    response=None,
    files=("application/pdf", "application/zip"),
    query=ReportQuery,
    errors=(400, 401),
)
def get_report(query: ReportQuery) -> Response:
    response = report_response(query.period.value, query.segment.value, query.format.value)
    audit(
        AuditAction.REPORT_DOWNLOAD,
        subject=f"{query.period.value} {query.segment.value} {query.format.value}",
        detail="API",
    )
    return response
