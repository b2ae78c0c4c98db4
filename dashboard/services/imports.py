"""Rows sent in without a shell (the API's import, an upload in the app): imported, recorded, audited.

``import_sent`` is the one way both take: the import of ``data.importer`` in
one transaction (all rows or none, the same checks as ``csd import``), with a
line in the import history (``data_imports``) and an event in the audit log.
A refused import is recorded too, in a transaction of its own, so it leaves
its record and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

from data.db import session_scope
from data.importer import CsvImportError, ImportSummary, import_csv_text, import_rows
from data.models import AuditAction, ImportVia
from data.repositories.audit import record
from data.repositories.imports import record_import


@dataclass(frozen=True)
class Sender:
    """Who sends the rows, for the history and the audit log: a member, an API key."""

    actor: str  # an email, or "API key: <name>"
    actor_id: int | None = None
    address: str | None = None


def import_sent(
    kind: str,
    *,
    database_url: str | None,
    via: ImportVia,
    source: str,
    sender: Sender,
    csv: bytes | None = None,
    rows: object = None,
) -> ImportSummary:
    """Import ``csv`` (a file's bytes) or else ``rows`` (a JSON array) of ``kind``; raises CsvImportError."""
    history = {"via": via, "kind": kind, "source": source, "actor": sender.actor}
    try:
        with session_scope(database_url) as db:
            if csv is not None:
                summary = import_csv_text(db, kind, csv, source)
            else:
                summary = import_rows(db, kind, rows, source)
            record_import(
                db,
                **history,
                actor_id=sender.actor_id,
                rows=summary.rows,
                rows_added=summary.inserted,
                rows_already_present=summary.already_present,
            )
            detail = (
                f"{kind}: {summary.inserted:,} added, {summary.already_present:,} already present"
            )
            _audit(db, sender, source, detail)
    except CsvImportError as exc:
        count = len(exc.details)
        with session_scope(database_url) as db:
            record_import(db, **history, actor_id=sender.actor_id, problems=count)
            detail = (
                f"{kind}: refused, {count:,} problem{'s' if count != 1 else ''}; nothing written"
            )
            _audit(db, sender, source, detail)
        raise
    return summary


def _audit(db, sender: Sender, source: str, detail: str) -> None:
    record(
        db,
        AuditAction.IMPORT,
        actor_id=sender.actor_id,
        actor=sender.actor,
        address=sender.address,
        subject=source,
        detail=detail,
    )
