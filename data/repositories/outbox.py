"""The outbox: mail that could not be sent because SMTP is not configured, shown in the app."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import OutboxMail
from data.repositories._frames import read_frame

HAS_ATTACHMENT = "has_attachment"


def add_to_outbox(
    session: Session,
    *,
    to: str,
    subject: str,
    body: str,
    attachment_name: str | None = None,
    attachment: bytes | None = None,
) -> OutboxMail:
    """Keep an unsent mail (with an optional attachment) in the outbox."""
    mail = OutboxMail(
        to_address=to,
        subject=subject,
        body=body,
        attachment_name=attachment_name,
        attachment=attachment,
    )
    session.add(mail)
    session.flush()
    return mail


def outbox_frame(session: Session, *, limit: int = 50) -> pd.DataFrame:
    """The latest ``limit`` mails, newest first, without attachment bytes (``has_attachment`` instead)."""
    stmt = (
        select(
            OutboxMail.id,
            OutboxMail.to_address,
            OutboxMail.subject,
            OutboxMail.body,
            OutboxMail.created_at,
            OutboxMail.attachment_name,
            OutboxMail.attachment.is_not(None).label(HAS_ATTACHMENT),
        )
        .order_by(OutboxMail.created_at.desc(), OutboxMail.id.desc())
        .limit(limit)
    )
    return read_frame(session, stmt).astype({HAS_ATTACHMENT: "bool"})


def outbox_attachment(session: Session, mail_id: int) -> tuple[str, bytes] | None:
    """The attachment (name, bytes) of one outbox mail, or None when it has none."""
    mail = session.get(OutboxMail, mail_id)
    if mail is None or mail.attachment is None:
        return None
    return mail.attachment_name or "attachment", mail.attachment
