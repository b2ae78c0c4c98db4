"""``audit(...)``: record what the person making this request did, in the audit log.

Who and from where come from the request (the signed-in member or the API
token's, ``request.remote_addr``); a caller that knows better (a sign-in,
where nobody is signed in yet) names the actor itself. The event is written
in its own transaction, so it is kept even when the work it records goes on
to fail, and a failure to record is logged, never shown to the person: the
audit log must not stop the work. What is recorded is listed in
``data.models.AuditAction``; never a password or a token.
"""

from __future__ import annotations

import logging

from flask import has_request_context, request

from dashboard.auth import permissions
from dashboard.services.imports import Sender
from dashboard.sessions import write_session
from data.models import AuditAction
from data.repositories.audit import record

log = logging.getLogger(__name__)


def current_sender() -> Sender:
    """Whoever makes this request, as the import history and the audit log name them."""
    me = permissions.requester()
    return Sender(
        actor=me.email or me.name,
        actor_id=me.id,
        address=request.remote_addr if has_request_context() else None,
    )


def audit(
    action: AuditAction,
    *,
    subject: str = "",
    detail: str = "",
    actor_id: int | None = None,
    actor: str | None = None,
) -> None:
    """Add ``action`` to the audit log, by the requester unless ``actor``/``actor_id`` are given."""
    if actor is None:
        me = permissions.requester()
        actor_id, actor = me.id, me.email or me.name
    address = request.remote_addr if has_request_context() else None
    try:
        with write_session() as session:
            record(
                session,
                action,
                actor_id=actor_id,
                actor=actor or "",
                address=address,
                subject=subject,
                detail=detail,
            )
    except Exception:  # noqa: BLE001 - the audit log never stops the work it records
        log.exception("audit event %s could not be recorded", action)
