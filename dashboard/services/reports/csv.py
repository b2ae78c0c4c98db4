"""The CSV report: a zip of ``clients.csv``, ``interventions.csv`` and ``kpis.csv``.

UTF-8 with a header row; dates ``YYYY-MM-DD``, times ISO 8601 in UTC with a
``Z``, booleans ``true``/``false``, enumerations as their stored values, an
empty cell where there is no value. ``kpis.csv`` holds the numbers as the PDF shows them (see
``dashboard.services.reports.data``): percentages 0-100, hours, points and counts,
with the period's and the previous period's dates on every row.

The files are written by ``dashboard.services.safe_csv.csv_bytes``, as every
CSV file of the product: a text cell beginning with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return gets a ``'`` in front so that spreadsheets
show it as text; numbers are written as they are.
"""

from __future__ import annotations

import io
import zipfile

import pandas as pd

from dashboard.services.safe_csv import csv_bytes

from .data import ReportData

CLIENTS_FILE = "clients.csv"
INTERVENTIONS_FILE = "interventions.csv"
KPIS_FILE = "kpis.csv"
KPI_FILE_COLUMNS = (
    "section", "kpi", "label", "unit", "value", "previous_value", "start", "end",
    "previous_start", "previous_end",
)  # fmt: skip


def _cells(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with timestamps as ISO 8601 UTC text and calendar days as dates."""
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if isinstance(column.dtype, pd.DatetimeTZDtype):
            stamps = column.dt.tz_convert("UTC")
            out[name] = stamps.dt.strftime("%Y-%m-%dT%H:%M:%SZ").where(stamps.notna(), None)
        elif pd.api.types.is_datetime64_dtype(column):
            out[name] = column.dt.strftime("%Y-%m-%d").where(column.notna(), None)
        elif pd.api.types.is_bool_dtype(column):
            out[name] = column.map({True: "true", False: "false"}).where(column.notna(), None)
    return out


def frame_csv(frame: pd.DataFrame) -> bytes:
    """``frame`` as UTF-8 CSV bytes, its text cells safe (see the module docstring for the formats)."""
    return csv_bytes(_cells(frame))


def clients_csv(report: ReportData) -> bytes:
    """The segment's clients with their scores and risk on the score date, lowest score first."""
    return frame_csv(report.clients)


def interventions_csv(report: ReportData) -> bytes:
    """The segment's interventions that were open at some time in the period, by id."""
    return frame_csv(report.interventions)


def kpis_csv(report: ReportData) -> bytes:
    """Every KPI of the report with its previous-period value."""
    current, previous = report.metrics, report.previous
    frame = report.kpis.assign(
        start=current.start.isoformat(),
        end=current.end.isoformat(),
        previous_start=previous.start.isoformat(),
        previous_end=previous.end.isoformat(),
    )
    for name in ("value", "previous_value"):
        frame[name] = frame[name].astype(object).where(frame[name].notna(), None)
    return frame_csv(frame[list(KPI_FILE_COLUMNS)])


def report_zip(report: ReportData) -> bytes:
    """The three CSV files of the report in one zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(CLIENTS_FILE, clients_csv(report))
        archive.writestr(INTERVENTIONS_FILE, interventions_csv(report))
        archive.writestr(KPIS_FILE, kpis_csv(report))
    return buffer.getvalue()
