"""The client detail's view model: the client's scores, interventions and why the score changed.

Decisions where the brief was open:

- "The figures behind the score" are the stored raw inputs of the scored
  day (``health_scores`` keeps them beside the components), each component's
  effective weight on that day (rescaled over the components with data,
  ``scoring.weights``) and the points it earns: weight x score, apportioned in
  whole tenths so that the points add up exactly to the stored score.
- "Why the score changed" compares day D with the latest stored score on or
  before D - 7 (or D - 30); a client scored for less long is compared with its
  first score. It uses the stored one-decimal scores, so the component bars
  add up exactly to the change (``scoring.explain.contributions``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard import formatting
from dashboard.clock import as_date
from dashboard.services.client_records import ClientRecord, client_changes, record_of
from data.models import Client, InterventionNote, User
from data.repositories import clients as clients_repo
from data.repositories import interventions as interventions_repo
from data.repositories import scores as scores_repo
from data.repositories import users as users_repo
from scoring import columns as col
from scoring.columns import (
    CLIENT_ID,
    DAY,
    OVERALL,
    SCORE_INT,
)
from scoring.enums import (
    InterventionStatus,
    InterventionType,
    Priority,
)
from scoring.explain import COMPONENT, LABEL, apportion_tenths, contributions
from scoring.model import (
    COMPONENT_BY_NAME,
    COMPONENT_COLUMNS,
    COMPONENTS,
    INTERACTION_WINDOW,
    LOGIN_WINDOW,
    RATING_WINDOW,
    RESOLUTION_WINDOW,
    RESPONSE_WINDOW,
    SENTIMENT_WINDOW,
    TICKET_WINDOW,
    VELOCITY_WINDOW,
)
from scoring.weights import effective_weights

HISTORY_DAYS = 180


@dataclass(frozen=True)
class ChangeExplanation:
    """The change of a client's stored score between two days, component by component."""

    start_day: dt.date
    end_day: dt.date
    start_score: float
    end_score: float
    parts: (
        pd.DataFrame
    )  # one row per component: component, label, contribution ... (scoring.explain)

    @property
    def change(self) -> float:
        return round(self.end_score - self.start_score, 1)


def change_explanation(
    history: pd.DataFrame, *, end_day: dt.date, window: int
) -> ChangeExplanation | None:
    """Why the score moved from ``window`` days before ``end_day`` to ``end_day``.

    ``history``: one client's stored scores (``day``, ``overall`` and the
    component columns). The start is the latest score on or before
    ``end_day - window``, else the client's first score; None when there is no
    score on ``end_day`` or nothing earlier.
    """
    if history.empty:
        return None
    frame = history.assign(_day=[as_date(value) for value in history[DAY]]).sort_values("_day")
    end_rows = frame[frame["_day"] == end_day]
    earlier = frame[frame["_day"] < end_day]
    if end_rows.empty or earlier.empty:
        return None
    cutoff = end_day - dt.timedelta(days=window)
    on_or_before = earlier[earlier["_day"] <= cutoff]
    start_row = on_or_before.iloc[-1] if len(on_or_before) else earlier.iloc[0]
    end_row = end_rows.iloc[-1]
    # The two days' scores, under one name: contributions() pairs the rows by it.
    numbers = [OVERALL, *COMPONENT_COLUMNS]
    start_values = pd.to_numeric(start_row[numbers], errors="coerce").rename(CLIENT_ID)
    end_values = pd.to_numeric(end_row[numbers], errors="coerce").rename(CLIENT_ID)
    parts = contributions(start_values, end_values).reset_index()
    parts[LABEL] = [COMPONENT_BY_NAME[name].label for name in parts[COMPONENT]]
    return ChangeExplanation(
        start_day=start_row["_day"],
        end_day=end_day,
        start_score=float(start_row[OVERALL]),
        end_score=float(end_row[OVERALL]),
        parts=parts,
    )


