"""What both intervention dialogs check: due dates, field messages and the rules' refusals.

Decisions where DESIGN is silent:

- A due date picked without a time is due at 17:00 in the display zone (the
  end of a working day); with no date at all the rules' default applies
  (urgent 24 h, high 48 h, medium 7 days, low 30 days from creation), and the
  form spells it out for the chosen priority.
- The form checks what it can say beside a field before asking the rules
  (client, type, priority, a readable due date, a title of 1 to 200
  characters, notes up to 5,000); the rules' own refusals (an assignee who
  cannot take work, completing without an outcome) go beside their field too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from zoneinfo import ZoneInfo

import pandas as pd

from dashboard.services import interventions
from scoring.enums import (
    Priority,
)
from scoring.rules import default_due

DEFAULT_DUE_TIME = "17:00"


TITLE_MAX = 200


TEXT_MAX = 5000


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


def refusal(
    exc: interventions.InterventionError, fields: Mapping[str, str] = FORM_FIELDS
) -> tuple[str | None, str]:
    """Where a refusal of the rules goes (a form field, or None for the dialog) and what it says."""
    if exc.field:
        return fields.get(exc.field, exc.field), FIELD_MESSAGES.get(exc.field, exc.message)
    if exc.code == "version_conflict":
        return None, CONFLICT_MESSAGE
    return None, exc.message
