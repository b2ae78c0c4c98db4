"""Editing a client's record in the app: owner, status, wedding date, package and contract value.

``edit_client_record`` is the one way an edit is made (managers and admins,
checked by the caller). In one transaction it:

- checks the record is still the one the form was opened on (``base``): an
  edit made meanwhile by someone else is refused, naming the fields, and
  nothing is written;
- writes the changed fields and a ``client_changes`` row (what changed from
  what to what, who, and the note), and an event in the audit log;
- on a new owner, moves the client's open automatic interventions that were
  with the previous owner (or with nobody) to the new one, each with a note.
  Work someone deliberately gave to another member stays with them; a client
  left without an owner keeps its interventions where they are;
- on a status of churned or completed, ends the client's scoring the day it
  gives, as an import with ``churned_at`` would: the scores stored for that
  day and later are removed (the engine would not score the client on them)
  and those days' summaries are counted again. Back to active, the client
  is scored again from the next run ("Recalculate this client" at once).
  Open interventions stay open: whoever works them closes them with an
  outcome.

Dates are calendar days; a churned or completed date is stored as 00:00 UTC
of that day.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, fields, replace
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from dashboard.formatting import money_text
from dashboard.services.imports import Sender
from dashboard.services.interventions import update_intervention
from data.importer import parse_money
from data.models import AuditAction, Client, ClientChange, HealthScore, Intervention, User, utcnow
from data.repositories.audit import record
from data.repositories.summaries import refresh_score_summaries
from scoring.enums import OPEN_STATUSES, ClientStatus, Role, Source

# Who may own a client: members who work the queue (a viewer is a shared screen).
OWNER_ROLES = (Role.ADMIN, Role.MANAGER)
UNASSIGNED = "none"  # the form's owner for nobody
PACKAGE_LENGTH = 100
NOTE_LENGTH = 2000
EARLIEST_WEDDING = dt.date(1990, 1, 1)
LATEST_WEDDING = dt.date(2100, 12, 31)

# Field names, as the form and the change history name them.
LABELS = {
    "owner_id": "Owner",
    "status": "Status",
    "ended_on": "Ended on",
    "wedding_date": "Wedding date",
    "package": "Package",
    "contract_value": "Contract value",
}


class RecordError(Exception):
    """An edit that cannot be made; ``fields`` maps a form field to what is wrong with it."""

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class RecordConflict(RecordError):
    """The record changed since the form was opened."""


@dataclass(frozen=True)
class ClientRecord:
    """The editable part of a client's record. ``contract_value`` in pence; ``ended_on`` the
    day a churned or completed client stopped being scored (None while active)."""

    owner_id: int | None
    status: ClientStatus
    ended_on: dt.date | None
    wedding_date: dt.date | None
    package: str | None
    contract_value: int | None

    def to_json(self) -> dict[str, Any]:
        """Plain values for a ``dcc.Store``."""
        return {
            "owner_id": self.owner_id,
            "status": self.status.value,
            "ended_on": self.ended_on.isoformat() if self.ended_on else None,
            "wedding_date": self.wedding_date.isoformat() if self.wedding_date else None,
            "package": self.package,
            "contract_value": self.contract_value,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ClientRecord:
        def day(value: Any) -> dt.date | None:
            return dt.date.fromisoformat(value) if value else None

        return cls(
            owner_id=int(data["owner_id"]) if data.get("owner_id") is not None else None,
            status=ClientStatus(data["status"]),
            ended_on=day(data.get("ended_on")),
            wedding_date=day(data.get("wedding_date")),
            package=data.get("package") or None,
            contract_value=(
                int(data["contract_value"]) if data.get("contract_value") is not None else None
            ),
        )


def _day_of(value: dt.datetime | None) -> dt.date | None:
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return value.date()


def record_of(client: Client) -> ClientRecord:
    """The editable record of a stored client."""
    status = ClientStatus(client.status)
    ended = {
        ClientStatus.CHURNED: client.churned_at,
        ClientStatus.COMPLETED: client.completed_at,
    }.get(status)
    return ClientRecord(
        owner_id=client.owner_id,
        status=status,
        ended_on=_day_of(ended),
        wedding_date=client.wedding_date,
        package=client.package,
        contract_value=client.contract_value,
    )


def read_form(values: dict[str, Any], *, today: dt.date) -> ClientRecord:
    """The record a person typed into the form; raises RecordError naming every bad field.

    ``values`` hold the form's strings: owner_id (``UNASSIGNED`` or "" for nobody), status,
    ended_on, wedding_date (``YYYY-MM-DD`` or ""), package, contract_value.
    """
    problems: dict[str, str] = {}

    def text(name: str) -> str:
        value = values.get(name)
        return "" if value is None else str(value).strip()

    owner_id = None
    if text("owner_id") not in ("", UNASSIGNED):
        try:
            owner_id = int(text("owner_id"))
        except ValueError:
            problems["owner_id"] = "Choose a member of the team."
    try:
        status = ClientStatus(text("status") or ClientStatus.ACTIVE.value)
    except ValueError:
        status, problems["status"] = ClientStatus.ACTIVE, "Choose active, churned or completed."

    def day(name: str) -> dt.date | None:
        if not text(name):
            return None
        try:
            return dt.date.fromisoformat(text(name))
        except ValueError:
            problems[name] = "Not a date (YYYY-MM-DD)."
            return None

    ended_on = day("ended_on") if status != ClientStatus.ACTIVE else None
    if status != ClientStatus.ACTIVE and ended_on is None and "ended_on" not in problems:
        problems["ended_on"] = f"Give the day the client {status.value}."
    if ended_on is not None and ended_on > today:
        problems["ended_on"] = "Cannot be after today."
    wedding = day("wedding_date")
    if wedding is not None and not EARLIEST_WEDDING <= wedding <= LATEST_WEDDING:
        problems["wedding_date"] = (
            f"Must be between {EARLIEST_WEDDING.year} and {LATEST_WEDDING.year}."
        )
    package = text("package") or None
    if package is not None and len(package) > PACKAGE_LENGTH:
        problems["package"] = f"At most {PACKAGE_LENGTH} characters."
    contract_value = None
    try:
        contract_value = parse_money(text("contract_value"))
    except ValueError as error:
        problems["contract_value"] = f"{str(error)[:1].upper()}{str(error)[1:]}."
    if problems:
        raise RecordError("Some fields need fixing.", problems)
    return ClientRecord(owner_id, status, ended_on, wedding, package, contract_value)


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class EditResult:
    changes: list[Change]
    interventions_moved: int
    score_days_removed: int


def _shown(session: Session, name: str, value: Any) -> str:
    """A field's value as the change history shows it."""
    if value is None:
        return "none" if name != "owner_id" else "unassigned"
    if name == "owner_id":
        user = session.get(User, value)
        return user.name if user else f"member {value}"
    if name == "status":
        return ClientStatus(value).label.lower()
    if name == "contract_value":
        return money_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def edit_client_record(
    session: Session,
    client_id: str,
    edit: ClientRecord,
    *,
    base: ClientRecord,
    sender: Sender,
    author_name: str,
    note: str = "",
    now: dt.datetime | None = None,
) -> EditResult:
    """Apply ``edit`` to the client if its record is still ``base``; in the caller's transaction."""
    now = now or utcnow()
    note = note.strip()
    if len(note) > NOTE_LENGTH:
        raise RecordError("The note is too long.", {"note": f"At most {NOTE_LENGTH} characters."})
    client = session.get(Client, client_id, with_for_update=True)
    if client is None:
        raise RecordError("There is no client with this id.")
    current = record_of(client)
    changed_meanwhile = [
        LABELS[item.name]
        for item in fields(ClientRecord)
        if getattr(current, item.name) != getattr(base, item.name)
    ]
    if changed_meanwhile:
        raise RecordConflict(
            "Someone else changed this client's record while you were editing it ("
            + ", ".join(changed_meanwhile).lower()
            + "). Close the form to see their change, then edit again."
        )
    if edit.owner_id is not None and edit.owner_id != current.owner_id:
        owner = session.get(User, edit.owner_id)
        if owner is None or not owner.active or Role(owner.role) not in OWNER_ROLES:
            raise RecordError(
                "Choose an active admin or manager as the owner.",
                {"owner_id": "Not an active admin or manager."},
            )
    created = _day_of(client.created_at)
    if edit.ended_on is not None and created is not None and edit.ended_on < created:
        raise RecordError(
            "The client cannot end before it was created.",
            {"ended_on": f"Cannot be before the client was created ({created.isoformat()})."},
        )
    if edit.status == ClientStatus.ACTIVE:
        edit = replace(edit, ended_on=None)

    changes = [
        Change(
            LABELS[item.name],
            _shown(session, item.name, getattr(current, item.name)),
            _shown(session, item.name, getattr(edit, item.name)),
        )
        for item in fields(ClientRecord)
        if getattr(current, item.name) != getattr(edit, item.name)
    ]
    if not changes and not note:
        return EditResult([], 0, 0)

    client.owner_id = edit.owner_id
    client.status = edit.status
    client.wedding_date = edit.wedding_date
    client.package = edit.package
    client.contract_value = edit.contract_value
    ended_at = _midnight(edit.ended_on) if edit.ended_on else None
    client.churned_at = ended_at if edit.status == ClientStatus.CHURNED else None
    client.completed_at = ended_at if edit.status == ClientStatus.COMPLETED else None
    session.flush()

    moved = 0
    if edit.owner_id is not None and edit.owner_id != current.owner_id:
        moved = _move_automatic_work(session, client_id, current.owner_id, edit.owner_id,
                                     actor_id=sender.actor_id, now=now)  # fmt: skip
    removed = _end_scores(session, client_id, ended_at) if ended_at is not None else 0

    session.add(
        ClientChange(
            client_id=client_id,
            at=now,
            author_id=sender.actor_id,
            author=author_name or sender.actor,
            changes=json.dumps([change.__dict__ for change in changes]),
            note=note,
        )
    )
    summary = "; ".join(f"{c.field} {c.before} → {c.after}" for c in changes) or "a note"
    record(session, AuditAction.CLIENT_EDITED, actor_id=sender.actor_id, actor=sender.actor,
           address=sender.address, subject=f"client {client_id}", detail=summary, at=now)  # fmt: skip
    return EditResult(changes, moved, removed)