@dataclass(frozen=True)
class ClientDetail:
    client: dict
    owner_name: str | None
    day: dt.date | None
    latest: pd.Series | None  # the stored score row of ``day``
    history: pd.DataFrame  # day, score (integer) and overall over the last HISTORY_DAYS
    change: ChangeExplanation | None
    interventions: pd.DataFrame
    notes: pd.DataFrame
    record: ClientRecord | None = None
    record_facts: dict | None = None  # email, package, contract_value, created_at of the client
    # The record's changes, newest first (client_records.client_changes).
    changes: list | None = None
    team: pd.DataFrame | None = None  # every member (team_frame), for the owner choices


def intervention_notes(session: Session, intervention_ids: list[int]) -> pd.DataFrame:
    """The notes of the given interventions, oldest first: intervention_id, author_name, body, created_at."""
    columns = ["intervention_id", "author_name", "body", "created_at"]
    if not intervention_ids:
        return pd.DataFrame(columns=columns)
    stmt = (
        select(
            InterventionNote.intervention_id,
            User.name.label("author_name"),
            InterventionNote.body,
            InterventionNote.created_at,
        )
        .outerjoin(User, User.id == InterventionNote.author_id)
        .where(InterventionNote.intervention_id.in_(intervention_ids))
        .order_by(InterventionNote.created_at, InterventionNote.id)
    )
    return pd.DataFrame(session.execute(stmt).all(), columns=columns)


def client_detail_model(
    session: Session, client_id: str, *, window: int, now: pd.Timestamp
) -> ClientDetail | None:
    """Everything the client detail shows, or None for an unknown client."""
    found = clients_repo.clients_frame(session, [client_id])
    if found.empty:
        return None
    client = found.iloc[0].to_dict()
    owner_name = None
    team = users_repo.team_frame(session, include_inactive=True)
    if client.get("owner_id") is not None and not pd.isna(client.get("owner_id")):
        match = team.loc[team["id"] == int(client["owner_id"]), "name"]
        owner_name = str(match.iloc[0]) if len(match) else None

    day = scores_repo.latest_score_day(session)
    history = pd.DataFrame()
    latest = None
    change = None
    if day is not None:
        history = scores_repo.score_history(
            session, start=day - dt.timedelta(days=HISTORY_DAYS), end=day, client_ids=[client_id]
        )
        if not history.empty:
            history = history.assign(**{SCORE_INT: np.floor(history[OVERALL] + 0.5)})
            last_day = as_date(history[DAY].iloc[-1])
            latest = history.iloc[-1]
            day = last_day
            change = change_explanation(history, end_day=last_day, window=window)
    interventions, _ = interventions_repo.intervention_queue(
        session, client_id=client_id, now=now, limit=100
    )
    interventions = interventions.sort_values(
        "created_at", ascending=False, kind="stable"
    ).reset_index(drop=True)
    notes = intervention_notes(session, [int(value) for value in interventions["id"]])
    stored = session.get(Client, client_id)
    facts = {
        "email": stored.email,
        "package": stored.package,
        "contract_value": stored.contract_value,
        "created_at": stored.created_at,
    }
    return ClientDetail(
        client, owner_name, day, latest, history, change, interventions, notes,
        record=record_of(stored), record_facts=facts, changes=client_changes(session, client_id), team=team,
    )  # fmt: skip


def _count(value: float, one: str, many: str) -> str:
    number = int(value)
    return f"{number:,} {one if number == 1 else many}"


