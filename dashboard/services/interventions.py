"""Creating, changing and cancelling interventions by hand, with the rules of DESIGN 6.

Shared by the REST API and the Interventions tab, so both apply the same
rules. Each function works in the caller's session and flushes; the caller
commits. Failures raise ``InterventionError`` subclasses:

- ``InvalidInput`` (a field is wrong: unknown client, assignee who cannot
  take work, completing without an outcome);
- ``InterventionNotFound``;
- ``InterventionConflict``: the ``version`` given is not the current one
  (``version_conflict``), the status move is not allowed
  (``invalid_transition``), or the intervention is completed or cancelled and
  the change is one a closed intervention cannot take (``intervention_closed``).

Rules where DESIGN is silent:

- A manual intervention's ``score_at_creation`` is the client's latest stored
  integer score (none when the client was never scored).
- The assignee must be an active admin or manager (viewers only read).
- A closed intervention still takes notes, ``client_responded`` and, when
  completed, a corrected ``outcome``; nothing else. A completed one keeps an
  outcome.
- Values equal to the current ones (times to the second) are not changes:
  sending back the record as read, with a new note, only adds the note.
- Every change of status, priority, assignee or due date is written to the
  history as a note by whoever made it, beside any note they add; any change
  (a note included) moves ``updated_at`` and the ``version`` on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from sqlalchemy import ColumnElement, func, not_, select
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from data.models import Client, HealthScore, Intervention, InterventionNote, User, utcnow
from data.repositories import interventions as interventions_repo
from scoring.enums import (
    ALLOWED_MOVES,
    OPEN_STATUSES,
    InterventionStatus,
    InterventionType,
    Outcome,
    Priority,
    Role,
    Source,
)
from scoring.health import round_half_up
from scoring.rules import default_due

EDITABLE_FIELDS = (
    "status", "priority", "assigned_to", "due_date", "title", "description", "outcome",
    "client_responded",
)  # fmt: skip
LOGGED_FIELDS = ("status", "priority", "assigned_to", "due_date")
SORT_KEYS = ("queue", "due_date", "priority", "created_at", "updated_at")


class InterventionError(Exception):
    """An intervention cannot be created or changed as asked; ``message`` says why, for a person."""

    code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        code: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code or self.code
        self.details = details


class InvalidInput(InterventionError):
    code = "invalid_value"


class InterventionNotFound(InterventionError):
    code = "not_found"


class InterventionConflict(InterventionError):
    code = "conflict"


# --------------------------------------------------------------------------- reading


def get_intervention(
    session: Session, intervention_id: int, *, with_notes: bool = False
) -> Intervention:
    """The intervention with this id, its client and assignee loaded; raises InterventionNotFound."""
    options = [joinedload(Intervention.client), joinedload(Intervention.assignee)]
    if with_notes:
        options.append(selectinload(Intervention.notes).joinedload(InterventionNote.author))
    found = session.scalar(
        select(Intervention).where(Intervention.id == intervention_id).options(*options)
    )
    if found is None:
        raise InterventionNotFound(f"There is no intervention {intervention_id}.")
    return found


def is_overdue(intervention: Intervention, now: dt.datetime | None = None) -> bool:
    """Open and past its due date at ``now``."""
    return intervention.status in OPEN_STATUSES and intervention.due_date < (now or utcnow())


def intervention_record(
    intervention: Intervention, *, now: dt.datetime | None = None, with_notes: bool = False
) -> dict[str, Any]:
    """The intervention under the names of DESIGN 8 (``notes`` too when ``with_notes``)."""
    record = {
        "id": intervention.id,
        "client_id": intervention.client_id,
        "client_name": intervention.client.name,
        "type": intervention.type,
        "priority": intervention.priority,
        "status": intervention.status,
        "title": intervention.title,
        "description": intervention.description or "",
        "assigned_to": intervention.assigned_to,
        "assigned_to_name": intervention.assignee.name if intervention.assignee else None,
        "due_date": intervention.due_date,
        "overdue": is_overdue(intervention, now),
        "source": intervention.source,
        "created_by": intervention.created_by,
        "created_at": intervention.created_at,
        "updated_at": intervention.updated_at,
        "started_at": intervention.started_at,
        "completed_at": intervention.completed_at,
        "cancelled_at": intervention.cancelled_at,
        "outcome": intervention.outcome,
        "client_responded": intervention.client_responded,
        "score_at_creation": intervention.score_at_creation,
        "version": intervention.version,
    }
    if with_notes:
        record["notes"] = [
            {
                "id": note.id,
                "author": note.author.name if note.author else None,
                "author_id": note.author_id,
                "author_name": note.author.name if note.author else None,
                "body": note.body,
                "created_at": note.created_at,
            }
            for note in sorted(intervention.notes, key=lambda n: (n.created_at, n.id or 0))
        ]
    return record


def list_interventions(
    session: Session,
    *,
    status: InterventionStatus | None = None,
    priority: Priority | None = None,
    type: InterventionType | None = None,
    source: Source | None = None,
    assigned_to: int | None = None,
    client_id: str | None = None,
    overdue: bool | None = None,
    sort_by: Literal["queue", "due_date", "priority", "created_at", "updated_at"] = "queue",
    sort_order: Literal["asc", "desc"] = "asc",
    page: int = 1,
    limit: int = 20,
    now: dt.datetime | None = None,
) -> tuple[list[Intervention], int]:
    """One page of interventions matching the filters, and how many match.

    ``sort_by="queue"`` is the queue order (``data.repositories.interventions.queue_order``):
    priority (urgent first), overdue first, due date, id; ``priority`` ascending
    is urgent first too. ``desc`` reverses the order. Ties go by id.
    """
    if sort_by not in SORT_KEYS:
        raise ValueError(f"sort_by must be one of {', '.join(SORT_KEYS)}")
    now = now or utcnow()
    conditions: list[ColumnElement[bool]] = []
    for column, wanted in (
        (Intervention.status, status),
        (Intervention.priority, priority),
        (Intervention.type, type),
        (Intervention.source, source),
        (Intervention.assigned_to, assigned_to),
        (Intervention.client_id, client_id),
    ):
        if wanted is not None:
            conditions.append(column == wanted)
    if overdue is not None:
        conditions.append(
            interventions_repo.is_overdue(now)
            if overdue
            else not_(interventions_repo.is_overdue(now))
        )

    total = session.scalar(select(func.count(Intervention.id)).where(*conditions)) or 0
    keys = {
        "queue": interventions_repo.queue_order(now),
        "priority": interventions_repo.queue_order(now),
        "due_date": [Intervention.due_date, Intervention.id],
        "created_at": [Intervention.created_at, Intervention.id],
        "updated_at": [Intervention.updated_at, Intervention.id],
    }[sort_by]
    order = [key.desc() if sort_order == "desc" else key.asc() for key in keys]
    stmt = (
        select(Intervention)
        .where(*conditions)
        .options(joinedload(Intervention.client), joinedload(Intervention.assignee))
        .order_by(*order)
        .offset((page - 1) * limit)
        .limit(limit)
    )
    return list(session.scalars(stmt)), total


# --------------------------------------------------------------------------- writing


def _check_assignee(session: Session, user_id: int | None) -> None:
    if user_id is None:
        return
    user = session.get(User, user_id)
    if user is None or not user.active or user.role == Role.VIEWER:
        raise InvalidInput(
            "assigned_to must be the user id of an active admin or manager.", field="assigned_to"
        )


def latest_integer_score(session: Session, client_id: str) -> float | None:
    """The client's latest stored score as shown (integer, round half up), or None."""
    overall = session.scalar(
        select(HealthScore.overall)
        .where(HealthScore.client_id == client_id, HealthScore.overall.is_not(None))
        .order_by(HealthScore.day.desc())
        .limit(1)
    )
    return None if overall is None else float(round_half_up(overall))


