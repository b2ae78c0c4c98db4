"""Intervention rules of DESIGN 6: due dates, overdue, automatic interventions and alerts.

Frames use the column names below (the interventions and alerts tables of
DESIGN 4) and those of ``scoring.columns``; a frame keyed by client may carry
``client_id`` as a column or as its index.

Decisions where DESIGN is silent:

- Onboarding: a client is still onboarding, and gets neither an automatic
  intervention nor an alert, when the UTC date of its ``created_at`` is fewer
  than 14 days before the scoring day (created exactly 14 days before: not
  onboarding). A client without ``created_at`` is not onboarding. Only clients
  whose status is ``active`` get either (all clients when the frame has no
  ``status`` column).
- "No open intervention": any pending or in-progress intervention for the
  client, manual or automatic.
- "Within 7 days of an automatic one being closed": closed (completed, else
  cancelled) after ``now`` - 7 days, by elapsed time, so one closed 6.9 days
  ago blocks and one closed exactly 7 days ago does not. Against several such
  closures the latest counts. "Unless its risk worsened": today's risk level
  is worse than the level of that intervention's ``score_at_creation``; an
  unknown score at creation never counts as worsened.
- Assignment: the client's owner when the owner is an active team member who
  is not a viewer; otherwise the active non-viewer member with the fewest open
  interventions, counting those given out in the same batch (owners' first,
  then the rest in order of risk, worst first, then score, lowest first, then
  client id); ties go to the smallest user id. Nobody (None) when the team has
  no such member.
- The intervention's ``score_at_creation`` is today's integer score; its
  description adds the change against ``reference_scores`` when there is one.
- Alerts: "7 days before" is ``reference_scores`` (the caller passes
  ``trend.score_days_back``); the fall is measured on integer scores. "The
  last 7 days" for repeated score-drop alerts are the scoring day and the six
  before it (DESIGN 5 windows), by the UTC date of the alert's
  ``created_at``; an alert reports a fall when its kind is ``score_drop`` or
  its message starts with ``DROP_MESSAGE_PREFIX`` (the combined alert). A
  client that already has an alert dated on the scoring day gets no other,
  so a re-run never duplicates. The assignee is the client's owner (None
  without one).
"""

from __future__ import annotations

import operator
from collections.abc import Hashable
from functools import reduce

import numpy as np
import pandas as pd

from .columns import (
    CLIENT_ID,
    COMPLETED_AT,
    CREATED_AT,
    KIND,
    OWNER_ID,
    RISK_LEVEL,
    SCORE_INT,
    STATUS,
)
from .enums import (
    AT_RISK_LEVELS,
    OPEN_STATUSES,
    AlertKind,
    ClientStatus,
    InterventionStatus,
    InterventionType,
    Priority,
    RiskLevel,
    Role,
    Source,
)
from .events import NO_DAY, day_number, day_numbers
from .explain import COMPONENT_NAMES, points_lost, primary_risk_factor
from .health import risk_level_of, round_half_up
from .model import COMPONENTS
from .trend import DayLike, by_client, to_utc
from .weights import component_score_array

# Interventions (DESIGN 4); status, created_at and completed_at come from scoring.columns.
ID = "id"
TYPE = "type"
PRIORITY = "priority"
ASSIGNED_TO = "assigned_to"
SOURCE = "source"
STARTED_AT = "started_at"
CANCELLED_AT = "cancelled_at"
DUE_AT = "due_at"
OUTCOME = "outcome"
CLIENT_RESPONDED = "client_responded"
SCORE_AT_CREATION = "score_at_creation"
TITLE = "title"
DESCRIPTION = "description"
# Alerts; their kind is scoring.columns.KIND.
MESSAGE = "message"
ASSIGNEE = "assignee"
# Team members (users).
USER_ID = ID
ROLE = "role"
ACTIVE = "active"

AUTO_INTERVENTION_COLUMNS = (
    CLIENT_ID, TYPE, PRIORITY, DUE_AT, ASSIGNED_TO, TITLE, DESCRIPTION, SCORE_AT_CREATION,
)
ALERT_COLUMNS = (CLIENT_ID, KIND, MESSAGE, ASSIGNEE)

