"""Alerts waiting to be mailed, with whom to mail them to.

An alert goes to its assignee, else to the client's owner, when that team
member is active; an alert with neither stays unmailed (it is still in the
navbar bell).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from data.models import Alert, Client, User
from data.repositories._frames import read_frame

CLIENT_NAME = "client_name"
RECIPIENT_ID = "recipient_id"
RECIPIENT_EMAIL = "recipient_email"
RECIPIENT_NAME = "recipient_name"


def alerts_to_mail(session: Session, *, day: dt.date) -> pd.DataFrame:
    """The alerts of ``day`` not emailed yet that have an active recipient, by recipient and client.

    Columns: ``id``, ``client_id``, ``client_name``, ``kind``, ``message``,
    ``day``, ``recipient_id``, ``recipient_email`` and ``recipient_name``.
    """
    recipient = aliased(User)
    recipient_id = func.coalesce(Alert.assignee_id, Client.owner_id)
    stmt = (
        select(
            Alert.id,
            Alert.client_id,
            Client.name.label(CLIENT_NAME),
            Alert.kind,
            Alert.message,
            Alert.day,
            recipient.id.label(RECIPIENT_ID),
            recipient.email.label(RECIPIENT_EMAIL),
            recipient.name.label(RECIPIENT_NAME),
        )
        .join(Client, Client.id == Alert.client_id)
        .join(recipient, recipient.id == recipient_id)
        .where(Alert.day == day, Alert.emailed_at.is_(None), recipient.active.is_(True))
        .order_by(recipient.id, Client.name, Alert.id)
    )
    return read_frame(session, stmt)
