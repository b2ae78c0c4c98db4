"""View models of the Interventions tab's queue: its filters, its page and counts, the export, the choices.

Pure functions on DataFrames and plain values (unit-tested on hand-made rows)
beside ``queue_*`` and ``*_choices`` functions that read through
``data.repositories``. The two dialogs' models are in
``fields``, ``form/view_model`` and ``manage/view_model``.

The queue's state lives in the URL, next to the other tabs' (``ViewState.extra``):
``status`` (comma-separated values, or ``all``; default the open ones),
``priority``, ``type`` (comma-separated), ``assignee`` (a user id), ``source``
(``manual``/``auto``), ``mine=1``, ``overdue=1`` and ``ipage`` (the queue's
page, apart from Risk Segments' ``page``). ``iv=<id>`` opens an intervention in
the manage dialog; ``new=1`` (with ``client=<id>`` to prefill the client, as the
client detail's "New intervention" link does) opens the new-intervention form.

Decisions where DESIGN is silent:

- The queue shows the open interventions (pending and in progress) unless the
  status filter says otherwise; "All statuses" lists closed ones too.
- "Due soon" is open, not overdue and due within the next 48 hours (the high
  priority's response time). The counts above the queue (open, overdue, due
  soon) cover every page of the filtered queue.
- "Mine" is the signed-in member's work; the export is every page of the
  filtered queue, in queue order, with times in the display zone; it is
  written by ``dashboard.services.safe_csv`` like every CSV file of the
  product (a text cell that would start a formula gets a ``'`` in front).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy.orm import Session

from dashboard.formatting import local_time_text
from dashboard.services.safe_csv import csv_bytes
from dashboard.view_state import MAX_PAGE, ViewState
from data.repositories import clients as clients_repo
from data.repositories import interventions as interventions_repo
from data.repositories import users as users_repo
from scoring.enums import (
    OPEN_STATUSES,
    InterventionStatus,
    InterventionType,
    Outcome,
    Priority,
    Role,
    Source,
)

PAGE_SIZE = 10
DUE_SOON = pd.Timedelta(hours=48)
CLIENT_OPTIONS_LIMIT = 30
EXPORT_LIMIT = 100_000

ALL = "all"
URL_PARAMS = ("status", "priority", "type", "assignee", "source", "mine", "overdue", "ipage")
OPEN_PARAM = "iv"
NEW_PARAM = "new"

SOURCE_LABELS: dict[Source, str] = {Source.MANUAL: "Manual", Source.AUTO: "Automatic"}
WRITE_REFUSED = "Your role can view interventions but not change them."

# The status filter's choices: the open ones (the default), each status alone, or all.
STATUS_CHOICES: dict[str, tuple[InterventionStatus, ...]] = {
    "open": OPEN_STATUSES,
    **{status.value: (status,) for status in InterventionStatus},
    ALL: (),
}
STATUS_CHOICE_LABELS: dict[str, str] = {
    "open": "Open",
    **{status.value: status.label for status in InterventionStatus},
    ALL: "All statuses",
}


def status_choice(statuses: tuple[InterventionStatus, ...]) -> str:
    """The status filter's choice for ``statuses``: a key of ``STATUS_CHOICES``, else their values joined."""
    for key, members in STATUS_CHOICES.items():
        if set(members) == set(statuses) and len(members) == len(statuses):
            return key
    return ",".join(s.value for s in statuses)


def statuses_of_choice(choice: str | None) -> tuple[InterventionStatus, ...]:
    """The statuses of a status-filter choice (the open ones when it is unknown)."""
    if choice in STATUS_CHOICES:
        return STATUS_CHOICES[choice]
    return _choices(InterventionStatus, choice) or OPEN_STATUSES


def status_filter_options(statuses: tuple[InterventionStatus, ...]) -> list[dict]:
    """The status filter's options, with the URL's own combination when it is none of them."""
    options = [{"label": label, "value": key} for key, label in STATUS_CHOICE_LABELS.items()]
    current = status_choice(statuses)
    if current not in STATUS_CHOICES:
        options.append({"label": " or ".join(s.label for s in statuses), "value": current})
    return options