RESPONSE_TIMES: dict[Priority, pd.Timedelta] = {
    Priority.URGENT: pd.Timedelta(hours=24),
    Priority.HIGH: pd.Timedelta(hours=48),
    Priority.MEDIUM: pd.Timedelta(days=7),
    Priority.LOW: pd.Timedelta(days=30),
}
AUTO_ACTIONS: dict[RiskLevel, tuple[InterventionType, Priority]] = {
    RiskLevel.CRITICAL: (InterventionType.CALL, Priority.URGENT),
    RiskLevel.HIGH: (InterventionType.CALL, Priority.HIGH),
}
ONBOARDING_DAYS = 14
NO_RECREATE_DAYS = 7
SCORE_DROP_POINTS = 10
SCORE_DROP_REPEAT_DAYS = 7
DROP_MESSAGE_PREFIX = "Health score fell"

_SEVERITY = {level.value: level.severity for level in RiskLevel}
_CLOSED_STATUSES = tuple(status.value for status in InterventionStatus if status.is_final)


def default_due(priority: Priority | str | pd.Series, created_at: DayLike | pd.Series):
    """Due time for an intervention created at ``created_at`` without one (DESIGN 6).

    Urgent 24 hours, high 48 hours, medium 7 days, low 30 days. Takes scalars
    or Series; returns UTC timestamps of the same shape.
    """
    if isinstance(priority, pd.Series):
        delta = pd.to_timedelta(priority.map({p.value: t for p, t in RESPONSE_TIMES.items()}))
        return to_utc(created_at) + delta
    return to_utc(created_at) + RESPONSE_TIMES[Priority(priority)]


def risk_levels(scores: pd.Series) -> pd.Series:
    """Risk level of each score, banded on the integer score (round half up); None without a score."""
    return pd.Series(risk_level_of(round_half_up(scores.astype(float))), index=scores.index, dtype=object)


def is_overdue(interventions: pd.DataFrame, now: DayLike) -> pd.Series:
    """Whether each intervention is overdue at ``now``: its due time has passed while it is open."""
    due = to_utc(interventions[DUE_AT])
    return interventions[STATUS].isin(OPEN_STATUSES) & (due < to_utc(now))


def _severity(levels: pd.Series) -> pd.Series:
    return levels.map(_SEVERITY).astype(float)


def _score_series(scores: pd.Series | pd.DataFrame) -> pd.Series:
    return by_client(scores)[SCORE_INT] if isinstance(scores, pd.DataFrame) else scores


def _risk_series(scores: pd.Series | pd.DataFrame) -> pd.Series:
    if isinstance(scores, pd.DataFrame):
        scores = by_client(scores)
        return scores[RISK_LEVEL] if RISK_LEVEL in scores else risk_levels(scores[SCORE_INT])
    return risk_levels(scores)


def _past_onboarding(clients: pd.DataFrame, client_ids: pd.Index, as_of: DayLike) -> pd.Series:
    """Whether each client is active and was created at least 14 days before ``as_of``."""
    people = by_client(clients).reindex(client_ids)
    eligible = pd.Series(True, index=client_ids)
    if STATUS in people:
        eligible &= people[STATUS].eq(ClientStatus.ACTIVE)
    if CREATED_AT in people:
        created = day_numbers(people[CREATED_AT])
        eligible &= (created == NO_DAY) | (created <= day_number(as_of) - ONBOARDING_DAYS)
    return eligible


def _open_only(interventions: pd.DataFrame) -> pd.DataFrame:
    if STATUS in interventions:
        return interventions.loc[interventions[STATUS].isin(OPEN_STATUSES)]
    return interventions


