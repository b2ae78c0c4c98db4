"""``GET /api/admin/customer-success/reports``: the CSV or PDF report of a period and segment."""

from __future__ import annotations

from flask import Response

from dashboard.api.operations import operation
from dashboard.api.schemas import QueryModel
from dashboard.reports.http import report_response
from data.models_reports import ReportFormat
from scoring.enums import Period, Segment


class ReportQuery(QueryModel):
    period: Period = Period.D30
    segment: Segment = Segment.ALL
    format: ReportFormat = ReportFormat.PDF


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
    return report_response(query.period.value, query.segment.value, query.format.value)
