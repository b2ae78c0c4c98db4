"""Aggregates of the Analytics figures, computed in the database: a handful of rows per query.

Each function here is the SQL form of a definition in ``scoring.kpis`` (the
definitions on whole frames, which the tests run beside these on random books
to prove they agree): the views read these sums and counts instead of every
client, score and intervention.

Decisions:

- A period ``[start, end]`` is compared on timestamps (``created_at >= start
  00:00 UTC`` and ``< end + 1 day 00:00 UTC``), which is the UTC-day rule of
  ``scoring.kpis`` without a function call per row.
- A segment is a range of UTC creation days (``scoring.kpis.segment_created_days``),
  ``created_from``/``created_to`` None leaving that side open.
- Durations are summed as whole microseconds (exact integers on both
  backends) and turned into hours once per group.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import pandas as pd
from sqlalchemy import ColumnElement, and_, case, func, literal, not_, or_, select, text, true
from sqlalchemy.orm import Session

from data.models import (
    Client,
    HealthScore,
    Intervention,
    InterventionScoreCheck,
    ScoreClientPosition,
)
from data.repositories._day_sql import epoch_microseconds, integer_score, plus_days, utc_day
from data.repositories._frames import day_end_exclusive, day_start, read_frame
from scoring import kpis
from scoring.enums import (
    AT_RISK_LEVELS,
    OPEN_STATUSES,
    ClientStatus,
    InterventionStatus,
    InterventionType,
    Outcome,
)
from scoring.events import day_numbers

MICROSECONDS_PER_HOUR = 3_600_000_000
FIRST_HELP_DAY = "first_help_day"
CHURNED_DAY = "churned_day"


def without_jit(session: Session) -> None:
    """On PostgreSQL, no just-in-time compilation for the rest of the transaction.

    The aggregates of the views read few rows, but a query with a lookup per
    row looks expensive to the planner, which would then spend a third of a
    second compiling it (measured at 100,000 clients).
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL jit = off"))


def _in_days(
    column: ColumnElement, start: dt.date | None, end: dt.date | None
) -> ColumnElement[bool]:
    """``column`` (a timestamp) falls on a UTC day from ``start`` to ``end`` (None: open)."""
    conditions = []
    if start is not None:
        conditions.append(column >= day_start(start))
    if end is not None:
        conditions.append(column < day_end_exclusive(end))
    return and_(true(), *conditions)


def _segment(created_from: dt.date | None, created_to: dt.date | None) -> ColumnElement[bool]:
    return _in_days(Client.__table__.c.created_at, created_from, created_to)


def _of_segment(table, created_from: dt.date | None, created_to: dt.date | None):
    """Rows of ``table`` (by ``client_id``) of the clients created in the segment.

    An ``IN (SELECT ...)`` rather than a join: the segments read this way are
    bounded below (new clients, or those created since a day), so the few
    clients come from their creation-time index and their rows from the
    ``client_id`` index.
    """
    if created_from is None and created_to is None:
        return true()
    clients = Client.__table__
    return table.c.client_id.in_(select(clients.c.id).where(_segment(created_from, created_to)))