def _severity_at_recent_auto_closure(interventions: pd.DataFrame, now: pd.Timestamp) -> pd.Series:
    """Risk severity at creation of each client's latest automatic intervention closed in the last 7 days.

    Indexed by client; infinite when that intervention has no score at creation.
    """
    closed = interventions
    if SOURCE in closed:
        closed = closed.loc[closed[SOURCE].eq(Source.AUTO)]
    if STATUS in closed:
        closed = closed.loc[closed[STATUS].isin(_CLOSED_STATUSES)]
    closed = closed.reindex(columns=[CLIENT_ID, COMPLETED_AT, CANCELLED_AT, SCORE_AT_CREATION])
    closed_at = to_utc(closed[COMPLETED_AT]).fillna(to_utc(closed[CANCELLED_AT]))
    recent = (closed_at > now - pd.Timedelta(days=NO_RECREATE_DAYS)) & (closed_at <= now)
    latest = (
        closed.assign(_closed_at=closed_at)
        .loc[recent]
        .sort_values("_closed_at", kind="stable")
        .groupby(CLIENT_ID)
        .last()
    )
    # An unknown risk at creation is never exceeded.
    return _severity(risk_levels(latest[SCORE_AT_CREATION])).fillna(np.inf)


def _eligible_team(team: pd.DataFrame) -> pd.Index:
    """Ids of the active team members who are not viewers, sorted."""
    keep = pd.Series(True, index=team.index)
    if ACTIVE in team:
        keep &= team[ACTIVE].fillna(False).astype(bool)
    if ROLE in team:
        keep &= team[ROLE].ne(Role.VIEWER)
    workers = team.loc[keep, USER_ID]
    return pd.Index(workers.drop_duplicates()).sort_values()


def least_loaded(loads: pd.Series, count: int) -> list[Hashable]:
    """Members given ``count`` items one by one, each to the least loaded (ties: smallest id).

    ``loads`` holds the current load of each member, indexed by member id.
    Taking the ``count`` smallest (load level, id) slots of all members gives
    the same answer as assigning one at a time.
    """
    if count == 0 or loads.empty:
        return [None] * count
    loads = loads.sort_index()
    current = loads.to_numpy(dtype=np.int64)
    slots = np.maximum(current.min() + count - current, 0)
    member = np.repeat(np.arange(len(loads)), slots)
    level = np.repeat(current, slots) + (np.arange(slots.sum()) - np.repeat(np.cumsum(slots) - slots, slots))
    chosen = member[np.lexsort((member, level))[:count]]
    return list(loads.index[chosen])


def _whole(values: pd.Series) -> pd.Series:
    """Numbers as whole-number text, rounded half up."""
    return pd.Series(round_half_up(values), index=values.index).astype("Int64").astype(str)


def _text(*parts: str | pd.Series) -> pd.Series:
    """Row-wise concatenation of text Series and constant strings."""
    return reduce(operator.add, parts)


def _response_time_text(priority: pd.Series) -> pd.Series:
    def text(delta: pd.Timedelta) -> str:
        hours = int(delta / pd.Timedelta(hours=1))
        return f"{hours} hours" if hours <= 48 else f"{hours // 24} days"

    return priority.map({p.value: text(t) for p, t in RESPONSE_TIMES.items()})


def _describe(
    chosen: pd.DataFrame, reference: pd.Series, risk: pd.Series, priority: pd.Series
) -> tuple[pd.Series, pd.Series]:
    """Title and description of each automatic intervention, in plain words."""
    factor = primary_risk_factor(chosen)
    has_factor = factor.notna()
    position = factor.map({name: i for i, name in enumerate(COMPONENT_NAMES)}).fillna(0).astype(int)
    rows = np.arange(len(chosen))
    lost = points_lost(chosen).to_numpy()[rows, position]
    factor_score = component_score_array(chosen)[rows, position]
    label = factor.map({c.name: c.label for c in COMPONENTS})
    explains = factor.map({c.name: c.explains for c in COMPONENTS})
    score = _whole(chosen[SCORE_INT])

    level_title = risk.map({level.value: f"{level.label} risk" for level in RiskLevel})
    title = _text(level_title, ": score ", score)
    title = title.where(~has_factor, _text(title, ", main factor ", label))

    change = chosen[SCORE_INT] - reference
    change_text = (
        pd.Series("", index=chosen.index)
        .mask(change < 0, _text(" It is down ", _whole(-change), " points from a week ago."))
        .mask(change > 0, _text(" It is up ", _whole(change), " points from a week ago."))
        .mask(change == 0, " It is unchanged from a week ago.")
    )
    level_text = risk.map(
        {
            level.value: f"{level.value} risk ({level.band[0]}-{level.band[1]}): {level.action.lower()}"
            for level in RiskLevel
        }
    )
    factor_text = _text(
        " The main factor is ", label, " (", explains, "): it scores ",
        _whole(pd.Series(factor_score, index=chosen.index)), " of 100 and costs ",
        pd.Series(lost, index=chosen.index).map("{:.1f}".format), " points.",
    )
    description = _text(
        "Health score ", score, " puts this client at ", level_text, ".", change_text,
        factor_text.where(has_factor, " No single component stands out."),
        " Call the client within ", _response_time_text(priority), ".",
    )
    return title, description