def _choices(enum: type, raw: str | None) -> tuple:
    wanted = {part.strip().lower() for part in (raw or "").split(",")}
    return tuple(member for member in enum if member.value in wanted)


def _positive(raw: str | None) -> int | None:
    try:
        number = int(raw) if raw else None
    except ValueError:
        return None
    return number if number is not None and number >= 1 else None


@dataclass(frozen=True)
class QueueFilters:
    """The queue's filters and page, read from and written to the URL (module docstring)."""

    statuses: tuple[InterventionStatus, ...] = OPEN_STATUSES
    priorities: tuple[Priority, ...] = ()
    types: tuple[InterventionType, ...] = ()
    assignee: int | None = None
    source: Source | None = None
    mine: bool = False
    overdue_only: bool = False
    page: int = 1

    @classmethod
    def from_state(cls, state: ViewState) -> QueueFilters:
        """The filters of the URL's view state; anything malformed is ignored."""
        params = dict(state.extra)
        raw_status = params.get("status")
        if raw_status is None:
            statuses: tuple[InterventionStatus, ...] = OPEN_STATUSES
        elif raw_status == ALL:
            statuses = ()
        else:
            statuses = _choices(InterventionStatus, raw_status) or OPEN_STATUSES
        try:
            source = Source(params["source"]) if params.get("source") else None
        except ValueError:
            source = None
        return cls(
            statuses=statuses,
            priorities=_choices(Priority, params.get("priority")),
            types=_choices(InterventionType, params.get("type")),
            assignee=_positive(params.get("assignee")),
            source=source,
            mine=params.get("mine") == "1",
            overdue_only=params.get("overdue") == "1",
            page=min(_positive(params.get("ipage")) or 1, MAX_PAGE),
        )

    def params(self) -> list[tuple[str, str]]:
        """The URL parameters of these filters, only those that differ from the defaults."""
        out: list[tuple[str, str]] = []
        if self.statuses != OPEN_STATUSES:
            out.append(
                ("status", ",".join(s.value for s in self.statuses) if self.statuses else ALL)
            )
        if self.priorities:
            out.append(("priority", ",".join(p.value for p in self.priorities)))
        if self.types:
            out.append(("type", ",".join(t.value for t in self.types)))
        if self.assignee is not None:
            out.append(("assignee", str(self.assignee)))
        if self.source is not None:
            out.append(("source", self.source.value))
        if self.mine:
            out.append(("mine", "1"))
        if self.overdue_only:
            out.append(("overdue", "1"))
        if self.page != 1:
            out.append(("ipage", str(self.page)))
        return out

    def apply_to(self, state: ViewState) -> ViewState:
        """``state`` with these filters in its URL parameters (other tabs' parameters kept)."""
        kept = tuple((k, v) for k, v in state.extra if k not in URL_PARAMS)
        return state.replace(extra=(*kept, *self.params()))

    def replace(self, **changes: Any) -> QueueFilters:
        return dataclasses.replace(self, **changes)

    @property
    def has_filters(self) -> bool:
        """True when anything but the default (open interventions, everyone's) is asked for."""
        return self.replace(page=1) != QueueFilters()


def url_param(state: ViewState, name: str) -> str | None:
    """One of the tab's own parameters (``iv``, ``new``) of the URL's view state."""
    return dict(state.extra).get(name)


def without_params(state: ViewState, *names: str) -> ViewState:
    """``state`` without the extra parameters ``names``."""
    return state.replace(extra=tuple((k, v) for k, v in state.extra if k not in names))


def with_param(state: ViewState, name: str, value: str | None) -> ViewState:
    """``state`` with the extra parameter ``name`` set to ``value`` (removed when None)."""
    rest = without_params(state, name)
    return rest if value is None else rest.replace(extra=(*rest.extra, (name, value)))


