"""The audit log: record what a person did, and read it back filtered, newest first.

Each event says what (``AuditAction``), who (the member, or for a failed
sign-in the email typed), from which address, about what (``subject``: a
schedule's name, an export's file) and one line of ``detail`` (a schedule's
recipients, an export's filters and row count). Nothing else is kept: no
password, no token, no body of a request. Texts are cut to their column's
length and cleaned of NUL characters, so recording never fails on what a
stranger typed.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import func, insert, or_, select
from sqlalchemy.orm import Session

from data.models import AUDIT_TEXT_LENGTH, AuditAction, AuditEvent, utcnow
from data.repositories._frames import read_frame

ADDRESS_LENGTH = 64
ACTOR_LENGTH = 320
DETAIL_LENGTH = 2000


def _clean(text: object, length: int) -> str:
    value = "" if text is None else str(text)
    return value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")[:length]


def record(
    session: Session,
    action: AuditAction,
    *,
    actor_id: int | None = None,
    actor: str = "",
    address: str | None = None,
    subject: str = "",
    detail: str = "",
    at: dt.datetime | None = None,
) -> None:
    """Add one event to the audit log (in the caller's transaction)."""
    session.execute(
        insert(AuditEvent).values(
            at=at or utcnow(),
            action=AuditAction(action).value,
            actor_id=actor_id,
            actor=_clean(actor, ACTOR_LENGTH),
            address=_clean(address, ADDRESS_LENGTH) if address else None,
            subject=_clean(subject, AUDIT_TEXT_LENGTH),
            detail=_clean(detail, DETAIL_LENGTH),
        )
    )


def audit_frame(
    session: Session,
    *,
    actions: list[str] | None = None,
    who: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: int = 200,
) -> tuple[pd.DataFrame, int]:
    """(the latest ``limit`` events matching, newest first; how many match in all).

    ``actions`` keeps those kinds; ``who`` matches part of the actor or the
    address, in any case; ``since``/``until`` bound the time (``until`` excluded).
    """
    table = AuditEvent.__table__
    where = []
    if actions:
        where.append(table.c.action.in_(actions))
    if who:
        pattern = f"%{who.strip().lower()}%"
        where.append(
            or_(func.lower(table.c.actor).like(pattern), func.lower(table.c.address).like(pattern))
        )
    if since is not None:
        where.append(table.c.at >= since)
    if until is not None:
        where.append(table.c.at < until)
    total = session.scalar(select(func.count()).select_from(table).where(*where)) or 0
    stmt = (
        select(*table.c).where(*where).order_by(table.c.at.desc(), table.c.id.desc()).limit(limit)
    )
    return read_frame(session, stmt), int(total)