def create_intervention(
    session: Session,
    *,
    actor_id: int | None,
    client_id: str,
    type: InterventionType | str,
    title: str,
    priority: Priority | str = Priority.MEDIUM,
    description: str = "",
    assigned_to: int | None = None,
    due_date: dt.datetime | None = None,
    note: str | None = None,
    now: dt.datetime | None = None,
) -> Intervention:
    """Add a pending manual intervention; the due date defaults by priority (``scoring.rules.default_due``)."""
    now = now or utcnow()
    client = session.get(Client, client_id)
    if client is None:
        raise InvalidInput("client_id is not the id of a client.", field="client_id")
    _check_assignee(session, assigned_to)
    priority = Priority(priority)
    if due_date is None:
        due_date = default_due(priority, now).to_pydatetime()
    intervention = Intervention(
        client=client,
        type=InterventionType(type),
        priority=priority,
        status=InterventionStatus.PENDING,
        title=title,
        description=description,
        assigned_to=assigned_to,
        due_date=due_date,
        source=Source.MANUAL,
        created_by=actor_id,
        created_at=now,
        updated_at=now,
        score_at_creation=latest_integer_score(session, client_id),
    )
    session.add(intervention)
    if note:
        intervention.notes.append(InterventionNote(author_id=actor_id, body=note, created_at=now))
    session.flush()
    return get_intervention(session, intervention.id, with_notes=True)