def effective_assignee(filters: QueueFilters, user_id: int | None) -> int | None:
    """The assignee the queue is narrowed to: the signed-in member for "mine", else the filter's."""
    if filters.mine and user_id is not None:
        return user_id
    return filters.assignee


def filters_text(filters: QueueFilters, member_names: Mapping[int, str]) -> str:
    """The filters in words, for the queue's header (pure)."""
    if not filters.statuses:
        parts = ["all statuses"]
    elif filters.statuses == OPEN_STATUSES:
        parts = ["open"]
    else:
        parts = [" or ".join(s.label.lower() for s in filters.statuses)]
    if filters.priorities:
        parts.append(" or ".join(p.label.lower() for p in filters.priorities) + " priority")
    if filters.types:
        parts.append(" or ".join(t.label.lower() for t in filters.types))
    if filters.mine:
        parts.append("assigned to me")
    elif filters.assignee is not None:
        parts.append(f"assigned to {member_names.get(filters.assignee, 'a former member')}")
    if filters.source is not None:
        parts.append(SOURCE_LABELS[filters.source].lower() + " only")
    if filters.overdue_only:
        parts.append("overdue only")
    return " · ".join(parts) + " · priority, then due date"


# -- the queue -------------------------------------------------------------------------


def due_state(
    due: pd.Timestamp | dt.datetime | None, status: str, *, now: pd.Timestamp
) -> tuple[str, str]:
    """``(tone, words)`` of a due date: ``overdue``/``soon``/``later``/``closed`` and e.g. "overdue by 2 days"."""
    if due is None or pd.isna(due):
        return "later", ""
    if InterventionStatus(status) not in OPEN_STATUSES:
        return "closed", ""
    left = pd.Timestamp(due) - now
    if left < pd.Timedelta(0):
        return "overdue", f"overdue by {_span(-left)}"
    if left <= DUE_SOON:
        return "soon", f"due in {_span(left)}"
    return "later", f"in {_span(left)}"


def _span(delta: pd.Timedelta) -> str:
    """A duration in the largest whole unit: "40 min", "5 h", "3 days"."""
    minutes = delta.total_seconds() / 60
    if minutes < 60:
        return f"{max(1, math.floor(minutes))} min"
    hours = minutes / 60
    if hours < 48:
        return f"{math.floor(hours)} h"
    days = math.floor(hours / 24)
    return f"{days} days"


@dataclass(frozen=True)
class QueueRow:
    """One intervention as the queue shows it; every value ready to show."""

    id: int
    client_id: str
    client_name: str
    title: str
    type_label: str
    priority: str
    priority_label: str
    status: str
    status_label: str
    assignee: str
    due_text: str
    due_note: str
    due_tone: str
    source_label: str
    outcome_label: str


def queue_rows(frame: pd.DataFrame, *, now: pd.Timestamp, zone: ZoneInfo) -> list[QueueRow]:
    """The rows of a page of ``intervention_queue`` as the table shows them (pure)."""
    rows = []
    for record in frame.to_dict("records"):
        status = str(record["status"])
        tone, note = due_state(record.get("due_date"), status, now=now)
        assignee = record.get("assigned_to_name")
        outcome = record.get("outcome")
        rows.append(
            QueueRow(
                id=int(record["id"]),
                client_id=str(record["client_id"]),
                client_name=str(record["client_name"]),
                title=str(record["title"]),
                type_label=InterventionType(record["type"]).label,
                priority=str(record["priority"]),
                priority_label=Priority(record["priority"]).label,
                status=status,
                status_label=InterventionStatus(status).label,
                assignee=str(assignee) if isinstance(assignee, str) else "Unassigned",
                due_text=local_time_text(record.get("due_date"), zone, now=now),
                due_note=note,
                due_tone=tone,
                source_label=SOURCE_LABELS[Source(record["source"])],
                outcome_label=Outcome(outcome).label if isinstance(outcome, str) else "",
            )
        )
    return rows


@dataclass(frozen=True)
class QueueCounts:
    """Open, overdue and due-soon interventions of the filtered queue, over every page."""

    open: int
    overdue: int
    due_soon: int


