"""The new intervention form's view model: the chosen client's risk, the suggested priority, the check of the fields.

Decisions where DESIGN is silent:

- Choosing a client suggests a priority from its current risk level (critical
  urgent and high high, as the automatic interventions; medium medium, low
  low) and says why under the picker; the person can change it.
- The new-intervention form's "Notes and context" become the intervention's
  description.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from dashboard.tabs.interventions.fields import (
    FIELD_MESSAGES,
    TEXT_MAX,
    TITLE_MAX,
    DueError,
    parse_due,
)
from data.repositories import scores as scores_repo
from scoring.columns import PRIMARY_FACTOR, RISK_LEVEL, SCORE_INT
from scoring.enums import (
    InterventionType,
    Priority,
    RiskLevel,
)
from scoring.model import COMPONENT_BY_NAME
from scoring.rules import AUTO_ACTIONS

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
    """The form's values once checked: what ``services.interventions.create_intervention`` takes."""

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