def update_intervention(
    session: Session,
    intervention_id: int,
    *,
    actor_id: int | None,
    version: int,
    changes: Mapping[str, Any],
    note: str | None = None,
    now: dt.datetime | None = None,
) -> Intervention:
    """Apply ``changes`` (any of ``EDITABLE_FIELDS``) and append ``note``, if ``version`` is current."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {', '.join(sorted(unknown))}")
    now = now or utcnow()
    intervention = get_intervention(session, intervention_id, with_notes=True)
    _check_version(intervention, version)
    effective = {
        name: value
        for name, value in changes.items()
        if not _same(getattr(intervention, name), value)
    }
    current = intervention.status

    if "status" in effective:
        target = InterventionStatus(effective["status"])
        if target not in ALLOWED_MOVES[current]:
            allowed = sorted(status.value for status in ALLOWED_MOVES[current])
            raise InterventionConflict(
                f"An intervention cannot go from {current.label.lower()} to {target.label.lower()}"
                + (f"; it can go to {', '.join(allowed)}." if allowed else "; it is closed."),
                code="invalid_transition",
                details={"from": current.value, "to": target.value, "allowed": allowed},
            )
    if current.is_final:
        allowed_after = {"client_responded"} | (
            {"outcome"} if current == InterventionStatus.COMPLETED else set()
        )
        refused = sorted(set(effective) - allowed_after)
        if refused:
            raise InterventionConflict(
                f"This intervention is {current.value}: {', '.join(refused)} can no longer change.",
                code="intervention_closed",
                details={"status": current.value, "fields": refused},
            )
    final_status = InterventionStatus(effective.get("status", current))
    final_outcome = effective.get("outcome", intervention.outcome)
    if final_status == InterventionStatus.COMPLETED and final_outcome is None:
        raise InvalidInput("outcome is required to complete an intervention.", field="outcome")
    if "assigned_to" in effective:
        _check_assignee(session, effective["assigned_to"])

    history = _history_line(session, intervention, effective)
    for name, value in effective.items():
        setattr(intervention, name, value)
    if "status" in effective:
        _stamp_status(intervention, final_status, now)
    if not effective and not note:
        return intervention
    for body in (history, note):
        if body:
            intervention.notes.append(
                InterventionNote(author_id=actor_id, body=body, created_at=now)
            )
    intervention.updated_at = now
    _flush(session, intervention)
    if "assigned_to" in effective:
        session.expire(intervention, ["assignee"])  # loaded for the old assignee
    return intervention


def cancel_intervention(
    session: Session,
    intervention_id: int,
    *,
    actor_id: int | None,
    version: int | None = None,
    note: str | None = None,
    now: dt.datetime | None = None,
) -> Intervention:
    """Cancel an open intervention and keep it; conflicts when it is already closed or ``version`` is stale."""
    now = now or utcnow()
    intervention = get_intervention(session, intervention_id, with_notes=True)
    if version is not None:
        _check_version(intervention, version)
    if intervention.status.is_final:
        raise InterventionConflict(
            f"This intervention is already {intervention.status.value}.",
            code="intervention_closed",
            details={"status": intervention.status.value},
        )
    history = _history_line(session, intervention, {"status": InterventionStatus.CANCELLED})
    intervention.status = InterventionStatus.CANCELLED
    _stamp_status(intervention, InterventionStatus.CANCELLED, now)
    for body in (history, note):
        if body:
            intervention.notes.append(
                InterventionNote(author_id=actor_id, body=body, created_at=now)
            )
    intervention.updated_at = now
    _flush(session, intervention)
    return intervention


def _check_version(intervention: Intervention, version: int) -> None:
    if intervention.version != version:
        raise InterventionConflict(
            f"The intervention was changed since version {version} was read; "
            f"version {intervention.version} is current. Read it again and retry.",
            code="version_conflict",
            details={"current_version": intervention.version},
        )


def _same(current: Any, given: Any) -> bool:
    """Whether a given value is the current one; times to the second, as the API shows them."""
    if isinstance(current, dt.datetime) and isinstance(given, dt.datetime):
        return current.replace(microsecond=0) == given.replace(microsecond=0)
    return current == given


def _stamp_status(intervention: Intervention, status: InterventionStatus, now: dt.datetime) -> None:
    if status == InterventionStatus.IN_PROGRESS:
        intervention.started_at = intervention.started_at or now
    elif status == InterventionStatus.COMPLETED:
        intervention.completed_at = now
    elif status == InterventionStatus.CANCELLED:
        intervention.cancelled_at = now


def _flush(session: Session, intervention: Intervention) -> None:
    """Write the change; another writer's simultaneous change is a conflict with the version now current."""
    intervention_id = intervention.id
    try:
        session.flush()
    except StaleDataError:
        # This session's transaction is spent: the version is read on a connection of its own.
        with session.get_bind().connect() as connection:
            current = connection.scalar(
                select(Intervention.version).where(Intervention.id == intervention_id)
            )
        raise InterventionConflict(
            "The intervention was changed by someone else at the same time. Read it again and retry.",
            code="version_conflict",
            details={"current_version": current},
        ) from None