def queue_counts(
    open_frame: pd.DataFrame,
    filters: QueueFilters,
    *,
    user_id: int | None,
    now: pd.Timestamp,
) -> QueueCounts:
    """The counts of the open interventions ``open_frame`` that the filters keep (pure)."""
    wanted = set(filters.statuses or OPEN_STATUSES) & set(OPEN_STATUSES)
    keep = open_frame["status"].isin([s.value for s in wanted])
    for column, values in (
        ("priority", filters.priorities),
        ("type", filters.types),
    ):
        if values:
            keep &= open_frame[column].isin([v.value for v in values])
    if filters.source is not None:
        keep &= open_frame["source"].eq(filters.source.value)
    assignee = effective_assignee(filters, user_id)
    if assignee is not None:
        keep &= open_frame["assigned_to"].eq(assignee).fillna(False).astype(bool)
    kept = open_frame[keep]
    due = pd.to_datetime(kept["due_date"], utc=True)
    overdue = due < now
    if filters.overdue_only:
        kept, due, overdue = kept[overdue], due[overdue], overdue[overdue]
    soon = ~overdue & (due - now <= DUE_SOON)
    return QueueCounts(open=len(kept), overdue=int(overdue.sum()), due_soon=int(soon.sum()))


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    total: int
    page: int
    pages: int
    counts: QueueCounts

    @property
    def summary(self) -> str:
        if self.total == 0:
            return "No interventions match these filters"
        first = (self.page - 1) * PAGE_SIZE + 1
        last = first + len(self.rows) - 1
        return f"Interventions {first:,}–{last:,} of {self.total:,}"


def _queue_filters(filters: QueueFilters, user_id: int | None) -> dict[str, Any]:
    return {
        "status": list(filters.statuses) or None,
        "priority": list(filters.priorities) or None,
        "type": [t.value for t in filters.types] or None,
        "assigned_to": effective_assignee(filters, user_id),
        "source": filters.source.value if filters.source else None,
        "overdue": True if filters.overdue_only else None,
    }


def queue_page(
    session: Session,
    filters: QueueFilters,
    *,
    user_id: int | None,
    now: pd.Timestamp,
    zone: ZoneInfo,
) -> QueuePage:
    """The page of the queue the filters name (the last page when they name one past it), with counts."""
    when = now.to_pydatetime()
    criteria = _queue_filters(filters, user_id)
    frame, total = interventions_repo.intervention_queue(
        session, **criteria, now=when, page=filters.page, limit=PAGE_SIZE
    )
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = filters.page
    if page > pages:
        page = pages
        frame, total = interventions_repo.intervention_queue(
            session, **criteria, now=when, page=page, limit=PAGE_SIZE
        )
    counts = queue_counts(
        interventions_repo.open_interventions(session, now=when),
        filters,
        user_id=user_id,
        now=now,
    )
    return QueuePage(queue_rows(frame, now=now, zone=zone), total, page, pages, counts)


EXPORT_COLUMNS: dict[str, str] = {
    "id": "id",
    "client_id": "client_id",
    "client_name": "client",
    "title": "title",
    "type": "type",
    "priority": "priority",
    "status": "status",
    "assigned_to_name": "assignee",
    "due_date": "due",
    "overdue": "overdue",
    "source": "source",
    "created_at": "created",
    "started_at": "started",
    "completed_at": "completed",
    "cancelled_at": "cancelled",
    "outcome": "outcome",
    "client_responded": "client_responded",
    "description": "description",
}


def export_frame(frame: pd.DataFrame, *, zone: ZoneInfo) -> pd.DataFrame:
    """The queue's rows for the CSV export: times in ``zone`` as ``YYYY-MM-DD HH:MM``, in queue order (pure)."""
    out = frame[list(EXPORT_COLUMNS)].rename(columns=EXPORT_COLUMNS).copy()
    for column in ("due", "created", "started", "completed", "cancelled"):
        stamps = pd.to_datetime(out[column], utc=True).dt.tz_convert(zone)
        out[column] = stamps.dt.strftime("%Y-%m-%d %H:%M").where(stamps.notna(), "")
    out["overdue"] = out["overdue"].map({True: "yes", False: "no"})
    out["client_responded"] = out["client_responded"].map(
        lambda v: "" if pd.isna(v) else ("yes" if v else "no")
    )
    return out.fillna("")


