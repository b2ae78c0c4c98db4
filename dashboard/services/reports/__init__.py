"""Reports for a period and segment: a zip of CSV files or a PDF (DESIGN 3, issue "Reports").

- ``data``: what a report holds, assembled with ``dashboard.services.metrics.metrics_for``
  (the Analytics tab's and ``GET /metrics``' figures) for the period and the one before;
- ``csv``: the zip of ``clients.csv``, ``interventions.csv`` and ``kpis.csv``;
- ``pdf``: the multi-page PDF with charts rendered by kaleido (``images``);
- ``http``: the response of ``GET /api/admin/customer-success/reports``.

``render_report`` is the one entry point the command line, the API and the
scheduler share.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy.orm import Session

from data.models_reports import ReportFormat
from scoring.enums import Period, Segment

from .data import ReportData, build_report_data

MIMETYPES = {ReportFormat.CSV: "application/zip", ReportFormat.PDF: "application/pdf"}
EXTENSIONS = {ReportFormat.CSV: "zip", ReportFormat.PDF: "pdf"}


@dataclass(frozen=True)
class RenderedReport:
    """A report file: its name, bytes and media type, and the data it was made from."""

    filename: str
    content: bytes
    mimetype: str
    data: ReportData


def render_report(
    session: Session,
    period: Period | str,
    segment: Segment | str,
    fmt: ReportFormat | str,
    *,
    zone: ZoneInfo,
    today: dt.date | None = None,
    now: pd.Timestamp | None = None,
) -> RenderedReport:
    """The report of ``period`` (ending ``today``) for ``segment`` as a CSV zip or a PDF."""
    fmt = ReportFormat(fmt)
    data = build_report_data(session, period, segment, zone=zone, today=today, now=now)
    if fmt is ReportFormat.PDF:
        from .pdf import report_pdf

        content = report_pdf(data)
    else:
        from .csv import report_zip

        content = report_zip(data)
    return RenderedReport(
        filename=f"{data.file_stem()}.{EXTENSIONS[fmt]}",
        content=content,
        mimetype=MIMETYPES[fmt],
        data=data,
    )


__all__ = ["RenderedReport", "ReportData", "build_report_data", "render_report"]