def _by_segment(
    sums: Callable[[dt.date | None, dt.date | None], pd.DataFrame],
    keys: list[str],
    created_from: dt.date | None,
    created_to: dt.date | None,
) -> pd.DataFrame:
    """``sums(created_from, created_to)``: additive sums per ``keys`` of a segment's interventions.

    Clients created before a day (the existing clients) are nearly all of them:
    their sums are those of everyone less those of the few clients created since,
    which the clients' creation-time index finds (rather than looking up the
    client of every intervention). Groups left with nothing are dropped.
    """
    if created_from is not None or created_to is None:
        return sums(created_from, created_to)
    everyone = sums(None, None)
    newer = sums(created_to + dt.timedelta(days=1), None)
    if newer.empty:
        return everyone
    values = [name for name in everyone.columns if name not in keys]
    both = everyone.merge(newer, on=keys, how="left", suffixes=("", "_newer"))
    for name in values:
        both[name] = both[name] - both[f"{name}_newer"].fillna(0)
    both = both[keys + values]
    return both[(both[values] != 0).any(axis=1)].reset_index(drop=True)


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def client_counts(
    session: Session,
    *,
    start: dt.date,
    end: dt.date,
    created_from: dt.date | None = None,
    created_to: dt.date | None = None,
    everyone_at_start: bool = False,
) -> dict[str, int]:
    """The client counts of ``scoring.kpis.retention`` and the active clients, in one query.

    Over the clients created from ``created_from`` to ``created_to``:
    ``active_clients`` (status active now), ``clients_at_start``, ``churned``,
    ``revenue_at_start`` and ``revenue_churned``. ``everyone_at_start``: every
    client counts as active at the start (the new clients segment).
    """
    clients = Client.__table__
    first = day_start(start)
    if everyone_at_start:
        at_start: ColumnElement[bool] = true()
    else:
        ended_before = or_(
            and_(clients.c.churned_at.is_not(None), clients.c.churned_at < first),
            and_(clients.c.completed_at.is_not(None), clients.c.completed_at < first),
            and_(
                clients.c.churned_at.is_(None),
                clients.c.completed_at.is_(None),
                clients.c.status != ClientStatus.ACTIVE,
            ),
        )
        at_start = and_(clients.c.created_at < first, not_(ended_before))
    churned = and_(at_start, _in_days(clients.c.churned_at, start, end))
    value = func.coalesce(clients.c.contract_value, 0)
    stmt = select(
        _count(clients.c.status == ClientStatus.ACTIVE).label("active_clients"),
        _count(at_start).label("clients_at_start"),
        _count(churned).label("churned"),
        func.coalesce(func.sum(case((at_start, value), else_=0)), 0).label("revenue_at_start"),
        func.coalesce(func.sum(case((churned, value), else_=0)), 0).label("revenue_churned"),
    ).where(_segment(created_from, created_to))
    row = session.execute(stmt).one()
    return {name: int(value) for name, value in row._mapping.items()}


def intervention_sums(
    session: Session,
    *,
    start: dt.date,
    end: dt.date,
    now: dt.datetime,
    created_from: dt.date | None = None,
    created_to: dt.date | None = None,
) -> pd.DataFrame:
    """``scoring.kpis.intervention_sums`` of the interventions of a segment's clients, in SQL.

    One row per (``type``, ``assigned_to``) with the ``scoring.kpis.SUM_COLUMNS``,
    and a row of zeros for an assignee with no other row (the definition has
    a row for every assignee of the segment's interventions).
    ``score_improvement`` reads the score stored 14 days after completion when
    that day is inside the period, as ``scoring.kpis.intervention_facts`` does.
    Three queries, each reading only the interventions it needs: those of the
    period, the open ones, and the assignees.
    """
    keys = [kpis.TYPE, kpis.ASSIGNED_TO]
    frames = [
        _by_segment(
            lambda low, high: _period_sums(session, start, end, low, high),
            keys, created_from, created_to,
        ),
        _by_segment(
            lambda low, high: _open_sums(session, now, low, high), keys, created_from, created_to
        ),
    ]  # fmt: skip
    sums = pd.concat([frame for frame in frames if not frame.empty] or frames, ignore_index=True)
    micros = ["resolution_us", "to_intervention_us"]
    sums = sums.reindex(columns=[*keys, *kpis.SUM_COLUMNS, *micros])
    sums[micros] = sums[micros].fillna(0).astype(np.int64)
    assignees = _assignees(session, created_from, created_to)
    seen = set(sums[kpis.ASSIGNED_TO].dropna().astype(int))
    missing = [
        a
        for a in assignees
        if (a is None and not sums[kpis.ASSIGNED_TO].isna().any())
        or (a is not None and a not in seen)
    ]
    if missing:
        zeros = pd.DataFrame(
            {
                kpis.TYPE: [InterventionType.CALL.value] * len(missing),
                kpis.ASSIGNED_TO: missing,
            }
        )
        sums = pd.concat([sums, zeros], ignore_index=True)
    sums[kpis.ASSIGNED_TO] = sums[kpis.ASSIGNED_TO].astype("Int64")
    grouped = sums.groupby(keys, dropna=False, sort=True)[[*kpis.SUM_COLUMNS, *micros]].sum()
    grouped = grouped.fillna(0)
    for name, micro in (
        (kpis.RESOLUTION_HOURS_SUM, "resolution_us"),
        (kpis.TIME_TO_INTERVENTION_HOURS_SUM, "to_intervention_us"),
    ):
        grouped[name] = grouped.pop(micro).to_numpy(dtype=np.int64) / MICROSECONDS_PER_HOUR
    floats = [
        kpis.RESOLUTION_HOURS_SUM,
        kpis.TIME_TO_INTERVENTION_HOURS_SUM,
        kpis.SCORE_IMPROVEMENT_SUM,
    ]
    counts = [name for name in kpis.SUM_COLUMNS if name not in floats]
    grouped[counts] = grouped[counts].astype(np.int64)
    grouped[floats] = grouped[floats].astype(float)
    return grouped.reset_index()


