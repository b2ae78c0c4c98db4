"""The manage dialog's view model: one intervention, its history, and the changes the person made.

``manage_record`` reads the intervention through ``dashboard.services.interventions``
(the rules the REST API applies too).

Decisions where DESIGN is silent:

- The manage dialog's note is added to the history with its author and time,
  beside the lines the rules write for each change.
- A change in the manage dialog sends only the fields the person changed from
  what the dialog loaded, with the version it loaded: an untouched due date is
  never re-sent rounded to the minute.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy.orm import Session

from dashboard.formatting import local_time_text
from dashboard.services import interventions
from dashboard.tabs.interventions.fields import TEXT_MAX, DueError, local_due_fields, parse_due
from dashboard.tabs.interventions.view_model import SOURCE_LABELS, due_state
from scoring.enums import (
    ALLOWED_MOVES,
    InterventionStatus,
    InterventionType,
    Outcome,
    Priority,
    Source,
)

RESPONDED_CHOICES: dict[str, bool | None] = {"yes": True, "no": False, "unknown": None}


RESPONDED_LABELS: dict[str, str] = {"yes": "Yes", "no": "No", "unknown": "Not recorded"}


OUTCOME_HELP: dict[Outcome, str] = {
    Outcome.RESOLVED: "the issue was addressed",
    Outcome.UNRESOLVED: "reached the client, issue remains",
    Outcome.NO_RESPONSE: "the client did not answer",
}


@dataclass(frozen=True)
class NoteLine:
    author: str
    when: str
    body: str


@dataclass(frozen=True)
class ManageModel:
    """One intervention as the manage dialog shows and edits it."""

    id: int
    client_id: str
    client_name: str
    title: str
    description: str
    type_label: str
    source_label: str
    created_text: str
    status: InterventionStatus
    status_options: list[dict]
    loaded: dict[str, Any]  # what the form fields hold when the dialog opens, and the version
    due_text: str
    due_note: str
    due_tone: str
    notes: list[NoteLine]  # newest first
    last_change: str


def status_options(current: InterventionStatus) -> list[dict]:
    """The statuses the dialog offers: the current one and the moves the rules allow, but cancelling
    (which has its own button)."""
    offered = (ALLOWED_MOVES[current] - {InterventionStatus.CANCELLED}) | {current}
    return [
        {"label": status.label, "value": status.value}
        for status in InterventionStatus
        if status in offered
    ]


def _responded_value(value: object) -> str:
    if value is None or pd.isna(value):
        return "unknown"
    return "yes" if bool(value) else "no"


def manage_model(record: Mapping[str, Any], *, now: pd.Timestamp, zone: ZoneInfo) -> ManageModel:
    """The dialog's model of an ``intervention_record(..., with_notes=True)`` (pure)."""
    status = InterventionStatus(record["status"])
    due_date, due_time = local_due_fields(record["due_date"], zone)
    tone, note = due_state(record["due_date"], status.value, now=now)
    notes = [
        NoteLine(
            author=str(n.get("author_name") or "System"),
            when=local_time_text(n["created_at"], zone, now=now),
            body=str(n["body"]),
        )
        for n in reversed(record.get("notes", []))
    ]
    last = notes[0] if notes else None
    last_change = (
        f"Latest change: {last.author}, {last.when}."
        if last
        else f"Last updated {local_time_text(record['updated_at'], zone, now=now)}."
    )
    outcome = record.get("outcome")
    return ManageModel(
        id=int(record["id"]),
        client_id=str(record["client_id"]),
        client_name=str(record["client_name"]),
        title=str(record["title"]),
        description=str(record.get("description") or ""),
        type_label=InterventionType(record["type"]).label,
        source_label=SOURCE_LABELS[Source(record["source"])],
        created_text=local_time_text(record["created_at"], zone, now=now),
        status=status,
        status_options=status_options(status),
        loaded={
            "id": int(record["id"]),
            "version": int(record["version"]),
            "status": status.value,
            "priority": Priority(record["priority"]).value,
            "assigned_to": record.get("assigned_to"),
            "due_date": due_date,
            "due_time": due_time,
            "outcome": Outcome(outcome).value if outcome else None,
            "responded": _responded_value(record.get("client_responded")),
        },
        due_text=local_time_text(record["due_date"], zone, now=now),
        due_note=note,
        due_tone=tone,
        notes=notes,
        last_change=last_change,
    )


def manage_record(session: Session, intervention_id: int) -> dict[str, Any]:
    """The intervention with its notes, under the API's names (raises ``InterventionNotFound``)."""
    found = interventions.get_intervention(session, intervention_id, with_notes=True)
    return interventions.intervention_record(found, with_notes=True)


def manage_changes(
    loaded: Mapping[str, Any],
    *,
    status: str | None,
    priority: str | None,
    assignee: int | str | None,
    due_date: str | None,
    due_time: str | None,
    outcome: str | None,
    responded: str | None,
    zone: ZoneInfo,
) -> tuple[dict[str, Any], dict[str, str]]:
    """The changes to send (only fields that differ from ``loaded``) and a message per wrong field (pure)."""
    changes: dict[str, Any] = {}
    errors: dict[str, str] = {}
    if status and status != loaded["status"]:
        changes["status"] = InterventionStatus(status)
    if priority and priority != loaded["priority"]:
        changes["priority"] = Priority(priority)
    new_assignee = None if assignee in (None, "") else int(assignee)  # type: ignore[arg-type]
    if new_assignee != loaded["assigned_to"]:
        changes["assigned_to"] = new_assignee
    if (due_date or "")[:10] != loaded["due_date"] or (due_time or "") != loaded["due_time"]:
        if not due_date:
            errors["due"] = "An intervention needs a due date: pick one."
        else:
            try:
                changes["due_date"] = parse_due(due_date, due_time, zone=zone)
            except DueError as exc:
                errors["due"] = str(exc)
    completing = (status or loaded["status"]) == InterventionStatus.COMPLETED.value
    if completing and (outcome or None) != loaded["outcome"]:
        changes["outcome"] = Outcome(outcome) if outcome else None
    if completing and responded and responded != loaded["responded"]:
        changes["client_responded"] = RESPONDED_CHOICES[responded]
    return changes, errors


def check_note(note: str | None) -> tuple[str | None, str | None]:
    """``(note, error)``: the note trimmed (None when empty), or why it cannot be kept."""
    text = (note or "").strip()
    if len(text) > TEXT_MAX:
        return None, f"Keep the note to {TEXT_MAX:,} characters ({len(text):,} now)."
    return (text or None), None