def automatic_interventions(
    scores_today: pd.DataFrame,
    reference_scores: pd.Series | pd.DataFrame,
    clients: pd.DataFrame,
    open_interventions: pd.DataFrame,
    recent_auto_closed: pd.DataFrame,
    team: pd.DataFrame,
    as_of: DayLike,
    now: DayLike,
) -> pd.DataFrame:
    """The interventions the scoring run of ``as_of`` creates on its own (DESIGN 6).

    ``scores_today``: the day's scores (``client_id``, ``score``, ``risk_level``,
    component columns). ``reference_scores``: integer scores 7 days before, by
    client. ``clients``: ``client_id``, ``status``, ``created_at``, ``owner_id``.
    ``open_interventions`` / ``recent_auto_closed``: intervention frames (the
    open ones; the automatic ones closed lately), extra rows are filtered out.
    ``team``: users with ``id``, ``role``, ``active``. ``now``: creation time.

    Returns one row per new intervention, worst risk first: ``client_id``,
    ``type``, ``priority``, ``due_at``, ``assigned_to``, ``title``,
    ``description``, ``score_at_creation``.
    """
    now = to_utc(now)
    scores = by_client(scores_today)
    risk = _risk_series(scores)
    severity = _severity(risk)

    wanted = risk.isin(AT_RISK_LEVELS) & _past_onboarding(clients, scores.index, as_of)
    wanted &= ~scores.index.isin(_open_only(open_interventions)[CLIENT_ID])
    closure = _severity_at_recent_auto_closure(recent_auto_closed, now).reindex(scores.index)
    wanted &= ~(closure.notna() & ~(severity > closure))

    if not wanted.any():
        return pd.DataFrame(columns=list(AUTO_INTERVENTION_COLUMNS))
    chosen = (
        scores.assign(_severity=severity)
        .loc[wanted]
        .sort_index(kind="stable")
        .sort_values(["_severity", SCORE_INT], ascending=[False, True], kind="stable")
    )
    chosen_risk = risk.reindex(chosen.index)
    kind = chosen_risk.map({level.value: action.value for level, (action, _) in AUTO_ACTIONS.items()})
    priority = chosen_risk.map({level.value: rank.value for level, (_, rank) in AUTO_ACTIONS.items()})

    workers = _eligible_team(team)
    owners = by_client(clients).reindex(chosen.index)
    owner = owners[OWNER_ID] if OWNER_ID in owners else pd.Series(None, index=chosen.index)
    owned = owner.isin(workers) & owner.notna()
    loads = (
        _open_only(open_interventions)[ASSIGNED_TO].value_counts().reindex(workers, fill_value=0)
        + owner[owned].value_counts().reindex(workers, fill_value=0)
    )
    ids = pd.Series(owner.where(owned).to_numpy(dtype=object), index=chosen.index)
    ids[~owned] = least_loaded(loads, int((~owned).sum()))
    position = workers.get_indexer(ids)
    if (position >= 0).all():
        assignee = pd.Series(workers.take(position), index=chosen.index)
    else:
        assignee = pd.Series(ids.to_numpy(dtype=object), index=chosen.index, dtype=object)
    reference = _score_series(reference_scores).reindex(chosen.index)
    title, description = _describe(chosen, reference, chosen_risk, priority)
    result = pd.DataFrame(
        {
            TYPE: kind,
            PRIORITY: priority,
            DUE_AT: default_due(priority, now),
            ASSIGNED_TO: assignee,
            TITLE: title,
            DESCRIPTION: description,
            SCORE_AT_CREATION: pd.Series(round_half_up(chosen[SCORE_INT]), index=chosen.index).astype("Int64"),
        },
        index=chosen.index,
    )
    return result.rename_axis(CLIENT_ID).reset_index()[list(AUTO_INTERVENTION_COLUMNS)]


