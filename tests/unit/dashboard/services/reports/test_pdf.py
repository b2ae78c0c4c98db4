"""The PDF report: the same KPI figures as ``dashboard.services.metrics``, and a readable empty report."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pandas as pd
from pypdf import PdfReader

from dashboard.services.metrics import metrics_for
from dashboard.services.reports import pdf as pdf_module
from dashboard.services.reports import render_report
from tests.unit.dashboard.services.reports.conftest import NOW_TS, TODAY

LONDON = ZoneInfo("Europe/London")


def pdf_pages(content: bytes) -> list[str]:
    assert content.startswith(b"%PDF-")
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def percent(share: float) -> str:
    return f"{share * 100:.1f}%"


def test_pdf_shows_the_kpi_figures_of_the_metrics_endpoint(session, book):
    report = render_report(session, "30d", "all", "pdf", zone=LONDON, today=TODAY, now=NOW_TS)
    pages = pdf_pages(report.content)
    text = "\n".join(pages)

    metrics = metrics_for(session, "30d", "all", today=TODAY, now=NOW_TS)
    previous = metrics_for(session, "30d", "all", today=dt.date(2024, 3, 1), now=NOW_TS)
    expected = {
        f"{metrics.overview['average_health_score']:.1f}": "56.7",
        f"{previous.overview['average_health_score']:.1f}": "63.3",
        percent(metrics.retention["retention_rate"]): "66.7%",
        percent(metrics.retention["revenue_retention_rate"]): "80.0%",
        percent(metrics.retention["health_improvement_rate"]): "50.0%",
        percent(metrics.interventions["success_rate"]): "100.0%",
        percent(metrics.interventions["completion_rate"]): "50.0%",
    }
    for shown, by_hand in expected.items():
        assert shown == by_hand
        assert shown in text
    kpi_page = pages[1]
    assert "Average health score 56.7 63.3 ▼ 6.6" in kpi_page
    assert "Clients at risk (high or critical) 2 1 ▲ 1" in kpi_page
    assert f"Active clients (now) {metrics.overview['total_clients']}" in kpi_page

    assert report.filename.endswith(".pdf") and report.mimetype == "application/pdf"
    assert "Last 30 days · All clients" in pages[0]
    assert "2 Mar – 31 Mar 2024" in pages[0]
    at_risk = next(page for page in pages[2:] if "Clients at high or critical risk" in page)
    assert "Ash Wedding 35 Critical" in at_risk and "Bay Family 53 High" in at_risk
    assert "New Couple" not in at_risk
    performance = next(page for page in pages[2:] if "Intervention performance" in page)
    assert "Ann Owner" in performance and "Ben Member" in performance
    # Cover, KPIs, four charts, at-risk clients, performance.
    assert len(pages) == 8


def test_a_period_without_data_is_a_readable_pdf_that_says_so(session, book):
    long_ago = dt.date(2023, 6, 30)
    report = render_report(
        session, "7d", "all", "pdf", zone=LONDON, today=long_ago, now=pd.Timestamp(NOW_TS)
    )
    pages = pdf_pages(report.content)

    assert not report.data.has_data
    assert "No data for this period" in pages[0]
    assert "24 Jun – 30 Jun 2023" in pages[0]
    assert len(pages) == 2  # the cover and the KPI summary
    assert "Average health score – –" in pages[1]


def test_an_empty_database_gives_a_readable_pdf(session):
    report = render_report(
        session, "1y", "new_clients", "pdf", zone=LONDON, today=TODAY, now=NOW_TS
    )
    pages = pdf_pages(report.content)
    assert "No data for this period" in pages[0]
    assert "Last year · New clients" in pages[0]


def test_without_a_chart_renderer_the_pdf_still_has_everything_else(session, book, monkeypatch):

    def no_chromium(*args, **kwargs):
        raise RuntimeError("Chrome not found")

    monkeypatch.setattr(pdf_module, "figure_png", no_chromium)
    report = render_report(session, "30d", "all", "pdf", zone=LONDON, today=TODAY, now=NOW_TS)
    pages = pdf_pages(report.content)

    assert len(pages) == 8
    # Three charts to draw; the book's scores have no components, so no risk factors to chart.
    assert sum("This chart could not be drawn here" in page for page in pages) == 3
    assert "No client's score fell over this period" in pages[4]
    assert "Ash Wedding" in pages[6]