def _period_sums(
    session: Session,
    start: dt.date,
    end: dt.date,
    created_from: dt.date | None,
    created_to: dt.date | None,
) -> pd.DataFrame:
    """The sums of the interventions created, completed or cancelled in the period."""
    table = Intervention.__table__
    scores = HealthScore.__table__
    status = table.c.status
    created = _in_days(table.c.created_at, start, end)
    completed = and_(
        status == InterventionStatus.COMPLETED, _in_days(table.c.completed_at, start, end)
    )
    cancelled = and_(
        status == InterventionStatus.CANCELLED, _in_days(table.c.cancelled_at, start, end)
    )
    committed = and_(created, status != InterventionStatus.CANCELLED)
    acted_at = func.coalesce(table.c.started_at, table.c.completed_at)
    checks = InterventionScoreCheck.__table__
    check_day = plus_days(utc_day(table.c.completed_at), kpis.SCORE_CHECK_DAYS)
    # The score 14 days after completion: looked up once when that day was summarised
    # (``intervention_score_checks``), else in ``health_scores``.
    looked_up = (
        select(integer_score(scores.c.overall))
        .where(scores.c.client_id == table.c.client_id, scores.c.day == check_day)
        .scalar_subquery()
    )
    improvement = case(
        (
            checks.c.intervention_id.is_not(None),
            case((checks.c.check_day <= end, checks.c.score - table.c.score_at_creation)),
        ),
        else_=case((check_day <= end, looked_up - table.c.score_at_creation)),
    )

    def flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
        return case((condition, 1), else_=0)

    def only(condition: ColumnElement[bool], value: ColumnElement) -> ColumnElement:
        return case((condition, value), else_=None)

    facts = (
        select(
            table.c.type,
            table.c.assigned_to,
            flag(created).label(kpis.CREATED),
            flag(completed).label(kpis.COMPLETED),
            flag(cancelled).label(kpis.CANCELLED),
            flag(and_(completed, table.c.outcome == Outcome.RESOLVED)).label(kpis.RESOLVED),
            flag(and_(completed, table.c.client_responded.is_(True))).label(kpis.RESPONDED),
            only(
                completed,
                epoch_microseconds(table.c.completed_at) - epoch_microseconds(table.c.created_at),
            ).label("resolution_us"),
            only(
                created, epoch_microseconds(acted_at) - epoch_microseconds(table.c.created_at)
            ).label("to_intervention_us"),
            only(completed, improvement).label("improvement"),
            flag(committed).label(kpis.COMMITTED),
            flag(
                and_(
                    committed,
                    status == InterventionStatus.COMPLETED,
                    _in_days(table.c.completed_at, None, end),
                )
            ).label(kpis.COMMITTED_DONE),
        )
        .select_from(
            table.outerjoin(
                checks,
                and_(
                    checks.c.intervention_id == table.c.id,
                    checks.c.completed_at == table.c.completed_at,
                ),
            )
        )
        .where(
            _of_segment(table, created_from, created_to),
            or_(
                created,
                _in_days(table.c.completed_at, start, end),
                _in_days(table.c.cancelled_at, start, end),
            ),
        )
        # OFFSET 0 keeps the subquery as it is (not merged into the sums), so the later score
        # is looked up once per completed intervention.
        .offset(0)
        .subquery()
    )
    flags = (
        kpis.CREATED, kpis.COMPLETED, kpis.CANCELLED, kpis.RESOLVED, kpis.RESPONDED,
        kpis.COMMITTED, kpis.COMMITTED_DONE,
    )  # fmt: skip
    stmt = select(
        facts.c.type,
        facts.c.assigned_to,
        *(func.sum(facts.c[name]).label(name) for name in flags),
        func.coalesce(func.sum(facts.c.resolution_us), 0).label("resolution_us"),
        func.count(facts.c.resolution_us).label(kpis.RESOLUTIONS),
        func.coalesce(func.sum(facts.c.to_intervention_us), 0).label("to_intervention_us"),
        func.count(facts.c.to_intervention_us).label(kpis.TIMES_TO_INTERVENTION),
        func.coalesce(func.sum(facts.c.improvement), 0).label(kpis.SCORE_IMPROVEMENT_SUM),
        func.count(facts.c.improvement).label(kpis.SCORE_IMPROVEMENTS),
    ).group_by(facts.c.type, facts.c.assigned_to)
    # Durations stay whole microseconds (exact) until the sums are final.
    return read_frame(session, stmt).astype(
        {"resolution_us": "int64", "to_intervention_us": "int64"}
    )