def queue_export(
    session: Session,
    filters: QueueFilters,
    *,
    user_id: int | None,
    now: pd.Timestamp,
    zone: ZoneInfo,
) -> pd.DataFrame:
    """Every intervention of the filtered queue (all pages), in queue order, for the CSV export."""
    frame, _ = interventions_repo.intervention_queue(
        session, **_queue_filters(filters, user_id), now=now.to_pydatetime(), limit=EXPORT_LIMIT
    )
    return export_frame(frame, zone=zone)


def queue_export_csv(
    session: Session,
    filters: QueueFilters,
    *,
    user_id: int | None,
    now: pd.Timestamp,
    zone: ZoneInfo,
) -> bytes:
    """The CSV file of ``queue_export``, its text cells safe for spreadsheets (``csv_bytes``)."""
    return csv_bytes(queue_export(session, filters, user_id=user_id, now=now, zone=zone))


def export_filename(filters: QueueFilters, *, now: pd.Timestamp, zone: ZoneInfo) -> str:
    """``interventions-open-2026-11-26-1405.csv``: what and when, in the display zone."""
    local = now.tz_convert(zone)
    what = "filtered" if filters.has_filters else "open"
    return f"interventions-{what}-{local:%Y-%m-%d-%H%M}.csv"


# -- choices ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    id: int
    name: str
    open_interventions: int
    can_take_work: bool


def team_members(session: Session) -> list[Member]:
    """Every member who is or was able to take work (not viewers), by name."""
    team = users_repo.team_frame(session, include_inactive=True)
    members = []
    for row in team.to_dict("records"):
        if str(row["role"]) == Role.VIEWER.value:
            continue
        members.append(
            Member(
                id=int(row["id"]),
                name=str(row["name"]),
                open_interventions=int(row["open_interventions"]),
                can_take_work=bool(row["active"]),
            )
        )
    return members


def assignee_options(members: Sequence[Member], *, current: int | None = None) -> list[dict]:
    """Who can be assigned: active admins and managers with their open work (and ``current`` as it is)."""
    options = [
        {"label": f"{m.name} ({m.open_interventions} open)", "value": m.id}
        for m in members
        if m.can_take_work
    ]
    if current is not None and all(o["value"] != current for o in options):
        name = next((m.name for m in members if m.id == current), "a former member")
        options.append(
            {"label": f"{name} (cannot take new work)", "value": current, "disabled": True}
        )
    return options


def assignee_filter_options(members: Sequence[Member]) -> list[dict]:
    """Everyone who can hold interventions, former members marked."""
    return [
        {"label": m.name if m.can_take_work else f"{m.name} (former)", "value": m.id}
        for m in members
    ]


def client_options(
    names: pd.DataFrame, search: str | None, *, selected: str | None = None
) -> list[dict]:
    """At most ``CLIENT_OPTIONS_LIMIT`` clients whose name contains ``search``, the ``selected`` one first (pure)."""
    text = (search or "").strip().lower()
    hits = names
    if text:
        hits = names[names["name"].str.lower().str.contains(text, regex=False)]
    options = [
        {"label": str(row.name), "value": str(row.client_id)}
        for row in hits.head(CLIENT_OPTIONS_LIMIT).itertuples(index=False)
    ]
    if selected and all(o["value"] != selected for o in options):
        match = names[names["client_id"] == selected]
        if len(match):
            options.insert(0, {"label": str(match["name"].iloc[0]), "value": selected})
    return options


def client_choices(
    session: Session, search: str | None, *, selected: str | None = None
) -> list[dict]:
    """The client picker's options for ``search`` (the repository's names, by name)."""
    return client_options(clients_repo.client_names(session), search, selected=selected)