def _user_name(session: Session, user_id: int | None) -> str:
    if user_id is None:
        return "nobody"
    user = session.get(User, user_id)
    return user.name if user else f"user {user_id}"


def _when(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _history_line(
    session: Session, intervention: Intervention, effective: Mapping[str, Any]
) -> str:
    """One sentence saying what changed among ``LOGGED_FIELDS``, or "" when none did."""
    parts: list[str] = []
    if "status" in effective:
        before, after = intervention.status, InterventionStatus(effective["status"])
        parts.append(f"Status {before.label.lower()} → {after.label.lower()}")
    if "priority" in effective:
        before, after = intervention.priority, Priority(effective["priority"])
        parts.append(f"priority {before.value} → {after.value}")
    if "assigned_to" in effective:
        parts.append(
            f"assignee {_user_name(session, intervention.assigned_to)} → "
            f"{_user_name(session, effective['assigned_to'])}"
        )
    if "due_date" in effective:
        parts.append(f"due {_when(intervention.due_date)} → {_when(effective['due_date'])}")
    if "outcome" in effective and effective["outcome"] is not None:
        parts.append(f"outcome {Outcome(effective['outcome']).label.lower()}")
    if not parts:
        return ""
    sentence = "; ".join(parts)
    return sentence[:1].upper() + sentence[1:] + "."


def intervention_records(
    interventions: Iterable[Intervention], *, now: dt.datetime | None = None
) -> list[dict[str, Any]]:
    """``intervention_record`` of each, without notes, judged overdue at one ``now``."""
    now = now or utcnow()
    return [intervention_record(item, now=now) for item in interventions]