def _move_automatic_work(
    session: Session, client_id: str, before: int | None, after: int, *, actor_id: int | None,
    now: dt.datetime,
) -> int:  # fmt: skip
    """Give the client's open automatic interventions held by ``before`` (or nobody) to ``after``."""
    held = Intervention.assigned_to.is_(None)
    if before is not None:
        held = held | (Intervention.assigned_to == before)
    rows = session.execute(
        select(Intervention.id, Intervention.version).where(
            Intervention.client_id == client_id,
            Intervention.source == Source.AUTO,
            Intervention.status.in_(OPEN_STATUSES),
            held,
        )
    ).all()
    for intervention_id, version in rows:
        update_intervention(session, intervention_id, actor_id=actor_id, version=version,
                            changes={"assigned_to": after}, now=now,
                            note="Moved with the client to its new owner.")  # fmt: skip
    return len(rows)


def _end_scores(session: Session, client_id: str, ended_at: dt.datetime) -> int:
    """Remove the client's scores of the days it is no longer scored on; recount those days."""
    first = ended_at.date()
    days = list(
        session.scalars(
            select(HealthScore.day).where(
                HealthScore.client_id == client_id, HealthScore.day >= first
            )
        )
    )
    if not days:
        return 0
    session.execute(
        delete(HealthScore).where(HealthScore.client_id == client_id, HealthScore.day >= first)
    )
    refresh_score_summaries(session, sorted(days))
    return len(days)


def client_changes(session: Session, client_id: str) -> list[dict[str, Any]]:
    """The client's record changes, newest first: at, author, changes (list of Change), note."""
    rows = session.execute(
        select(ClientChange.at, ClientChange.author, ClientChange.changes, ClientChange.note)
        .where(ClientChange.client_id == client_id)
        .order_by(ClientChange.at.desc(), ClientChange.id.desc())
    ).all()
    return [
        {
            "at": at,
            "author": author,
            "changes": [Change(**item) for item in json.loads(changes)],
            "note": note,
        }
        for at, author, changes, note in rows
    ]