def _input_text(name: str, f: pd.Series) -> str:
    """What a component's score is made of on the scored day, in words."""

    def value(feature: str) -> float | None:
        item = f.get(feature)
        return None if formatting.is_missing(item) else float(item)

    logins, interactions = value(col.F_LOGINS_30D), value(col.F_INTERACTIONS_7D)
    if name == "logins":
        return f"{_count(logins or 0, 'login', 'logins')} in {LOGIN_WINDOW} days"
    if name == "interactions":
        return f"{_count(interactions or 0, 'interaction', 'interactions')} in {INTERACTION_WINDOW} days"
    if name == "recency":
        days = value(col.F_DAYS_SINCE_ACTIVITY)
        return "never active" if days is None else f"last active {formatting.days_ago_text(days)}"
    if name == "responsiveness":
        hours = value(col.F_MEDIAN_RESPONSE_HOURS)
        if hours is None:
            return f"no replies in {RESPONSE_WINDOW} days"
        return f"median reply {formatting.number_text(hours, 1)} h ({RESPONSE_WINDOW} days)"
    if name == "completion":
        due = value(col.F_TASKS_DUE) or 0
        if not due:
            return "no tasks due yet"
        return f"{int(value(col.F_TASKS_DONE) or 0):,} of {_count(due, 'task', 'tasks')} due done"
    if name == "milestones":
        due = value(col.F_MILESTONES_DUE) or 0
        if not due:
            return "no milestones due yet"
        return f"{int(value(col.F_MILESTONES_ON_TIME) or 0):,} of {_count(due, 'milestone', 'milestones')} due on time"
    if name == "overdue":
        due = value(col.F_ITEMS_DUE) or 0
        if not due:
            return "nothing due yet"
        return f"{int(value(col.F_OVERDUE) or 0):,} overdue of {_count(due, 'item', 'items')} due"
    if name == "velocity":
        due = value(col.F_VELOCITY_DUE) or 0
        if not due:
            return f"no tasks due in {VELOCITY_WINDOW} days"
        return (f"{int(value(col.F_VELOCITY_DONE) or 0):,} done, "
                f"{_count(due, 'task', 'tasks')} due in {VELOCITY_WINDOW} days")  # fmt: skip
    if name == "rating":
        rating = value(col.F_MEAN_RATING)
        if rating is None:
            return f"no ratings in {RATING_WINDOW} days"
        return f"mean rating {rating:.1f} of 5 ({RATING_WINDOW} days)"
    if name == "sentiment":
        sentiment = value(col.F_MEAN_SENTIMENT)
        if sentiment is None:
            return f"no feedback in {SENTIMENT_WINDOW} days"
        return f"mean sentiment {sentiment:+.2f} ({SENTIMENT_WINDOW} days)"
    if name == "tickets":
        return f"{_count(value(col.F_TICKETS_30D) or 0, 'ticket', 'tickets')} opened in {TICKET_WINDOW} days"
    if name == "resolution":
        rating = value(col.F_MEAN_RESOLUTION)
        if rating is None:
            return f"no tickets resolved in {RESOLUTION_WINDOW} days"
        return f"mean resolution rating {rating:.1f} of 5 ({RESOLUTION_WINDOW} days)"
    raise ValueError(f"unknown component {name}")


def score_figures(latest: pd.Series) -> pd.DataFrame:
    """The figures behind one stored score, a row per component in the model's order.

    Columns: component, label, subscore, input (the raw input in words),
    score (0-100, NaN without data), weight (effective, 0 without data), points
    (weight x score in tenths apportioned to add up to the stored overall;
    NaN without data) and full (weight x 100: the points at full marks).
    """
    components = latest.reindex(list(COMPONENT_COLUMNS)).astype(float).to_frame().T
    weights = effective_weights(components).iloc[0].to_numpy()
    scores = components.iloc[0].to_numpy()
    raw = np.where(np.isnan(scores), 0.0, weights * scores * 10)
    overall = latest.get(OVERALL)
    total = int(round(float(overall) * 10)) if not formatting.is_missing(overall) else 0
    tenths = apportion_tenths(raw[None, :], np.array([total]))[0]
    return pd.DataFrame(
        {
            COMPONENT: [c.name for c in COMPONENTS],
            LABEL: [c.label for c in COMPONENTS],
            "subscore": [c.subscore for c in COMPONENTS],
            "input": [_input_text(c.name, latest) for c in COMPONENTS],
            "score": scores,
            "weight": weights,
            "points": np.where(np.isnan(scores), np.nan, tenths / 10),
            "full": weights * 100,
        }
    )


def intervention_labels(row: Mapping) -> dict[str, str]:
    """Display labels of an intervention row's type, priority and status."""

    def label(enum, value) -> str:
        try:
            return enum(value).label
        except ValueError:
            return str(value)

    return {
        "type": label(InterventionType, row.get("type")),
        "priority": label(Priority, row.get("priority")),
        "status": label(InterventionStatus, row.get("status")),
    }
