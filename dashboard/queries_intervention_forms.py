"""View models of the Interventions tab's dialogs: checking a new intervention, and one intervention's changes.

Pure functions (unit-tested) beside ``manage_record``, which reads one
intervention through ``dashboard.intervention_actions`` (the rules the REST API
applies too).

Decisions where DESIGN is silent:

- A due date picked without a time is due at 17:00 in the display zone (the
  end of a working day); with no date at all the rules' default applies
  (urgent 24 h, high 48 h, medium 7 days, low 30 days from creation), and the
  form spells it out for the chosen priority.
- Choosing a client suggests a priority from its current risk level (critical
  urgent and high high, as the automatic interventions; medium medium, low
  low) and says why under the picker; the person can change it.
- The new-intervention form's "Notes and context" become the intervention's
  description; the manage dialog's note is added to the history with its
  author and time, beside the lines the rules write for each change.
- A change in the manage dialog sends only the fields the person changed from
  what the dialog loaded, with the version it loaded: an untouched due date is
  never re-sent rounded to the minute.
- The form checks what it can say beside a field before asking the rules
  (client, type, priority, a readable due date, a title of 1 to 200
  characters, notes up to 5,000); the rules' own refusals (an assignee who
  cannot take work, completing without an outcome) go beside their field too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy.orm import Session

from dashboard import intervention_actions as actions
from dashboard.formatting import local_time_text
from dashboard.queries_interventions import SOURCE_LABELS, due_state
from data.repositories import scores as scores_repo
from scoring.columns import PRIMARY_FACTOR, RISK_LEVEL, SCORE_INT
from scoring.enums import (
    ALLOWED_MOVES,
    InterventionStatus,
    InterventionType,
    Outcome,
    Priority,
    RiskLevel,
    Source,
)
from scoring.model import COMPONENT_BY_NAME
from scoring.rules import AUTO_ACTIONS, default_due

DEFAULT_DUE_TIME = "17:00"
TITLE_MAX = 200
TEXT_MAX = 5000
RESPONDED_CHOICES: dict[str, bool | None] = {"yes": True, "no": False, "unknown": None}
RESPONDED_LABELS: dict[str, str] = {"yes": "Yes", "no": "No", "unknown": "Not recorded"}
OUTCOME_HELP: dict[Outcome, str] = {
    Outcome.RESOLVED: "the issue was addressed",
    Outcome.UNRESOLVED: "reached the client, issue remains",
    Outcome.NO_RESPONSE: "the client did not answer",
}

# What a person reads when the rules refuse a field (``InterventionError.field``).
FIELD_MESSAGES: dict[str, str] = {
    "client_id": "Choose a client from the list.",
    "assigned_to": "Choose an active admin or manager: viewers and former members cannot take work.",
    "outcome": "Choose an outcome to complete the intervention.",
}
# The form field beside which a refusal of the rules is shown.
FORM_FIELDS: dict[str, str] = {"client_id": "client", "assigned_to": "assignee"}
CONFLICT_MESSAGE = (
    "Someone else changed this intervention since you opened it, so nothing was saved. "
    "Reload it to see their change, then make yours again."
)


# -- due dates -------------------------------------------------------------------------


def default_due_text(priority: str | None, *, now: pd.Timestamp, zone: ZoneInfo) -> str:
    """What "no due date" means for ``priority``: "Leave empty for the default: due Thu 28 Nov 14:05 (48 h, high priority)"."""
    try:
        level = Priority(priority)
    except ValueError:
        return "Leave empty for the default due date of the priority."
    due = pd.Timestamp(default_due(level, now)).tz_convert(zone)
    hours = int((due - now).total_seconds() // 3600)
    span = f"{hours} hours" if hours <= 48 else f"{hours // 24} days"
    return (
        f"Leave empty for the default: {span} for {level.label.lower()} priority, "
        f"due {due:%a} {due.day} {due:%b %H:%M}."
    )


class DueError(ValueError):
    """A due date or time that cannot be read."""


def parse_due(date: str | None, time: str | None, *, zone: ZoneInfo) -> dt.datetime | None:
    """The UTC due time of a picked local date and time (17:00 without a time); None without a date."""
    if not date:
        return None
    try:
        day = dt.date.fromisoformat(str(date)[:10])
    except ValueError:
        raise DueError("Pick a date from the calendar.") from None
    try:
        clock = dt.time.fromisoformat((time or DEFAULT_DUE_TIME)[:5])
    except ValueError:
        raise DueError("Enter a time as HH:MM, or leave it empty for 17:00.") from None
    return dt.datetime.combine(day, clock, tzinfo=zone).astimezone(dt.UTC)


def local_due_fields(due: dt.datetime, zone: ZoneInfo) -> tuple[str, str]:
    """``(date, time)`` of a UTC due time in ``zone``, as the date picker and time box take them."""
    local = pd.Timestamp(due).tz_convert(zone)
    return local.date().isoformat(), f"{local:%H:%M}"


# -- the new-intervention form ---------------------------------------------------------

# The priority the form suggests for a client's current risk level: the automatic
# interventions' for high and critical (``scoring.rules.AUTO_ACTIONS``), the same word below.
SUGGESTED_PRIORITY: dict[RiskLevel, Priority] = {
    RiskLevel.CRITICAL: AUTO_ACTIONS[RiskLevel.CRITICAL][1],
    RiskLevel.HIGH: AUTO_ACTIONS[RiskLevel.HIGH][1],
    RiskLevel.MEDIUM: Priority.MEDIUM,
    RiskLevel.LOW: Priority.LOW,
}


@dataclass(frozen=True)
class ClientRisk:
    """A client's latest stored score, for the form's hint and suggested priority."""

    score: int
    level: RiskLevel
    day: dt.date
    factor: str | None


def client_risk(session: Session, client_id: str) -> ClientRisk | None:
    """The client's score on the latest score day, or None when it was not scored that day."""
    day = scores_repo.latest_score_day(session)
    if day is None:
        return None
    found = scores_repo.scores_on(session, day, client_ids=[client_id])
    if found.empty:
        return None
    row = found.iloc[0]
    factor = row.get(PRIMARY_FACTOR)
    return ClientRisk(
        score=int(row[SCORE_INT]),
        level=RiskLevel(row[RISK_LEVEL]),
        day=day,
        factor=COMPONENT_BY_NAME[factor].label if factor in COMPONENT_BY_NAME else None,
    )