def _open_sums(
    session: Session, now: dt.datetime, created_from: dt.date | None, created_to: dt.date | None
) -> pd.DataFrame:
    """``open`` and ``overdue`` (at ``now``) per type and assignee."""
    table = Intervention.__table__
    stmt = (
        select(
            table.c.type,
            table.c.assigned_to,
            func.count().label(kpis.OPEN),
            _count(table.c.due_date < now).label(kpis.OVERDUE),
        )
        .where(table.c.status.in_(OPEN_STATUSES), _of_segment(table, created_from, created_to))
        .group_by(table.c.type, table.c.assigned_to)
    )
    return read_frame(session, stmt)


def _assignees(
    session: Session, created_from: dt.date | None, created_to: dt.date | None
) -> list[int | None]:
    """Every assignee of the segment's interventions (None: some are unassigned).

    Clients created in a bounded range (new clients) are few: their interventions
    are read through the clients' creation-time index. Clients created up to a
    day (existing clients) are nearly all: an assignee is one of theirs when it
    has more interventions in all than with the few clients created since.
    """
    table = Intervention.__table__

    def per_assignee(low: dt.date | None, high: dt.date | None) -> dict[int | None, int]:
        stmt = (
            select(table.c.assigned_to, func.count())
            .where(_of_segment(table, low, high))
            .group_by(table.c.assigned_to)
        )
        return {assignee: int(count) for assignee, count in session.execute(stmt)}

    if created_from is None and created_to is not None:
        everyone = per_assignee(None, None)
        newer = per_assignee(created_to + dt.timedelta(days=1), None)
        counts = {a: n - newer.get(a, 0) for a, n in everyone.items()}
    else:
        counts = per_assignee(created_from, created_to)
    present = [a for a, n in counts.items() if n > 0]
    return sorted(a for a in present if a is not None) + ([None] if None in present else [])


