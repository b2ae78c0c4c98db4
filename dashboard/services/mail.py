"""Mail for alerts, scheduled reports and the test notification: SMTP when configured, else the outbox.

Settings come from the environment (``dashboard.settings.SmtpSettings``):
``SMTP_HOST`` (mail is sent only when it is set), ``SMTP_PORT``, ``SMTP_USER``
and ``SMTP_PASSWORD`` (log in when a user is given), ``SMTP_FROM``, ``SMTP_TLS``.
Port 465 speaks TLS from the start; on every other port the connection is
upgraded with STARTTLS before anything is sent, and a server that does not
offer it is not sent to (the mail is kept in the outbox, the error says why),
unless ``SMTP_TLS=off`` says on purpose to send without encryption.

``send_mail`` never raises: without SMTP the mail is kept in the outbox table,
which admins read in the app; when the SMTP server refuses it or cannot be
reached, the mail is kept in the outbox too, the failure is logged, and the
returned ``MailResult`` carries the error for the caller to record (a report
schedule's last error, for example).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Literal

from dashboard.settings import TLS_PORT, SmtpSettings
from data.db import session_scope
from data.repositories.outbox import add_to_outbox

log = logging.getLogger(__name__)

SMTP_TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class Attachment:
    """A file sent with a mail."""

    filename: str
    content: bytes
    mimetype: str = "application/octet-stream"


@dataclass(frozen=True)
class MailResult:
    """How a mail went: ``smtp`` (sent), ``outbox`` (kept in the app) or ``none`` (lost; see error)."""

    via: Literal["smtp", "outbox", "none"]
    recipients: tuple[str, ...]
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when the mail went where it should without an error."""
        return self.error is None

    def describe(self) -> str:
        """One line for a person: where the mail went, or why it did not."""
        to = ", ".join(self.recipients)
        if self.via == "smtp":
            return f"Sent to {to}."
        if self.via == "outbox" and self.error is None:
            return f"SMTP is not configured: the mail to {to} is in the outbox."
        if self.via == "outbox":
            return f"Not sent ({self.error}); the mail to {to} is in the outbox."
        return f"Not sent and not kept: {self.error}"


def recipient_list(to: str | Iterable[str]) -> tuple[str, ...]:
    """Addresses from ``"a@x, b@y"`` or a list of them, trimmed, without repeats."""
    parts = to.replace(";", ",").split(",") if isinstance(to, str) else list(to)
    return tuple(dict.fromkeys(part.strip() for part in parts if part and part.strip()))


def send_mail(
    to: str | Iterable[str],
    subject: str,
    body: str,
    attachment: Attachment | None = None,
    *,
    url: str | None = None,
    settings: SmtpSettings | None = None,
    environ: Mapping[str, str] | None = None,
) -> MailResult:
    """Send a plain-text mail to ``to`` (one address, comma-separated ones, or a list); never raises.

    ``settings`` default to ``SmtpSettings.from_env(environ)``; without them
    the mail goes to the outbox of the database at ``url`` (default
    ``DATABASE_URL``; inside the app, ``dashboard.sessions.app_database_url()``).
    """
    recipients = recipient_list(to)
    if not recipients:
        return MailResult("none", (), "no recipient")
    settings = settings if settings is not None else SmtpSettings.from_env(environ)
    if settings is None:
        return _keep_in_outbox(recipients, subject, body, attachment, url, error=None)
    try:
        _send_smtp(settings, recipients, subject, body, attachment)
    except (OSError, smtplib.SMTPException, ssl.SSLError) as exc:
        error = f"SMTP {settings.host}:{settings.port}: {_reason(exc)}"
        log.warning("mail %r to %s not sent: %s", subject, ", ".join(recipients), error)
        return _keep_in_outbox(recipients, subject, body, attachment, url, error=error)
    return MailResult("smtp", recipients)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refused = ", ".join(sorted(exc.recipients))
        return f"recipients refused: {refused}"
    if isinstance(exc, smtplib.SMTPResponseException):
        message = (
            exc.smtp_error.decode(errors="replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        return f"{exc.smtp_code} {message}".strip()
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def build_message(
    settings: SmtpSettings,
    recipients: tuple[str, ...],
    subject: str,
    body: str,
    attachment: Attachment | None = None,
) -> EmailMessage:
    """The MIME message of a mail, with its attachment."""
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or None)
    message.set_content(body)
    if attachment is not None:
        maintype, _, subtype = attachment.mimetype.partition("/")
        message.add_attachment(
            attachment.content,
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=attachment.filename,
        )
    return message


def _send_smtp(
    settings: SmtpSettings,
    recipients: tuple[str, ...],
    subject: str,
    body: str,
    attachment: Attachment | None,
) -> None:
    message = build_message(settings, recipients, subject, body, attachment)
    if settings.port == TLS_PORT:
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            settings.host,
            settings.port,
            timeout=SMTP_TIMEOUT_SECONDS,
            context=ssl.create_default_context(),
        )
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=SMTP_TIMEOUT_SECONDS)
    with client:
        if settings.port != TLS_PORT and settings.tls:
            client.ehlo()
            if not client.has_extn("starttls"):
                raise smtplib.SMTPNotSupportedError(
                    "the server does not offer STARTTLS; set SMTP_TLS=off to send without encryption"
                )
            client.starttls(context=ssl.create_default_context())
        if settings.user:
            client.login(settings.user, settings.password or "")
        client.send_message(message, to_addrs=list(recipients))


def _keep_in_outbox(
    recipients: tuple[str, ...],
    subject: str,
    body: str,
    attachment: Attachment | None,
    url: str | None,
    *,
    error: str | None,
) -> MailResult:
    try:
        with session_scope(url) as session:
            for address in recipients:
                add_to_outbox(
                    session,
                    to=address,
                    subject=subject,
                    body=body,
                    attachment_name=attachment.filename if attachment else None,
                    attachment=attachment.content if attachment else None,
                )
    except Exception as exc:  # noqa: BLE001 - a mail must never break its caller
        log.exception("mail %r could not be kept in the outbox", subject)
        reason = f"outbox: {type(exc).__name__}"
        return MailResult("none", recipients, f"{error}; {reason}" if error else reason)
    return MailResult("outbox", recipients, error)