def alerts(
    scores_today: pd.DataFrame,
    reference_scores: pd.Series | pd.DataFrame,
    previous_scores: pd.Series | pd.DataFrame,
    recent_alerts: pd.DataFrame,
    clients: pd.DataFrame,
    as_of: DayLike,
) -> pd.DataFrame:
    """The alerts the scoring run of ``as_of`` raises (DESIGN 6), at most one per client.

    A score that fell 10 or more points against ``reference_scores`` (7 days
    before), unless a fall was already reported in the last 7 days, or a risk
    level worse than on ``previous_scores`` (the last scored day before). Both
    at once make one ``risk_worsened`` alert whose message says both.
    ``recent_alerts`` has ``client_id``, ``kind``, ``message``, ``created_at``.
    Returns ``client_id``, ``kind``, ``message``, ``assignee``, by client id.
    """
    scores = by_client(scores_today)
    score = scores[SCORE_INT]
    risk = _risk_series(scores)
    day = day_number(as_of)

    recent = recent_alerts.reindex(columns=[CLIENT_ID, KIND, MESSAGE, CREATED_AT])
    alert_day = day_numbers(recent[CREATED_AT])
    alerted_today = recent.loc[alert_day == day, CLIENT_ID]
    in_repeat_window = (alert_day <= day) & (alert_day > day - SCORE_DROP_REPEAT_DAYS)
    reports_fall = recent[KIND].eq(AlertKind.SCORE_DROP) | recent[MESSAGE].astype(str).str.startswith(DROP_MESSAGE_PREFIX)
    fall_reported = scores.index.isin(recent.loc[in_repeat_window & reports_fall, CLIENT_ID])

    reference = _score_series(reference_scores).reindex(scores.index)
    previous_risk = _risk_series(previous_scores).reindex(scores.index)
    fell = (reference - score >= SCORE_DROP_POINTS) & ~fall_reported
    worse = _severity(risk) > _severity(previous_risk)
    raised = (fell | worse) & _past_onboarding(clients, scores.index, as_of)
    raised &= ~scores.index.isin(alerted_today)

    if not raised.any():
        return pd.DataFrame(columns=list(ALERT_COLUMNS))
    # Messages for the alerted clients only: every step below works row by row.
    kept = raised.to_numpy()
    score, reference, risk = score[kept], reference[kept], risk[kept]
    previous_risk, fell, worse = previous_risk[kept], fell[kept], worse[kept]
    fall_text = _text(
        DROP_MESSAGE_PREFIX, " ", _whole(reference - score), " points in a week, from ",
        _whole(reference), " to ", _whole(score),
    )
    risk_from, risk_to = previous_risk.astype(object).map(str), risk.astype(object).map(str)
    risk_text = _text("Risk level worsened from ", risk_from, " to ", risk_to, " (health score ", _whole(score), ").")
    both_text = _text(fall_text, ", and the risk level worsened from ", risk_from, " to ", risk_to, ".")
    message = _text(fall_text, ".").where(~worse, risk_text.where(~fell, both_text))
    kind = pd.Series(AlertKind.SCORE_DROP.value, index=score.index).mask(worse, AlertKind.RISK_WORSENED.value)
    owners = by_client(clients).reindex(score.index)
    assignee = owners[OWNER_ID] if OWNER_ID in owners else pd.Series(None, index=score.index)
    result = pd.DataFrame({KIND: kind, MESSAGE: message, ASSIGNEE: assignee}).sort_index()
    result[ASSIGNEE] = result[ASSIGNEE].astype(object).where(result[ASSIGNEE].notna(), None)
    return result.rename_axis(CLIENT_ID).reset_index()[list(ALERT_COLUMNS)]