def intervention_daily_counts(
    session: Session,
    *,
    start: dt.date,
    end: dt.date,
    created_from: dt.date | None = None,
    created_to: dt.date | None = None,
) -> pd.DataFrame:
    """Per UTC day of ``[start, end]``: interventions ``created`` and (completed ones) ``completed``.

    Columns ``day``, ``created``, ``completed``; days without either are absent.
    """
    table = Intervention.__table__

    def counts(low: dt.date | None, high: dt.date | None) -> pd.DataFrame:
        frames = []
        for name, column, extra in (
            (kpis.CREATED, table.c.created_at, true()),
            (kpis.COMPLETED, table.c.completed_at, table.c.status == InterventionStatus.COMPLETED),
        ):
            day = utc_day(column)
            stmt = (
                select(day.label("day"), func.count().label(name))
                .where(_of_segment(table, low, high), extra, _in_days(column, start, end))
                .group_by(day)
            )
            frames.append(read_frame(session, stmt).set_index("day"))
        merged = frames[0].join(frames[1], how="outer").fillna(0).astype(np.int64)
        return merged.rename_axis("day").reset_index()

    merged = _by_segment(counts, ["day"], created_from, created_to)
    return merged.sort_values("day", ignore_index=True)


def helped_at_risk_clients(
    session: Session,
    *,
    start: dt.date,
    end: dt.date,
    created_from: dt.date | None = None,
    created_to: dt.date | None = None,
    at_risk: np.ndarray | None = None,
) -> pd.DataFrame:
    """The clients of churn prevention (``scoring.kpis.retention``), one row each.

    A client of the segment with a stored high or critical risk level on a day
    of ``[start, end]`` and an intervention created in it and not cancelled:
    ``first_help_day`` and ``churned_day`` (day numbers, ``NO_DAY`` when it
    never churned). ``at_risk``: which client positions were at risk in the
    period (``comparisons.at_risk_positions``); without it the stored scores
    are searched.
    """
    table = Intervention.__table__
    clients = Client.__table__
    conditions = [
        table.c.status != InterventionStatus.CANCELLED,
        _in_days(table.c.created_at, start, end),
    ]
    if at_risk is None:
        scores = HealthScore.__table__
        conditions.append(
            select(literal(1))
            .where(
                scores.c.client_id == table.c.client_id,
                scores.c.day >= start,
                scores.c.day <= end,
                scores.c.risk_level.in_([level.value for level in AT_RISK_LEVELS]),
                scores.c.overall.is_not(None),
            )
            .exists()
        )
    # Grouped per client first (the interventions of the period), then joined to those
    # clients, where the segment is checked.
    helped = (
        select(table.c.client_id, func.min(table.c.created_at).label("first_at"))
        .where(*conditions)
        .group_by(table.c.client_id)
        .subquery()
    )
    source = helped.join(clients, clients.c.id == helped.c.client_id)
    key = helped.c.client_id
    if at_risk is not None:
        positions = ScoreClientPosition.__table__
        source = source.join(positions, positions.c.client_id == helped.c.client_id)
        key = positions.c.position
    stmt = (
        select(
            key.label("key"),
            utc_day(helped.c.first_at).label(FIRST_HELP_DAY),
            utc_day(clients.c.churned_at).label(CHURNED_DAY),
        )
        .select_from(source)
        .where(_segment(created_from, created_to))
    )
    frame = read_frame(session, stmt)
    if at_risk is not None:
        where = frame["key"].to_numpy(dtype=np.int64)
        keep = np.zeros(len(where), dtype=bool)
        inside = where < len(at_risk)
        keep[inside] = at_risk[where[inside]]
        frame = frame[keep]
    return pd.DataFrame(
        {
            FIRST_HELP_DAY: day_numbers(frame[FIRST_HELP_DAY]),
            CHURNED_DAY: day_numbers(frame[CHURNED_DAY]),
        }
    )


def interventions_open_at(session: Session, instants: list[dt.datetime]) -> list[int]:
    """How many interventions were open at each instant: created by then and not yet completed
    or cancelled (``dashboard.tabs.overview.view_model.open_at``), in one query."""
    table = Intervention.__table__
    closed = func.coalesce(table.c.completed_at, table.c.cancelled_at)
    counts = [
        _count(and_(table.c.created_at <= at, or_(closed.is_(None), closed > at))).label(f"at_{i}")
        for i, at in enumerate(instants)
    ]
    row = session.execute(select(*counts)).one()
    return [int(value) for value in row]
