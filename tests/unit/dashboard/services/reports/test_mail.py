"""``send_mail``: SMTP to a local server, the outbox without SMTP, and a failure that never raises."""

from __future__ import annotations

import dataclasses
import email
from email import policy

from sqlalchemy import select

from dashboard.services.mail import Attachment, SmtpSettings, send_mail
from data.models import OutboxMail
from tests.unit.dashboard.services.reports.conftest import free_port


def test_mail_with_an_attachment_goes_through_smtp(smtp_server, migrated_url):
    result = send_mail(
        "ann@example.com, ben@example.com",
        "Weekly summary",
        "Hello.",
        Attachment("report.pdf", b"%PDF-1.4 tiny", "application/pdf"),
        url=migrated_url,
        settings=smtp_server.settings,
    )

    assert (result.via, result.ok) == ("smtp", True)
    [received] = smtp_server.inbox.messages
    assert received.sender == "reports@example.com"
    assert received.recipients == ["ann@example.com", "ben@example.com"]
    message = email.message_from_bytes(received.data, policy=policy.default)
    assert message["Subject"] == "Weekly summary"
    assert message.get_body(("plain",)).get_content().strip() == "Hello."
    [attached] = list(message.iter_attachments())
    assert attached.get_filename() == "report.pdf"
    assert attached.get_content_type() == "application/pdf"
    assert attached.get_content() == b"%PDF-1.4 tiny"


def test_without_smtp_the_mail_is_kept_in_the_outbox(session, migrated_url):
    result = send_mail(
        ["ann@example.com", "ben@example.com"],
        "Alerts",
        "Body",
        Attachment("r.zip", b"PK", "application/zip"),
        url=migrated_url,
        environ={},
    )

    assert (result.via, result.error) == ("outbox", None)
    assert "outbox" in result.describe()
    rows = session.scalars(select(OutboxMail).order_by(OutboxMail.to_address)).all()
    assert [(m.to_address, m.subject, m.attachment_name, m.attachment) for m in rows] == [
        ("ann@example.com", "Alerts", "r.zip", b"PK"),
        ("ben@example.com", "Alerts", "r.zip", b"PK"),
    ]


def test_an_unreachable_smtp_server_is_recorded_not_raised(session, migrated_url):
    nobody = SmtpSettings("127.0.0.1", free_port(), None, None, "reports@example.com")

    result = send_mail("ann@example.com", "Alerts", "Body", url=migrated_url, settings=nobody)

    assert result.via == "outbox" and not result.ok
    assert result.error.startswith(f"SMTP 127.0.0.1:{nobody.port}: ConnectionRefusedError")
    assert session.scalar(select(OutboxMail.subject)) == "Alerts"


def test_a_mail_that_cannot_even_be_kept_reports_why():
    result = send_mail(
        "ann@example.com", "Alerts", "Body", url="sqlite:////nonexistent/dir/x.db", environ={}
    )
    assert result.via == "none" and result.error.startswith("outbox: ")


def test_no_recipient_is_an_error_not_an_exception():
    assert send_mail(" , ", "Alerts", "Body", environ={}).error == "no recipient"


def test_settings_come_from_the_environment():
    assert SmtpSettings.from_env({}) is None
    assert SmtpSettings.from_env({"SMTP_HOST": "mail.example.com"}) == SmtpSettings(
        "mail.example.com", 25, None, None, SmtpSettings.from_env({"SMTP_HOST": "x"}).sender
    )
    with_user = SmtpSettings.from_env(
        {"SMTP_HOST": "smtp.example.com", "SMTP_USER": "csd@example.com", "SMTP_PASSWORD": "pw"}
    )
    assert (with_user.port, with_user.sender, with_user.password) == (587, "csd@example.com", "pw")
    explicit = SmtpSettings.from_env(
        {"SMTP_HOST": "h", "SMTP_PORT": "2525", "SMTP_FROM": "team@example.com"}
    )
    assert (explicit.port, explicit.sender) == (2525, "team@example.com")


def test_a_server_without_starttls_is_not_sent_to_unless_told(smtp_server, session, migrated_url):
    # The same server, with encryption required (the default): it offers no STARTTLS.
    required = dataclasses.replace(smtp_server.settings, user="csd", password="pw", tls=True)

    result = send_mail("ann@example.com", "Alerts", "Body", url=migrated_url, settings=required)

    assert result.via == "outbox" and not result.ok
    assert "does not offer STARTTLS; set SMTP_TLS=off" in result.error
    assert smtp_server.inbox.messages == []  # nothing sent, no password either
    assert session.scalar(select(OutboxMail.subject)) == "Alerts"


def test_smtp_tls_off_is_read_from_the_environment():
    assert SmtpSettings.from_env({"SMTP_HOST": "h"}).tls is True
    assert SmtpSettings.from_env({"SMTP_HOST": "h", "SMTP_TLS": "off"}).tls is False
    assert SmtpSettings.from_env({"SMTP_HOST": "h", "SMTP_TLS": "on"}).tls is True