def client_hint(risk: ClientRisk | None) -> tuple[str, Priority | None]:
    """The line under the client picker and the priority it suggests (pure)."""
    if risk is None:
        return "Not scored on the latest score day: choose the priority yourself.", None
    priority = SUGGESTED_PRIORITY[risk.level]
    text = f"{risk.level.label} risk, score {risk.score} on {risk.day.day} {risk.day:%b}"
    if risk.factor:
        text += f", main factor {risk.factor.lower()}"
    return f"{text}: {priority.label.lower()} priority suggested.", priority


@dataclass(frozen=True)
class NewIntervention:
    """The form's values once checked: what ``intervention_actions.create_intervention`` takes."""

    client_id: str
    type: InterventionType
    priority: Priority
    assigned_to: int | None
    due_date: dt.datetime | None
    title: str
    description: str


def check_new(
    *,
    client: str | None,
    type: str | None,
    priority: str | None,
    assignee: int | str | None,
    due_date: str | None,
    due_time: str | None,
    title: str | None,
    notes: str | None,
    zone: ZoneInfo,
) -> tuple[NewIntervention | None, dict[str, str]]:
    """The checked values, or None and a message per field that is missing or wrong (pure)."""
    errors: dict[str, str] = {}
    if not client:
        errors["client"] = "Choose the client this intervention is for."
    try:
        kind = InterventionType(type)
    except ValueError:
        kind = None
        errors["type"] = "Choose a type."
    try:
        level = Priority(priority)
    except ValueError:
        level = None
        errors["priority"] = "Choose a priority."
    assigned = None
    if assignee not in (None, ""):
        try:
            assigned = int(assignee)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            errors["assignee"] = FIELD_MESSAGES["assigned_to"]
    try:
        due = parse_due(due_date, due_time, zone=zone)
    except DueError as exc:
        due = None
        errors["due"] = str(exc)
    clean_title = " ".join((title or "").split())
    if not clean_title:
        errors["title"] = "Give the intervention a short title."
    elif len(clean_title) > TITLE_MAX:
        errors["title"] = f"Keep the title to {TITLE_MAX} characters ({len(clean_title)} now)."
    description = (notes or "").strip()
    if len(description) > TEXT_MAX:
        errors["notes"] = f"Keep the notes to {TEXT_MAX:,} characters ({len(description):,} now)."
    if errors:
        return None, errors
    return (
        NewIntervention(
            client_id=str(client),
            type=kind,  # type: ignore[arg-type]
            priority=level,  # type: ignore[arg-type]
            assigned_to=assigned,
            due_date=due,
            title=clean_title,
            description=description,
        ),
        {},
    )


def refusal(
    exc: actions.InterventionError, fields: Mapping[str, str] = FORM_FIELDS
) -> tuple[str | None, str]:
    """Where a refusal of the rules goes (a form field, or None for the dialog) and what it says."""
    if exc.field:
        return fields.get(exc.field, exc.field), FIELD_MESSAGES.get(exc.field, exc.message)
    if exc.code == "version_conflict":
        return None, CONFLICT_MESSAGE
    return None, exc.message


# -- the manage dialog -----------------------------------------------------------------


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
    found = actions.get_intervention(session, intervention_id, with_notes=True)
    return actions.intervention_record(found, with_notes=True)


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
